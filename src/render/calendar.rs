//! Rendering (pure): the cycle → `sessions.ics`, its dates as an iCalendar file (RFC 5545).
//!
//! One `VEVENT` per session, upcoming ones included, so that a calendar app subscribed to the
//! file shows the next meeting. Everything is derived from the config: the UID from the
//! episode's GUID (it never changes), `DTSTAMP` from the session's date (never the clock, so
//! the same config gives the same bytes), `DTSTART` in UTC, converted from the podcast's time
//! zone (no `VTIMEZONE` needed). Lines end with CRLF and are folded at 75 octets, never inside
//! a UTF-8 sequence; TEXT values are escaped.

use chrono::Utc;

use crate::model::layout;
use crate::model::live::Live;
use crate::model::{Cycle, Session};
use crate::render::labels::Labels;

/// How long a session with a known starting time lasts in the calendar.
const SESSION_DURATION: &str = "PT2H";

/// Renders the cycle's calendar.
pub fn render(cycle: &Cycle) -> String {
    let podcast = &cycle.podcast;
    let language = podcast.lang.tag.to_ascii_uppercase();
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!("PRODID:-//cyclecast//cyclecast//{language}"));
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", text(&podcast.title)));
    out.line(&format!("X-WR-TIMEZONE:{}", podcast.time_zone.name()));
    for session in &cycle.sessions {
        event(&mut out, cycle, session);
    }
    out.line("END:VCALENDAR");
    out.text
}

fn event(out: &mut Lines, cycle: &Cycle, session: &Session) {
    let podcast = &cycle.podcast;
    let labels = crate::render::labels::labels(&podcast.lang);
    let host = podcast.base_url.host_str().unwrap_or("localhost");
    let guid = crate::project::guid::episode_guid_of(podcast.guid, session);
    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{guid}@{host}"));
    // When the event was last described: the session's day is the only stable moment.
    out.line(&format!(
        "DTSTAMP:{}T000000Z",
        session.date.format("%Y%m%d")
    ));
    if session.time.is_some() {
        let start = crate::episode::session_start(session, podcast.time_zone).with_timezone(&Utc);
        out.line(&format!("DTSTART:{}", start.format("%Y%m%dT%H%M%SZ")));
        out.line(&format!(
            "DURATION:{}",
            session
                .live
                .as_ref()
                .map_or(SESSION_DURATION.to_string(), |l| duration(l.minutes))
        ));
    } else {
        // A date alone is a whole-day event: no time zone to convert.
        out.line(&format!(
            "DTSTART;VALUE=DATE:{}",
            session.date.format("%Y%m%d")
        ));
    }
    out.line(&format!(
        "SUMMARY:{}",
        text(&format!(
            "{} #{} – {}",
            labels.session, session.number, session.title
        ))
    ));
    if let Some(place) = &cycle.place {
        out.line(&format!(
            "LOCATION:{}",
            text(&format!("{}, {}", place.name, place.address))
        ));
        if let Some((latitude, longitude)) = place.geo {
            out.line(&format!("GEO:{latitude};{longitude}"));
        }
    }
    out.line(&format!(
        "URL:{}",
        layout::session_url(cycle, session).as_str()
    ));
    let first = session
        .description
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or_default();
    let mut description = first.to_string();
    if let Some(live) = &session.live {
        // RFC 7986's CONFERENCE for the apps that offer a « Join » button, and the address
        // in the description for those that ignore it.
        for (url, features, label) in live_links(live, labels) {
            out.line(&format!(
                "CONFERENCE;VALUE=URI;FEATURE={features};LABEL=\"{label}\":{url}"
            ));
            description.push_str(&format!("\n\n{label}{} {url}", labels.colon));
        }
    }
    out.line(&format!("DESCRIPTION:{}", text(&description)));
    out.line("END:VEVENT");
}

/// Where to follow a live session, with RFC 7986's features and a label: its page (sound and
/// picture), then its audio stream.
fn live_links<'a>(live: &'a Live, labels: &Labels) -> Vec<(&'a str, &'static str, &'static str)> {
    live.page
        .iter()
        .map(|page| (page.as_str(), "AUDIO,VIDEO", labels.follow_live))
        .chain(
            live.stream
                .iter()
                .map(|s| (s.url.as_str(), "AUDIO", labels.live_stream)),
        )
        .collect()
}

/// An iCalendar duration of whole minutes, e.g. `PT1H30M`.
fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (hours, 0) => format!("PT{hours}H"),
        (0, minutes) => format!("PT{minutes}M"),
        (hours, minutes) => format!("PT{hours}H{minutes}M"),
    }
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped; other
/// control characters, which the format does not allow, left out.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines, folded (RFC 5545 §3.1): at most 75 octets each, continued on the next line
/// after CRLF and one space, never inside a UTF-8 sequence.
#[derive(Default)]
struct Lines {
    text: String,
}

impl Lines {
    fn line(&mut self, line: &str) {
        let mut room = 75;
        let mut used = 0;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            // An escape stays whole on one line: unfolding would rejoin it, but not every
            // reader unfolds before unescaping.
            let mut unit = String::from(c);
            if c == '\\' {
                unit.extend(chars.next());
            }
            if used + unit.len() > room {
                self.text.push_str("\r\n ");
                // The space that starts a continuation line counts in its 75 octets.
                room = 74;
                used = 0;
            }
            self.text.push_str(&unit);
            used += unit.len();
        }
        self.text.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_values() {
        assert_eq!(
            text("a\\b;c,d\ne\r\nf\u{7}g"),
            "a\\\\b\\;c\\,d\\ne\\nfg",
            "backslash first, then ; , and newlines"
        );
    }

    #[test]
    fn folds_lines_at_75_octets_without_splitting_characters() {
        let mut lines = Lines::default();
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        lines.line(&long);
        let physical: Vec<&str> = lines.text.split("\r\n").collect();
        assert_eq!(physical.last(), Some(&""), "ends with CRLF");
        for line in &physical {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert!(physical[1].starts_with(' '));
        let unfolded = lines.text.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, long);
        // 12 ASCII octets, then two-octet characters: the first line holds 31 of them (74
        // octets), as a 32nd would make 76.
        assert_eq!(physical[0].len(), 74);
    }

    #[test]
    fn keeps_escapes_whole_when_folding() {
        let mut lines = Lines::default();
        lines.line(&format!("{}\\,", "X".repeat(74)));
        assert_eq!(lines.text, format!("{}\r\n \\,\r\n", "X".repeat(74)));
    }

    #[test]
    fn leaves_short_lines_alone() {
        let mut lines = Lines::default();
        let exact = "X".repeat(75);
        lines.line(&exact);
        assert_eq!(lines.text, format!("{exact}\r\n"));
        let mut lines = Lines::default();
        lines.line(&"X".repeat(76));
        assert_eq!(lines.text, format!("{}\r\n X\r\n", "X".repeat(75)));
    }
}
