//! The episode stage (pure): a session and the files that publish its recording → an
//! [`Episode`].
//!
//! The identities come from the load stage's pins: GUIDs from [`crate::project::guid`], file
//! names and URLs from [`crate::model::layout`].

use chrono::{LocalResult, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::model::layout;
use crate::model::live::{LiveState, LiveStatus};
use crate::model::{AudioInfo, Broadcast, Cycle, Episode, MediaFile, Rendition, Session};
use crate::project::guid::episode_guid_of;

/// The files that publish a session's recording, as `publish` planned them, with their exact
/// sizes.
#[derive(Debug, Clone)]
pub struct Published {
    /// The feed's enclosure: the podcast rendition, or the recording published as it is.
    pub enclosure: MediaFile,
    /// The light rendition.
    pub light: Option<MediaFile>,
    /// The broadcast renditions.
    pub radio: Option<Broadcast>,
    /// The rebroadcasts' own radio edits.
    pub edits: Vec<Rendition>,
}

impl Published {
    /// A recording published as it is, alone: what the episodes stand on before the files
    /// are made (the theme check renders the pages with them).
    pub fn as_is(session: &Session, audio: &AudioInfo, length: u64) -> Option<Published> {
        let (extension, mime) = audio.published_format()?;
        let enclosure = MediaFile {
            file: layout::episode_file(session, extension),
            mime,
            length,
            audio: audio.clone(),
            integrity: String::new(),
        };
        Some(Published {
            enclosure,
            light: None,
            radio: None,
            edits: Vec::new(),
        })
    }
}

/// Builds a session's episode from the files that publish it.
pub fn build(cycle: &Cycle, session: &Session, published: Published) -> Option<Episode> {
    let Published {
        enclosure,
        light,
        radio,
        edits,
    } = published;
    let url = cycle.podcast.base_url.join(&enclosure.file).ok()?;
    Some(Episode {
        session: session.clone(),
        guid: episode_guid_of(cycle.podcast.guid, session),
        file: enclosure.file,
        url,
        mime: enclosure.mime,
        length: enclosure.length,
        audio: enclosure.audio,
        integrity: enclosure.integrity,
        published: session_start(session, cycle.podcast.time_zone),
        chapters_file: (!session.chapters.is_empty()).then(|| layout::chapters_file(session)),
        transcript_files: session
            .transcript
            .as_ref()
            .map(|_| layout::transcript_files(session)),
        image_file: image_file(session),
        light,
        radio,
        renditions: edits,
    })
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

/// How long after its end a live session that was never published stays in the feed as
/// `ended`: apps learn that the stream is over, then the item goes (a cancelled session, a
/// recording that never came).
const ENDED_KEPT: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Where each session followed live and not yet published as an episode stands at `now`:
/// what the feed's `podcast:liveItem`s and the pages' « Suivre en direct » show. A session
/// ended more than a day ago is left out.
pub fn live_states(
    cycle: &Cycle,
    episodes: &[Episode],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<LiveState> {
    cycle
        .sessions
        .iter()
        .filter(|s| !episodes.iter().any(|e| e.session.number == s.number))
        .filter_map(|session| {
            let live = session.live.as_ref()?;
            let start = session_start(session, cycle.podcast.time_zone);
            let end = start + chrono::Duration::minutes(live.minutes.into());
            if now >= end + ENDED_KEPT {
                return None;
            }
            Some(LiveState {
                session: session.number,
                status: LiveStatus::at(now, start, end),
                start,
                end,
            })
        })
        .collect()
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
