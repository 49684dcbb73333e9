//! Stage 6 (pure): the cycle and its episodes → the web pages: `index.html` (the cycle's
//! page), `sessions/NN-id.html` (one shareable page per session),
//! `sessions/NN-id-transcription.html` (the whole transcript of a session that has one) and
//! each episode's show notes.
//!
//! Templates are minijinja, built in with `include_str!` or read from the `[page]` theme
//! folder by `check`, and always named `*.html` so that every value is HTML-escaped on
//! output. Markdown reports are rendered by comrak, which leaves out raw HTML and dangerous
//! links. Links inside the pages are relative (`../` from `sessions/`), so `feed/` can be
//! opened from disk or served at any address. "Today" (which sessions are upcoming) is an
//! input, never read from the clock here.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use serde::Serialize;
use url::Url;

use crate::model::lang::{Labels, Lang};
use crate::model::problem::Problem;
use crate::model::transcript::{Cue, Transcript};
use crate::model::{Cycle, Episode, EpisodeType, Role, Session, Source};

/// The built-in template of the cycle's page.
pub const INDEX_TEMPLATE: &str = include_str!("templates/index.html");
/// The built-in template of a session's page.
pub const SESSION_TEMPLATE: &str = include_str!("templates/session.html");
/// The built-in template of a session's transcript page.
pub const TRANSCRIPT_TEMPLATE: &str = include_str!("templates/transcript.html");
/// The script that makes chapter links seek the page's player, included by both pages.
const SEEK_SCRIPT: &str = include_str!("templates/seek.js");

/// The built-in stylesheet, inlined in every page.
pub const STYLE: &str = include_str!("templates/style.css");
const NOTES_TEMPLATE: &str = include_str!("templates/notes.html");

/// Names of the templates a theme may replace, and of its stylesheet.
pub const THEME_FILES: [&str; 4] = ["index.html", "session.html", "transcript.html", "style.css"];

/// Folder of the session pages under `feed/`.
pub const SESSIONS_FOLDER: &str = "sessions";

/// A transcript whose cue text (voices included) is longer than this, in bytes, is not shown
/// whole on the session's page: an excerpt is, with a link to the transcript page. 8 kB is
/// about six minutes of speech; the markup around each cue about doubles it, which keeps the
/// session's page (15 kB without a transcript, more with a long report) well within the 60 kB
/// budget of issue #5. A two-hour talk's transcript is about 100 kB.
pub const INLINE_TRANSCRIPT_BYTES: usize = 8 * 1000;

/// An excerpt shows at most this many cues…
const EXCERPT_CUES: usize = 6;
/// …and about this many bytes of their text: one long cue alone is cut at a word.
const EXCERPT_BYTES: usize = 1000;

/// The work one page's render may do, in minijinja's fuel (about one instruction, or 64 bytes
/// of data made): a theme's loop without end is an error naming its template, not a hang.
/// The built-in index of a 2,000-session cycle takes about 465,000 (`examples/render_bench`),
/// each page of the real cycle under 1,000; ten times the first leaves room for richer themes
/// and bounds what one render allocates to about 320 MB.
const RENDER_FUEL: u64 = 5_000_000;

/// The largest page a render may write, in bytes (a 2,000-session index is 2.3 MB).
const PAGE_LIMIT: usize = 32 << 20;

/// What the pages need besides the cycle and its episodes.
#[derive(Debug, Clone, Default)]
pub struct PageInputs {
    /// Name of the published cover under `feed/`, if any.
    pub cover: Option<String>,
    /// Rendered reports, keyed by the Markdown file's path.
    pub reports: Vec<(PathBuf, String)>,
    /// Transcripts, keyed by session number.
    pub transcripts: Vec<(u32, Transcript)>,
    /// The day of publishing in the podcast's time zone: an unrecorded session on this day or
    /// later is upcoming.
    pub today: NaiveDate,
    /// Templates and stylesheet replacing the built-in ones.
    pub theme: Theme,
    /// Where each drawing file is published (see [`drawing_targets`]).
    pub drawings: DrawingTargets,
}

/// Where each drawing file of the project is published under `feed/`, by its path.
pub type DrawingTargets = BTreeMap<PathBuf, String>;

/// Templates and stylesheet from the `[page]` theme folder; what it lacks stays built in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    /// Replaces the cycle's page template.
    pub index: Option<ThemeFile>,
    /// Replaces the session page template.
    pub session: Option<ThemeFile>,
    /// Replaces the transcript page template.
    pub transcript: Option<ThemeFile>,
    /// Replaces the stylesheet.
    pub style: Option<String>,
}

/// A template read from the theme folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeFile {
    /// The file as the organizer names it, e.g. `theme/index.html`.
    pub shown: String,
    /// Its text.
    pub source: String,
}

/// A template that cannot be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The template file, as the organizer names it.
    pub file: String,
    /// Line of the template, from 1, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl TemplateError {
    /// The error as a problem of `check`.
    pub fn to_problem(&self) -> Problem {
        Problem {
            position: self.line.map(|l| (l, 1)),
            ..Problem::error(&self.file, format!("template error: {}", self.message))
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_problem().fmt(f)
    }
}

impl std::error::Error for TemplateError {}

/// The rendered pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pages {
    /// `index.html`.
    pub index: String,
    /// Each session's page, preceded by its transcript page when it has a published
    /// transcript (so that the page is written before the one linking to it): path under
    /// `feed/` and HTML, in session order.
    pub sessions: Vec<(String, String)>,
}

/// Where each drawing file of the cycle is published under `feed/`: `drawings/NAME`, NAME
/// being a slug of the file's path in the project (less a leading `drawings/`, folders joined
/// by `-`), e.g. `drawings/a/Croquis #5 été.JPG` → `drawings/a-croquis-5-ete.jpg`.
///
/// Published names are made URL-safe rather than percent-encoded: the address stays readable
/// (`croquis-5-ete.jpg`, not `croquis%20%235%20%C3%A9t%C3%A9.JPG`) and means the same to
/// every static host, browser and podcast app (a `#`, `?`, `%` or `+` is where they differ),
/// like the names of every other file cyclecast publishes. It stays stable: it depends on
/// the file's own path alone, so an existing `drawings/x.jpg` keeps `drawings/x.jpg`. Each
/// source has one name, a file shared by two sessions is published once; two sources whose
/// slugs meet (`a/x.jpg` and `a-x.jpg`) each take a suffix from a hash of their path, so no
/// output is ever written twice.
pub fn drawing_targets<'a>(
    root: &Path,
    drawings: impl IntoIterator<Item = &'a crate::model::Drawing>,
) -> DrawingTargets {
    let sources: std::collections::BTreeSet<&PathBuf> = drawings
        .into_iter()
        .filter_map(|d| match &d.source {
            Source::File(path) => Some(path),
            Source::Url(_) => None,
        })
        .collect();
    let named: Vec<(&PathBuf, String, String)> = sources
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap_or(path);
            let relative = relative.strip_prefix("drawings").unwrap_or(relative);
            let extension = relative
                .extension()
                .map(|e| slug(&e.to_string_lossy()))
                .unwrap_or_default();
            let stem = relative.with_extension("");
            let stem = match slug(&stem.to_string_lossy()) {
                stem if stem.is_empty() => "drawing".to_string(),
                stem => stem,
            };
            (path, stem, extension)
        })
        .collect();
    let name = |stem: &str, extension: &str| match extension {
        "" => format!("drawings/{stem}"),
        _ => format!("drawings/{stem}.{extension}"),
    };
    named
        .iter()
        .map(|(path, stem, extension)| {
            let shared = named
                .iter()
                .filter(|(_, s, e)| name(s, e) == name(stem, extension))
                .count()
                > 1;
            let stem = match shared {
                false => stem.clone(),
                true => {
                    // The path in the project, not on this machine: the same name everywhere.
                    let relative = path.strip_prefix(root).unwrap_or(path);
                    let hash = blake3::hash(relative.as_os_str().as_encoded_bytes()).to_hex();
                    format!("{stem}-{}", &hash[..8])
                }
            };
            ((*path).clone(), name(&stem, extension))
        })
        .collect()
}

/// Lowercase ASCII letters and digits, every other run of characters one `-`, accents
/// folded: `Croquis #5 été` → `croquis-5-ete`.
fn slug(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_ascii_lowercase();
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The path of a session's page under `feed/`: `sessions/NN-id.html`.
pub fn session_path(session: &Session) -> String {
    format!("{SESSIONS_FOLDER}/{}.html", session.stem())
}

/// The path of a session's transcript page under `feed/`: `sessions/NN-id-transcription.html`.
pub fn transcript_path(session: &Session) -> String {
    format!("{SESSIONS_FOLDER}/{}-transcription.html", session.stem())
}

/// The address of a session's page (the item's `<link>`, the show notes' and the tag's link).
pub fn session_url(cycle: &Cycle, session: &Session) -> Url {
    let base = &cycle.podcast.base_url;
    base.join(&session_path(session))
        .unwrap_or_else(|_| base.clone())
}

/// The address of a session's transcript page.
pub fn transcript_url(cycle: &Cycle, session: &Session) -> Url {
    let base = &cycle.podcast.base_url;
    base.join(&transcript_path(session))
        .unwrap_or_else(|_| base.clone())
}

/// Renders Markdown to HTML, leaving out raw HTML and `javascript:`-like links.
pub fn render_markdown(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    comrak::markdown_to_html(markdown, &options)
}

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
                labels => Value::from(Serde(cycle.podcast.lang.labels)),
                site => Value::from(Serde(SiteView::new(cycle, inputs, root))),
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
                href: format!("{}.html", s.stem()),
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
                    labels => Value::from(Serde(cycle.podcast.lang.labels)),
                    site => site.clone(),
                    session => Value::from(Serde(&view)),
                    previous => Value::from(Serde(&previous)),
                    next => Value::from(Serde(&next)),
                })
            })
            .map_err(|e| template_error(&e, theme))?;
        if let Some(transcript) = published_transcript(session, episode_of(session), inputs) {
            let context = context! {
                root,
                lang => &cycle.podcast.lang.tag,
                labels => Value::from(Serde(cycle.podcast.lang.labels)),
                site => site.clone(),
                session => Value::from(Serde(&view)),
                page => transcript_url(cycle, session).to_string(),
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

/// Renders an episode's show notes (HTML for the feed's description and `content:encoded`).
pub fn render_show_notes(cycle: &Cycle, episode: &Episode) -> String {
    let lang = &cycle.podcast.lang;
    let view = NotesView {
        labels: lang.labels,
        date: lang.long_date(episode.session.date, episode.session.time),
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

/// The environment with the page templates: the theme's where it has them, else the built-in.
fn environment(theme: &Theme) -> Result<Environment<'static>, TemplateError> {
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
trait RenderBounded {
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
struct PageBuffer(Vec<u8>);

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
fn html_formatter(
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
fn escape_html(text: &str) -> String {
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
fn template_error(error: &minijinja::Error, theme: &Theme) -> TemplateError {
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

/// What every page shows of the cycle: its presentation and how to subscribe.
#[derive(Serialize)]
struct SiteView {
    title: String,
    subtitle: Option<String>,
    description: Vec<String>,
    organizer: LinkView,
    partners: Vec<LinkView>,
    place: Option<PlaceView>,
    credits: Vec<CreditView>,
    copyright: Option<String>,
    /// The cycle's page, relative to the page.
    index: String,
    /// The calendar file, relative to the page.
    calendar: String,
    feed: FeedView,
    /// The cover, relative to the page.
    cover: Option<String>,
    /// The cover's absolute address, for link previews.
    cover_url: Option<String>,
    /// The stylesheet, marked safe: escaping would break it, and it is the organizer's.
    style: Value,
}

#[derive(Serialize)]
struct FeedView {
    /// Relative to the page.
    href: String,
    /// Absolute, to copy into an app.
    url: String,
    /// Opens Apple Podcasts (and other apps that take `podcast://`).
    apple: String,
    /// Opens AntennaPod's subscribe page, which hands the feed to the app.
    antennapod: String,
}

impl SiteView {
    fn new(cycle: &Cycle, inputs: &PageInputs, root: &str) -> Self {
        let podcast = &cycle.podcast;
        let feed_url = podcast
            .base_url
            .join(crate::episode::FEED_FILE)
            .unwrap_or_else(|_| podcast.base_url.clone());
        let without_scheme = feed_url
            .as_str()
            .split_once("://")
            .map_or(feed_url.as_str(), |(_, rest)| rest);
        let mut antennapod =
            Url::parse("https://antennapod.org/deeplink/subscribe").expect("a valid URL");
        antennapod
            .query_pairs_mut()
            .append_pair("url", feed_url.as_str());
        SiteView {
            title: podcast.title.clone(),
            subtitle: podcast.subtitle.clone(),
            description: paragraphs(&podcast.description)
                .iter()
                .map(|p| typeset(&podcast.lang, p))
                .collect(),
            organizer: LinkView::new(&cycle.organizer.name, cycle.organizer.url.as_ref(), None),
            partners: cycle
                .partners
                .iter()
                .map(|p| LinkView::new(&p.name, p.url.as_ref(), None))
                .collect(),
            place: cycle.place.as_ref().map(|p| PlaceView {
                name: p.name.clone(),
                address: p.address.clone(),
                url: p.url.as_ref().map(ToString::to_string),
                map: map_url(p),
            }),
            credits: cycle
                .credits
                .iter()
                .map(|c| CreditView {
                    role: c.role.clone(),
                    who: LinkView::new(&c.name, c.url.as_ref(), None),
                })
                .collect(),
            copyright: podcast.copyright.clone(),
            index: format!("{root}index.html"),
            calendar: format!("{root}{}", crate::render::calendar::CALENDAR_FILE),
            feed: FeedView {
                href: format!("{root}{}", crate::episode::FEED_FILE),
                url: feed_url.to_string(),
                apple: format!("podcast://{without_scheme}"),
                antennapod: antennapod.to_string(),
            },
            cover: inputs.cover.as_ref().map(|c| format!("{root}{c}")),
            cover_url: inputs
                .cover
                .as_ref()
                .and_then(|c| podcast.base_url.join(c).ok())
                .map(|u| u.to_string()),
            style: Value::from_safe_string(
                inputs
                    .theme
                    .style
                    .clone()
                    .unwrap_or_else(|| STYLE.to_string()),
            ),
        }
    }
}

#[derive(Serialize)]
struct NotesView {
    labels: &'static Labels,
    date: String,
    place: Option<String>,
    session: SessionView,
    page: String,
}

#[derive(Serialize)]
struct NavView {
    /// Relative to the session pages.
    href: String,
    number: u32,
    title: String,
}

#[derive(Serialize)]
struct LinkView {
    name: String,
    url: Option<String>,
    /// Language of the name, when not the cycle's.
    lang: Option<String>,
}

impl LinkView {
    fn new(name: &str, url: Option<&Url>, lang: Option<&String>) -> Self {
        LinkView {
            name: name.to_string(),
            url: url.map(ToString::to_string),
            lang: lang.cloned(),
        }
    }
}

#[derive(Serialize)]
struct PlaceView {
    name: String,
    address: String,
    url: Option<String>,
    map: String,
}

#[derive(Serialize)]
struct CreditView {
    role: String,
    who: LinkView,
}

#[derive(Serialize)]
struct SessionView {
    /// `NN-id`: the session's anchor on the cycle's page.
    anchor: String,
    /// The session's page, relative to the page.
    href: String,
    /// The session's page, absolute.
    page: String,
    number: u32,
    bonus: bool,
    /// Not recorded, and on the day of publishing or later.
    upcoming: bool,
    date: String,
    datetime: String,
    title: String,
    description: Vec<String>,
    /// The description's first paragraph, cut at about 300 characters.
    summary: String,
    speakers: Vec<SpeakerView>,
    episode: Option<EpisodeView>,
    rebroadcasts: Vec<RebroadcastView>,
    reports: Vec<ReportView>,
    drawings: Vec<DrawingView>,
    links: Vec<LinkView>,
    chapters: Vec<ChapterView>,
    /// The cues shown on the page: the whole transcript when it is short, else an excerpt.
    transcript: Vec<CueView>,
    /// Whether `transcript` is only an excerpt.
    transcript_cut: bool,
    /// The transcript page, relative to the page, when the transcript is published.
    transcript_page: Option<String>,
}

#[derive(Serialize)]
struct ChapterView {
    /// `H:MM:SS` for people.
    at: String,
    /// The same as an HTML duration, e.g. `PT8.055S`.
    datetime: String,
    /// Seconds, for the `#t=` media fragment.
    seconds: String,
    title: String,
    url: Option<String>,
}

#[derive(Serialize)]
struct CueView {
    /// `M:SS` or `H:MM:SS` for people.
    at: String,
    /// The same as an HTML duration, e.g. `PT8.055S`.
    datetime: String,
    /// The whole second the cue starts in, for a `#t=` fragment: `MM:SS` or `H:MM:SS`.
    seek: String,
    voice: Option<String>,
    /// Whether the voice differs from the previous cue's: a new speaker's turn.
    turn: bool,
    text: String,
}

/// The cues as the pages show them.
fn cue_views(cues: &[Cue]) -> Vec<CueView> {
    let mut previous: Option<&String> = None;
    cues.iter()
        .map(|c| {
            let turn = c.voice.is_some() && c.voice.as_ref() != previous;
            previous = c.voice.as_ref();
            CueView {
                at: clock(c.start_ms),
                datetime: html_duration(c.start_ms),
                seek: media_time(c.start_ms),
                voice: c.voice.clone(),
                turn,
                text: c.text.clone(),
            }
        })
        .collect()
}

/// The cues a session's page shows, and whether they are only an excerpt: all of a short
/// transcript; of a long one, the first few, within [`EXCERPT_BYTES`] (a first cue longer than
/// that alone is cut at a word).
fn shown_cues(transcript: &Transcript) -> (Vec<CueView>, bool) {
    let size: usize = transcript
        .cues
        .iter()
        .map(|c| c.text.len() + c.voice.as_ref().map_or(0, String::len))
        .sum();
    if size <= INLINE_TRANSCRIPT_BYTES {
        return (cue_views(&transcript.cues), false);
    }
    let mut budget = EXCERPT_BYTES;
    let taken = transcript
        .cues
        .iter()
        .take(EXCERPT_CUES)
        .take_while(|c| {
            let fits = c.text.len() <= budget;
            budget = budget.saturating_sub(c.text.len());
            fits
        })
        .count();
    let mut excerpt = cue_views(&transcript.cues[..taken.max(1)]);
    if taken == 0 {
        excerpt[0].text = shorten(&excerpt[0].text, EXCERPT_BYTES);
    }
    (excerpt, true)
}

/// A session's transcript when it is published: the session has an episode, with its
/// transcript files.
fn published_transcript<'a>(
    session: &Session,
    episode: Option<&Episode>,
    inputs: &'a PageInputs,
) -> Option<&'a Transcript> {
    episode?.transcript_files.as_ref()?;
    inputs
        .transcripts
        .iter()
        .find(|(n, _)| *n == session.number)
        .map(|(_, t)| t)
}

impl SessionView {
    /// `root` leads from the page to `feed/`: `""` or `"../"`.
    fn new(
        cycle: &Cycle,
        session: &Session,
        episode: Option<&Episode>,
        inputs: &PageInputs,
        root: &str,
    ) -> Self {
        let lang = &cycle.podcast.lang;
        let datetime = match session.time {
            Some(t) => format!("{}T{}", session.date, t.format("%H:%M")),
            None => session.date.to_string(),
        };
        let href = if root.is_empty() {
            session_path(session)
        } else {
            format!("{}.html", session.stem())
        };
        let (transcript, transcript_cut) = inputs
            .transcripts
            .iter()
            .find(|(n, _)| *n == session.number)
            .map_or((Vec::new(), false), |(_, t)| shown_cues(t));
        SessionView {
            anchor: session.stem(),
            href,
            page: session_url(cycle, session).to_string(),
            number: session.number,
            bonus: session.episode_type == EpisodeType::Bonus,
            upcoming: episode.is_none() && session.date >= inputs.today,
            date: lang.long_date(session.date, session.time),
            datetime,
            title: session.title.clone(),
            description: paragraphs(&session.description)
                .iter()
                .map(|p| typeset(lang, p))
                .collect(),
            summary: summary(&session.description, 300),
            speakers: session
                .speakers
                .iter()
                .map(|s| SpeakerView {
                    name: s.name.clone(),
                    affiliation: s.affiliation.clone(),
                    lang: s.lang.clone(),
                    url: s.url.as_ref().map(ToString::to_string),
                    role: (s.role != Role::Speaker).then(|| lang.role_label(s.role)),
                })
                .collect(),
            episode: episode.map(|e| EpisodeView::new(lang, e, root)),
            rebroadcasts: session
                .rebroadcasts
                .iter()
                .map(|r| RebroadcastView {
                    show: r.show.clone(),
                    station: r.station.clone(),
                    frequency: r.frequency.clone(),
                    aired: r.aired.map(|d| lang.short_date(d)),
                    aired_datetime: r.aired.map(|d| d.to_string()),
                    url: r.url.to_string(),
                    note: r.note.clone(),
                    edit: episode
                        .and_then(|e| {
                            e.renditions
                                .iter()
                                .find(|x| Some(&x.source) == r.file.as_ref())
                        })
                        .map(|x| RadioEditView {
                            file: format!("{root}{}", x.file),
                            duration: human_duration(x.audio.duration_secs()),
                            size: human_size(lang, x.length),
                            format: x.audio.codec.as_str().to_uppercase(),
                        }),
                })
                .collect(),
            reports: session
                .reports
                .iter()
                .map(|r| ReportView::new(r, inputs))
                .collect(),
            drawings: session
                .drawings
                .iter()
                .map(|d| DrawingView {
                    src: match &d.source {
                        Source::Url(u) => u.to_string(),
                        Source::File(p) => format!("{root}{}", drawing_target(inputs, p)),
                    },
                    absolute: match &d.source {
                        Source::Url(u) => u.to_string(),
                        Source::File(p) => cycle
                            .podcast
                            .base_url
                            .join(&drawing_target(inputs, p))
                            .map(|u| u.to_string())
                            .unwrap_or_default(),
                    },
                    alt: d.alt.clone(),
                    credit: d.credit.clone(),
                })
                .collect(),
            links: session
                .links
                .iter()
                .map(|l| LinkView::new(&l.title, Some(&l.url), l.lang.as_ref()))
                .collect(),
            chapters: session
                .chapters
                .iter()
                .map(|c| ChapterView {
                    at: clock(c.start_ms),
                    datetime: html_duration(c.start_ms),
                    seconds: format!("{}", c.start_ms as f64 / 1000.0),
                    title: c.title.clone(),
                    url: c.url.as_ref().map(ToString::to_string),
                })
                .collect(),
            transcript,
            transcript_cut,
            transcript_page: published_transcript(session, episode, inputs).map(|_| {
                let path = transcript_path(session);
                match root {
                    "" => path,
                    _ => path[SESSIONS_FOLDER.len() + 1..].to_string(),
                }
            }),
        }
    }
}

/// Where a drawing of the cycle is published (always in `inputs.drawings`, made from the
/// same sessions).
fn drawing_target(inputs: &PageInputs, path: &Path) -> String {
    inputs.drawings.get(path).cloned().unwrap_or_default()
}

/// A valid HTML duration string for a position, e.g. `PT8.055S`.
fn html_duration(ms: u64) -> String {
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

/// A position as a media fragment's time (`#t=`), in whole seconds: `MM:SS`, or `H:MM:SS` from
/// the first hour on (the npt forms of the Media Fragments URI spec).
fn media_time(ms: u64) -> String {
    let total = ms / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// `M:SS` or `H:MM:SS`, as people read a position in a recording.
fn clock(ms: u64) -> String {
    let total = ms / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[derive(Serialize)]
struct SpeakerView {
    name: String,
    affiliation: Option<String>,
    /// Language of the affiliation, when not the cycle's.
    lang: Option<String>,
    url: Option<String>,
    /// What they did, when they did not simply speak.
    role: Option<&'static str>,
}

#[derive(Serialize)]
struct EpisodeView {
    /// Relative to the page.
    file: String,
    /// The file's name, e.g. `01-x.mp3`.
    name: String,
    url: String,
    mime: &'static str,
    duration: String,
    size: String,
    format: String,
    /// WebVTT captions for the player, when there is a transcript; relative to the page.
    captions: Option<String>,
    /// The transcript as SubRip, to download; relative to the page.
    srt: Option<String>,
}

impl EpisodeView {
    fn new(lang: &Lang, episode: &Episode, root: &str) -> Self {
        EpisodeView {
            file: format!("{root}{}", episode.file),
            name: episode
                .file
                .rsplit('/')
                .next()
                .unwrap_or(&episode.file)
                .to_string(),
            url: episode.url.to_string(),
            mime: episode.mime,
            duration: human_duration(episode.audio.duration_secs()),
            size: human_size(lang, episode.length),
            captions: episode
                .transcript_files
                .as_ref()
                .map(|(vtt, _)| format!("{root}{vtt}")),
            srt: episode
                .transcript_files
                .as_ref()
                .map(|(_, srt)| format!("{root}{srt}")),
            format: format!(
                "{} {} kbit/s",
                episode.audio.codec.as_str().to_uppercase(),
                (episode.audio.bitrate() as f64 / 1000.0).round()
            ),
        }
    }
}

#[derive(Serialize)]
struct RebroadcastView {
    show: String,
    station: String,
    frequency: Option<String>,
    aired: Option<String>,
    aired_datetime: Option<String>,
    url: String,
    note: Option<String>,
    /// The radio edit itself, when published.
    edit: Option<RadioEditView>,
}

#[derive(Serialize)]
struct RadioEditView {
    file: String,
    duration: String,
    size: String,
    format: String,
}

#[derive(Serialize)]
struct ReportView {
    title: String,
    /// Language of the title and the report, when not the cycle's.
    lang: Option<String>,
    url: Option<String>,
    /// The report rendered from Markdown, its headings placed under the page's (`<h3>` and
    /// below), marked safe for the template.
    html: Option<Value>,
    /// Whether the report opens with its own title (a `#` heading), which then stands for
    /// the config's.
    titled: bool,
}

impl ReportView {
    fn new(report: &crate::model::Report, inputs: &PageInputs) -> Self {
        let (url, html, titled) = match &report.source {
            Source::Url(u) => (Some(u.to_string()), None, false),
            Source::File(p) => {
                let rendered = inputs.reports.iter().find(|(path, _)| path == p);
                let titled = rendered.is_some_and(|(_, h)| h.trim_start().starts_with("<h1>"));
                // Under the page's `<h2>`: the report's `#` becomes an `<h3>`, or, when the
                // config's title stands above it as the `<h3>`, an `<h4>`.
                let by = if titled { 2 } else { 3 };
                let html = rendered.map(|(_, h)| Value::from_safe_string(demote_headings(h, by)));
                (None, html, titled)
            }
        };
        ReportView {
            title: report.title.clone(),
            lang: report.lang.clone(),
            url,
            html,
            titled,
        }
    }
}

/// Moves the headings of rendered Markdown `by` levels down (at most `<h6>`), so that a
/// report's `#` sits under the page's own headings.
fn demote_headings(html: &str, by: usize) -> String {
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

#[derive(Serialize)]
struct DrawingView {
    /// Relative to the page for a project file.
    src: String,
    /// Absolute, for the feed's show notes.
    absolute: String,
    alt: String,
    credit: Option<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Keeps French punctuation with its word: the space before `?`, `!`, `;`, `:` and inside
/// `« »` becomes non-breaking, so that no line starts with a lone `?`. Other languages are left
/// as written.
fn typeset(lang: &Lang, text: &str) -> String {
    if !lang.tag.starts_with("fr") {
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
fn summary(text: &str, max: usize) -> String {
    let first = paragraphs(text).into_iter().next().unwrap_or_default();
    shorten(&first, max)
}

/// The text, cut after a word at about `max` characters when it is longer.
fn shorten(text: &str, max: usize) -> String {
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
fn map_url(place: &crate::model::Place) -> String {
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

/// A duration for people: `25 min 12 s`, `1 h 02 min`.
pub fn human_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s:02} s"),
        _ => format!("{h} h {m:02} min"),
    }
}

/// A size for people, in the language's units: `1,2 Mo` or `1.2 MB`.
pub fn human_size(lang: &Lang, bytes: u64) -> String {
    let french = lang.tag.starts_with("fr");
    let (value, unit) = if bytes >= 1_000_000 {
        (bytes as f64 / 1_000_000.0, if french { "Mo" } else { "MB" })
    } else {
        (bytes as f64 / 1000.0, if french { "ko" } else { "kB" })
    };
    let text = format!("{value:.1}");
    let text = if french { text.replace('.', ",") } else { text };
    format!("{text}\u{a0}{unit}")
}

#[cfg(test)]
mod tests {
    // Issue #11, items 6 and 7: one URL-safe name per drawing file.
    #[test]
    fn names_each_drawing_file_once_with_a_url_safe_slug() {
        let root = Path::new("/p");
        let drawing = |file: &str| crate::model::Drawing {
            source: Source::File(root.join(file)),
            alt: String::new(),
            credit: None,
        };
        let drawings = [
            drawing("drawings/Croquis #5 été 100% ?.JPG"),
            drawing("drawings/a/x.jpg"),
            drawing("drawings/a-x.jpg"),
            drawing("drawings/05-y.jpg"),
            drawing("drawings/05-y.jpg"),
            drawing("other/###.png"),
        ];
        let targets: Vec<String> = drawing_targets(root, &drawings).into_values().collect();
        assert_eq!(
            targets,
            [
                "drawings/05-y.jpg",
                "drawings/croquis-5-ete-100.jpg",
                "drawings/a-x-27eea33a.jpg",
                "drawings/a-x-3084b19b.jpg",
                "drawings/other.png",
            ]
        );
    }

    use super::*;

    #[test]
    fn leaves_raw_html_and_script_links_out_of_markdown() {
        let html =
            render_markdown("Bonjour <script>alert(1)</script> [x](javascript:alert(1)) **gras**");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("<strong>gras</strong>"));
    }

    #[test]
    fn writes_sizes_and_durations_for_people() {
        let fr = Lang::from_tag("fr").unwrap();
        let en = Lang::from_tag("en").unwrap();
        assert_eq!(human_size(&fr, 1_234_567), "1,2\u{a0}Mo");
        assert_eq!(human_size(&en, 456_789), "456.8\u{a0}kB");
        assert_eq!(human_duration(1512.4), "25 min 12 s");
        assert_eq!(human_duration(3725.0), "1 h 02 min");
        assert_eq!(human_duration(32.7), "33 s");
    }

    #[test]
    fn keeps_french_punctuation_with_its_word() {
        let fr = Lang::from_tag("fr").unwrap();
        assert_eq!(
            typeset(&fr, "Quoi ? « Ceci » : oui !"),
            "Quoi\u{202f}? «\u{a0}Ceci\u{a0}»\u{a0}: oui\u{202f}!"
        );
        let en = Lang::from_tag("en").unwrap();
        assert_eq!(typeset(&en, "What ? Yes !"), "What ? Yes !");
    }

    #[test]
    fn places_report_headings_under_the_page_headings() {
        let html = render_markdown("# Titre\n\n## Partie\n\n---\n\n#### Détail\n");
        let demoted = demote_headings(&html, 3);
        assert!(demoted.contains("<h4>Titre</h4>"), "{demoted}");
        assert!(demoted.contains("<h5>Partie</h5>"), "{demoted}");
        assert!(demoted.contains("<h6>Détail</h6>"), "{demoted}");
        assert!(demoted.contains("<hr />"), "{demoted}");
        assert!(
            !demoted.contains("<h1") && !demoted.contains("<h2"),
            "{demoted}"
        );
    }

    fn cues(count: u64, text: &str) -> Transcript {
        Transcript {
            cues: (0..count)
                .map(|i| Cue {
                    start_ms: i * 4000 + 500,
                    end_ms: i * 4000 + 3900,
                    voice: Some(if i < 2 { "Clara" } else { "Habib" }.to_string()),
                    text: text.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn shows_a_short_transcript_whole_with_each_speakers_turn() {
        let (shown, cut) = shown_cues(&cues(4, "Bonjour."));
        assert!(!cut);
        assert_eq!(shown.len(), 4);
        let turns: Vec<bool> = shown.iter().map(|c| c.turn).collect();
        assert_eq!(turns, [true, false, true, false]);
    }

    #[test]
    fn shows_only_the_first_cues_of_a_long_transcript() {
        let long = cues(
            2000,
            "Une phrase d'une cinquantaine de caractères, à peu près.",
        );
        let (shown, cut) = shown_cues(&long);
        assert!(cut);
        assert_eq!(shown.len(), EXCERPT_CUES);
        assert_eq!(shown[0].text, long.cues[0].text);

        // One cue longer than the excerpt's budget: cut at a word.
        let huge = cues(1, &"mot ".repeat(INLINE_TRANSCRIPT_BYTES));
        let (shown, cut) = shown_cues(&huge);
        assert!(cut);
        assert_eq!(shown.len(), 1);
        assert!(shown[0].text.ends_with("mot…"), "{}", shown[0].text);
        assert!(shown[0].text.len() <= EXCERPT_BYTES + 3);
    }

    #[test]
    fn writes_positions_as_media_fragment_times() {
        assert_eq!(media_time(8_055), "00:08");
        assert_eq!(media_time(754_999), "12:34");
        assert_eq!(media_time(7_199_000), "1:59:59");
        assert_eq!(clock(8_055), "0:08");
    }

    #[test]
    fn reports_a_theme_template_error_with_its_file_and_line() {
        let theme = Theme {
            index: Some(ThemeFile {
                shown: "theme/index.html".into(),
                source: "<p>\n{% for x in %}\n</p>".into(),
            }),
            ..Theme::default()
        };
        let errors = check_theme(&theme);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].file, "theme/index.html");
        assert_eq!(errors[0].line, Some(2));
        let shown = errors[0].to_string();
        assert!(
            shown.starts_with("theme/index.html:2:1: error: template error: syntax error"),
            "{shown}"
        );
    }
}
