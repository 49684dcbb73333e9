//! The episode stage (pure): a session, its recording's figures and its published file → an
//! [`Episode`].
//!
//! The identities come from the load stage's pins: GUIDs from [`crate::project::guid`], file
//! names and URLs from [`crate::model::layout`].

use chrono::{LocalResult, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::model::layout::{self, episode_file};
use crate::model::{AudioInfo, Cycle, Episode, Rendition, Session};
use crate::project::guid::episode_guid_of;

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
    let (extension, mime) = audio.published_format()?;
    let file = episode_file(session, extension);
    let url = cycle.podcast.base_url.join(&file).ok()?;
    Some(Episode {
        session: session.clone(),
        guid: episode_guid_of(cycle.podcast.guid, session),
        file,
        url,
        mime,
        length,
        audio,
        published: session_start(session, cycle.podcast.time_zone),
        chapters_file: (!session.chapters.is_empty()).then(|| layout::chapters_file(session)),
        transcript_files: session
            .transcript
            .as_ref()
            .map(|_| layout::transcript_files(session)),
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
            let (extension, mime) = audio.published_format()?;
            Some(Rendition {
                title: rebroadcast.show.clone(),
                file: layout::radio_file(session, i, extension),
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
        (Some(path), _) => layout::image_extension(path),
        (None, Some(format)) => format.extension().to_string(),
        (None, None) => return None,
    };
    Some(layout::image_file(session, &extension))
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
