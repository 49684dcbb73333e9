//! What cyclecast wrote into an output folder, and what else is there.
//!
//! The record of what cyclecast wrote lives outside the output folder, in the project's
//! `.cyclecast/outputs/`, one file per output folder (see [`crate::output::record_path`]), so
//! that nothing a folder holds can claim files for cyclecast. [`Tree`] is what the folder holds,
//! read without following a single symbolic link.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The folder of the project where cyclecast keeps what is not output: ownership records
/// and the state.
pub const RECORDS_FOLDER: &str = crate::output::PROJECT_FOLDER;

/// What an output folder may hold of cyclecast's own that is no output: the state an older
/// cyclecast kept there (see [`crate::output::state::LEGACY_STATE_FILE`]) and its temporary
/// name, and the mark of a generation at work, left by a publish killed right after its
/// swap. Always cyclecast's, never carried into a new generation: a publish that finds one
/// makes a new generation without it.
const INTERNAL_FILES: &[&str] = &[
    crate::output::state::LEGACY_STATE_FILE,
    STATE_TEMPORARY,
    super::generation::MARK,
];

/// The name an older cyclecast wrote its state under before renaming it into place.
const STATE_TEMPORARY: &str = ".cyclecast-state.json.cyclecast-tmp";

/// Whether `path` is a file cyclecast may have left in an output folder for itself (see
/// `INTERNAL_FILES`): never published, never foreign.
pub fn is_internal(path: &str) -> bool {
    INTERNAL_FILES.contains(&path)
}

/// Folders that cyclecast 0.1 published into, before records existed: see [`Owned::legacy`].
const LEGACY_FOLDERS: &[&str] = &[
    "episodes",
    "drawings",
    "chapters",
    "transcripts",
    "images",
    "sessions",
    "radio",
];

/// Whether every publish writes a file at `path`: the page and the feed. A foreign file there
/// is in cyclecast's way, whatever this publish holds.
pub fn always_written(path: &str) -> bool {
    [
        crate::model::layout::INDEX_FILE,
        crate::model::layout::FEED_FILE,
    ]
    .contains(&path)
}

/// What one entry of an output folder is, as `lstat` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A folder.
    Folder,
    /// A symbolic link, never followed.
    Link,
    /// A FIFO, a socket, a device.
    Other,
}

/// Every entry of an output folder, by path relative to it (`/` separators), symbolic links
/// not followed.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The entries.
    pub entries: BTreeMap<String, Kind>,
    /// Whether the folder exists.
    pub exists: bool,
}

impl Tree {
    /// Reads `out`. A missing folder holds nothing; a symbolic link or a file at `out` is an
    /// error, since the swap of generations would replace the link, not what it leads to.
    pub fn read(out: &Path) -> Result<Tree> {
        let metadata = match fs::symlink_metadata(out) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Tree::default()),
            Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", out.display())),
        };
        if metadata.file_type().is_symlink() {
            bail!(
                "`{}` is a symbolic link: cyclecast never publishes through one; name the folder it leads to",
                out.display()
            );
        }
        if !metadata.is_dir() {
            bail!("`{}` is not a folder", out.display());
        }
        let mut tree = Tree {
            entries: BTreeMap::new(),
            exists: true,
        };
        tree.walk(out, "")?;
        Ok(tree)
    }

    fn walk(&mut self, folder: &Path, prefix: &str) -> Result<()> {
        let entries = fs::read_dir(folder)
            .with_context(|| format!("failed to read `{}`", folder.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("failed to read `{}`", folder.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                bail!(
                    "`{}` has a name that is not UTF-8: cyclecast did not write it",
                    entry.path().display()
                );
            };
            let relative = format!("{prefix}{name}");
            let file_type = entry
                .file_type()
                .with_context(|| format!("failed to read `{}`", entry.path().display()))?;
            let kind = if file_type.is_symlink() {
                Kind::Link
            } else if file_type.is_dir() {
                Kind::Folder
            } else if file_type.is_file() {
                Kind::File
            } else {
                Kind::Other
            };
            self.entries.insert(relative.clone(), kind);
            if kind == Kind::Folder {
                self.walk(&entry.path(), &format!("{relative}/"))?;
            }
        }
        Ok(())
    }

    /// The regular files.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|(_, kind)| **kind == Kind::File)
            .map(|(path, _)| path.as_str())
    }
}

/// The files cyclecast wrote into one output folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    /// The output folder as the records name it ([`crate::output::output_name`]): the
    /// record's key.
    pub out: String,
    /// Paths relative to it.
    pub files: BTreeSet<String>,
}

impl Owned {
    /// Whether cyclecast wrote `path`.
    pub fn owns(&self, path: &str) -> bool {
        self.files.contains(path) || is_internal(path)
    }

    /// What a folder published by cyclecast 0.1, which kept no record, holds of cyclecast's:
    /// it is recognized by its state file, and its files are those of the folders cyclecast
    /// manages and the top-level files this publish writes too.
    pub fn legacy(out: String, tree: &Tree, planned: &BTreeSet<&str>) -> Owned {
        let has_state =
            tree.entries.get(crate::output::state::LEGACY_STATE_FILE) == Some(&Kind::File);
        let files = tree
            .files()
            .filter(|_| has_state)
            .filter(|path| match path.split_once('/') {
                Some((folder, _)) => LEGACY_FOLDERS.contains(&folder),
                None => planned.contains(path) || path.ends_with(".cyclecast-tmp"),
            })
            .map(str::to_string)
            .collect();
        Owned { out, files }
    }
}

/// The folder of `.cyclecast/` that holds the ownership records.
const KIND: &str = "outputs";

/// Where the ownership records of a project live, and how they are read and written.
#[derive(Debug, Clone)]
pub struct Records {
    root: PathBuf,
}

impl Records {
    /// The records of the project whose folder is `root`.
    pub fn of_project(root: &Path) -> Records {
        Records {
            root: root.to_path_buf(),
        }
    }

    /// The record of `out` (absolute), when there is one: under its name, or under its
    /// absolute path, as cyclecast named every output folder before; such a record is then
    /// renamed, so that a project moved or copied after that keeps its records (one moved
    /// before finds none: its `feed/` is refused as foreign until a publish with `--force`).
    pub fn load(&self, out: &Path) -> Result<Option<Owned>> {
        let name = self.name_of(out);
        if let Some(owned) = self.load_named(&name)? {
            return Ok(Some(owned));
        }
        let absolute = crate::output::output_name(None, out);
        if absolute == name {
            return Ok(None);
        }
        let Some(earlier) = self.load_named(&absolute)? else {
            return Ok(None);
        };
        let renamed = Owned {
            out: name,
            ..earlier
        };
        self.save(&renamed)?;
        let old = crate::output::record_named(&self.root, KIND, &absolute);
        fs::remove_file(&old).with_context(|| format!("failed to remove `{}`", old.display()))?;
        Ok(Some(renamed))
    }

    /// The record of the output folder named `name`, when there is one.
    fn load_named(&self, name: &str) -> Result<Option<Owned>> {
        let path = crate::output::record_named(&self.root, KIND, name);
        let text = match crate::support::fs::read_regular(&path, 64 * 1024 * 1024) {
            Ok(text) => text,
            Err(e) if crate::support::fs::is_not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let owned: Owned = serde_json::from_slice(&text)
            .with_context(|| format!("`{}` is damaged: delete it", path.display()))?;
        Ok((owned.out == name).then_some(owned))
    }

    /// How the records name the output folder `out` (absolute).
    pub fn name_of(&self, out: &Path) -> String {
        crate::output::output_name(Some(&self.root), out)
    }

    /// Writes the record of `owned.out`, under a temporary name then renamed.
    pub fn save(&self, owned: &Owned) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(owned).expect("a record serializes");
        bytes.push(b'\n');
        crate::output::save_record(
            &crate::output::record_named(&self.root, KIND, &owned.out),
            &bytes,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_folder_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        fs::create_dir_all(out.join("episodes")).unwrap();
        fs::write(out.join("episodes/01.mp3"), "x").unwrap();
        fs::write(dir.path().join("victim"), "precious").unwrap();
        std::os::unix::fs::symlink("../../victim", out.join("episodes/02.mp3")).unwrap();
        std::os::unix::fs::symlink("..", out.join("images")).unwrap();
        let tree = Tree::read(&out).unwrap();
        assert_eq!(tree.entries["episodes"], Kind::Folder);
        assert_eq!(tree.entries["episodes/01.mp3"], Kind::File);
        assert_eq!(tree.entries["episodes/02.mp3"], Kind::Link);
        assert_eq!(tree.entries["images"], Kind::Link);
        assert!(
            !tree.entries.contains_key("images/feed"),
            "a link was followed"
        );
    }

    #[test]
    fn refuses_an_output_folder_that_is_a_link() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("site")).unwrap();
        std::os::unix::fs::symlink("site", dir.path().join("feed")).unwrap();
        let err = Tree::read(&dir.path().join("feed")).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
    }

    #[test]
    fn keeps_one_record_per_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let records = Records::of_project(dir.path());
        let out = dir.path().join("feed");
        assert_eq!(records.load(&out).unwrap(), None);
        let owned = Owned {
            out: records.name_of(&out),
            files: ["feed.xml".to_string()].into(),
        };
        assert_eq!(owned.out, "feed");
        records.save(&owned).unwrap();
        assert_eq!(records.load(&out).unwrap(), Some(owned));
        assert_eq!(records.load(&dir.path().join("www")).unwrap(), None);
    }

    #[test]
    fn a_project_moved_or_copied_keeps_its_records() {
        let place = tempfile::tempdir().unwrap();
        let (old, new) = (place.path().join("old"), place.path().join("new"));
        fs::create_dir(&old).unwrap();
        // As cyclecast named the folder before: by its absolute path; found there, and
        // renamed.
        let owned = Owned {
            out: old.join("feed").display().to_string(),
            files: ["feed.xml".to_string()].into(),
        };
        let records = Records::of_project(&old);
        records.save(&owned).unwrap();
        let found = records
            .load(&old.join("feed"))
            .unwrap()
            .expect("its record");
        assert_eq!((found.out.as_str(), &found.files), ("feed", &owned.files));
        let left = fs::read_dir(old.join(".cyclecast/outputs"))
            .unwrap()
            .count();
        assert_eq!(left, 1, "the record under its old name is removed");
        // Moved, then copied: the record follows.
        fs::rename(&old, &new).unwrap();
        assert_eq!(
            Records::of_project(&new).load(&new.join("feed")).unwrap(),
            Some(found.clone())
        );
        let copy = place.path().join("copy");
        fs::create_dir_all(copy.join(".cyclecast/outputs")).unwrap();
        for entry in fs::read_dir(new.join(".cyclecast/outputs")).unwrap() {
            let entry = entry.unwrap();
            fs::copy(
                entry.path(),
                copy.join(".cyclecast/outputs").join(entry.file_name()),
            )
            .unwrap();
        }
        assert_eq!(
            Records::of_project(&copy).load(&copy.join("feed")).unwrap(),
            Some(found)
        );
    }

    #[test]
    fn the_record_of_a_folder_outside_the_project_is_never_another_folders() {
        let place = tempfile::tempdir().unwrap();
        let project = place.path().join("project");
        fs::create_dir(&project).unwrap();
        let records = Records::of_project(&project);
        let outside = place.path().join("srv/feed");
        records
            .save(&Owned {
                out: records.name_of(&outside),
                files: ["feed.xml".to_string()].into(),
            })
            .unwrap();
        assert_eq!(records.load(&project.join("feed")).unwrap(), None);
        assert_eq!(records.load(&project.join("srv/feed")).unwrap(), None);
        assert!(records.load(&outside).unwrap().is_some());
    }
}
