//! What a Whisper model's generated tokens say: segments of text between its timestamps,
//! their words timed, and whether the model heard speech at all.

use anyhow::Result;

use super::cues::Word;
/// Whether the model found no speech in a window, as Whisper's own rule has it: the
/// no-speech token is likely (over 0.6) and the text it would give is unlikely (an average
/// log-probability under −1). `score` is CTranslate2's, the log-probability divided by the
/// length of the `tokens` generated.
pub fn is_silence(no_speech: f32, score: Option<f32>, tokens: usize) -> bool {
    let average = score.map_or(0.0, |score| score * tokens as f32 / (tokens as f32 + 1.0));
    no_speech > 0.6 && average < -1.0
}

/// A stretch of speech between two timestamps the model gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Start, in milliseconds from the window's start.
    pub start_ms: u64,
    /// End, in milliseconds from the window's start.
    pub end_ms: u64,
    /// What was said, on one line.
    pub text: String,
}

impl Segment {
    /// Its words, each given a share of the segment's time as long as its text, timed from
    /// the recording's start (`offset_ms` is the window's).
    pub fn words(&self, offset_ms: u64) -> Vec<Word> {
        let words: Vec<&str> = self.text.split_whitespace().collect();
        let total: usize = words.iter().map(|w| w.chars().count() + 1).sum();
        let span = self.end_ms.saturating_sub(self.start_ms);
        let mut done = 0;
        words
            .iter()
            .map(|word| {
                let start = self.start_ms + span * done as u64 / total.max(1) as u64;
                done += word.chars().count() + 1;
                let end = self.start_ms + span * done as u64 / total.max(1) as u64;
                Word {
                    start_ms: offset_ms + start,
                    end_ms: offset_ms + end,
                    text: (*word).to_string(),
                }
            })
            .collect()
    }
}

/// The segments of a generated token sequence: text between timestamp tokens (`<|1.24|>`),
/// the text tokens turned into text by `decode`. Text after the last timestamp runs to the
/// window's end (`window_ms`); other special tokens are left out, and so are the control
/// characters the text may hold.
pub fn segments(
    tokens: &[String],
    window_ms: u64,
    decode: impl Fn(Vec<String>) -> Result<String>,
) -> Result<Vec<Segment>> {
    let mut segments = Vec::new();
    let mut start_ms = 0;
    let mut pending: Vec<String> = Vec::new();
    let mut close = |pending: &mut Vec<String>, start_ms: u64, end_ms: u64| -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let (text, _) = crate::model::text::clean(&decode(std::mem::take(pending))?);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // The model hears every window padded to 30 s: a timestamp may lie past a short
        // window's end, and is brought back to it.
        let start_ms = start_ms.min(window_ms);
        if !text.is_empty() {
            segments.push(Segment {
                start_ms,
                end_ms: end_ms.clamp(start_ms, window_ms),
                text,
            });
        }
        Ok(())
    };
    for token in tokens {
        match special(token) {
            Some(Special::Time(ms)) => {
                close(&mut pending, start_ms, ms)?;
                start_ms = ms;
            }
            Some(Special::Other) => {}
            None => pending.push(token.clone()),
        }
    }
    close(&mut pending, start_ms, window_ms)?;
    Ok(segments)
}

enum Special {
    /// A timestamp, in milliseconds from the window's start.
    Time(u64),
    Other,
}

fn special(token: &str) -> Option<Special> {
    let inner = token.strip_prefix("<|")?.strip_suffix("|>")?;
    let time = inner
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0);
    Some(match time {
        Some(seconds) => Special::Time((seconds * 1000.0).round() as u64),
        None => Special::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        text.split(' ').map(String::from).collect()
    }

    #[test]
    fn text_between_timestamps_makes_segments_and_words_share_their_time() {
        let decode = |tokens: Vec<String>| Ok(tokens.join(" ").replace('_', " "));
        let found = segments(
            &tokens("<|fr|> <|0.00|> Bonjour_à toutes. <|1.60|> <|1.60|> Bien\u{1b}venue <|3.00|> <|endoftext|>"),
            10_000,
            decode,
        )
        .unwrap();
        assert_eq!(
            found,
            [
                Segment {
                    start_ms: 0,
                    end_ms: 1600,
                    text: "Bonjour à toutes.".into()
                },
                Segment {
                    start_ms: 1600,
                    end_ms: 3000,
                    text: "Bienvenue".into()
                },
            ]
        );
        let words = found[0].words(30_000);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Bonjour", "à", "toutes."]);
        assert_eq!(words[0].start_ms, 30_000);
        assert_eq!(words[2].end_ms, 31_600);
        assert!(words.windows(2).all(|w| w[0].end_ms == w[1].start_ms));
        // Timestamps past a short window's end are brought back to it.
        let late = segments(
            &tokens("<|4.00|> encore <|29.98|> et_puis <|30.00|>"),
            2_500,
            decode,
        )
        .unwrap();
        assert_eq!(
            late.iter()
                .map(|s| (s.start_ms, s.end_ms))
                .collect::<Vec<_>>(),
            [(2500, 2500), (2500, 2500)]
        );
        // Text cut off by the window's end runs to it.
        let cut = segments(&tokens("<|2.00|> et_puis"), 2_500, decode).unwrap();
        assert_eq!((cut[0].start_ms, cut[0].end_ms), (2000, 2500));
    }

    #[test]
    fn silence_is_a_likely_no_speech_token_and_an_unlikely_text() {
        assert!(is_silence(0.9, Some(-1.5), 10));
        assert!(!is_silence(0.9, Some(-0.3), 10));
        assert!(!is_silence(0.2, Some(-1.5), 10));
    }
}
