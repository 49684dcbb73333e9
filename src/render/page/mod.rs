//! Rendering (pure): the cycle and its episodes → the web pages: `index.html` (the cycle's
//! page), `sessions/NN-id.html` (one shareable page per session),
//! `sessions/NN-id-transcription.html` (the whole transcript of a session that has one) and
//! each episode's show notes.
//!
//! Templates are minijinja, built in with `include_str!` or read from the `[page]` theme
//! folder by the load stage (`project::theme`), and always named `*.html` so that every value is HTML-escaped on
//! output. Markdown reports are rendered by comrak, which leaves out raw HTML and dangerous
//! links. Links inside the pages are relative (`../` from `sessions/`), so `feed/` can be
//! opened from disk or served at any address. "Today" (which sessions are upcoming) is an
//! input, never read from the clock here.
//!
//! The folder owns the pages: `types` what they take and give, `engine` the minijinja
//! environment (built-in templates, theme, escaping, bounds), `views` what each template is
//! given, `text` the typography and Markdown, `notes` the feed's show notes. Like all of
//! `render`, it may use `model` (with its `layout`, `time` and `lang`), `render::labels` and
//! the theme as the load stage read it (`project::theme`); never `output` or `publish`.

mod card;
mod engine;
mod notes;
mod text;
mod types;
mod views;

use minijinja::value::Serde;
use minijinja::{Value, context};

use crate::model::layout::{self, session_path, transcript_path, transcript_url};
use crate::model::{Cycle, Episode, Session};
use crate::render::labels;
use card::CardView;
use engine::{RenderBounded, environment, template_error};
use views::{NavView, SessionView, SiteView, cue_views, published_transcript};

pub use engine::{
    BASE_TEMPLATE, INDEX_TEMPLATE, SESSION_TEMPLATE, STYLE, TRANSCRIPT_TEMPLATE, check_theme,
};
pub use notes::render_show_notes;
pub use text::{human_size, render_markdown};
pub use types::{PageInputs, Pages, TemplateError};
pub use views::INLINE_TRANSCRIPT_BYTES;

/// Renders the cycle's page and every session's page.
pub fn render_pages(
    cycle: &Cycle,
    episodes: &[Episode],
    inputs: &PageInputs,
) -> Result<Pages, TemplateError> {
    let env = environment(&inputs.theme)?;
    let theme = &inputs.theme;
    let episode_of = |s: &Session| episodes.iter().find(|e| e.session.number == s.number);

    let root = "";
    let sessions: Vec<SessionView> = cycle
        .sessions
        .iter()
        .map(|s| SessionView::new(cycle, s, episode_of(s), inputs, root))
        .collect();
    let index = env
        .get_template("index.html")
        .and_then(|t| {
            t.render_bounded(context! {
                root,
                lang => &cycle.podcast.lang.tag,
                labels => Value::from(Serde(labels::labels(&cycle.podcast.lang))),
                site => Value::from(Serde(SiteView::new(cycle, inputs, root))),
                card => Value::from(Serde(CardView::cycle(cycle, inputs))),
                sessions => Value::from(Serde(&sessions)),
            })
        })
        .map_err(|e| template_error(&e, theme))?;

    let root = "../";
    let site = Value::from(Serde(SiteView::new(cycle, inputs, root)));
    let mut pages = Vec::new();
    for (i, session) in cycle.sessions.iter().enumerate() {
        let view = SessionView::new(cycle, session, episode_of(session), inputs, root);
        let neighbour = |s: Option<&Session>| {
            s.map(|s| NavView {
                href: layout::session_page_name(s),
                number: s.number,
                title: s.title.clone(),
            })
        };
        let previous = neighbour(i.checked_sub(1).and_then(|p| cycle.sessions.get(p)));
        let next = neighbour(cycle.sessions.get(i + 1));
        let html = env
            .get_template("session.html")
            .and_then(|t| {
                t.render_bounded(context! {
                    root,
                    lang => &cycle.podcast.lang.tag,
                    labels => Value::from(Serde(labels::labels(&cycle.podcast.lang))),
                    site => site.clone(),
                    session => Value::from(Serde(&view)),
                    card => Value::from(Serde(CardView::session(cycle, session, episode_of(session), inputs))),
                    previous => Value::from(Serde(&previous)),
                    next => Value::from(Serde(&next)),
                })
            })
            .map_err(|e| template_error(&e, theme))?;
        if let Some(transcript) = published_transcript(session, episode_of(session), inputs) {
            let context = context! {
                root,
                lang => &cycle.podcast.lang.tag,
                labels => Value::from(Serde(labels::labels(&cycle.podcast.lang))),
                site => site.clone(),
                session => Value::from(Serde(&view)),
                page => transcript_url(cycle, session).to_string(),
                card => Value::from(Serde(CardView::transcript(cycle, session, episode_of(session), inputs))),
                cues => Value::from(Serde(cue_views(&transcript.cues))),
            };
            let html = env
                .get_template("transcript.html")
                .and_then(|t| t.render_bounded(context))
                .map_err(|e| template_error(&e, theme))?;
            pages.push((transcript_path(session), html));
        }
        pages.push((session_path(session), html));
    }
    Ok(Pages {
        index,
        sessions: pages,
    })
}

#[cfg(test)]
mod tests;
