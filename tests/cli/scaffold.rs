//! `init` and `session add`: a new project passes `check` as made, and adding a session keeps
//! every byte of the config and appends one table.

use std::fs;

use crate::harness::{Project, assert_same_files, snapshot};

#[test]
fn init_makes_a_project_that_passes_check_right_away() {
    let project = Project::copy();
    project
        .run(&[
            "init",
            "nouveau",
            "--title",
            "Un cycle « à part » & \"cité\"",
        ])
        .success();
    let config = project.path("nouveau/config.toml");
    let text = fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("# Ce fichier décrit le cycle et ses rencontres."),
        "{text}"
    );
    assert!(text.contains("language = \"fr\""), "{text}");
    assert!(project.path("nouveau/recordings").is_dir());
    let gitignore = fs::read_to_string(project.path("nouveau/.gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "feed/"), "{gitignore}");
    let check = project
        .run(&["check", "--config", "nouveau/config.toml"])
        .success();
    assert!(check.stderr.contains("ok: 0 sessions"), "{check}");
    // Each text left to write is named, so that none is published by mistake.
    let placeholders: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && l.contains("À compléter"))
        .map(|(i, _)| i + 1)
        .collect();
    let warned: Vec<usize> = check
        .stderr
        .lines()
        .filter(|l| {
            l.ends_with("warning: this text is still a placeholder: write it before publishing")
        })
        .map(|l| l.split(':').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(!warned.is_empty(), "{check}");
    assert_eq!(warned, placeholders, "{check}");
    let table: toml::Table = text.parse().unwrap();
    assert_eq!(
        table["podcast"]["title"].as_str(),
        Some("Un cycle « à part » & \"cité\"")
    );
}

#[test]
fn init_writes_english_comments_and_the_given_address() {
    let project = Project::copy();
    project
        .run(&[
            "init",
            "talks",
            "--lang",
            "en",
            "--base-url",
            "https://example.net/talks",
        ])
        .success();
    let text = fs::read_to_string(project.path("talks/config.toml")).unwrap();
    assert!(
        text.contains("# This file describes the cycle and its sessions."),
        "{text}"
    );
    assert!(text.contains("language = \"en\""));
    assert!(text.contains("base_url = \"https://example.net/talks/\""));
    assert!(!text.contains("rencontre"), "{text}");
    project
        .run(&["check", "--config", "talks/config.toml"])
        .success();
}

#[test]
fn init_refuses_a_folder_that_holds_a_config_and_writes_nothing() {
    let project = Project::copy();
    let before = snapshot(project.root());
    let run = project.run(&["init"]).failure(2);
    assert!(run.stderr.contains("config.toml` already exists"), "{run}");
    assert_same_files(&before, &snapshot(project.root()), "the project");
}

#[test]
fn session_add_appends_one_table_and_keeps_every_byte_of_the_real_config() {
    let project = Project::copy();
    fs::copy(
        project.path("recordings/05-cabinets-de-conseil.mp3"),
        project.path("recordings/06-ecole.mp3"),
    )
    .unwrap();
    let before = project.config();
    let run = project
        .run(&[
            "session",
            "add",
            "--title",
            "Les algorithmes à l'école : Parcoursup, Affelnet et les autres",
            "--date",
            "2023-04-13",
            "--time",
            "19:00",
            "--recording",
            "recordings/06-ecole.mp3",
        ])
        .success();
    let after = project.config();
    assert!(
        after.starts_with(&before),
        "the config's first bytes changed"
    );
    let appended = &after[before.len()..];
    assert_eq!(appended.matches("[[sessions]]").count(), 1, "{appended}");
    assert!(appended.starts_with("\n# ─── Rencontre #6 ─"), "{appended}");
    let cycle = project.cycle();
    assert_eq!(cycle.sessions.len(), 6);
    let added = cycle.session(6);
    assert_eq!(added.id, "algorithmes-ecole-parcoursup-affelnet");
    assert_eq!(
        added.title,
        "Les algorithmes à l'école : Parcoursup, Affelnet et les autres"
    );
    assert_eq!(added.recording.as_deref(), Some("recordings/06-ecole.mp3"));
    assert!(
        run.stderr
            .contains("added session 6 `algorithmes-ecole-parcoursup-affelnet`"),
        "{run}"
    );
    assert!(run.stderr.contains("cyclecast publish"), "{run}");
    project.run(&["check"]).success();
}

#[test]
fn session_add_dry_run_prints_the_table_and_writes_nothing() {
    let project = Project::copy();
    let before = snapshot(project.root());
    let args = [
        "session",
        "add",
        "--title",
        "Cabinets de conseil",
        "--date",
        "2023-05-04",
    ];
    let dry = project
        .run(&[args.as_slice(), &["--dry-run"]].concat())
        .success();
    assert!(dry.stdout.contains("[[sessions]]"), "{dry}");
    assert!(dry.stderr.contains("nothing written"), "{dry}");
    assert_same_files(&before, &snapshot(project.root()), "the project");
    let config = project.config();
    project.run(&args).success();
    // The id `cabinets-de-conseil` is session 5's: the new one gets a suffix.
    assert_eq!(project.config(), format!("{config}{}", dry.stdout));
    assert_eq!(project.cycle().session(6).id, "cabinets-de-conseil-2");
}

#[test]
fn session_add_on_a_new_project_passes_check() {
    let project = Project::copy();
    project.run(&["init", "neuf"]).success();
    let config = "neuf/config.toml";
    project
        .run(&[
            "session",
            "add",
            "--config",
            config,
            "--title",
            "Première rencontre",
            "--date",
            "2024-01-18",
        ])
        .success();
    let text = fs::read_to_string(project.path(config)).unwrap();
    assert!(
        text.contains("id = \"premiere-rencontre\"\nnumber = 1\n"),
        "{text}"
    );
    project.run(&["check", "--config", config]).success();
}

#[test]
fn session_add_names_every_problem_and_writes_nothing() {
    let project = Project::copy();
    let outside = tempfile::NamedTempFile::new().unwrap();
    let before = snapshot(project.root());
    let run = project
        .run(&[
            "session",
            "add",
            "--title",
            "Une rencontre",
            "--date",
            "2023-04-13",
            "--id",
            "cabinets-de-conseil",
            "--number",
            "3",
            "--recording",
            outside.path().to_str().unwrap(),
        ])
        .failure(2);
    assert!(
        run.stderr
            .contains("session id `cabinets-de-conseil` is already used on line"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("session number 3 is already used on line"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("the recording is outside the project folder"),
        "{run}"
    );
    assert!(
        run.stderr.contains("3 errors found, nothing was written"),
        "{run}"
    );
    let missing = project
        .run(&[
            "session",
            "add",
            "--title",
            "Une rencontre",
            "--date",
            "2023-04-13",
            "--recording",
            "recordings/absent.mp3",
        ])
        .failure(2);
    assert!(
        missing
            .single_error()
            .starts_with("recordings/absent.mp3: error: the recording does not exist"),
        "{missing}"
    );
    assert_same_files(&before, &snapshot(project.root()), "the project");
}

#[test]
fn session_add_refuses_a_malformed_date_or_time() {
    let project = Project::copy();
    let before = project.config();
    let date = project
        .run(&["session", "add", "--title", "T", "--date", "13/04/2023"])
        .failure(2);
    assert!(
        date.stderr
            .contains("`13/04/2023` is not a date: expected YYYY-MM-DD"),
        "{date}"
    );
    let time = project
        .run(&[
            "session",
            "add",
            "--title",
            "T",
            "--date",
            "2023-04-13",
            "--time",
            "7pm",
        ])
        .failure(2);
    assert!(
        time.stderr.contains("`7pm` is not a time: expected HH:MM"),
        "{time}"
    );
    assert_eq!(project.config(), before);
}

// Issue 10: the id was cut mid-title, and chosen silently.
#[test]
fn session_add_names_the_id_it_guessed_before_writing() {
    let project = Project::copy();
    let args = [
        "session",
        "add",
        "--title",
        "L'intelligence artificielle dans les services publics",
        "--date",
        "2023-06-01",
    ];
    let said =
        "id: intelligence-artificielle-services (guessed from the title; --id to choose another)";
    let dry = project
        .run(&[args.as_slice(), &["--dry-run"]].concat())
        .success();
    assert!(dry.stderr.contains(said), "{dry}");
    let run = project.run(&args).success();
    assert!(run.stderr.starts_with(said), "{run}");
    assert_eq!(
        project.cycle().session(6).id,
        "intelligence-artificielle-services"
    );
    let chosen = project
        .run(&[args.as_slice(), &["--id", "ia", "--dry-run"]].concat())
        .success();
    assert!(!chosen.stderr.contains("guessed"), "{chosen}");
}

// Issue 5: `init --lang en` gave a title, an address and an email that `check` let pass
// without a word.
#[test]
fn init_leaves_every_value_it_invents_marked_for_check_to_name() {
    let project = Project::copy();
    project.run(&["init", "talks", "--lang", "en"]).success();
    let text = fs::read_to_string(project.path("talks/config.toml")).unwrap();
    let check = project
        .run(&["check", "--config", "talks/config.toml"])
        .success();
    let warned: Vec<&str> = check
        .stderr
        .lines()
        .filter(|l| l.contains("warning: this text is still a placeholder"))
        .map(|l| {
            let line: usize = l.split(':').nth(1).unwrap().parse().unwrap();
            text.lines().nth(line - 1).unwrap()
        })
        .collect();
    for key in ["title = ", "base_url = ", "author = ", "email = "] {
        assert!(
            warned.iter().any(|l| l.starts_with(key)),
            "`{key}` not named\n{check}"
        );
    }
    assert_eq!(
        warned.iter().filter(|l| l.starts_with("name = ")).count(),
        2,
        "the owner and the organizer\n{check}"
    );
}

// Issue 11: `date = 2023-04-13`, unquoted, said "invalid type: map, expected a string".
#[test]
fn check_and_session_add_accept_native_toml_dates_and_times() {
    let project = Project::copy();
    project.replace_in_config("date = \"2022-10-25\"", "date = 2022-10-25");
    project.replace_in_config(
        "date = 2022-10-25\ntime = \"19:00\"",
        "date = 2022-10-25\ntime = 19:30:00",
    );
    let check = project.run(&["check"]).success();
    assert!(!check.stderr.contains("error"), "{check}");
    project
        .run(&["session", "add", "--title", "Suite", "--date", "2023-06-01"])
        .success();
    assert_eq!(project.cycle().session(6).id, "suite");
    project.run(&["check"]).success();
}
