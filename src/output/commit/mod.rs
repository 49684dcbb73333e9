//! The last stage: the only writer of the output folder (`feed/`).
//!
//! A publish never changes the served folder file by file. It builds the new generation
//! beside it, in `.<name>.next/` (see `generation.rs`): files whose bytes did not change are
//! hard-linked from the current generation, the others written and synced; then one
//! `renameat2(RENAME_EXCHANGE)` swaps the two folders, and the old generation is removed. A
//! reader, a publish killed at any instant and a full disk all see the old site or the new
//! one, never a mix: every enclosure the feed names exists with the length the feed states.
//! A publish that changes nothing builds no generation and writes nothing.
//!
//! cyclecast removes or replaces only what it wrote itself ([`ownership`]): anything else in
//! the output folder is foreign, and the publish is refused, or with `--force` the foreign
//! files are carried over untouched. Nothing is written, renamed over or removed through a
//! symbolic link.

mod generation;
pub mod ownership;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::audio::tag::TagPlan;
use crate::output::state::{OutputRecord, State};
use crate::project::sources::{SourceRecord, Stamp};
use crate::support::progress::{FileTask, Progress};
use crate::support::stream::SameBytes;

use generation::{Generation, Lock};
use ownership::{Kind, Owned, Records, Tree};

/// One file to put in `feed/`.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path under `feed/`, with `/` separators, e.g. `episodes/01-x.mp3`.
    pub path: String,
    /// What goes in it.
    pub content: Content,
    /// For a large output, the hash of what it is made from (see [`crate::output::state::recipe`]):
    /// recorded in the state, so that the next publish can keep it without reading it.
    pub recipe: Option<String>,
    /// Its Subresource Integrity digest, when the feed states one: recorded in the state
    /// with the recipe, so that a kept file is not read to state it again.
    pub integrity: Option<String>,
}

impl Output {
    /// Rendered text.
    pub fn text(path: &str, text: String) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Text(text),
            recipe: None,
            integrity: None,
        }
    }

    /// Bytes held in memory (a recording's embedded cover).
    pub fn bytes(path: &str, bytes: Vec<u8>) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Bytes(bytes),
            recipe: None,
            integrity: None,
        }
    }

    /// A small project file copied as it is.
    pub fn copy(path: &str, source: &Path) -> Output {
        Output {
            path: path.to_string(),
            content: Content::Copy(source.to_path_buf()),
            recipe: None,
            integrity: None,
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
    /// A finished file of the project's cache (a tagged rendition, which nothing writes
    /// again), hard-linked into the output: copied only where the file system has no links.
    Linked(PathBuf),
    /// The file the last publish made, from the same inputs (its recipe and stamp match the
    /// state): neither written nor read.
    Kept,
}

/// How to commit.
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Publish into a folder that holds files cyclecast did not write, carrying them over.
    pub force: bool,
    /// How many media files to write at once.
    pub jobs: usize,
    /// Where progress is shown.
    pub progress: Progress,
    /// The source files as validation found them, for the state.
    pub sources: BTreeMap<PathBuf, SourceRecord>,
    /// The project folder, whose `.cyclecast/` records what cyclecast wrote into each output
    /// folder and keeps the state of the last publish there; `None` for a folder made for
    /// this publish alone (a preview), whose record and state would outlive it.
    pub project: Option<PathBuf>,
}

impl Default for CommitOptions {
    /// Refuse foreign files, one job per core, no progress shown, no sources, no records.
    fn default() -> CommitOptions {
        CommitOptions {
            force: false,
            jobs: crate::support::parallel::default_jobs(),
            progress: Progress::hidden(),
            sources: BTreeMap::new(),
            project: None,
        }
    }
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// Files written, as paths under `feed/`.
    pub written: Vec<String>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Files cyclecast had written that no output names any more: left out of the new
    /// generation.
    pub removed: Vec<String>,
}

/// What is in the output folder, and what becomes of each thing there.
struct Survey {
    /// The output folder, absolute.
    out: PathBuf,
    tree: Tree,
    owned: Owned,
    /// Files cyclecast wrote that no output names any more.
    stale: Vec<String>,
    /// Everything else that is not an output, carried over under `--force`.
    foreign: Vec<String>,
}

impl Survey {
    /// Reads the output folder and sorts what it holds; refuses a folder that holds a link,
    /// a FIFO or a foreign file where cyclecast writes, or foreign files without `force`.
    fn take(
        out: &Path,
        outputs: &[&Output],
        project: Option<&Path>,
        force: bool,
    ) -> Result<Survey> {
        let out = absolute(out)?;
        if let Some(project) = project {
            refuse_holding(&out, project)?;
        }
        let records = project.map(Records::of_project);
        let tree = Tree::read(&out)?;
        let planned: BTreeSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        let owned = match records.map(|r| r.load(&out)).transpose()?.flatten() {
            Some(owned) => owned,
            None => Owned::legacy(crate::output::output_name(project, &out), &tree, &planned),
        };
        let folders: BTreeSet<&str> = planned
            .iter()
            .flat_map(|path| path.match_indices('/').map(|(i, _)| &path[..i]))
            .collect();
        let mut stale = Vec::new();
        let mut foreign = Vec::new();
        for (path, kind) in &tree.entries {
            if ownership::is_internal(path) && *kind == Kind::File {
                continue;
            }
            let shown = || out.join(path).display().to_string();
            let ours = owned.owns(path);
            match kind {
                Kind::Link
                    if planned.contains(path.as_str()) || folders.contains(path.as_str()) =>
                {
                    bail!(
                        "`{}` is a symbolic link where cyclecast writes: it never writes through one; remove it",
                        shown()
                    )
                }
                Kind::Folder if planned.contains(path.as_str()) => {
                    bail!(
                        "`{}` is a folder where cyclecast writes a file: remove it",
                        shown()
                    )
                }
                Kind::File | Kind::Other if folders.contains(path.as_str()) => {
                    bail!(
                        "`{}` is in the way of the folder cyclecast writes there: remove it",
                        shown()
                    )
                }
                Kind::Other if planned.contains(path.as_str()) || ours => {
                    bail!("`{}` is not a regular file: remove it", shown())
                }
                Kind::File if planned.contains(path.as_str()) && !ours => bail!(
                    "`{}` was not written by cyclecast, and it would write a file of that name: move it, or publish elsewhere with --out",
                    shown()
                ),
                Kind::Folder => {}
                _ if planned.contains(path.as_str()) => {}
                _ if ours => stale.push(path.clone()),
                _ => foreign.push(path.clone()),
            }
        }
        // Folders holding only foreign files are carried over with them; empty foreign
        // folders too, with --force.
        let foreign_folders = tree.entries.iter().filter(|(path, kind)| {
            **kind == Kind::Folder
                && !folders.contains(path.as_str())
                && !tree
                    .entries
                    .keys()
                    .any(|p| p.starts_with(&format!("{path}/")))
        });
        foreign.extend(foreign_folders.map(|(path, _)| path.clone()));
        foreign.sort();
        if !force && !foreign.is_empty() {
            return Err(foreign_refusal(&out, &foreign));
        }
        Ok(Survey {
            out,
            tree,
            owned,
            stale,
            foreign,
        })
    }

    /// Whether the current generation holds `path` as a regular file.
    fn has_file(&self, path: &str) -> bool {
        self.tree.entries.get(path) == Some(&Kind::File)
    }
}

/// Refuses, before anything is made for it, an output folder that holds the project, that is
/// not a folder or is a symbolic link, that holds a foreign file where cyclecast always writes
/// one (`index.html`, `feed.xml`: even with `force`), or that holds files
/// cyclecast did not write there (unless `force`): the commit would refuse it once every
/// rendition is encoded. The records of `project` say what cyclecast wrote there. Left
/// to the commit, which knows every file this publish writes: a folder of cyclecast 0.1
/// (no record), and empty foreign folders (a folder this publish fills is not foreign).
pub fn refuse_foreign(out: &Path, project: &Path, force: bool) -> Result<()> {
    let out = absolute(out)?;
    refuse_holding(&out, project)?;
    let tree = Tree::read(&out)?;
    if tree.entries.is_empty() {
        return Ok(());
    }
    let owned = match Records::of_project(project).load(&out)? {
        Some(owned) => owned,
        None if tree.entries.get(crate::output::state::LEGACY_STATE_FILE) == Some(&Kind::File) => {
            return Ok(());
        }
        None => Owned::legacy(String::new(), &tree, &BTreeSet::new()),
    };
    let foreign: Vec<String> = tree
        .entries
        .iter()
        .filter(|&(path, kind)| *kind != Kind::Folder && !owned.owns(path))
        .map(|(path, _)| path.clone())
        .collect();
    if let Some(in_the_way) = foreign.iter().find(|path| ownership::always_written(path)) {
        bail!(
            "`{}` was not written by cyclecast, and it would write a file of that name: move it, or publish elsewhere with --out",
            out.join(in_the_way).display()
        );
    }
    match foreign.is_empty() || force {
        true => Ok(()),
        false => Err(foreign_refusal(&out, &foreign)),
    }
}

/// Refuses an output folder (absolute) that holds the project: a publish replaces it whole.
fn refuse_holding(out: &Path, project: &Path) -> Result<()> {
    if absolute(project)?.starts_with(out) {
        bail!(
            "refusing to publish into `{}`: it holds the project, and a publish replaces its output folder whole",
            out.display()
        );
    }
    Ok(())
}

/// Why a publish into `out`, which holds the `foreign` files (sorted), is refused.
fn foreign_refusal(out: &Path, foreign: &[String]) -> anyhow::Error {
    anyhow::anyhow!(
        "refusing to publish into `{}`: it holds `{}`{}, which cyclecast did not write (pass --force to publish beside foreign files, which are carried over untouched)",
        out.display(),
        foreign[0],
        match foreign.len() - 1 {
            0 => String::new(),
            1 => " and 1 other file".to_string(),
            n => format!(" and {n} other files"),
        }
    )
}

/// The absolute path of an output folder that may not exist yet.
fn absolute(out: &Path) -> Result<PathBuf> {
    std::path::absolute(out).with_context(|| format!("failed to resolve `{}`", out.display()))
}

/// Publishes `media` and `last` into `out` as one new generation (see the module's doc), then
/// records what cyclecast owns there and the state for the next publish, in the project.
pub fn commit(
    out: &Path,
    media: &[Output],
    last: &[Output],
    options: CommitOptions,
) -> Result<Committed> {
    let outputs: Vec<&Output> = media.iter().chain(last).collect();
    // Held until the commit returns: a second publish into the same folder is refused.
    let _lock = Lock::take(out)?;
    let records = options.project.as_deref().map(Records::of_project);
    let survey = Survey::take(out, &outputs, options.project.as_deref(), options.force)?;
    let unchanged = unchanged_outputs(&survey, &outputs, options.jobs)?;
    let mut done = Committed {
        removed: survey.stale.clone(),
        ..Committed::default()
    };
    for (output, same) in outputs.iter().zip(&unchanged) {
        let list = if *same {
            &mut done.unchanged
        } else {
            &mut done.written
        };
        list.push(output.path.clone());
    }
    let owned = Owned {
        out: crate::output::output_name(options.project.as_deref(), &survey.out),
        files: outputs.iter().map(|o| o.path.clone()).collect(),
    };
    // A file of cyclecast's own left in the folder (an older cyclecast's state, a killed
    // publish's mark) is left out of a new generation.
    let leftovers = survey.tree.files().any(ownership::is_internal);
    if !done.written.is_empty() || !done.removed.is_empty() || !survey.tree.exists || leftovers {
        if let Some(records) = &records {
            // Before the swap, what either generation holds: a publish killed after it still
            // knows every file of the folder as its own.
            let mut both = owned.clone();
            both.files.extend(survey.owned.files.iter().cloned());
            records.save(&both)?;
        }
        let next = Generation::start(&survey.out)?;
        let to_write: Vec<Output> = outputs
            .iter()
            .zip(&unchanged)
            .filter(|(_, same)| !**same)
            .map(|(output, _)| (*output).clone())
            .collect();
        write_all(next.path(), to_write, options.jobs, &options.progress)?;
        let kept = outputs
            .iter()
            .zip(&unchanged)
            .filter(|(_, same)| **same)
            .map(|(output, _)| output.path.as_str());
        for path in kept.chain(survey.foreign.iter().map(String::as_str)) {
            carry_over(&survey, next.path(), path)?;
        }
        next.swap_into(&survey.out, survey.tree.exists)?;
    }
    if let Some(records) = &records
        && records.load(&survey.out)?.as_ref() != Some(&owned)
    {
        records.save(&owned)?;
    }
    generation::clear_mark(&survey.out)?;
    // Stamps are taken now: linking files into a generation and removing the old one both
    // move their change time. A folder made for this publish alone keeps no state.
    if let Some(project) = &options.project {
        let state = State {
            cyclecast: crate::output::state::build_id().to_string(),
            sources: options.sources,
            outputs: output_records(&survey.out, outputs.iter().copied()),
        };
        state.save(project, &survey.out)?;
    }
    Ok(done)
}

/// Which outputs the current generation already holds byte for byte, compared `jobs` at a
/// time.
fn unchanged_outputs(survey: &Survey, outputs: &[&Output], jobs: usize) -> Result<Vec<bool>> {
    let compared: Vec<(PathBuf, Content)> = outputs
        .iter()
        .filter(|o| survey.has_file(&o.path))
        .map(|o| (survey.out.join(&o.path), o.content.clone()))
        .collect();
    let mut same = crate::support::parallel::map(jobs, compared, |(target, content)| {
        already_there(&target, &content)
    })
    .into_iter();
    outputs
        .iter()
        .map(|o| match (survey.has_file(&o.path), &o.content) {
            (false, Content::Kept) => bail!("`{}` was to be kept, but it is gone", o.path),
            (false, _) => Ok(false),
            (true, _) => same.next().expect("one result per file compared"),
        })
        .collect()
}

/// Writes outputs into the next generation, `jobs` at a time.
fn write_all(next: &Path, outputs: Vec<Output>, jobs: usize, progress: &Progress) -> Result<()> {
    let shown: Vec<&Output> = outputs
        .iter()
        .filter(|o| !matches!(o.content, Content::Text(_)))
        .collect();
    if !shown.is_empty() {
        let bytes = shown.iter().map(|o| planned_len(&o.content)).sum();
        progress.stage("writing", shown.len() as u64, bytes);
    }
    let (folder, progress) = (next.to_path_buf(), progress.clone());
    crate::support::parallel::map(jobs, outputs, move |output| {
        write_new(&folder, &output, &progress)
    })
    .into_iter()
    .collect()
}

/// Writes one output as a new file of the next generation.
fn write_new(next: &Path, output: &Output, progress: &Progress) -> Result<()> {
    let target = next.join(&output.path);
    // Rendered text is written in a blink: progress follows the media files.
    let shown = match output.content {
        Content::Text(_) => &Progress::hidden(),
        _ => progress,
    };
    let task = shown.file("writing", &output.path, planned_len(&output.content));
    if let Some(folder) = target.parent() {
        fs::create_dir_all(folder)
            .with_context(|| format!("failed to create `{}`", folder.display()))?;
    }
    match &output.content {
        Content::Linked(source) => link_file(source, &target, &task),
        content => write_file(&target, content, &task),
    }
}

/// Hard-links a file of the cache as a new file of the next generation, or copies it where
/// the file system has no link between the two (another disk). Only a regular file is
/// linked: a symbolic link put in the cache's place is refused, never followed or copied.
fn link_file(source: &Path, target: &Path, task: &FileTask) -> Result<()> {
    let metadata = fs::symlink_metadata(source)
        .with_context(|| format!("cannot read `{}`", source.display()))?;
    if !metadata.is_file() {
        bail!("`{}` is not a regular file", source.display());
    }
    if fs::hard_link(source, target).is_err() {
        write_file(target, &Content::Copy(source.to_path_buf()), task)?;
    }
    task.advance(metadata.len());
    Ok(())
}

/// Puts a file of the current generation into the next one: a hard link, or a copy where the
/// file system has none; a foreign link is made again as it is, never followed.
fn carry_over(survey: &Survey, next: &Path, path: &str) -> Result<()> {
    let (from, to) = (survey.out.join(path), next.join(path));
    if let Some(folder) = to.parent() {
        fs::create_dir_all(folder)
            .with_context(|| format!("failed to create `{}`", folder.display()))?;
    }
    let carried = match survey.tree.entries.get(path) {
        Some(Kind::File) => fs::hard_link(&from, &to).or_else(|_| fs::copy(&from, &to).map(drop)),
        Some(Kind::Link) => {
            fs::read_link(&from).and_then(|target| std::os::unix::fs::symlink(target, &to))
        }
        Some(Kind::Folder) => fs::create_dir_all(&to),
        _ => bail!(
            "cannot carry `{}` over: it is not a regular file, a folder or a link",
            from.display()
        ),
    };
    carried.with_context(|| {
        format!(
            "failed to carry `{}` over into `{}`",
            from.display(),
            next.display()
        )
    })
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
            let integrity = output.integrity.clone();
            let record = OutputRecord {
                recipe,
                stamp,
                integrity,
            };
            Some((output.path.clone(), record))
        })
        .collect()
}

/// What [`commit`] would do, found without writing, removing or locking anything; refuses
/// what it would refuse.
pub fn preview(
    out: &Path,
    media: &[Output],
    last: &[Output],
    options: &CommitOptions,
) -> Result<Committed> {
    let outputs: Vec<&Output> = media.iter().chain(last).collect();
    let survey = Survey::take(out, &outputs, options.project.as_deref(), options.force)?;
    let unchanged = unchanged_outputs(&survey, &outputs, options.jobs)?;
    let mut done = Committed {
        removed: survey.stale.clone(),
        ..Committed::default()
    };
    for (output, same) in outputs.iter().zip(unchanged) {
        let list = if same {
            &mut done.unchanged
        } else {
            &mut done.written
        };
        list.push(output.path.clone());
    }
    Ok(done)
}

/// The size an output will have, for progress.
fn planned_len(content: &Content) -> u64 {
    match content {
        Content::Text(text) => text.len() as u64,
        Content::Bytes(bytes) => bytes.len() as u64,
        Content::Copy(source) | Content::Linked(source) => {
            fs::metadata(source).map_or(0, |m| m.len())
        }
        Content::Episode(plan) => plan.output_len(),
        Content::Kept => 0,
    }
}

/// Writes a new file (never an existing one, never through a link) and syncs it. Errors name
/// the file written, in the folder whose disk may be full.
fn write_file(path: &Path, content: &Content, task: &FileTask) -> Result<()> {
    let failed = || format!("failed to write `{}`", path.display());
    let file = File::create_new(path).with_context(failed)?;
    let mut writer = Counted {
        inner: BufWriter::with_capacity(256 * 1024, file),
        task,
    };
    match content {
        Content::Text(text) => writer.write_all(text.as_bytes()).with_context(failed)?,
        Content::Bytes(bytes) => writer.write_all(bytes).with_context(failed)?,
        Content::Copy(source) | Content::Linked(source) => {
            let mut input = crate::support::fs::open_regular(source)?;
            std::io::copy(&mut input, &mut writer).with_context(|| {
                format!(
                    "failed to copy `{}` to `{}`",
                    source.display(),
                    path.display()
                )
            })?;
        }
        Content::Episode(plan) => {
            crate::audio::tag::apply(plan, &mut writer).with_context(failed)?
        }
        Content::Kept => bail!("`{}` was to be kept, not written", path.display()),
    }
    let file = writer
        .inner
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(failed)?;
    file.sync_all().with_context(failed)?;
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
    if let Content::Linked(source) = content
        && is_same_file(&existing, source)
    {
        return Ok(true);
    }
    let mut compare = SameBytes::new(std::io::BufReader::new(existing));
    let streamed = match content {
        Content::Text(text) => compare
            .write_all(text.as_bytes())
            .map_err(anyhow::Error::from),
        Content::Bytes(bytes) => compare.write_all(bytes).map_err(anyhow::Error::from),
        Content::Copy(source) | Content::Linked(source) => crate::support::fs::open_regular(source)
            .and_then(|mut input| {
                std::io::copy(&mut input, &mut compare)
                    .map(drop)
                    .map_err(anyhow::Error::from)
            }),
        Content::Episode(plan) => crate::audio::tag::apply(plan, &mut compare),
        // Answered above, without opening the file.
        Content::Kept => Ok(()),
    };
    match streamed {
        Ok(()) => Ok(compare.matched_whole()),
        // The comparer stops the stream at the first difference.
        Err(_) if compare.differs() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether an open file and the file at `path` are one (hard links of one inode).
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
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

#[cfg(test)]
mod tests;
