//! Problems found while validating a project: where each comes from and what is wrong.

use std::fmt;

use serde::Serialize;

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
}

impl Problem {
    /// An error in a file, with no position.
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.into(),
            position: None,
            message: message.into(),
        }
    }

    /// A warning about a file, with no position.
    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(file, message)
        }
    }

    /// An error at a byte offset of a text file.
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Problem {
        Problem {
            position: Some(line_col(text, offset)),
            ..Problem::error(file, message)
        }
    }

    /// Whether publishing must be refused.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `{"severity", "file", "line", "column", "message"}`, for `check --json`.
impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Problem", 5)?;
        out.serialize_field("severity", &self.severity)?;
        out.serialize_field("file", &self.file)?;
        out.serialize_field("line", &self.position.map(|p| p.0))?;
        out.serialize_field("column", &self.position.map(|p| p.1))?;
        out.serialize_field("message", &self.message)?;
        out.end()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {kind}: {}", self.file, self.message),
            None => write!(f, "{}: {kind}: {}", self.file, self.message),
        }
    }
}

/// A list of problems that stopped a command, shown one per line.
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
    }

    #[test]
    fn shows_file_line_and_column() {
        let p = Problem::at("config.toml", "x\ny", 2, "bad");
        assert_eq!(p.to_string(), "config.toml:2:1: error: bad");
    }
}
