//! What the last publish made, and from what: `feed/.cyclecast-state.json`.
//!
//! A publish redoes only what changed. A source file (recording, radio edit) whose size,
//! modification and change times match its recorded [`Stamp`] is taken as unchanged, as make
//! and git do, and is neither hashed nor probed again; any other is hashed (BLAKE3, streamed)
//! and, when its content differs, probed. An output whose recipe (a hash of everything it is
//! made from) and stamp match the record is neither made again nor read.
//!
//! The state is a cache, never a source of truth: missing, unreadable, or written by another
//! version of cyclecast, it is ignored and the work is done in full; outputs are then still
//! compared with what is on disk before being rewritten.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::model::AudioInfo;

/// Name of the state file in the output folder (hidden: never listed as stale, never linked).
pub const STATE_FILE: &str = ".cyclecast-state.json";

/// What identifies a file's version without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, in nanoseconds since 1970.
    pub modified_ns: u64,
    /// Inode change time, in nanoseconds since 1970 (0 where the system has none): it moves
    /// even when a tool restores the modification time.
    pub changed_ns: u64,
}

impl Stamp {
    /// The stamp of a file on disk.
    pub fn of(path: &Path) -> std::io::Result<Stamp> {
        let metadata = std::fs::metadata(path)?;
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Ok(Stamp {
            size: metadata.len(),
            modified_ns,
            changed_ns: changed_ns(&metadata),
        })
    }
}

#[cfg(unix)]
fn changed_ns(metadata: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    let seconds = u64::try_from(metadata.ctime()).unwrap_or(0);
    let nanos = u64::try_from(metadata.ctime_nsec()).unwrap_or(0);
    seconds.saturating_mul(1_000_000_000).saturating_add(nanos)
}

#[cfg(not(unix))]
fn changed_ns(_: &std::fs::Metadata) -> u64 {
    0
}

/// A source file as the last publish saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Its stamp when it was hashed.
    pub stamp: Stamp,
    /// BLAKE3 of its content, hex.
    pub blake3: String,
    /// Its figures, when it is audio that was probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioInfo>,
}

/// An output as the last publish left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// Hash of everything it was made from (see [`recipe`]).
    pub recipe: String,
    /// Its stamp after it was written.
    pub stamp: Stamp,
}

/// The state file's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The cyclecast build that wrote it ([`build_id`]): another build's state is ignored.
    pub cyclecast: String,
    /// Source files by path relative to the project (never an absolute path: the state is
    /// deployed with the feed).
    pub sources: BTreeMap<PathBuf, SourceRecord>,
    /// Outputs by path under the output folder.
    pub outputs: BTreeMap<String, OutputRecord>,
}

impl State {
    /// The state left in `out` by the last publish, or an empty one.
    pub fn load(out: &Path) -> State {
        // Read as any file of the output folder: never through a link, never waiting on a FIFO.
        let Ok(text) =
            crate::support::fs::read_regular(&out.join(STATE_FILE), crate::support::fs::TEXT_LIMIT)
        else {
            return State::default();
        };
        match serde_json::from_slice::<State>(&text) {
            Ok(state) if state.cyclecast == build_id() => state,
            _ => State::default(),
        }
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

/// The source files of one run: what the last publish knew of them, and what this run found.
/// Shared by the worker threads.
#[derive(Debug, Default)]
pub struct Sources {
    root: PathBuf,
    previous: BTreeMap<PathBuf, SourceRecord>,
    current: Mutex<BTreeMap<PathBuf, SourceRecord>>,
}

/// A source file's content as this run knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    /// BLAKE3 of its content, hex.
    pub blake3: String,
    /// Its size.
    pub size: u64,
}

impl Sources {
    /// Sources of the project in `root`, as an earlier state knew them.
    pub fn from_state(state: &State, root: &Path) -> Sources {
        Sources {
            root: root.to_path_buf(),
            previous: state.sources.clone(),
            current: Mutex::default(),
        }
    }

    /// What the last publish knew of the file, when its stamp did not move since; the file
    /// is then known to this run too, without being read.
    pub fn unchanged(&self, path: &Path) -> Option<Known> {
        let key = self.key(path);
        let record = self.previous.get(&key)?;
        let stamp = Stamp::of(path).ok()?;
        (record.stamp == stamp).then(|| self.remember(key, record.clone()))
    }

    /// The file's hash: the recorded one when its stamp did not move, else computed by
    /// `hash_file` (which streams it, and can show progress).
    pub fn hash(
        &self,
        path: &Path,
        hash_file: impl FnOnce(&Path) -> Result<(String, u64)>,
    ) -> Result<Known> {
        if let Some(known) = self.unchanged(path) {
            return Ok(known);
        }
        let stamp =
            Stamp::of(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        let key = self.key(path);
        let (blake3, _) = hash_file(path)?;
        // Touched but not changed: the figures still hold.
        let audio = self
            .previous
            .get(&key)
            .filter(|p| p.blake3 == blake3)
            .and_then(|p| p.audio.clone());
        let record = SourceRecord {
            stamp,
            blake3,
            audio,
        };
        Ok(self.remember(key, record))
    }

    /// Records a source as this run knows it.
    fn remember(&self, key: PathBuf, record: SourceRecord) -> Known {
        let known = Known {
            blake3: record.blake3.clone(),
            size: record.stamp.size,
        };
        self.lock().insert(key, record);
        known
    }

    /// Remembers the figures probed for a file hashed in this run.
    pub fn set_audio(&self, path: &Path, audio: &AudioInfo) {
        if let Some(record) = self.lock().get_mut(&self.key(path)) {
            record.audio = Some(audio.clone());
        }
    }

    /// The figures known for a file hashed in this run.
    pub fn audio(&self, path: &Path) -> Option<AudioInfo> {
        self.lock()
            .get(&self.key(path))
            .and_then(|r| r.audio.clone())
    }

    /// The hash of a file hashed in this run.
    pub fn blake3(&self, path: &Path) -> Option<String> {
        self.lock().get(&self.key(path)).map(|r| r.blake3.clone())
    }

    fn key(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).unwrap_or(path).to_path_buf()
    }

    /// The sources seen in this run, for the next state.
    pub fn into_records(self) -> BTreeMap<PathBuf, SourceRecord> {
        self.current
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<PathBuf, SourceRecord>> {
        // A worker that panicked is reported by the caller; the map itself stays whole.
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn hashing(count: &Cell<usize>) -> impl FnOnce(&Path) -> Result<(String, u64)> + '_ {
        move |path| {
            count.set(count.get() + 1);
            crate::support::fs::hash_file(path)
        }
    }

    #[test]
    fn hashes_a_file_once_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.mp3");
        std::fs::write(&file, b"first").unwrap();
        let count = Cell::new(0);
        let sources = Sources::default();
        let first = sources.hash(&file, hashing(&count)).unwrap();
        assert_eq!(count.get(), 1);
        let state = State {
            cyclecast: build_id().into(),
            sources: sources.into_records(),
            outputs: BTreeMap::new(),
        };

        let again = Sources::from_state(&state, Path::new(""));
        assert_eq!(again.hash(&file, hashing(&count)).unwrap(), first);
        assert_eq!(count.get(), 1, "an unchanged file is not read");

        std::fs::write(&file, b"second").unwrap();
        let changed = Sources::from_state(&state, Path::new(""));
        let second = changed.hash(&file, hashing(&count)).unwrap();
        assert_eq!(count.get(), 2);
        assert_ne!(second.blake3, first.blake3);
    }

    #[test]
    fn keeps_figures_of_a_touched_but_unchanged_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.mp3");
        std::fs::write(&file, b"same").unwrap();
        let sources = Sources::default();
        sources.hash(&file, crate::support::fs::hash_file).unwrap();
        let audio = AudioInfo {
            container: "mp3".into(),
            codec: "mp3".into(),
            sample_rate: 44_100,
            channels: 2,
            bits_per_sample: None,
            frames: 1152,
            size: 4,
            audio_bytes: 4,
            tags: Default::default(),
            warnings: vec![],
            layout: None,
        };
        sources.set_audio(&file, &audio);
        let mut state = State {
            cyclecast: build_id().into(),
            sources: sources.into_records(),
            outputs: BTreeMap::new(),
        };
        // As if the file had been rewritten with the same bytes.
        state.sources.get_mut(&file).unwrap().stamp.modified_ns += 1;
        let again = Sources::from_state(&state, Path::new(""));
        again.hash(&file, crate::support::fs::hash_file).unwrap();
        assert_eq!(again.audio(&file), Some(audio));
    }

    #[test]
    fn ignores_a_state_it_cannot_trust() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::load(dir.path()), State::default());
        std::fs::write(dir.path().join(STATE_FILE), "{ not json").unwrap();
        assert_eq!(State::load(dir.path()), State::default());
        let old = State {
            cyclecast: "0.0.0-old".into(),
            ..State::default()
        };
        std::fs::write(dir.path().join(STATE_FILE), old.to_bytes()).unwrap();
        assert_eq!(State::load(dir.path()), State::default());
    }

    #[test]
    fn recipes_tell_lists_apart() {
        assert_ne!(recipe(&[b"ab", b"c"]), recipe(&[b"a", b"bc"]));
        assert_eq!(recipe(&[b"x"]), recipe(&[b"x"]));
    }
}
