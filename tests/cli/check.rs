//! `cyclecast check`: validates without writing.

use crate::harness::{Project, assert_same_files, position, snapshot};

#[test]
fn check_accepts_the_real_project_and_writes_nothing() {
    let project = Project::copy();
    let before = snapshot(project.root());
    let run = project.run(&["check"]).success();
    assert!(run.error_lines().is_empty(), "{run}");
    assert!(!project.feed().exists(), "check created feed/");
    assert_same_files(&before, &snapshot(project.root()), "the project");
}

#[test]
fn check_lists_every_problem_of_a_broken_config_and_exits_1() {
    // An unknown key, a date that does not exist, a time in words, a URL without its scheme.
    let project = Project::fixture("broken-config");
    let before = snapshot(project.root());
    let run = project.run(&["check"]).failure(1);
    let config = project.config();
    let errors = run.error_lines();
    assert_eq!(errors.len(), 4, "{run}");
    for (needle, message) in [
        ("colour = \"red\"", "unknown key"),
        ("\"2022-11-31\"", "`2022-11-31` is not a date"),
        ("\"7pm\"", "`7pm` is not a time"),
        (
            "\"laquadrature.net\"",
            "`laquadrature.net` is not a valid URL",
        ),
    ] {
        let (line, col) = position(&config, needle);
        let expected = format!("config.toml:{line}:{col}: error: {message}");
        assert!(
            errors.iter().any(|e| e.starts_with(&expected)),
            "expected `{expected}…`\n{run}"
        );
    }
    assert!(run.stderr.contains("4 errors found"), "{run}");
    assert_same_files(&before, &snapshot(project.root()), "the project");
}

// A config error used to hide a missing file, and a missing file the audio errors: every
// problem is now found in one run (DESIGN, invariant 5).
#[test]
fn check_reports_the_config_its_files_and_the_audio_in_one_run() {
    // The first recording is missing, the second is empty, and a date does not exist.
    let project = Project::fixture("missing-and-empty");
    let second = project.cycle().sessions[1].recording.clone().unwrap();
    assert!(!project.path("recordings/01-missing.wav").exists());
    assert_eq!(std::fs::metadata(project.path(&second)).unwrap().len(), 0);
    let run = project.run(&["check"]).failure(1);
    let errors: Vec<&str> = run
        .error_lines()
        .into_iter()
        .filter(|l| l.contains(": error: "))
        .collect();
    assert_eq!(errors.len(), 3, "{run}");
    assert!(
        errors
            .iter()
            .any(|l| l.contains("file `recordings/01-missing.wav` does not exist"))
    );
    assert!(
        errors
            .iter()
            .any(|l| l.contains("`2022-11-31` is not a date"))
    );
    assert!(
        errors
            .iter()
            .any(|l| l.starts_with(&format!("{second}: error: the file is empty")))
    );
}

#[test]
fn check_prints_json_for_scripts() {
    let project = Project::copy();
    let run = project.run(&["check", "--json"]).success();
    let ok: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["errors"], 0);
    project.replace_in_config("\"2022-11-24\"", "\"2022-11-31\"");
    let run = project.run(&["check", "--json"]).failure(1);
    let failed: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(failed["ok"], false);
    assert_eq!(failed["errors"], 1);
    let problem = &failed["problems"][0];
    let (line, column) = position(&project.config(), "\"2022-11-31\"");
    assert_eq!(problem["severity"], "error");
    assert_eq!(problem["file"], "config.toml");
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("is not a date")
    );
}

// Issue 11: `date = "+10000-01-01"` passed check and then panicked in publish; a year 0 gave
// a pubDate no reader accepts.
#[test]
fn refuses_dates_no_output_can_write_at_their_line_and_publish_never_panics() {
    for written in [
        "\"+10000-01-01\"",
        "\"-0001-01-01\"",
        "\"0000-01-01\"",
        "\"1899-12-31\"",
        "0000-01-01",
    ] {
        let project = Project::copy();
        project.replace_in_config("date = \"2022-10-25\"", &format!("date = {written}"));
        project.replace_in_config("aired = \"2022-12-02\"", &format!("aired = {written}"));
        let text = project.config();
        let shown = written.trim_matches('"');
        let run = project.run(&["check"]).failure(1);
        for key in ["date", "aired"] {
            let (line, col) = position(&text, &format!("{key} = {written}"));
            let expected = format!(
                "config.toml:{line}:{}: error: `{shown}` is out of range: a date must be in the years 1900 to 9999",
                col + key.len() + 3
            );
            assert!(run.stderr.contains(&expected), "{expected}\n{run}");
        }
        let publish = project.run(&["publish"]).failure(2);
        assert!(!publish.stderr.contains("panicked"), "{publish}");
        assert!(!project.feed().exists(), "nothing written");
    }
    // The first and the last day allowed are published, and the feed parses.
    for day in ["1900-01-01", "9999-12-31"] {
        let project = Project::copy();
        project.replace_in_config("date = \"2022-10-25\"", &format!("date = \"{day}\""));
        project.publish();
        let xml = project.feed_text("feed.xml");
        feed_rs::parser::parse(xml.as_bytes()).expect("feed-rs parses feed.xml");
    }
}

// Issue 11: an episode's title or description of 1 MB was accepted while the podcast's
// description was capped at 4,000 bytes.
#[test]
fn refuses_an_episode_text_longer_than_directories_accept_at_its_value() {
    let project = Project::copy();
    let session_title = project.cycle().session(1).title.clone();
    let long_title = "x".repeat(5000);
    project.replace_in_config(
        &format!("title = \"{session_title}\""),
        &format!("title = \"{long_title}\""),
    );
    let long_description = "é".repeat(1 << 19);
    project.replace_in_config(
        "description = \"\"\"\nCes cinq dernières années",
        &format!("description = \"\"\"\n{long_description} Ces cinq dernières années"),
    );
    let text = project.config();
    let run = project.run(&["check"]).failure(1);
    let (line, col) = position(&text, &format!("title = \"{long_title}"));
    let title = format!(
        "config.toml:{line}:{}: error: this text is 5,000 characters long: podcast directories accept at most 255",
        col + "title = ".len()
    );
    let (line, col) = position(&text, &format!("description = \"\"\"\n{long_description}"));
    let description = format!(
        "config.toml:{line}:{}: error: this text is 1,0",
        col + "description = ".len()
    );
    for expected in [title, description] {
        assert!(
            run.error_lines().iter().any(|l| l.starts_with(&expected)
                && (l.ends_with("long: podcast directories accept at most 255")
                    || l.ends_with("bytes long: podcast directories accept at most 4,000"))),
            "{expected}\n{:?}",
            run.error_lines()
        );
    }
}
