//! README.md's commands, run as a newcomer would run them, so that the README cannot drift
//! from what cyclecast does (issue #10).

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Project, source_root};

const BIN: &str = env!("CARGO_BIN_EXE_cyclecast");

/// The fenced block of README.md that follows `marker`, as its lines.
fn block_after(marker: &str) -> Vec<String> {
    let readme = fs::read_to_string(source_root().join("README.md")).unwrap();
    let after = &readme[readme.find(marker).expect("the marker is in README.md")..];
    let start = after
        .find("```")
        .expect("a fenced block follows the marker");
    let body = &after[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let end = body.find("```").expect("the fenced block ends");
    body[..end].lines().map(str::to_string).collect()
}

/// A folder holding a `cyclecast` that is the binary under test, and a `nano` that writes
/// what an organizer would: each placeholder replaced, the example domain too.
fn tools(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("cyclecast")).unwrap();
    let nano = bin.join("nano");
    fs::write(
        &nano,
        "#!/bin/sh\nsed -i -e 's/ *# À compléter.*$//' -e 's/À compléter[^\"]*/Un texte écrit par les organisatrices/' -e 's/example\\.org/mon-asso.fr/g' \"$1\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(&nano, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Runs `cyclecast serve` as the README line has it, but on a free port; fetches the page
/// and the feed it serves, then stops it.
fn serve_and_fetch(line: &str, cwd: &Path, path: &str) {
    let mut words = line.split_whitespace().skip(1);
    let mut child = Command::new(BIN)
        .args(words.by_ref())
        .args(["--port", "0"])
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", crate::harness::SOURCE_DATE_EPOCH)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut serving = String::new();
    let started = Instant::now();
    while !serving.starts_with("serving ") && started.elapsed() < Duration::from_secs(60) {
        serving.clear();
        if stdout.read_line(&mut serving).unwrap() == 0 {
            break;
        }
    }
    let url = serving.trim().strip_prefix("serving ").map(str::to_string);
    let fetched = url.map(|url| {
        ["", "feed.xml"].map(|file| {
            let response = crate::harness::http_get(format!("{url}{file}")).unwrap();
            (response.status().as_u16(), response.text().unwrap())
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    let [(page, html), (feed, xml)] = fetched.expect("`serve` printed `serving URL`");
    assert_eq!((page, feed), (200, 200), "{path}");
    assert!(html.contains("Première rencontre"), "{html}");
    assert!(xml.contains("<title>Première rencontre</title>"), "{xml}");
}

// Issue #10: README walks a newcomer from nothing to a first cycle published and previewed;
// every line of that walk runs here, in an empty folder, with a real recording.
#[test]
fn the_first_cycle_walk_of_the_readme_works_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(home.join("Enregistrements")).unwrap();
    fs::copy(
        Project::copy().path("recordings/01-non-recours-aux-droits.mp3"),
        home.join("Enregistrements/rencontre-1.mp3"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        tools(dir.path()).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cwd = dir.path().join("work");
    fs::create_dir(&cwd).unwrap();
    let lines = block_after("<!-- tests/cli/readme.rs runs each line of the next block -->");
    assert!(lines.len() >= 8, "{lines:?}");
    for line in &lines {
        if let Some(folder) = line.strip_prefix("cd ") {
            cwd = cwd.join(folder.trim());
            continue;
        }
        if line.starts_with("cyclecast serve") {
            serve_and_fetch(line, &cwd, &path);
            continue;
        }
        let output = Command::new("bash")
            .args(["-c", line])
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("HOME", &home)
            .env("SOURCE_DATE_EPOCH", crate::harness::SOURCE_DATE_EPOCH)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "README line `{line}` failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let feed = fs::read_to_string(cwd.join("feed/feed.xml")).unwrap();
    assert!(
        !feed.contains("À compléter") && !feed.contains("example.org"),
        "{feed}"
    );
    assert!(cwd.join("cyclecast.lock").is_file());
}

// Issue #10: the "After a session" template failed `check` as pasted (placeholder URLs,
// report and drawing files that do not exist).
#[test]
fn the_session_template_of_the_readme_passes_check_as_pasted() {
    let project = Project::copy();
    fs::copy(
        project.path("recordings/01-non-recours-aux-droits.mp3"),
        project.path("recordings/06-mon-sujet.mp3"),
    )
    .unwrap();
    let template: String = block_after("2. Add the session at the end of `config.toml`")
        .iter()
        .map(|l| format!("{}\n", l.strip_prefix("   ").unwrap_or(l)))
        .collect();
    assert!(template.contains("[[sessions]]"), "{template}");
    project.write_config(&format!("{}\n{template}", project.config()));
    let check = project.run(&["check"]).success();
    assert!(check.stderr.contains("ok: 6 sessions"), "{check}");
    assert!(!check.stderr.contains("error"), "{check}");
}
