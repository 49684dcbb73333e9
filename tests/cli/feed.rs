//! `publish` on the real cycle: the feed podcast apps read, its determinism, and sessions
//! announced before they are recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::time::{Duration, SystemTime};

use chrono::DateTime;

use crate::harness::{
    Project, Run, assert_same_files, attribute, channel, element_text, elements, enclosure_file,
    items, mtimes, snapshot, stem,
};

#[test]
fn publishes_the_real_cycle_as_a_feed_podcast_apps_accept() {
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let feed = project.feed();

    for file in ["feed.xml", "index.html", "cover.jpg"] {
        assert!(feed.join(file).is_file(), "feed/{file} is missing");
    }
    let published: BTreeSet<String> = fs::read_dir(feed.join("episodes"))
        .expect("feed/episodes exists")
        .map(|e| format!("episodes/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(published.len(), 5, "{published:?}");
    let count = |ext: &str| published.iter().filter(|f| f.ends_with(ext)).count();
    // Every master is off the −16 LUFS target, and no lock pins session 4's M4A here: each
    // enclosure is the podcast rendition, an MP3 (issue #13).
    assert_eq!((count(".mp3"), count(".m4a")), (5, 0), "{published:?}");
    let leftovers: Vec<String> = snapshot(&feed)
        .into_keys()
        .filter(|f| f.contains(".cyclecast-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // What a podcast app sees, through an independent parser.
    let xml = project.feed_text("feed.xml");
    let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses feed.xml");
    assert_eq!(parsed.entries.len(), 5);
    let episodes_url = format!("{}episodes/", cycle.base_url);
    let mut guids = BTreeSet::new();
    let mut enclosed = BTreeSet::new();
    for entry in &parsed.entries {
        let media: Vec<_> = entry
            .media
            .iter()
            .flat_map(|m| &m.content)
            .filter(|c| c.url.is_some())
            .collect();
        assert_eq!(media.len(), 1, "one enclosure per entry: {entry:?}");
        let url = media[0].url.as_ref().expect("filtered above").as_str();
        assert!(
            url.starts_with(&episodes_url),
            "enclosure `{url}` is not under `{episodes_url}`"
        );
        let file = &url[cycle.base_url.len()..];
        let on_disk = fs::metadata(feed.join(file))
            .unwrap_or_else(|e| panic!("the enclosure's file feed/{file} is missing: {e}"))
            .len();
        assert_eq!(
            media[0].size,
            Some(on_disk),
            "stated length of {file} differs from the file's"
        );
        let expected_type = match file.rsplit('.').next() {
            Some("mp3") => "audio/mpeg",
            Some("m4a") => "audio/mp4",
            other => panic!("unexpected extension {other:?} in {file}"),
        };
        let stated_type = media[0].content_type.as_ref().map(ToString::to_string);
        assert_eq!(
            stated_type.as_deref(),
            Some(expected_type),
            "type of {file}"
        );
        assert!(!entry.id.is_empty(), "{file} has no GUID");
        assert!(
            guids.insert(entry.id.clone()),
            "GUID {} is repeated",
            entry.id
        );
        assert!(entry.published.is_some(), "{file} has no publication date");
        enclosed.insert(file.to_string());
    }
    assert_eq!(enclosed, published, "every published file is an enclosure");

    // What the parser does not show: the raw elements apps and directories rely on.
    let head = channel(&xml);
    assert_eq!(element_text(head, "language"), "fr");
    let podcast_guid = element_text(head, "podcast:guid");
    assert!(
        uuid::Uuid::parse_str(&podcast_guid).is_ok(),
        "podcast:guid `{podcast_guid}` is not a UUID"
    );
    let self_links: Vec<&str> = elements(head, "atom:link")
        .into_iter()
        .filter(|l| attribute(l, "rel").as_deref() == Some("self"))
        .collect();
    assert_eq!(self_links.len(), 1, "one atom:link rel=\"self\"");
    assert_eq!(
        attribute(self_links[0], "href"),
        Some(format!("{}feed.xml", cycle.base_url))
    );
    let raw_items = items(&xml);
    assert_eq!(raw_items.len(), 5);
    for item in raw_items {
        let file = enclosure_file(item, &cycle.base_url);
        let session = cycle.session_by_stem(&stem(&file));
        let guid = elements(item, "guid");
        assert_eq!(guid.len(), 1, "{file}: one guid");
        assert_eq!(
            attribute(guid[0], "isPermaLink").as_deref(),
            Some("false"),
            "{file}: the GUID is not a permalink"
        );
        let duration = element_text(item, "itunes:duration");
        assert!(
            duration.split(':').count() == 3
                && duration.split(':').all(|p| p.parse::<u32>().is_ok()),
            "{file}: itunes:duration `{duration}` is not H:MM:SS"
        );
        assert_eq!(
            element_text(item, "itunes:episode"),
            session.number.to_string(),
            "{file}: itunes:episode"
        );
        let expected_type = session.episode_type.as_deref().unwrap_or("full");
        assert_eq!(element_text(item, "itunes:episodeType"), expected_type);
        let people: Vec<String> = elements(item, "podcast:person")
            .into_iter()
            .map(crate::harness::text_of)
            .collect();
        assert_eq!(
            people, session.speakers,
            "{file}: one podcast:person per speaker"
        );
        let date = element_text(item, "pubDate");
        let parsed = DateTime::parse_from_rfc2822(&date)
            .unwrap_or_else(|e| panic!("{file}: pubDate `{date}` is not RFC 2822: {e}"));
        if session.number == 1 {
            let expected = DateTime::parse_from_rfc3339("2022-10-25T19:00:00+02:00").unwrap();
            assert_eq!(parsed, expected, "first session's pubDate");
            assert_eq!(
                parsed.offset().local_minus_utc(),
                2 * 3600,
                "Paris summer time"
            );
        }
    }
    assert!(
        xml.contains("<itunes:episodeType>bonus</itunes:episodeType>"),
        "session 5 is a bonus episode"
    );
}

#[test]
fn two_publishes_of_the_same_project_give_byte_identical_output() {
    let first = Project::copy();
    let second = Project::copy();
    first.publish();
    second.publish();
    // The state, cyclecast's cache of file stamps (times differ between copies), is kept in
    // the project's `.cyclecast/`: every file of feed/ must be identical.
    let a = snapshot(&first.feed());
    let b = snapshot(&second.feed());
    assert!(a.len() >= 9, "feed/ holds too few files: {:?}", a.keys());
    assert_same_files(&a, &b, "feed/ of a second copy");
}

/// A count from the report line: `… 0 files written, 9 unchanged, 0 removed`.
#[track_caller]
fn reported(run: &Run, what: &str) -> usize {
    run.stderr
        .lines()
        .find(|l| l.starts_with("published "))
        .and_then(|line| line.rsplit(": ").next())
        .and_then(|counts| {
            counts.split(", ").find_map(|part| {
                let (number, rest) = part.split_once(' ')?;
                rest.ends_with(what).then(|| number.parse().ok())?
            })
        })
        .unwrap_or_else(|| panic!("the report does not count files {what}\n{run}"))
}

#[test]
fn republishing_an_unchanged_project_rewrites_nothing() {
    let project = Project::copy();
    project.publish();
    let before = snapshot(&project.feed());
    // Age every file, so that a rewrite shows even on a coarse clock.
    let old = SystemTime::now() - Duration::from_secs(3600);
    for file in before.keys() {
        fs::File::options()
            .write(true)
            .open(project.feed().join(file))
            .and_then(|f| f.set_modified(old))
            .expect("set a modification time");
    }

    let run = project.publish();
    // feed/ holds only outputs (the state, which records the new stamps of the aged files,
    // is in the project's `.cyclecast/`).
    let outputs = before.len();
    assert_eq!(reported(&run, "written"), 0, "{run}");
    assert_eq!(reported(&run, "unchanged"), outputs, "{run}");
    assert_eq!(reported(&run, "removed"), 0, "{run}");
    for (file, modified) in mtimes(&project.feed()) {
        assert_eq!(modified, old, "feed/{file} was rewritten");
    }
    let after = snapshot(&project.feed());
    assert_same_files(&before, &after, "feed/ after a re-run");
}

#[test]
fn announces_a_session_without_recording_on_the_page_and_leaves_it_out_of_the_feed() {
    let project = Project::copy();
    project.publish();
    project.replace_in_config(
        "recording = \"recordings/03-algorithmisation-controle-caf.mp3\"\n",
        "",
    );
    let run = project.publish();
    assert!(
        run.stderr
            .contains("4 episodes (1 announced without a recording)"),
        "{run}"
    );
    let cycle = project.cycle();
    let unrecorded = cycle.session(3).stem();

    let xml = project.feed_text("feed.xml");
    let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses feed.xml");
    assert_eq!(parsed.entries.len(), 4);
    let in_feed: Vec<String> = items(&xml)
        .into_iter()
        .map(|i| stem(&enclosure_file(i, &cycle.base_url)))
        .collect();
    assert!(!in_feed.contains(&unrecorded), "{in_feed:?}");
    assert!(
        !xml.contains(&format!("sessions/{unrecorded}.html")),
        "no item links to it"
    );
    assert!(
        !project
            .feed()
            .join(format!("episodes/{unrecorded}.mp3"))
            .exists(),
        "the episode published before is removed"
    );

    let html = scraper::Html::parse_document(&project.feed_text("index.html"));
    let article = scraper::Selector::parse("article").unwrap();
    let audio = scraper::Selector::parse("audio").unwrap();
    let with_audio: BTreeMap<String, bool> = html
        .select(&article)
        .map(|a| {
            let id = a.value().id().expect("an article has an id").to_string();
            (id, a.select(&audio).next().is_some())
        })
        .collect();
    assert_eq!(with_audio.len(), cycle.sessions.len(), "{with_audio:?}");
    for session in &cycle.sessions {
        let expected = session.number != 3;
        assert_eq!(
            with_audio.get(&session.stem()),
            Some(&expected),
            "article of session {} (audio expected: {expected})",
            session.number
        );
    }
}
