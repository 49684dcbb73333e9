//! Long cycles (issue 15, part 6): past `feed_page_size` episodes, `feed.xml` holds the newest
//! and links older archive pages as RFC 5005 pages them; a client that follows `next` reads
//! every episode exactly once.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::directories::Gpodder;
use crate::harness::{Project, attribute, elements};
use crate::serve::Server;

/// The `atom:link` hrefs of a feed page by relation.
fn page_links(xml: &str) -> BTreeMap<String, String> {
    elements(xml, "atom:link")
        .into_iter()
        .filter_map(|l| Some((attribute(l, "rel")?, attribute(l, "href")?)))
        .collect()
}

/// A cycle of `sessions` sessions a day apart, each with a one-hour MP3 recording, rendered
/// through the library's own stages: the feed's pages by file name.
fn rendered_feed(sessions: usize) -> BTreeMap<String, String> {
    let mut text = String::from(
        "[podcast]\ntitle = \"Cycle long\"\ndescription = \"Deux mille rencontres.\"\n\
         language = \"fr\"\nbase_url = \"https://example.org/long/\"\n\
         time_zone = \"Europe/Paris\"\ncategories = [\"Government\"]\nauthor = \"Org\"\n\
         [podcast.owner]\nname = \"Org\"\nemail = \"org@example.org\"\n\
         [organizer]\nname = \"Org\"\n",
    );
    for n in 1..=sessions {
        let day =
            chrono::NaiveDate::from_ymd_opt(2001, 1, 1).unwrap() + chrono::Duration::days(n as i64);
        let _ = write!(
            text,
            "[[sessions]]\nid = \"r{n}\"\nnumber = {n}\ndate = \"{day}\"\n\
             title = \"Rencontre {n}\"\ndescription = \"La rencontre {n}.\"\n"
        );
    }
    let config = cyclecast::project::config::parse(&text, "config.toml", Path::new("/long"))
        .expect("the generated config is valid");
    let cycle = &config.cycle;
    let audio = cyclecast::model::AudioInfo {
        container: "mp3".into(),
        codec: "mp3".into(),
        sample_rate: 44_100,
        channels: 1,
        bits_per_sample: None,
        frames: 44_100 * 3600,
        size: 28_800_000,
        audio_bytes: 28_800_000,
        tags: cyclecast::model::Tags::default(),
        warnings: Vec::new(),
        layout: None,
    };
    let episodes: Vec<_> = cycle
        .sessions
        .iter()
        .map(|s| {
            let published = cyclecast::episode::Published::as_is(s, &audio, 28_800_000).unwrap();
            cyclecast::episode::build(cycle, s, published).unwrap()
        })
        .collect();
    let links = cyclecast::render::feed::FeedLinks {
        cover: None,
        live: &[],
    };
    cyclecast::render::feed::render(cycle, &episodes, links)
        .into_iter()
        .map(|page| (page.file, page.xml))
        .collect()
}

#[test]
fn a_2000_session_feed_followed_by_next_holds_every_episode_exactly_once() {
    let pages = rendered_feed(2000);
    let base = "https://example.org/long/";
    // Followed from feed.xml as AntennaPod and gPodder do, each page read by feed-rs.
    let mut seen: Vec<String> = Vec::new();
    let mut at = Some(format!("{base}feed.xml"));
    let mut visited = 0;
    let mut previous: Option<String> = None;
    while let Some(url) = at {
        let file = url.strip_prefix(base).unwrap();
        let xml = &pages[file];
        let parsed =
            feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            parsed.entries.len() <= 300,
            "{file}: {} items",
            parsed.entries.len()
        );
        seen.extend(parsed.entries.iter().map(|e| e.id.clone()));
        let links = page_links(xml);
        assert_eq!(links["self"], url, "{file}");
        assert_eq!(links["first"], format!("{base}feed.xml"), "{file}");
        assert_eq!(links["last"], format!("{base}feed-1.xml"), "{file}");
        assert_eq!(links.get("previous"), previous.as_ref(), "{file}");
        previous = Some(url);
        at = links.get("next").cloned();
        visited += 1;
    }
    assert_eq!(
        visited,
        pages.len(),
        "every page is reached: {:?}",
        pages.keys()
    );
    assert_eq!(pages.len(), 7, "2,000 episodes at 300 a page");
    // Archive pages hold 300 each, cut from the oldest: feed.xml holds the newest 200.
    let items = |file: &str| elements(&pages[file], "item").len();
    assert_eq!(items("feed.xml"), 200);
    assert!((1..=6).all(|n| items(&format!("feed-{n}.xml")) == 300));
    assert_eq!(seen.len(), 2000);
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 2000, "no episode on two pages");
    // The first page holds the newest: session 2000's item comes first.
    let first = feed_rs::parser::parse(pages["feed.xml"].as_bytes()).unwrap();
    assert_eq!(
        first.entries[0].title.as_ref().unwrap().content,
        "Rencontre 2000"
    );
    // The show notes are written once per item, not in <content:encoded> too.
    assert!(!pages["feed.xml"].contains("content:encoded"));
    println!(
        "2,000 sessions: feed.xml {} bytes, {} pages, {} bytes in all",
        pages["feed.xml"].len(),
        pages.len(),
        pages.values().map(String::len).sum::<usize>()
    );
}

/// Fails, showing where, when a page's bytes differ.
fn assert_unchanged(file: &str, before: &str, after: &str) {
    if before == after {
        return;
    }
    let at = before
        .bytes()
        .zip(after.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(before.len().min(after.len()));
    let around = |text: &str| {
        let start = text.floor_char_boundary(at.saturating_sub(80));
        let end = text.ceil_char_boundary((at + 80).min(text.len()));
        text[start..end].to_string()
    };
    panic!(
        "{file} changed at byte {at}:\n{}\n{}",
        around(before),
        around(after)
    );
}

// A new episode changes feed.xml alone: a client reading it beside cached archive pages
// misses nothing, and a deploy uploads one feed file.
#[test]
fn a_new_episode_changes_only_feed_xml_until_it_is_full() {
    let before = rendered_feed(2000);
    let after = rendered_feed(2001);
    assert_eq!(before.len(), after.len());
    for (file, xml) in &before {
        if file != "feed.xml" {
            assert_unchanged(file, xml, &after[file]);
        }
    }
    // feed.xml full (300), one more episode starts archive page 7 with those 300; of the
    // older pages only the newest changes, and only its `previous` link, to page 7.
    let full = rendered_feed(2100);
    let more = rendered_feed(2101);
    assert_eq!(more.len(), full.len() + 1);
    for n in 1..=5 {
        let file = format!("feed-{n}.xml");
        assert_unchanged(&file, &full[&file], &more[&file]);
    }
    let relinked = more["feed-6.xml"].replace(
        r#"long/feed-7.xml" rel="previous""#,
        r#"long/feed.xml" rel="previous""#,
    );
    assert_unchanged("feed-6.xml", &full["feed-6.xml"], &relinked);
    assert_eq!(elements(&more["feed-7.xml"], "item").len(), 300);
    assert_eq!(elements(&more["feed.xml"], "item").len(), 1);
}

#[test]
fn a_short_cycle_is_one_page_without_paging_links() {
    let pages = rendered_feed(12);
    assert_eq!(pages.len(), 1);
    let links = page_links(&pages["feed.xml"]);
    assert_eq!(links.keys().collect::<Vec<_>>(), ["self"]);
}

// gPodder follows `next` when it subscribes: with two episodes a page, the sample's five are
// on three pages (the newest on feed.xml, then feed-2.xml and feed-1.xml, the oldest), and it
// downloads each once.
#[test]
fn gpodder_follows_the_pages_and_downloads_every_episode_once() {
    if !crate::oracle::require(&["gpo", crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    project.replace_in_config("[podcast]\n", "[podcast]\nfeed_page_size = 2\n");
    let server = Server::start(&project, &[]);
    for (page, items) in [("feed.xml", 1), ("feed-2.xml", 2), ("feed-1.xml", 2)] {
        let xml = crate::harness::http_get(server.at(page))
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(elements(&xml, "item").len(), items, "{page}");
        let path = project.path(page);
        std::fs::write(&path, &xml).unwrap();
        let seen = crate::directories::inspect_feed(&path);
        assert_eq!(
            seen["feedparser"]["bozo"], false,
            "{page}: {}",
            seen["feedparser"]["bozo_exception"]
        );
    }
    let gpodder = Gpodder::in_project(&project);
    gpodder.run(&["subscribe", &server.at("feed.xml")]);
    let report = gpodder.run(&["download"]);
    assert!(report.contains("5 episodes downloaded"), "{report}");
    let mut names: Vec<String> = crate::directories::walk(&gpodder.downloads)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn a_feed_page_size_out_of_bounds_is_refused_at_its_line() {
    let project = Project::copy();
    project.replace_in_config("[podcast]\n", "[podcast]\nfeed_page_size = 0\n");
    let run = project.run(&["check"]).failure(1);
    let error = run.single_error();
    assert!(
        error.starts_with("config.toml:")
            && error.contains("`feed_page_size` is a number of episodes from 1 to 10000"),
        "{error}"
    );
}
