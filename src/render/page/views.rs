//! What each template is given: views of the cycle, its sessions and their episodes, made
//! of strings ready to write (dates in words, durations, relative links).

use std::path::Path;

use minijinja::Value;
use serde::Serialize;
use url::Url;

use super::engine::STYLE;
use super::text::{demote_headings, human_size, map_url, paragraphs, shorten, summary, typeset};
use super::types::PageInputs;
use crate::model::lang::Lang;
use crate::model::layout::{
    self, CALENDAR_FILE, FEED_FILE, INDEX_FILE, session_path, session_url, transcript_path,
};
use crate::model::live::LiveStatus;
use crate::model::time::{clock, html_duration, human_duration, media_time};
use crate::model::transcript::{Cue, Transcript};
use crate::model::{Cycle, Episode, EpisodeType, Role, Session, Source};
use crate::render::labels::{long_date, role_label, short_date};

/// A transcript whose cue text (voices included) is longer than this, in bytes, is not shown
/// whole on the session's page: an excerpt is, with a link to the transcript page. 8 kB is
/// about six minutes of speech; the markup around each cue about doubles it, which keeps the
/// session's page (15 kB without a transcript, more with a long report) well within the 60 kB
/// budget of issue #5. A two-hour talk's transcript is about 100 kB.
pub const INLINE_TRANSCRIPT_BYTES: usize = 8 * 1000;

/// An excerpt shows at most this many cues…
pub(super) const EXCERPT_CUES: usize = 6;
/// …and about this many bytes of their text: one long cue alone is cut at a word.
pub(super) const EXCERPT_BYTES: usize = 1000;

/// What every page shows of the cycle: its presentation and how to subscribe.
#[derive(Serialize)]
pub(super) struct SiteView {
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
    /// The radio partners' feed, relative to the page, when the config asks for broadcast
    /// files.
    radio_feed: Option<String>,
    /// The cover, relative to the page.
    cover: Option<String>,
    /// The cover's absolute address, for link previews.
    cover_url: Option<String>,
    /// The stylesheet, marked safe: escaping would break it, and it is the organizer's.
    style: Value,
}

#[derive(Serialize)]
pub(super) struct FeedView {
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
    pub(super) fn new(cycle: &Cycle, inputs: &PageInputs, root: &str) -> Self {
        let podcast = &cycle.podcast;
        let feed_url = podcast
            .base_url
            .join(FEED_FILE)
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
            index: format!("{root}{INDEX_FILE}"),
            calendar: format!("{root}{CALENDAR_FILE}"),
            feed: FeedView {
                href: format!("{root}{FEED_FILE}"),
                url: feed_url.to_string(),
                apple: format!("podcast://{without_scheme}"),
                antennapod: antennapod.to_string(),
            },
            radio_feed: cycle
                .renditions
                .radio
                .as_ref()
                .map(|_| format!("{root}{}", crate::model::layout::RADIO_FEED_FILE)),
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
pub(super) struct NavView {
    /// Relative to the session pages.
    pub(super) href: String,
    pub(super) number: u32,
    pub(super) title: String,
}

#[derive(Serialize)]
pub(super) struct LinkView {
    name: String,
    url: Option<String>,
    /// Language of the name, when not the cycle's.
    lang: Option<String>,
}

impl LinkView {
    pub(super) fn new(name: &str, url: Option<&Url>, lang: Option<&String>) -> Self {
        LinkView {
            name: name.to_string(),
            url: url.map(ToString::to_string),
            lang: lang.cloned(),
        }
    }
}

#[derive(Serialize)]
pub(super) struct PlaceView {
    name: String,
    address: String,
    url: Option<String>,
    map: String,
}

#[derive(Serialize)]
pub(super) struct CreditView {
    role: String,
    who: LinkView,
}

#[derive(Serialize)]
pub(super) struct SessionView {
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
    /// The post where the session is discussed (« Commenter »).
    discussion: Option<String>,
    /// How to follow it live, before and during it.
    live: Option<LiveView>,
    chapters: Vec<ChapterView>,
    /// The cues shown on the page: the whole transcript when it is short, else an excerpt.
    transcript: Vec<CueView>,
    /// Whether `transcript` is only an excerpt.
    transcript_cut: bool,
    /// Whether the transcript is an automatic draft nobody has reviewed.
    transcript_draft: bool,
    /// The transcript page, relative to the page, when the transcript is published.
    transcript_page: Option<String>,
}

/// « Suivre en direct »: shown before and during a session followed live.
#[derive(Serialize)]
pub(super) struct LiveView {
    /// Under way, rather than not started yet.
    now: bool,
    /// Where « Suivre en direct » leads: the page to follow it on, else the stream.
    href: String,
    /// The page to follow it on.
    page: Option<String>,
    /// The audio stream, for the page's player.
    stream: Option<StreamView>,
}

#[derive(Serialize)]
pub(super) struct StreamView {
    url: String,
    mime: String,
}

impl LiveView {
    fn new(session: &Session, inputs: &PageInputs) -> Option<Self> {
        let live = session.live.as_ref()?;
        let state = inputs.live.iter().find(|s| s.session == session.number)?;
        if !state.status.is_open() {
            return None;
        }
        let page = live.page.as_ref().map(ToString::to_string);
        let stream = live.stream.as_ref().map(|s| StreamView {
            url: s.url.to_string(),
            mime: s.mime.clone(),
        });
        Some(LiveView {
            now: state.status == LiveStatus::Live,
            href: page
                .clone()
                .or_else(|| stream.as_ref().map(|s| s.url.clone()))?,
            page,
            stream,
        })
    }
}

#[derive(Serialize)]
pub(super) struct ChapterView {
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
pub(super) struct CueView {
    /// `M:SS` or `H:MM:SS` for people.
    pub(super) at: String,
    /// The same as an HTML duration, e.g. `PT8.055S`.
    pub(super) datetime: String,
    /// The whole second the cue starts in, for a `#t=` fragment: `MM:SS` or `H:MM:SS`.
    pub(super) seek: String,
    pub(super) voice: Option<String>,
    /// Whether the voice differs from the previous cue's: a new speaker's turn.
    pub(super) turn: bool,
    pub(super) text: String,
}

/// The cues as the pages show them.
pub(super) fn cue_views(cues: &[Cue]) -> Vec<CueView> {
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
pub(super) fn shown_cues(transcript: &Transcript) -> (Vec<CueView>, bool) {
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
pub(super) fn published_transcript<'a>(
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
    pub(super) fn new(
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
            layout::session_page_name(session)
        };
        let found = inputs
            .transcripts
            .iter()
            .find(|(n, _)| *n == session.number)
            .map(|(_, t)| t);
        let (transcript, transcript_cut) = found.map_or((Vec::new(), false), shown_cues);
        SessionView {
            anchor: session.stem(),
            href,
            page: session_url(cycle, session).to_string(),
            number: session.number,
            bonus: session.episode_type == EpisodeType::Bonus,
            upcoming: episode.is_none() && session.date >= inputs.today,
            date: long_date(lang, session.date, session.time),
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
                    role: (s.role != Role::Speaker).then(|| role_label(lang, s.role)),
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
                    aired: r.aired.map(|d| short_date(lang, d)),
                    aired_datetime: r.aired.map(|d| d.to_string()),
                    url: r.url.to_string(),
                    note: r.note.clone(),
                    edit: episode
                        .and_then(|e| {
                            e.renditions
                                .iter()
                                .find(|x| Some(&x.source) == r.file.as_ref())
                        })
                        .map(|x| FileView::new(lang, x.mp3.as_ref().unwrap_or(&x.lossless), root)),
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
            discussion: session.discussion.as_ref().map(ToString::to_string),
            live: LiveView::new(session, inputs),
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
            transcript_draft: found.is_some_and(|t| t.draft),
            transcript_page: published_transcript(session, episode, inputs).map(|_| match root {
                "" => transcript_path(session),
                _ => layout::transcript_page_name(session),
            }),
        }
    }
}

/// Where a drawing of the cycle is published (always in `inputs.drawings`, made from the
/// same sessions).
pub(super) fn drawing_target(inputs: &PageInputs, path: &Path) -> String {
    inputs.drawings.get(path).cloned().unwrap_or_default()
}

#[derive(Serialize)]
pub(super) struct SpeakerView {
    name: String,
    affiliation: Option<String>,
    /// Language of the affiliation, when not the cycle's.
    lang: Option<String>,
    url: Option<String>,
    /// What they did, when they did not simply speak.
    role: Option<&'static str>,
}

#[derive(Serialize)]
pub(super) struct EpisodeView {
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
    /// The light rendition.
    light: Option<FileView>,
    /// The broadcast renditions: the lossless file, then the MP3.
    radio: Option<(FileView, FileView)>,
}

impl EpisodeView {
    pub(super) fn new(lang: &Lang, episode: &Episode, root: &str) -> Self {
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
                .map(|files| format!("{root}{}", files.vtt)),
            srt: episode
                .transcript_files
                .as_ref()
                .map(|files| format!("{root}{}", files.srt)),
            format: format_name(&episode.audio),
            light: episode.light.as_ref().map(|f| FileView::new(lang, f, root)),
            radio: episode.radio.as_ref().map(|r| {
                (
                    FileView::new(lang, &r.lossless, root),
                    FileView::new(lang, &r.mp3, root),
                )
            }),
        }
    }
}

/// A file's format as the page names it, e.g. `MP3 64 kbit/s`, `WAV 48 kHz 16 bits`.
fn format_name(audio: &crate::model::AudioInfo) -> String {
    let codec = audio.codec.as_str().to_uppercase();
    match audio.bits_per_sample {
        Some(bits) if audio.codec != crate::model::Codec::Mp3 => format!(
            "{} {} kHz {bits} bits",
            audio
                .published_format()
                .map_or(codec.clone(), |(extension, _)| extension.to_uppercase()),
            f64::from(audio.sample_rate) / 1000.0
        ),
        _ => format!(
            "{codec} {} kbit/s",
            (audio.bitrate() as f64 / 1000.0).round()
        ),
    }
}

/// A published audio file, as the page links it.
#[derive(Serialize)]
pub(super) struct FileView {
    /// Relative to the page.
    file: String,
    /// The file's name, e.g. `01-x.mp3`.
    name: String,
    mime: &'static str,
    duration: String,
    size: String,
    format: String,
}

impl FileView {
    fn new(lang: &Lang, file: &crate::model::MediaFile, root: &str) -> Self {
        FileView {
            file: format!("{root}{}", file.file),
            name: file
                .file
                .rsplit('/')
                .next()
                .unwrap_or(&file.file)
                .to_string(),
            mime: file.mime,
            duration: human_duration(file.audio.duration_secs()),
            size: human_size(lang, file.length),
            format: format_name(&file.audio),
        }
    }
}

#[derive(Serialize)]
pub(super) struct RebroadcastView {
    show: String,
    station: String,
    frequency: Option<String>,
    aired: Option<String>,
    aired_datetime: Option<String>,
    url: String,
    note: Option<String>,
    /// The radio edit itself, when published.
    edit: Option<FileView>,
}

#[derive(Serialize)]
pub(super) struct ReportView {
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
    pub(super) fn new(report: &crate::model::Report, inputs: &PageInputs) -> Self {
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

#[derive(Serialize)]
pub(super) struct DrawingView {
    /// Relative to the page for a project file.
    src: String,
    /// Absolute, for the feed's show notes.
    absolute: String,
    alt: String,
    credit: Option<String>,
}
