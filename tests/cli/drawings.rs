//! Issue #11, items 6 and 7: drawings whose names need encoding, shared by two sessions, or
//! sharing a base name, are each published once under a name of their own, and every address
//! the pages and the feed give them answers.

use std::fs;

use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::harness::Project;
use crate::serve::Server;

const DRAWING: &str = "drawings/05-cabinets-de-conseil.jpg";

/// The table of session 4's report, after which a drawing of session 4 is added.
const SESSION_4_REPORT: &str = "file = \"reports/04-perspectives-europeennes.md\"\n";

/// Gives session 4 a drawing (the project's only drawing is session 5's).
fn add_drawing_to_session_4(project: &Project, file: &str) {
    project.replace_in_config(
        SESSION_4_REPORT,
        &format!(
            "{SESSION_4_REPORT}\n[[sessions.drawings]]\nfile = \"{file}\"\nalt = \"Croquis\"\n"
        ),
    );
}

/// The `src` of every image of a drawing on a session's page, and the bytes it leads to in
/// `feed/`.
fn drawings_on_page(project: &Project, stem: &str) -> Vec<(String, Vec<u8>)> {
    let page = project.feed_text(&format!("sessions/{stem}.html"));
    let html = Html::parse_document(&page);
    let images = Selector::parse(".drawings img").unwrap();
    html.select(&images)
        .map(|img| {
            let src = img.value().attr("src").expect("an src").to_string();
            let relative = src.strip_prefix("../").expect("relative to sessions/");
            let bytes = fs::read(project.feed().join(relative))
                .unwrap_or_else(|e| panic!("`{src}` of {stem}.html: {e}"));
            (src, bytes)
        })
        .collect()
}

// Issue #11, item 7: two sessions sharing one drawing file.
#[test]
fn publishes_a_drawing_shared_by_two_sessions_once() {
    let project = Project::copy();
    add_drawing_to_session_4(&project, DRAWING);
    project.publish();
    let drawn: Vec<_> = fs::read_dir(project.feed().join("drawings"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(drawn.len(), 1, "{drawn:?}");
    let source = fs::read(project.path(DRAWING)).unwrap();
    let four = drawings_on_page(&project, "04-perspectives-europeennes");
    let five = drawings_on_page(&project, "05-cabinets-de-conseil");
    assert_eq!(four.len(), 1);
    assert_eq!(four[0].1, source);
    assert_eq!(five[0].1, source);
}

// Issue #11, item 7: two different drawings with the same base name in different folders.
#[test]
fn publishes_two_drawings_of_the_same_name_each_under_its_own_name() {
    let project = Project::copy();
    for folder in ["drawings/a", "drawings/b"] {
        fs::create_dir(project.path(folder)).unwrap();
    }
    fs::rename(project.path(DRAWING), project.path("drawings/a/x.jpg")).unwrap();
    fs::copy(project.path("cover.jpg"), project.path("drawings/b/x.jpg")).unwrap();
    project.replace_in_config(&format!("\"{DRAWING}\""), "\"drawings/a/x.jpg\"");
    add_drawing_to_session_4(&project, "drawings/b/x.jpg");
    project.publish();
    let four = drawings_on_page(&project, "04-perspectives-europeennes");
    let five = drawings_on_page(&project, "05-cabinets-de-conseil");
    assert_ne!(four[0].0, five[0].0);
    assert_eq!(
        four[0].1,
        fs::read(project.path("drawings/b/x.jpg")).unwrap()
    );
    assert_eq!(
        five[0].1,
        fs::read(project.path("drawings/a/x.jpg")).unwrap()
    );
}

// Issue #11, item 6: a drawing whose name needs encoding in a URL, fetched through a real
// HTTP server from every address the pages and the feed give.
#[test]
fn every_address_of_a_drawing_with_an_unsafe_name_answers() {
    let project = Project::copy();
    let name = "drawings/croquis #5 été 100% ?.jpg";
    fs::rename(project.path(DRAWING), project.path(name)).unwrap();
    project.replace_in_config(&format!("\"{DRAWING}\""), &format!("\"{name}\""));
    let server = Server::start(&project, &["--out", "preview"]);
    let client = crate::harness::http().no_proxy().build().unwrap();
    let out = project.path("preview");
    let base = reqwest::Url::parse(&server.at("")).unwrap();
    let mut addresses = Vec::new();
    let attributes = Selector::parse("[src], [href]").unwrap();
    for page in ["index.html", "sessions/05-cabinets-de-conseil.html"] {
        let url = base.join(page).unwrap();
        let html = Html::parse_document(&fs::read_to_string(out.join(page)).unwrap());
        for element in html.select(&attributes) {
            for attribute in ["src", "href"] {
                if let Some(link) = element.value().attr(attribute) {
                    addresses.push((page.to_string(), url.join(link).unwrap()));
                }
            }
        }
    }
    let feed = fs::read_to_string(out.join("feed.xml")).unwrap();
    let mut rest = feed.as_str();
    while let Some(start) = rest.find(base.as_str()) {
        let tail = &rest[start..];
        let end = tail.find(['"', '<', ' ']).unwrap_or(tail.len());
        let address = tail[..end].replace("&amp;", "&");
        addresses.push((
            "feed.xml".to_string(),
            reqwest::Url::parse(&address).unwrap(),
        ));
        rest = &tail[end..];
    }
    let ours: Vec<_> = addresses
        .into_iter()
        .filter(|(_, url)| url.as_str().starts_with(base.as_str()))
        .collect();
    assert!(
        ours.iter()
            .any(|(page, url)| page.starts_with("sessions/") && url.path().contains("/drawings/")),
        "the session page links its drawing: {ours:?}"
    );
    for (page, url) in ours {
        let status = client.get(url.clone()).send().unwrap().status();
        assert_eq!(status, StatusCode::OK, "{url} of {page}");
    }
}
