//! Stage 2: the config's sessions → the [`Recording`]s found in the project.
//!
//! Reads `recordings/` and nothing else, and never writes: each recording is hashed (BLAKE3,
//! streamed) so that later stages can tell when it changed.

use std::path::Path;

use crate::config::Config;
use crate::model::Recording;
use crate::problem::Problem;

/// Finds, sizes and hashes the recording of every session that has one, in session order.
pub fn ingest(config: &Config) -> Result<Vec<Recording>, Vec<Problem>> {
    let mut recordings = Vec::new();
    let mut problems = Vec::new();
    for session in &config.cycle.sessions {
        // A recording the config check found missing was reported there already.
        let Some(path) = session.recording.as_ref().filter(|p| config.is_readable(p)) else {
            continue;
        };
        match crate::fs::hash_file(path) {
            Ok((hash, size)) => recordings.push(Recording {
                session: session.number,
                path: path.clone(),
                size,
                hash,
            }),
            Err(e) => problems.push(Problem::error(
                display_path(&config.root, path),
                format!("{e:#}"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(recordings)
    } else {
        Err(problems)
    }
}

/// A path as the organizer knows it: relative to the project when inside it.
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
