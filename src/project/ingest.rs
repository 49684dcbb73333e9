//! The load stage's second step: the config's sessions → the [`Recording`]s found in the project.
//!
//! Reads `recordings/` and nothing else, and never writes: each recording is hashed (BLAKE3,
//! streamed, several at once) so that later stages can tell when it changed; a recording
//! whose stamp did not move since the last publish is not read at all (see [`Sources`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::Recording;
use crate::model::problem::Problem;
use crate::project::config::Config;
use crate::project::paths::display_path;
use crate::project::sources::{Known, Sources};
use crate::support::progress::Progress;

/// Finds, sizes and hashes the recording of every session that has one, in session order.
pub fn ingest(
    config: &Config,
    sources: &Arc<Sources>,
    jobs: usize,
    progress: &Progress,
) -> Result<Vec<Recording>, Vec<Problem>> {
    // A recording the config check found missing was reported there already.
    let found: Vec<(u32, PathBuf)> = config
        .cycle
        .sessions
        .iter()
        .filter_map(|s| Some((s.number, s.recording.clone()?)))
        .filter(|(_, path)| config.is_readable(path))
        .collect();
    let paths: Vec<PathBuf> = found.iter().map(|(_, path)| path.clone()).collect();
    // Sizing every file costs a stat each: only when someone watches.
    let bytes = match progress.style() {
        crate::support::progress::Style::Quiet => 0,
        _ => total_size(&paths),
    };
    progress.stage("checking", paths.len() as u64, bytes);
    let hashed = hash_all(&config.root, sources, paths, jobs, progress);
    let mut recordings = Vec::new();
    let mut problems = Vec::new();
    for ((session, path), known) in found.into_iter().zip(hashed) {
        match known {
            Ok(known) => recordings.push(Recording {
                session,
                path,
                size: known.size,
                hash: known.blake3,
            }),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(recordings)
    } else {
        Err(problems)
    }
}

/// Hashes files, `jobs` at a time, unless their stamp shows them unchanged; in order.
pub fn hash_all(
    root: &Path,
    sources: &Arc<Sources>,
    paths: Vec<PathBuf>,
    jobs: usize,
    progress: &Progress,
) -> Vec<Result<Known, Problem>> {
    let unchanged = Arc::clone(sources);
    let (root, sources, progress) = (root.to_path_buf(), Arc::clone(sources), progress.clone());
    let ready = |path: &PathBuf| unchanged.unchanged(path).map(Ok);
    crate::support::parallel::map_unless_ready(jobs, paths, ready, move |path| {
        let shown = display_path(&root, &path);
        sources
            .hash(&path, |path| {
                let size = std::fs::metadata(path).map_or(0, |m| m.len());
                let task = progress.file("hashing", &shown, size);
                crate::support::fs::hash_reader(
                    task.reader(crate::support::fs::open_contained(&root, path)?),
                    path,
                )
            })
            .map_err(|e| Problem::error(&shown, format!("{e:#}")))
    })
}

/// The size of the files, in bytes, for progress.
pub fn total_size(paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}
