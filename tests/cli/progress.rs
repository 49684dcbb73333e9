//! What `publish` shows while it works (issue 6, "Progress"): plain lines off a terminal, bars
//! drawn by indicatif on one, nothing with `--quiet`, and a summary at the end, or as JSON.

use std::process::Command;

use crate::harness::{Project, SOURCE_DATE_EPOCH};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_cyclecast");

/// Whether `line` reads `<stage> N file(s) (SIZE)`, as a stage starts in plain lines.
fn is_stage_line(line: &str) -> bool {
    let words: Vec<&str> = line.split(' ').collect();
    matches!(
        words.as_slice(),
        [stage, count, "file" | "files", number, unit]
            if stage.chars().all(|c| c.is_ascii_lowercase())
                && count.parse::<u64>().is_ok()
                && number.starts_with('(')
                && number[1..].parse::<f64>().is_ok()
                && ["B)", "kB)", "MB)", "GB)"].contains(unit)
    )
}

/// The summary line, which starts with `published `.
#[track_caller]
fn summary(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("published "))
        .unwrap_or_else(|| panic!("no summary line in\n{stderr}"))
}

#[test]
fn off_a_terminal_publish_prints_plain_lines_and_a_summary() {
    let project = Project::copy();
    let run = project.publish();
    assert!(
        !run.stderr.contains(['\r', '\x1b']),
        "a carriage return or an escape code off a terminal\n{run}"
    );
    assert!(
        run.stderr.lines().any(is_stage_line),
        "no `<stage> N files (SIZE)` line\n{run}"
    );
    // Files are named with `--verbose` only (newcomer.rs): a log stays short.
    assert!(
        !run.stderr
            .lines()
            .any(|l| l.contains("01-non-recours-aux-droits.") && l.ends_with("B)")),
        "a line names a recording being worked on\n{run}"
    );
    let line = summary(&run.stderr);
    assert!(
        line.starts_with("published 5 episodes (0 announced without a recording) into `"),
        "{line}"
    );
    let (head, counts) = line.rsplit_once(": ").expect("counts after `: `");
    assert!(head.ends_with(" s"), "the summary tells no time: {line}");
    // The stand-in of session 3 is a VBR MP3 without a Xing header: one warning.
    assert!(counts.ends_with(" 0 removed, 1 warning"), "{line}");
    assert_eq!(run.stderr.matches(": warning: ").count(), 1, "{run}");
}

#[test]
fn with_json_publish_prints_the_summary_and_no_progress() {
    let project = Project::copy();
    let run = project.run(&["publish", "--json"]).success();
    assert!(run.stderr.is_empty(), "{run}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(json["episodes"], 5, "{run}");
    assert_eq!(json["removed"], serde_json::json!([]), "{run}");
    assert!(json["warnings"].is_array(), "{run}");
    let seconds = json["elapsed_seconds"].as_f64().expect("elapsed_seconds");
    assert!((0.0..600.0).contains(&seconds), "{run}");
}

#[test]
fn quiet_publish_prints_nothing_on_success() {
    let project = Project::copy();
    let run = project.run(&["publish", "--quiet"]).success();
    assert!(run.stdout.is_empty() && run.stderr.is_empty(), "{run}");
    assert!(project.feed().join("feed.xml").is_file());
}

/// `text` quoted for `sh -c`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[test]
fn on_a_terminal_publish_draws_bars_then_the_summary() {
    let project = Project::copy();
    // util-linux `script` (Debian's bsdutils, always installed) runs the command in a
    // pseudo-terminal and copies what it drew to its own standard output.
    let output = Command::new("script")
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{} publish", shell_quote(BIN)),
            "/dev/null",
        ])
        .current_dir(project.root())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .output()
        .unwrap_or_else(|e| panic!("cannot run util-linux `script` ({e}): install bsdutils"));
    let drawn = String::from_utf8_lossy(&output.stdout);
    let shown = format!("exit status {:?}\n{drawn:?}", output.status.code());
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(drawn.contains("\x1b["), "no bar drawn or cleared: {shown}");
    assert!(
        drawn.contains(" files ") && drawn.contains(" elapsed, ETA "),
        "no overall bar: {shown}"
    );
    let summary_at = drawn
        .rfind("published 5 episodes")
        .unwrap_or_else(|| panic!("no summary: {shown}"));
    assert!(
        !drawn[summary_at..].contains('\x1b'),
        "bars drawn after the summary: {shown}"
    );
    assert!(project.feed().join("feed.xml").is_file(), "{shown}");
}
