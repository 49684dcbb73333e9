//! Transcripts: WebVTT or SubRip in, both out (pure).
//!
//! A transcript is untrusted text: cue text is parsed down to plain text (markup removed,
//! entities decoded) and written back escaped, so what is published is always well-formed.

use std::fmt::Write as _;

use crate::model::time::{self, BadTime, MAX_HOURS};

/// A transcript's source format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// WebVTT (`.vtt`).
    WebVtt,
    /// SubRip (`.srt`).
    SubRip,
}

impl Format {
    /// The format a file name's extension names.
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "vtt" => Some(Format::WebVtt),
            "srt" => Some(Format::SubRip),
            _ => None,
        }
    }
}

/// One timed piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, in milliseconds.
    pub start_ms: u64,
    /// End, in milliseconds.
    pub end_ms: u64,
    /// Who speaks, when the source says (WebVTT `<v Name>`).
    pub voice: Option<String>,
    /// Plain text; lines separated by `\n`.
    pub text: String,
}

/// A parsed transcript.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Cues in time order.
    pub cues: Vec<Cue>,
    /// An automatic draft nobody has reviewed yet: the WebVTT still holds the note whose
    /// first line is [`DRAFT_MARK`] (the organizer removes it once the text is proofread).
    pub draft: bool,
}

/// The first line of the `NOTE` block that marks a WebVTT file as a draft made by
/// `cyclecast transcribe`: a file without it was written or reviewed by a person, and
/// `transcribe` never replaces it.
pub const DRAFT_MARK: &str = "NOTE cyclecast draft";

/// Whether a WebVTT text is a draft `cyclecast transcribe` made and nobody has reviewed:
/// one of its blocks starts with the line [`DRAFT_MARK`].
pub fn is_draft(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.starts_with("WEBVTT")
        && text
            .replace("\r\n", "\n")
            .split("\n\n")
            .any(|block| block.trim_start_matches('\n').lines().next() == Some(DRAFT_MARK))
}

/// Why a transcript was refused, with the line (from 1) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// Line of the problem.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn fail<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

/// Parses a transcript; cues must be timed in order, each ending after it starts.
pub fn parse(text: &str, format: Format) -> Result<Transcript, ParseError> {
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut index = 0;
    if format == Format::WebVtt {
        let header = lines.first().copied().unwrap_or_default();
        let valid =
            header == "WEBVTT" || header.starts_with("WEBVTT ") || header.starts_with("WEBVTT\t");
        if !valid {
            return fail(1, "a WebVTT file must start with `WEBVTT`");
        }
        // The header block runs to the first blank line.
        while index < lines.len() && !lines[index].trim().is_empty() {
            index += 1;
        }
    }
    let mut cues: Vec<Cue> = Vec::new();
    while index < lines.len() {
        if lines[index].trim().is_empty() {
            index += 1;
            continue;
        }
        let block_start = index;
        while index < lines.len() && !lines[index].trim().is_empty() {
            index += 1;
        }
        let block = &lines[block_start..index];
        if format == Format::WebVtt
            && ["NOTE", "STYLE", "REGION"]
                .iter()
                .any(|k| block[0] == *k || block[0].starts_with(&format!("{k} ")))
        {
            continue;
        }
        let cue = parse_block(block, block_start + 1, format)?;
        if let Some(previous) = cues.last()
            && cue.start_ms < previous.start_ms
        {
            return fail(block_start + 1, "cues must be in time order");
        }
        cues.push(cue);
    }
    let draft = format == Format::WebVtt && is_draft(&text);
    // A draft of a recording where no speech was found has no cue, and says so.
    if cues.is_empty() && !draft {
        return fail(1, "the transcript has no cue");
    }
    Ok(Transcript { cues, draft })
}

fn parse_block(block: &[&str], first_line: usize, format: Format) -> Result<Cue, ParseError> {
    let timing_at = block
        .iter()
        .position(|l| l.contains("-->"))
        .filter(|&i| i <= 1);
    let Some(timing_at) = timing_at else {
        return fail(
            first_line,
            "expected a cue timing such as `00:00:01.000 --> 00:00:04.000`",
        );
    };
    let line = first_line + timing_at;
    let (start, rest) = block[timing_at].split_once("-->").expect("found above");
    let end = rest.split_whitespace().next().unwrap_or_default();
    let (start_ms, end_ms) = match (timestamp(start.trim(), format), timestamp(end, format)) {
        (Ok(start_ms), Ok(end_ms)) => (start_ms, end_ms),
        (Err(BadTime::TooLarge), _) | (_, Err(BadTime::TooLarge)) => {
            return fail(
                line,
                format!(
                    "`{}` is too large: a cue time must be under {MAX_HOURS} hours",
                    block[timing_at].trim()
                ),
            );
        }
        _ => {
            return fail(
                line,
                format!("`{}` is not a valid cue timing", block[timing_at].trim()),
            );
        }
    };
    if end_ms <= start_ms {
        return fail(line, "a cue must end after it starts");
    }
    let raw = block[timing_at + 1..].join("\n");
    let (voice, text) = plain_text(&raw);
    if text.trim().is_empty() {
        return fail(line, "a cue has no text");
    }
    Ok(Cue {
        start_ms,
        end_ms,
        voice,
        text,
    })
}

/// `HH:MM:SS.mmm` or `MM:SS.mmm` (WebVTT), `HH:MM:SS,mmm` (SubRip).
fn timestamp(text: &str, format: Format) -> Result<u64, BadTime> {
    match format {
        Format::WebVtt => time::parse_cue_time(text, '.', true),
        Format::SubRip => time::parse_cue_time(text, ',', false),
    }
}

/// Removes markup and decodes entities; returns the voice of a leading `<v Name>` tag.
fn plain_text(raw: &str) -> (Option<String>, String) {
    let mut voice = None;
    let mut out = String::new();
    let mut rest = raw;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        // `<v Name>` or `<v.class Name>`: the annotation after the first space is the voice.
        if voice.is_none()
            && (tag.starts_with("v ") || tag.starts_with("v."))
            && let Some((_, name)) = tag.split_once(' ')
            && !name.trim().is_empty()
        {
            voice = Some(decode_entities(name.trim()));
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    (voice, decode_entities(out.trim()))
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&amp;", "&")
}

fn escape_vtt(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What follows [`DRAFT_MARK`] in a draft's note, for whoever opens the file.
const DRAFT_NOTE: &str = "Transcription automatique, non relue : retirez cette note une fois le texte relu.\nAutomatic transcript, not reviewed: remove this note once the text is proofread.\n";

/// Writes the transcript as WebVTT, every text escaped; a draft keeps its mark.
pub fn render_vtt(transcript: &Transcript) -> String {
    let mut out = String::from("WEBVTT\n");
    if transcript.draft {
        let _ = write!(out, "\n{DRAFT_MARK}\n{DRAFT_NOTE}");
    }
    for (i, cue) in transcript.cues.iter().enumerate() {
        let text = escape_vtt(&cue.text).replace("-->", "--&gt;");
        let text = match &cue.voice {
            Some(voice) => format!("<v {}>{text}", escape_vtt(voice)),
            None => text,
        };
        let _ = write!(
            out,
            "\n{}\n{} --> {}\n{text}\n",
            i + 1,
            time::timestamp(cue.start_ms, '.'),
            time::timestamp(cue.end_ms, '.')
        );
    }
    out
}

/// Writes the transcript as SubRip.
pub fn render_srt(transcript: &Transcript) -> String {
    let mut out = String::new();
    for (i, cue) in transcript.cues.iter().enumerate() {
        let text = match &cue.voice {
            Some(voice) => format!("{voice}: {}", cue.text),
            None => cue.text.clone(),
        };
        // A blank line would end the cue early.
        let text = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let _ = write!(
            out,
            "{}\n{} --> {}\n{text}\n\n",
            i + 1,
            time::timestamp(cue.start_ms, ','),
            time::timestamp(cue.end_ms, ',')
        );
    }
    out
}

/// The Podcast Index JSON transcript (podcast-namespace `transcripts/transcripts.md`, version
/// 1.0.0).
#[derive(serde::Serialize)]
struct JsonTranscript<'a> {
    version: &'static str,
    segments: Vec<JsonSegment<'a>>,
}

/// One segment: a cue, its lines joined by spaces, its times in seconds.
#[derive(serde::Serialize)]
struct JsonSegment<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    speaker: Option<&'a str>,
    #[serde(rename = "startTime")]
    start_time: f64,
    #[serde(rename = "endTime")]
    end_time: f64,
    body: String,
}

/// Writes the transcript as the Podcast Index JSON format: one segment per cue, with its
/// speaker when the cue names one (WebVTT's `<v Name>`). serde_json escapes the text.
pub fn render_json(transcript: &Transcript) -> String {
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let json = JsonTranscript {
        version: "1.0.0",
        segments: transcript
            .cues
            .iter()
            .map(|cue| JsonSegment {
                speaker: cue.voice.as_deref(),
                start_time: seconds(cue.start_ms),
                end_time: seconds(cue.end_ms),
                body: cue.text.split_whitespace().collect::<Vec<_>>().join(" "),
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&json).expect("a transcript serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_podcast_index_json_with_speakers_and_times_in_seconds() {
        let t = parse(VTT, Format::WebVtt).unwrap();
        let json: serde_json::Value = serde_json::from_str(&render_json(&t)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "version": "1.0.0",
                "segments": [
                    {"speaker": "Clara Deville", "startTime": 0.0, "endTime": 4.5, "body": "Bonjour & bienvenue"},
                    {"startTime": 4.5, "endTime": 9.0, "body": "Deuxième phrase"},
                ]
            })
        );
    }

    const VTT: &str = "WEBVTT\n\nNOTE made by hand\n\nintro\n00:00.000 --> 00:04.500\n<v Clara Deville>Bonjour &amp; bienvenue\n\n00:00:04.500 --> 00:00:09.000 align:start\nDeuxième <b>phrase</b>\n";

    #[test]
    fn a_draft_keeps_its_mark_through_a_round_trip_and_may_have_no_cue() {
        let mut draft = parse(VTT, Format::WebVtt).unwrap();
        assert!(!draft.draft, "a file without the mark is a person's");
        draft.draft = true;
        let text = render_vtt(&draft);
        assert!(is_draft(&text));
        assert_eq!(parse(&text, Format::WebVtt).unwrap(), draft);
        let silent = Transcript {
            cues: Vec::new(),
            draft: true,
        };
        assert_eq!(parse(&render_vtt(&silent), Format::WebVtt).unwrap(), silent);
        // Only a draft may have no cue; the mark counts only as a note's first line.
        assert!(parse("WEBVTT\n\nNOTE made by hand\n", Format::WebVtt).is_err());
        assert!(!is_draft("WEBVTT\n\nNOTE\nNOTE cyclecast draft\n"));
    }

    #[test]
    fn reads_webvtt_cues_voices_and_entities() {
        let t = parse(VTT, Format::WebVtt).unwrap();
        assert_eq!(t.cues.len(), 2);
        assert_eq!(t.cues[0].voice.as_deref(), Some("Clara Deville"));
        assert_eq!(t.cues[0].text, "Bonjour & bienvenue");
        assert_eq!((t.cues[1].start_ms, t.cues[1].end_ms), (4500, 9000));
        assert_eq!(t.cues[1].text, "Deuxième phrase");
    }

    #[test]
    fn converts_between_webvtt_and_subrip_without_loss() {
        let t = parse(VTT, Format::WebVtt).unwrap();
        let srt = render_srt(&t);
        assert!(
            srt.starts_with(
                "1\n00:00:00,000 --> 00:00:04,500\nClara Deville: Bonjour & bienvenue\n\n"
            ),
            "{srt}"
        );
        let vtt = render_vtt(&t);
        assert_eq!(parse(&vtt, Format::WebVtt).unwrap(), t);
    }

    #[test]
    fn escapes_markup_in_cue_text() {
        let t = Transcript {
            cues: vec![Cue {
                start_ms: 0,
                end_ms: 1000,
                voice: Some("A<b>".into()),
                text: "<script>x</script> --> &".into(),
            }],
            draft: false,
        };
        let vtt = render_vtt(&t);
        assert!(
            vtt.contains("<v A&lt;b&gt;>&lt;script&gt;x&lt;/script&gt; --&gt; &amp;"),
            "{vtt}"
        );
    }

    #[test]
    fn rejects_broken_transcripts_with_their_line() {
        assert_eq!(
            parse("1\n00:00:01,000 --> 00:00:02,000\nx\n", Format::WebVtt)
                .unwrap_err()
                .line,
            1
        );
        let backwards = "WEBVTT\n\n00:05.000 --> 00:04.000\nx\n";
        assert_eq!(
            parse(backwards, Format::WebVtt).unwrap_err(),
            ParseError {
                line: 3,
                message: "a cue must end after it starts".into()
            }
        );
        let bad_time = "1\n00:00:01.000 --> 00:00:02.000\nx\n";
        assert!(
            parse(bad_time, Format::SubRip)
                .unwrap_err()
                .message
                .contains("not a valid cue timing")
        );
        let out_of_order =
            "1\n00:00:05,000 --> 00:00:06,000\na\n\n2\n00:00:01,000 --> 00:00:02,000\nb\n";
        assert_eq!(parse(out_of_order, Format::SubRip).unwrap_err().line, 5);
        assert!(parse("WEBVTT\n", Format::WebVtt).is_err());
    }

    // Issue 11: a cue end of `18446744073709551:00:00.000` was published as another time.
    #[test]
    fn refuses_a_cue_time_too_large_to_hold_with_its_line() {
        for (text, format) in [
            (
                "WEBVTT\n\n00:01.000 --> 18446744073709551:00:00.000\nx\n",
                Format::WebVtt,
            ),
            (
                "WEBVTT\n\n00:01.000 --> 99999999999999999999:00:00.000\nx\n",
                Format::WebVtt,
            ),
            (
                "WEBVTT\n\n00:01.000 --> 10000:00:00.000\nx\n",
                Format::WebVtt,
            ),
            (
                "1\n00:00:01,000 --> 5124095576030431:00:00,000\nx\n",
                Format::SubRip,
            ),
        ] {
            let error = parse(text, format).unwrap_err();
            assert_eq!(
                error.line,
                if format == Format::WebVtt { 3 } else { 2 },
                "{text}"
            );
            assert!(
                error
                    .message
                    .contains("is too large: a cue time must be under 10000 hours"),
                "{text}: {error}"
            );
        }
        let long = "WEBVTT\n\n00:01.000 --> 9999:59:59.999\nx\n";
        assert_eq!(
            parse(long, Format::WebVtt).unwrap().cues[0].end_ms,
            35_999_999_999
        );
    }
}
