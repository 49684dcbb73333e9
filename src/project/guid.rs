//! The identities derived when nothing pins them yet: the podcast's GUID follows the
//! Podcasting 2.0 rule (a UUIDv5 of the feed URL), and each episode's GUID derives from the
//! podcast's GUID and the session id, so neither a new title, a new file name nor a replaced
//! recording changes it. Once published, `cyclecast.lock` pins them (see
//! [`crate::project::identity`]); [`episode_guid_of`] is the one GUID every output uses.

use url::Url;
use uuid::Uuid;

use crate::model::Session;
use crate::model::layout::FEED_FILE;

/// The namespace the Podcasting 2.0 specification sets for `podcast:guid`.
const PODCAST_NAMESPACE: Uuid = Uuid::from_u128(0xead4c236_bf58_58c6_a2c6_a6b28d128cb6);

/// The podcast's GUID: UUIDv5 of its feed URL without scheme and trailing slashes.
pub fn podcast_guid(base_url: &Url) -> Uuid {
    let feed = base_url
        .join(FEED_FILE)
        .unwrap_or_else(|_| base_url.clone());
    feed_guid(feed.as_str())
}

/// UUIDv5 of a feed URL without its scheme and trailing slashes, as the specification says.
pub fn feed_guid(feed_url: &str) -> Uuid {
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

/// The GUID a session's episode is published with: the one the lock pins, else
/// [`episode_guid`]. The feed and the calendar both use it.
pub fn episode_guid_of(podcast: Uuid, session: &Session) -> String {
    session
        .published_guid
        .clone()
        .unwrap_or_else(|| episode_guid(podcast, &session.id))
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
