//! WAV copies: where a 16- or 24-bit PCM WAV keeps its format and its samples, and the chunks
//! its tagged copy gains (`LIST`/`INFO` and `id3 `) around them.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

/// Longest `fmt ` body kept (`WAVE_FORMAT_EXTENSIBLE` takes 40 bytes).
const MAX_FMT_LEN: u64 = 1024;

/// Chunks walked at most to find `fmt ` and `data`.
const MAX_CHUNKS: usize = 4096;

/// `WAVE_FORMAT_PCM` and `WAVE_FORMAT_EXTENSIBLE`.
const PCM: u16 = 1;
const EXTENSIBLE: u16 = 0xFFFE;

/// What a WAV's tagged copy keeps of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcmWave {
    /// The body of its `fmt ` chunk, as it is.
    pub fmt: Vec<u8>,
    /// The body of its `data` chunk: the samples.
    pub data: Range<u64>,
}

/// The `fmt ` and `data` chunks of a plain RIFF WAVE file of `len` bytes, when it holds 16-
/// or 24-bit integer PCM and both chunks fit in the file; `None` for anything else (RF64, a
/// float or compressed format, a file cut short), which is then published as it is.
pub fn pcm_wave(file: &mut (impl Read + Seek), len: u64) -> io::Result<Option<PcmWave>> {
    file.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 12];
    if len < 12 || file.read_exact(&mut head).is_err() {
        return Ok(None);
    }
    if &head[..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Ok(None);
    }
    let mut fmt = None;
    let mut pos = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut header = [0u8; 8];
        if pos + 8 > len {
            break;
        }
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut header)?;
        let body_len = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        let body = pos + 8..pos + 8 + body_len;
        if body.end > len {
            return Ok(None);
        }
        match &header[..4] {
            b"fmt " if body_len <= MAX_FMT_LEN => {
                let mut bytes = vec![0; body_len as usize];
                file.read_exact(&mut bytes)?;
                fmt = Some(bytes);
            }
            b"data" => {
                return Ok(fmt
                    .filter(|f| is_16_or_24_bit_pcm(f))
                    .map(|fmt| PcmWave { fmt, data: body }));
            }
            _ => {}
        }
        pos = body.end + (body_len & 1);
    }
    Ok(None)
}

/// Whether a `fmt ` body states 16- or 24-bit integer PCM.
fn is_16_or_24_bit_pcm(fmt: &[u8]) -> bool {
    let le16 = |at: usize| {
        fmt.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let pcm = match le16(0) {
        Some(PCM) => true,
        // The sub-format GUID starts with the format tag.
        Some(EXTENSIBLE) => le16(24) == Some(PCM),
        _ => false,
    };
    pcm && matches!(le16(14), Some(16 | 24)) && le16(2).is_some_and(|c| c > 0)
}

/// A RIFF chunk: id, size, body, and the pad byte an odd body takes.
pub fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut bytes = chunk_header(id, body.len() as u64);
    bytes.extend_from_slice(body);
    if body.len() % 2 == 1 {
        bytes.push(0);
    }
    bytes
}

/// The 8 bytes that start a chunk of `len` bytes (which must fit in 32 bits; the caller
/// checks the whole file does).
pub fn chunk_header(id: &[u8; 4], len: u64) -> Vec<u8> {
    let mut bytes = id.to_vec();
    bytes.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
    bytes
}

/// A `LIST` chunk of type `INFO` holding `fields` (id, UTF-8 text), NUL-terminated; empty
/// fields are left out.
pub fn info_list(fields: &[(&[u8; 4], &str)]) -> Vec<u8> {
    let mut body = b"INFO".to_vec();
    for (id, text) in fields.iter().filter(|(_, text)| !text.is_empty()) {
        let mut value = text.as_bytes().to_vec();
        value.push(0);
        body.extend(chunk(id, &value));
    }
    chunk(b"LIST", &body)
}
