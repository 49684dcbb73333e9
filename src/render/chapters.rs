//! Podcasting 2.0 JSON chapters (`application/json+chapters`, version 1.2.0), rendered from
//! a session's chapters (pure).

use serde::Serialize;

use crate::model::Session;

/// The MIME type of a JSON chapters file.
pub const MIME: &str = "application/json+chapters";

#[derive(Serialize)]
struct ChaptersFile<'a> {
    version: &'static str,
    title: &'a str,
    chapters: Vec<ChapterEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChapterEntry<'a> {
    start_time: f64,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// Renders the session's chapters; `None` when it has none.
pub fn render_json(session: &Session) -> Option<String> {
    if session.chapters.is_empty() {
        return None;
    }
    let file = ChaptersFile {
        version: "1.2.0",
        title: &session.title,
        chapters: session
            .chapters
            .iter()
            .map(|c| ChapterEntry {
                start_time: c.start_ms as f64 / 1000.0,
                title: &c.title,
                url: c.url.as_ref().map(ToString::to_string),
            })
            .collect(),
    };
    let mut json = serde_json::to_string_pretty(&file).expect("chapters serialize");
    json.push('\n');
    Some(json)
}

/// `HH:MM:SS.mmm`, as Podlove Simple Chapters and show notes write a chapter's start.
pub fn timestamp(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_podlove_timestamps() {
        assert_eq!(timestamp(0), "00:00:00.000");
        assert_eq!(timestamp(3_723_456), "01:02:03.456");
    }
}
