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

/// feedparser's and podcastparser's reading of a feed: both must read it without complaint,
/// one entry per session.
fn assert_parsers_read(project: &Project) {
    assert_parsers_read_episodes(project, project.cycle().sessions.len());
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

/// The link preview a page announces, as a reader of Open Graph finds it in the parsed HTML:
/// each `<meta property|name=… content=…>` (the first of a name) and the canonical address.
fn card_of(html: &str) -> std::collections::BTreeMap<String, String> {
    let document = scraper::Html::parse_document(html);
    let meta = scraper::Selector::parse("head meta[content]").unwrap();
    let canonical = scraper::Selector::parse("head link[rel=canonical]").unwrap();
    let mut card = std::collections::BTreeMap::new();
    for element in document.select(&meta) {
        let e = element.value();
        if let Some(key) = e.attr("property").or_else(|| e.attr("name")) {
            card.entry(key.to_string())
                .or_insert_with(|| e.attr("content").unwrap_or_default().to_string());
        }
    }
    if let Some(link) = document.select(&canonical).next() {
        card.insert(
            "canonical".into(),
            link.value().attr("href").unwrap().into(),
        );
    }
    card
}

/// Fetches `url` from the server, as a link preview's crawler would; its type and bytes.
fn fetched(url: &str) -> (String, Vec<u8>) {
    let response = crate::harness::http_get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    let mime = response.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    (mime, response.bytes().unwrap().to_vec())
}

/// The width and height of an image, as ffprobe reads them.
fn probed_size(image: &[u8], scratch: &std::path::Path) -> (u32, u32) {
    std::fs::write(scratch, image).unwrap();
    let out = crate::harness::tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
            scratch.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8(out).unwrap();
    let (w, h) = text.trim().split_once(',').expect("width,height");
    (w.parse().unwrap(), h.parse().unwrap())
}

/// Checks a served page's card: its address is the page's own, its title and description are
/// there, its image is served with the type and pixel size it states, and (for a session's
/// page) its audio is served with the type it states. Returns the card.
fn assert_card(
    server: &crate::serve::Server,
    page: &str,
    project: &Project,
) -> std::collections::BTreeMap<String, String> {
    let url = server.at(page);
    let (_, html) = fetched(&url);
    let card = card_of(&String::from_utf8(html).unwrap());
    let expected_url = if page == "index.html" {
        server.at("")
    } else {
        url.clone()
    };
    assert_eq!(card["og:url"], expected_url, "{page}: {card:#?}");
    assert_eq!(card["canonical"], expected_url, "{page}");
    assert!(
        !card["og:title"].is_empty() && !card["og:description"].is_empty(),
        "{page}: {card:#?}"
    );
    assert_eq!(card["og:site_name"], project.cycle().title, "{page}");
    assert_eq!(card["twitter:card"], "summary", "{page}");
    let (mime, image) = fetched(&card["og:image"]);
    assert_eq!(mime, card["og:image:type"], "{page}");
    let size = probed_size(&image, &project.path("card-image"));
    let stated: (u32, u32) = (
        card["og:image:width"].parse().unwrap(),
        card["og:image:height"].parse().unwrap(),
    );
    assert_eq!(size, stated, "{page}: the image's size is the one stated");
    // X's summary card: square, 144 to 4096 pixels; Mastodon keeps an image under 2 MB.
    assert!(
        size.0 == size.1 && (144..=4096).contains(&size.0),
        "{page}: {size:?}"
    );
    assert!(
        image.len() <= 2 * 1024 * 1024,
        "{page}: {} bytes",
        image.len()
    );
    assert!(!card["og:image:alt"].is_empty(), "{page}");
    assert_eq!(
        card.get("twitter:image:alt"),
        card.get("og:image:alt"),
        "{page}"
    );
    if let Some(audio) = card.get("og:audio") {
        let response = crate::harness::http()
            .build()
            .unwrap()
            .head(audio)
            .send()
            .unwrap();
        assert!(
            response.status().is_success(),
            "HEAD {audio}: {}",
            response.status()
        );
        assert_eq!(
            response.headers()[reqwest::header::CONTENT_TYPE]
                .to_str()
                .unwrap(),
            card["og:audio:type"],
            "{page}"
        );
    }
    card
}

// Issue 15, part 5: a session's link pasted in Mastodon or a chat shows a card.
#[test]
fn every_page_announces_a_card_whose_image_and_audio_are_served() {
    if !crate::oracle::require(&["ffprobe"]) {
        return;
    }
    let project = Project::copy();
    std::fs::write(
        project.path("session-2.png"),
        crate::harness::png(1600, 1600, crate::harness::Fill::Rgb([40, 90, 160])),
    )
    .unwrap();
    project.replace_in_config(
        "recording = \"recordings/02-travail-social-et-administratif.wav\"\n",
        "recording = \"recordings/02-travail-social-et-administratif.wav\"\nimage = \"session-2.png\"\n",
    );
    let cycle = project.cycle();
    let server = crate::serve::Server::start(&project, &[]);

    let index = assert_card(&server, "index.html", &project);
    assert_eq!(index["og:type"], "website");
    assert!(!index.contains_key("og:audio"));
    assert!(index["og:image"].ends_with("/cover.jpg"), "{index:#?}");
    assert_eq!(
        index["og:image:alt"],
        format!("Visuel du podcast «\u{a0}{}\u{a0}»", cycle.title)
    );

    let first = cycle.session(1);
    let page = assert_card(
        &server,
        &format!("sessions/{}.html", first.stem()),
        &project,
    );
    assert_eq!(page["og:type"], "article");
    assert_eq!(page["og:title"], first.title);
    assert!(page["og:audio"].ends_with(".mp3"), "{page:#?}");
    assert_eq!(page["og:audio:type"], "audio/mpeg");
    // Without artwork of its own, a session shows the podcast's cover.
    assert_eq!(page["og:image"], index["og:image"]);
    let transcript = assert_card(
        &server,
        &format!("sessions/{}-transcription.html", first.stem()),
        &project,
    );
    assert_eq!(
        transcript["og:title"],
        format!("Transcription – {}", first.title)
    );
    assert_eq!(transcript["og:audio"], page["og:audio"]);

    let second = cycle.session(2);
    let page = assert_card(
        &server,
        &format!("sessions/{}.html", second.stem()),
        &project,
    );
    assert!(!page["og:image"].ends_with("/cover.jpg"), "{page:#?}");
    assert_eq!(
        (
            page["og:image:width"].as_str(),
            page["og:image:type"].as_str()
        ),
        ("1600", "image/png")
    );
    assert_eq!(
        page["og:image:alt"],
        format!("Visuel de la rencontre «\u{a0}{}\u{a0}»", second.title)
    );
}

// Issue 15, part 5: an image too heavy for link previews is named, and still published.
#[test]
fn an_image_too_heavy_for_link_previews_is_a_warning() {
    let project = Project::copy();
    let mut heavy = crate::harness::jpeg(1400, 1400, crate::harness::Fill::Rgb([200, 30, 30]));
    heavy.resize(3 * 1024 * 1024, 0);
    std::fs::write(project.path("cover.jpg"), heavy).unwrap();
    let run = project.run(&["check"]).success();
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("cover.jpg: warning:"))
        .unwrap_or_else(|| panic!("no warning on cover.jpg:\n{}", run.stderr));
    assert!(
        warning.contains("3.1 MB") && warning.contains("2 MB"),
        "{warning}"
    );
}

/// A sixth session, on 5 December 2026 at 19:00 in Paris, to follow live for 90 minutes.
const LIVE_SESSION: &str = r#"
[[sessions]]
id = "rencontre-en-direct"
number = 6
date = "2026-12-05"
time = "19:00"
title = "Une rencontre à suivre en direct"
description = "Suivie à distance, en son et en image."

[sessions.live]
url = "https://stream.example.org/picoulet.mp3"
type = "audio/mpeg"
page = "https://visio.example.org/rencontre-6"
duration = "1:30"
"#;

/// Publishes at a moment given in UTC, e.g. `2026-12-05T17:30:00Z`.
fn publish_at(project: &Project, moment: &str) {
    let epoch = chrono::DateTime::parse_from_rfc3339(moment)
        .unwrap()
        .timestamp()
        .to_string();
    project
        .run_with_env(&["publish"], &[("SOURCE_DATE_EPOCH", &epoch)])
        .success();
}

/// feedparser's and podcastparser's reading: no complaint, one entry per published episode,
/// and the channel's own link (feedparser, which does not know liveItem, would take one there
/// for the channel's).
fn assert_parsers_read_episodes(project: &Project, episodes: usize) {
    let seen = crate::directories::inspect_feed(&project.feed().join("feed.xml"));
    assert_eq!(
        seen["feedparser"]["bozo"], false,
        "{}",
        seen["feedparser"]["bozo_exception"]
    );
    assert_eq!(
        seen["feedparser"]["link"],
        project.cycle().base_url.as_str()
    );
    assert_eq!(
        seen["feedparser"]["entries"].as_array().unwrap().len(),
        episodes
    );
    assert_eq!(
        seen["podcastparser"]["episodes"].as_array().unwrap().len(),
        episodes
    );
}

// Issue 15, part 1: before and during the session the feed carries a liveItem whose status
// follows the clock, the pages offer « Suivre en direct »; once recorded, the episode replaces it.
#[test]
fn a_live_session_is_pending_then_live_then_ended_then_an_episode() {
    let project = Project::copy();
    project.write_config(&format!("{}{LIVE_SESSION}", project.config()));
    let page_of_6 = "sessions/06-rencontre-en-direct.html";
    let moments = [
        ("2026-12-05T17:59:00Z", "pending"),
        ("2026-12-05T18:00:00Z", "live"),
        ("2026-12-05T19:29:00Z", "live"),
        ("2026-12-05T19:30:00Z", "ended"),
    ];
    for (moment, status) in moments {
        publish_at(&project, moment);
        let feed = project.feed_text("feed.xml");
        let live = elements(&feed, "podcast:liveItem");
        assert_eq!(live.len(), 1, "at {moment}: {feed}");
        let live = live[0];
        assert_eq!(
            attribute(live, "status").as_deref(),
            Some(status),
            "at {moment}"
        );
        assert_eq!(
            attribute(live, "start").as_deref(),
            Some("2026-12-05T19:00:00+01:00")
        );
        assert_eq!(
            attribute(live, "end").as_deref(),
            Some("2026-12-05T20:30:00+01:00")
        );
        assert_eq!(
            element_text(live, "title"),
            "Une rencontre à suivre en direct"
        );
        let enclosure = elements(live, "enclosure")[0];
        assert_eq!(
            attribute(enclosure, "url").as_deref(),
            Some("https://stream.example.org/picoulet.mp3")
        );
        assert_eq!(attribute(enclosure, "type").as_deref(), Some("audio/mpeg"));
        let link = elements(live, "podcast:contentLink")[0];
        assert_eq!(
            attribute(link, "href").as_deref(),
            Some("https://visio.example.org/rencontre-6")
        );
        assert!(element_text(live, "guid").ends_with("-live"));
        assert_parsers_read_episodes(&project, 5);

        // The pages offer to follow it before and during the session, never after.
        let open = status != "ended";
        for page in [page_of_6, "index.html"] {
            let html = project.feed_text(page);
            assert_eq!(
                html.contains(
                    r#"<a href="https://visio.example.org/rencontre-6">Suivre en direct</a>"#
                ),
                open,
                "{page} at {moment}"
            );
            assert_eq!(
                html.contains("En direct</strong>"),
                status == "live",
                "{page} at {moment}"
            );
        }
        let player = r#"<source src="https://stream.example.org/picoulet.mp3" type="audio/mpeg">"#;
        assert_eq!(
            project.feed_text(page_of_6).contains(player),
            status == "live"
        );
    }

    // The calendar's event carries both addresses and the live session's length.
    let calendar = project.feed_text("sessions.ics").replace("\r\n ", "");
    let event = calendar
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("Une rencontre à suivre en direct"))
        .unwrap();
    assert!(event.contains("DURATION:PT1H30M"), "{event}");
    assert!(
        event.contains("CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO;LABEL=\"Suivre en direct\":https://visio.example.org/rencontre-6"),
        "{event}"
    );
    assert!(
        event.contains("https://stream.example.org/picoulet.mp3"),
        "{event}"
    );

    // Recorded, the session is an episode and its liveItem is gone.
    std::fs::write(
        project.path("recordings/06-rencontre-en-direct.wav"),
        crate::harness::wav(20, 44_100),
    )
    .unwrap();
    project.replace_in_config(
        "title = \"Une rencontre à suivre en direct\"\n",
        "title = \"Une rencontre à suivre en direct\"\nrecording = \"recordings/06-rencontre-en-direct.wav\"\n",
    );
    publish_at(&project, "2026-12-05T21:00:00Z");
    let feed = project.feed_text("feed.xml");
    assert!(elements(&feed, "podcast:liveItem").is_empty(), "{feed}");
    assert!(
        elements(&feed, "item")
            .iter()
            .any(|i| element_text(i, "title") == "Une rencontre à suivre en direct")
    );
    assert!(!project.feed_text(page_of_6).contains("Suivre en direct"));
    assert_parsers_read_episodes(&project, 6);
}

// Issue 15, part 1: a live session without what it needs is refused at its line.
#[test]
fn a_live_session_without_what_it_needs_is_refused_at_its_line() {
    let cases = [
        ("time = \"19:00\"\n", "", "needs its start: give `time"),
        ("type = \"audio/mpeg\"\n", "", "needs its MIME type"),
        (
            "type = \"audio/mpeg\"\n",
            "type = \"text/html\"\n",
            "not an audio or video MIME type",
        ),
        (
            "duration = \"1:30\"\n",
            "duration = \"90\"\n",
            "hours and minutes",
        ),
        (
            "duration = \"1:30\"\n",
            "duration = \"0:05\"\n",
            "hours and minutes",
        ),
        (
            "page = \"https://visio.example.org/rencontre-6\"\n",
            "page = \"visio.example.org/rencontre-6\"\n",
            "is not a valid URL",
        ),
    ];
    for (from, to, message) in cases {
        let project = Project::copy();
        project.write_config(&format!(
            "{}{}",
            project.config(),
            LIVE_SESSION.replacen(from, to, 1)
        ));
        let run = project.run(&["check"]).failure(1);
        let error = run.single_error();
        assert!(error.starts_with("config.toml:"), "{error}");
        assert!(error.contains(message), "{from:?} → {to:?}: {error}");
    }
    // Neither a stream nor a page.
    let project = Project::copy();
    let bare = LIVE_SESSION
        .replacen(
            "url = \"https://stream.example.org/picoulet.mp3\"\ntype = \"audio/mpeg\"\n",
            "",
            1,
        )
        .replacen("page = \"https://visio.example.org/rencontre-6\"\n", "", 1);
    project.write_config(&format!("{}{bare}", project.config()));
    let run = project.run(&["check"]).failure(1);
    assert!(
        run.single_error()
            .contains("names a stream (`url`), a page"),
        "{}",
        run.stderr
    );
}
