//! The types the stages share: the validated cycle (from `config`), the recordings (from
//! `ingest`), their figures (from `probe`) and the episodes built from all three; and the
//! rules every stage applies the same way:
//!
//! - [`format`](mod@format): the containers, codecs and image formats cyclecast reads, as enums;
//! - [`lang`]: the cycle's language; [`layout`]: every path and URL in `feed/`;
//!   [`live`]: following a session while it happens;
//!   [`loudness`]: a recording's EBU R128 figures;
//!   [`media`]: the one MIME table; [`time`]: every duration format and timestamp parser;
//! - [`problem`]: a problem found in the project, with its file, line and hint;
//!   [`rules`]: the length limits of each text; [`text`]: what text may reach XML or a
//!   terminal; [`transcript`]: WebVTT and SubRip, parsed and written.
//!
//! The bottom of the pipeline: it uses no other part of the crate, and nothing here does IO.

pub mod audio;
pub mod format;
pub mod lang;
pub mod layout;
pub mod live;
pub mod loudness;
pub mod media;
pub mod problem;
pub mod rendition;
pub mod rules;
pub mod text;
pub mod time;
pub mod transcript;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use url::Url;

pub use crate::model::audio::{AudioInfo, Tags};
pub use crate::model::format::{Codec, Container, FileLayout, ImageFormat, Trim, Untaggable};
use crate::model::lang::Lang;
pub use crate::model::loudness::{Balance, Loudness, Measurement, PublishedLoudness};

/// A cycle of talks: the podcast and its sessions, validated.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// The podcast as a whole.
    pub podcast: Podcast,
    /// Who organizes the cycle.
    pub organizer: Organization,
    /// Partner organizations, in config order.
    pub partners: Vec<Organization>,
    /// Where the sessions take place.
    pub place: Option<Place>,
    /// People and groups to credit (visuals, drawings, radio edit…).
    pub credits: Vec<Credit>,
    /// The sessions, sorted by number.
    pub sessions: Vec<Session>,
    /// The renditions made from each master (`[renditions]`).
    pub renditions: rendition::RenditionSettings,
}

/// The podcast's channel-level description.
#[derive(Debug, Clone)]
pub struct Podcast {
    /// Title of the podcast and of the cycle.
    pub title: String,
    /// One-line summary.
    pub subtitle: Option<String>,
    /// Plain-text description, paragraphs separated by blank lines.
    pub description: String,
    /// Language of the cycle, its page and its feed.
    pub lang: Lang,
    /// Where `feed/` is served, always ending with `/`.
    pub base_url: Url,
    /// The podcast's GUID: never changes once published (see [`crate::project::guid::podcast_guid`]).
    pub guid: uuid::Uuid,
    /// Whether `guid` was written in the config (`[podcast] guid`) rather than derived.
    pub guid_from_config: bool,
    /// Time zone the session dates and times are given in.
    pub time_zone: Tz,
    /// Square cover image in the project, published as `cover.<ext>`.
    pub cover: Option<PathBuf>,
    /// Apple Podcasts categories.
    pub categories: Vec<Category>,
    /// Whether the podcast contains explicit content.
    pub explicit: bool,
    /// Author shown by podcast apps.
    pub author: String,
    /// Copyright notice.
    pub copyright: Option<String>,
    /// Owner that directories contact.
    pub owner: Owner,
    /// Episodic (newest first) or serial (in order).
    pub show_type: ShowType,
    /// ID3v2 version of the tags written into MP3 copies.
    pub id3_version: Id3Version,
    /// Episodes on `feed.xml`, the newest; the older ones go to archive pages of this size
    /// (RFC 5005 paging).
    pub feed_page_size: usize,
    /// Whether other platforms may not import the feed (`podcast:locked`).
    pub locked: bool,
    /// The WebSub hubs a deploy notifies (`[deploy] notify`), which the feed names so that
    /// apps may subscribe to them.
    pub hubs: Vec<Url>,
    /// The season all sessions belong to (the cycle), with its name.
    pub season: Season,
    /// License of the recordings (`podcast:license`).
    pub license: Option<License>,
    /// Where listeners can support the cycle (`podcast:funding`).
    pub funding: Vec<Link>,
    /// Free texts for other platforms, e.g. ownership checks (`podcast:txt`).
    pub txt: Vec<Txt>,
    /// Podcasts the cycle recommends, e.g. the radio show's own feed (`podcast:podroll`).
    pub podroll: Vec<RemotePodcast>,
}

/// Another podcast, by its feed.
#[derive(Debug, Clone, PartialEq)]
pub struct RemotePodcast {
    /// Its feed's address.
    pub feed_url: Url,
    /// Its GUID: the config's, else derived from `feed_url` as the Podcasting 2.0 rule says.
    pub feed_guid: uuid::Uuid,
}

/// The iTunes show type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowType {
    /// Listeners start with the newest episode.
    Episodic,
    /// Listeners start with the first episode; episode numbers are required.
    Serial,
}

/// The ID3v2 version of the tags written into MP3 copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Id3Version {
    /// ID3v2.3: read by nearly every player (the default).
    #[default]
    V23,
    /// ID3v2.4: UTF-8 text and recording dates with times; some players do not read it.
    V24,
}

/// A season: its number and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Season {
    /// Number, from 1.
    pub number: u32,
    /// Name, e.g. the cycle's title.
    pub name: String,
}

/// A license: an SPDX identifier or a name, with a URL to its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    /// Identifier (e.g. `cc-by-sa-4.0`) or name.
    pub name: String,
    /// Where the license is written.
    pub url: Option<Url>,
}

/// A free text for other platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Txt {
    /// The text (at most 4,000 characters).
    pub text: String,
    /// What it is for, e.g. `verify`.
    pub purpose: Option<String>,
}

/// An Apple Podcasts category, with an optional subcategory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Top-level category, e.g. `Society & Culture`.
    pub name: String,
    /// Subcategory, e.g. `Politics` under `News`.
    pub sub: Option<String>,
}

/// The podcast's owner, as directories see it.
#[derive(Debug, Clone)]
pub struct Owner {
    /// Name of the person or group.
    pub name: String,
    /// Email address for ownership checks.
    pub email: String,
}

/// An organization or person with an optional web address.
#[derive(Debug, Clone)]
pub struct Organization {
    /// Display name.
    pub name: String,
    /// Web site.
    pub url: Option<Url>,
}

/// Where the sessions take place.
#[derive(Debug, Clone)]
pub struct Place {
    /// Name of the place.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// The place's own web site.
    pub url: Option<Url>,
    /// Latitude and longitude, in degrees.
    pub geo: Option<(f64, f64)>,
    /// OpenStreetMap object, e.g. `W43678282` (type letter and id).
    pub osm: Option<String>,
}

/// A credit line: who did what.
#[derive(Debug, Clone)]
pub struct Credit {
    /// What they did, in the cycle's language.
    pub role: String,
    /// Who.
    pub name: String,
    /// Their web site.
    pub url: Option<Url>,
}

/// One meeting of the cycle.
#[derive(Debug, Clone)]
pub struct Session {
    /// Stable identifier, ASCII `[a-z0-9-]`: the slug of every file and URL of the session.
    pub id: String,
    /// Position in the cycle, from 1.
    pub number: u32,
    /// Day of the meeting, in the podcast's time zone.
    pub date: NaiveDate,
    /// Whether the config gives the date; else it comes from the recording's date tag.
    pub date_written: bool,
    /// Starting time, when known.
    pub time: Option<NaiveTime>,
    /// Title (no number in it).
    pub title: String,
    /// Plain-text description, paragraphs separated by blank lines.
    pub description: String,
    /// Full, trailer or bonus.
    pub episode_type: EpisodeType,
    /// The recording in the project, if the session has been recorded.
    pub recording: Option<PathBuf>,
    /// Who spoke.
    pub speakers: Vec<Speaker>,
    /// Radio rebroadcasts of the session.
    pub rebroadcasts: Vec<Rebroadcast>,
    /// Written reports (compte-rendus).
    pub reports: Vec<Report>,
    /// Drawings made during the session.
    pub drawings: Vec<Drawing>,
    /// Other links.
    pub links: Vec<Link>,
    /// Chapters, sorted, the first at 0.
    pub chapters: Vec<Chapter>,
    /// A transcript (WebVTT or SRT) in the project.
    pub transcript: Option<PathBuf>,
    /// The episode's own square artwork in the project.
    pub image: Option<PathBuf>,
    /// Its best moments to share (`podcast:soundbite`), in the config's order.
    pub soundbites: Vec<Soundbite>,
    /// A post where the session is discussed, on the fediverse (`podcast:socialInteract`;
    /// the page's « Commenter »).
    pub discussion: Option<Url>,
    /// How to follow it remotely while it happens (`[sessions.live]`).
    pub live: Option<live::Live>,
    /// The format of the front cover embedded in its recording, when `image` is not given and
    /// that picture meets the directories' rules: the episode's artwork then. Set by
    /// [`crate::project::load`], which keeps the picture's bytes.
    pub embedded_image: Option<ImageFormat>,
    /// The stem the session was published under (`cyclecast.lock`), kept when renumbered.
    pub published_slug: Option<String>,
    /// The GUID its episode was published with (`cyclecast.lock`).
    pub published_guid: Option<String>,
    /// Line and column of its `id` in the config, for messages.
    pub position: (usize, usize),
}

/// Paths under `feed/` of a session's transcript in each format published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptFiles {
    /// The Podcast Index JSON transcript, e.g. `transcripts/01-slug.json`: what apps such as
    /// AntennaPod prefer.
    pub json: String,
    /// WebVTT, e.g. `transcripts/01-slug.vtt`: the page's captions.
    pub vtt: String,
    /// SubRip, e.g. `transcripts/01-slug.srt`.
    pub srt: String,
}

/// A moment of a session's recording worth sharing.
#[derive(Debug, Clone, PartialEq)]
pub struct Soundbite {
    /// Start, in milliseconds from the start of the recording.
    pub start_ms: u64,
    /// Length, in milliseconds.
    pub duration_ms: u64,
    /// What is said, when the config gives it.
    pub title: Option<String>,
    /// Line and column of the soundbite in the config, for messages.
    pub position: (usize, usize),
}

/// A chapter of a session's recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    /// Start, in milliseconds from the start of the recording.
    pub start_ms: u64,
    /// Title.
    pub title: String,
    /// A link about what is said.
    pub url: Option<Url>,
    /// Line and column of the chapter in the config, for messages.
    pub position: (usize, usize),
}

impl Session {
    /// The stem shared by the session's published files: the one it was published under
    /// when `cyclecast.lock` pins it, else [`Session::numbered_stem`].
    pub fn stem(&self) -> String {
        self.published_slug
            .clone()
            .unwrap_or_else(|| self.numbered_stem())
    }

    /// The `NN-id` stem the session's number and id give.
    pub fn numbered_stem(&self) -> String {
        format!("{:02}-{}", self.number, self.id)
    }
}

/// The episode type of the iTunes namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpisodeType {
    /// A regular episode.
    Full,
    /// A preview.
    Trailer,
    /// Extra content.
    Bonus,
}

impl EpisodeType {
    /// The value written in `itunes:episodeType`.
    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeType::Full => "full",
            EpisodeType::Trailer => "trailer",
            EpisodeType::Bonus => "bonus",
        }
    }
}

/// A person or group who spoke at a session.
#[derive(Debug, Clone)]
pub struct Speaker {
    /// Name as it should be shown.
    pub name: String,
    /// Affiliation or short description.
    pub affiliation: Option<String>,
    /// Their web page.
    pub url: Option<Url>,
    /// What they did at the session.
    pub role: Role,
    /// A picture of them.
    pub img: Option<Url>,
    /// Language of their affiliation, when it is not the cycle's (e.g. `en`).
    pub lang: Option<String>,
}

/// What a person did at a session. The Podcasting 2.0 person taxonomy has no speaker,
/// moderator, illustrator or rapporteur: [`Role::taxonomy`] gives the nearest role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Speaks at the session (the default).
    Speaker,
    /// Chairs the discussion.
    Moderator,
    /// Hosts the podcast or the session.
    Host,
    /// Draws during the session.
    Illustrator,
    /// Writes the report.
    Rapporteur,
    /// Interprets between languages.
    Interpreter,
    /// Records the sound.
    SoundEngineer,
    /// Edits the recording.
    AudioEditor,
}

impl Role {
    /// Every role, with its config name.
    pub const ALL: [(Role, &'static str); 8] = [
        (Role::Speaker, "speaker"),
        (Role::Moderator, "moderator"),
        (Role::Host, "host"),
        (Role::Illustrator, "illustrator"),
        (Role::Rapporteur, "rapporteur"),
        (Role::Interpreter, "interpreter"),
        (Role::SoundEngineer, "sound engineer"),
        (Role::AudioEditor, "audio editor"),
    ];

    /// The role and group of the Podcasting 2.0 person taxonomy nearest to this one.
    pub fn taxonomy(self) -> (&'static str, &'static str) {
        match self {
            Role::Speaker => ("guest", "cast"),
            Role::Moderator | Role::Host => ("host", "cast"),
            Role::Illustrator => ("graphic designer", "visuals"),
            Role::Rapporteur => ("writer", "writing"),
            Role::Interpreter => ("translator", "writing"),
            Role::SoundEngineer => ("audio engineer", "audio production"),
            Role::AudioEditor => ("audio editor", "audio post-production"),
        }
    }

    /// The config name of the role.
    pub fn name(self) -> &'static str {
        Role::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map_or("speaker", |(_, n)| n)
    }
}

/// A radio rebroadcast of a session.
#[derive(Debug, Clone)]
pub struct Rebroadcast {
    /// The show's name.
    pub show: String,
    /// The station.
    pub station: String,
    /// Its frequency, e.g. `106.3 FM`.
    pub frequency: Option<String>,
    /// Day it was aired.
    pub aired: Option<NaiveDate>,
    /// Where to listen to it again.
    pub url: Url,
    /// A word about it.
    pub note: Option<String>,
    /// The radio edit itself, a file in the project, published beside the episode.
    pub file: Option<PathBuf>,
    /// The broadcast slot its radio edit must fit, in seconds (`slot = "58:00"`).
    pub slot_secs: Option<u32>,
}

/// An audio file published under `feed/` beside an episode's enclosure.
#[derive(Debug, Clone)]
pub struct MediaFile {
    /// Path under `feed/`, e.g. `light/02-slug.mp3`.
    pub file: String,
    /// MIME type.
    pub mime: &'static str,
    /// Exact size in bytes.
    pub length: u64,
    /// Its figures.
    pub audio: AudioInfo,
    /// Its Subresource Integrity digest, `sha384-…` (`podcast:integrity`).
    pub integrity: String,
}

/// The broadcast renditions of a recording: a lossless file and an MP3 at EBU R128 loudness.
#[derive(Debug, Clone)]
pub struct Broadcast {
    /// The WAV or FLAC, 48 kHz 16-bit.
    pub lossless: MediaFile,
    /// The MP3, CBR at 44.1 kHz.
    pub mp3: MediaFile,
}

/// A rebroadcast's own radio edit, published beside the episode.
#[derive(Debug, Clone)]
pub struct Rendition {
    /// What it is, e.g. the show's name.
    pub title: String,
    /// The file in the project.
    pub source: PathBuf,
    /// Its broadcast renditions; without `[renditions.radio]`, the lossless one is the edit
    /// as it is and there is no MP3.
    pub lossless: MediaFile,
    /// Its broadcast MP3.
    pub mp3: Option<MediaFile>,
}

/// Where a resource lives: at a web address, or in a file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Hosted elsewhere.
    Url(Url),
    /// A file in the project (absolute path inside the project folder).
    File(PathBuf),
}

/// A written report of a session.
#[derive(Debug, Clone)]
pub struct Report {
    /// Title of the report.
    pub title: String,
    /// A web address, or a Markdown file in the project.
    pub source: Source,
    /// Language of the title and the report, when it is not the cycle's.
    pub lang: Option<String>,
}

/// A drawing made during a session.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// The image: a web address, or a file in the project.
    pub source: Source,
    /// Text alternative.
    pub alt: String,
    /// Who drew it.
    pub credit: Option<String>,
}

/// A titled link.
#[derive(Debug, Clone)]
pub struct Link {
    /// What the link is.
    pub title: String,
    /// Where it goes.
    pub url: Url,
    /// Language of the title, when it is not the cycle's.
    pub lang: Option<String>,
}

/// A recording found in the project, ready to be probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Number of the session it belongs to.
    pub session: u32,
    /// Absolute path of the file.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// BLAKE3 hash of its content, hex.
    pub hash: String,
}

/// A published episode: a session with its recording, figures and published file.
#[derive(Debug, Clone)]
pub struct Episode {
    /// The session it publishes.
    pub session: Session,
    /// GUID of the item, never changes once published.
    pub guid: String,
    /// Path of the published file under `feed/`, e.g. `episodes/01-slug.mp3`.
    pub file: String,
    /// Absolute URL of the published file.
    pub url: Url,
    /// MIME type of the published file.
    pub mime: &'static str,
    /// Exact size of the published file in bytes.
    pub length: u64,
    /// Figures of the published file (the podcast rendition, or the recording published as
    /// it is).
    pub audio: AudioInfo,
    /// Date and time of the session, in the podcast's time zone.
    pub published: DateTime<Tz>,
    /// Path under `feed/` of the JSON chapters, when the session has chapters.
    pub chapters_file: Option<String>,
    /// Paths under `feed/` of the transcript in each format, when there is one.
    pub transcript_files: Option<TranscriptFiles>,
    /// Path under `feed/` of the episode's own artwork, when it has one.
    pub image_file: Option<String>,
    /// Subresource Integrity digest of the published file, `sha384-…`.
    pub integrity: String,
    /// The light rendition, for thin data plans.
    pub light: Option<MediaFile>,
    /// The broadcast renditions of the recording.
    pub radio: Option<Broadcast>,
    /// The rebroadcasts' own radio edits.
    pub renditions: Vec<Rendition>,
}
