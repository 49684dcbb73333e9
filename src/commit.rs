//! The last stage: the only writer of `feed/`.
//!
//! Every file is written under a temporary name in its final folder, synced, then renamed over
//! the old one, so a reader (or a publish killed midway) never sees half a file. Media files
//! go first, the feed and the pages last, and files no longer referenced are removed only
//! after that: at every instant each enclosure the feed names exists with its stated length.
//! A text output whose bytes are already on disk is not rewritten.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::tag::TagPlan;

/// One file to put in `feed/`.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path under `feed/`, with `/` separators, e.g. `episodes/01-x.mp3`.
    pub path: String,
    /// What goes in it.
    pub content: Content,
}

/// The content of an output file.
#[derive(Debug, Clone)]
pub enum Content {
    /// Rendered text (feed, page).
    Text(String),
    /// A project file copied as it is (cover, drawings).
    Copy(PathBuf),
    /// An episode: a recording, tagged.
    Episode(TagPlan),
}

/// Folders of `feed/` that cyclecast owns: any file in them that is not an output is stale.
const MANAGED_FOLDERS: &[&str] = &[
    "episodes",
    "drawings",
    "chapters",
    "transcripts",
    "images",
    "sessions",
    "radio",
];

/// Files that may sit in an output folder that cyclecast did not write (the repository keeps
/// `feed/` with a `.gitignore` in it).
fn is_foreign_but_harmless(name: &str) -> bool {
    name.starts_with('.') || name == "README.md"
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// Files written, as paths under `feed/`.
    pub written: Vec<String>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Stale files removed.
    pub removed: Vec<String>,
}

/// Writes `media` then `last` (feeds and pages) into `out`, then removes stale files.
/// Refuses a non-empty folder that holds no earlier feed unless `force` is set.
pub fn commit(out: &Path, media: &[Output], last: &[Output], force: bool) -> Result<Committed> {
    let planned: Vec<&str> = media
        .iter()
        .chain(last)
        .filter_map(|o| o.path.split('/').next())
        .collect();
    // Held until the commit returns: a second publish into the same folder is refused.
    let _lock = lock_output(out)?;
    guard_foreign_folder(out, &planned, force)?;
    fs::create_dir_all(out).with_context(|| format!("failed to create `{}`", out.display()))?;
    let mut done = Committed::default();
    for output in media.iter().chain(last) {
        if write_output(out, output)? {
            done.written.push(output.path.clone());
        } else {
            done.unchanged.push(output.path.clone());
        }
    }
    let keep: Vec<&str> = media.iter().chain(last).map(|o| o.path.as_str()).collect();
    done.removed = remove_stale(out, &keep)?;
    Ok(done)
}

/// Takes the output folder's lock: `.<folder>.publish-lock` beside it (not inside, so it is
/// never deployed). The operating system releases it when the process ends, even if killed,
/// so a stale lock cannot block the next publish. The file names the holder for the message.
fn lock_output(out: &Path) -> Result<File> {
    let name = out
        .file_name()
        .map_or_else(|| "feed".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)
        .with_context(|| format!("failed to create `{}`", parent.display()))?;
    let path = parent.join(format!(".{name}.publish-lock"));
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0)?;
            writeln!(file, "cyclecast publish, pid {}", std::process::id())?;
            Ok(file)
        }
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            bail!(
                "`{}` is being published by another process ({}): wait for it to finish",
                out.display(),
                if holder.is_empty() { "unknown" } else { holder }
            )
        }
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("failed to lock `{}`", path.display()))
        }
    }
}

/// Refuses to write into a folder holding files cyclecast would not write, unless it holds an
/// earlier feed or `force` is set: a mistyped `--out` must not litter someone's documents.
fn guard_foreign_folder(out: &Path, planned: &[&str], force: bool) -> Result<()> {
    let Ok(entries) = fs::read_dir(out) else {
        return Ok(());
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let foreign = names
        .iter()
        .any(|n| !is_foreign_but_harmless(n) && !planned.contains(&n.as_str()));
    let ours = names
        .iter()
        .any(|n| n == crate::episode::FEED_FILE || n == "index.html");
    if foreign && !ours && !force {
        bail!(
            "refusing to write into `{}`: it is not empty and holds no earlier feed (pass --force to write there anyway)",
            out.display()
        );
    }
    Ok(())
}

/// Writes one output through a temporary file; returns whether anything was written.
fn write_output(out: &Path, output: &Output) -> Result<bool> {
    let target = out.join(&output.path);
    if already_there(&target, &output.content)? {
        return Ok(false);
    }
    let folder = target
        .parent()
        .expect("outputs live inside the output folder");
    fs::create_dir_all(folder)
        .with_context(|| format!("failed to create `{}`", folder.display()))?;
    let temporary = temporary_name(&target);
    let result = write_file(&temporary, &output.content).and_then(|()| {
        fs::rename(&temporary, &target)
            .with_context(|| format!("failed to rename `{}`", temporary.display()))
    });
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.map(|()| true)
}

fn write_file(path: &Path, content: &Content) -> Result<()> {
    let file =
        File::create(path).with_context(|| format!("failed to create `{}`", path.display()))?;
    let mut writer = BufWriter::with_capacity(256 * 1024, file);
    match content {
        Content::Text(text) => writer.write_all(text.as_bytes())?,
        Content::Copy(source) => {
            let mut input = crate::fs::open(source)?;
            std::io::copy(&mut input, &mut writer)
                .with_context(|| format!("failed to copy `{}`", source.display()))?;
        }
        Content::Episode(plan) => crate::tag::apply(plan, &mut writer)?,
    }
    let file = writer
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    file.sync_all()
        .with_context(|| format!("failed to sync `{}`", path.display()))?;
    Ok(())
}

/// Whether `target` already holds exactly `content`, compared by streaming both (a read
/// costs less than a write, and unchanged files keep their modification time for deploys
/// and HTTP caches).
fn already_there(target: &Path, content: &Content) -> Result<bool> {
    let Ok(existing) = File::open(target) else {
        return Ok(false);
    };
    let mut compare = Comparer {
        existing: std::io::BufReader::new(existing),
        same: true,
    };
    let streamed = match content {
        Content::Text(text) => compare
            .write_all(text.as_bytes())
            .map_err(anyhow::Error::from),
        Content::Copy(source) => crate::fs::open(source).and_then(|mut input| {
            std::io::copy(&mut input, &mut compare)
                .map(drop)
                .map_err(anyhow::Error::from)
        }),
        Content::Episode(plan) => crate::tag::apply(plan, &mut compare),
    };
    match streamed {
        Ok(()) => Ok(compare.same && compare.at_end()),
        // The comparer stops the stream at the first difference.
        Err(_) if !compare.same => Ok(false),
        Err(e) => Err(e),
    }
}

/// A writer that checks that what it is given equals what a reader holds.
struct Comparer<R> {
    existing: R,
    same: bool,
}

impl<R: std::io::Read> Comparer<R> {
    fn at_end(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.existing.read(&mut byte), Ok(0))
    }
}

impl<R: std::io::Read> Write for Comparer<R> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut theirs = vec![0u8; buf.len()];
        let matches = self.existing.read_exact(&mut theirs).is_ok() && theirs == buf;
        if !matches {
            self.same = false;
            return Err(std::io::Error::other("content differs"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `episodes/.01-x.mp3.cyclecast-tmp`: hidden, in the final folder so the rename is atomic.
fn temporary_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.cyclecast-tmp"))
}

/// Removes files of the managed folders that no output names, and leftover temporary files.
fn remove_stale(out: &Path, keep: &[&str]) -> Result<Vec<String>> {
    let stale = stale_files(out, keep);
    for relative in &stale {
        let path = out.join(relative);
        fs::remove_file(&path).with_context(|| format!("failed to remove `{}`", path.display()))?;
    }
    Ok(stale)
}

/// What [`commit`] would do, found without writing, removing or locking anything.
pub fn preview(out: &Path, media: &[Output], last: &[Output]) -> Result<Committed> {
    let mut done = Committed::default();
    for output in media.iter().chain(last) {
        if already_there(&out.join(&output.path), &output.content)? {
            done.unchanged.push(output.path.clone());
        } else {
            done.written.push(output.path.clone());
        }
    }
    let keep: Vec<&str> = media.iter().chain(last).map(|o| o.path.as_str()).collect();
    done.removed = stale_files(out, &keep);
    Ok(done)
}

/// Files of the managed folders that no output names, and leftover temporary files.
fn stale_files(out: &Path, keep: &[&str]) -> Vec<String> {
    let mut removed = Vec::new();
    for folder in std::iter::once("").chain(MANAGED_FOLDERS.iter().copied()) {
        let Ok(entries) = fs::read_dir(out.join(folder)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let relative = if folder.is_empty() {
                name.clone()
            } else {
                format!("{folder}/{name}")
            };
            let temporary = name.ends_with(".cyclecast-tmp");
            let stale = !folder.is_empty()
                && !keep.contains(&relative.as_str())
                && !is_foreign_but_harmless(&name);
            if temporary || stale {
                removed.push(relative);
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(path: &str, body: &str) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Text(body.to_string()),
        }
    }

    #[test]
    fn writes_then_leaves_identical_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let first = commit(dir.path(), &[], &[text("feed.xml", "<rss/>")], false).unwrap();
        assert_eq!(first.written, ["feed.xml"]);
        let second = commit(dir.path(), &[], &[text("feed.xml", "<rss/>")], false).unwrap();
        assert_eq!(second.unchanged, ["feed.xml"]);
        assert!(second.written.is_empty());
        let third = commit(dir.path(), &[], &[text("feed.xml", "<rss/>\n")], false).unwrap();
        assert_eq!(third.written, ["feed.xml"], "a longer content is a change");
        let fourth = commit(dir.path(), &[], &[text("feed.xml", "<rss/>")], false).unwrap();
        assert_eq!(
            fourth.written,
            ["feed.xml"],
            "a shorter content is a change"
        );
    }

    #[test]
    fn leaves_an_identical_copy_alone() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("cover.jpg");
        fs::write(&source, vec![7u8; 100_000]).unwrap();
        let out = dir.path().join("feed");
        let copy = Output {
            path: "cover.jpg".into(),
            content: Content::Copy(source.clone()),
        };
        assert_eq!(
            commit(&out, std::slice::from_ref(&copy), &[], false)
                .unwrap()
                .written,
            ["cover.jpg"]
        );
        assert_eq!(
            commit(&out, std::slice::from_ref(&copy), &[], false)
                .unwrap()
                .unchanged,
            ["cover.jpg"]
        );
        fs::write(&source, vec![8u8; 100_000]).unwrap();
        assert_eq!(
            commit(&out, &[copy], &[], false).unwrap().written,
            ["cover.jpg"]
        );
    }

    #[test]
    fn removes_stale_episodes_after_writing() {
        let dir = tempfile::tempdir().unwrap();
        commit(
            dir.path(),
            &[
                text("episodes/01-a.mp3", "a"),
                text("episodes/02-b.mp3", "b"),
            ],
            &[text("feed.xml", "1")],
            false,
        )
        .unwrap();
        let done = commit(
            dir.path(),
            &[text("episodes/01-a.mp3", "a")],
            &[text("feed.xml", "2")],
            false,
        )
        .unwrap();
        assert_eq!(done.removed, ["episodes/02-b.mp3"]);
        assert!(!dir.path().join("episodes/02-b.mp3").exists());
    }

    #[test]
    fn previews_a_commit_without_touching_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        commit(
            &out,
            &[
                text("episodes/01-a.mp3", "a"),
                text("episodes/02-b.mp3", "b"),
            ],
            &[text("feed.xml", "1")],
            false,
        )
        .unwrap();
        let planned = preview(
            &out,
            &[text("episodes/01-a.mp3", "a")],
            &[text("feed.xml", "2")],
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
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let held = lock_output(&out).unwrap();
        let err = commit(&out, &[], &[text("feed.xml", "x")], false).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("is being published by another process"),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(!out.join("feed.xml").exists());
        drop(held);
        commit(&out, &[], &[text("feed.xml", "x")], false).unwrap();
        assert!(
            dir.path().join(".feed.publish-lock").exists(),
            "the lock sits beside the folder"
        );
    }

    #[test]
    fn refuses_a_folder_that_is_not_a_feed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("thesis.odt"), "precious").unwrap();
        let err = commit(dir.path(), &[], &[text("feed.xml", "x")], false).unwrap_err();
        assert!(err.to_string().contains("refusing to write into"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("thesis.odt")).unwrap(),
            "precious"
        );
        commit(dir.path(), &[], &[text("feed.xml", "x")], true).unwrap();
        assert!(
            dir.path().join("thesis.odt").exists(),
            "top-level files are never removed"
        );
    }
}
