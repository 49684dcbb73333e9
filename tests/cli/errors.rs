//! Bad input: `publish` exits with status 2, says on one line which file is wrong (with
//! `config.toml:LINE:COL` for the config) and why, and leaves `feed/` exactly as the last good
//! publish left it.

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
    let error = run.single_error();
    assert!(
        error.starts_with("config.toml: error: ") && error.contains("cannot read"),
        "{run}"
    );
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
    let file = "recordings/02-travail-social-et-administratif.mp3";
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
