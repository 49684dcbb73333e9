//! `init` and `session add`: a new project passes `check` as made, and adding a session keeps
//! every byte of the config and appends one table.

use std::fs;

use crate::harness::{Project, assert_same_files, element_text, items, snapshot, tagged_copy};

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
    // The hints `check` gives for the same text in the config.
    assert!(
        date.stderr
            .contains("= hint: did you mean `2023-04-13`? dates are written year first"),
        "{date}"
    );
    assert!(
        time.stderr.contains("= hint: did you mean `19:00`?"),
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

/// Makes `recordings/<name>` from the first session's recording, with only `tags`.
fn recording_with_tags(project: &Project, name: &str, tags: &[(&str, &str)]) -> String {
    let source = project.path(project.cycle().session(1).recording.as_deref().unwrap());
    let written = format!("recordings/{name}");
    tagged_copy(&source, &project.path(&written), tags);
    written
}

/// The keys, sorted, of the one `[[sessions]]` table `session add` appended after `before`.
fn appended_keys(before: &str, after: &str) -> Vec<String> {
    assert!(
        after.starts_with(before),
        "the config's first bytes changed"
    );
    let table: toml::Table = after[before.len()..].parse().unwrap();
    table["sessions"][0]
        .as_table()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

// Issue 9: `session add` demanded --title and --date even when the recording's tags held them.
#[test]
fn session_add_leaves_to_the_recording_tags_what_they_hold() {
    let project = Project::copy();
    let recording = recording_with_tags(
        &project,
        "06-ia.mp3",
        &[
            (
                "title",
                "L'intelligence artificielle dans les services publics",
            ),
            ("date", "2023-06-01"),
            ("comment", "Résumé écrit dans le fichier."),
            ("artist", "Ada Lovelace"),
        ],
    );
    let before = project.config();
    let run = project
        .run(&["session", "add", "--recording", &recording])
        .success();
    for said in [
        "title from the recording's tags: « L'intelligence artificielle dans les services publics »",
        "date from the recording's tags: 2023-06-01",
        "description from the recording's tags: « Résumé écrit dans le fichier. »",
        "speakers from the recording's tags: « Ada Lovelace »",
        "id: intelligence-artificielle-services (guessed from the title",
    ] {
        assert!(run.stderr.contains(said), "{said}\n{run}");
    }
    assert!(!run.stderr.contains("placeholder"), "{run}");
    assert_eq!(
        appended_keys(&before, &project.config()),
        ["id", "number", "recording"]
    );
    project.run(&["check"]).success();
    project.publish();
    let xml = project.feed_text("feed.xml");
    let item = items(&xml)
        .into_iter()
        .find(|i| i.contains("06-intelligence-artificielle-services"))
        .expect("the new session is in the feed");
    assert_eq!(
        element_text(item, "title"),
        "L'intelligence artificielle dans les services publics"
    );
}

#[test]
fn session_add_writes_what_is_given_and_a_placeholder_for_a_missing_comment() {
    let project = Project::copy();
    let recording = recording_with_tags(
        &project,
        "06-sujet.mp3",
        &[("title", "Titre de l'étiquette"), ("date", "2023-06-01")],
    );
    let before = project.config();
    let run = project
        .run(&[
            "session",
            "add",
            "--recording",
            &recording,
            "--title",
            "Titre choisi",
        ])
        .success();
    assert!(!run.stderr.contains("title from"), "{run}");
    assert!(
        run.stderr.contains("its description is a placeholder"),
        "{run}"
    );
    assert_eq!(
        appended_keys(&before, &project.config()),
        ["description", "id", "number", "recording", "title"]
    );
    assert!(
        run.stderr
            .contains("date from the recording's tags: 2023-06-01"),
        "{run}"
    );
    assert_eq!(project.cycle().session(6).id, "titre-choisi");
    project.run(&["check"]).success();
}

#[test]
fn session_add_names_every_missing_value_at_once_with_how_to_give_it() {
    let project = Project::copy();
    let recording = recording_with_tags(&project, "06-muet.mp3", &[]);
    fs::write(project.path("recordings/06-texte.mp3"), "pas du son").unwrap();
    let before = snapshot(project.root());
    let run = project
        .run(&["session", "add", "--recording", &recording])
        .failure(2);
    let errors = run.error_lines();
    assert_eq!(errors.len(), 2, "{run}");
    assert!(
        errors[0].starts_with(&format!(
            "{recording}: error: the recording has no title tag, and --title is not given"
        )),
        "{run}"
    );
    assert!(
        errors[1].starts_with(&format!(
            "{recording}: error: the recording has no full date (YYYY-MM-DD) tag, and --date is not given"
        )),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("= hint: give --title \"…\" or tag the recording"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("= hint: give --date YYYY-MM-DD or tag the recording"),
        "{run}"
    );
    assert!(
        run.stderr.contains("2 errors found, nothing was written"),
        "{run}"
    );
    let bare = project
        .run(&["session", "add", "--date", "13/04/2023"])
        .failure(2);
    assert_eq!(bare.error_lines().len(), 2, "{bare}");
    assert!(
        bare.stderr
            .contains("the session has no title: --title is not given"),
        "{bare}"
    );
    assert!(bare.stderr.contains("`13/04/2023` is not a date"), "{bare}");
    let unreadable = project
        .run(&[
            "session",
            "add",
            "--recording",
            "recordings/06-texte.mp3",
            "--title",
            "T",
            "--date",
            "2023-06-01",
        ])
        .failure(2);
    assert!(
        unreadable
            .single_error()
            .starts_with("recordings/06-texte.mp3: error: cannot read the recording: "),
        "{unreadable}"
    );
    assert_same_files(&before, &snapshot(project.root()), "the project");
}

// Issue 11: `check` accepted two sessions naming the same recording, which `session add`
// refused: one rule now, with the same words in both.
#[test]
fn check_and_session_add_refuse_a_recording_two_sessions_name() {
    let project = Project::copy();
    let recording = project.cycle().session(1).recording.clone().unwrap();
    let first = project
        .config()
        .lines()
        .position(|l| l == format!("recording = \"{recording}\""))
        .unwrap()
        + 1;
    let run = project
        .run(&[
            "session",
            "add",
            "--title",
            "Encore",
            "--description",
            "La même.",
            "--date",
            "2023-06-01",
            "--recording",
            &recording,
        ])
        .failure(2);
    let rule = format!("`{recording}` is already the recording of the session on line {first}");
    assert!(
        run.stderr.contains(&format!("config.toml: error: {rule}")),
        "{run}"
    );

    let mut config = project.config();
    config.push_str(&format!(
        "\n[[sessions]]\nid = \"encore\"\nnumber = 6\ndate = \"2023-06-01\"\ntitle = \"Encore\"\ndescription = \"La même.\"\nrecording = \"./{recording}\"\n"
    ));
    project.write_config(&config);
    let second = config.lines().count();
    let run = project.run(&["check"]).failure(1);
    let expected = format!(
        "config.toml:{second}:13: error: `./{recording}` is already the recording of the session on line {first}"
    );
    assert_eq!(run.error_lines(), [expected.as_str()], "{run}");
}

// Issue 11: tag text reached the terminal raw, so a tag could clear or retitle it.
#[test]
fn session_add_shows_the_tags_it_takes_escaped() {
    let project = Project::copy();
    let recording = recording_with_tags(
        &project,
        "07-echappe.mp3",
        &[
            ("title", "Titre\u{1b}]0;pwned\u{7}"),
            ("date", "2023-06-01"),
        ],
    );
    let run = project
        .run(&["session", "add", "--recording", &recording, "--dry-run"])
        .success();
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
        "the tag reached the terminal raw"
    );
    assert!(
        run.stderr
            .contains("title from the recording's tags: « Titre\\u{1b}]0;pwned\\u{7} »"),
        "{run}"
    );
}
