//! RIFF WAVE files, read here for what symphonia 0.6.1 gets wrong: its header's figures,
//! checked before symphonia reads them, and the tags it leaves out.

use std::io::{Read, Seek, SeekFrom};

use symphonia::core::io::MediaSource;
use symphonia::core::meta::MetadataRevision;

use crate::audio::probe::input::{Input, ProbeError};

/// How far into a file symphonia 0.6 looks for a format it knows (`ProbeOptions`).
const SYMPHONIA_PROBE_DEPTH: u64 = 1024 * 1024;

/// Chunks of a WAV file walked at most for its tags.
const MAX_CHUNKS: usize = 4096;

/// Largest tag chunk read (a tag with a large cover picture).
pub const MAX_TAG_CHUNK_LEN: u64 = 16 * 1024 * 1024;

/// A RIFF WAVE file's chunks, read here for what symphonia 0.6.1 gets wrong.
pub struct Wave {
    reader: Box<dyn MediaSource>,
    size: u64,
    /// Each chunk: its id, where its body starts, its length.
    chunks: Vec<([u8; 4], u64, u64)>,
    /// Where the RIFF chunk ends, as its header states (from the start of its header).
    riff_end: u64,
}

impl Wave {
    /// The chunks of `input`, if symphonia would read it as a RIFF WAVE file: after the ID3v2
    /// tags it skips, at the start or, when the start is no stream symphonia knows, anywhere
    /// in the first megabyte it searches. The walk stops at the first chunk that does not fit
    /// in the file, or after [`MAX_CHUNKS`].
    pub fn open(input: &Input, size: u64) -> Option<Wave> {
        let mut reader = input.open().ok()?;
        let start = crate::audio::mp3::leading_tags_end(&mut reader, size).ok()?;
        let mut wave = Wave {
            reader,
            size,
            chunks: Vec::new(),
            riff_end: 0,
        };
        let is_wave = |h: &[u8]| matches!(&h[..4], b"RIFF" | b"RF64") && &h[8..12] == b"WAVE";
        let head = wave.read(start, 12)?;
        let riff = if is_wave(&head) {
            start
        } else if crate::audio::mp3::FrameHeader::parse(&head).is_some()
            || matches!(&head[..4], b"fLaC" | b"OggS" | b"FORM")
            || &head[4..8] == b"ftyp"
        {
            return None;
        } else {
            let window = wave.read(start, (size - start).min(SYMPHONIA_PROBE_DEPTH + 12))?;
            let at = window.windows(12).position(is_wave)?;
            start + at as u64
        };
        let riff_len = wave.read(riff + 4, 4)?;
        wave.riff_end = riff + 8 + u64::from(u32::from_le_bytes(riff_len.try_into().ok()?));
        let mut pos = riff + 12;
        for _ in 0..MAX_CHUNKS {
            let Some(header) = wave.read(pos, 8) else {
                break;
            };
            let id: [u8; 4] = header[..4].try_into().expect("4 bytes");
            let len = u64::from(u32::from_le_bytes(header[4..].try_into().expect("4 bytes")));
            wave.chunks.push((id, pos + 8, len));
            pos += 8 + len + (len & 1);
        }
        Some(wave)
    }

    /// `len` bytes at `pos`, when the file has them and they are few enough to be a header
    /// or a tag.
    fn read(&mut self, pos: u64, len: u64) -> Option<Vec<u8>> {
        if pos.checked_add(len)? > self.size || len > MAX_TAG_CHUNK_LEN {
            return None;
        }
        self.reader.seek(SeekFrom::Start(pos)).ok()?;
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        self.reader.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    /// The body of the first chunk named `id`.
    fn chunk(&mut self, id: &[u8; 4]) -> Option<Vec<u8>> {
        let &(_, pos, len) = self.chunks.iter().find(|(i, _, _)| i == id)?;
        self.read(pos, len)
    }

    /// Why symphonia must not read this file, if it must not. Its WAV reader multiplies and
    /// shifts the header's figures without checking them: 4,097 channels, or a channel mask
    /// with reserved bits, made symphonia 0.6.1 panic in a debug build (overflow) and make up
    /// figures in a release one. No recording has more than 32 channels or 64-bit samples.
    pub fn format_problem(&mut self) -> Option<ProbeError> {
        if let Some(problem) = self.unfinished() {
            return Some(problem);
        }
        let fmt = self.chunk(b"fmt ")?;
        let le16 = |at: usize| Some(u16::from_le_bytes(fmt.get(at..at + 2)?.try_into().ok()?));
        let le32 = |at: usize| Some(u32::from_le_bytes(fmt.get(at..at + 4)?.try_into().ok()?));
        let (tag, channels, bits) = (le16(0)?, le16(2)?, le16(14)?);
        // WAVE_FORMAT_EXTENSIBLE: bits 0 to 17 of the mask are the defined speaker positions.
        let mask = if tag == 0xFFFE { le32(20) } else { None };
        let impossible = channels > 32 || bits > 64 || mask.is_some_and(|m| m >> 18 != 0);
        impossible.then(|| {
            ProbeError::Corrupt(format!(
                "the WAV header states an impossible format ({channels} channels of {bits} bits{})",
                mask.map(|m| format!(", channel mask {m:#x}"))
                    .unwrap_or_default()
            ))
        })
    }

    /// Why the audio of a WAV cannot be read as its header states it: a recorder writes the
    /// length of its `data` chunk (and of the whole file) when it stops, and one cut off leaves
    /// 0, a placeholder such as 0xFFFFFFFF, or a length the file does not hold. symphonia
    /// reads no audio from a length of 0, and refuses a `data` chunk longer than the RIFF
    /// chunk it is in (with a message that names neither).
    fn unfinished(&self) -> Option<ProbeError> {
        let &(_, pos, len) = self.chunks.iter().find(|(id, _, _)| id == b"data")?;
        let follow = self.size.saturating_sub(pos);
        // A RIFF length of 0xFFFFFFFF (a stream written to a pipe) symphonia takes for "to
        // the end of the file", whatever the data chunk states.
        let riff_unknown = self.riff_end.checked_sub(8) == Some(u64::from(u32::MAX));
        let unfinished = (len == 0 && follow > 0) || (pos + len > self.riff_end && !riff_unknown);
        unfinished.then(|| {
            let which = if len == 0 {
                format!("its data chunk states no audio (0 bytes) where {follow} bytes follow")
            } else {
                format!(
                    "its data chunk states {len} bytes, more than its RIFF chunk of {} bytes holds",
                    self.riff_end.saturating_sub(8)
                )
            };
            ProbeError::Corrupt(format!(
                "{which}: a recording cut off before its recorder wrote its lengths, or a damaged header; a copy exported again by an audio editor (or `ffmpeg -i in.wav -c copy out.wav`) states them"
            ))
        })
    }

    /// Tags symphonia leaves out of a WAV: its `LIST/INFO` chunk (the reader reads it, then
    /// drops it) and its `id3 ` chunk (where `tag` and many editors write). Damage here only
    /// loses tags.
    pub fn tags(&mut self) -> Vec<MetadataRevision> {
        use symphonia::core::meta::well_known::METADATA_ID_WAVE;
        use symphonia::core::meta::{MetadataBuilder, MetadataInfo};
        use symphonia::default::meta::embedded::riff::{
            parse_riff_info_chunk, read_riff_id3_chunk,
        };

        let info = MetadataInfo {
            metadata: METADATA_ID_WAVE,
            short_name: "riff",
            long_name: "RIFF INFO",
        };
        let mut revisions = Vec::new();
        for (id, pos, len) in self.chunks.clone() {
            match &id {
                b"LIST" => {
                    let Some(list) = self.read(pos, len).filter(|l| l.starts_with(b"INFO")) else {
                        continue;
                    };
                    let mut builder = MetadataBuilder::new(info);
                    let mut rest = &list[4..];
                    while rest.len() >= 8 {
                        let key: [u8; 4] = rest[..4].try_into().expect("4 bytes");
                        let n =
                            u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes")) as usize;
                        let Some(value) = rest.get(8..8 + n) else {
                            break;
                        };
                        let value = value.split(|&b| b == 0).next().unwrap_or_default();
                        // A key that is not ASCII ends the list, as it ends symphonia's reading.
                        if parse_riff_info_chunk(key, value, &mut builder).is_err() {
                            break;
                        }
                        rest = rest.get(8 + n + (n & 1)..).unwrap_or_default();
                    }
                    revisions.push(builder.build());
                }
                b"id3 " | b"ID3 " => {
                    if let Some(tag) = self.read(pos, len) {
                        let mut side_data = Vec::new();
                        let mut bytes = symphonia::core::io::BufReader::new(&tag);
                        if let Ok(revision) = read_riff_id3_chunk(&mut bytes, &mut side_data) {
                            revisions.push(revision);
                        }
                    }
                }
                _ => {}
            }
        }
        revisions
    }
}
