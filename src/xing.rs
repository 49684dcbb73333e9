//! Xing frames for MP3s that have none (issue #4, item 3).
//!
//! An MP3 without a Xing, Info or VBRI header does not say how long it is: players estimate
//! the duration from the first frame's bitrate and the file's size (a browser shows 1,108 s for
//! a 200 s VBR file) and seek by guesswork. [`scan`] walks the frame headers of an MP3's audio
//! (no decoding) and [`frame`] builds the header frame LAME would have written: a silent Layer
//! III frame of the stream's own version, sample rate and channel mode that holds the frame
//! count, the byte count, a 100-entry seek table and a quality field. `tag` puts it between the
//! new ID3v2 tag and the audio, which stays as it is.
//!
//! Pure: [`scan`] reads from any [`Read`], [`frame`] works on what it found.

use std::io::{self, Read};

/// Longest Layer III frame: 320 kbit/s at 32 kHz (MPEG-1), or 160 kbit/s at 8 kHz (MPEG-2.5).
const MAX_FRAME_LEN: u64 = 1441;

/// `Xing` tag: the tag id, flags, frame count, byte count, seek table, quality.
const XING_LEN: usize = 4 + 4 + 4 + 4 + 100 + 4;

/// Flags: frame count, byte count, seek table (TOC) and quality are present.
const XING_FLAGS: u32 = 0x0F;

/// Kilobits per second by bitrate index, Layer III: MPEG-1, then MPEG-2 and 2.5.
const BITRATES: [[u32; 15]; 2] = [
    [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/// The MPEG version of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// MPEG-1: 32, 44.1 and 48 kHz.
    Mpeg1,
    /// MPEG-2 (low sampling frequencies): 16, 22.05 and 24 kHz.
    Mpeg2,
    /// MPEG-2.5: 8, 11.025 and 12 kHz.
    Mpeg25,
}

/// A Layer III frame header (the four bytes that start every frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header([u8; 4]);

impl Header {
    /// Reads a Layer III header with a known bitrate (not free format) and sample rate.
    pub fn parse(bytes: [u8; 4]) -> Option<Header> {
        let header = Header(bytes);
        let valid = bytes[0] == 0xFF
            && bytes[1] & 0xE0 == 0xE0
            && (bytes[1] >> 3) & 0b11 != 0b01 // reserved version
            && (bytes[1] >> 1) & 0b11 == 0b01 // layer III
            && !matches!(bytes[2] >> 4, 0 | 15) // free format, bad bitrate
            && (bytes[2] >> 2) & 0b11 != 0b11; // reserved sample rate
        valid.then_some(header)
    }

    /// The MPEG version.
    pub fn version(self) -> Version {
        match (self.0[1] >> 3) & 0b11 {
            0b11 => Version::Mpeg1,
            0b10 => Version::Mpeg2,
            _ => Version::Mpeg25,
        }
    }

    /// Samples per second.
    pub fn sample_rate(self) -> u32 {
        let base = [44_100, 48_000, 32_000][usize::from((self.0[2] >> 2) & 0b11)];
        match self.version() {
            Version::Mpeg1 => base,
            Version::Mpeg2 => base / 2,
            Version::Mpeg25 => base / 4,
        }
    }

    /// Samples per channel in one frame.
    pub fn samples(self) -> u32 {
        if self.version() == Version::Mpeg1 {
            1152
        } else {
            576
        }
    }

    fn bitrate_index(self) -> usize {
        usize::from(self.0[2] >> 4)
    }

    /// Bitrate in kilobits per second.
    pub fn kbps(self) -> u32 {
        kbps(self.version(), self.bitrate_index())
    }

    /// Length of the frame in bytes, header and padding included.
    pub fn size(self) -> u64 {
        let padding = u64::from((self.0[2] >> 1) & 1);
        frame_len(self.version(), self.kbps(), self.sample_rate()) + padding
    }

    /// Whether the frame holds one channel.
    pub fn mono(self) -> bool {
        self.0[3] >> 6 == 0b11
    }

    /// Length of the side information that follows the header (no CRC).
    pub fn side_info_len(self) -> usize {
        match (self.version() == Version::Mpeg1, self.mono()) {
            (true, true) => 17,
            (true, false) => 32,
            (false, true) => 9,
            (false, false) => 17,
        }
    }

    /// Whether `other` belongs to the same stream: same version and sample rate.
    fn same_stream(self, other: Header) -> bool {
        self.version() == other.version() && self.sample_rate() == other.sample_rate()
    }
}

fn kbps(version: Version, index: usize) -> u32 {
    BITRATES[usize::from(version != Version::Mpeg1)][index]
}

fn frame_len(version: Version, kbps: u32, sample_rate: u32) -> u64 {
    let coefficient = if version == Version::Mpeg1 { 144 } else { 72 };
    u64::from(coefficient * kbps * 1000 / sample_rate)
}

/// The frames of an MP3's audio, as [`scan`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frames {
    /// The first frame's header: the stream's version, sample rate and channel mode.
    pub first: Header,
    /// Where each complete frame starts, in bytes from the start of the scanned audio.
    pub offsets: Vec<u64>,
    /// Where the last complete frame ends.
    pub end: u64,
    /// Whether every frame has the same bitrate (then the header says `Info`, not `Xing`).
    pub constant_bitrate: bool,
}

impl Frames {
    /// The stream's duration in seconds, as the frame header will state it.
    pub fn duration_secs(&self) -> f64 {
        self.offsets.len() as f64 * f64::from(self.first.samples())
            / f64::from(self.first.sample_rate())
    }
}

/// Walks the frame headers of `len` bytes of MP3 audio (what lies between its tags).
///
/// The first frame is the first valid header followed by another of the same stream; a
/// frame that does not follow its predecessor (junk in the middle) is found again the same
/// way. A last frame cut short is not counted, as decoders drop it too. Returns `None` when no
/// frame is found, or for a free-format stream, whose frame lengths the headers do not give.
pub fn scan(reader: impl Read, len: u64) -> io::Result<Option<Frames>> {
    let mut window = Window::new(reader, len);
    let Some(start) = window.find_frame(0, None)? else {
        return Ok(None);
    };
    let first = window.header_at(start)?.expect("find_frame found a header");
    let mut frames = Frames {
        first,
        offsets: Vec::new(),
        end: start,
        constant_bitrate: true,
    };
    let mut pos = start;
    while pos + 4 <= len {
        match window.header_at(pos)?.filter(|h| h.same_stream(first)) {
            Some(header) if pos + header.size() <= len => {
                frames.offsets.push(pos);
                frames.constant_bitrate &= header.kbps() == first.kbps();
                pos += header.size();
                frames.end = pos;
            }
            Some(_) => break,
            None => match window.find_frame(pos + 1, Some(first))? {
                Some(next) => pos = next,
                None => break,
            },
        }
        window.forget_before(pos);
    }
    Ok(Some(frames))
}

/// Builds the Xing (VBR) or Info (CBR) frame for `frames`, to be placed right before the
/// audio that was scanned. `None` when the stream is too large for the header's 32-bit counts.
///
/// Layout, as LAME writes it: a Layer III header of the stream's version, sample rate and
/// channel mode (no CRC, no padding), zeroed side information (so a decoder that does not
/// know the header plays one frame of silence), then `Xing`/`Info`, flags `0x0F`, the number
/// of audio frames (this one excluded), the number of bytes from this frame's first byte to
/// the end of the last audio frame, 100 seek-table entries (entry `i`: where the frame at `i` %
/// of the duration starts, as a fraction of that byte count, in 256ths) and a quality of 0
/// (unknown: cyclecast did not encode the stream; no player reads it). The frame's bitrate is
/// the smallest-error match to the stream's average that leaves room for the tag, so that even
/// a player that ignores the tag estimates the duration from a fair bitrate.
pub fn frame(frames: &Frames) -> Option<Vec<u8>> {
    let first = frames.first;
    let count = u32::try_from(frames.offsets.len())
        .ok()
        .filter(|&n| n > 0)?;
    let version = first.version();
    let sample_rate = first.sample_rate();
    let needed = (4 + first.side_info_len() + XING_LEN) as u64;
    let audio_bytes = frames.end - frames.offsets[0];
    let average_bps =
        audio_bytes * 8 * u64::from(sample_rate) / (u64::from(count) * u64::from(first.samples()));
    let (index, size) = (1..15)
        .map(|i| (i, frame_len(version, kbps(version, i), sample_rate)))
        .filter(|&(_, size)| size >= needed)
        .min_by_key(|&(i, _)| (u64::from(kbps(version, i)) * 1000).abs_diff(average_bps))?;
    let total = u32::try_from(size + frames.end).ok()?;

    let mut out = vec![0u8; usize::try_from(size).ok()?];
    out[0] = 0xFF;
    // Same sync, version and layer; protection bit set: no CRC.
    out[1] = (first.0[1] & 0b1111_1110) | 1;
    // The chosen bitrate, the stream's sample rate, no padding, private bit clear.
    out[2] = ((index as u8) << 4) | (first.0[2] & 0b0000_1100);
    // The stream's channel mode, copyright, original and emphasis bits; no mode extension.
    out[3] = first.0[3] & 0b1100_1111;
    let mut at = 4 + first.side_info_len();
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(if frames.constant_bitrate {
        b"Info"
    } else {
        b"Xing"
    });
    put(&XING_FLAGS.to_be_bytes());
    put(&count.to_be_bytes());
    put(&total.to_be_bytes());
    let toc: Vec<u8> = (0..100u64)
        .map(|i| {
            let frame = usize::try_from(i * u64::from(count) / 100).expect("below the count");
            let offset = size + frames.offsets[frame];
            (offset * 256 / u64::from(total)).min(255) as u8
        })
        .collect();
    put(&toc);
    put(&0u32.to_be_bytes());
    Some(out)
}

/// A sliding view of the reader: bytes from `base` on, read in blocks as the scan moves on.
struct Window<R> {
    reader: R,
    len: u64,
    base: u64,
    bytes: Vec<u8>,
}

impl<R: Read> Window<R> {
    fn new(reader: R, len: u64) -> Window<R> {
        Window {
            reader,
            len,
            base: 0,
            bytes: Vec::new(),
        }
    }

    /// The header at `pos`, if the bytes there are one.
    fn header_at(&mut self, pos: u64) -> io::Result<Option<Header>> {
        if pos + 4 > self.len {
            return Ok(None);
        }
        self.fill_to(pos + 4)?;
        let at = usize::try_from(pos - self.base).expect("the window is small");
        let Some(bytes) = self.bytes.get(at..at + 4) else {
            // The reader held fewer bytes than announced.
            return Ok(None);
        };
        Ok(Header::parse(bytes.try_into().expect("four bytes")))
    }

    /// The first position from `from` where a frame starts that is followed by another frame
    /// of the same stream (or by the end of the audio), and of the same stream as `like`.
    fn find_frame(&mut self, from: u64, like: Option<Header>) -> io::Result<Option<u64>> {
        let mut pos = from;
        while pos + 4 <= self.len {
            if let Some(header) = self.header_at(pos)?
                && like.is_none_or(|l| l.same_stream(header))
            {
                let next = pos + header.size();
                let confirmed = next == self.len
                    || self.header_at(next)?.is_some_and(|h| h.same_stream(header));
                if confirmed {
                    return Ok(Some(pos));
                }
            }
            pos += 1;
            self.forget_before(pos);
        }
        Ok(None)
    }

    /// Reads until the window holds the bytes before `end` (or the reader is exhausted).
    fn fill_to(&mut self, end: u64) -> io::Result<()> {
        let end = end.min(self.len);
        while self.base + (self.bytes.len() as u64) < end {
            let want = (end - self.base - self.bytes.len() as u64).max(64 * 1024);
            let before = self.bytes.len();
            (&mut self.reader).take(want).read_to_end(&mut self.bytes)?;
            if self.bytes.len() == before {
                break;
            }
        }
        Ok(())
    }

    /// Drops the bytes before `pos` once enough of them pile up; keeps what a lookahead of
    /// one frame and a header may still need.
    fn forget_before(&mut self, pos: u64) {
        let keep_from = pos.saturating_sub(MAX_FRAME_LEN);
        if keep_from > self.base + 256 * 1024 {
            let drop = usize::try_from(keep_from - self.base).expect("the window is small");
            let drop = drop.min(self.bytes.len());
            self.bytes.drain(..drop);
            self.base += drop as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A frame of MPEG-1 Layer III at 44.1 kHz, mono, with this bitrate index, filled with
    /// a byte that cannot start a header.
    fn mpeg1_frame(index: u8) -> Vec<u8> {
        let header = Header::parse([0xFF, 0xFB, index << 4, 0xC4]).unwrap();
        let mut frame = vec![0x55; header.size() as usize];
        frame[..4].copy_from_slice(&header.0);
        frame
    }

    fn scan_bytes(bytes: &[u8]) -> Option<Frames> {
        scan(Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    #[test]
    fn reads_the_figures_of_a_header() {
        let header = Header::parse([0xFF, 0xFB, 0x90, 0xC4]).unwrap();
        assert_eq!(header.version(), Version::Mpeg1);
        assert_eq!(header.sample_rate(), 44_100);
        assert_eq!(header.kbps(), 128);
        assert_eq!(header.size(), 417);
        assert!(header.mono());
        // MPEG-2, 22.05 kHz, 48 kbit/s, padded, stereo.
        let header = Header::parse([0xFF, 0xF3, 0x62, 0x00]).unwrap();
        assert_eq!(header.version(), Version::Mpeg2);
        assert_eq!(header.sample_rate(), 22_050);
        assert_eq!(header.size(), 156 + 1);
        assert_eq!(header.samples(), 576);
        assert_eq!(header.side_info_len(), 17);
        // Free format, layer II, a reserved sample rate.
        assert!(Header::parse([0xFF, 0xFB, 0x00, 0xC4]).is_none());
        assert!(Header::parse([0xFF, 0xFD, 0x90, 0xC4]).is_none());
        assert!(Header::parse([0xFF, 0xFB, 0x9C, 0xC4]).is_none());
    }

    #[test]
    fn finds_every_frame_past_junk_and_drops_a_cut_last_frame() {
        let mut bytes = b"junk before the first frame".to_vec();
        let mut expected = Vec::new();
        for index in [9u8, 5, 14, 9] {
            expected.push(bytes.len() as u64);
            bytes.extend(mpeg1_frame(index));
        }
        bytes.extend(b"junk in the middle");
        expected.push(bytes.len() as u64);
        bytes.extend(mpeg1_frame(1));
        let end = bytes.len() as u64;
        bytes.extend(&mpeg1_frame(9)[..100]);
        let frames = scan_bytes(&bytes).unwrap();
        assert_eq!(frames.offsets, expected);
        assert_eq!(frames.end, end);
        assert!(!frames.constant_bitrate);
        assert_eq!(frames.first.kbps(), 128);
    }

    #[test]
    fn finds_no_frames_in_noise() {
        assert_eq!(scan_bytes(&[0x55; 5000]), None);
        assert_eq!(scan_bytes(&[]), None);
    }

    #[test]
    fn scans_across_the_window_s_blocks() {
        // More than the window keeps, so that blocks are read and dropped on the way.
        let frames: Vec<u8> = (0..2000u32)
            .flat_map(|i| mpeg1_frame(1 + (i % 14) as u8))
            .collect();
        let found = scan_bytes(&frames).unwrap();
        assert_eq!(found.offsets.len(), 2000);
        assert_eq!(found.end, frames.len() as u64);
    }

    #[test]
    fn builds_a_xing_frame_players_read() {
        let mut audio = Vec::new();
        for i in 0..1000u32 {
            audio.extend(mpeg1_frame(if i < 500 { 5 } else { 11 }));
        }
        let frames = scan_bytes(&audio).unwrap();
        let xing = frame(&frames).unwrap();
        let header = Header::parse(xing[..4].try_into().unwrap()).unwrap();
        assert_eq!(header.size(), xing.len() as u64);
        assert_eq!(header.sample_rate(), 44_100);
        assert!(header.mono());
        // Average of 64 and 192 kbit/s.
        assert_eq!(header.kbps(), 128);
        // Zeroed side information (silence), then the tag where readers look for it.
        assert!(xing[4..21].iter().all(|&b| b == 0));
        assert_eq!(&xing[21..25], b"Xing");
        let word = |at: usize| u32::from_be_bytes(xing[at..at + 4].try_into().unwrap());
        assert_eq!(word(25), 0x0F);
        assert_eq!(word(29), 1000);
        assert_eq!(word(33) as usize, xing.len() + audio.len());
        let toc = &xing[37..137];
        assert_eq!(toc[0], 0);
        assert!(toc.windows(2).all(|w| w[0] <= w[1]));
        // Half the frames are a quarter of the bytes: 64 kbit/s, then 192 kbit/s.
        let expected = (xing.len() + 500 * mpeg1_frame(5).len()) * 256 / (xing.len() + audio.len());
        assert_eq!(usize::from(toc[50]), expected);
        // The quality field (unknown: 0).
        assert_eq!(word(137), 0);
        // symphonia and ffmpeg read the Xing tag, then skip the frame as audio: the copy
        // lasts as long as the stream itself.
        let mut copy = xing.clone();
        copy.extend(&audio);
        let info = crate::probe::probe_bytes(copy, Some("mp3")).unwrap();
        assert_eq!(info.frames, 1000 * 1152);
    }

    #[test]
    fn says_info_for_a_constant_bitrate_and_keeps_it() {
        let audio: Vec<u8> = (0..50).flat_map(|_| mpeg1_frame(5)).collect();
        let frames = scan_bytes(&audio).unwrap();
        assert!(frames.constant_bitrate);
        let xing = frame(&frames).unwrap();
        assert_eq!(&xing[21..25], b"Info");
        // 64 kbit/s holds the tag at 44.1 kHz: the header frame shows the stream's bitrate.
        assert_eq!(
            Header::parse(xing[..4].try_into().unwrap()).unwrap().kbps(),
            64
        );
    }

    #[test]
    fn never_panics_on_damaged_streams() {
        let good: Vec<u8> = (0..40u8).flat_map(|i| mpeg1_frame(1 + i % 14)).collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2_000 {
            let mut bytes = good.clone();
            for _ in 0..1 + next() % 8 {
                let at = next() as usize % bytes.len();
                // Sync bytes and header-like values are where the scan can go wrong.
                bytes[at] = [0xFF, 0xFB, 0xE0, next() as u8][next() as usize % 4];
            }
            bytes.truncate(next() as usize % (bytes.len() + 1));
            if let Some(frames) = scan_bytes(&bytes) {
                assert!(frames.end <= bytes.len() as u64);
                assert!(frames.offsets.windows(2).all(|w| w[0] < w[1]));
                if let Some(xing) = frame(&frames) {
                    assert!(Header::parse(xing[..4].try_into().unwrap()).is_some());
                }
            }
        }
    }

    #[test]
    fn picks_a_frame_large_enough_for_the_tag() {
        // MPEG-1 at 48 kHz, stereo, 32 kbit/s: a 96-byte frame cannot hold the tag.
        let header = Header::parse([0xFF, 0xFB, 0x14, 0x00]).unwrap();
        assert_eq!(header.size(), 96);
        let mut one = vec![0x55u8; 96];
        one[..4].copy_from_slice(&header.0);
        let audio: Vec<u8> = (0..10).flat_map(|_| one.clone()).collect();
        let xing = frame(&scan_bytes(&audio).unwrap()).unwrap();
        let written = Header::parse(xing[..4].try_into().unwrap()).unwrap();
        assert!(written.size() as usize >= 4 + 32 + XING_LEN);
        assert!(!written.mono());
        assert_eq!(&xing[36..40], b"Info");
        assert!(crate::mpeg::has_frame_count_header(&xing));
    }
}
