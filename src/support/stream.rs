//! Writers that take a stream somewhere other than a file: a comparison with what a reader
//! holds, or two writers at once.

use std::io::{self, Read, Write};

/// A writer that checks that what it is given equals what a reader holds; it fails the
/// stream at the first difference, so a long write stops early.
pub struct SameBytes<R> {
    existing: R,
    same: bool,
}

impl<R: Read> SameBytes<R> {
    /// Compares what is written with what `existing` reads.
    pub fn new(existing: R) -> SameBytes<R> {
        SameBytes {
            existing,
            same: true,
        }
    }

    /// Whether a difference was found (a stream that failed for this reason failed only
    /// because of it).
    pub fn differs(&self) -> bool {
        !self.same
    }

    /// Whether everything written matched, and the reader holds nothing more.
    pub fn matched_whole(&mut self) -> bool {
        let mut byte = [0u8; 1];
        self.same && matches!(self.existing.read(&mut byte), Ok(0))
    }
}

impl<R: Read> Write for SameBytes<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut theirs = vec![0u8; buf.len()];
        let matches = self.existing.read_exact(&mut theirs).is_ok() && theirs == buf;
        if !matches {
            self.same = false;
            return Err(io::Error::other("content differs"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that writes everything to both of its writers, the first first.
pub struct Tee<A, B>(pub A, pub B);

impl<A: Write, B: Write> Write for Tee<A, B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()?;
        self.1.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_tells_equal_shorter_longer_and_different_streams_apart() {
        let check = |theirs: &[u8], ours: &[u8]| {
            let mut compare = SameBytes::new(theirs);
            let streamed = compare.write_all(ours).is_ok();
            streamed && compare.matched_whole()
        };
        assert!(check(b"abc", b"abc"));
        assert!(!check(b"abcd", b"abc"));
        assert!(!check(b"ab", b"abc"));
        assert!(!check(b"abd", b"abc"));
    }

    #[test]
    fn tee_gives_both_writers_every_byte() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Tee(&mut a, &mut b).write_all(b"stream").unwrap();
        assert_eq!(
            (a.as_slice(), b.as_slice()),
            (&b"stream"[..], &b"stream"[..])
        );
    }
}
