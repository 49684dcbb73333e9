//! The config as written: `Raw*` types that keep every value's span, deserialized from the
//! text before any check, and the paths into the document that errors point at.

use serde::Deserialize;
use toml::Spanned;

pub(super) type Text = Spanned<String>;

/// A date, a time or a chapter start as written: quoted, or unquoted as TOML's own date and
/// time values (`date = 2023-04-13`, `time = 19:30:00`), which serde hands over as a map.
#[derive(Debug)]
pub(super) enum RawMoment {
    /// `"2023-04-13"`.
    Text(String),
    /// `2023-04-13`, `19:30:00`, `2023-04-13T19:30:00+02:00`…
    Native(toml::value::Datetime),
}

impl<'de> Deserialize<'de> for RawMoment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawMoment;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a date or a time, e.g. 2023-04-13 or \"19:00\"")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawMoment, E> {
                Ok(RawMoment::Text(text.to_string()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawMoment, A::Error> {
                let deserializer = serde::de::value::MapAccessDeserializer::new(map);
                toml::value::Datetime::deserialize(deserializer).map(RawMoment::Native)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl std::fmt::Display for RawMoment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawMoment::Text(text) => f.write_str(text),
            RawMoment::Native(datetime) => datetime.fmt(f),
        }
    }
}

/// `config.toml` as written, before validation.
#[derive(Debug, Deserialize)]
pub(super) struct RawConfig {
    pub(super) podcast: Spanned<RawPodcast>,
    pub(super) organizer: RawOrganization,
    #[serde(default)]
    pub(super) partners: Vec<RawOrganization>,
    pub(super) place: Option<RawPlace>,
    #[serde(default)]
    pub(super) credits: Vec<RawCredit>,
    #[serde(default)]
    pub(super) sessions: Vec<Spanned<RawSession>>,
    pub(super) page: Option<RawPage>,
    pub(super) renditions: Option<RawRenditions>,
    pub(super) deploy: Option<RawDeploy>,
}

/// The `[deploy]` table: where `cyclecast deploy` puts the published folder, and whom it
/// tells afterwards. Every key is optional.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawDeploy {
    /// `s3://BUCKET/PREFIX` or a folder.
    pub(super) to: Option<Text>,
    /// The S3 endpoint, for a store other than AWS.
    pub(super) endpoint: Option<Text>,
    /// WebSub hubs' URLs, and `podcastindex` for the Podcast Index.
    #[serde(default)]
    pub(super) notify: Vec<Text>,
}

/// The `[renditions]` tables: what each master is published as. Every key is optional.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRenditions {
    pub(super) podcast: Option<RawPodcastRendition>,
    pub(super) radio: Option<RawRadioRendition>,
    pub(super) light: Option<RawLightRendition>,
}

/// `[renditions.podcast]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawPodcastRendition {
    pub(super) loudness: Option<Spanned<f64>>,
    pub(super) true_peak: Option<Spanned<f64>>,
    pub(super) bitrate: Option<Spanned<i64>>,
    pub(super) stereo_bitrate: Option<Spanned<i64>>,
}

/// `[renditions.radio]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRadioRendition {
    pub(super) enabled: Option<bool>,
    pub(super) loudness: Option<Spanned<f64>>,
    pub(super) true_peak: Option<Spanned<f64>>,
    pub(super) format: Option<Text>,
    pub(super) bitrate: Option<Spanned<i64>>,
    pub(super) slot: Option<Text>,
}

/// `[renditions.light]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawLightRendition {
    pub(super) enabled: Option<bool>,
    pub(super) bitrate: Option<Spanned<i64>>,
}

/// The `[page]` table: how the web page is made.
#[derive(Debug, Deserialize)]
pub(super) struct RawPage {
    /// A folder of the project whose `index.html`, `session.html` and `style.css` replace
    /// the built-in ones.
    pub(super) theme: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawPodcast {
    pub(super) title: Text,
    pub(super) subtitle: Option<Text>,
    pub(super) description: Text,
    pub(super) language: Text,
    pub(super) base_url: Text,
    pub(super) time_zone: Text,
    pub(super) cover: Option<Text>,
    #[serde(default)]
    pub(super) categories: Vec<Text>,
    #[serde(default)]
    pub(super) explicit: bool,
    pub(super) author: Text,
    pub(super) copyright: Option<Text>,
    pub(super) owner: RawOwner,
    /// Overrides the GUID derived from `base_url`, for a podcast that moved.
    pub(super) guid: Option<Text>,
    /// `episodic` (default) or `serial`.
    #[serde(rename = "type")]
    pub(super) show_type: Option<Text>,
    #[serde(default)]
    pub(super) locked: bool,
    pub(super) season: Option<Spanned<i64>>,
    pub(super) season_name: Option<Text>,
    pub(super) license: Option<RawLicense>,
    #[serde(default)]
    pub(super) funding: Vec<RawLink>,
    #[serde(default)]
    pub(super) txt: Vec<RawTxt>,
    /// Podcasts the cycle recommends.
    #[serde(default)]
    pub(super) podroll: Vec<RawRemotePodcast>,
    /// ID3v2 version of the MP3 copies' tags: `"2.3"` (default, the widest player support)
    /// or `"2.4"`.
    pub(super) id3_version: Option<Text>,
    /// Episodes on the feed's first page, and on each archive page after it.
    pub(super) feed_page_size: Option<Spanned<i64>>,
}

/// `[[podcast.podroll]]`: another podcast's feed, and its GUID when it is not derived from
/// the feed's address.
#[derive(Debug, Deserialize)]
pub(super) struct RawRemotePodcast {
    pub(super) feed: Text,
    pub(super) guid: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawLicense {
    pub(super) name: Text,
    pub(super) url: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawTxt {
    pub(super) text: Text,
    pub(super) purpose: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawOwner {
    pub(super) name: Text,
    pub(super) email: Text,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawOrganization {
    pub(super) name: Text,
    pub(super) url: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawPlace {
    pub(super) name: Text,
    pub(super) address: Text,
    pub(super) url: Option<Text>,
    /// `"latitude,longitude"` in degrees.
    pub(super) geo: Option<Text>,
    /// OpenStreetMap object: `N`, `W` or `R` followed by its id.
    pub(super) osm: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawCredit {
    pub(super) role: Text,
    pub(super) name: Text,
    pub(super) url: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawSession {
    pub(super) id: Text,
    pub(super) number: Spanned<i64>,
    /// Taken from the recording's date tag when left out.
    pub(super) date: Option<Spanned<RawMoment>>,
    pub(super) time: Option<Spanned<RawMoment>>,
    /// Taken from the recording's tags when left out.
    pub(super) title: Option<Text>,
    /// Taken from the recording's comment tag when left out.
    pub(super) description: Option<Text>,
    pub(super) episode_type: Option<Text>,
    pub(super) recording: Option<Text>,
    #[serde(default)]
    pub(super) speakers: Vec<RawSpeaker>,
    #[serde(default)]
    pub(super) rebroadcasts: Vec<RawRebroadcast>,
    #[serde(default)]
    pub(super) reports: Vec<Spanned<RawReport>>,
    #[serde(default)]
    pub(super) drawings: Vec<Spanned<RawDrawing>>,
    #[serde(default)]
    pub(super) links: Vec<RawLink>,
    #[serde(default)]
    pub(super) chapters: Vec<Spanned<RawChapter>>,
    pub(super) transcript: Option<Text>,
    pub(super) image: Option<Text>,
    #[serde(default)]
    pub(super) soundbites: Vec<Spanned<RawSoundbite>>,
    /// A fediverse post where the session is discussed.
    pub(super) discussion: Option<Text>,
    pub(super) live: Option<Spanned<RawLive>>,
}

/// `[sessions.live]`: how to follow the session remotely while it happens.
#[derive(Debug, Deserialize)]
pub(super) struct RawLive {
    /// An audio stream.
    pub(super) url: Option<Text>,
    /// The stream's MIME type.
    #[serde(rename = "type")]
    pub(super) mime: Option<Text>,
    /// A page to follow it on.
    pub(super) page: Option<Text>,
    /// `"H:MM"`.
    pub(super) duration: Option<Spanned<RawMoment>>,
}

/// `[[sessions.soundbites]]`: a moment worth sharing.
#[derive(Debug, Deserialize)]
pub(super) struct RawSoundbite {
    pub(super) start: Spanned<RawMoment>,
    pub(super) duration: Spanned<RawMoment>,
    pub(super) title: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawSpeaker {
    pub(super) name: Text,
    pub(super) affiliation: Option<Text>,
    pub(super) url: Option<Text>,
    pub(super) role: Option<Text>,
    pub(super) img: Option<Text>,
    /// Language of the affiliation, when not the cycle's.
    pub(super) lang: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawChapter {
    pub(super) start: Spanned<RawMoment>,
    pub(super) title: Text,
    pub(super) url: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawRebroadcast {
    pub(super) show: Text,
    pub(super) station: Text,
    pub(super) frequency: Option<Text>,
    pub(super) aired: Option<Spanned<RawMoment>>,
    pub(super) url: Text,
    pub(super) note: Option<Text>,
    /// The radio edit itself, when the station shared it: a file in the project.
    pub(super) file: Option<Text>,
    /// The broadcast slot its radio files must fit (`"58:00"`), when not the cycle's.
    pub(super) slot: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawReport {
    pub(super) title: Text,
    pub(super) url: Option<Text>,
    pub(super) file: Option<Text>,
    /// Language of the title and the report, when not the cycle's.
    pub(super) lang: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawDrawing {
    pub(super) url: Option<Text>,
    pub(super) file: Option<Text>,
    pub(super) alt: Text,
    pub(super) credit: Option<Text>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawLink {
    pub(super) title: Text,
    pub(super) url: Text,
    /// Language of the title, when not the cycle's.
    pub(super) lang: Option<Text>,
}

/// One step of a path into the TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

/// Flattens a `serde_ignored` path into its steps, root first.
pub(super) fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path as P;
    match path {
        P::Root => Vec::new(),
        P::Seq { parent, index } => {
            let mut s = segments(parent);
            s.push(Segment::Index(*index));
            s
        }
        P::Map { parent, key } => {
            let mut s = segments(parent);
            // `Spanned<T>` deserializes through a private wrapper key of its own.
            if !key.starts_with("$__serde_spanned_private") {
                s.push(Segment::Key(key.clone()));
            }
            s
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            segments(parent)
        }
    }
}
