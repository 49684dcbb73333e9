//! The commit's unit tests: generations, ownership, locks, and the state it leaves.

use super::*;

fn text(path: &str, body: &str) -> Output {
    Output::text(path, body.to_string())
}

/// A project folder, and its output folder `feed/` inside it.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("feed");
    (dir, out)
}

fn options(project: &Path, force: bool) -> CommitOptions {
    CommitOptions {
        force,
        jobs: 2,
        project: Some(project.to_path_buf()),
        ..CommitOptions::default()
    }
}

fn commit(out: &Path, media: &[Output], last: &[Output], force: bool) -> Result<Committed> {
    let project = out.parent().unwrap();
    super::commit(out, media, last, options(project, force))
}

#[test]
fn writes_then_leaves_identical_files_alone() {
    let (_dir, out) = project();
    let first = commit(&out, &[], &[text("feed.xml", "<rss/>")], false).unwrap();
    assert_eq!(first.written, ["feed.xml"]);
    let second = commit(&out, &[], &[text("feed.xml", "<rss/>")], false).unwrap();
    assert_eq!(second.unchanged, ["feed.xml"]);
    assert!(second.written.is_empty());
    let third = commit(&out, &[], &[text("feed.xml", "<rss/>\n")], false).unwrap();
    assert_eq!(third.written, ["feed.xml"], "a longer content is a change");
    let fourth = commit(&out, &[], &[text("feed.xml", "<rss/>")], false).unwrap();
    assert_eq!(
        fourth.written,
        ["feed.xml"],
        "a shorter content is a change"
    );
}

#[test]
fn a_commit_that_changes_nothing_writes_nothing() {
    let (_dir, out) = project();
    let outputs = [text("episodes/01-a.mp3", "a"), text("feed.xml", "1")];
    commit(&out, &outputs, &[], false).unwrap();
    let state = crate::output::state::state_path(out.parent().unwrap(), &out);
    let inode = |path: &Path| {
        use std::os::unix::fs::MetadataExt as _;
        fs::metadata(path).unwrap().ino()
    };
    let before = (inode(&out), inode(&out.join("feed.xml")), inode(&state));
    commit(&out, &outputs, &[], false).unwrap();
    let after = (inode(&out), inode(&out.join("feed.xml")), inode(&state));
    assert_eq!(before, after, "no new generation, no new state");
}

// A publish killed after its swap and before its state is written leaves the state of
// the publish before: it must cost only work, never keep a file that is not as recorded.
#[test]
fn a_state_older_than_the_folder_keeps_nothing() {
    let (dir, out) = project();
    let with_recipe = |path: &str, body: &str| Output {
        recipe: Some(format!("recipe of {body}")),
        ..text(path, body)
    };
    let first = [with_recipe("episodes/01-a.mp3", "a"), text("feed.xml", "1")];
    commit(&out, &first, &[], false).unwrap();
    let state = crate::output::state::state_path(dir.path(), &out);
    let older = fs::read(&state).unwrap();
    let recorded = State::load(dir.path(), &out);
    assert!(
        recorded
            .fresh_output(&out, "episodes/01-a.mp3", "recipe of a")
            .is_some()
    );
    let second = [with_recipe("episodes/01-a.mp3", "a"), text("feed.xml", "2")];
    commit(&out, &second, &[], false).unwrap();
    fs::write(&state, older).unwrap();
    let stale = State::load(dir.path(), &out);
    assert_eq!(stale, recorded);
    assert!(
        stale
            .fresh_output(&out, "episodes/01-a.mp3", "recipe of a")
            .is_none(),
        "a file linked into the new generation has a new stamp"
    );
}

#[test]
fn leaves_an_identical_copy_alone() {
    let (dir, out) = project();
    let source = dir.path().join("cover.jpg");
    fs::write(&source, vec![7u8; 100_000]).unwrap();
    let copy = Output::copy("cover.jpg", &source);
    let once = |copy: &Output| commit(&out, std::slice::from_ref(copy), &[], false).unwrap();
    assert_eq!(once(&copy).written, ["cover.jpg"]);
    assert_eq!(once(&copy).unchanged, ["cover.jpg"]);
    fs::write(&source, vec![8u8; 100_000]).unwrap();
    assert_eq!(once(&copy).written, ["cover.jpg"]);
}

#[test]
fn leaves_out_the_files_no_output_names_any_more() {
    let (_dir, out) = project();
    let both = [
        text("episodes/01-a.mp3", "a"),
        text("episodes/02-b.mp3", "b"),
    ];
    commit(&out, &both, &[text("feed.xml", "1")], false).unwrap();
    let done = commit(
        &out,
        &[text("episodes/01-a.mp3", "a")],
        &[text("feed.xml", "2")],
        false,
    )
    .unwrap();
    assert_eq!(done.removed, ["episodes/02-b.mp3"]);
    assert!(!out.join("episodes/02-b.mp3").exists());
    assert!(out.join("episodes/01-a.mp3").exists());
}

#[test]
fn previews_a_commit_without_touching_the_folder() {
    let (dir, out) = project();
    let both = [
        text("episodes/01-a.mp3", "a"),
        text("episodes/02-b.mp3", "b"),
    ];
    commit(&out, &both, &[text("feed.xml", "1")], false).unwrap();
    let planned = preview(
        &out,
        &[text("episodes/01-a.mp3", "a")],
        &[text("feed.xml", "2")],
        &options(dir.path(), false),
    )
    .unwrap();
    assert_eq!(planned.unchanged, ["episodes/01-a.mp3"]);
    assert_eq!(planned.written, ["feed.xml"]);
    assert_eq!(planned.removed, ["episodes/02-b.mp3"]);
    assert_eq!(fs::read_to_string(out.join("feed.xml")).unwrap(), "1");
    assert!(out.join("episodes/02-b.mp3").exists());
}

#[test]
fn refuses_a_second_commit_into_a_locked_folder() {
    let (dir, out) = project();
    let held = Lock::take(&out).unwrap();
    let err = commit(&out, &[], &[text("feed.xml", "x")], false).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("is being published by another process"),
        "{message}"
    );
    assert!(!out.join("feed.xml").exists());
    drop(held);
    commit(&out, &[], &[text("feed.xml", "x")], false).unwrap();
    let beside: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        beside
            .iter()
            .all(|n| n == "feed" || n == ownership::RECORDS_FOLDER),
        "left beside the folder: {beside:?}"
    );
}

// Issue #11: `--out www` over a website overwrote its index.html and emptied images/.
#[test]
fn refuses_foreign_files_and_carries_them_over_with_force() {
    let (dir, _) = project();
    let out = dir.path().join("www");
    fs::create_dir_all(out.join("images")).unwrap();
    fs::write(out.join("images/family-photo.jpg"), "precious").unwrap();
    fs::write(out.join("about.html"), "mine").unwrap();
    let outputs = [text("episodes/01-a.mp3", "a"), text("feed.xml", "x")];
    let err = commit(&out, &outputs, &[], false).unwrap_err().to_string();
    assert!(err.contains("holds `about.html` and 1 other file"), "{err}");
    assert!(!out.join("feed.xml").exists());
    commit(&out, &outputs, &[], true).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("images/family-photo.jpg")).unwrap(),
        "precious"
    );
    assert_eq!(fs::read_to_string(out.join("about.html")).unwrap(), "mine");
    // The next publish drops its own stale files, never the foreign ones.
    commit(&out, &[text("feed.xml", "y")], &[], true).unwrap();
    assert!(!out.join("episodes/01-a.mp3").exists());
    assert!(out.join("images/family-photo.jpg").exists());
}

#[test]
fn never_replaces_a_foreign_file_of_a_name_it_writes() {
    let (dir, _) = project();
    let out = dir.path().join("www");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("index.html"), "their site").unwrap();
    let err = commit(&out, &[], &[text("index.html", "ours")], true).unwrap_err();
    assert!(
        err.to_string().contains("was not written by cyclecast"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(out.join("index.html")).unwrap(),
        "their site"
    );
}

// Issue #11: a committed `feed/episodes -> ../../dir` made a publish write into `dir` and
// delete what was there.
#[test]
fn never_writes_through_a_link_in_the_output_folder() {
    let (dir, out) = project();
    commit(&out, &[text("episodes/01-a.mp3", "a")], &[], false).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::write(elsewhere.join("thesis.docx"), "precious").unwrap();
    fs::remove_dir_all(out.join("episodes")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("episodes")).unwrap();
    let err = commit(&out, &[text("episodes/01-a.mp3", "b")], &[], true).unwrap_err();
    assert!(
        err.to_string()
            .contains("is a symbolic link where cyclecast writes"),
        "{err}"
    );
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 1);
    assert_eq!(
        fs::read_to_string(elsewhere.join("thesis.docx")).unwrap(),
        "precious"
    );
}

#[test]
fn refuses_an_output_folder_that_holds_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    fs::create_dir(&project).unwrap();
    let options = options(&project, true);
    for out in [dir.path(), project.as_path()] {
        let err = super::commit(out, &[], &[text("feed.xml", "x")], options.clone()).unwrap_err();
        assert!(err.to_string().contains("holds the project"), "{err}");
    }
}
