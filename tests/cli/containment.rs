//! Issue #11, items 3 and 8: every file read because of the project passes one containment
//! check (links resolved, inside the project, a regular file) and is opened as the regular
//! file it was checked to be; nothing waits on a FIFO or reads an endless device.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::{self, Project, Run};

/// Longer than any run on the small project takes; a run still going then is hung.
const HANG: Duration = Duration::from_secs(20);

#[track_caller]
fn run_bounded(project: &Project, args: &[&str]) -> Run {
    project.run_bounded(args, HANG)
}

/// Replaces `path` by a FIFO (a named pipe no one writes to).
fn make_fifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Replaces `path` by a symbolic link to `target`.
fn make_link(target: &Path, path: &Path) {
    let _ = std::fs::remove_file(path);
    std::os::unix::fs::symlink(target, path).expect("make a symbolic link");
}

/// A file outside the project whose text must never be published.
fn secret(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Requires the run to fail with an error naming `file` and saying `why`, and `feed/` to
/// hold nothing of `secret`.
#[track_caller]
fn assert_refused(project: &Project, run: &Run, file: &str, why: &str, secret: &[u8]) {
    assert_eq!(run.code, Some(2), "expected exit status 2\n{run}");
    assert!(
        run.error_lines()
            .iter()
            .any(|l| l.contains(file) && l.contains(why)),
        "expected an error naming `{file}` ({why})\n{run}"
    );
    for (path, bytes) in harness::snapshot(&project.feed()) {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "`feed/{path}` holds the secret"
        );
    }
}

const SECRET: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:01.000\nroot:x:0:0:secret\n";

// Issue #11, item 3: the sidecar transcript beside a recording was read through a link.
#[test]
fn refuses_a_sidecar_transcript_linked_outside_the_project() {
    let project = Project::copy();
    let outside = tempfile::tempdir().unwrap();
    let target = secret(&outside, "passwd.vtt", SECRET);
    let sidecar = "recordings/01-non-recours-aux-droits.vtt";
    make_link(&target, &project.path(sidecar));
    let run = run_bounded(&project, &["publish"]);
    assert_refused(
        &project,
        &run,
        sidecar,
        "leads outside the project folder",
        b"secret",
    );
}

// Issue #11, item 3: the same check for a drawing, a report, a theme file and the cover.
#[test]
fn refuses_a_drawing_a_report_a_theme_file_and_a_cover_linked_outside_the_project() {
    let outside = tempfile::tempdir().unwrap();
    let image = harness::source_root().join("drawings/05-cabinets-de-conseil.jpg");
    let image = secret(&outside, "x.jpg", &std::fs::read(image).unwrap());
    let text = secret(&outside, "x.md", b"secret text of the machine");
    for (file, target) in [
        ("drawings/05-cabinets-de-conseil.jpg", &image),
        ("reports/05-cabinets-de-conseil.md", &text),
        ("cover.jpg", &image),
        ("theme/style.css", &text),
    ] {
        let project = Project::copy();
        std::fs::create_dir(project.path("theme")).unwrap();
        project.write_config(&format!(
            "{}\n[page]\ntheme = \"theme\"\n",
            project.config()
        ));
        make_link(target, &project.path(file));
        let run = run_bounded(&project, &["publish"]);
        assert_refused(
            &project,
            &run,
            file,
            "outside the project folder",
            b"secret",
        );
    }
}

// Issue #11, item 8: a cover linked to an endless device is refused and never read.
#[test]
fn refuses_a_cover_linked_to_dev_zero_without_reading_it() {
    let project = Project::copy();
    make_link(Path::new("/dev/zero"), &project.path("cover.jpg"));
    let run = run_bounded(&project, &["publish"]);
    assert_refused(
        &project,
        &run,
        "cover.jpg",
        "outside the project folder",
        b"secret",
    );
}

// Issue #11, item 8: a FIFO where a file is read is refused at once, never waited on.
#[test]
fn refuses_a_fifo_as_cover_theme_file_report_transcript_or_state_without_hanging() {
    for file in [
        "cover.jpg",
        "theme/index.html",
        "reports/05-cabinets-de-conseil.md",
        "recordings/05-cabinets-de-conseil.vtt",
        "feed/.cyclecast-state.json",
        ".cyclecast/state/",
    ] {
        let project = Project::copy();
        std::fs::create_dir(project.path("theme")).unwrap();
        project.write_config(&format!(
            "{}\n[page]\ntheme = \"theme\"\n",
            project.config()
        ));
        let left_by_a_publish = file.starts_with("feed/") || file.starts_with(".cyclecast/");
        if left_by_a_publish {
            project.publish();
        }
        let state;
        let file = if file == ".cyclecast/state/" {
            // The state of the last publish, under its name.
            state = crate::incremental::state_file(&project);
            std::fs::remove_file(&state).unwrap();
            let relative = state.strip_prefix(project.root()).unwrap();
            relative.to_str().unwrap()
        } else {
            file
        };
        make_fifo(&project.path(file));
        let run = run_bounded(&project, &["publish"]);
        if left_by_a_publish && run.code == Some(0) {
            // Without its cache a publish is only slower.
        } else {
            assert_eq!(run.code, Some(2), "{file}\n{run}");
            assert!(
                run.stderr
                    .lines()
                    .any(|l| l.contains(file) && l.contains("not a regular file")),
                "expected an error naming `{file}`\n{run}"
            );
        }
    }
}

// Issue #11, item 8: `probe` on a FIFO.
#[test]
fn probe_refuses_a_fifo_without_hanging() {
    let project = Project::copy();
    make_fifo(&project.path("pipe.mp3"));
    let run = run_bounded(&project, &["probe", "pipe.mp3"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stdout.contains("pipe.mp3"), "{run}");
    assert!(
        run.stdout
            .contains("error: cannot read the file: not a regular file"),
        "{run}"
    );
}

// Issue #11, item 3: a link that stays inside the project is followed, its real file read
// and published.
#[test]
fn publishes_a_cover_and_a_drawing_linked_inside_the_project() {
    let project = Project::copy();
    // About links, not encoding: within the hang limit on a loaded machine.
    project.publish_masters_as_they_are();
    std::fs::create_dir(project.path("art")).unwrap();
    for file in ["cover.jpg", "drawings/05-cabinets-de-conseil.jpg"] {
        let kept = project
            .path("art")
            .join(Path::new(file).file_name().unwrap());
        std::fs::rename(project.path(file), &kept).unwrap();
        make_link(&kept, &project.path(file));
    }
    run_bounded(&project, &["publish"]).success();
    assert_eq!(
        std::fs::read(project.feed().join("cover.jpg")).unwrap(),
        std::fs::read(project.path("art/cover.jpg")).unwrap()
    );
}
