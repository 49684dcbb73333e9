//! Problems found while validating a project: where each comes from, what is wrong and, where
//! it helps, how to fix it.
//!
//! A problem found in text keeps the offending line, so it is shown rustc style without
//! reading the file again:
//!
//! ```text
//! config.toml:31:1: error: unknown key `sessions[2].titel`
//!    |
//! 31 | titel = "Le numérique"
//!    | ^^^^^
//!    = hint: did you mean `title`?
//! ```

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::model::text::printable;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Publishing is refused.
    Error,
    /// Publishing goes on; the organizer should look.
    Warning,
}

/// One problem, with the file (and line and column, for text files) it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as the organizer names it (relative to the project when inside it).
    pub file: String,
    /// Line and column, from 1, when the problem is in a text file.
    pub position: Option<(usize, usize)>,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// The line the problem is on, with what to underline, when it was found in text. Boxed
    /// to keep `Result<_, Problem>` small.
    pub excerpt: Option<Box<Excerpt>>,
    /// How to fix it, when there is something useful to say: lowercase, no trailing period.
    pub hint: Option<String>,
}

/// The line of text a problem points at, and which of its characters to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The whole line, without its line ending.
    pub line: String,
    /// The first character to underline, counted in characters from 0.
    pub start: usize,
    /// How many characters to underline: at least 1.
    pub width: usize,
}

impl Excerpt {
    /// The line of `text` holding the byte `span.start`, underlining the span up to the end of
    /// that line. Offsets past the text or inside a character are clamped.
    pub fn new(text: &str, span: Range<usize>) -> Excerpt {
        let start = floor_char_boundary(text, span.start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[line_start..line_end].trim_end_matches('\r');
        let line_end = line_start + line.len();
        let end = floor_char_boundary(text, span.end.clamp(start, line_end.max(start)));
        Excerpt {
            line: line.to_string(),
            start: text[line_start..start].chars().count(),
            width: text[start..end].chars().count().max(1),
        }
    }
}

/// `offset`, clamped to the text and moved back to the start of the character it falls in.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl Problem {
    /// An error in a file, with no position.
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.into(),
            position: None,
            message: message.into(),
            excerpt: None,
            hint: None,
        }
    }

    /// A warning about a file, with no position.
    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, message)
        }
    }

    /// An error at a byte offset of a text file; its excerpt underlines one character.
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Problem {
        Problem::spanning(file, text, offset..offset + 1, message)
    }

    /// An error about the bytes `span` of a text file, which its excerpt underlines.
    pub fn spanning(
        file: &str,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            position: Some(line_col(text, span.start)),
            excerpt: Some(Box::new(Excerpt::new(text, span))),
            ..Problem::error(file, message)
        }
    }

    /// The same problem, with a hint on how to fix it.
    #[must_use]
    pub fn with_hint(self, hint: impl Into<String>) -> Problem {
        Problem {
            hint: Some(hint.into()),
            ..self
        }
    }

    /// Whether publishing must be refused.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The first line: `file:line:col: error: message`, or `file: error: message`.
    pub fn headline(&self) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.position {
            Some((line, col)) => format!("{}:{line}:{col}: {kind}: {}", self.file, self.message),
            None => format!("{}: {kind}: {}", self.file, self.message),
        }
    }
}

/// `{"severity", "file", "line", "column", "message", "hint"}`, for `check --json`.
impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Problem", 6)?;
        out.serialize_field("severity", &self.severity)?;
        out.serialize_field("file", &self.file)?;
        out.serialize_field("line", &self.position.map(|p| p.0))?;
        out.serialize_field("column", &self.position.map(|p| p.1))?;
        out.serialize_field("message", &self.message)?;
        out.serialize_field("hint", &self.hint)?;
        out.end()
    }
}

/// The headline, then the excerpt with its carets and the hint, each on its own line.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A config line or a tag may hold an escape sequence: shown, never acted on.
        f.write_str(&printable(&self.headline()))?;
        let line_number = self
            .position
            .filter(|_| self.excerpt.is_some())
            .map(|p| p.0);
        // The gutter is as wide as the line number, so the bars line up under it.
        let gutter = " ".repeat(line_number.map_or(1, |n| n.to_string().len()));
        if let (Some(excerpt), Some(number)) = (&self.excerpt, line_number) {
            write!(f, "\n{gutter} |\n{number} |")?;
            // Tabs stay tabs, so the carets line up whatever the terminal's tab width; any
            // other character a terminal acts on is shown escaped, its carets as wide.
            let shown = |c: char| {
                if c == '\t' {
                    "\t".to_string()
                } else {
                    crate::model::text::printable_char(c)
                }
            };
            let line: String = excerpt.line.chars().map(shown).collect();
            if !line.is_empty() {
                write!(f, " {line}")?;
            }
            let mut chars = excerpt.line.chars().chain(std::iter::repeat(' '));
            let indent: String = chars
                .by_ref()
                .take(excerpt.start)
                .map(|c| match c {
                    '\t' => "\t".to_string(),
                    c => " ".repeat(shown(c).chars().count()),
                })
                .collect();
            let width: usize = chars
                .take(excerpt.width)
                .map(|c| shown(c).chars().count())
                .sum();
            write!(f, "\n{gutter} | {indent}{}", "^".repeat(width.max(1)))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n{gutter} = hint: {}", printable(hint))?;
        }
        Ok(())
    }
}

/// A list of problems that stopped a command, shown one after the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.0.iter().filter(|p| p.is_error()).count();
        for problem in &self.0 {
            writeln!(f, "{problem}")?;
        }
        write!(
            f,
            "{errors} error{} found, nothing was written",
            if errors == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Problems {}

/// Converts a byte offset into a 1-based line and column (in characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The line starts of a text, so that many offsets become lines and columns without
/// counting from the start each time (a config of 500 sessions asks for thousands).
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the lines of `text`.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The 1-based line and column (in characters) of a byte offset, as [`line_col`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |t| t.chars().count())
            + 1;
        (line, col)
    }
}

/// The candidate closest to a misspelled `word`, ignoring case, when it is close enough to be
/// what was meant: at most 2 edits (a swap of two neighbours counts as one), and at most one
/// edit per 3 characters. The first of equally close candidates wins.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let allowed = (word.chars().count().max(3) / 3).min(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word, &c.to_lowercase()), c))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_columns_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('=').unwrap()), (1, 3));
        // Columns count characters, not bytes.
        assert_eq!(line_col(text, text.rfind('=').unwrap()), (2, 4));
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            if text.is_char_boundary(offset.min(text.len())) {
                assert_eq!(
                    index.line_col(offset),
                    line_col(text, offset),
                    "at {offset}"
                );
            }
        }
    }

    #[test]
    fn shows_file_line_and_column_first() {
        let p = Problem::at("config.toml", "x\ny", 2, "bad");
        assert_eq!(p.headline(), "config.toml:2:1: error: bad");
        assert_eq!(
            p.to_string().lines().next(),
            Some("config.toml:2:1: error: bad")
        );
    }

    #[test]
    fn underlines_the_span_under_its_line() {
        let text = "[sessions]\ntitel = \"Le numérique\"\n";
        let p = Problem::spanning("config.toml", text, 11..16, "unknown key `titel`")
            .with_hint("did you mean `title`?");
        assert_eq!(
            p.to_string(),
            "config.toml:2:1: error: unknown key `titel`\n  |\n2 | titel = \"Le numérique\"\n  | ^^^^^\n  = hint: did you mean `title`?"
        );
    }

    #[test]
    fn counts_caret_columns_in_characters_on_a_multibyte_line() {
        let text = "title = \"Dématérialiser\" # é\ndate = \"2022-13-01\"\n";
        let value = text.find("\"Dé").unwrap();
        let end = text.find(" #").unwrap();
        let p = Problem::spanning("config.toml", text, value..end, "bad");
        let lines: Vec<String> = p.to_string().lines().map(String::from).collect();
        assert_eq!(lines[0], "config.toml:1:9: error: bad");
        assert_eq!(lines[2], "1 | title = \"Dématérialiser\" # é");
        assert_eq!(lines[3], format!("  | {}{}", " ".repeat(8), "^".repeat(16)));
    }

    #[test]
    fn keeps_tabs_in_the_caret_indent() {
        let p = Problem::spanning("c.toml", "\tkey = 1", 1..4, "bad");
        assert_eq!(p.to_string().lines().nth(3), Some("  | \t^^^"));
    }

    #[test]
    fn underlines_a_multiline_span_to_the_end_of_its_first_line() {
        let text = "a = \"\"\"\nfirst\nsecond\"\"\"\n";
        let p = Problem::spanning("c.toml", text, 4..text.len() - 1, "bad");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "a = \"\"\"");
        assert_eq!(p.to_string().lines().nth(3), Some("  |     ^^^"));
    }

    #[test]
    fn underlines_at_least_one_character_even_past_the_line_end() {
        let text = "a = 1\r\n";
        let p = Problem::spanning("c.toml", text, 5..5, "bad");
        assert_eq!(p.excerpt.as_ref().unwrap().line, "a = 1");
        assert_eq!(p.to_string().lines().nth(3), Some("  |      ^"));
        let past = Problem::at("c.toml", text, 999, "bad");
        assert_eq!(past.excerpt.unwrap().width, 1);
    }

    #[test]
    fn widens_the_gutter_for_long_line_numbers() {
        let text = format!("{}key = 1\n", "\n".repeat(11));
        let p = Problem::at("c.toml", &text, 11, "bad").with_hint("remove it");
        assert_eq!(
            p.to_string(),
            "c.toml:12:1: error: bad\n   |\n12 | key = 1\n   | ^\n   = hint: remove it"
        );
    }

    #[test]
    fn shows_a_hint_without_an_excerpt() {
        let p = Problem::error("cover.jpg", "too small").with_hint("use 1400×1400 or more");
        assert_eq!(
            p.to_string(),
            "cover.jpg: error: too small\n  = hint: use 1400×1400 or more"
        );
        assert_eq!(Problem::error("a", "b").to_string(), "a: error: b");
    }

    #[test]
    fn serializes_the_hint_or_null() {
        let json = |p: &Problem| serde_json::to_value(p).unwrap();
        let plain = Problem::error("a", "b");
        assert_eq!(json(&plain)["hint"], serde_json::Value::Null);
        let hinted = plain.with_hint("try c");
        assert_eq!(json(&hinted)["hint"], "try c");
        assert_eq!(json(&hinted)["message"], "b");
    }

    #[test]
    fn suggests_only_close_candidates() {
        let keys = ["title", "time", "date", "description"];
        assert_eq!(closest("titel", keys), Some("title"));
        assert_eq!(closest("Date", keys), Some("date"));
        assert_eq!(closest("descripton", keys), Some("description"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(closest("x", keys), None);
    }

    // Issue 11: a config line holding ESC was echoed raw under its error.
    #[test]
    fn escapes_control_characters_in_the_excerpt_and_keeps_the_carets_under_the_value() {
        let text = "a = \"\u{1b}[2J\" x = 1\n";
        let x = text.find('x').unwrap();
        let p = Problem::spanning("c.toml", text, x..x + 1, "bad \u{7}").with_hint("no \u{1b}");
        assert_eq!(
            p.to_string(),
            format!(
                "c.toml:1:12: error: bad \\u{{7}}\n  |\n1 | a = \"\\u{{1b}}[2J\" x = 1\n  | {}^\n  = hint: no \\u{{1b}}",
                " ".repeat(16)
            )
        );
    }
}
