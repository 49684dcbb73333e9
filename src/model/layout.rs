//! Where everything lives in `feed/`: every file name, path and URL that a publish writes or
//! links to, in one place.
//!
//! It sits in `model`, below `episode` (which names an episode's files and URL) and `project`
//! (whose identities pin the enclosure URL): all of them may use it without an upward
//! dependency. It uses only the `model` types it names paths from.

use crate::model::Session;

/// Name of the listeners' feed under `feed/`.
pub const FEED_FILE: &str = "feed.xml";

/// Path under `feed/` of a session's published episode, e.g. `episodes/01-slug.mp3`.
pub fn episode_file(session: &Session, extension: &str) -> String {
    format!("episodes/{}.{extension}", session.stem())
}
