//! Timed words joined into cues of readable length: at most two lines of 42 characters and
//! 7 s, ended at a sentence's end when one comes, else at a pause or a comma, as subtitling
//! guides ask.

use serde::{Deserialize, Serialize};

use crate::model::transcript::Cue;

/// The longest line of a cue, in characters.
pub const MAX_LINE: usize = 42;
/// The most lines of a cue.
const MAX_LINES: usize = 2;
/// The longest cue, in milliseconds.
const MAX_CUE_MS: u64 = 7_000;
/// A pause this long between two words ends a cue, in milliseconds.
const PAUSE_MS: u64 = 1_500;
/// The shortest time a cue stays on screen, when the next one leaves room.
const MIN_CUE_MS: u64 = 1_000;

/// A word the model heard, with when it was said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Word {
    /// Its start, in milliseconds from the recording's start.
    pub start_ms: u64,
    /// Its end, in milliseconds from the recording's start.
    pub end_ms: u64,
    /// The word, with the punctuation that follows it.
    pub text: String,
}

/// The cues `words` (in time order) make.
pub fn cues(words: &[Word]) -> Vec<Cue> {
    let mut cues: Vec<Cue> = Vec::new();
    let mut rest = words;
    while !rest.is_empty() {
        let taken = cue_length(rest);
        let (cue, after) = rest.split_at(taken);
        cues.push(Cue {
            start_ms: cue[0].start_ms,
            end_ms: cue[cue.len() - 1].end_ms,
            voice: None,
            text: wrap(&joined(cue)),
        });
        rest = after;
    }
    fix_timing(&mut cues);
    cues
}

/// How many of `words` the next cue takes: at least one.
fn cue_length(words: &[Word]) -> usize {
    let mut length = 0;
    let mut last_comma = None;
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let previous = &words[i - 1];
            let text_length = joined(&words[..=i]).chars().count();
            let too_long = text_length > MAX_LINE * MAX_LINES
                || word.end_ms.saturating_sub(words[0].start_ms) > MAX_CUE_MS;
            if word.start_ms.saturating_sub(previous.end_ms) >= PAUSE_MS {
                return i;
            }
            if too_long {
                // Back to a comma in the cue's second half, rather than mid-clause.
                return match last_comma {
                    Some(comma) if comma * 2 >= i => comma,
                    _ => i,
                };
            }
        }
        length = i + 1;
        if ends_sentence(&word.text) {
            return length;
        }
        if ends_clause(&word.text) {
            last_comma = Some(length);
        }
    }
    length
}

fn ends_sentence(word: &str) -> bool {
    let word = word.trim_end_matches(['»', '"', ')', '”', '’']);
    word.ends_with(['.', '?', '!', '…'])
}

fn ends_clause(word: &str) -> bool {
    word.ends_with([',', ';', ':'])
}

/// The words' text on one line, single spaces between them.
fn joined(words: &[Word]) -> String {
    let mut line = String::new();
    for word in words {
        let text = word.text.trim();
        if text.is_empty() {
            continue;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(text);
    }
    line
}

/// A line longer than [`MAX_LINE`] split in two at the space that balances them best.
fn wrap(line: &str) -> String {
    if line.chars().count() <= MAX_LINE {
        return line.to_string();
    }
    let total = line.chars().count();
    let best = line
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(at, _)| {
            let left = line[..at].chars().count();
            (at, left.max(total - left - 1))
        })
        .min_by_key(|&(_, longest)| longest);
    match best {
        Some((at, _)) => format!("{}\n{}", &line[..at], &line[at + 1..]),
        None => line.to_string(),
    }
}

/// Cues in order that never overlap, each on screen at least [`MIN_CUE_MS`] where the next
/// one leaves room.
fn fix_timing(cues: &mut [Cue]) {
    for i in 0..cues.len() {
        let next_start = cues.get(i + 1).map(|c| c.start_ms);
        let cue = &mut cues[i];
        let wanted = cue.end_ms.max(cue.start_ms + MIN_CUE_MS);
        cue.end_ms = match next_start {
            Some(next) => wanted.min(next).max(cue.start_ms + 1),
            None => wanted,
        };
        let end = cue.end_ms;
        if let Some(next) = cues.get_mut(i + 1)
            && next.start_ms < end
        {
            next.start_ms = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, every_ms: u64) -> Vec<Word> {
        text.split(' ')
            .enumerate()
            .map(|(i, w)| Word {
                start_ms: i as u64 * every_ms,
                end_ms: i as u64 * every_ms + every_ms - 50,
                text: w.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_cue_ends_at_a_sentence_end() {
        let cues = cues(&words("Bonjour à toutes. Bienvenue à la rencontre.", 300));
        let texts: Vec<&str> = cues.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["Bonjour à toutes.", "Bienvenue à la rencontre."]);
        assert!(cues[0].end_ms <= cues[1].start_ms);
    }

    #[test]
    fn a_long_sentence_makes_cues_of_two_lines_of_42_characters_at_most() {
        let text = "La dématérialisation des services publics, présentée comme une simplification, éloigne en réalité les personnes les plus fragiles de leurs droits sociaux et de leurs interlocuteurs habituels dans les administrations";
        let cues = cues(&words(text, 250));
        assert!(cues.len() >= 3, "{cues:?}");
        for cue in &cues {
            let lines: Vec<&str> = cue.text.split('\n').collect();
            assert!(lines.len() <= 2, "{cue:?}");
            assert!(
                lines.iter().all(|l| l.chars().count() <= MAX_LINE),
                "{cue:?}"
            );
            assert!(cue.end_ms - cue.start_ms <= MAX_CUE_MS + 250, "{cue:?}");
        }
        // The first cue ends at a comma rather than mid-clause.
        assert_eq!(
            cues[0].text,
            "La dématérialisation des services publics,\nprésentée comme une simplification,"
        );
        let all: Vec<String> = cues.iter().map(|c| c.text.replace('\n', " ")).collect();
        assert_eq!(all.join(" "), text);
    }

    #[test]
    fn a_pause_ends_a_cue_and_short_cues_stay_a_second() {
        let mut heard = words("Merci. Oui", 200);
        heard[1].start_ms = 5_000;
        heard[1].end_ms = 5_200;
        let cues = cues(&heard);
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_ms, cues[0].end_ms), (0, 1_000));
        assert_eq!((cues[1].start_ms, cues[1].end_ms), (5_000, 6_000));
    }
}
