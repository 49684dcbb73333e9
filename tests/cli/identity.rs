//! `cyclecast.lock`: the podcast's GUID and each published session's GUID, file name and
//! enclosure URL, kept at the project root so that none of them moves once published
//! (issue 6, item 5).

use std::collections::BTreeMap;
use std::fs;

use crate::harness::{Project, attribute, channel, element_text, elements, items, mtimes};

const LOCK: &str = "cyclecast.lock";
const FIRST: &str = "non-recours-aux-droits";
const SECOND: &str = "travail-social-et-administratif";

/// What the feed tells podcast apps: the podcast's GUID, and each item's enclosure URL by
/// its GUID.
struct Identities {
    podcast: String,
    episodes: BTreeMap<String, String>,
}

fn identities(project: &Project) -> Identities {
    let xml = project.feed_text("feed.xml");
    let episodes = items(&xml)
        .into_iter()
        .map(|item| {
            let enclosure = elements(item, "enclosure")[0];
            (
                element_text(item, "guid"),
                attribute(enclosure, "url").expect("an enclosure url"),
            )
        })
        .collect();
    Identities {
        podcast: element_text(channel(&xml), "podcast:guid"),
        episodes,
    }
}

/// The lock, read with the toml crate (not with cyclecast).
fn lock(project: &Project) -> toml::Table {
    fs::read_to_string(project.path(LOCK))
        .expect("publish wrote cyclecast.lock")
        .parse()
        .expect("cyclecast.lock is TOML")
}

/// The lock's `[[sessions]]` entry for `id`.
fn locked<'a>(lock: &'a toml::Table, id: &str) -> &'a toml::Value {
    lock["sessions"]
        .as_array()
        .expect("sessions is an array")
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("`{id}` is not in cyclecast.lock"))
}

/// Swaps the numbers of the first two sessions.
fn swap_first_two(project: &Project) {
    project.replace_in_config(
        &format!("id = \"{FIRST}\"\nnumber = 1\n"),
        &format!("id = \"{FIRST}\"\nnumber = 2\n"),
    );
    project.replace_in_config(
        &format!("id = \"{SECOND}\"\nnumber = 2\n"),
        &format!("id = \"{SECOND}\"\nnumber = 1\n"),
    );
}

/// The files under `feed/episodes/`.
fn episode_files(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(project.feed().join("episodes"))
        .expect("feed/episodes exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn publish_records_every_published_identity_in_cyclecast_lock() {
    let project = Project::copy();
    project.publish();
    let text = fs::read_to_string(project.path(LOCK)).unwrap();
    assert!(text.starts_with("# cyclecast.lock"), "{text}");
    assert!(text.contains("Commit it"), "{text}");
    let lock = lock(&project);
    assert_eq!(lock["version"].as_integer(), Some(1));
    let published = identities(&project);
    assert_eq!(lock["podcast"]["guid"].as_str(), Some(&*published.podcast));

    let sessions = lock["sessions"].as_array().unwrap();
    let recorded = project
        .cycle()
        .sessions
        .iter()
        .filter(|s| s.recording.is_some())
        .count();
    assert_eq!(sessions.len(), recorded, "{text}");
    assert_eq!(sessions.len(), published.episodes.len());
    let base_url = project.cycle().base_url;
    for (session, info) in sessions.iter().zip(&project.cycle().sessions) {
        assert_eq!(session["id"].as_str(), Some(&*info.id), "in session order");
        assert_eq!(session["slug"].as_str(), Some(&*info.stem()));
        let guid = session["guid"].as_str().unwrap();
        let enclosure = session["enclosure"].as_str().unwrap();
        assert_eq!(
            published.episodes.get(guid).map(String::as_str),
            Some(enclosure)
        );
        assert!(
            enclosure.starts_with(&format!("{base_url}episodes/{}.", info.stem())),
            "{enclosure}"
        );
    }

    let again = project.publish();
    assert_eq!(
        fs::read_to_string(project.path(LOCK)).unwrap(),
        text,
        "a second publish writes the same lock\n{again}"
    );
}

#[test]
fn a_renumbered_session_keeps_its_file_url_and_guid_and_check_says_so() {
    let project = Project::copy();
    project.publish();
    let before = identities(&project);
    let files = episode_files(&project);
    let lock_before = fs::read(project.path(LOCK)).unwrap();

    swap_first_two(&project);
    let check = project.run(&["check"]).success();
    assert!(
        check.stderr.contains(&format!(
            "config.toml: warning: session `{FIRST}` is now number 2 but keeps its published file name `01-{FIRST}` (cyclecast.lock); pass `publish --rename {FIRST}` to move it"
        )),
        "{check}"
    );
    assert!(
        check
            .stderr
            .contains(&format!("session `{SECOND}` is now number 1")),
        "{check}"
    );

    project.publish();
    let after = identities(&project);
    assert_eq!(after.episodes, before.episodes, "same GUIDs, same URLs");
    assert_eq!(episode_files(&project), files);
    assert!(
        project
            .feed()
            .join(format!("sessions/01-{FIRST}.html"))
            .exists(),
        "the session page keeps its address too"
    );
    assert_eq!(fs::read(project.path(LOCK)).unwrap(), lock_before);
}

#[test]
fn rename_moves_a_renumbered_session_and_keeps_its_guid() {
    let project = Project::copy();
    project.publish();
    let guid = locked(&lock(&project), FIRST)["guid"]
        .as_str()
        .unwrap()
        .to_string();
    swap_first_two(&project);

    let run = project.run(&["publish", "--rename", FIRST]).success();
    assert!(
        run.stderr.contains("as `--rename` asks"),
        "the move is announced\n{run}"
    );
    let files = episode_files(&project);
    assert!(files.contains(&format!("02-{FIRST}.mp3")), "{files:?}");
    assert!(!files.contains(&format!("01-{FIRST}.mp3")), "{files:?}");
    assert!(
        files.contains(&format!("02-{SECOND}.mp3")),
        "the session not renamed stays: {files:?}"
    );
    let url = format!("{}episodes/02-{FIRST}.mp3", project.cycle().base_url);
    assert_eq!(identities(&project).episodes.get(&guid), Some(&url));

    let lock = lock(&project);
    let entry = locked(&lock, FIRST);
    assert_eq!(entry["guid"].as_str(), Some(&*guid));
    assert_eq!(entry["slug"].as_str(), Some(&*format!("02-{FIRST}")));
    assert_eq!(entry["enclosure"].as_str(), Some(&*url));

    let check = project.run(&["check"]).success();
    assert!(
        !check.stderr.contains(&format!("session `{FIRST}`")),
        "nothing left to say about the renamed session\n{check}"
    );
}

#[test]
fn rename_refuses_a_session_the_config_does_not_have() {
    let project = Project::copy();
    project.publish();
    let run = project
        .run(&["publish", "--rename", "nulle-part"])
        .failure(2);
    assert!(
        run.single_error()
            .contains("`--rename nulle-part`: the config has no session `nulle-part`"),
        "{run}"
    );
}

#[test]
fn a_moved_base_url_warns_and_keeps_the_published_podcast_guid() {
    let project = Project::copy();
    project.publish();
    let before = identities(&project);
    let old = project.cycle().base_url;
    let new = "https://podcasts.mouton-numerique.org/dematerialiser/";
    project.replace_in_config(
        &format!("base_url = \"{old}\""),
        &format!("base_url = \"{new}\""),
    );

    let check = project.run(&["check"]).success();
    let moved = format!(
        "the episode of session `{FIRST}` moves from `{old}episodes/01-{FIRST}.mp3` to `{new}episodes/01-{FIRST}.mp3`"
    );
    assert!(check.stderr.contains(&moved), "{check}");

    project.publish();
    let after = identities(&project);
    assert_eq!(
        after.podcast, before.podcast,
        "podcast:guid stays the locked one"
    );
    let guids = |i: &Identities| i.episodes.keys().cloned().collect::<Vec<_>>();
    assert_eq!(guids(&after), guids(&before), "episode GUIDs stay");
    assert!(after.episodes.values().all(|url| url.starts_with(new)));
    let lock = lock(&project);
    assert_eq!(lock["podcast"]["guid"].as_str(), Some(&*before.podcast));
    assert_eq!(
        locked(&lock, FIRST)["enclosure"].as_str(),
        Some(&*format!("{new}episodes/01-{FIRST}.mp3")),
        "the lock records where the episode now is"
    );
}

#[test]
fn a_guid_written_in_the_config_must_agree_with_the_lock() {
    let project = Project::copy();
    project.publish();
    project.replace_in_config(
        "[podcast]\n",
        "[podcast]\nguid = \"00000000-0000-4000-8000-000000000001\"\n",
    );
    let check = project.run(&["check"]).failure(1);
    assert!(
        check
            .single_error()
            .contains("changing it would orphan every subscriber"),
        "{check}"
    );
}

#[test]
fn losing_feed_changes_no_identity() {
    let project = Project::copy();
    project.publish();
    let before = identities(&project);
    let files = episode_files(&project);
    swap_first_two(&project);
    fs::remove_dir_all(project.feed()).unwrap();

    project.publish();
    let after = identities(&project);
    assert_eq!(after.podcast, before.podcast);
    assert_eq!(after.episodes, before.episodes);
    assert_eq!(episode_files(&project), files);
}

#[test]
fn previews_and_dry_runs_leave_cyclecast_lock_untouched() {
    let project = Project::copy();
    let preview = [
        "publish",
        "--base-url",
        "http://127.0.0.1:9/",
        "--out",
        "preview",
    ];
    project.run(&preview).success();
    assert!(
        !project.path(LOCK).exists(),
        "a preview does not create the lock"
    );

    project.publish();
    let bytes = fs::read(project.path(LOCK)).unwrap();
    let times = mtimes(project.root());
    swap_first_two(&project);
    project.run(&preview).success();
    project
        .run(&["publish", "--dry-run", "--rename", FIRST])
        .success();
    {
        let _server = crate::serve::Server::start(&project, &[]);
    }
    assert_eq!(fs::read(project.path(LOCK)).unwrap(), bytes);
    assert_eq!(mtimes(project.root())[LOCK], times[LOCK], "not rewritten");
}

#[test]
fn a_corrupt_lock_is_an_error_naming_the_file_and_line() {
    let project = Project::copy();
    project.publish();
    let text = fs::read_to_string(project.path(LOCK)).unwrap();
    let slug = format!("slug = \"02-{SECOND}\"");
    let broken = text.replace(&slug, "slug = \"../../etc/passwd\"");
    fs::write(project.path(LOCK), &broken).unwrap();
    let line = crate::harness::position(&broken, "\"../../etc/passwd\"").0;

    let check = project.run(&["check"]).failure(1);
    assert!(
        check
            .single_error()
            .starts_with(&format!("cyclecast.lock:{line}:")),
        "{check}"
    );
    let publish = project.run(&["publish"]).failure(2);
    assert!(
        publish.stderr.contains(&format!("cyclecast.lock:{line}:")),
        "{publish}"
    );
}
