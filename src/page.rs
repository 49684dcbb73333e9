//! Stage 6 (pure): the cycle and its episodes → `index.html`, and each episode's show notes.
//!
//! Templates are minijinja, built in with `include_str!` and named `*.html` so that every
//! value is HTML-escaped on output. Markdown reports are rendered by comrak, which leaves out
//! raw HTML and dangerous links. Links inside the page are relative, so `feed/` can be opened
//! from disk or served at any address.

use std::path::Path;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;
use url::Url;

use crate::lang::{Labels, Lang};
use crate::model::{Cycle, Episode, EpisodeType, Role, Session, Source};
use crate::transcript::Transcript;

const INDEX_TEMPLATE: &str = include_str!("templates/index.html");
const NOTES_TEMPLATE: &str = include_str!("templates/notes.html");
const STYLE: &str = include_str!("templates/style.css");

/// A project file the page needs beside it in `feed/`, and the Markdown it renders.
#[derive(Debug, Clone, Default)]
pub struct PageInputs {
    /// Name of the published cover under `feed/`, if any.
    pub cover: Option<String>,
    /// Rendered reports, keyed by the Markdown file's path.
    pub reports: Vec<(std::path::PathBuf, String)>,
    /// Transcripts, keyed by session number.
    pub transcripts: Vec<(u32, Transcript)>,
}

/// Where a drawing file of the project is published under `feed/`.
pub fn drawing_target(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    format!("drawings/{name}")
}

/// The address of a session on the page.
pub fn session_url(cycle: &Cycle, session: &Session) -> Url {
    let mut url = cycle.podcast.base_url.clone();
    url.set_fragment(Some(&session.stem()));
    url
}

/// Renders Markdown to HTML, leaving out raw HTML and `javascript:`-like links.
pub fn render_markdown(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    comrak::markdown_to_html(markdown, &options)
}

/// Renders the cycle's page.
pub fn render_index(cycle: &Cycle, episodes: &[Episode], inputs: &PageInputs) -> String {
    let view = IndexView::new(cycle, episodes, inputs);
    render(INDEX_TEMPLATE, "index.html", Value::from(Serde(&view)))
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
        session: SessionView::new(cycle, &episode.session, None, &PageInputs::default()),
        page: session_url(cycle, &episode.session).to_string(),
    };
    render(NOTES_TEMPLATE, "notes.html", Value::from(Serde(&view)))
        .trim()
        .to_string()
}

fn render(source: &str, name: &str, context: Value) -> String {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(name, source)
        .expect("the built-in templates parse");
    env.get_template(name)
        .and_then(|t| t.render(context))
        .expect("the built-in templates render every view")
}

#[derive(Serialize)]
struct IndexView<'a> {
    lang: &'a str,
    labels: &'static Labels,
    title: &'a str,
    subtitle: Option<&'a str>,
    description: Vec<&'a str>,
    organizer: LinkView,
    partners: Vec<LinkView>,
    place: Option<PlaceView>,
    credits: Vec<CreditView>,
    feed_url: String,
    cover: Option<String>,
    /// The stylesheet, marked safe: escaping would break it, and it is ours.
    style: Value,
    sessions: Vec<SessionView>,
}

impl<'a> IndexView<'a> {
    fn new(cycle: &'a Cycle, episodes: &[Episode], inputs: &PageInputs) -> Self {
        let podcast = &cycle.podcast;
        let sessions = cycle
            .sessions
            .iter()
            .map(|s| {
                let episode = episodes.iter().find(|e| e.session.number == s.number);
                SessionView::new(cycle, s, episode, inputs)
            })
            .collect();
        IndexView {
            lang: &podcast.lang.tag,
            labels: podcast.lang.labels,
            title: &podcast.title,
            subtitle: podcast.subtitle.as_deref(),
            description: paragraphs(&podcast.description),
            organizer: LinkView::new(&cycle.organizer.name, cycle.organizer.url.as_ref()),
            partners: cycle
                .partners
                .iter()
                .map(|p| LinkView::new(&p.name, p.url.as_ref()))
                .collect(),
            place: cycle.place.as_ref().map(|p| PlaceView {
                name: p.name.clone(),
                address: p.address.clone(),
                url: p.url.as_ref().map(ToString::to_string),
                map: map_url(&p.address),
            }),
            credits: cycle
                .credits
                .iter()
                .map(|c| CreditView {
                    role: c.role.clone(),
                    who: LinkView::new(&c.name, c.url.as_ref()),
                })
                .collect(),
            feed_url: podcast
                .base_url
                .join(crate::episode::FEED_FILE)
                .map(|u| u.to_string())
                .unwrap_or_default(),
            cover: inputs.cover.clone(),
            style: Value::from_safe_string(STYLE.to_string()),
            sessions,
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
struct LinkView {
    name: String,
    url: Option<String>,
}

impl LinkView {
    fn new(name: &str, url: Option<&Url>) -> Self {
        LinkView {
            name: name.to_string(),
            url: url.map(ToString::to_string),
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
    anchor: String,
    page: String,
    number: u32,
    bonus: bool,
    date: String,
    datetime: String,
    title: String,
    description: Vec<String>,
    speakers: Vec<SpeakerView>,
    episode: Option<EpisodeView>,
    rebroadcasts: Vec<RebroadcastView>,
    reports: Vec<ReportView>,
    drawings: Vec<DrawingView>,
    links: Vec<LinkView>,
    chapters: Vec<ChapterView>,
    transcript: Vec<CueView>,
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
    at: String,
    datetime: String,
    voice: Option<String>,
    text: String,
}

impl SessionView {
    fn new(
        cycle: &Cycle,
        session: &Session,
        episode: Option<&Episode>,
        inputs: &PageInputs,
    ) -> Self {
        let lang = &cycle.podcast.lang;
        let datetime = match session.time {
            Some(t) => format!("{}T{}", session.date, t.format("%H:%M")),
            None => session.date.to_string(),
        };
        SessionView {
            anchor: session.stem(),
            page: session_url(cycle, session).to_string(),
            number: session.number,
            bonus: session.episode_type == EpisodeType::Bonus,
            date: lang.long_date(session.date, session.time),
            datetime,
            title: session.title.clone(),
            description: paragraphs(&session.description)
                .into_iter()
                .map(str::to_string)
                .collect(),
            speakers: session
                .speakers
                .iter()
                .map(|s| SpeakerView {
                    name: s.name.clone(),
                    affiliation: s.affiliation.clone(),
                    url: s.url.as_ref().map(ToString::to_string),
                    role: (s.role != Role::Speaker).then(|| lang.role_label(s.role)),
                })
                .collect(),
            episode: episode.map(|e| EpisodeView::new(lang, e)),
            rebroadcasts: session
                .rebroadcasts
                .iter()
                .map(|r| RebroadcastView {
                    show: r.show.clone(),
                    station: r.station.clone(),
                    frequency: r.frequency.clone(),
                    aired: r.aired.map(|d| lang.short_date(d)),
                    url: r.url.to_string(),
                    note: r.note.clone(),
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
                        Source::File(p) => drawing_target(p),
                    },
                    absolute: match &d.source {
                        Source::Url(u) => u.to_string(),
                        Source::File(p) => cycle
                            .podcast
                            .base_url
                            .join(&drawing_target(p))
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
                .map(|l| LinkView::new(&l.title, Some(&l.url)))
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
            transcript: inputs
                .transcripts
                .iter()
                .find(|(n, _)| *n == session.number)
                .map(|(_, t)| {
                    t.cues
                        .iter()
                        .map(|c| CueView {
                            at: clock(c.start_ms),
                            datetime: html_duration(c.start_ms),
                            voice: c.voice.clone(),
                            text: c.text.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A valid HTML duration string for a position, e.g. `PT8.055S`.
fn html_duration(ms: u64) -> String {
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
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
    url: Option<String>,
    /// What they did, when they did not simply speak.
    role: Option<&'static str>,
}

#[derive(Serialize)]
struct EpisodeView {
    file: String,
    url: String,
    mime: &'static str,
    duration: String,
    size: String,
    format: String,
    /// WebVTT captions for the player, when there is a transcript.
    captions: Option<String>,
    /// The transcript as SubRip, to download.
    srt: Option<String>,
}

impl EpisodeView {
    fn new(lang: &Lang, episode: &Episode) -> Self {
        EpisodeView {
            file: episode.file.clone(),
            url: episode.url.to_string(),
            mime: episode.mime,
            duration: human_duration(episode.audio.duration_secs()),
            size: human_size(lang, episode.length),
            captions: episode
                .transcript_files
                .as_ref()
                .map(|(vtt, _)| vtt.clone()),
            srt: episode
                .transcript_files
                .as_ref()
                .map(|(_, srt)| srt.clone()),
            format: format!(
                "{} {} kbit/s",
                episode.audio.codec.to_uppercase(),
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
    url: String,
    note: Option<String>,
}

#[derive(Serialize)]
struct ReportView {
    title: String,
    url: Option<String>,
    /// The report rendered from Markdown, marked safe for the template.
    html: Option<Value>,
}

impl ReportView {
    fn new(report: &crate::model::Report, inputs: &PageInputs) -> Self {
        let (url, html) = match &report.source {
            Source::Url(u) => (Some(u.to_string()), None),
            Source::File(p) => {
                let html = inputs
                    .reports
                    .iter()
                    .find(|(path, _)| path == p)
                    .map(|(_, h)| Value::from_safe_string(h.clone()));
                (None, html)
            }
        };
        ReportView {
            title: report.title.clone(),
            url,
            html,
        }
    }
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

fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn map_url(address: &str) -> String {
    let mut url = Url::parse("https://www.openstreetmap.org/search").expect("valid URL");
    url.query_pairs_mut().append_pair("query", address);
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
}
