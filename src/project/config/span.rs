//! Where a problem is written: the bytes of a key, a value or an escape in the text.

use toml::de::{DeTable, DeValue};

use super::raw::Segment;

/// Finds where the key at `path` is written: its bytes and its dotted name.
pub(super) fn locate(table: &DeTable<'_>, path: &[Segment]) -> (std::ops::Range<usize>, String) {
    let name = path
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
        .replace(".[", "[");
    let mut span = 0..0;
    let mut value: Option<&DeValue<'_>> = None;
    let mut current = table;
    for segment in path {
        match segment {
            Segment::Key(key) => {
                let Some((k, v)) = current.iter().find(|(k, _)| k.get_ref() == key) else {
                    break;
                };
                span = k.span();
                value = Some(v.get_ref());
                if let DeValue::Table(t) = v.get_ref() {
                    current = t;
                }
            }
            Segment::Index(i) => {
                let Some(DeValue::Array(items)) = value else {
                    break;
                };
                let Some(item) = items.get(*i) else {
                    break;
                };
                span = item.span();
                value = Some(item.get_ref());
                if let DeValue::Table(t) = item.get_ref() {
                    current = t;
                }
            }
        }
    }
    (span, name)
}

/// The bytes of the key or value written at `offset`, to underline: a quoted string up to its
/// closing quote, else a bare word up to the next space, `=`, `,`, `}` or `#`. Problems are
/// reported at the start of a key or value, so the token there is what the organizer wrote.
pub(super) fn token_span(text: &str, offset: usize) -> std::ops::Range<usize> {
    let offset = offset.min(text.len());
    let rest = text.get(offset..).unwrap_or_default();
    let len = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let triple = quote.to_string().repeat(3);
            match rest.strip_prefix(&triple) {
                Some(body) => body.find(&triple).map_or(rest.len(), |end| end + 6),
                None => quoted_len(rest, quote),
            }
        }
        _ => rest
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | '}' | '#'))
            .unwrap_or(rest.len()),
    };
    let first_char = rest.chars().next().map_or(0, char::len_utf8);
    offset..offset + len.max(first_char)
}

/// The length of the one-line string that opens `rest` with `quote`, quotes included.
pub(super) fn quoted_len(rest: &str, quote: char) -> usize {
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            // Only basic strings have escapes: `\"` does not close them.
            '\\' if quote == '"' => {
                chars.next();
            }
            '\n' => return i,
            c if c == quote => return i + c.len_utf8(),
            _ => {}
        }
    }
    rest.len()
}

/// The escapes of a basic string as written (quotes included), each with its bytes and the
/// character it stands for. A literal string (`'…'`) has none.
pub(super) fn escapes(written: &str) -> impl Iterator<Item = (std::ops::Range<usize>, char)> + '_ {
    let basic = written.starts_with('"');
    let mut chars = written.char_indices().peekable();
    std::iter::from_fn(move || {
        while basic && let Some((start, c)) = chars.next() {
            if c != '\\' {
                continue;
            }
            let (at, kind) = chars.next()?;
            let digits = match kind {
                'b' => return Some((start..at + 1, '\u{8}')),
                'e' => return Some((start..at + 1, '\u{1b}')),
                'f' => return Some((start..at + 1, '\u{c}')),
                'x' => 2,
                'u' => 4,
                'U' => 8,
                _ => continue,
            };
            let hex = written.get(at + 1..at + 1 + digits)?;
            for _ in 0..digits {
                chars.next();
            }
            let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
            return Some((start..at + 1 + digits, c));
        }
        None
    })
}

/// The byte offset of a 1-based line and column (in characters).
pub(super) fn offset_of(text: &str, (line, col): (usize, usize)) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let in_line: usize = text[line_start..]
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    line_start + in_line
}
