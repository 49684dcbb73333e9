//! A deploy to a folder: the published files copied as one new generation, by the same
//! commit as `publish` ([`crate::output::commit`]), so the same rules hold: nothing written
//! through a symbolic link, a folder holding files cyclecast did not write refused, readers
//! see the old files or the new ones, never a mix.

use std::path::Path;

use anyhow::Result;

use super::plan::{LocalFile, Phase};
use super::{DeployOptions, Report};
use crate::output::commit::{self, CommitOptions, Output};
use crate::support::progress::Progress;

/// Copies `files` from `options.source` into `folder` (see the module's doc).
pub fn deploy(
    options: &DeployOptions,
    folder: &Path,
    files: &[LocalFile],
    progress: &Progress,
) -> Result<Report> {
    let copy = |f: &&LocalFile| Output::copy(&f.path, &options.source.join(&f.path));
    let (feeds, media): (Vec<&LocalFile>, Vec<&LocalFile>) =
        files.iter().partition(|f| f.phase == Phase::Feeds);
    let media: Vec<Output> = media.iter().map(copy).collect();
    let feeds: Vec<Output> = feeds.iter().map(copy).collect();
    let commit_options = CommitOptions {
        jobs: options.jobs,
        progress: progress.clone(),
        project: Some(options.project.clone()),
        ..CommitOptions::default()
    };
    let done = if options.dry_run {
        commit::preview(folder, &media, &feeds, &commit_options)?
    } else {
        commit::commit(folder, &media, &feeds, commit_options)?
    };
    let bytes = files
        .iter()
        .filter(|f| done.written.contains(&f.path))
        .map(|f| f.size)
        .sum();
    Ok(Report {
        destination: folder.display().to_string(),
        dry_run: options.dry_run,
        uploaded: done.written,
        unchanged: done.unchanged,
        removed: done.removed,
        bytes,
    })
}
