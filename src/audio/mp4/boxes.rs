//! The one MP4 box reader: a box's header, the boxes in a body, and the walk over a file's
//! top-level boxes, with the one limit on the `moov` box read. [`crate::audio::mp4`]'s timing
//! and [`crate::audio::mp4::moov`]'s rebuild both read boxes here.
//!
//! Every size is checked against its parent box (or the file), none is trusted beyond it, and
//! every loop is bounded by the bytes it walks.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

/// Largest `moov` box read: a 3-hour AAC recording's is about 2 MB (its sample tables).
pub const MAX_MOOV_LEN: u64 = 64 * 1024 * 1024;

/// Top-level boxes stepped over at most in a file (a fragmented MP4 has two a fragment).
const MAX_TOP_LEVEL_BOXES: usize = 1 << 20;

/// The header of a box: its type, where its content starts and how long it is in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    /// The four-character type.
    pub kind: [u8; 4],
    /// Length of the header: 8, or 16 with a 64-bit size.
    pub header_len: u64,
    /// Length of the whole box, header included; `None` when it runs to the end of its parent.
    pub len: Option<u64>,
}

impl BoxHeader {
    /// Reads the box header at the start of `bytes` (16 bytes are enough).
    pub fn parse(bytes: &[u8]) -> Option<BoxHeader> {
        let size = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
        let kind: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
        let (header_len, len) = match size {
            0 => (8, None),
            1 => {
                let large = u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
                (16, Some(large))
            }
            n => (8, Some(u64::from(n))),
        };
        if len.is_some_and(|l| l < header_len) {
            return None;
        }
        Some(BoxHeader {
            kind,
            header_len,
            len,
        })
    }

    /// The box's whole length when `room` bytes lie between its start and the end of its
    /// parent (or of the file); `None` when it does not fit there.
    pub fn len_within(&self, room: u64) -> Option<u64> {
        let len = self.len.unwrap_or(room);
        (self.header_len <= len && len <= room).then_some(len)
    }
}

/// The boxes in `bytes`, one after the other: each header and its byte range (header
/// included), or why the next one cannot be read (then the walk ends).
pub fn children(
    bytes: &[u8],
) -> impl Iterator<Item = Result<(BoxHeader, Range<usize>), &'static str>> + '_ {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if at >= bytes.len() {
            return None;
        }
        let rest = &bytes[at..];
        let found = match BoxHeader::parse(rest) {
            None => Err("a box header is cut"),
            Some(header) => header
                .len_within(rest.len() as u64)
                .and_then(|len| usize::try_from(len).ok())
                .map(|len| (header, at..at + len))
                .ok_or("a box runs past its parent"),
        };
        at = match &found {
            Ok((_, range)) => range.end,
            Err(_) => bytes.len(),
        };
        Some(found)
    })
}

/// The bodies of the boxes in `bytes`, as (type, body), up to the first malformed one.
pub fn bodies(bytes: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    children(bytes)
        .map_while(Result::ok)
        .map(move |(header, range)| {
            let start = range.start + usize::try_from(header.header_len).expect("8 or 16");
            (header.kind, &bytes[start..range.end])
        })
}

/// The body of a whole box: what follows its header.
pub fn contents(whole: &[u8]) -> Option<&[u8]> {
    let header = BoxHeader::parse(whole)?;
    whole.get(usize::try_from(header.header_len).ok()?..)
}

/// The body of the first box of type `kind` in `bytes`.
pub fn body<'a>(bytes: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    bodies(bytes).find(|(k, _)| k == kind).map(|(_, b)| b)
}

/// What the walk over a file's top-level boxes found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopLevel {
    /// Where the first `moov` box lies, header included.
    pub moov: Option<Range<u64>>,
    /// How many `moov` boxes there are.
    pub moovs: usize,
    /// Whether every box was read and fits in the file, up to its very end.
    pub whole: bool,
}

/// Walks the top-level boxes of a file of `len` bytes, reading only their headers. Stops at
/// the first header that is cut or does not fit in the file.
pub fn top_level<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<TopLevel> {
    let mut found = TopLevel::default();
    let mut pos = 0u64;
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        if pos >= len {
            found.whole = true;
            break;
        }
        let mut head = Vec::with_capacity(16);
        reader.seek(SeekFrom::Start(pos))?;
        reader.take((len - pos).min(16)).read_to_end(&mut head)?;
        let Some(header) = BoxHeader::parse(&head) else {
            break;
        };
        let Some(box_len) = header.len_within(len - pos) else {
            break;
        };
        if &header.kind == b"moov" {
            found.moovs += 1;
            found.moov.get_or_insert(pos..pos + box_len);
        }
        pos += box_len;
    }
    Ok(found)
}

/// Reads the `moov` box at `at` (header included), when it is no larger than [`MAX_MOOV_LEN`].
pub fn read_box<R: Read + Seek>(reader: &mut R, at: &Range<u64>) -> io::Result<Option<Vec<u8>>> {
    if at.end - at.start > MAX_MOOV_LEN {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    reader.seek(SeekFrom::Start(at.start))?;
    reader.take(at.end - at.start).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}
