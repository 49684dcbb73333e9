//! The output stage: what a publish leaves on disk.
//!
//! Owns [`commit`], the only writer of the output folder (`feed/`): it puts the files it is
//! given there as one new generation, and records in the project's `.cyclecast/outputs/`
//! which files it wrote; and [`state`], the cache of what the last publish read and made, kept
//! in the project's `.cyclecast/state/`, never in the output folder. Both are keyed by the
//! output folder ([`record_path`]).
//!
//! It receives rendered bytes and project paths from `publish` and renders nothing itself.
//! It may use `audio` (an episode is tagged while it is copied), `project` (the source
//! records the state keeps), `model` and `support`; never `render`, `episode`, `publish` or
//! `app`.

pub mod commit;
pub mod state;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;

pub use crate::model::layout::PROJECT_FOLDER;

/// The file of `<project>/.cyclecast/<kind>/` that belongs to the output folder `out`
/// (absolute): named by a hash of its name ([`output_name`]), so that a project published
/// into two folders keeps one of each per folder, and a project moved or copied keeps its own.
pub fn record_path(project: &Path, kind: &str, out: &Path) -> PathBuf {
    record_named(project, kind, &output_name(Some(project), out))
}

/// The file of `<project>/.cyclecast/<kind>/` of the output folder named `name`.
pub fn record_named(project: &Path, kind: &str, name: &str) -> PathBuf {
    let key = blake3::hash(name.as_bytes()).to_hex();
    project
        .join(PROJECT_FOLDER)
        .join(kind)
        .join(format!("{}.json", &key[..16]))
}

/// How the records name the output folder `out` (absolute): by its path in the project when
/// it lies inside (`feed`), which stays the same when the project is moved or copied; else by
/// its absolute path.
pub fn output_name(project: Option<&Path>, out: &Path) -> String {
    let named = project
        .and_then(|project| out.strip_prefix(project).ok())
        .filter(|inside| !inside.as_os_str().is_empty())
        .unwrap_or(out);
    // Lossless: two folders whose names differ only in bytes UTF-8 cannot carry never share
    // a record.
    named
        .to_str()
        .map_or_else(|| format!("{named:?}"), str::to_string)
}

/// Writes a file of `<project>/.cyclecast/<kind>/` (see [`record_path`]), making its folders,
/// under a temporary name then renamed; never through a symbolic link.
pub fn save_record(path: &Path, bytes: &[u8]) -> Result<()> {
    let kind = path.parent().expect("a record is in a folder");
    for folder in [kind.parent().expect("<kind>/ is in .cyclecast/"), kind] {
        crate::support::fs::create_real_dir(folder)?;
    }
    let temporary = path.with_extension("json.cyclecast-tmp");
    crate::support::fs::write_new_then_rename(&temporary, path, |file| file.write_all(bytes))
}
