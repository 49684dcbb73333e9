//! What the last publish made, and from what: `.cyclecast/state/<key>.json` in the project,
//! one per output folder (see [`crate::output::record_path`]), never in the output folder,
//! which holds only what a web server should serve.
//!
//! A publish redoes only what changed. A source file (recording, radio edit) whose size,
//! modification and change times match its recorded [`Stamp`] is taken as unchanged, as make
//! and git do, and is neither hashed nor probed again; any other is hashed (BLAKE3, streamed)
//! and, when its content differs, probed. An output whose recipe (a hash of everything it is
//! made from) and stamp match the record is neither made again nor read.
//!
//! The state is a cache, never a source of truth: missing, unreadable, or written by another
//! version of cyclecast, it is ignored and the work is done in full; outputs are then still
//! compared with what is on disk before being rewritten. It is written after the new
//! generation of the output folder is swapped in (its stamps are those of the files there):
//! a publish killed in between leaves the previous state, whose output records name files
//! that were since linked or written again, so that their stamps no longer match, and which
//! costs only work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::project::sources::{SourceRecord, Stamp};

/// Name of the state file that older versions of cyclecast kept in the output folder: left out
/// of the next generation, never read (it was written by another build, so it would not be
/// trusted: see [`build_id`]).
pub const LEGACY_STATE_FILE: &str = ".cyclecast-state.json";

/// The folder of `.cyclecast/` that holds the states.
const STATE_KIND: &str = "state";

/// An output as the last publish left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// Hash of everything it was made from (see [`recipe`]).
    pub recipe: String,
    /// Its stamp after it was written.
    pub stamp: Stamp,
    /// Its Subresource Integrity digest, when the feed states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
}

/// The state file's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The cyclecast build that wrote it ([`build_id`]): another build's state is ignored.
    pub cyclecast: String,
    /// Source files by path relative to the project (never an absolute path: the project
    /// folder may move).
    pub sources: BTreeMap<PathBuf, SourceRecord>,
    /// Outputs by path under the output folder.
    pub outputs: BTreeMap<String, OutputRecord>,
}

impl State {
    /// The state the last publish into `out` left in the project folder `project`, or an
    /// empty one.
    pub fn load(project: &Path, out: &Path) -> State {
        let Ok(out) = std::path::absolute(out) else {
            return State::default();
        };
        // Read as any file cyclecast reads: never through a link, never waiting on a FIFO.
        let read =
            |path: &Path| crate::support::fs::read_regular(path, crate::support::fs::TEXT_LIMIT);
        match read(&state_path(project, &out)).map(|text| serde_json::from_slice::<State>(&text)) {
            Ok(Ok(state)) if state.cyclecast == build_id() => state,
            _ => State::default(),
        }
    }

    /// The state of the last publish into `out` (by default `feed/` beside the config), found
    /// from the config's path before the config is read: the project folder is the config's,
    /// resolved as the config's reader resolves it.
    pub fn before_publish(config: &Path, out: Option<&Path>) -> State {
        let root = config
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let Ok(root) = root.canonicalize() else {
            return State::default();
        };
        let out = out.map_or_else(|| root.join("feed"), Path::to_path_buf);
        State::load(&root, &out)
    }

    /// Writes the state of `out` (absolute) into the project folder `project`, unless it
    /// already holds these bytes.
    pub fn save(&self, project: &Path, out: &Path) -> Result<()> {
        let bytes = self.to_bytes();
        let path = state_path(project, out);
        let same = crate::support::fs::read_regular(&path, crate::support::fs::TEXT_LIMIT)
            .is_ok_and(|held| held == bytes);
        if same {
            return Ok(());
        }
        crate::output::save_record(&path, &bytes)
    }

    /// The output's record when the file in `out` is still the one it describes and was made
    /// by `recipe`.
    pub fn fresh_output(&self, out: &Path, path: &str, recipe: &str) -> Option<&OutputRecord> {
        let record = self.outputs.get(path)?;
        let on_disk = Stamp::of(&out.join(path)).ok()?;
        (record.recipe == recipe && record.stamp == on_disk).then_some(record)
    }

    /// The outputs made by `recipe` when every one of them is still as the last publish left
    /// it; `None` when there are none or one moved.
    pub fn fresh_outputs_of(&self, out: &Path, recipe: &str) -> Option<Vec<String>> {
        let made: Vec<String> = self
            .outputs
            .iter()
            .filter(|(_, record)| record.recipe == recipe)
            .map(|(path, _)| path.clone())
            .collect();
        let all_fresh = made
            .iter()
            .all(|path| self.fresh_output(out, path, recipe).is_some());
        (!made.is_empty() && all_fresh).then_some(made)
    }

    /// The deterministic bytes of the state file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("the state serializes");
        bytes.push(b'\n');
        bytes
    }
}

/// Where the state of the output folder `out` (absolute) lives in the project folder
/// `project`.
pub fn state_path(project: &Path, out: &Path) -> PathBuf {
    crate::output::record_path(project, STATE_KIND, out)
}

/// This build of cyclecast: its version, and its executable's size and modification time. A
/// state written by another build (an upgrade, or a developer's rebuild under the same
/// version) is not trusted, since the same inputs may now give other bytes.
pub fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let stamp = std::env::current_exe()
            .and_then(|exe| Stamp::of(&exe))
            .map_or_else(
                |_| "unknown".to_string(),
                |s| format!("{}.{}", s.size, s.modified_ns),
            );
        format!("{}+{stamp}", env!("CARGO_PKG_VERSION"))
    })
}

/// The fingerprint of an output: BLAKE3 of the cyclecast build and of `parts`, each
/// length-prefixed so that no two different lists give the same bytes.
pub fn recipe(parts: &[&[u8]]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in std::iter::once(build_id().as_bytes()).chain(parts.iter().copied()) {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().to_hex().to_string()
}

/// A recipe fed piece by piece, e.g. by `write!`, without holding its text in memory.
pub struct RecipeWriter {
    hasher: blake3::Hasher,
}

impl RecipeWriter {
    /// A recipe of this build of cyclecast for outputs of one `kind`.
    pub fn new(kind: &[u8]) -> RecipeWriter {
        let mut hasher = blake3::Hasher::new();
        for part in [build_id().as_bytes(), kind] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        RecipeWriter { hasher }
    }

    /// The recipe, hex.
    pub fn finish(&self) -> String {
        self.hasher.finalize().to_hex().to_string()
    }
}

impl std::fmt::Write for RecipeWriter {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.hasher.update(text.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some_state() -> State {
        State {
            cyclecast: build_id().into(),
            sources: BTreeMap::new(),
            outputs: [(
                "feed.xml".to_string(),
                OutputRecord {
                    recipe: "r".into(),
                    stamp: Stamp {
                        size: 1,
                        modified_ns: 2,
                        changed_ns: 3,
                    },
                    integrity: None,
                },
            )]
            .into(),
        }
    }

    #[test]
    fn ignores_a_state_it_cannot_trust() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let path = state_path(dir.path(), &out);
        assert_eq!(State::load(dir.path(), &out), State::default());
        some_state().save(dir.path(), &out).unwrap();
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(State::load(dir.path(), &out), State::default());
        let old = State {
            cyclecast: "0.0.0-old".into(),
            ..some_state()
        };
        std::fs::write(&path, old.to_bytes()).unwrap();
        assert_eq!(State::load(dir.path(), &out), State::default());
    }

    #[test]
    fn keeps_one_state_per_output_folder_in_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let (feed, www) = (dir.path().join("feed"), dir.path().join("www"));
        some_state().save(dir.path(), &feed).unwrap();
        assert_eq!(State::load(dir.path(), &feed), some_state());
        assert_eq!(State::load(dir.path(), &www), State::default());
        assert!(state_path(dir.path(), &feed).starts_with(dir.path().join(".cyclecast/state")));
        assert!(!feed.exists(), "nothing is written into the output folder");
    }

    #[test]
    fn finds_the_state_from_the_config_s_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        some_state().save(&root, &root.join("feed")).unwrap();
        let config = dir.path().join("config.toml");
        assert_eq!(State::before_publish(&config, None), some_state());
        let www = dir.path().join("www");
        assert_eq!(State::before_publish(&config, Some(&www)), State::default());
    }

    #[test]
    fn recipes_tell_lists_apart() {
        assert_ne!(recipe(&[b"ab", b"c"]), recipe(&[b"a", b"bc"]));
        assert_eq!(recipe(&[b"x"]), recipe(&[b"x"]));
    }
}
