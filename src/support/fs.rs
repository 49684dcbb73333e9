//! Small file helpers whose errors always name the file.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use anyhow::{Context, Result};

/// Reads a whole file as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("failed to read `{}`", path.display()))
}

/// Reads a whole file as bytes (for small files only: covers, drawings).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))
}

/// Opens a file for reading, symbolic links followed: only a regular file, checked on the file
/// opened, and never waiting on a FIFO. For a file of the project, its path is the one
/// [`contain`] returned, or one that [`contain`] allowed.
pub fn open(path: &Path) -> Result<File> {
    open_file(path).with_context(|| format!("failed to open `{}`", path.display()))
}

/// [`open`], with the bare IO error: "not a regular file" for a FIFO, a device, a folder.
pub fn open_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Streams a file through BLAKE3 and returns its hex digest and byte length.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    hash_reader(open(path)?, path)
}

/// Streams what `file` reads (the file at `path`) through BLAKE3; returns its hex digest
/// and byte length.
pub fn hash_reader(mut file: impl Read, path: &Path) -> Result<(String, u64)> {
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("failed to read `{}`", path.display()));
            }
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hasher.finalize().to_hex().to_string(), len))
}

/// Flags (for `OpenOptionsExt::custom_flags`) that make an open refuse a symbolic link as
/// its last component, and not wait on a FIFO (whose type is then checked on what was
/// opened): every open of a file cyclecast reads or writes in place uses them.
pub fn no_follow_flags() -> i32 {
    use rustix::fs::OFlags;
    (OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32
}

/// Opens an existing regular file for reading, never through a symbolic link as its last
/// component, never waiting on a FIFO; the type checked is the one of the file opened.
pub fn open_regular(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(no_follow_flags())
        .open(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    if !metadata.is_file() {
        anyhow::bail!("`{}` is not a regular file", path.display());
    }
    Ok(file)
}

/// Reads a regular file of at most `limit` bytes (see [`open_regular`]).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    read_bounded(open_regular(path)?, path, limit)
}

/// Largest image read (a cover, an episode image, a drawing): directories ask for far less.
pub const IMAGE_LIMIT: u64 = 20 * 1024 * 1024;

/// Largest text read (a report, a transcript, a theme file, the lock, the state).
pub const TEXT_LIMIT: u64 = 16 * 1024 * 1024;

/// Why a file of the project may not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Nothing is there (or a link leads nowhere).
    Missing,
    /// Links resolved, it lies outside the project folder.
    Outside,
    /// It is a folder, a FIFO, a device or a socket.
    NotRegular,
}

impl Refusal {
    /// Why, in words, after the file's name.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Missing => "does not exist",
            Refusal::Outside => "leads outside the project folder",
            Refusal::NotRegular => "is not a regular file",
        }
    }
}

/// The one rule for every file read because of the project (recordings, transcripts,
/// images, drawings, reports, theme files, radio edits, the lock): its real path, symbolic
/// links resolved, must lie inside `root` (itself a real path) and be a regular file. Returns
/// that real path, which is the one to open, with [`open_regular`]: the type checked here is
/// then checked again on the file opened, so a file swapped in between is refused too.
pub fn contain(root: &Path, path: &Path) -> Result<std::path::PathBuf, Refusal> {
    let real = path.canonicalize().map_err(|_| Refusal::Missing)?;
    if !real.starts_with(root) {
        return Err(Refusal::Outside);
    }
    match std::fs::symlink_metadata(&real) {
        Ok(m) if m.is_file() => Ok(real),
        Ok(_) => Err(Refusal::NotRegular),
        Err(_) => Err(Refusal::Missing),
    }
}

/// Opens a file of the project after [`contain`] allowed it; an error names `path` and why.
pub fn open_contained(root: &Path, path: &Path) -> Result<File> {
    let real = contain(root, path)
        .map_err(|refusal| anyhow::anyhow!("`{}` {}", path.display(), refusal.reason()))?;
    open_regular(&real).with_context(|| format!("failed to read `{}`", path.display()))
}

fn read_bounded(file: File, path: &Path, limit: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    if bytes.len() as u64 > limit {
        anyhow::bail!(
            "`{}` is larger than {} MB, the most cyclecast reads for such a file",
            path.display(),
            limit / (1024 * 1024)
        );
    }
    Ok(bytes)
}

/// Whether an error of these helpers says that the file does not exist.
pub fn is_not_found(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
}

/// Makes a folder if it is missing; an existing one must be a real folder, not a symbolic
/// link to one.
pub fn create_real_dir(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(m) if m.file_type().is_symlink() => anyhow::bail!(
            "`{}` is a symbolic link: cyclecast never writes through one",
            path.display()
        ),
        Ok(_) => anyhow::bail!("`{}` is in the way: it is not a folder", path.display()),
        Err(_) => std::fs::create_dir(path)
            .with_context(|| format!("failed to create `{}`", path.display())),
    }
}

/// Writes a new file at `temporary` (a leftover there is removed first, a link itself and
/// never what it leads to), syncs it, then renames it to `path`: readers see the old file or
/// the new one. Neither name is ever written through a symbolic link.
pub fn write_new_then_rename(
    temporary: &Path,
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<()> {
    match std::fs::remove_file(temporary) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("failed to remove `{}`", temporary.display()));
        }
        _ => {}
    }
    let written = File::create_new(temporary)
        .and_then(|mut file| {
            fill(&mut file)?;
            file.sync_all()
        })
        .with_context(|| format!("failed to write `{}`", temporary.display()))
        .and_then(|()| {
            std::fs::rename(temporary, path)
                .with_context(|| format!("failed to rename `{}`", temporary.display()))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(temporary);
    }
    written
}
