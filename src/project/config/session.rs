//! The sessions' values: ids, numbers, speakers, chapters, recordings, rebroadcasts,
//! reports and drawings.

use std::path::PathBuf;

use toml::Spanned;
use url::Url;

use crate::model::live::{Live, LiveStream};
use crate::model::rules;
use crate::model::time::parse_timestamp;
use crate::model::{
    Chapter, Drawing, EpisodeType, Rebroadcast, Report, Role, Session, Soundbite, Source, Speaker,
};

use super::raw::*;
use super::validate::{Unique, Validator};
use super::values::*;

impl Validator<'_> {
    pub(super) fn session(&mut self, raw: Spanned<RawSession>) -> Option<Session> {
        let raw = raw.into_inner();
        let id = raw.id.get_ref().clone();
        if !is_slug(&id) {
            self.error_at(
                raw.id.span().start,
                format!("session id `{id}` must be lowercase ASCII letters, digits and single dashes (it names the session's files and URLs)"),
            );
        }
        let number = match u32::try_from(*raw.number.get_ref()) {
            Ok(n) if (1..=9999).contains(&n) => n,
            _ => {
                self.error_at(
                    raw.number.span().start,
                    "session number must be between 1 and 9999",
                );
                0
            }
        };
        let date = raw.date.as_ref().and_then(|d| self.date(d));
        let time = raw.time.as_ref().and_then(|t| self.time(t));
        let episode_type = match raw.episode_type.as_ref().map(|t| t.get_ref().as_str()) {
            None | Some("full") => EpisodeType::Full,
            Some("bonus") => EpisodeType::Bonus,
            Some("trailer") => EpisodeType::Trailer,
            Some(other) => {
                let offset = raw.episode_type.as_ref().map_or(0, |t| t.span().start);
                self.error_at(
                    offset,
                    format!(
                        "unknown episode type `{other}`: expected `full`, `bonus` or `trailer`"
                    ),
                );
                EpisodeType::Full
            }
        };
        let id_offset = raw.id.span().start;
        if raw.recording.is_none() {
            let given = [
                ("date", raw.date.is_some()),
                ("title", raw.title.is_some()),
                ("description", raw.description.is_some()),
            ];
            for (key, given) in given {
                if !given {
                    self.error_at(
                        id_offset,
                        format!("session `{id}` has no `{key}`: without a recording to read it from, write it here"),
                    );
                }
            }
        }
        let session = Session {
            id,
            number,
            date: date.unwrap_or_default(),
            date_written: raw.date.is_some(),
            time,
            title: raw
                .title
                .map(|t| self.limited(t, rules::TITLE))
                .unwrap_or_default(),
            description: raw
                .description
                .map(|d| self.limited(d, rules::DESCRIPTION))
                .unwrap_or_default(),
            episode_type,
            recording: raw.recording.and_then(|r| self.recording(&r)),
            speakers: raw.speakers.into_iter().map(|s| self.speaker(s)).collect(),
            rebroadcasts: raw
                .rebroadcasts
                .into_iter()
                .map(|r| self.rebroadcast(r))
                .collect(),
            reports: raw
                .reports
                .into_iter()
                .filter_map(|r| self.report(r))
                .collect(),
            drawings: raw
                .drawings
                .into_iter()
                .filter_map(|d| self.drawing(d))
                .collect(),
            links: raw.links.into_iter().filter_map(|l| self.link(l)).collect(),
            chapters: self.chapters(raw.chapters),
            transcript: raw.transcript.and_then(|t| self.transcript_file(&t)),
            image: raw.image.and_then(|i| self.project_file(&i)),
            soundbites: raw
                .soundbites
                .into_iter()
                .filter_map(|s| self.soundbite(s))
                .collect(),
            discussion: raw.discussion.and_then(|d| self.url(&d)),
            live: raw.live.and_then(|l| self.live(l, time.is_some())),
            embedded_image: None,
            published_slug: None,
            published_guid: None,
            position: self.lines.line_col(id_offset),
        };
        // A second use is left out of the cycle: the checks that pair sessions with their
        // recordings, transcripts and pins by number or id would report follow-on errors
        // about files the organizer never touched.
        self.is_first_use(&raw.id, &raw.number).then_some(session)
    }

    /// Reports a session id or number used twice, at its second use; returns whether both
    /// are used for the first time.
    pub(super) fn is_first_use(&mut self, id: &Text, number: &Spanned<i64>) -> bool {
        let first_id = self.first_use(Unique::Id(id.get_ref().clone()), id.span().start);
        if let Some(line) = first_id {
            self.error_at(
                id.span().start,
                format!(
                    "session id `{}` is already used on line {line}",
                    id.get_ref()
                ),
            );
        }
        let first_number = self.first_use(Unique::Number(*number.get_ref()), number.span().start);
        if let Some(line) = first_number {
            self.error_at(
                number.span().start,
                format!(
                    "session number {} is already used on line {line}",
                    number.get_ref()
                ),
            );
        }
        first_id.is_none() && first_number.is_none()
    }

    /// Remembers a value; returns the line of its earlier use, if any.
    pub(super) fn first_use(&mut self, key: Unique, offset: usize) -> Option<usize> {
        let line = self.lines.line_col(offset).0;
        match self.seen.get(&key) {
            Some(&first) => Some(first),
            None => {
                self.seen.insert(key, line);
                None
            }
        }
    }

    pub(super) fn speaker(&mut self, raw: RawSpeaker) -> Speaker {
        let role = match &raw.role {
            None => Role::Speaker,
            Some(text) => Role::ALL
                .iter()
                .find(|(_, name)| name == text.get_ref())
                .map_or_else(
                    || {
                        let names: Vec<String> =
                            Role::ALL.iter().map(|(_, n)| format!("`{n}`")).collect();
                        self.error_at(
                            text.span().start,
                            format!(
                                "unknown role `{}`: expected one of {}",
                                text.get_ref(),
                                names.join(", ")
                            ),
                        );
                        Role::Speaker
                    },
                    |(role, _)| *role,
                ),
        };
        Speaker {
            name: self.limited(raw.name, rules::NAME),
            affiliation: raw.affiliation.map(|a| self.required(a)),
            url: raw.url.and_then(|u| self.url(&u)),
            role,
            img: raw.img.and_then(|u| self.url(&u)),
            lang: raw.lang.and_then(|l| self.lang(&l)),
        }
    }

    /// Chapters must start at 0, in order, each at its own time.
    pub(super) fn chapters(&mut self, raw: Vec<Spanned<RawChapter>>) -> Vec<Chapter> {
        let mut chapters: Vec<Chapter> = Vec::new();
        for item in raw {
            let position = self.lines.line_col(item.span().start);
            let raw = item.into_inner();
            let Some(start_ms) = self.offset(&raw.start, "chapter start") else {
                continue;
            };
            if chapters.len() == rules::MAX_CHAPTERS {
                self.error_at(
                    raw.start.span().start,
                    format!(
                        "a session has at most {} chapters: the MP3's table of contents and the M4A's chapter list count them in one byte",
                        rules::MAX_CHAPTERS
                    ),
                );
                break;
            }
            match chapters.last() {
                None if start_ms != 0 => self.error_at(
                    raw.start.span().start,
                    "the first chapter must start at 0:00",
                ),
                Some(previous) if start_ms <= previous.start_ms => self.error_at(
                    raw.start.span().start,
                    format!(
                        "chapters must be in order, each after the one before (line {})",
                        previous.position.0
                    ),
                ),
                _ => {}
            }
            chapters.push(Chapter {
                start_ms,
                title: self.limited(raw.title, rules::TITLE),
                url: raw.url.and_then(|u| self.url(&u)),
                position,
            });
        }
        chapters
    }

    /// A soundbite: a start and a duration written as chapter starts are (`"12:30"`,
    /// seconds), the duration within what apps play as one (1 s to 5 min).
    pub(super) fn soundbite(&mut self, raw: Spanned<RawSoundbite>) -> Option<Soundbite> {
        let position = self.lines.line_col(raw.span().start);
        let raw = raw.into_inner();
        let start_ms = self.offset(&raw.start, "soundbite start")?;
        let duration_ms = self.offset(&raw.duration, "soundbite duration")?;
        if !(1_000..=300_000).contains(&duration_ms) {
            self.error_at(
                raw.duration.span().start,
                "a soundbite lasts from 1 second to 5 minutes (apps play 15 s to 2 min best)",
            );
            return None;
        }
        Some(Soundbite {
            start_ms,
            duration_ms,
            title: raw.title.map(|t| self.limited(t, rules::TITLE)),
            position,
        })
    }

    /// How to follow a session live: a stream with its type, a page, or both, for a session
    /// whose start time is known.
    pub(super) fn live(&mut self, raw: Spanned<RawLive>, timed: bool) -> Option<Live> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        if !timed {
            self.error_at(
                at,
                "a session followed live needs its start: give `time = \"19:00\"`",
            );
        }
        if raw.url.is_none() && raw.page.is_none() {
            self.error_at(
                at,
                "`[sessions.live]` names a stream (`url`), a page to follow it on (`page`), or both",
            );
        }
        let mime = match (&raw.url, raw.mime) {
            (Some(_), None) => {
                self.error_at(
                    at,
                    "a live stream needs its MIME type: `type = \"audio/mpeg\"` (Icecast's MP3), `audio/aac`, `audio/ogg`…",
                );
                None
            }
            (None, Some(mime)) => {
                self.error_at(
                    mime.span().start,
                    "`type` is the stream's: give its `url` too",
                );
                None
            }
            (_, Some(mime)) => self.stream_type(&mime),
            (None, None) => None,
        };
        let stream = raw.url.and_then(|u| self.url(&u));
        let page = raw.page.and_then(|p| self.url(&p));
        let minutes = match &raw.duration {
            Some(d) => self.live_minutes(d)?,
            None => crate::model::live::DEFAULT_MINUTES,
        };
        if !timed || (stream.is_none() && page.is_none()) {
            return None;
        }
        Some(Live {
            stream: stream.zip(mime).map(|(url, mime)| LiveStream { url, mime }),
            page,
            minutes,
        })
    }

    /// A live stream's MIME type: an audio or video type, as `type/subtype`, or an HLS
    /// playlist's.
    fn stream_type(&mut self, text: &Text) -> Option<String> {
        let mime = text.get_ref().trim().to_ascii_lowercase();
        let token = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
        };
        match mime.split_once('/') {
            Some(("audio" | "video", sub)) if token(sub) => Some(mime),
            // HLS playlists, which many streaming services give.
            Some(("application", "vnd.apple.mpegurl" | "x-mpegurl")) => Some(mime),
            _ => {
                self.error_at(
                    text.span().start,
                    format!(
                        "`{}` is not an audio or video MIME type (or HLS's `application/vnd.apple.mpegurl`), e.g. `audio/mpeg`",
                        text.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// How long a live session lasts: `"H:MM"`, from 15 minutes to 24 hours.
    fn live_minutes(&mut self, raw: &Spanned<RawMoment>) -> Option<u32> {
        let minutes = match raw.get_ref() {
            RawMoment::Text(text) => hours_and_minutes(text),
            RawMoment::Native(_) => None,
        };
        match minutes {
            Some(m) if (15..=24 * 60).contains(&m) => Some(m),
            _ => {
                self.error_at(
                    raw.span().start,
                    "a live session's `duration` is written in quotes as hours and minutes, from \"0:15\" to \"24:00\", e.g. \"2:00\"",
                );
                None
            }
        }
    }

    /// A time into the recording, written in quotes (`"12:30"`, `"1:02:03"`, seconds), in ms.
    /// Unquoted, `12:30` is TOML's half past noon, not twelve minutes in: refused.
    fn offset(&mut self, raw: &Spanned<RawMoment>, what: &str) -> Option<u64> {
        let parsed = match raw.get_ref() {
            RawMoment::Text(text) => parse_timestamp(text),
            RawMoment::Native(datetime) => {
                self.error_at(
                    raw.span().start,
                    format!("a {what} is written in quotes, e.g. \"12:30\": unquoted, `{datetime}` is a time of day"),
                );
                return None;
            }
        };
        if parsed.is_none() {
            self.error_at(
                raw.span().start,
                format!(
                    "`{}` is not a {what}: expected H:MM:SS, MM:SS or seconds, e.g. 12:30",
                    raw.get_ref()
                ),
            );
        }
        parsed
    }

    /// A session's recording: a project file that no session before names (see
    /// [`recording_key`]), reported at the second use with the line of the first.
    pub(super) fn recording(&mut self, text: &Text) -> Option<PathBuf> {
        let path = self.project_file(text)?;
        let key = recording_key(text.get_ref())?;
        let first = self.first_use(Unique::Recording(key), text.span().start);
        if let Some(line) = first {
            self.error_at(text.span().start, recording_taken(text.get_ref(), line));
        }
        Some(path)
    }

    /// A transcript file: WebVTT (`.vtt`) or SubRip (`.srt`).
    pub(super) fn transcript_file(&mut self, text: &Text) -> Option<PathBuf> {
        let path = self.project_file(text)?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(extension.as_deref(), Some("vtt" | "srt")) {
            self.error_at(
                text.span().start,
                "a transcript must be a WebVTT (`.vtt`) or SubRip (`.srt`) file",
            );
        }
        Some(path)
    }

    pub(super) fn geo(&mut self, text: &Text) -> Option<(f64, f64)> {
        let parsed = text.get_ref().split_once(',').and_then(|(lat, lon)| {
            let (lat, lon) = (
                lat.trim().parse::<f64>().ok()?,
                lon.trim().parse::<f64>().ok()?,
            );
            ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
        });
        if parsed.is_none() {
            self.error_at(
                text.span().start,
                format!(
                    "`{}` is not a position: expected \"latitude,longitude\" in degrees",
                    text.get_ref()
                ),
            );
        }
        parsed
    }

    pub(super) fn osm(&mut self, text: &Text) -> Option<String> {
        let value = text.get_ref().trim();
        let valid = value.len() > 1
            && matches!(value.as_bytes()[0], b'N' | b'W' | b'R')
            && value[1..].bytes().all(|b| b.is_ascii_digit());
        if !valid {
            self.error_at(text.span().start, format!("`{value}` is not an OpenStreetMap object: expected N, W or R followed by its id, e.g. W123456"));
        }
        valid.then(|| value.to_string())
    }

    pub(super) fn rebroadcast(&mut self, raw: RawRebroadcast) -> Rebroadcast {
        Rebroadcast {
            show: self.required(raw.show),
            station: self.required(raw.station),
            frequency: raw.frequency.map(|f| self.required(f)),
            aired: raw.aired.and_then(|d| self.date(&d)),
            url: self
                .url(&raw.url)
                .unwrap_or_else(|| Url::parse("http://invalid/").expect("valid URL")),
            note: raw.note.map(|n| self.required(n)),
            file: raw.file.and_then(|f| self.project_file(&f)),
            slot_secs: raw.slot.and_then(|s| self.slot(&s)),
        }
    }

    pub(super) fn report(&mut self, raw: Spanned<RawReport>) -> Option<Report> {
        let offset = raw.span().start;
        let raw = raw.into_inner();
        let title = self.limited(raw.title, rules::TITLE);
        let lang = raw.lang.and_then(|l| self.lang(&l));
        let source = self.source(offset, raw.url, raw.file, "report")?;
        if let Source::File(path) = &source
            && path.extension().and_then(|e| e.to_str()) != Some("md")
        {
            self.error_at(offset, "a report file must be Markdown (`.md`)");
        }
        Some(Report {
            title,
            source,
            lang,
        })
    }

    pub(super) fn drawing(&mut self, raw: Spanned<RawDrawing>) -> Option<Drawing> {
        let offset = raw.span().start;
        let raw = raw.into_inner();
        let alt = self.required(raw.alt);
        let credit = raw.credit.map(|c| self.required(c));
        let source = self.source(offset, raw.url, raw.file, "drawing")?;
        Some(Drawing {
            source,
            alt,
            credit,
        })
    }
}

/// `"H:MM"` or `"HH:MM"` in minutes.
fn hours_and_minutes(text: &str) -> Option<u32> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let digits = |t: &str, max_len: usize| {
        (1..=max_len).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 2) || !digits(minutes, 2) || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (minutes < 60).then_some(hours * 60 + minutes)
}
