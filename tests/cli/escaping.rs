//! Text from config.toml is untrusted: it is escaped in the feed and on the page, and URLs that
//! would run script are refused.

use id3::TagLike;
use scraper::{Html, Selector};

use crate::harness::{Project, elements, items, position, text_of};

/// Markup, an entity, quotes and the end of a CDATA section, all at once.
const HOSTILE: &str = r#"<script>alert(1)</script> & "quotes" ]]> <img src=x onerror=alert(1)>"#;

/// `text` as the inside of a TOML basic string (single- or multi-line).
fn toml_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// What the hostile text would have become had it not been escaped: a `<script>` holding its
/// `alert(1)`, an `<img>` pointing at `x`, or any element with an `onerror` handler. (Whether
/// the page may carry a script of its own is the page tests' business.)
fn injected(html: &Html) -> Vec<String> {
    let all = Selector::parse("*").unwrap();
    html.select(&all)
        .filter(|e| {
            let element = e.value();
            (element.name() == "script" && e.text().any(|t| t.contains("alert(1)")))
                || (element.name() == "img" && element.attr("src") == Some("x"))
                || element.attrs().any(|(k, _)| k == "onerror")
        })
        .map(|e| e.html())
        .collect()
}

#[test]
fn escapes_hostile_text_in_the_feed_the_page_and_the_tags() {
    let project = Project::copy();
    let hostile = toml_escaped(HOSTILE);
    project.replace_in_config(
        "title = \"Dématérialiser pour mieux régner\"",
        &format!("title = \"{hostile}\""),
    );
    project.replace_in_config(
        "title = \"Les conséquences de la dématérialisation sur les non-recours aux droits\"",
        &format!("title = \"{hostile}\""),
    );
    project.replace_in_config(
        "description = \"\"\"\nCes cinq dernières années",
        &format!("description = \"\"\"\n{hostile} Ces cinq dernières années"),
    );
    project.replace_in_config("name = \"Clara Deville\"", &format!("name = \"{hostile}\""));
    project.publish();
    let stem = project.cycle().session(1).stem();

    // The feed: well-formed, with the text back as it was written.
    let xml = project.feed_text("feed.xml");
    let lower = xml.to_lowercase();
    assert!(!lower.contains("<script"), "raw <script> in feed.xml");
    assert!(!lower.contains("<img src=x"), "raw <img> in feed.xml");
    let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses feed.xml");
    assert_eq!(parsed.title.map(|t| t.content).as_deref(), Some(HOSTILE));
    let entry = parsed
        .entries
        .iter()
        .find(|e| {
            e.media
                .iter()
                .flat_map(|m| &m.content)
                .any(|c| c.url.as_ref().is_some_and(|u| u.as_str().contains(&stem)))
        })
        .expect("session 1 is in the feed");
    assert_eq!(
        entry.title.as_ref().map(|t| t.content.as_str()),
        Some(HOSTILE)
    );
    let notes = entry.summary.as_ref().expect("the item has show notes");
    let notes = Html::parse_fragment(&notes.content);
    assert!(
        injected(&notes).is_empty(),
        "show notes run script: {:?}",
        injected(&notes)
    );
    let shown: String = notes.root_element().text().collect();
    assert!(
        shown.matches(HOSTILE).count() >= 2,
        "the show notes do not show the speaker and the description as text: {shown}"
    );
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains(&format!("{stem}.mp3")))
        .expect("session 1's item");
    let people: Vec<String> = elements(item, "podcast:person")
        .into_iter()
        .map(text_of)
        .collect();
    assert!(people.iter().any(|p| p == HOSTILE), "{people:?}");

    // The page: no script, the text shown as text.
    let html = Html::parse_document(&project.feed_text("index.html"));
    assert!(
        injected(&html).is_empty(),
        "the page runs script: {:?}",
        injected(&html)
    );
    let text_of_first = |selector: &str| -> String {
        let selector = Selector::parse(selector).unwrap();
        html.select(&selector)
            .next()
            .unwrap_or_else(|| panic!("no {selector:?} on the page"))
            .text()
            .collect()
    };
    assert_eq!(text_of_first("h1"), HOSTILE);
    assert_eq!(text_of_first("title"), HOSTILE);
    assert!(text_of_first(&format!("article[id=\"{stem}\"] h3")).contains(HOSTILE));
    assert!(text_of_first(&format!("article[id=\"{stem}\"] .speakers")).contains(HOSTILE));
    // The session's own page (issue #5) holds the description.
    let page = Html::parse_document(&project.feed_text(&format!("sessions/{stem}.html")));
    assert!(
        injected(&page).is_empty(),
        "the session's page runs script: {:?}",
        injected(&page)
    );
    let description: String = page
        .select(&Selector::parse(".description").unwrap())
        .next()
        .expect("a description on the session's page")
        .text()
        .collect();
    assert!(description.contains(HOSTILE), "{description}");

    // The tag: text as it was written.
    let tag = id3::Tag::read_from_path(project.feed().join(format!("episodes/{stem}.mp3")))
        .expect("the episode is tagged");
    assert_eq!(tag.title(), Some(HOSTILE));
    assert_eq!(tag.album(), Some(HOSTILE));
}

#[test]
fn refuses_javascript_urls_naming_their_line_and_writes_nothing() {
    let project = Project::copy();
    project.replace_in_config(
        "name = \"Clara Deville\"\n",
        "name = \"Clara Deville\"\nurl = \"javascript:alert(1)\"\n",
    );
    project.replace_in_config(
        "\n# ─── Rencontre #2",
        "\n[[sessions.links]]\ntitle = \"Un lien\"\nurl = \"javascript:alert(2)\"\n\n# ─── Rencontre #2",
    );
    let run = project.run(&["publish"]).failure(2);
    let config = project.config();
    let errors = run.error_lines();
    assert_eq!(errors.len(), 2, "{run}");
    for (i, needle) in ["javascript:alert(1)", "javascript:alert(2)"]
        .into_iter()
        .enumerate()
    {
        let (line, col) = position(&config, &format!("\"{needle}\""));
        assert_eq!(
            errors[i],
            format!("config.toml:{line}:{col}: error: `{needle}` must be an http or https URL"),
            "{run}"
        );
    }
    assert!(!project.feed().exists(), "publish wrote feed/ anyway");
}
