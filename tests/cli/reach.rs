//! Issue 15's Podcasting 2.0 tags: `podcast:medium` and `podcast:updateFrequency` always (they
//! need no key), `podcast:soundbite`, `podcast:socialInteract` (and the page's « Commenter »),
//! `podcast:podroll` and `podcast:trailer` only when the config gives what they need; each read
//! by feedparser and podcastparser without complaint.

use crate::harness::{Project, attribute, element_text, elements};

const SESSION_5_RECORDING: &str = "recording = \"recordings/05-cabinets-de-conseil.mp3\"\n";
const POST: &str = "https://mastodon.example.org/@mouton/110000000000000005";
const RADIO_FEED: &str = "https://radio.example.org/dematerialiser/feed.xml";

/// The item of the feed whose title is session 5's.
fn item_of_session_5<'a>(project: &Project, feed: &'a str) -> &'a str {
    let title = project.cycle().session(5).title.clone();
    elements(feed, "item")
        .into_iter()
        .find(|item| element_text(item, "title") == title)
        .expect("session 5 has an item")
}

/// feedparser's and podcastparser's reading of a feed: both must read it without complaint.
fn assert_parsers_read(project: &Project) {
    let seen = crate::directories::inspect_feed(&project.feed().join("feed.xml"));
    assert_eq!(
        seen["feedparser"]["bozo"], false,
        "{}",
        seen["feedparser"]["bozo_exception"]
    );
    let sessions = project.cycle().sessions.len();
    assert_eq!(
        seen["feedparser"]["entries"].as_array().unwrap().len(),
        sessions
    );
    assert_eq!(
        seen["podcastparser"]["episodes"].as_array().unwrap().len(),
        sessions
    );
}

#[test]
fn the_new_tags_appear_when_the_config_gives_what_they_need_and_only_then() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    project.publish();
    let plain = project.feed_text("feed.xml");
    for absent in [
        "podcast:soundbite",
        "podcast:socialInteract",
        "podcast:podroll",
        "podcast:trailer",
    ] {
        assert!(elements(&plain, absent).is_empty(), "{absent} unasked");
    }
    assert_eq!(element_text(&plain, "podcast:medium"), "podcast");
    // Every session of the real cycle is published, about a month apart, from the first.
    let frequency = elements(&plain, "podcast:updateFrequency");
    assert_eq!(frequency.len(), 1, "{plain}");
    assert_eq!(attribute(frequency[0], "complete").as_deref(), Some("true"));
    assert_eq!(
        attribute(frequency[0], "rrule").as_deref(),
        Some("FREQ=MONTHLY")
    );
    assert!(
        attribute(frequency[0], "dtstart").is_some_and(|start| start.starts_with("2022-10-25T")),
        "{}",
        frequency[0]
    );
    assert_eq!(
        element_text(&plain, "podcast:updateFrequency"),
        "Chaque mois"
    );
    let page_5 = project.feed_text(&format!(
        "sessions/{}.html",
        project.cycle().session(5).stem()
    ));
    assert!(!page_5.contains(">Commenter</a>"));
    assert_parsers_read(&project);

    project.replace_in_config(
        SESSION_5_RECORDING,
        &format!("{SESSION_5_RECORDING}discussion = \"{POST}\"\n"),
    );
    project.replace_in_config("episode_type = \"bonus\"", "episode_type = \"trailer\"");
    let mut config = project.config();
    config.push_str(&format!(
        "\n[[sessions.soundbites]]\nstart = \"0:02.5\"\nduration = \"10\"\ntitle = \"Le moment à partager\"\n\n[[podcast.podroll]]\nfeed = \"{RADIO_FEED}\"\n"
    ));
    project.write_config(&config);
    project.publish();
    let feed = project.feed_text("feed.xml");
    let item = item_of_session_5(&project, &feed);
    let soundbites = elements(item, "podcast:soundbite");
    assert_eq!(soundbites.len(), 1, "{item}");
    assert_eq!(
        attribute(soundbites[0], "startTime").as_deref(),
        Some("2.5")
    );
    assert_eq!(attribute(soundbites[0], "duration").as_deref(), Some("10"));
    assert_eq!(
        element_text(item, "podcast:soundbite"),
        "Le moment à partager"
    );
    let social = elements(item, "podcast:socialInteract");
    assert_eq!(social.len(), 1, "{item}");
    assert_eq!(attribute(social[0], "uri").as_deref(), Some(POST));
    assert_eq!(
        attribute(social[0], "protocol").as_deref(),
        Some("activitypub")
    );
    // The remote podcast's GUID follows the Podcasting 2.0 rule: a UUIDv5 of its feed's
    // address without the scheme, in the namespace the specification gives.
    let namespace = uuid::Uuid::parse_str("ead4c236-bf58-58c6-a2c6-a6b28d128cb6").unwrap();
    let without_scheme = RADIO_FEED.strip_prefix("https://").unwrap();
    let expected = uuid::Uuid::new_v5(&namespace, without_scheme.as_bytes());
    let remote = elements(&feed, "podcast:remoteItem");
    assert_eq!(remote.len(), 1, "{feed}");
    assert_eq!(attribute(remote[0], "feedGuid"), Some(expected.to_string()));
    assert_eq!(attribute(remote[0], "feedUrl").as_deref(), Some(RADIO_FEED));
    let trailer = elements(&feed, "podcast:trailer");
    assert_eq!(trailer.len(), 1, "{feed}");
    let enclosure = elements(item, "enclosure")[0];
    assert_eq!(attribute(trailer[0], "url"), attribute(enclosure, "url"));
    assert_eq!(
        attribute(trailer[0], "length"),
        attribute(enclosure, "length")
    );
    let page_5 = project.feed_text(&format!(
        "sessions/{}.html",
        project.cycle().session(5).stem()
    ));
    assert!(
        page_5.contains(&format!("<a href=\"{POST}\">Commenter</a>")),
        "the page links the discussion"
    );
    assert_parsers_read(&project);
}

#[test]
fn the_cycle_is_not_complete_while_a_session_is_announced() {
    let project = Project::copy();
    let mut config = project.config();
    config.push_str(
        "\n[[sessions]]\nid = \"la-suite\"\nnumber = 6\ndate = \"2023-04-13\"\ntitle = \"La suite\"\ndescription = \"Une rencontre annoncée.\"\n",
    );
    project.write_config(&config);
    project.publish();
    let feed = project.feed_text("feed.xml");
    let frequency = elements(&feed, "podcast:updateFrequency");
    assert_eq!(frequency.len(), 1, "{feed}");
    assert_eq!(attribute(frequency[0], "complete"), None);
    assert_eq!(
        attribute(frequency[0], "rrule").as_deref(),
        Some("FREQ=MONTHLY")
    );
}

#[test]
fn a_soundbite_past_the_recording_or_written_unquoted_is_refused_at_its_line() {
    let project = Project::copy();
    let mut config = project.config();
    let line = config.lines().count() + 2;
    config.push_str(
        "\n[[sessions.soundbites]]\nstart = \"2:00:00\"\nduration = \"30\"\n\n[[sessions.soundbites]]\nstart = 12:30\nduration = \"30\"\n",
    );
    project.write_config(&config);
    let run = project.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run}");
    let errors = run.error_lines();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("config.toml:{}:", line + 5))
                && e.contains("a soundbite start is written in quotes")),
        "{run}"
    );
    // The unquoted one stops the config from loading: fixed, the other is measured.
    project.write_config(&config.replace("start = 12:30", "start = \"0:01\""));
    let run = project.run(&["check"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.error_lines()
            .iter()
            .any(|e| e.starts_with(&format!("config.toml:{line}:"))
                && e.contains(
                    "the soundbite from 2:00:00 ends at 2:00:30, but the recording lasts"
                )),
        "{run}"
    );
}
