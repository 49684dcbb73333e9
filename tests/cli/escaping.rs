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

/// Every character class XML 1.0 cannot carry, or a terminal acts on, with its name.
const FORBIDDEN: &[(char, &str)] = &[
    ('\0', "U+0000 (null)"),
    ('\u{7}', "U+0007 (bell)"),
    ('\u{b}', "U+000B (vertical tab)"),
    ('\u{1b}', "U+001B (escape)"),
    ('\u{7f}', "U+007F (delete)"),
    ('\u{85}', "U+0085 (next line)"),
    ('\u{9b}', "U+009B (C1 control character)"),
    ('\u{fffe}', "U+FFFE (noncharacter)"),
    ('\u{ffff}', "U+FFFF (noncharacter)"),
];

/// The bytes of every string value of a config text (quotes included), in order, found by
/// the toml crate itself so that no text of the real config is left out.
fn string_values(text: &str) -> Vec<std::ops::Range<usize>> {
    fn walk(value: &toml::Spanned<toml::de::DeValue<'_>>, out: &mut Vec<std::ops::Range<usize>>) {
        match value.get_ref() {
            toml::de::DeValue::String(_) => out.push(value.span()),
            toml::de::DeValue::Array(items) => items.iter().for_each(|i| walk(i, out)),
            toml::de::DeValue::Table(table) => table.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let document = toml::de::DeTable::parse(text).expect("the real config parses");
    let mut spans = Vec::new();
    document
        .get_ref()
        .values()
        .for_each(|v| walk(v, &mut spans));
    spans.sort_by_key(|s| s.start);
    spans
}

/// Line and column (characters), from 1, of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

// Issue 11: a control character in any text of the config was written into feed.xml, which
// every client then failed to parse; `check` said nothing.
#[test]
fn refuses_every_forbidden_character_in_every_text_of_the_config_at_its_position() {
    let project = Project::copy();
    let original = project.config();
    let strings = string_values(&original);
    assert!(strings.len() > 50, "the walk finds the config's texts");
    for &(c, named) in FORBIDDEN {
        // Written as it is, and as a TOML escape, which a basic string decodes into it.
        for escaped in [false, true] {
            let insert = if escaped {
                format!("\\u{:04X}", u32::from(c))
            } else {
                c.to_string()
            };
            let mut text = String::new();
            let mut copied = 0;
            let mut expected = Vec::new();
            for span in &strings {
                let written = &original[span.clone()];
                if escaped && written.starts_with('\'') {
                    continue;
                }
                let quotes = if written.starts_with("\"\"\"") || written.starts_with("'''") {
                    3
                } else {
                    1
                };
                let at = span.start + quotes;
                text.push_str(&original[copied..at]);
                expected.push(line_col(&format!("{text}x"), text.len()));
                text.push_str(&insert);
                copied = at;
            }
            text.push_str(&original[copied..]);
            project.write_config(&text);
            let run = project.run(&["check"]).failure(1);
            for (line, col) in expected {
                let headline = format!("config.toml:{line}:{col}: error: {named} is not allowed");
                assert!(
                    run.stderr.lines().any(|l| l.starts_with(&headline)),
                    "{named} (escaped: {escaped}) not reported at {line}:{col}\n{}",
                    &run.stderr[..run.stderr.len().min(3000)]
                );
            }
            assert!(
                !run.stderr.contains(c),
                "{named} reached the terminal raw (escaped: {escaped})"
            );
            project.run(&["publish"]).failure(2);
            assert!(!project.feed().exists(), "nothing written");
        }
    }
}

// Issue 11: `init --title` and `session add --title/--description` wrote a control
// character into config.toml.
#[test]
fn init_and_session_add_refuse_a_control_character_in_what_they_write() {
    let project = Project::copy();
    let run = project
        .run(&["init", "neuf", "--title", "Un\u{b}titre"])
        .failure(2);
    assert!(
        run.stderr.contains(
            "the title's character 3 is U+000B (vertical tab), which a feed cannot carry"
        ),
        "{run}"
    );
    assert!(!project.path("neuf/config.toml").exists());
    let before = project.config();
    for (flag, what) in [("--title", "title"), ("--description", "description")] {
        let mut args = vec![
            "session",
            "add",
            "--title",
            "Une rencontre",
            "--description",
            "Un résumé.",
            "--date",
            "2023-04-13",
        ];
        let at = args.iter().position(|a| *a == flag).unwrap() + 1;
        args[at] = "A\u{1b}[2J";
        let run = project.run(&args).failure(2);
        assert!(
            run.stderr.contains(&format!(
                "the {what}'s character 2 is U+001B (escape), which a feed cannot carry"
            )),
            "{run}"
        );
        assert!(
            !run.stderr.contains('\u{1b}'),
            "ESC reached the terminal raw"
        );
    }
    assert_eq!(project.config(), before, "nothing written");
}
