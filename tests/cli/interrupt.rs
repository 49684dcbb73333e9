//! A publish killed at any instant leaves the last good feed, and two publishes never run at
//! once on one folder (DESIGN, invariant 2; issue #6 items 4 and "done when").

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::Project;

const BIN: &str = env!("CARGO_BIN_EXE_cyclecast");

fn start_publish(project: &Project) -> Child {
    Command::new(BIN)
        .arg("publish")
        .current_dir(project.root())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cyclecast publish")
}

/// The feed parses, and every enclosure it names exists with exactly its stated length.
fn assert_feed_is_whole(project: &Project, when: &str) {
    let xml = std::fs::read(project.feed().join("feed.xml"))
        .unwrap_or_else(|e| panic!("{when}: no feed.xml: {e}"));
    let feed = feed_rs::parser::parse(xml.as_slice())
        .unwrap_or_else(|e| panic!("{when}: feed.xml does not parse: {e}"));
    assert_eq!(feed.entries.len(), 5, "{when}");
    for entry in &feed.entries {
        let content = &entry.media[0].content[0];
        let url = content.url.as_ref().unwrap();
        let file = project.feed().join(
            url.path()
                .rsplit_once("/episodes/")
                .map(|(_, f)| format!("episodes/{f}"))
                .unwrap(),
        );
        let length = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{when}: {} is missing: {e}", file.display()))
            .len();
        assert_eq!(Some(length), content.size, "{when}: {}", file.display());
    }
}

// Each round changes every title (so every tagged copy, the feed and the pages are rewritten)
// and kills the publish at a moment spread over its whole run.
#[test]
fn a_publish_killed_at_30_moments_always_leaves_a_whole_feed() {
    let project = Project::copy();
    project.publish();
    let started = Instant::now();
    project.publish();
    // A rewrite of everything takes longer than this no-op; measure one to spread the kills.
    project.replace_in_config(
        "title = \"Dématérialiser",
        "title = \"Round 0 : Dématérialiser",
    );
    let timer = Instant::now();
    project.publish();
    let full = timer
        .elapsed()
        .max(started.elapsed() / 2)
        .max(Duration::from_millis(20));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 1..=30 {
        project.replace_in_config(
            &format!("Round {} : ", round - 1),
            &format!("Round {round} : "),
        );
        let mut child = start_publish(&project);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = full.mul_f64((seed % 1000) as f64 / 1000.0 * 1.2);
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        assert_feed_is_whole(&project, &format!("round {round}, killed after {delay:?}"));
    }
    let run = project.run(&["publish"]).success();
    assert!(run.to_string().contains("published 5 episodes"), "{run}");
    assert_feed_is_whole(&project, "after the last publish");
    let leftovers: Vec<String> = walk(&project.feed())
        .into_iter()
        .filter(|p| p.contains(".cyclecast-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_second_publish_on_the_same_folder_is_refused_naming_the_holder() {
    let project = Project::copy();
    project.publish();
    project.replace_in_config(
        "title = \"Dématérialiser",
        "title = \"Encore : Dématérialiser",
    );
    // Hold the lock as a publish would, then try to publish.
    let lock_path = project.path(".feed.publish-lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    lock.try_lock().expect("nobody holds the lock yet");
    std::fs::write(&lock_path, "cyclecast publish, pid 4242\n").unwrap();
    let before = crate::harness::snapshot(&project.feed());
    let run = project.run(&["publish"]).failure(2);
    assert!(
        run.to_string()
            .contains("is being published by another process (cyclecast publish, pid 4242)"),
        "{run}"
    );
    crate::harness::assert_same_files(
        &before,
        &crate::harness::snapshot(&project.feed()),
        "feed/ while locked",
    );
    drop(lock);
    project.publish();
    assert_feed_is_whole(&project, "after the lock was released");
}

#[test]
fn two_concurrent_publishes_never_corrupt_the_feed() {
    let project = Project::copy();
    project.publish();
    project.replace_in_config(
        "title = \"Dématérialiser",
        "title = \"Ensemble : Dématérialiser",
    );
    let first = start_publish(&project);
    let second = start_publish(&project);
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let succeeded = outputs.iter().filter(|o| o.status.success()).count();
    assert!(succeeded >= 1, "at least one publish succeeds");
    for output in outputs.iter().filter(|o| !o.status.success()) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("is being published by another process"),
            "{stderr}"
        );
    }
    assert_feed_is_whole(&project, "after two concurrent publishes");
    assert!(
        project
            .feed_text("feed.xml")
            .contains("Ensemble : Dématérialiser")
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}
