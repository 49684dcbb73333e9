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

/// The length the feed states for each episode, by file name.
fn stated_lengths(project: &Project) -> Vec<u64> {
    let xml = std::fs::read(project.feed().join("feed.xml")).unwrap();
    let feed = feed_rs::parser::parse(xml.as_slice()).unwrap();
    feed.entries
        .iter()
        .map(|e| e.media[0].content[0].size.unwrap())
        .collect()
}

/// Round `n`'s title prefix: its length differs from round to round, and so does the tag of
/// every episode and its length.
fn round_prefix(n: usize) -> String {
    format!("Round {n} {} : ", "·".repeat(n * 37 % 211))
}

// Issue #11: the promise is tested under the change that can break it. Each round gives every
// title another length (so every episode changes length, and the feed and pages change too)
// and kills the publish at a moment spread over its whole run.
#[test]
fn a_publish_killed_at_30_moments_always_leaves_a_whole_feed() {
    let project = Project::copy();
    project.publish();
    let started = Instant::now();
    project.publish();
    let before = stated_lengths(&project);
    // A rewrite of everything takes longer than this no-op; measure one to spread the kills.
    project.replace_in_config(
        "title = \"Dématérialiser",
        &format!("title = \"{}Dématérialiser", round_prefix(0)),
    );
    let timer = Instant::now();
    project.publish();
    let full = timer
        .elapsed()
        .max(started.elapsed() / 2)
        .max(Duration::from_millis(20));
    assert_ne!(
        stated_lengths(&project),
        before,
        "a new title changes every length"
    );
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 1..=30 {
        project.replace_in_config(&round_prefix(round - 1), &round_prefix(round));
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
    assert_ne!(stated_lengths(&project), before);
    let leftovers: Vec<String> = walk(&project.feed())
        .into_iter()
        .filter(|p| p.contains(".cyclecast-tmp") || p.contains(".cyclecast-generation"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // Beside the output folder, nothing is left once a publish has ended.
    for beside in [".feed.next", ".feed.publish-lock"] {
        assert!(!project.path(beside).exists(), "{beside} was left behind");
    }
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

/// What `full_disk.sh` runs in a mount namespace of its own, on a tmpfs of 96 MB (the
/// project, its renditions and its feed): publish,
/// fill the disk, republish with longer titles (which fails), check the feed, then free the
/// disk and publish again. It prints one `KEY value` line per fact.
const FULL_DISK_SCRIPT: &str = r#"
set -u
mnt=$1 bin=$2 src=$3
mount -t tmpfs -o size=96m tmpfs "$mnt" || { echo "SKIP mount failed"; exit 0; }
cp -r "$src" "$mnt/project" && cd "$mnt/project" || exit 1
fingerprint() { (cd feed && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
"$bin" publish --quiet || { echo "FIRST failed"; exit 0; }
before=$(fingerprint)
free=$(df --output=avail -k "$mnt" | tail -n 1)
dd if=/dev/zero of="$mnt/filler" bs=1k count=$((free - 400)) status=none
sed -i 's/^title = "/title = "Un titre bien plus long pour que chaque épisode change de taille : /' config.toml
"$bin" publish > "$mnt/log" 2>&1
echo "STATUS $?"
echo "ERROR $(grep -E '^(error|caused by)' "$mnt/log" | tr '\n' ' ')"
[ "$(fingerprint)" = "$before" ] && echo "FEED unchanged"
ls -A "$mnt/project" | grep -q '^\.feed\.' && echo "LEFTOVER $(ls -A "$mnt/project" | grep '^\.feed\.')"
ls -A .cyclecast/renditions | grep -q 'tagging' && echo "LEFTOVER a half-tagged rendition"
rm "$mnt/filler"
"$bin" publish --quiet && echo "AFTER published"
grep -q 'Un titre bien plus long' feed/feed.xml && echo "AFTER new titles"
mkdir "$mnt/mounted" && mount -t tmpfs -o size=1m tmpfs "$mnt/mounted"
"$bin" publish --out "$mnt/mounted" > "$mnt/log2" 2>&1
echo "MOUNT status $? $(grep -c 'it is a mount point' "$mnt/log2") $(ls -A "$mnt/mounted" | wc -l)"
"#;

// Issue #11: on a full disk, episodes were already replaced when `No space left on device`
// stopped the publish, and the error named a recording rather than the output folder.
#[test]
fn a_disk_that_fills_up_midway_leaves_the_last_feed_whole() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n");
    if !root.unwrap_or(false) {
        eprintln!("skipped: mounting a small tmpfs needs root (unshare -m, mount -t tmpfs)");
        return;
    }
    let project = Project::copy();
    let mnt = tempfile::tempdir().unwrap();
    let output = Command::new("unshare")
        .args([
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            FULL_DISK_SCRIPT,
            "sh",
        ])
        .arg(mnt.path())
        .arg(BIN)
        .arg(project.root())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run unshare");
    let facts = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = format!("{facts}\n{}", String::from_utf8_lossy(&output.stderr));
    if facts.starts_with("SKIP") {
        eprintln!("skipped: {report}");
        return;
    }
    assert!(facts.contains("STATUS 2"), "{report}");
    assert!(facts.contains("No space left on device"), "{report}");
    // New titles are written first into the renditions tagged in the project's cache, then
    // into the output's next generation: the error names the file the full disk stopped.
    assert!(
        facts.contains(".feed.next/") || facts.contains(".cyclecast/renditions/"),
        "the error names the file on the full disk\n{report}"
    );
    assert!(facts.contains("FEED unchanged"), "{report}");
    assert!(!facts.contains("LEFTOVER"), "{report}");
    assert!(facts.contains("AFTER published"), "{report}");
    assert!(facts.contains("AFTER new titles"), "{report}");
    // A mount point cannot be swapped with a folder beside it: refused before any write.
    assert!(facts.contains("MOUNT status 2 1 0"), "{report}");
}
