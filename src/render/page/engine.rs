//! The minijinja environment of the pages: the built-in templates or the theme's, values
//! HTML-escaped on output, each render bounded in work and size, errors naming their file.

use minijinja::{Environment, UndefinedBehavior, Value};

use super::types::TemplateError;
use crate::project::theme::Theme;

/// The built-in frame every page template extends (`{% extends "base.html" %}`): the `<head>`
/// they share, with blocks for what each page adds.
pub const BASE_TEMPLATE: &str = include_str!("../templates/base.html");
/// The built-in template of the cycle's page.
pub const INDEX_TEMPLATE: &str = include_str!("../templates/index.html");
/// The built-in template of a session's page.
pub const SESSION_TEMPLATE: &str = include_str!("../templates/session.html");
/// The built-in template of a session's transcript page.
pub const TRANSCRIPT_TEMPLATE: &str = include_str!("../templates/transcript.html");
/// The script that makes chapter links seek the page's player, included by both pages.
pub(super) const SEEK_SCRIPT: &str = include_str!("../templates/seek.js");

/// The built-in stylesheet, inlined in every page.
pub const STYLE: &str = include_str!("../templates/style.css");
pub(super) const NOTES_TEMPLATE: &str = include_str!("../templates/notes.html");

/// The work one page's render may do, in minijinja's fuel (about one instruction, or 64 bytes
/// of data made): a theme's loop without end is an error naming its template, not a hang.
/// The built-in index of a 2,000-session cycle takes about 465,000 (`examples/render_bench`),
/// each page of the real cycle under 1,000; ten times the first leaves room for richer themes
/// and bounds what one render allocates to about 320 MB.
pub(super) const RENDER_FUEL: u64 = 5_000_000;

/// The largest page a render may write, in bytes (a 2,000-session index is 2.3 MB).
pub(super) const PAGE_LIMIT: usize = 32 << 20;

/// Checks that the theme's templates parse; returns every error, each with its file and line.
pub fn check_theme(theme: &Theme) -> Vec<TemplateError> {
    [
        ("index.html", &theme.index),
        ("session.html", &theme.session),
        ("transcript.html", &theme.transcript),
    ]
    .into_iter()
    .filter_map(|(name, file)| {
        let file = file.as_ref()?;
        let mut env = Environment::new();
        env.add_template_owned(name, file.source.clone())
            .err()
            .map(|e| template_error(&e, theme))
    })
    .collect()
}

/// The environment with the page templates: the theme's where it has them, else the built-in.
pub(super) fn environment(theme: &Theme) -> Result<Environment<'static>, TemplateError> {
    let mut env = Environment::new();
    // A misspelt variable in a theme is an error, not an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(html_formatter);
    env.set_fuel(Some(RENDER_FUEL));
    let index = theme
        .index
        .as_ref()
        .map_or(INDEX_TEMPLATE.to_string(), |f| f.source.clone());
    let session = theme
        .session
        .as_ref()
        .map_or(SESSION_TEMPLATE.to_string(), |f| f.source.clone());
    let transcript = theme
        .transcript
        .as_ref()
        .map_or(TRANSCRIPT_TEMPLATE.to_string(), |f| f.source.clone());
    // The chapter links' few lines of script, shared by both pages (and any theme's).
    env.add_template("seek.js", SEEK_SCRIPT)
        .expect("the built-in script template parses");
    env.add_template("base.html", BASE_TEMPLATE)
        .expect("the built-in base template parses");
    // Named `*.html` whatever the theme file: the name turns auto-escaping on.
    env.add_template_owned("index.html", index)
        .map_err(|e| template_error(&e, theme))?;
    env.add_template_owned("session.html", session)
        .map_err(|e| template_error(&e, theme))?;
    env.add_template_owned("transcript.html", transcript)
        .map_err(|e| template_error(&e, theme))?;
    Ok(env)
}

/// Renders a page within [`PAGE_LIMIT`] bytes, and [`RENDER_FUEL`] when the environment
/// sets it.
pub(super) trait RenderBounded {
    fn render_bounded(&self, context: Value) -> Result<String, minijinja::Error>;
}

impl RenderBounded for minijinja::Template<'_, '_> {
    fn render_bounded(&self, context: Value) -> Result<String, minijinja::Error> {
        let mut page = PageBuffer::default();
        self.render_captured_to(context, &mut page)?;
        // minijinja writes `str`s only, so this never copies.
        Ok(String::from_utf8(page.0)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }
}

/// A page being rendered, refused past [`PAGE_LIMIT`] bytes (as `FileTooLarge`).
#[derive(Default)]
pub(super) struct PageBuffer(Vec<u8>);

impl std::io::Write for PageBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + bytes.len() > PAGE_LIMIT {
            return Err(std::io::ErrorKind::FileTooLarge.into());
        }
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a value into a page: strings escaped for HTML text and quoted attributes (`&`, `<`,
/// `>`, `"`, `'`); everything else as minijinja's default does. minijinja's own escaping also
/// turns every `/` into `&#x2f;`, which makes each address longer and no safer.
pub(super) fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(text)) if !value.is_safe() => {
            out.write_str(&escape_html(text))?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Escapes text for HTML content and quoted attribute values.
pub(super) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A minijinja error, naming the theme file it comes from (or the built-in template).
pub(super) fn template_error(error: &minijinja::Error, theme: &Theme) -> TemplateError {
    let name = error.name().unwrap_or("index.html");
    let file = match name {
        "index.html" => theme.index.as_ref().map(|f| f.shown.clone()),
        "session.html" => theme.session.as_ref().map(|f| f.shown.clone()),
        "transcript.html" => theme.transcript.as_ref().map(|f| f.shown.clone()),
        _ => None,
    }
    .unwrap_or_else(|| format!("built-in {name}"));
    let too_large = std::error::Error::source(error)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .is_some_and(|e| e.kind() == std::io::ErrorKind::FileTooLarge);
    let message = match (error.kind(), error.detail()) {
        (minijinja::ErrorKind::OutOfFuel, _) => format!(
            "rendering the page takes more than {RENDER_FUEL} steps (a loop without end, or \
             one far too large?)"
        ),
        (minijinja::ErrorKind::WriteFailure, _) if too_large => {
            format!("the page would be larger than {} MB", PAGE_LIMIT >> 20)
        }
        (kind, Some(detail)) => format!("{kind}: {detail}"),
        (kind, None) => kind.to_string(),
    };
    TemplateError {
        file,
        line: error.line(),
        message,
    }
}
