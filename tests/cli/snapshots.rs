//! Snapshots (insta) of what cyclecast writes for the fixture projects: `feed.xml`, the
//! cycle's page, a session's page and `check`'s report, as text and as JSON. They guard the
//! bytes: a change to the output fails here (`scripts/test` runs with `INSTA_UPDATE=no`) until
//! the snapshot in `tests/cli/snapshots/` is reviewed and accepted (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test cli snapshots::`).
//!
//! The fixtures' recordings are WAV files made in Rust, so these tests need no oracle; "now" is
//! the harness's fixed `SOURCE_DATE_EPOCH`. Nothing is redacted: each test first checks that its
//! output is the same from two copies of the project in two temporary folders, and names no
//! temporary folder.

use crate::harness::{Project, Run};

/// `small-cycle` (two recorded sessions and one announced), published.
fn published() -> Project {
    let project = Project::fixture("small-cycle");
    project.publish();
    project
}

/// A file of `feed/` as two publishes of the fixture in two temporary folders wrote it: the
/// same bytes, naming neither folder.
#[track_caller]
fn stable_output(relative: &str) -> String {
    let (first, second) = (published(), published());
    let text = first.feed_text(relative);
    assert_eq!(
        text,
        second.feed_text(relative),
        "{relative} differs between two copies of the project"
    );
    assert_names_no_folder(&text, &[&first, &second]);
    text
}

/// `check`'s report on a fixture (`args` after `check`), the same from two copies.
#[track_caller]
fn stable_check(fixture: &str, args: &[&str], code: i32) -> Run {
    let (first, second) = (Project::fixture(fixture), Project::fixture(fixture));
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let run = first.run(&all).failure(code);
    let again = second.run(&all).failure(code);
    assert_eq!(
        (&run.stdout, &run.stderr),
        (&again.stdout, &again.stderr),
        "check differs between two copies of the project"
    );
    assert_names_no_folder(&format!("{}{}", run.stdout, run.stderr), &[&first, &second]);
    run
}

#[track_caller]
fn assert_names_no_folder(text: &str, projects: &[&Project]) {
    for project in projects {
        let folder = project.root().to_string_lossy();
        assert!(
            !text.contains(&*folder),
            "names the temporary folder {folder}"
        );
    }
}

#[test]
fn feed_xml() {
    insta::assert_snapshot!("feed.xml", stable_output("feed.xml"));
}

#[test]
fn index_page() {
    insta::assert_snapshot!("index.html", stable_output("index.html"));
}

#[test]
fn session_page() {
    insta::assert_snapshot!(
        "sessions-01-ouverture.html",
        stable_output("sessions/01-ouverture.html")
    );
}

#[test]
fn check_report_of_a_good_project() {
    let run = stable_check("small-cycle", &[], 0);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!("check-good.txt", run.stderr);
    let run = stable_check("small-cycle", &["--json"], 0);
    insta::assert_snapshot!("check-good.json", run.stdout);
}

#[test]
fn check_report_of_a_broken_config() {
    let run = stable_check("broken-config", &[], 1);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!("check-broken.txt", run.stderr);
    let run = stable_check("broken-config", &["--json"], 1);
    insta::assert_snapshot!("check-broken.json", run.stdout);
}
