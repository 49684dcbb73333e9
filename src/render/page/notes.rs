//! An episode's show notes: the HTML of the feed's `description` and `content:encoded`.

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use super::engine::{NOTES_TEMPLATE, html_formatter};
use super::types::PageInputs;
use super::views::SessionView;
use crate::model::layout::session_url;
use crate::model::{Cycle, Episode};
use crate::render::labels::{self, Labels, long_date};

/// Renders an episode's show notes (HTML for the feed's description and `content:encoded`).
pub fn render_show_notes(cycle: &Cycle, episode: &Episode) -> String {
    let lang = &cycle.podcast.lang;
    let view = NotesView {
        labels: labels::labels(lang),
        date: long_date(lang, episode.session.date, episode.session.time),
        place: cycle
            .place
            .as_ref()
            .map(|p| format!("{}, {}", p.name, p.address)),
        session: SessionView::new(cycle, &episode.session, None, &PageInputs::default(), ""),
        page: session_url(cycle, &episode.session).to_string(),
    };
    // Parsed once: a long feed renders notes for every item.
    static NOTES: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    let env = NOTES.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(html_formatter);
        env.add_template("notes.html", NOTES_TEMPLATE)
            .expect("the built-in notes template parses");
        env
    });
    env.get_template("notes.html")
        .and_then(|t| t.render(Value::from(Serde(&view))))
        .expect("the built-in notes template renders every session")
        .trim()
        .to_string()
}

#[derive(Serialize)]
struct NotesView {
    labels: &'static Labels,
    date: String,
    place: Option<String>,
    session: SessionView,
    page: String,
}
