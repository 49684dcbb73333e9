//! The publish lock and the next generation of an output folder, both beside it.
//!
//! `.<name>.publish-lock` keeps a second publish out; `.<name>.next/` is where the new
//! generation is built, then swapped with the folder in one `renameat2(RENAME_EXCHANGE)`.
//! Neither is left behind by a run that ends, in success or in error; a killed run's are
//! taken over by the next one.

use std::fs::{self, File};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Marks a generation as cyclecast's while it is built and while it is removed.
pub const MARK: &str = ".cyclecast-generation";

/// `.<name>.<suffix>` beside `out`.
fn beside(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "feed".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{suffix}"))
}

/// The lock of an output folder: held until dropped, then removed. The operating system
/// releases it when the process ends, even if killed, so a lock left by a killed publish
/// blocks nothing.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    file: File,
}

impl Lock {
    /// Takes the lock of `out`, or says who holds it.
    pub fn take(out: &Path) -> Result<Lock> {
        let path = beside(out, "publish-lock");
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        // A holder that finishes removes the file it locked: whoever locked that file then
        // holds nothing, so the lock is taken again on the file now at the path.
        loop {
            let mut file = open_lock_file(&path)?;
            match file.try_lock() {
                Ok(()) if same_file(&file, &path) => {
                    file.set_len(0)?;
                    writeln!(file, "cyclecast publish, pid {}", std::process::id())?;
                    return Ok(Lock { path, file });
                }
                Ok(()) => continue,
                Err(fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.take(4096).read_to_string(&mut holder);
                    let holder = holder.trim();
                    bail!(
                        "`{}` is being published by another process ({}): wait for it to finish",
                        out.display(),
                        if holder.is_empty() { "unknown" } else { holder }
                    )
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("failed to lock `{}`", path.display()));
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so that nobody can lock it in between.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Opens (or makes) the lock file, never through a symbolic link.
fn open_lock_file(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(crate::support::fs::no_follow_flags())
        .open(path);
    match file {
        Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => Ok(file),
        Ok(_) => bail!(
            "`{}` is in the way: it is not a regular file",
            path.display()
        ),
        Err(e)
            if path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink()) =>
        {
            Err(e).with_context(|| {
                format!(
                    "`{}` is a symbolic link: cyclecast never writes through one; remove it",
                    path.display()
                )
            })
        }
        Err(e) => Err(e).with_context(|| format!("failed to open `{}`", path.display())),
    }
}

/// Whether `path` still names the file `file` has open.
fn same_file(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// The next generation of an output folder, built beside it. Removed when dropped, unless
/// it was swapped in (then what is removed is the old generation it swapped with).
#[derive(Debug)]
pub struct Generation {
    path: PathBuf,
}

impl Generation {
    /// Makes `.<name>.next/` beside `out`, removing a killed publish's leftover first. Call it
    /// with the lock held.
    pub fn start(out: &Path) -> Result<Generation> {
        let path = beside(out, "next");
        let parent = path.parent().unwrap_or(Path::new("."));
        if let (Ok(out_meta), Ok(parent_meta)) = (fs::metadata(out), fs::metadata(parent))
            && out_meta.dev() != parent_meta.dev()
        {
            bail!(
                "cannot publish into `{}`: it is a mount point, and the new generation is built beside it, on another file system, where the two cannot be swapped; publish into a folder inside it",
                out.display()
            );
        }
        match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read `{}`", path.display()));
            }
            Ok(m) if m.is_dir() && is_ours(&path) => fs::remove_dir_all(&path)
                .with_context(|| format!("failed to remove the leftover `{}`", path.display()))?,
            Ok(_) => bail!(
                "`{}` is in the way, and cyclecast did not make it: remove it",
                path.display()
            ),
        }
        fs::create_dir(&path).with_context(|| format!("failed to create `{}`", path.display()))?;
        File::create_new(path.join(MARK))
            .with_context(|| format!("failed to write into `{}`", path.display()))?;
        Ok(Generation { path })
    }

    /// The folder being built.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes this generation `out`, in one step for readers; the old one is then removed.
    pub fn swap_into(self, out: &Path, out_exists: bool) -> Result<()> {
        sync_folder(&self.path)?;
        // The old generation is marked before the swap, so that at every instant after it
        // both folders are known as cyclecast's, and a publish killed then leaves a folder
        // the next one removes. The mark is a hidden file no output names.
        if out_exists {
            // Never through a link: with `--force`, `out` may hold what someone else put there.
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .custom_flags(crate::support::fs::no_follow_flags())
                .open(out.join(MARK))
                .with_context(|| format!("failed to write into `{}`", out.display()))?;
        }
        let how = if out_exists {
            rustix::fs::RenameFlags::EXCHANGE
        } else {
            rustix::fs::RenameFlags::NOREPLACE
        };
        let swapped =
            rustix::fs::renameat_with(rustix::fs::CWD, &self.path, rustix::fs::CWD, out, how);
        swapped.map_err(std::io::Error::from).with_context(|| {
            format!(
                "failed to swap `{}` with the new generation `{}`",
                out.display(),
                self.path.display()
            )
        })?;
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_folder(parent)?;
        }
        // The new generation's mark goes: it is never published. The old generation, now at
        // `self.path`, is removed on drop, its mark last.
        let _ = fs::remove_file(out.join(MARK));
        Ok(())
    }
}

impl Drop for Generation {
    fn drop(&mut self) {
        // A failed removal leaves a folder the next publish removes.
        let _ = remove_marked(&self.path);
    }
}

/// Removes a generation, its mark last: killed midway, it is still known as cyclecast's.
fn remove_marked(path: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_name() == MARK {
            continue;
        }
        // Neither call follows a symbolic link.
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    fs::remove_dir_all(path)
}

/// Removes the mark a publish killed right after its swap left in the output folder.
pub fn clear_mark(out: &Path) -> Result<()> {
    match fs::remove_file(out.join(MARK)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("failed to remove `{}`", out.join(MARK).display()))
        }
        _ => Ok(()),
    }
}

/// Whether a leftover next generation is one cyclecast made: it holds the mark of one being
/// built, or the state file of one an older cyclecast published, or nothing.
fn is_ours(path: &Path) -> bool {
    let holds = |name: &str| fs::symlink_metadata(path.join(name)).is_ok_and(|m| m.is_file());
    holds(MARK)
        || holds(crate::output::state::LEGACY_STATE_FILE)
        || fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// Makes a folder's entries durable.
fn sync_folder(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|folder| folder.sync_all())
        .with_context(|| format!("failed to sync `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_exclusive_and_gone_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let lock = Lock::take(&out).unwrap();
        let err = Lock::take(&out).unwrap_err().to_string();
        assert!(
            err.contains("is being published by another process"),
            "{err}"
        );
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(lock);
        assert!(!dir.path().join(".feed.publish-lock").exists());
        Lock::take(&out).unwrap();
    }

    #[test]
    fn the_lock_never_truncates_what_a_link_leads_to() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("victim.txt"), "precious").unwrap();
        std::os::unix::fs::symlink("victim.txt", dir.path().join(".feed.publish-lock")).unwrap();
        let err = Lock::take(&dir.path().join("feed")).unwrap_err();
        assert!(format!("{err:#}").contains("is a symbolic link"), "{err:#}");
        assert_eq!(
            fs::read_to_string(dir.path().join("victim.txt")).unwrap(),
            "precious"
        );
    }

    #[test]
    fn swaps_generations_and_removes_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let first = Generation::start(&out).unwrap();
        fs::write(first.path().join("feed.xml"), "1").unwrap();
        first.swap_into(&out, false).unwrap();
        let second = Generation::start(&out).unwrap();
        fs::write(second.path().join("feed.xml"), "2").unwrap();
        second.swap_into(&out, true).unwrap();
        assert_eq!(fs::read_to_string(out.join("feed.xml")).unwrap(), "2");
        assert!(!dir.path().join(".feed.next").exists());
        assert!(!out.join(MARK).exists());
    }

    #[test]
    fn takes_over_a_killed_publish_s_generation_but_not_a_stranger_s() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        let next = dir.path().join(".feed.next");
        fs::create_dir(&next).unwrap();
        fs::write(next.join(MARK), "").unwrap();
        fs::write(next.join("half.mp3"), "half").unwrap();
        let generation = Generation::start(&out).unwrap();
        assert!(!generation.path().join("half.mp3").exists());
        drop(generation);
        fs::create_dir(&next).unwrap();
        fs::write(next.join("thesis.odt"), "precious").unwrap();
        assert!(Generation::start(&out).is_err());
        assert!(next.join("thesis.odt").exists());
    }

    #[test]
    fn never_marks_the_old_generation_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("feed");
        fs::create_dir(&out).unwrap();
        fs::write(dir.path().join("victim.txt"), "precious").unwrap();
        std::os::unix::fs::symlink("../victim.txt", out.join(MARK)).unwrap();
        let next = Generation::start(&out).unwrap();
        assert!(next.swap_into(&out, true).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("victim.txt")).unwrap(),
            "precious"
        );
    }
}
