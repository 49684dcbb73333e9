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

/// Opens a file for reading.
pub fn open(path: &Path) -> Result<File> {
    File::open(path).with_context(|| format!("failed to open `{}`", path.display()))
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
