//! Bad input: `publish` exits with status 2, says on one line which file is wrong (with
//! `config.toml:LINE:COL` for the config) and why, and leaves `feed/` exactly as the last good
//! publish left it. Under a config error come the line it is on, carets under the value or key,
//! and a hint when one helps.

use std::fs;

use crate::harness::{Project, Run, assert_same_files, mtimes, position, snapshot};

/// Publishes the real project, breaks it, publishes again: the second publish must exit with
/// status 2 and leave `feed/` as it was, byte for byte and file for file.
fn refused_after_a_good_publish(break_it: impl FnOnce(&Project)) -> (Project, Run) {
    let project = Project::copy();
    project.publish();
    let files = snapshot(&project.feed());
    let times = mtimes(&project.feed());
    break_it(&project);
    let run = project.run(&["publish"]).failure(2);
    assert!(!run.stderr.contains("panicked"), "{run}");
    assert_same_files(
        &files,
        &snapshot(&project.feed()),
        "feed/ after a refused publish",
    );
    assert_eq!(mtimes(&project.feed()), times, "feed/ was rewritten\n{run}");
    (project, run)
}

#[test]
fn refuses_to_publish_without_config_toml() {
    let (_, run) = refused_after_a_good_publish(|p| {
        fs::remove_file(p.path("config.toml")).unwrap();
    });
    // Without a config the folder is not a project: an error of the command line, which
    // says how to start one.
    assert!(
        run.stderr.starts_with("error: no `config.toml` in `"),
        "{run}"
    );
    assert!(run.stderr.contains("`cyclecast init`"), "{run}");
}

#[test]
fn reports_a_toml_syntax_error_with_its_line_and_column() {
    let (project, run) =
        refused_after_a_good_publish(|p| p.replace_in_config("number = 1\n", "number = = 1\n"));
    let (line, _) = position(&project.config(), "number = = 1");
    let error = run.single_error();
    let prefix = format!("config.toml:{line}:");
    let column = error
        .strip_prefix(&prefix)
        .and_then(|rest| rest.split(':').next())
        .and_then(|c| c.parse::<usize>().ok());
    assert!(column.is_some(), "expected `{prefix}COL: error: …`\n{run}");
    assert!(error.contains(": error: "), "{run}");
}

#[test]
fn reports_an_unknown_key_and_a_bad_date_in_one_run() {
    let (project, run) = refused_after_a_good_publish(|p| {
        p.replace_in_config("number = 2\n", "number = 2\ncolour = \"red\"\n");
        p.replace_in_config("\"2022-11-24\"", "\"2022-11-31\"");
    });
    let config = project.config();
    let (key_line, key_col) = position(&config, "colour = \"red\"");
    let (date_line, date_col) = position(&config, "\"2022-11-31\"");
    let errors = run.error_lines();
    assert_eq!(errors.len(), 2, "{run}");
    let key = format!("config.toml:{key_line}:{key_col}: error: unknown key `");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&key) && e.contains("colour")),
        "expected `{key}…colour`\n{run}"
    );
    let date = format!("config.toml:{date_line}:{date_col}: error: `2022-11-31` is not a date");
    assert!(
        errors.iter().any(|e| e.starts_with(&date)),
        "expected `{date}`\n{run}"
    );
}

#[test]
fn names_the_config_line_of_a_recording_that_does_not_exist() {
    let (project, run) = refused_after_a_good_publish(|p| {
        p.replace_in_config(
            "\"recordings/01-non-recours-aux-droits.mp3\"",
            "\"recordings/01-enregistrement-absent.mp3\"",
        );
    });
    let (line, col) = position(
        &project.config(),
        "\"recordings/01-enregistrement-absent.mp3\"",
    );
    assert_eq!(
        run.single_error(),
        format!(
            "config.toml:{line}:{col}: error: file `recordings/01-enregistrement-absent.mp3` does not exist"
        ),
        "{run}"
    );
}

#[test]
fn refuses_a_text_file_named_like_an_mp3() {
    let file = "recordings/03-algorithmisation-controle-caf.mp3";
    let (_, run) = refused_after_a_good_publish(|p| {
        let text = "Ceci n'est pas un enregistrement.\n".repeat(200);
        fs::write(p.path(file), text).unwrap();
    });
    let error = run.single_error();
    assert!(
        error.starts_with(&format!("{file}: error: "))
            && error.contains("not a supported audio file"),
        "{run}"
    );
}

#[test]
fn refuses_an_empty_recording() {
    let file = "recordings/01-non-recours-aux-droits.mp3";
    let (_, run) = refused_after_a_good_publish(|p| fs::write(p.path(file), b"").unwrap());
    assert_eq!(
        run.single_error(),
        format!("{file}: error: the file is empty"),
        "{run}"
    );
}

#[test]
fn refuses_an_m4a_truncated_to_half_its_size() {
    let file = "recordings/04-perspectives-europeennes.m4a";
    let (_, run) = refused_after_a_good_publish(|p| {
        let bytes = fs::read(p.path(file)).unwrap();
        fs::write(p.path(file), &bytes[..bytes.len() / 2]).unwrap();
    });
    let error = run.single_error();
    assert!(error.starts_with(&format!("{file}: error: ")), "{run}");
}

#[test]
fn refuses_a_recording_path_that_leaves_the_project() {
    let (project, run) = refused_after_a_good_publish(|p| {
        p.replace_in_config(
            "\"recordings/01-non-recours-aux-droits.mp3\"",
            "\"../x.mp3\"",
        );
    });
    let (line, col) = position(&project.config(), "\"../x.mp3\"");
    let expected =
        format!("config.toml:{line}:{col}: error: path `../x.mp3` must stay inside the project");
    assert!(
        run.single_error().starts_with(&expected),
        "expected `{expected}…`\n{run}"
    );
}

#[cfg(unix)]
#[test]
fn refuses_a_recording_symlinked_outside_the_project() {
    let (project, run) = refused_after_a_good_publish(|p| {
        let outside =
            crate::harness::source_root().join("recordings/01-non-recours-aux-droits.mp3");
        std::os::unix::fs::symlink(outside, p.path("recordings/ailleurs.mp3")).unwrap();
        p.replace_in_config(
            "\"recordings/01-non-recours-aux-droits.mp3\"",
            "\"recordings/ailleurs.mp3\"",
        );
    });
    let (line, col) = position(&project.config(), "\"recordings/ailleurs.mp3\"");
    assert_eq!(
        run.single_error(),
        format!(
            "config.toml:{line}:{col}: error: file `recordings/ailleurs.mp3` leads outside the project folder"
        ),
        "{run}"
    );
}

/// What `check` and `publish` print under a problem at `needle` of the config, rustc style:
/// a bar, the line with its number, carets under the needle.
fn excerpt(config: &str, needle: &str) -> String {
    let (line, col) = position(config, needle);
    let gutter = " ".repeat(line.to_string().len());
    let text = config.lines().nth(line - 1).expect("the needle's line");
    let carets = "^".repeat(needle.chars().count());
    format!(
        "{gutter} |\n{line} | {text}\n{gutter} | {}{carets}",
        " ".repeat(col - 1)
    )
}

/// The hint line under an excerpt of the line holding `needle`.
fn hint(config: &str, needle: &str, hint: &str) -> String {
    let (line, _) = position(config, needle);
    format!("{} = hint: {hint}", " ".repeat(line.to_string().len()))
}

#[test]
fn check_shows_a_misspelled_key_under_a_caret_with_the_key_meant() {
    let project = Project::copy();
    project.replace_in_config("number = 2\n", "number = 2\nepisode_tpye = \"bonus\"\n");
    let run = project.run(&["check"]).failure(1);
    let config = project.config();
    let (line, col) = position(&config, "episode_tpye");
    let expected = format!(
        "config.toml:{line}:{col}: error: unknown key `sessions[1].episode_tpye`\n{}\n{}\n",
        excerpt(&config, "episode_tpye"),
        hint(&config, "episode_tpye", "did you mean `episode_type`?"),
    );
    assert!(
        run.stderr.contains(&expected),
        "expected\n{expected}\n{run}"
    );
}

#[test]
fn check_shows_a_bad_date_with_the_format_expected() {
    let project = Project::copy();
    project.replace_in_config("\"2022-11-24\"", "\"24/11/2022\"");
    let run = project.run(&["check"]).failure(1);
    let config = project.config();
    let (line, col) = position(&config, "\"24/11/2022\"");
    let expected = format!(
        "config.toml:{line}:{col}: error: `24/11/2022` is not a date: expected YYYY-MM-DD, e.g. 2022-10-25\n{}\n{}\n",
        excerpt(&config, "\"24/11/2022\""),
        hint(
            &config,
            "\"24/11/2022\"",
            "did you mean `2022-11-24`? dates are written year first (YYYY-MM-DD)"
        ),
    );
    assert!(
        run.stderr.contains(&expected),
        "expected\n{expected}\n{run}"
    );
}

#[test]
fn check_json_gives_each_problem_its_hint_or_null() {
    let project = Project::copy();
    project.replace_in_config("time_zone = \"Europe/Paris\"", "time_zone = \"Paris\"");
    let file = "recordings/03-algorithmisation-controle-caf.mp3";
    fs::write(project.path(file), b"").unwrap();
    let run = project.run(&["check", "--json"]).failure(1);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let problems = summary["problems"].as_array().expect("a list of problems");
    let of = |needle: &str| {
        problems
            .iter()
            .find(|p| p["message"].as_str().is_some_and(|m| m.contains(needle)))
            .unwrap_or_else(|| panic!("no problem about `{needle}`\n{run}"))
    };
    assert_eq!(
        of("unknown time zone `Paris`")["hint"],
        "did you mean `Europe/Paris`?"
    );
    assert_eq!(of("the file is empty")["hint"], serde_json::Value::Null);
}

#[test]
fn publish_shows_every_config_problem_with_its_line_and_hint_in_one_run() {
    let (project, run) = refused_after_a_good_publish(|p| {
        p.replace_in_config("number = 2\n", "number = 2\nepisode_tpye = \"bonus\"\n");
        p.replace_in_config(
            "time = \"19:00\"\ntitle = \"L'",
            "time = \"7pm\"\ntitle = \"L'",
        );
        p.replace_in_config(
            "url = \"https://www.laquadrature.net/\"",
            "url = \"laquadrature.net\"",
        );
        p.replace_in_config(
            "\"recordings/01-non-recours-aux-droits.mp3\"",
            "\"recordings/01-non-recours-aux-droit.mp3\"",
        );
    });
    let config = project.config();
    assert_eq!(run.error_lines().len(), 4, "{run}");
    for (needle, message, hint_text) in [
        (
            "episode_tpye",
            "unknown key `sessions[1].episode_tpye`",
            "did you mean `episode_type`?",
        ),
        (
            "\"7pm\"",
            "`7pm` is not a time: expected HH:MM, e.g. 19:00",
            "did you mean `19:00`?",
        ),
        (
            "\"laquadrature.net\"",
            "`laquadrature.net` is not a valid URL: relative URL without a base",
            "did you mean `https://laquadrature.net`? a link starts with https:// or http://",
        ),
        (
            "\"recordings/01-non-recours-aux-droit.mp3\"",
            "file `recordings/01-non-recours-aux-droit.mp3` does not exist",
            "did you mean `recordings/01-non-recours-aux-droits.mp3`?",
        ),
    ] {
        let (line, col) = position(&config, needle);
        let expected = format!(
            "config.toml:{line}:{col}: error: {message}\n{}\n{}\n",
            excerpt(&config, needle),
            hint(&config, needle, hint_text),
        );
        assert!(
            run.stderr.contains(&expected),
            "expected\n{expected}\n{run}"
        );
    }
    assert!(run.stderr.contains("4 errors found"), "{run}");
}
