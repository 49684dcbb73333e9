//! Every way cyclecast writes a duration or a position in a recording, and reads one.
//!
//! Positions are whole milliseconds (`u64`), durations of a recording seconds (`f64`, as
//! probed). Each format is named for where it is used: feeds ([`itunes_duration`],
//! [`timestamp`] for Podlove chapters, WebVTT and SubRip), pages ([`clock`],
//! [`html_duration`], [`media_time`], [`human_duration`]) and the terminal ([`elapsed`]).
//! The parsers read the config's chapter times ([`parse_timestamp`]) and the cue times of
//! WebVTT and SubRip ([`parse_cue_time`]).

use std::time::Duration;

/// The hours a time may reach: far beyond any recording, and small enough that every
/// millisecond count derived from it stays exact wherever it goes (an `f64` in seconds, a
/// `u32` of ID3 chapters saturates).
pub const MAX_HOURS: u64 = 10_000;

/// `HH:MM:SS` then `separator` and milliseconds: `01:02:03.456` (Podlove Simple Chapters,
/// show notes, WebVTT with `.`), `01:02:03,456` (SubRip with `,`).
pub fn timestamp(ms: u64, separator: char) -> String {
    let (h, m, s, millis) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{millis:03}")
}

/// `H:MM:SS`, rounded to the nearest second: the feed's `itunes:duration`.
pub fn itunes_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

/// A valid HTML duration string for a position, e.g. `PT8.055S`.
pub fn html_duration(ms: u64) -> String {
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

/// A position as a media fragment's time (`#t=`), in whole seconds: `MM:SS`, or `H:MM:SS` from
/// the first hour on (the npt forms of the Media Fragments URI spec).
pub fn media_time(ms: u64) -> String {
    let total = ms / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// `M:SS` or `H:MM:SS`, as people read a position in a recording.
pub fn clock(ms: u64) -> String {
    let total = ms / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A recording's duration for people: `25 min 12 s`, `1 h 02 min`.
pub fn human_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s:02} s"),
        _ => format!("{h} h {m:02} min"),
    }
}

/// How long a command took, for people: `0.4 s`, `12.3 s`, `2 min 05 s`.
pub fn elapsed(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    if seconds < 59.95 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

/// `[[H:]M:]S` parts, each all digits, and milliseconds, as milliseconds; refuses a time of
/// [`MAX_HOURS`] or more (an hour count of any length is digits only, so it cannot overflow).
pub fn clock_ms(parts: &[&str], millis: u64) -> Option<u64> {
    let mut seconds: u64 = 0;
    for part in parts {
        // More than 20 digits do not fit a u64: too large, whatever they say.
        let n: u64 = part.parse().ok()?;
        seconds = seconds.checked_mul(60)?.checked_add(n)?;
    }
    let ms = seconds.checked_mul(1000)?.checked_add(millis)?;
    (ms < MAX_HOURS * 3_600_000).then_some(ms)
}

/// Parses `H:MM:SS`, `MM:SS` or `SS`, each with optional `.mmm`, into milliseconds (the
/// config's chapter times); a time of [`MAX_HOURS`] or more is refused.
pub fn parse_timestamp(text: &str) -> Option<u64> {
    let (whole, fraction) = match text.trim().split_once('.') {
        Some((w, f)) if !f.is_empty() && f.len() <= 3 && f.bytes().all(|b| b.is_ascii_digit()) => {
            (w, format!("{f:0<3}").parse::<u64>().ok()?)
        }
        Some(_) => return None,
        None => (text.trim(), 0),
    };
    let parts: Vec<&str> = whole.split(':').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let numbers: Vec<u64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if numbers.len() > 1 && numbers[1..].iter().any(|&n| n >= 60) {
        return None;
    }
    clock_ms(&parts, fraction)
}

/// Why a cue time does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadTime {
    /// Not shaped like a cue time.
    Malformed,
    /// [`MAX_HOURS`] or more.
    TooLarge,
}

/// Parses a cue time: `HH:MM:SS` then `separator` and three digits of milliseconds, the hours
/// left out when `hours_optional` (`MM:SS.mmm` in WebVTT; SubRip always has them, with `,`).
pub fn parse_cue_time(text: &str, separator: char, hours_optional: bool) -> Result<u64, BadTime> {
    let (clock, millis) = text.split_once(separator).ok_or(BadTime::Malformed)?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadTime::Malformed);
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let valid_shape = parts.len() == 3 || (hours_optional && parts.len() == 2);
    if !valid_shape
        || parts
            .iter()
            .any(|p| p.len() < 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(BadTime::Malformed);
    }
    // Minutes and seconds have two digits; only the hours may be long.
    let sexagesimal = &parts[parts.len() - 2..];
    if sexagesimal
        .iter()
        .any(|p| p.len() != 2 || p.as_bytes()[0] >= b'6')
    {
        return Err(BadTime::Malformed);
    }
    let millis = millis.parse::<u64>().map_err(|_| BadTime::Malformed)?;
    clock_ms(&parts, millis).ok_or(BadTime::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_podlove_timestamps() {
        assert_eq!(timestamp(0, '.'), "00:00:00.000");
        assert_eq!(timestamp(3_723_456, '.'), "01:02:03.456");
        assert_eq!(timestamp(3_723_456, ','), "01:02:03,456");
    }

    #[test]
    fn writes_durations_as_hours_minutes_seconds() {
        assert_eq!(itunes_duration(59.6), "0:01:00");
        assert_eq!(itunes_duration(3725.2), "1:02:05");
    }

    #[test]
    fn writes_positions_as_media_fragment_times() {
        assert_eq!(media_time(8_055), "00:08");
        assert_eq!(media_time(754_999), "12:34");
        assert_eq!(media_time(7_199_000), "1:59:59");
        assert_eq!(clock(8_055), "0:08");
        assert_eq!(clock(3_723_456), "1:02:03");
        assert_eq!(html_duration(8_055), "PT8.055S");
    }

    #[test]
    fn writes_durations_for_people() {
        assert_eq!(human_duration(1512.4), "25 min 12 s");
        assert_eq!(human_duration(3725.0), "1 h 02 min");
        assert_eq!(human_duration(32.7), "33 s");
    }

    #[test]
    fn writes_durations_in_seconds_then_minutes() {
        let cases = [
            (Duration::from_millis(0), "0.0 s"),
            (Duration::from_millis(420), "0.4 s"),
            (Duration::from_millis(12_340), "12.3 s"),
            (Duration::from_millis(59_949), "59.9 s"),
            (Duration::from_millis(59_950), "1 min 00 s"),
            (Duration::from_millis(125_400), "2 min 05 s"),
        ];
        for (duration, expected) in cases {
            assert_eq!(elapsed(duration), expected, "{duration:?}");
        }
    }

    #[test]
    fn reads_cue_times() {
        assert_eq!(parse_cue_time("01:02:03.456", '.', true), Ok(3_723_456));
        assert_eq!(parse_cue_time("02:03.456", '.', true), Ok(123_456));
        assert_eq!(
            parse_cue_time("02:03,456", ',', false),
            Err(BadTime::Malformed)
        );
        assert_eq!(
            parse_cue_time("10000:00:00,000", ',', false),
            Err(BadTime::TooLarge)
        );
    }
}
