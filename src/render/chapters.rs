//! Podcasting 2.0 JSON chapters (`application/json+chapters`, version 1.2.0), rendered from
//! a session's chapters (pure).

use serde::Serialize;

use crate::model::Session;

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
