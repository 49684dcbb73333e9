//! Characters a published text may not hold, and how text reaches a terminal.
//!
//! One rule for every text: the config's values (checked where the config is validated),
//! the options of `init` and `session add`, and a recording's tags when they fill a title.
//! XML 1.0, which `feed.xml` is written in, cannot carry C0 control characters other than
//! tab, line feed and carriage return, nor U+FFFE and U+FFFF; DEL and the C1 controls
//! (U+0080–U+009F, NEL among them) are allowed by XML but discouraged by it, and a terminal
//! acts on them: all of these are refused. Pure functions, no IO.

use std::borrow::Cow;

/// Whether `c` may not be published: a control character other than tab, line feed and
/// carriage return (C0, DEL, C1), or U+FFFE / U+FFFF.
pub fn is_forbidden(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// The first forbidden character of `text` (see [`is_forbidden`]) and its byte offset.
pub fn first_forbidden(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| is_forbidden(c))
}

/// The character's code point and name, as messages write it: `U+000B (vertical tab)`.
pub fn describe(c: char) -> String {
    let name = match c {
        '\0' => "null",
        '\u{7}' => "bell",
        '\u{8}' => "backspace",
        '\t' => "tab",
        '\n' => "line feed",
        '\u{b}' => "vertical tab",
        '\u{c}' => "form feed",
        '\r' => "carriage return",
        '\u{1b}' => "escape",
        '\u{7f}' => "delete",
        '\u{85}' => "next line",
        '\u{fffe}' | '\u{ffff}' => "noncharacter",
        '\u{80}'..='\u{9f}' => "C1 control character",
        _ if c.is_control() => "control character",
        _ => return format!("U+{:04X}", u32::from(c)),
    };
    format!("U+{:04X} ({name})", u32::from(c))
}

/// Why `text` cannot be published, naming its first forbidden character and where it is
/// (in characters from 1), if it holds one.
pub fn forbidden_problem(text: &str) -> Option<String> {
    let (offset, c) = first_forbidden(text)?;
    let at = text[..offset].chars().count() + 1;
    Some(format!(
        "character {at} is {}, which a feed cannot carry",
        describe(c)
    ))
}

/// `text` without its forbidden characters: those that separate words (vertical tab, form
/// feed, next line, the C0 separators) become a space, the others are left out. Also returns
/// the distinct characters it took out, in the order first found.
pub fn clean(text: &str) -> (String, Vec<char>) {
    let mut removed = Vec::new();
    let mut kept = String::with_capacity(text.len());
    for c in text.chars() {
        if !is_forbidden(c) {
            kept.push(c);
            continue;
        }
        if !removed.contains(&c) {
            removed.push(c);
        }
        if matches!(c, '\u{b}' | '\u{c}' | '\u{85}' | '\u{1c}'..='\u{1f}') {
            kept.push(' ');
        }
    }
    (kept, removed)
}

/// Whether a terminal would act on `c` rather than show it: a control character (tab and
/// line breaks included), U+FFFE / U+FFFF, or a bidirectional override that reorders what
/// follows it on the line.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || is_forbidden(c)
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How `c` is shown on a terminal: itself, or its Rust escape (`\u{1b}`, `\t`) when a
/// terminal would act on it.
pub fn printable_char(c: char) -> String {
    if needs_escape(c) {
        c.escape_default().to_string()
    } else {
        c.to_string()
    }
}

/// `text` as it may reach a terminal: each character a terminal would act on (an escape
/// sequence from a tag, a bell, a line break in a one-line label) written as its escape.
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(needs_escape) {
        Cow::Owned(text.chars().map(printable_char).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// [`printable`], keeping line breaks: for text of several lines, such as a description.
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    if text.chars().any(|c| c != '\n' && needs_escape(c)) {
        Cow::Owned(
            text.split('\n')
                .map(printable)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_controls_but_tab_and_line_breaks_and_the_two_noncharacters() {
        for c in [
            '\0', '\u{7}', '\u{b}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}', '\u{fffe}', '\u{ffff}',
        ] {
            assert!(is_forbidden(c), "{}", describe(c));
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            'é',
            '\u{a0}',
            '\u{fffd}',
            '\u{10000}',
        ] {
            assert!(!is_forbidden(c), "{}", describe(c));
        }
        assert_eq!(describe('\u{b}'), "U+000B (vertical tab)");
        assert_eq!(describe('\u{ffff}'), "U+FFFF (noncharacter)");
    }

    #[test]
    fn cleans_tag_text_and_says_what_it_took_out() {
        assert_eq!(
            clean("a\u{b}b\0c\u{7}\u{7}"),
            ("a bc".to_string(), vec!['\u{b}', '\0', '\u{7}'])
        );
        assert_eq!(clean("plain"), ("plain".to_string(), vec![]));
    }

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert_eq!(printable("\u{1b}[2Jtitle\u{7}"), "\\u{1b}[2Jtitle\\u{7}");
        assert_eq!(printable("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(printable("é"), "é");
        assert_eq!(printable_lines("a\nb\u{1b}"), "a\nb\\u{1b}");
    }
}
