//! The last stage: the only writer of `feed/`.
//!
//! Every file is written under a temporary name in its final folder, synced, then renamed over
//! the old one, so a reader (or a publish killed midway) never sees half a file. Media files
//! go first, the feed and the pages last, and files no longer referenced are removed only
//! after that: at every instant each enclosure the feed names exists with its stated length.
//! A text output whose bytes are already on disk is not rewritten.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::progress::{FileTask, Progress};
use crate::state::{OutputRecord, SourceRecord, Stamp, State};
use crate::tag::TagPlan;

/// One file to put in `feed/`.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path under `feed/`, with `/` separators, e.g. `episodes/01-x.mp3`.
    pub path: String,
    /// What goes in it.
    pub content: Content,
    /// For a large output, the hash of what it is made from (see [`crate::state::recipe`]):
    /// recorded in the state, so that the next publish can keep it without reading it.
    pub recipe: Option<String>,
}

impl Output {
    /// Rendered text.
    pub fn text(path: &str, text: String) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Text(text),
            recipe: None,
        }
    }

    /// Bytes held in memory (a recording's embedded cover).
    pub fn bytes(path: &str, bytes: Vec<u8>) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Bytes(bytes),
            recipe: None,
        }
    }

    /// A small project file copied as it is.
    pub fn copy(path: &str, source: &Path) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Copy(source.to_path_buf()),
            recipe: None,
        }
    }
}

/// The content of an output file.
#[derive(Debug, Clone)]
pub enum Content {
    /// Rendered text (feed, page).
    Text(String),
    /// Bytes held in memory (a recording's embedded cover).
    Bytes(Vec<u8>),
    /// A project file copied as it is (cover, drawings).
    Copy(PathBuf),
    /// An episode: a recording, tagged.
    Episode(TagPlan),
    /// The file the last publish made, from the same inputs (its recipe and stamp match the
    /// state): neither written nor read.
    Kept,
}

/// How to commit.
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Write into a non-empty folder that holds no earlier feed.
    pub force: bool,
    /// How many media files to write at once.
    pub jobs: usize,
    /// Where progress is shown.
    pub progress: Progress,
    /// The source files as validation found them, for the state file.
    pub sources: BTreeMap<PathBuf, SourceRecord>,
}

impl Default for CommitOptions {
    /// Refuse foreign folders, one job per core, no progress shown, no sources.
    fn default() -> CommitOptions {
        CommitOptions {
            force: false,
            jobs: crate::parallel::default_jobs(),
            progress: Progress::hidden(),
            sources: BTreeMap::new(),
        }
    }
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

/// Writes `media` (several at once) then `last` (feeds and pages, in order) into `out`, then
/// removes stale files, then records the state for the next publish. Refuses a non-empty
/// folder that holds no earlier feed unless `force` is set.
pub fn commit(
    out: &Path,
    media: &[Output],
    last: &[Output],
    options: CommitOptions,
) -> Result<Committed> {
    let planned: Vec<&str> = media
        .iter()
        .chain(last)
        .filter_map(|o| o.path.split('/').next())
        .collect();
    // Held until the commit returns: a second publish into the same folder is refused.
    let _lock = lock_output(out)?;
    guard_foreign_folder(out, &planned, options.force)?;
    fs::create_dir_all(out).with_context(|| format!("failed to create `{}`", out.display()))?;
    let mut done = Committed::default();
    let media_written = write_media(out, media, options.jobs, &options.progress)?;
    let last_written = last
        .iter()
        .map(|output| write_output(out, output, &options.progress))
        .collect::<Result<Vec<bool>>>()?;
    for (output, written) in media
        .iter()
        .chain(last)
        .zip(media_written.into_iter().chain(last_written))
    {
        if written {
            done.written.push(output.path.clone());
        } else {
            done.unchanged.push(output.path.clone());
        }
    }
    let keep: Vec<&str> = media.iter().chain(last).map(|o| o.path.as_str()).collect();
    done.removed = remove_stale(out, &keep)?;
    let state = State {
        cyclecast: crate::state::build_id().to_string(),
        sources: options.sources,
        outputs: output_records(out, media.iter().chain(last)),
    };
    write_output(
        out,
        &Output::text(
            crate::state::STATE_FILE,
            String::from_utf8_lossy(&state.to_bytes()).into_owned(),
        ),
        &Progress::hidden(),
    )?;
    Ok(done)
}

/// Writes the media files, `jobs` at a time; returns, in order, whether each was written.
fn write_media(
    out: &Path,
    media: &[Output],
    jobs: usize,
    progress: &Progress,
) -> Result<Vec<bool>> {
    // Kept files need no work: only the others go to the workers, which first compare each
    // with what is on disk, so that progress announces only the files really written.
    let made: Vec<(usize, Output)> = media
        .iter()
        .enumerate()
        .filter(|(_, o)| !matches!(o.content, Content::Kept))
        .map(|(index, o)| (index, o.clone()))
        .collect();
    let folder = out.to_path_buf();
    let mut stale = Vec::new();
    for ((index, output), there) in crate::parallel::map(jobs, made, move |(index, output)| {
        let there = already_there(&folder.join(&output.path), &output.content);
        ((index, output), there)
    }) {
        if !there? {
            stale.push((index, output));
        }
    }
    if !stale.is_empty() {
        let bytes = stale.iter().map(|(_, o)| planned_len(&o.content)).sum();
        progress.stage("writing", stale.len() as u64, bytes);
    }
    let mut written = vec![false; media.len()];
    let (folder, shown) = (out.to_path_buf(), progress.clone());
    for result in crate::parallel::map(jobs, stale, move |(index, output)| {
        replace(&folder, &output, &shown).map(|()| index)
    }) {
        written[result?] = true;
    }
    Ok(written)
}

/// The recipe and stamp of each output that has a recipe, as it now is on disk.
fn output_records<'a>(
    out: &Path,
    outputs: impl Iterator<Item = &'a Output>,
) -> BTreeMap<String, OutputRecord> {
    outputs
        .filter_map(|output| {
            let recipe = output.recipe.clone()?;
            let stamp = Stamp::of(&out.join(&output.path)).ok()?;
            Some((output.path.clone(), OutputRecord { recipe, stamp }))
        })
        .collect()
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
fn write_output(out: &Path, output: &Output, progress: &Progress) -> Result<bool> {
    if already_there(&out.join(&output.path), &output.content)? {
        return Ok(false);
    }
    replace(out, output, progress).map(|()| true)
}

/// Writes one output under a temporary name, then renames it over the file it replaces.
fn replace(out: &Path, output: &Output, progress: &Progress) -> Result<()> {
    let target = out.join(&output.path);
    // Rendered text is written in a blink: progress follows the media files.
    let shown = match output.content {
        Content::Text(_) => &Progress::hidden(),
        _ => progress,
    };
    let task = shown.file("writing", &output.path, planned_len(&output.content));
    let folder = target
        .parent()
        .expect("outputs live inside the output folder");
    fs::create_dir_all(folder)
        .with_context(|| format!("failed to create `{}`", folder.display()))?;
    let temporary = temporary_name(&target);
    let result = write_file(&temporary, &output.content, &task).and_then(|()| {
        fs::rename(&temporary, &target)
            .with_context(|| format!("failed to rename `{}`", temporary.display()))
    });
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// The size an output will have, for progress.
fn planned_len(content: &Content) -> u64 {
    match content {
        Content::Text(text) => text.len() as u64,
        Content::Bytes(bytes) => bytes.len() as u64,
        Content::Copy(source) => fs::metadata(source).map_or(0, |m| m.len()),
        Content::Episode(plan) => plan.output_len(),
        Content::Kept => 0,
    }
}

fn write_file(path: &Path, content: &Content, task: &FileTask) -> Result<()> {
    let file =
        File::create(path).with_context(|| format!("failed to create `{}`", path.display()))?;
    let mut writer = Counted {
        inner: BufWriter::with_capacity(256 * 1024, file),
        task,
    };
    match content {
        Content::Text(text) => writer.write_all(text.as_bytes())?,
        Content::Bytes(bytes) => writer.write_all(bytes)?,
        Content::Copy(source) => {
            let mut input = crate::fs::open(source)?;
            std::io::copy(&mut input, &mut writer)
                .with_context(|| format!("failed to copy `{}`", source.display()))?;
        }
        Content::Episode(plan) => crate::tag::apply(plan, &mut writer)?,
        Content::Kept => bail!("`{}` was to be kept, not written", path.display()),
    }
    let file = writer
        .inner
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
    if let Content::Kept = content {
        return Ok(true);
    }
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
        Content::Bytes(bytes) => compare.write_all(bytes).map_err(anyhow::Error::from),
        Content::Copy(source) => crate::fs::open(source).and_then(|mut input| {
            std::io::copy(&mut input, &mut compare)
                .map(drop)
                .map_err(anyhow::Error::from)
        }),
        Content::Episode(plan) => crate::tag::apply(plan, &mut compare),
        // Answered above, without opening the file.
        Content::Kept => Ok(()),
    };
    match streamed {
        Ok(()) => Ok(compare.same && compare.at_end()),
        // The comparer stops the stream at the first difference.
        Err(_) if !compare.same => Ok(false),
        Err(e) => Err(e),
    }
}

/// A writer that advances a progress task by what goes through it.
struct Counted<'a, W> {
    inner: W,
    task: &'a FileTask,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.task.advance(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
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
        Output::text(path, body.to_string())
    }

    fn commit(out: &Path, media: &[Output], last: &[Output], force: bool) -> Result<Committed> {
        let options = CommitOptions {
            force,
            jobs: 2,
            ..CommitOptions::default()
        };
        super::commit(out, media, last, options)
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
        let copy = Output::copy("cover.jpg", &source);
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
