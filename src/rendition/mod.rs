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
//! The files in the cache carry no tags: the output stage publishes each as a tagged copy, as
//! it does a ready MP3, so a changed title re-tags without re-encoding.
//!
//! May use [`crate::project`] (the loaded project), [`crate::audio`] (decoding, processing,
//! encoding), [`crate::support`] and [`crate::model`].

pub mod make;
pub mod plan;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::model::rendition::Enclosure;
use crate::project::load::Project;
use crate::rendition::plan::{Master, MasterPlan, Role};
use crate::support::progress::Progress;

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
                .unwrap_or(Enclosure::AsIs);
            let master = measured.map(|measured| Master {
                path: &recording.path,
                hash: &recording.hash,
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

/// Makes every rendition missing from the cache, `jobs` masters at once, with a progress bar
/// per master.
pub fn make(renditions: &Renditions, root: &Path, jobs: usize, progress: &Progress) -> Result<()> {
    let missing = unclaimed(renditions.plans(), &renditions.cache);
    if missing.is_empty() {
        return Ok(());
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
    let bytes = missing.iter().map(|plan| plan.size).sum();
    progress.stage("encoding", missing.len() as u64, bytes);
    let cache = &renditions.cache;
    crate::support::parallel::map(jobs, missing.iter().collect(), |plan: &MasterPlan| {
        let shown = crate::project::paths::display_path(root, &plan.master);
        let task = progress.file("encoding", &shown, plan.size);
        make::make_master(plan, cache, &task)
            .with_context(|| format!("cannot make the renditions of `{shown}`"))
    })
    .into_iter()
    .collect()
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

/// Removes from the cache the files no plan names any more (a master replaced, a target
/// changed), and leftovers of interrupted runs. Only regular files cyclecast names itself.
pub fn prune(renditions: &Renditions) -> Result<()> {
    let wanted: std::collections::BTreeSet<String> = renditions
        .plans()
        .flat_map(|plan| plan.jobs().map(plan::Job::file_name))
        .collect();
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

/// Whether a file name is one the cache gives: 32 hex digits, an extension, maybe `.part`.
fn is_cache_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("");
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
}
