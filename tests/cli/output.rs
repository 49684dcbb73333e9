//! Where `publish` writes: `--base-url` for a preview elsewhere, `--out` for another folder,
//! and a folder that holds something else is left alone unless `--force` is given.

use std::collections::BTreeMap;
use std::fs;

use crate::harness::{
    Project, assert_same_files, attribute, channel, element_text, elements, items, snapshot, stem,
};

/// Each item's GUID by the stem of its enclosure, and each enclosure URL.
fn guids_and_urls(xml: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut guids = BTreeMap::new();
    let mut urls = Vec::new();
    for item in items(xml) {
        let enclosure = elements(item, "enclosure");
        assert_eq!(enclosure.len(), 1);
        let url = attribute(enclosure[0], "url").expect("an enclosure url");
        guids.insert(stem(&url), element_text(item, "guid"));
        urls.push(url);
    }
    (guids, urls)
}

#[test]
fn publishes_a_preview_at_another_address_with_the_same_guids() {
    let project = Project::copy();
    project.publish();
    let preview = "http://127.0.0.1:8123/preview/";
    project
        .run(&["publish", "--base-url", preview, "--out", "preview"])
        .success();

    let main = project.feed_text("feed.xml");
    let staged = crate::harness::read_text(&project.path("preview/feed.xml"));
    let (main_guids, main_urls) = guids_and_urls(&main);
    let (staged_guids, staged_urls) = guids_and_urls(&staged);
    assert_eq!(staged_urls.len(), 5);
    for url in &staged_urls {
        assert!(
            url.starts_with(&format!("{preview}episodes/")),
            "enclosure `{url}` is not under the preview address"
        );
        let file = &url[preview.len()..];
        assert!(
            project.path("preview").join(file).is_file(),
            "{file} missing"
        );
    }
    assert!(
        !staged.contains(&project.cycle().base_url),
        "the preview feed still names the config's address"
    );
    assert_eq!(main_urls.len(), 5);
    assert_eq!(staged_guids, main_guids, "item GUIDs depend on the address");
    assert_eq!(
        element_text(channel(&staged), "podcast:guid"),
        element_text(channel(&main), "podcast:guid"),
        "podcast:guid depends on the address"
    );
}

#[test]
fn writes_into_the_folder_given_with_out() {
    let project = Project::copy();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("site/public");
    project
        .run(&["publish", "--out", out.to_str().unwrap()])
        .success();
    assert!(!project.feed().exists(), "feed/ was written too");
    for file in ["feed.xml", "index.html", "cover.jpg"] {
        assert!(out.join(file).is_file(), "{file} missing from --out");
    }
    let episodes = fs::read_dir(out.join("episodes")).unwrap().count();
    assert_eq!(episodes, 5);
}

#[test]
fn a_foreign_folder_is_refused_before_anything_is_made_for_it() {
    // A fresh clone: no rendition made yet.
    let project = Project::pristine();
    let out = project.path("these");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("thesis.odt"), "four years of work").unwrap();
    let run = project.run(&["publish", "--out", "these"]).failure(2);
    assert!(
        run.stderr
            .contains("it holds `thesis.odt`, which cyclecast did not write"),
        "{run}"
    );
    // Refused before the renditions (minutes of encoding for a long master) were made for
    // a publish that could not land.
    let cache = project.path(".cyclecast/renditions");
    let made: Vec<_> = fs::read_dir(&cache)
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(
        made.iter().all(|name| name == ".lock"),
        "renditions made for a refused publish: {made:?}"
    );
    // A foreign file where cyclecast writes one is named as such: --force would not help.
    fs::write(out.join("index.html"), "<p>the lab's page</p>").unwrap();
    let run = project
        .run(&["publish", "--out", "these", "--force"])
        .failure(2);
    assert!(
        run.stderr.contains("index.html` was not written by cyclecast, and it would write a file of that name: move it"),
        "{run}"
    );
    let made = fs::read_dir(&cache).unwrap().count();
    assert!(made <= 1, "{made} files in the cache");
}

#[test]
fn refuses_a_non_empty_folder_that_holds_no_feed_unless_forced() {
    let project = Project::copy();
    let out = project.path("these");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("thesis.odt"), "four years of work").unwrap();
    let before = snapshot(&out);

    let run = project.run(&["publish", "--out", "these"]).failure(2);
    assert!(
        run.stderr.contains("refusing to publish into") && run.stderr.contains("--force"),
        "{run}"
    );
    assert_same_files(&before, &snapshot(&out), "the foreign folder");

    project
        .run(&["publish", "--out", "these", "--force"])
        .success();
    assert_eq!(
        fs::read_to_string(out.join("thesis.odt")).unwrap(),
        "four years of work"
    );
    assert!(out.join("feed.xml").is_file());
}

#[test]
fn a_dry_run_tells_what_would_change_and_writes_nothing() {
    let project = Project::copy();
    project.publish();
    project.replace_in_config(
        "title = \"Dématérialisation et cabinets de conseil\"",
        "title = \"Dématérialisation et cabinets de conseil (corrigé)\"",
    );
    let before = crate::harness::snapshot(&project.feed());
    let run = project.run(&["publish", "--dry-run"]).success();
    let stderr = run.to_string();
    assert!(
        stderr.contains("would write episodes/05-cabinets-de-conseil.mp3"),
        "{stderr}"
    );
    assert!(stderr.contains("would write feed.xml"), "{stderr}");
    assert!(
        !stderr.contains("would write episodes/01-"),
        "an unchanged episode is not rewritten: {stderr}"
    );
    assert!(stderr.contains("would publish 5 episodes"), "{stderr}");
    crate::harness::assert_same_files(
        &before,
        &crate::harness::snapshot(&project.feed()),
        "feed/ after --dry-run",
    );

    let json: serde_json::Value =
        serde_json::from_str(&project.run(&["publish", "--json"]).success().stdout).unwrap();
    assert_eq!(json["mode"], "write");
    assert_eq!(json["episodes"], 5);
    assert!(
        json["written"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "episodes/05-cabinets-de-conseil.mp3")
    );
    let quiet = project.run(&["publish", "--quiet"]).success();
    assert!(
        quiet.stdout.is_empty() && quiet.error_lines().is_empty(),
        "{quiet}"
    );
}

/// Every file and folder under `dir`, hidden ones included, by path relative to it.
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("list a folder") {
            let path = entry.expect("list a folder").path();
            let relative = path.strip_prefix(dir).expect("inside the folder");
            found.push(relative.to_string_lossy().into_owned());
            if path.symlink_metadata().expect("read an entry").is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Asserts that feed/ holds only what a web server should serve: no hidden file or folder
/// (a state, a generation mark, a temporary file), nothing of cyclecast's own; and that
/// nothing is left beside it.
#[track_caller]
fn assert_only_served_files(project: &Project, when: &str) {
    let served = entries(&project.feed());
    let internal: Vec<&String> = served
        .iter()
        .filter(|path| {
            path.split('/').any(|part| part.starts_with('.'))
                || path.contains("cyclecast")
                || path.ends_with(".json")
                    && !path.starts_with("chapters/")
                    && !path.starts_with("transcripts/")
        })
        .collect();
    assert!(internal.is_empty(), "{when}: feed/ holds {internal:?}");
    assert!(
        served.contains(&"feed.xml".to_string()),
        "{when}: {served:?}"
    );
    let beside: Vec<String> = entries(project.root())
        .into_iter()
        .filter(|path| path.starts_with(".feed"))
        .collect();
    assert!(beside.is_empty(), "{when}: left beside feed/: {beside:?}");
}

// Issue 12: "`feed/` holds nothing but what a web server should serve": the state lives in
// the project's git-ignored `.cyclecast/`, and an older cyclecast's state leaves feed/.
#[test]
fn feed_holds_only_what_a_web_server_should_serve() {
    let project = Project::copy();
    project.publish();
    assert_only_served_files(&project, "after a publish");
    let state = crate::incremental::state_file(&project);
    project.publish();
    assert_only_served_files(&project, "after a republish");
    let title = project.cycle().session(2).title.clone();
    project.replace_in_config(
        &format!("title = \"{title}\""),
        "title = \"Un titre corrigé\"",
    );
    project.publish();
    assert_only_served_files(&project, "after a publish that changed a title");

    // A project an older cyclecast published: its state is in feed/.
    let legacy = project.feed().join(".cyclecast-state.json");
    fs::rename(&state, &legacy).unwrap();
    let run = project.run(&["publish", "--json"]).success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    assert_eq!(report["written"], serde_json::json!([]), "{run}");
    assert_only_served_files(&project, "after a publish over an older cyclecast's");
    assert_eq!(crate::incremental::state_file(&project), state);
    assert!(!legacy.exists());
}

#[test]
fn a_project_copied_elsewhere_publishes_into_its_own_feed_and_still_refuses_foreign_files() {
    let project = Project::copy();
    project.publish();
    let place = tempfile::tempdir().unwrap();
    let copied = place.path().join("copied");
    crate::harness::copy_tree(project.root(), &copied);
    crate::harness::run_in(&copied, &["publish"], &[]).success();
    // Its records still tell its own files from another's.
    fs::write(copied.join("feed/notes.txt"), "mine").unwrap();
    let run = crate::harness::run_in(&copied, &["publish"], &[]).failure(2);
    assert!(run.stderr.contains("notes.txt"), "{run}");
}
