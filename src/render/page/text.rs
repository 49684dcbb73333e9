//! Text for the pages: paragraphs, French typography, summaries, Markdown reports, map
//! links and sizes in the language's units.

use url::Url;

use crate::model::lang::Lang;

/// Renders Markdown to HTML, leaving out raw HTML and `javascript:`-like links.
pub fn render_markdown(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    comrak::markdown_to_html(markdown, &options)
}

/// Moves the headings of rendered Markdown `by` levels down (at most `<h6>`), so that a
/// report's `#` sits under the page's own headings.
pub(super) fn demote_headings(html: &str, by: usize) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<h").into_iter().chain(rest.find("</h")).min() {
        let closing = rest[at..].starts_with("</h");
        let digit_at = at + if closing { 3 } else { 2 };
        let level = rest[digit_at..]
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .filter(|l| (1..=6).contains(l))
            .filter(|_| rest[digit_at + 1..].starts_with(['>', ' ']));
        out.push_str(&rest[..digit_at]);
        match level {
            Some(level) => {
                let moved = (level as usize + by).min(6);
                out.push_str(&moved.to_string());
                rest = &rest[digit_at + 1..];
            }
            None => rest = &rest[digit_at..],
        }
    }
    out.push_str(rest);
    out
}

pub(super) fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Keeps French punctuation with its word: the space before `?`, `!`, `;`, `:` and inside
/// `« »` becomes non-breaking, so that no line starts with a lone `?`. Other languages are left
/// as written.
pub(super) fn typeset(lang: &Lang, text: &str) -> String {
    if !lang.is_french() {
        return text.to_string();
    }
    text.replace(" ?", "\u{202f}?")
        .replace(" !", "\u{202f}!")
        .replace(" ;", "\u{202f};")
        .replace(" :", "\u{a0}:")
        .replace("« ", "«\u{a0}")
        .replace(" »", "\u{a0}»")
}

/// The first paragraph of a text, cut after a word at about `max` characters.
pub(super) fn summary(text: &str, max: usize) -> String {
    let first = paragraphs(text).into_iter().next().unwrap_or_default();
    shorten(&first, max)
}

/// The text, cut after a word at about `max` characters when it is longer.
pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut
        .rsplit_once(' ')
        .map_or(cut.as_str(), |(words, _)| words);
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// The place on OpenStreetMap: its object when the config names one, else a search for its
/// address.
pub(super) fn map_url(place: &crate::model::Place) -> String {
    if let Some(osm) = &place.osm {
        let kind = match osm.as_bytes().first() {
            Some(b'N') => "node",
            Some(b'R') => "relation",
            _ => "way",
        };
        return format!("https://www.openstreetmap.org/{kind}/{}", &osm[1..]);
    }
    let mut url = Url::parse("https://www.openstreetmap.org/search").expect("valid URL");
    url.query_pairs_mut().append_pair("query", &place.address);
    url.to_string()
}

/// A size for people, in the language's units: `1,2 Mo` or `1.2 MB`.
pub fn human_size(lang: &Lang, bytes: u64) -> String {
    let french = lang.is_french();
    let (value, unit) = if bytes >= 1_000_000 {
        (bytes as f64 / 1_000_000.0, if french { "Mo" } else { "MB" })
    } else {
        (bytes as f64 / 1000.0, if french { "ko" } else { "kB" })
    };
    let text = format!("{value:.1}");
    let text = if french { text.replace('.', ",") } else { text };
    format!("{text}\u{a0}{unit}")
}
