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
    // `base_url` on podcasts.example.org, the owner's email on example.com.
    let project = Project::fixture("example-domains");
    let config = project.config();
    assert!(config.contains("base_url = \"https://podcasts.example.org/cycle/\""));
    assert!(config.contains("email = \"contact@example.com\""));
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
        let warnings = check
            .stderr
            .lines()
            .filter(|l| l.contains(": warning: "))
            .filter(|l| l.contains("placeholder") || l.contains("reserved for examples"))
            .count();
        // A missing cover is worth a warning, not a refusal: a preview does without one.
        assert!(check.stderr.contains("the podcast has no cover"), "{check}");
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

/// Runs the binary in `cwd`, which may lie outside any project.
fn run_in(cwd: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cyclecast"))
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", crate::harness::SOURCE_DATE_EPOCH)
        .output()
        .expect("run the cyclecast binary");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// Regression test for issue #10: a duplicate session number also reported a transcript cue
// "past the end" of a recording the organizer never touched.
#[test]
fn a_duplicate_session_number_is_reported_alone() {
    let original = Project::copy().config();
    let line_of = |text: &str| original.lines().position(|l| l == text).unwrap() + 1;
    // Each session given the number of another, longer or shorter.
    for (from, to) in [(1, 2), (2, 1), (2, 5), (5, 3), (4, 1)] {
        let project = Project::copy();
        let line = line_of(&format!("number = {from}"));
        let first = line_of(&format!("number = {to}"));
        project.write_config(&original.replacen(
            &format!("number = {from}\n"),
            &format!("number = {to}\n"),
            1,
        ));
        for command in ["check", "publish"] {
            let run = project.run(&[command]);
            assert!(run.code == Some(1) || run.code == Some(2), "{run}");
            let (earlier, later) = (line.min(first), line.max(first));
            assert_eq!(
                run.single_error(),
                format!(
                    "config.toml:{later}:10: error: session number {to} is already used on line {earlier}"
                )
            );
        }
    }
}

// Regression test for issue #10: a text file starting with "ID3" was "an unsupported ID3v2
// version" rather than not audio at all.
#[test]
fn a_text_file_that_starts_with_id3_is_not_audio() {
    let project = Project::copy();
    let notes = project.path("recordings/notes.mp3");
    fs::write(&notes, "ID3 is a tag format, and this is my notes file.\n").unwrap();
    let run = project.run(&["probe", "recordings/notes.mp3"]).failure(1);
    assert!(
        run.stdout
            .contains("its bytes are in none of the formats cyclecast reads"),
        "{run}"
    );
    assert!(!run.stdout.contains("ID3v2 version"), "{run}");
}

// Regression test for issue #10: outside a project, `check` exited 1 (problems found) and did
// not say how to start one.
#[test]
fn outside_a_project_check_and_publish_say_how_to_start_one() {
    let elsewhere = tempfile::tempdir().unwrap();
    for command in ["check", "publish"] {
        let (code, stderr) = run_in(elsewhere.path(), &[command]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("no `config.toml` in"), "{stderr}");
        assert!(stderr.contains("`cyclecast init`"), "{stderr}");
    }
    let (code, stderr) = run_in(elsewhere.path(), &["check", "-c", "missing.toml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("no config file at `missing.toml`"),
        "{stderr}"
    );
}

// Issue #10: like git and cargo, a command run in a folder of the project finds its config.
#[test]
fn a_command_run_in_a_folder_of_the_project_finds_its_config() {
    let project = Project::copy();
    let (code, stderr) = run_in(&project.path("recordings"), &["check"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("ok: 5 sessions"), "{stderr}");
    let (code, stderr) = run_in(&project.path("reports"), &["publish", "--quiet"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(project.feed().join("feed.xml").is_file(), "{stderr}");
    assert!(!project.path("reports/feed").exists());
    let (code, stderr) = run_in(
        &project.path("recordings"),
        &["check", "-c", "../config.toml"],
    );
    assert_eq!(code, Some(0), "{stderr}");
}

// Regression test for issue #10: a publish that changed nothing announced `writing 2 files`,
// and off a terminal the default already named every file, which `--verbose` claims to add.
#[test]
fn publish_says_only_what_it_writes_and_names_files_only_when_verbose() {
    let project = Project::copy();
    let first = project.publish();
    assert!(first.stderr.contains("writing "), "{first}");
    assert!(
        !first.stderr.contains("hashing recordings/")
            && !first.stderr.contains("writing episodes/"),
        "the default names files\n{first}"
    );
    let written = first
        .stderr
        .split(": ")
        .last()
        .and_then(|summary| summary.split(" files written").next())
        .expect("the first publish says how many files it wrote")
        .to_string();
    let again = project.publish();
    assert!(!again.stderr.contains("writing"), "{again}");
    assert!(
        again
            .stderr
            .contains(&format!("0 files written, {written} unchanged")),
        "{again}"
    );

    let verbose = Project::copy();
    let run = verbose.run(&["publish", "--verbose"]).success();
    for file in [
        "hashing recordings/01-",
        "writing episodes/01-",
        "wrote feed.xml",
    ] {
        assert!(run.stderr.contains(file), "{file}\n{run}");
    }
}
