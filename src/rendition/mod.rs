//! The rendition stage: each master → the files each audience gets, made once.
//!
//! - [`plan`](mod@plan) (pure): from a master's figures, loudness and the `[renditions]` settings, what
//!   to make of it (the podcast MP3 unless a ready MP3 or M4A is published as it is, the light
//!   MP3, the broadcast WAV or FLAC and MP3), in chains that share one normalized signal, each
//!   file named by a key of everything it is made from;
//! - [`make`](mod@make): the missing files, made into the project's `.cyclecast/renditions/` (never in
//!   the output folder, so previews and a lost `feed/` encode nothing again), `jobs` masters
//!   at once, each decoded once per pass.
//!
//! The files made carry no tags. Publishing tags each once more into the cache
//! ([`make_tagged`]), under a name of its own for each set of tags, which the output folder
//! hard-links: a changed title re-tags without re-encoding, and a preview, another output
//! folder or a lost `feed/` writes no audio at all. Nothing is ever written into a file of the
//! cache: a file is made whole under a temporary name, then renamed to its own.
//!
//! May use [`crate::project`] (the loaded project), [`crate::audio`] (decoding, processing,
//! encoding), [`crate::support`] and [`crate::model`].

pub mod correct;
pub mod make;
pub mod plan;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

use crate::audio::tag::TagPlan;
use crate::model::problem::Problem;
use crate::model::rendition::{AsIs, Enclosure};
use crate::project::load::Project;
use crate::rendition::plan::{Master, MasterPlan, Role};
use crate::support::progress::Progress;
use crate::support::stream::Tee;

/// The folder of the project's `.cyclecast/` that holds the renditions.
pub const CACHE_FOLDER: &str = "renditions";

/// What is made of one session's recording.
#[derive(Debug, Clone)]
pub struct SessionRenditions {
    /// The session's number.
    pub session: u32,
    /// How its recording becomes the enclosure.
    pub enclosure: Enclosure,
    /// What is made of its recording, if anything.
    pub recording: Option<MasterPlan>,
    /// What is made of each of its rebroadcasts' radio edits, by the edit's path.
    pub edits: Vec<(PathBuf, Option<MasterPlan>)>,
}

/// Every session's renditions, and where they are kept.
#[derive(Debug, Clone)]
pub struct Renditions {
    /// The cache folder, `<project>/.cyclecast/renditions/`.
    pub cache: PathBuf,
    /// Each recorded session's, in session order.
    pub sessions: Vec<SessionRenditions>,
}

impl Renditions {
    /// A session's.
    pub fn of(&self, session: u32) -> Option<&SessionRenditions> {
        self.sessions.iter().find(|s| s.session == session)
    }

    /// The cache file of a master's rendition for `role`, when the plan makes one.
    pub fn file(&self, plan: Option<&MasterPlan>, role: Role) -> Option<PathBuf> {
        let job = plan?.jobs().find(|job| job.role == role)?;
        Some(self.cache.join(job.file_name()))
    }

    /// Every plan, recordings' and radio edits'.
    pub fn plans(&self) -> impl Iterator<Item = &MasterPlan> {
        self.sessions.iter().flat_map(|s| {
            s.recording
                .iter()
                .chain(s.edits.iter().filter_map(|(_, plan)| plan.as_ref()))
        })
    }
}

/// Plans every master's renditions (pure): what the load stage measured decides the gains,
/// the channels and whether a ready file is published as it is.
pub fn plan(project: &Project) -> Renditions {
    let root = &project.config.root;
    let settings = &project.config.cycle.renditions;
    let sessions = project
        .recorded()
        .map(|(session, recording, audio)| {
            let measured = project.measurement(&recording.path);
            let enclosure = project
                .enclosures
                .get(&session.number)
                .cloned()
                .unwrap_or(Enclosure::AsIs(AsIs::Unmeasured));
            let stamp = project.source_stamp(&recording.path);
            let master = measured.zip(stamp).map(|(measured, stamp)| Master {
                path: &recording.path,
                hash: &recording.hash,
                stamp,
                audio,
                measured,
            });
            let plan = master.and_then(|m| plan::recording(m, &enclosure, settings));
            let edits = session
                .rebroadcasts
                .iter()
                .filter_map(|r| r.file.as_ref())
                .map(|path| (path.clone(), edit_plan(project, path)))
                .collect();
            SessionRenditions {
                session: session.number,
                enclosure,
                recording: plan,
                edits,
            }
        })
        .collect();
    Renditions {
        cache: cache_folder(root),
        sessions,
    }
}

/// The broadcast renditions of a radio edit.
fn edit_plan(project: &Project, path: &Path) -> Option<MasterPlan> {
    let (_, audio) = project.renditions.iter().find(|(p, _)| p == path)?;
    let master = Master {
        path,
        hash: project.source_hash(path)?,
        stamp: project.source_stamp(path)?,
        audio,
        measured: project.measurement(path)?,
    };
    plan::radio_edit(master, &project.config.cycle.renditions)
}

/// `<project>/.cyclecast/renditions/`.
pub fn cache_folder(root: &Path) -> PathBuf {
    root.join(crate::model::layout::PROJECT_FOLDER)
        .join(CACHE_FOLDER)
}

/// The cache's lock, held by a publish from the first file it makes in the cache to its last
/// prune: two publishes of one project (`serve` and a publish, two terminals) take turns with
/// the cache, so that neither prunes what the other is making, tagging or linking. The
/// operating system releases it when the process ends, even if killed.
#[derive(Debug)]
pub struct CacheLock {
    _file: std::fs::File,
}

/// The name of the lock file, in the cache folder (not a cache name: prune leaves it).
const LOCK_FILE: &str = ".lock";

/// Waits for the cache's lock and takes it, when there is a cache to use: renditions to make
/// or a cache folder to prune. The folders are checked on the way, never followed through a
/// symbolic link.
pub fn lock_cache(renditions: &Renditions) -> Result<Option<CacheLock>> {
    let project_folder = renditions
        .cache
        .parent()
        .expect("the cache is in .cyclecast/");
    let in_use =
        renditions.plans().next().is_some() || std::fs::symlink_metadata(&renditions.cache).is_ok();
    if !in_use {
        return Ok(None);
    }
    crate::support::fs::create_real_dir(project_folder)?;
    crate::support::fs::create_real_dir(&renditions.cache)?;
    let path = renditions.cache.join(LOCK_FILE);
    let file = {
        use std::os::unix::fs::OpenOptionsExt as _;
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(crate::support::fs::no_follow_flags())
            .open(&path)
            .with_context(|| format!("failed to open `{}`", path.display()))?
    };
    file.lock()
        .with_context(|| format!("failed to lock `{}`", path.display()))?;
    Ok(Some(CacheLock { _file: file }))
}

/// Makes every rendition missing from the cache, `jobs` masters at once, with a progress bar
/// per master. The cache folder is checked first, even when nothing is missing: publishing
/// writes tagged files into it ([`make_tagged`]), never through a symbolic link.
///
/// Returns a warning for each file still off its target after the last correction.
pub fn make(
    renditions: &Renditions,
    root: &Path,
    jobs: usize,
    progress: &Progress,
) -> Result<Vec<Problem>> {
    if renditions.plans().next().is_none() {
        return Ok(Vec::new());
    }
    for folder in [
        renditions
            .cache
            .parent()
            .expect("the cache is in .cyclecast/"),
        &renditions.cache,
    ] {
        crate::support::fs::create_real_dir(folder)?;
    }
    let missing = unclaimed(renditions.plans(), &renditions.cache);
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let bytes = missing.iter().map(|plan| plan.size).sum();
    progress.stage("encoding", missing.len() as u64, bytes);
    let cache = &renditions.cache;
    crate::support::parallel::map(jobs, missing.iter().collect(), |plan: &MasterPlan| {
        let shown = crate::project::paths::display_path(root, &plan.master);
        let task = progress.file("encoding", &shown, plan.size);
        let missed = make::make_master(plan, root, cache, &task)
            .with_context(|| format!("cannot make the renditions of `{shown}`"))?;
        Ok(missed
            .into_iter()
            .map(|message| Problem::warning(shown.clone(), message))
            .collect::<Vec<_>>())
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()
    .map(|warnings| warnings.into_iter().flatten().collect())
}

/// The plans with their files missing from the cache, each file once: two masters with the
/// same content (a radio edit that is a copy of a recording) name the same files, which
/// only the first makes.
fn unclaimed<'a>(plans: impl Iterator<Item = &'a MasterPlan>, cache: &Path) -> Vec<MasterPlan> {
    let mut claimed = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for plan in plans {
        let mut plan = plan.clone();
        for chain in &mut plan.chains {
            chain
                .jobs
                .retain(|job| !make::is_cached(cache, job) && claimed.insert(job.key.clone()));
        }
        plan.chains.retain(|chain| !chain.jobs.is_empty());
        if !plan.chains.is_empty() {
            missing.push(plan);
        }
    }
    missing
}

/// The file of the cache that holds `file`, a rendition of the cache, with the tags of the
/// output made by `recipe` (a hex digest of the rendition's key and the tags).
pub fn tagged_file(file: &Path, recipe: &str) -> PathBuf {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("mp3");
    let stem = recipe.get(..plan::KEY_DIGITS).unwrap_or(recipe);
    file.with_file_name(format!("{stem}.{extension}"))
}

/// Makes `tagged` (see [`tagged_file`]) from `plan`, a plan of tags for a file of the cache,
/// unless the cache holds it already; returns a `sink` (a digest) fed with its bytes. A file
/// of that name was made by that plan, as its name says: one whose length is not the plan's
/// (cut short by a full disk) is made again.
pub fn make_tagged<S: Write + Default>(tagged: &Path, plan: &TagPlan) -> Result<S> {
    let mut sink = S::default();
    let complete = std::fs::symlink_metadata(tagged)
        .is_ok_and(|m| m.is_file() && m.len() == plan.output_len());
    if complete {
        let mut file = crate::support::fs::open_regular(tagged)?;
        std::io::copy(&mut file, &mut sink)
            .with_context(|| format!("failed to read `{}`", tagged.display()))?;
        return Ok(sink);
    }
    // Two outputs of one session may need the same tagged file at once (a radio edit that is a
    // copy of the recording): each writes its own temporary file, and either may win the
    // rename, with the same bytes.
    static TEMPORARY: AtomicUsize = AtomicUsize::new(0);
    let extension = tagged.extension().and_then(|e| e.to_str()).unwrap_or("mp3");
    let stem = tagged.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let count = TEMPORARY.fetch_add(1, Ordering::Relaxed);
    let temporary = tagged.with_file_name(format!(
        "{stem}.tagging{}-{count}.{extension}",
        std::process::id()
    ));
    crate::support::fs::write_new_then_rename(&temporary, tagged, |file| {
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        crate::audio::tag::apply(plan, &mut Tee(&mut out, &mut sink))
            .map_err(std::io::Error::other)?;
        out.flush()
    })?;
    Ok(sink)
}

/// Removes from the cache the files no plan names any more (a master replaced, a target
/// changed), the tagged files the publish did not use, and leftovers of interrupted runs. Only
/// regular files cyclecast names itself.
pub fn prune(renditions: &Renditions, tagged: &[PathBuf]) -> Result<()> {
    let made = renditions
        .plans()
        .flat_map(|plan| plan.jobs().map(plan::Job::file_name));
    let used = tagged
        .iter()
        .filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned()));
    let wanted: std::collections::BTreeSet<String> = made.chain(used).collect();
    let Ok(entries) = std::fs::read_dir(&renditions.cache) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && is_cache_name(&name) && !wanted.contains(&name) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("failed to remove `{}`", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Whether a file name is one the cache gives: 32 hex digits, an extension, maybe `.part` or
/// `.tagging…` between them.
fn is_cache_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    stem.len() == plan::KEY_DIGITS && stem.bytes().all(|b| b.is_ascii_hexdigit())
}
