//! Following a session while it happens (`[sessions.live]`): where to follow it, and where it
//! stands at the moment of publishing.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

/// How long a live session lasts when the config does not say: two hours.
pub const DEFAULT_MINUTES: u32 = 120;

/// How to follow a session remotely: an audio stream, a page, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// An audio stream (Icecast…), for podcast apps and the page's player.
    pub stream: Option<LiveStream>,
    /// A page to follow it on (a video call, a video stream).
    pub page: Option<Url>,
    /// How long it is meant to last, in minutes from the session's start.
    pub minutes: u32,
}

/// A live audio stream and its MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveStream {
    /// The stream's address.
    pub url: Url,
    /// Its MIME type, e.g. `audio/mpeg`.
    pub mime: String,
}

/// Where a live session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not started yet.
    Pending,
    /// Under way.
    Live,
    /// Over, its recording not yet published.
    Ended,
}

impl LiveStatus {
    /// The status at `now` of a session meant to run from `start` to `end`.
    pub fn at(now: DateTime<Utc>, start: DateTime<Tz>, end: DateTime<Tz>) -> LiveStatus {
        if now < start {
            LiveStatus::Pending
        } else if now < end {
            LiveStatus::Live
        } else {
            LiveStatus::Ended
        }
    }

    /// As `podcast:liveItem`'s `status` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LiveStatus::Pending => "pending",
            LiveStatus::Live => "live",
            LiveStatus::Ended => "ended",
        }
    }

    /// Whether people can still join: before or during the session.
    pub fn is_open(self) -> bool {
        self != LiveStatus::Ended
    }
}

/// A session followed live and not yet published as an episode, at the moment of publishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveState {
    /// The session's number.
    pub session: u32,
    /// Where it stands.
    pub status: LiveStatus,
    /// When it starts, in the podcast's time zone.
    pub start: DateTime<Tz>,
    /// When it is meant to end.
    pub end: DateTime<Tz>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_status_follows_the_clock() {
        let zone: Tz = "Europe/Paris".parse().unwrap();
        let start = zone.with_ymd_and_hms(2026, 12, 5, 19, 0, 0).unwrap();
        let end = start + chrono::Duration::hours(2);
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 5, h, m, 0).unwrap();
        assert_eq!(LiveStatus::at(at(17, 59), start, end), LiveStatus::Pending);
        assert_eq!(LiveStatus::at(at(18, 0), start, end), LiveStatus::Live);
        assert_eq!(LiveStatus::at(at(19, 59), start, end), LiveStatus::Live);
        assert_eq!(LiveStatus::at(at(20, 0), start, end), LiveStatus::Ended);
    }
}
