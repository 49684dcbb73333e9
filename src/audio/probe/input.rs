//! What is probed (a file, or bytes in memory), and why probing it can fail.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt as _;
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
    /// A file already open: each reader reads the file that was opened, whatever becomes of
    /// its path since.
    Opened(Arc<File>),
    Bytes(Arc<[u8]>),
}

impl Input {
    pub fn open(&self) -> io::Result<Box<dyn MediaSource>> {
        Ok(match self {
            Input::File(path) => Box::new(crate::support::fs::open_file(path)?),
            Input::Opened(file) => Box::new(Positioned {
                len: file.metadata()?.len(),
                file: Arc::clone(file),
                position: 0,
            }),
            Input::Bytes(bytes) => Box::new(Cursor::new(Arc::clone(bytes))),
        })
    }
}

/// A reader of its own over a file open once, at its own position (positioned reads), so that
/// several readers share one open file.
struct Positioned {
    file: Arc<File>,
    position: u64,
    len: u64,
}

impl Read for Positioned {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.file.read_at(buf, self.position)?;
        self.position += read as u64;
        Ok(read)
    }
}

impl Seek for Positioned {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let (base, offset) = match to {
            SeekFrom::Start(at) => (at, 0),
            SeekFrom::End(offset) => (self.len, offset),
            SeekFrom::Current(offset) => (self.position, offset),
        };
        self.position = base.checked_add_signed(offset).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek before the file's start")
        })?;
        Ok(self.position)
    }
}

impl MediaSource for Positioned {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}
