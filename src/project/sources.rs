//! What the load stage knows of the project's source files (recordings, radio edits) from the
//! last publish: a file whose size, modification and change times match its recorded
//! [`Stamp`] is taken as unchanged, as make and git do, and is neither hashed nor probed again.
//!
//! The records come from and go back to the publish state (`crate::output::state`), which
//! `publish` reads and writes: the load stage only takes them in and hands them on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::model::{AudioInfo, Measurement};

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
        Ok(Stamp::of_metadata(&std::fs::metadata(path)?))
    }

    /// The stamp of a file from its metadata (of a file open, say).
    pub fn of_metadata(metadata: &std::fs::Metadata) -> Stamp {
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Stamp {
            size: metadata.len(),
            modified_ns,
            changed_ns: changed_ns(metadata),
        }
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
    /// Its loudness and balance, when it is audio that was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<Measurement>,
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
    /// Sources of the project in `root`, as the last publish recorded them (by path
    /// relative to `root`).
    pub fn from_records(records: &BTreeMap<PathBuf, SourceRecord>, root: &Path) -> Sources {
        Sources {
            root: root.to_path_buf(),
            previous: records.clone(),
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
        let same = self.previous.get(&key).filter(|p| p.blake3 == blake3);
        let record = SourceRecord {
            stamp,
            audio: same.and_then(|p| p.audio.clone()),
            measurement: same.and_then(|p| p.measurement.clone()),
            blake3,
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

    /// Remembers the loudness measured of a file hashed in this run.
    pub fn set_measurement(&self, path: &Path, measurement: &Measurement) {
        if let Some(record) = self.lock().get_mut(&self.key(path)) {
            record.measurement = Some(measurement.clone());
        }
    }

    /// The loudness known of a file hashed in this run: measured in it, or by the last
    /// publish when the file did not change since.
    pub fn measurement(&self, path: &Path) -> Option<Measurement> {
        self.lock()
            .get(&self.key(path))
            .and_then(|r| r.measurement.clone())
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
        let records = sources.into_records();

        let again = Sources::from_records(&records, Path::new(""));
        assert_eq!(again.hash(&file, hashing(&count)).unwrap(), first);
        assert_eq!(count.get(), 1, "an unchanged file is not read");

        std::fs::write(&file, b"second").unwrap();
        let changed = Sources::from_records(&records, Path::new(""));
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
            container: crate::model::Container::Mp3,
            codec: crate::model::Codec::Mp3,
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
        let measurement = Measurement {
            loudness: crate::model::Loudness {
                integrated_lufs: Some(-20.0),
                range_lu: 3.0,
                sample_peak_dbfs: Some(-3.0),
                true_peak_dbtp: Some(-2.5),
            },
            mono: None,
            balance: None,
            warnings: vec![],
        };
        sources.set_measurement(&file, &measurement);
        let mut records = sources.into_records();
        // As if the file had been rewritten with the same bytes.
        records.get_mut(&file).unwrap().stamp.modified_ns += 1;
        let again = Sources::from_records(&records, Path::new(""));
        again.hash(&file, crate::support::fs::hash_file).unwrap();
        assert_eq!(again.audio(&file), Some(audio));
        assert_eq!(again.measurement(&file), Some(measurement));
    }
}
