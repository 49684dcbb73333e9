//! The pages' unit tests.

use minijinja::context;

use super::engine::environment;
use super::text::{demote_headings, typeset};
use super::views::{EXCERPT_BYTES, EXCERPT_CUES, shown_cues};
use super::*;
use crate::model::lang::Lang;
use crate::model::transcript::{Cue, Transcript};
use crate::project::theme::{Theme, ThemeFile};

#[test]
fn leaves_raw_html_and_script_links_out_of_markdown() {
    let html =
        render_markdown("Bonjour <script>alert(1)</script> [x](javascript:alert(1)) **gras**");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("<strong>gras</strong>"));
}

#[test]
fn writes_sizes_for_people() {
    let fr = Lang::from_tag("fr").unwrap();
    let en = Lang::from_tag("en").unwrap();
    assert_eq!(human_size(&fr, 1_234_567), "1,2\u{a0}Mo");
    assert_eq!(human_size(&en, 456_789), "456.8\u{a0}kB");
}

#[test]
fn keeps_french_punctuation_with_its_word() {
    let fr = Lang::from_tag("fr").unwrap();
    assert_eq!(
        typeset(&fr, "Quoi ? « Ceci » : oui !"),
        "Quoi\u{202f}? «\u{a0}Ceci\u{a0}»\u{a0}: oui\u{202f}!"
    );
    let en = Lang::from_tag("en").unwrap();
    assert_eq!(typeset(&en, "What ? Yes !"), "What ? Yes !");
}

#[test]
fn places_report_headings_under_the_page_headings() {
    let html = render_markdown("# Titre\n\n## Partie\n\n---\n\n#### Détail\n");
    let demoted = demote_headings(&html, 3);
    assert!(demoted.contains("<h4>Titre</h4>"), "{demoted}");
    assert!(demoted.contains("<h5>Partie</h5>"), "{demoted}");
    assert!(demoted.contains("<h6>Détail</h6>"), "{demoted}");
    assert!(demoted.contains("<hr />"), "{demoted}");
    assert!(
        !demoted.contains("<h1") && !demoted.contains("<h2"),
        "{demoted}"
    );
}

fn cues(count: u64, text: &str) -> Transcript {
    Transcript {
        cues: (0..count)
            .map(|i| Cue {
                start_ms: i * 4000 + 500,
                end_ms: i * 4000 + 3900,
                voice: Some(if i < 2 { "Clara" } else { "Habib" }.to_string()),
                text: text.to_string(),
            })
            .collect(),
        draft: false,
    }
}

#[test]
fn shows_a_short_transcript_whole_with_each_speakers_turn() {
    let (shown, cut) = shown_cues(&cues(4, "Bonjour."));
    assert!(!cut);
    assert_eq!(shown.len(), 4);
    let turns: Vec<bool> = shown.iter().map(|c| c.turn).collect();
    assert_eq!(turns, [true, false, true, false]);
}

#[test]
fn shows_only_the_first_cues_of_a_long_transcript() {
    let long = cues(
        2000,
        "Une phrase d'une cinquantaine de caractères, à peu près.",
    );
    let (shown, cut) = shown_cues(&long);
    assert!(cut);
    assert_eq!(shown.len(), EXCERPT_CUES);
    assert_eq!(shown[0].text, long.cues[0].text);

    // One cue longer than the excerpt's budget: cut at a word.
    let huge = cues(1, &"mot ".repeat(INLINE_TRANSCRIPT_BYTES));
    let (shown, cut) = shown_cues(&huge);
    assert!(cut);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].text.ends_with("mot…"), "{}", shown[0].text);
    assert!(shown[0].text.len() <= EXCERPT_BYTES + 3);
}

#[test]
fn lets_a_theme_page_extend_the_built_in_frame() {
    let theme = Theme {
        index: Some(ThemeFile {
            shown: "theme/index.html".into(),
            source: "{% extends \"base.html\" %}{% block head %}<title>T</title>{% endblock %}\
                     {% block body %}<p>{{ site.title }}</p>{% endblock %}"
                .into(),
        }),
        ..Theme::default()
    };
    let env = environment(&theme).unwrap();
    let html = env
        .get_template("index.html")
        .unwrap()
        .render(context! {
            lang => "fr",
            labels => context! { feed => "Flux", skip_to_content => "Aller" },
            site => context! { title => "Cycle", style => "", feed => context! { href => "feed.xml" } },
        })
        .unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"),
        "{html}"
    );
    assert!(
        html.contains(
            "<link rel=\"icon\" href=\"data:,\">\n<title>T</title>\n<link rel=\"alternate\""
        ),
        "{html}"
    );
    assert!(html.contains("Aller</a>\n<p>Cycle</p>\n</body>"), "{html}");
}

#[test]
fn reports_a_theme_template_error_with_its_file_and_line() {
    let theme = Theme {
        index: Some(ThemeFile {
            shown: "theme/index.html".into(),
            source: "<p>\n{% for x in %}\n</p>".into(),
        }),
        ..Theme::default()
    };
    let errors = check_theme(&theme);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "theme/index.html");
    assert_eq!(errors[0].line, Some(2));
    let shown = errors[0].to_string();
    assert!(
        shown.starts_with("theme/index.html:2:1: error: template error: syntax error"),
        "{shown}"
    );
}
