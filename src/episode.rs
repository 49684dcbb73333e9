//! Stage 4 (pure): a session, its recording's figures and its published file → an [`Episode`].
//!
//! Identities live here: the podcast's GUID follows the Podcasting 2.0 rule (a UUIDv5 of the
//! feed URL), and each episode's GUID derives from the podcast's GUID and the session id, so
//! neither a new title, a new file name nor a replaced recording changes it. Once published,
//! `cyclecast.lock` pins both, and each session's file stem (see [`crate::project::identity`]).

use chrono::{LocalResult, NaiveTime, TimeZone};
use chrono_tz::Tz;
use url::Url;
use uuid::Uuid;

use crate::model::{AudioInfo, Codec, Container, Cycle, Episode, Rendition, Session};

/// The namespace the Podcasting 2.0 specification sets for `podcast:guid`.
const PODCAST_NAMESPACE: Uuid = Uuid::from_u128(0xead4c236_bf58_58c6_a2c6_a6b28d128cb6);

/// Name of the listeners' feed under `feed/`.
pub const FEED_FILE: &str = "feed.xml";

/// The podcast's GUID: UUIDv5 of its feed URL without scheme and trailing slashes.
pub fn podcast_guid(base_url: &Url) -> Uuid {
    let feed = base_url
        .join(FEED_FILE)
        .unwrap_or_else(|_| base_url.clone());
    feed_guid(feed.as_str())
}

/// UUIDv5 of a feed URL without its scheme and trailing slashes, as the specification says.
fn feed_guid(feed_url: &str) -> Uuid {
    let without_scheme = feed_url
        .split_once("://")
        .map_or(feed_url, |(_, rest)| rest);
    Uuid::new_v5(
        &PODCAST_NAMESPACE,
        without_scheme.trim_end_matches('/').as_bytes(),
    )
}

/// An episode's GUID: UUIDv5 of the session id in the podcast's GUID as namespace.
pub fn episode_guid(podcast: Uuid, session_id: &str) -> String {
    Uuid::new_v5(&podcast, session_id.as_bytes()).to_string()
}

/// The published file's extension and MIME type for a probed container and codec.
pub fn published_format(audio: &AudioInfo) -> Option<(&'static str, &'static str)> {
    Some(match (&audio.container, &audio.codec) {
        (_, Codec::Mp3) => ("mp3", "audio/mpeg"),
        (Container::Mp4, Codec::Aac | Codec::Alac) => ("m4a", "audio/mp4"),
        (Container::Ogg, Codec::Opus) => ("opus", "audio/ogg"),
        (Container::Ogg, _) => ("ogg", "audio/ogg"),
        (Container::Flac, _) => ("flac", "audio/flac"),
        (Container::Wave, _) => ("wav", "audio/wav"),
        (Container::Aiff, _) => ("aiff", "audio/aiff"),
        _ => return None,
    })
}

/// Path under `feed/` of a session's published episode, e.g. `episodes/01-slug.mp3`.
pub fn episode_file(session: &Session, extension: &str) -> String {
    format!("episodes/{}.{extension}", session.stem())
}

/// Builds a session's episode; `length` is the exact size of the published file.
///
/// `probed` holds the figures of the radio edits the config names, published beside it.
pub fn build(
    cycle: &Cycle,
    session: &Session,
    audio: AudioInfo,
    length: u64,
    probed: &[(std::path::PathBuf, AudioInfo)],
) -> Option<Episode> {
    let (extension, mime) = published_format(&audio)?;
    let file = episode_file(session, extension);
    let url = cycle.podcast.base_url.join(&file).ok()?;
    Some(Episode {
        session: session.clone(),
        guid: session
            .published_guid
            .clone()
            .unwrap_or_else(|| episode_guid(cycle.podcast.guid, &session.id)),
        file,
        url,
        mime,
        length,
        audio,
        published: session_start(session, cycle.podcast.time_zone),
        chapters_file: (!session.chapters.is_empty())
            .then(|| format!("chapters/{}.json", session.stem())),
        transcript_files: session.transcript.as_ref().map(|_| {
            (
                format!("transcripts/{}.vtt", session.stem()),
                format!("transcripts/{}.srt", session.stem()),
            )
        }),
        image_file: image_file(session),
        renditions: renditions(session, probed),
    })
}

/// The session's radio edits, each at `radio/NN-id.ext` (`radio/NN-id-2.ext` for a second).
fn renditions(session: &Session, probed: &[(std::path::PathBuf, AudioInfo)]) -> Vec<Rendition> {
    let with_files = session
        .rebroadcasts
        .iter()
        .filter_map(|r| Some((r, r.file.as_ref()?)));
    with_files
        .enumerate()
        .filter_map(|(i, (rebroadcast, path))| {
            let (_, audio) = probed.iter().find(|(p, _)| p == path)?;
            let (extension, mime) = published_format(audio)?;
            let suffix = if i == 0 {
                String::new()
            } else {
                format!("-{}", i + 1)
            };
            Some(Rendition {
                title: rebroadcast.show.clone(),
                file: format!("radio/{}{suffix}.{extension}", session.stem()),
                mime,
                length: audio.size,
                audio: audio.clone(),
                source: path.clone(),
            })
        })
        .collect()
}

/// Path under `feed/` of the episode's own artwork, e.g. `images/01-slug.jpg`: the config's
/// `image`, else the cover embedded in its recording.
fn image_file(session: &Session) -> Option<String> {
    let extension = match (&session.image, session.embedded_image) {
        (Some(path), _) => image_extension(path),
        (None, Some(format)) => format.extension().to_string(),
        (None, None) => return None,
    };
    Some(format!("images/{}.{extension}", session.stem()))
}

/// The extension an image is published with: `jpg` or `png`, lowercase.
pub fn image_extension(path: &std::path::Path) -> String {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("jpg")
        .to_ascii_lowercase();
    if extension == "jpeg" {
        "jpg".to_string()
    } else {
        extension
    }
}

/// When the session began, in the podcast's time zone. A session with a date alone is placed
/// at noon, so that its day reads the same in every time zone from UTC−11 to UTC+12.
pub fn session_start(session: &Session, zone: Tz) -> chrono::DateTime<Tz> {
    let time = session
        .time
        .unwrap_or(NaiveTime::from_hms_opt(12, 0, 0).expect("noon exists"));
    let local = session.date.and_time(time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
        // A time that falls in a spring-forward gap: an hour later exists.
        LocalResult::None => zone
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .unwrap_or_else(|| zone.from_utc_datetime(&local)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podcast_guid_follows_the_podcasting_2_0_example() {
        // The example given with the `podcast:guid` tag in the namespace's documentation.
        let guid = feed_guid("https://mp3s.nashownotes.com/pc20rss.xml");
        assert_eq!(guid.to_string(), "917393e3-1b1e-5cef-ace4-edaa54e1f810");
        let base = Url::parse("https://example.org/cycle/").unwrap();
        assert_eq!(
            podcast_guid(&base),
            feed_guid("http://example.org/cycle/feed.xml/")
        );
    }

    #[test]
    fn episode_guids_depend_only_on_podcast_and_session_id() {
        let podcast = Uuid::from_u128(7);
        assert_eq!(episode_guid(podcast, "a"), episode_guid(podcast, "a"));
        assert_ne!(episode_guid(podcast, "a"), episode_guid(podcast, "b"));
        assert_ne!(
            episode_guid(podcast, "a"),
            episode_guid(Uuid::from_u128(8), "a")
        );
    }
}
