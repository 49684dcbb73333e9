//! Times the pure render stages on a synthetic cycle (used by `scripts/bench`).
//!
//! `cargo run --release --example render_bench -- SESSIONS ROUNDS` builds a cycle of SESSIONS
//! sessions through `config::parse` (as a real config would be), gives each a recording's
//! figures, then renders the feed and the page ROUNDS times and prints the best time of each,
//! in milliseconds, as `feed_ms=… page_ms=… feed_bytes=… first_page_bytes=… feed_pages=…
//! page_bytes=…` (the feed: every page of it, `feed.xml` the first; pages: the index and every
//! session page).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use cyclecast::model::{AudioInfo, Tags};

fn config_text(sessions: usize) -> String {
    let mut text = String::from(
        r#"[podcast]
title = "Cycle de synthèse"
description = "Un cycle de rencontres généré pour mesurer le rendu."
language = "fr"
base_url = "https://example.org/cycle/"
time_zone = "Europe/Paris"
categories = ["Society & Culture", "Government"]
author = "Organisation"
[podcast.owner]
name = "Organisation"
email = "contact@example.org"

[organizer]
name = "Organisation"

[place]
name = "Centre social"
address = "1 rue de l'Exemple, 75011 Paris"
"#,
    );
    for n in 1..=sessions {
        let day =
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(n as i64);
        let _ = write!(
            text,
            r#"
[[sessions]]
id = "rencontre-{n}"
number = {n}
date = "{day}"
time = "19:00"
title = "Rencontre {n} : la numérisation des services publics & l'accès aux droits"
description = """
Une description de la rencontre {n}, avec « guillemets » et <balises> à échapper.

Un second paragraphe pour la rencontre {n}.
"""
[[sessions.speakers]]
name = "Intervenante {n}"
affiliation = "sociologue"
[[sessions.speakers]]
name = "Intervenant {n}"
[[sessions.chapters]]
start = "0:00"
title = "Présentation"
[[sessions.chapters]]
start = "12:30"
title = "Discussion"
"#
        );
    }
    text
}

fn audio() -> AudioInfo {
    AudioInfo {
        container: "mp3".into(),
        codec: "mp3".into(),
        sample_rate: 44_100,
        channels: 2,
        bits_per_sample: None,
        frames: 44_100 * 5400,
        size: 86_400_000,
        audio_bytes: 86_000_000,
        tags: Tags::default(),
        warnings: Vec::new(),
        layout: None,
    }
}

fn best(rounds: usize, mut work: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut bytes = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        bytes = std::hint::black_box(work());
        best = best.min(start.elapsed());
    }
    (best, bytes)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let sessions: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let text = config_text(sessions);
    let config = cyclecast::project::config::parse(&text, "config.toml", Path::new("/bench"))
        .expect("the synthetic config is valid");
    let cycle = &config.cycle;
    let episodes: Vec<_> = cycle
        .sessions
        .iter()
        .map(|s| {
            let published = cyclecast::episode::Published::as_is(s, &audio(), 86_500_000)
                .expect("mp3 publishes");
            cyclecast::episode::build(cycle, s, published).expect("mp3 publishes")
        })
        .collect();
    let links = cyclecast::render::feed::FeedLinks {
        cover: None,
        live: &[],
    };
    let (feed, feed_bytes) = best(rounds, || {
        cyclecast::render::feed::render(cycle, &episodes, links)
            .iter()
            .map(|page| page.xml.len())
            .sum::<usize>()
    });
    let pages = cyclecast::render::feed::render(cycle, &episodes, links);
    let first_page_bytes = pages[0].xml.len();
    let feed_pages = pages.len();
    let inputs = cyclecast::render::page::PageInputs::default();
    let (page, page_bytes) = best(rounds, || {
        let pages = cyclecast::render::page::render_pages(cycle, &episodes, &inputs)
            .expect("the built-in templates render");
        pages.index.len()
            + pages
                .sessions
                .iter()
                .map(|(_, html)| html.len())
                .sum::<usize>()
    });
    println!(
        "sessions={sessions} feed_ms={:.1} page_ms={:.1} feed_bytes={feed_bytes} \
         first_page_bytes={first_page_bytes} feed_pages={feed_pages} page_bytes={page_bytes}",
        feed.as_secs_f64() * 1000.0,
        page.as_secs_f64() * 1000.0
    );
}
