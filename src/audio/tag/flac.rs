//! A FLAC copy's metadata: the blocks kept from the file (`STREAMINFO`, `SEEKTABLE`, whose
//! offsets count from the first frame and so still hold) and a new `VORBIS_COMMENT` block,
//! the tags every FLAC reader shows. Its other blocks (an old comment, pictures, padding) are
//! dropped, as an MP3's tags are.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

/// What a copy keeps of a FLAC file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlacBlocks {
    /// `STREAMINFO` and any `SEEKTABLE`, whole, each marked as not the last block.
    pub kept: Vec<u8>,
    /// Where its frames lie: from the end of its metadata to the end of the file.
    pub frames: Range<u64>,
}

/// Largest `SEEKTABLE` kept (a point per 10 s of three hours takes 19 kB).
const MAX_SEEKTABLE: u32 = 1 << 20;
const STREAMINFO: u8 = 0;
const SEEKTABLE: u8 = 3;
const VORBIS_COMMENT: u8 = 4;
/// The largest block a 24-bit length states.
const MAX_BLOCK: u32 = (1 << 24) - 1;

/// Reads a FLAC file's metadata blocks; `None` when it does not start as FLAC does (`fLaC`,
/// then `STREAMINFO`) or a block runs past its end.
pub fn blocks(file: &mut (impl Read + Seek), len: u64) -> io::Result<Option<FlacBlocks>> {
    file.seek(SeekFrom::Start(0))?;
    let mut magic = [0u8; 4];
    if file.read_exact(&mut magic).is_err() || &magic != b"fLaC" {
        return Ok(None);
    }
    let mut kept = Vec::new();
    let mut at = 4u64;
    loop {
        let mut head = [0u8; 4];
        if file.read_exact(&mut head).is_err() {
            return Ok(None);
        }
        let (last, kind) = (head[0] & 0x80 != 0, head[0] & 0x7f);
        let size = u32::from_be_bytes([0, head[1], head[2], head[3]]);
        at += 4 + u64::from(size);
        if at > len || (kept.is_empty() && kind != STREAMINFO) {
            return Ok(None);
        }
        if kind == STREAMINFO || (kind == SEEKTABLE && size <= MAX_SEEKTABLE) {
            let mut body = vec![0u8; size as usize];
            file.read_exact(&mut body)?;
            kept.extend(header(kind, false, size));
            kept.extend(body);
        } else {
            file.seek(SeekFrom::Start(at))?;
        }
        if last {
            return Ok(Some(FlacBlocks {
                kept,
                frames: at..len,
            }));
        }
    }
}

/// A block's header: the last-block flag, its type and its 24-bit length.
fn header(kind: u8, last: bool, size: u32) -> [u8; 4] {
    let size = size.to_be_bytes();
    [
        kind | if last { 0x80 } else { 0 },
        size[1],
        size[2],
        size[3],
    ]
}

/// The last block of a copy: a `VORBIS_COMMENT` of `fields` (name, UTF-8 value; empty values
/// left out), cyclecast as its vendor; `None` when it would pass 16 MiB.
pub fn vorbis_comment(fields: &[(&str, &str)]) -> Option<Vec<u8>> {
    fn put(body: &mut Vec<u8>, text: &[u8]) {
        body.extend_from_slice(&(text.len() as u32).to_le_bytes());
        body.extend_from_slice(text);
    }
    let fields: Vec<String> = fields
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let mut body = Vec::new();
    put(&mut body, b"cyclecast");
    body.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    for field in &fields {
        put(&mut body, field.as_bytes());
    }
    let size = u32::try_from(body.len()).ok().filter(|&n| n <= MAX_BLOCK)?;
    let mut block = header(VORBIS_COMMENT, true, size).to_vec();
    block.extend(body);
    Some(block)
}
