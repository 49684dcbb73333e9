//! `feed/sessions.ics`: the cycle's dates as an iCalendar file (RFC 5545), read back by
//! Python's icalendar package, with its line folding and escaping checked octet by octet.

use serde_json::Value;

use crate::harness::{Project, element_text, enclosure_file, items, stem};

/// What icalendar read from a calendar file (tests/python/read_ics.py).
fn read_ics(project: &Project) -> Value {
    let output = std::process::Command::new(crate::directories::python())
        .arg(crate::harness::source_root().join("tests/python/read_ics.py"))
        .arg(project.feed().join("sessions.ics"))
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "icalendar refused sessions.ics:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("read_ics.py prints JSON")
}

/// RFC 5545 §3.1: CRLF line ends, lines of at most 75 octets, continuation lines starting
/// with one space. Returns the unfolded content lines.
#[track_caller]
fn content_lines(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.ends_with("\r\n"), "the last line ends with CRLF");
    let physical: Vec<&str> = text[..text.len() - 2].split("\r\n").collect();
    for line in &physical {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "a bare LF or CR: {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let mut lines: Vec<String> = Vec::new();
    for line in physical {
        match line.strip_prefix(' ') {
            Some(rest) => lines.last_mut().expect("a line to continue").push_str(rest),
            None => lines.push(line.to_string()),
        }
    }
    lines
}

#[test]
fn writes_every_session_in_an_icalendar_file_that_icalendar_reads() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let bytes = std::fs::read(project.feed().join("sessions.ics")).expect("read sessions.ics");
    let lines = content_lines(&bytes);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(
        lines.iter().any(|l| l.len() > 75),
        "long values are folded, not cut"
    );

    let calendar = read_ics(&project);
    assert_eq!(calendar["version"], "2.0");
    let events = calendar["events"].as_array().expect("events");
    assert_eq!(events.len(), cycle.sessions.len(), "one event per session");

    // The UID is the episode's GUID at the site's host: stable, unique.
    let xml = project.feed_text("feed.xml");
    let host = url::Url::parse(&cycle.base_url)
        .unwrap()
        .host_str()
        .unwrap()
        .to_string();
    for item in items(&xml) {
        let guid = element_text(item, "guid");
        let file = enclosure_file(item, &cycle.base_url);
        let event = events
            .iter()
            .find(|e| e["uid"] == format!("{guid}@{host}"))
            .unwrap_or_else(|| panic!("no event with the UID of {file}"));
        assert_eq!(
            event["url"],
            format!("{}sessions/{}.html", cycle.base_url, stem(&file))
        );
    }

    // 19:00 in Paris: 17:00 UTC in summer time (25 October 2022), 18:00 UTC in winter.
    let first = &events[0];
    assert_eq!(first["dtstart"], "2022-10-25T17:00:00Z");
    assert_eq!(first["duration"], 7200);
    assert_eq!(
        first["dtstamp"], "2022-10-25T00:00:00Z",
        "derived from the date"
    );
    assert_eq!(events[1]["dtstart"], "2022-11-24T18:00:00Z");
    // The fourth session has a date alone: a whole-day event.
    assert_eq!(events[3]["dtstart"], "2023-02-02");
    assert_eq!(events[3]["duration"], Value::Null);
    assert!(lines.contains(&"DTSTART;VALUE=DATE:20230202".to_string()));
    assert_eq!(
        first["summary"],
        format!("Rencontre #1 – {}", cycle.session(1).title)
    );
    assert_eq!(
        first["location"],
        "Centre social Le Picoulet, 59 rue de la Fontaine au Roi, 75011 Paris"
    );
    let description = &cycle.session(1).description;
    let first_paragraph = description.split("\n\n").next().unwrap().trim();
    assert_eq!(first["description"], first_paragraph);

    // The page links it.
    assert!(
        project
            .feed_text("index.html")
            .contains("href=\"sessions.ics\"")
    );
}

// RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT values.
#[test]
fn escapes_text_values_and_reads_them_back_unchanged() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    let tricky = r"Virgule, point-virgule; barre \ oblique";
    project.replace_in_config(
        "title = \"L'algorithmisation du contrôle CAF\"",
        &format!("title = {:?}", tricky),
    );
    project.replace_in_config(
        "description = \"\"\"\nLe renforcement du contrôle",
        "description = \"\"\"\nPremière ligne\\nseconde ligne; avec \\\\ et , \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}. Le renforcement du contrôle",
    );
    project.publish();
    let bytes = std::fs::read(project.feed().join("sessions.ics")).expect("read sessions.ics");
    let lines = content_lines(&bytes);
    let summary = lines
        .iter()
        .find(|l| l.starts_with("SUMMARY:Rencontre #3"))
        .expect("the third session's summary");
    assert_eq!(
        summary,
        r"SUMMARY:Rencontre #3 – Virgule\, point-virgule\; barre \\ oblique"
    );
    let description = lines
        .iter()
        .find(|l| l.starts_with("DESCRIPTION:Première ligne"))
        .expect("the third session's description");
    assert!(
        description.starts_with(r"DESCRIPTION:Première ligne\nseconde ligne\; avec \\ et \, éé"),
        "{description}"
    );

    let calendar = read_ics(&project);
    let event = &calendar["events"][2];
    assert_eq!(event["summary"], format!("Rencontre #3 – {tricky}"));
    let read = event["description"].as_str().unwrap();
    assert!(
        read.starts_with("Première ligne\nseconde ligne; avec \\ et , éé"),
        "{read}"
    );
}

// Issue #5: `cyclecast serve` gives the calendar its type, so that a click opens a calendar app.
#[test]
fn serves_the_calendar_as_text_calendar() {
    let project = Project::copy();
    let server = crate::serve::Server::start(&project, &[]);
    let http = crate::harness::http()
        .no_proxy()
        .build()
        .expect("an HTTP client");
    for (path, kind) in [
        ("sessions.ics", "text/calendar; charset=utf-8"),
        (
            "sessions/01-non-recours-aux-droits.html",
            "text/html; charset=utf-8",
        ),
    ] {
        let response = http.get(server.at(path)).send().expect("GET");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], kind, "{path}");
    }
}
