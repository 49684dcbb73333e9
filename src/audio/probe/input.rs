//! What is probed (a file, or bytes in memory), and why probing it can fail.

use std::io::{self, Cursor};
use std::path::PathBuf;
use std::sync::Arc;

use symphonia::core::io::MediaSource;

/// Why a file could not be probed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// Not a format cyclecast reads, or not audio at all.
    #[error("not a supported audio file ({0})")]
    Unsupported(String),
    /// Audio whose stream is damaged or cut short; the message says how.
    #[error("{0}")]
    Corrupt(String),
    /// The reader crashed on this input.
    #[error("the audio reader failed on this file (malformed input): {0}")]
    Crashed(String),
}

/// What is probed: each reader (symphonia's, the MP3 walk, the MP4 box reader) opens its own.
pub enum Input {
    File(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Input {
    pub fn open(&self) -> io::Result<Box<dyn MediaSource>> {
        Ok(match self {
            Input::File(path) => Box::new(crate::support::fs::open_file(path)?),
            Input::Bytes(bytes) => Box::new(Cursor::new(Arc::clone(bytes))),
        })
    }
}
