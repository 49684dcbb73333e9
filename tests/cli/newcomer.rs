//! A newcomer's first hour (issue #10): nothing half-made reaches listeners, and the messages
//! say what is true.

use std::fs;

use crate::harness::{Project, assert_same_files, snapshot};

const PLACEHOLDER_WARNING: &str =
    "warning: this text is still a placeholder: write it before publishing";

/// The line numbers of `run`'s problems whose message ends with `message`.
fn lines_reporting(run: &crate::harness::Run, message: &str) -> Vec<usize> {
    run.stderr
        .lines()
        .filter(|l| l.ends_with(message))
        .filter_map(|l| l.split(':').nth(1)?.parse().ok())
        .collect()
}

// Regression test for issue #10: `session add` without `--description` left « À compléter »
// in the config, and `publish` sent it into feed.xml, the page and the ID3 comment.
#[test]
fn publish_refuses_a_placeholder_that_check_and_previews_only_warn_about() {
    let project = Project::copy();
    project
        .run(&[
            "session",
            "add",
            "--title",
            "Une rencontre à venir",
            "--date",
            "2030-01-10",
        ])
        .success();
    let line = project
        .config()
        .lines()
        .position(|l| l.contains("À compléter"))
        .expect("session add wrote a placeholder")
        + 1;

    let check = project.run(&["check"]).success();
    assert_eq!(
        lines_reporting(&check, PLACEHOLDER_WARNING),
        [line],
        "{check}"
    );

    let before = snapshot(project.root());
    let publish = project.run(&["publish"]).failure(2);
    let refused = publish.single_error();
    assert!(
        refused.starts_with(&format!("config.toml:{line}:")),
        "{publish}"
    );
    assert!(refused.contains("placeholder"), "{publish}");
    assert!(publish.stderr.contains("nothing was written"), "{publish}");
    assert_same_files(&before, &snapshot(project.root()), "the project");

    // Previews show the cycle as it stands, placeholders included, and say so.
    let dry = project.run(&["publish", "--dry-run"]).success();
    assert_eq!(lines_reporting(&dry, PLACEHOLDER_WARNING), [line], "{dry}");
    let out = project.path("preview");
    let preview = project
        .run(&[
            "publish",
            "--base-url",
            "https://staging.mouton-numerique.org/",
            "--out",
            out.to_str().unwrap(),
        ])
        .success();
    assert_eq!(
        lines_reporting(&preview, PLACEHOLDER_WARNING),
        [line],
        "{preview}"
    );
    assert!(out.join("feed.xml").is_file());
}

// Regression test for issue #10: `init`'s invented address and email passed silently, and a
// first publish pinned example.org enclosures in cyclecast.lock.
#[test]
fn publish_refuses_an_address_or_email_on_a_domain_reserved_for_examples() {
    let project = Project::copy();
    let config = project.config();
    let base_url =
        "base_url = \"https://mouton-numerique.org/podcasts/dematerialiser-pour-mieux-regner/\"";
    let email = "email = \"contact@mouton-numerique.org\"";
    assert!(config.contains(base_url) && config.contains(email));
    project.write_config(
        &config
            .replace(
                base_url,
                "base_url = \"https://podcasts.example.org/cycle/\"",
            )
            .replace(email, "email = \"contact@example.com\""),
    );
    let base_url_line = crate::harness::position(&project.config(), "base_url = ").0;
    let email_line = crate::harness::position(&project.config(), "email = ").0;

    let check = project.run(&["check"]).success();
    let warned = lines_reporting(
        &check,
        "a domain reserved for examples: write the real one before publishing",
    );
    assert_eq!(warned, [base_url_line, email_line], "{check}");

    let publish = project.run(&["publish"]).failure(2);
    let errors = publish.error_lines();
    assert_eq!(errors.len(), 2, "{publish}");
    assert!(errors[0].starts_with(&format!("config.toml:{base_url_line}:")));
    assert!(errors[0].contains("`podcasts.example.org`"), "{publish}");
    assert!(errors[1].starts_with(&format!("config.toml:{email_line}:")));
    assert!(
        !project.path("cyclecast.lock").exists() || {
            let lock = fs::read_to_string(project.path("cyclecast.lock")).unwrap();
            !lock.contains("example.org")
        }
    );
    assert!(!project.feed().exists());
}

#[test]
fn every_value_init_invents_stops_a_publish() {
    let project = Project::copy();
    for lang in ["fr", "en"] {
        project.run(&["init", lang, "--lang", lang]).success();
        let config = format!("{lang}/config.toml");
        let check = project.run(&["check", "--config", &config]).success();
        let publish = project.run(&["publish", "--config", &config]).failure(2);
        // Each warning of check is an error of publish, and there is at least the title, the
        // address and the email.
        let warnings = check.stderr.matches(": warning: ").count();
        assert!(warnings >= 3, "{check}");
        assert_eq!(publish.error_lines().len(), warnings, "{check}\n{publish}");
        assert!(!project.path(&format!("{lang}/feed")).exists());
    }
}

// Regression test for issue #10: every page promised « des versions préparées pour la
// diffusion … plus tard ». A page states what is there.
#[test]
fn the_page_promises_nothing_that_is_not_there() {
    let project = Project::copy();
    project.publish();
    let page = project.feed_text("index.html");
    for promise in ["plus tard", "seront proposées", "later", "will be"] {
        assert!(!page.contains(promise), "the page says « {promise} »");
    }
}
