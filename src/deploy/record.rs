//! What the last deploys sent to a store: per object, the hash of the file sent and what the
//! store answered (its size and ETag), kept in the project's `.cyclecast/deploys/`, one file
//! per destination. Never any credential.
//!
//! An object is sent again when the file's hash changed, or when the store's listing shows
//! it missing or different from what was sent (another tool changed it). Only the objects
//! recorded here are ever deleted: the rest of a bucket is not cyclecast's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// One object a deploy sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// The BLAKE3 hash of the file sent.
    pub hash: String,
    /// Its size.
    pub size: u64,
    /// The ETag the store gave it, when it gave one.
    pub e_tag: Option<String>,
}

/// What the deploys to one destination sent, by path under the published folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRecord {
    /// The destination, as written (`s3://BUCKET/PREFIX`).
    pub destination: String,
    /// The objects sent.
    pub objects: BTreeMap<String, Sent>,
}

impl DeployRecord {
    /// The record of `destination` in `project`, or an empty one.
    pub fn load(project: &Path, destination: &str) -> Result<DeployRecord> {
        let path = record_file(project, destination);
        let bytes = match crate::support::fs::read_regular(&path, 64 * 1024 * 1024) {
            Ok(bytes) => bytes,
            Err(e) if crate::support::fs::is_not_found(&e) => {
                return Ok(DeployRecord {
                    destination: destination.to_string(),
                    objects: BTreeMap::new(),
                });
            }
            Err(e) => return Err(e),
        };
        let record: DeployRecord = serde_json::from_slice(&bytes)
            .with_context(|| format!("`{}` is damaged: delete it", path.display()))?;
        Ok(record)
    }

    /// Writes the record, under a temporary name then renamed.
    pub fn save(&self, project: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a record serializes");
        bytes.push(b'\n');
        crate::output::save_record(&record_file(project, &self.destination), &bytes)
    }
}

fn record_file(project: &Path, destination: &str) -> PathBuf {
    crate::output::record_path(project, "deploys", Path::new(destination))
}
