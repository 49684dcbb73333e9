//! The Info frame of a CBR MP3 whose bitrate is too low for LAME's own: LAME leaves the frame
//! out when its header does not fit in one frame of the stream's bitrate (32 kbit/s at 24 kHz,
//! the light rendition), and the file then states no exact length. This one is written in
//! LAME's layout (Info header, then the LAME extension with the encoder delay and padding) in
//! a frame of the smallest bitrate that holds it, as ffmpeg does for its own MP3s; players
//! skip the frame, and count the stream's own frames for its bitrate.

use crate::audio::mp3::FrameHeader;

/// The Info header: tag, flags, frames, bytes, 100-entry seek table, quality.
const INFO_LEN: usize = 4 + 4 + 4 + 4 + 100 + 4;

/// LAME's extension: version (9), revision and method, lowpass, peak (4), replay gain (4),
/// flags, bitrate, delay and padding (3), misc, MP3 gain, preset (2), music length (4),
/// music CRC (2), tag CRC (2).
const LAME_EXTENSION_LEN: usize = 36;

/// Whether LAME writes an Info frame for a CBR stream of this rate, channel count and
/// bitrate: its header must fit in one frame of the stream's own bitrate (`InitVbrTag` in
/// LAME 3.100's `VbrTag.c`).
pub fn lame_writes_one(sample_rate: u32, channels: usize, kbps: u32) -> bool {
    let mpeg1 = sample_rate >= 32_000;
    let coefficient = if mpeg1 { 144_000 } else { 72_000 };
    let frame = coefficient * kbps / sample_rate;
    let needed = side_info_end(mpeg1, channels == 1) + INFO_LEN + LAME_EXTENSION_LEN;
    frame as usize >= needed && frame <= 2880
}

/// Where a frame's side information ends: its 4-byte header, then 9 to 32 bytes.
fn side_info_end(mpeg1: bool, mono: bool) -> usize {
    4 + match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    }
}

/// The header of the smallest frame of `stream`'s version, rate and mode that holds the Info
/// frame.
pub fn frame_header(stream: FrameHeader) -> Option<FrameHeader> {
    let needed = stream.side_info_len() + 4 + INFO_LEN + LAME_EXTENSION_LEN;
    (1..15u8)
        .filter_map(|index| stream.with_bitrate(index, false))
        .find(|h| h.frame_len() >= needed)
}

/// What the Info frame states.
pub struct Stream {
    /// The header of the stream's first audio frame.
    pub first: FrameHeader,
    /// Its audio frames.
    pub frames: u32,
    /// Bytes of its audio frames.
    pub audio_bytes: u64,
    /// LAME's encoder delay, in samples.
    pub delay: u32,
    /// LAME's padding of the last frame, in samples.
    pub padding: u32,
    /// CRC-16 of the audio frames' bytes.
    pub music_crc: u16,
    /// The `quality` field LAME would write (100 − 10 × VBR quality − `-q`).
    pub quality: u32,
}

/// The Info frame for `stream`, of [`frame_header`]'s length; `None` if no frame holds it.
pub fn frame(stream: &Stream) -> Option<Vec<u8>> {
    let header = frame_header(stream.first)?;
    let len = header.frame_len();
    let total = len as u64 + stream.audio_bytes;
    let mut out = vec![0u8; len];
    out[..4].copy_from_slice(&header.bytes());
    // No CRC, no mode extension: the frame holds no audio.
    out[1] |= 1;
    out[3] &= 0b1100_1111;
    let mut at = 4 + header.side_info_len();
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"Info");
    put(&0x0Fu32.to_be_bytes());
    put(&stream.frames.to_be_bytes());
    put(&u32::try_from(total).unwrap_or(u32::MAX).to_be_bytes());
    // CBR: the byte offset grows with the time.
    let toc: Vec<u8> = (0..100u64)
        .map(|i| ((len as u64 + i * stream.audio_bytes / 100) * 256 / total.max(1)).min(255) as u8)
        .collect();
    put(&toc);
    put(&stream.quality.to_be_bytes());
    put(b"LAME3.100");
    put(&[0x01, 0]); // revision 0, CBR; lowpass unstated
    put(&[0; 8]); // peak and replay gain unstated
    put(&[0, u8::try_from(stream.first.kbps()).unwrap_or(u8::MAX)]);
    let (delay, padding) = (stream.delay.min(0xFFF), stream.padding.min(0xFFF));
    put(&[
        (delay >> 4) as u8,
        ((delay << 4) as u8) | (padding >> 8) as u8,
        padding as u8,
    ]);
    put(&[0, 0, 0, 0]); // misc, MP3 gain, preset
    put(&u32::try_from(total).unwrap_or(u32::MAX).to_be_bytes());
    put(&stream.music_crc.to_be_bytes());
    let tag_crc = crc16(0, &out[..at]);
    out[at..at + 2].copy_from_slice(&tag_crc.to_be_bytes());
    Some(out)
}

/// CRC-16 as LAME computes its music and tag CRCs (polynomial 0x8005 reflected, from `crc`).
pub fn crc16(mut crc: u16, bytes: &[u8]) -> u16 {
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_lame_s_crc16() {
        // CRC-16/ARC's check value.
        assert_eq!(crc16(0, b"123456789"), 0xBB3D);
    }

    #[test]
    fn predicts_where_lame_writes_its_own_frame() {
        assert!(lame_writes_one(44_100, 1, 64));
        assert!(lame_writes_one(44_100, 2, 128));
        assert!(!lame_writes_one(24_000, 1, 32));
        assert!(!lame_writes_one(44_100, 2, 56));
        assert!(lame_writes_one(24_000, 1, 64));
    }
}
