//! Xing frames for MP3s that have none (issue #4, item 3).
//!
//! An MP3 without a Xing, Info or VBRI header does not say how long it is: players estimate
//! the duration from the first frame's bitrate and the file's size (a browser shows 1,108 s for
//! a 200 s VBR file) and seek by guesswork. [`scan_file`] collects where each frame of an MP3's
//! audio starts, as [`crate::audio::mp3::walk`] finds them (the walk `probe` counts with, so the
//! frame count written is the one `probe` states), and [`frame`] builds the header frame LAME
//! would have written: a silent Layer III frame of the stream's own version, sample rate and
//! channel mode that holds the frame count, the byte count, a 100-entry seek table and a
//! quality field. `tag` puts it between the new ID3v2 tag and the audio, which stays as it is.
//!
//! Pure: [`scan`] and [`scan_file`] read from a reader, [`frame`] works on what they found.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

use crate::audio::mp3::{FrameHeader, Scan};

/// `Xing` tag: the tag id, flags, frame count, byte count, seek table, quality.
const XING_LEN: usize = 4 + 4 + 4 + 4 + 100 + 4;

/// Flags: frame count, byte count, seek table (TOC) and quality are present.
const XING_FLAGS: u32 = 0x0F;

/// The frames of an MP3's audio, as [`scan`] or [`scan_file`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frames {
    /// The first frame's header: the stream's version, sample rate and channel mode.
    pub first: FrameHeader,
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

/// Walks the frame headers of `len` bytes of MP3 audio (what lies between its tags) with
/// [`crate::audio::mp3::walk`]: its rules say where the first frame is, how damage is stepped over,
/// and that a last frame cut short is not counted. Returns `None` when no frame is found, for
/// a free-format stream, whose frame lengths the headers do not give, and for a stream whose
/// first frame is a Xing, Info or VBRI header already (it needs no other).
pub fn scan(reader: impl Read, len: u64) -> io::Result<Option<Frames>> {
    let mut found = Collected::within(0..len);
    let walked = crate::audio::mp3::walk(reader.take(len), 0..len, |frame| found.add(frame))?;
    Ok(found.into_frames(walked))
}

/// The frames of the MP3 file `file` that lie in `payload` (the bytes its copy keeps, between
/// its tags), offsets counted from `payload.start`: those [`crate::audio::mp3::scan`] finds, the
/// walk that gives `probe` the file's length. `None` as for [`scan`]. Reads the file once.
pub fn scan_file(file: &mut (impl Read + Seek), payload: Range<u64>) -> io::Result<Option<Frames>> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut found = Collected::within(payload);
    let walked = crate::audio::mp3::scan_each(&mut *file, len, |frame| found.add(frame))?;
    Ok(found.into_frames(walked))
}

/// The one walk over an MP3 file of `len` bytes, for `probe`: what [`crate::audio::mp3::scan`]
/// finds, the stretch that holds the audio (what a tagged copy keeps, as
/// [`crate::audio::mp3::audio_range`] says), and, when the first frame is no Xing, Info or VBRI
/// header, the frames (as [`scan_file`] finds them, so that `tag` need not walk the file again).
pub fn scan_indexed<R: Read + Seek>(
    mut reader: R,
    len: u64,
) -> io::Result<(Option<Scan>, Range<u64>, Option<Frames>)> {
    let payload = crate::audio::mp3::audio_range(&mut reader, len)?;
    let index = !first_frame_states_count(&mut reader, &payload)?;
    reader.seek(SeekFrom::Start(payload.start))?;
    let mut found = Collected::within(payload.clone());
    let walked = crate::audio::mp3::walk(reader, payload.clone(), |frame| {
        if index {
            found.add(frame);
        }
    })?;
    let frames = if index {
        found.into_frames(walked.clone())
    } else {
        None
    };
    Ok((walked, payload, frames))
}

/// Bytes at the start of an MP3's audio looked at for a Xing, Info or VBRI header.
pub const HEAD_LEN: u64 = 64 * 1024;

/// Bytes at the start of an MP3's audio read first: enough when its first frame starts there.
const SHORT_HEAD_LEN: u64 = 4 * 1024;

/// Whether the first frame of `payload` (an MP3's audio) carries a Xing, Info or VBRI header,
/// as [`crate::audio::mp3::has_frame_count_header`] says of its first [`HEAD_LEN`] bytes. Reads
/// [`SHORT_HEAD_LEN`] bytes first, and all of them only when the answer may lie further.
fn first_frame_states_count<R: Read + Seek>(
    reader: &mut R,
    payload: &Range<u64>,
) -> io::Result<bool> {
    let audio_len = payload.end - payload.start;
    let mut head = Vec::new();
    for window in [SHORT_HEAD_LEN, HEAD_LEN] {
        head.clear();
        reader.seek(SeekFrom::Start(payload.start))?;
        (&mut *reader)
            .take(audio_len.min(window))
            .read_to_end(&mut head)?;
        // The answer looks at most 40 bytes past the first frame header, when no ID3v2 tag
        // comes first: within this window, it is the whole head's.
        let settled = head.len() as u64 == audio_len.min(HEAD_LEN)
            || (crate::audio::mp3::id3v2_len(&head).is_none()
                && (0..head.len().saturating_sub(4))
                    .find(|&i| super::is_layer3_header(&head[i..i + 4]))
                    .is_some_and(|i| i + 40 <= head.len()));
        if settled {
            break;
        }
    }
    Ok(crate::audio::mp3::has_frame_count_header(&head))
}

/// The frames a walk reported that lie in a stretch of the file: 8 bytes a frame.
struct Collected {
    within: Range<u64>,
    offsets: Vec<u64>,
    end: u64,
}

impl Collected {
    fn within(within: Range<u64>) -> Collected {
        Collected {
            within,
            offsets: Vec::new(),
            end: 0,
        }
    }

    fn add(&mut self, frame: Range<u64>) {
        if self.within.start <= frame.start && frame.end <= self.within.end {
            self.offsets.push(frame.start - self.within.start);
            self.end = frame.end - self.within.start;
        }
    }

    fn into_frames(self, walked: Option<Scan>) -> Option<Frames> {
        let walked = walked.filter(|w| w.info.is_none())?;
        (!self.offsets.is_empty()).then_some(Frames {
            first: walked.header,
            offsets: self.offsets,
            end: self.end,
            constant_bitrate: walked.constant_bitrate,
        })
    }
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
    let sample_rate = first.sample_rate();
    let needed = 4 + first.side_info_len() + XING_LEN;
    let audio_bytes = frames.end - frames.offsets[0];
    let average_bps =
        audio_bytes * 8 * u64::from(sample_rate) / (u64::from(count) * u64::from(first.samples()));
    let (index, size) = (1..15u8)
        .filter_map(|i| first.with_bitrate(i, false))
        .filter(|h| h.frame_len() >= needed)
        .min_by_key(|h| (u64::from(h.kbps()) * 1000).abs_diff(average_bps))
        .map(|h| (h.bytes()[2] >> 4, h.frame_len() as u64))?;
    let total = u32::try_from(size + frames.end).ok()?;

    let mut out = vec![0u8; usize::try_from(size).ok()?];
    out[0] = 0xFF;
    // Same sync, version and layer; protection bit set: no CRC.
    out[1] = (first.bytes()[1] & 0b1111_1110) | 1;
    // The chosen bitrate, the stream's sample rate, no padding, private bit clear.
    out[2] = (index << 4) | (first.bytes()[2] & 0b0000_1100);
    // The stream's channel mode, copyright, original and emphasis bits; no mode extension.
    out[3] = first.bytes()[3] & 0b1100_1111;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A frame of MPEG-1 Layer III at 44.1 kHz, mono, with this bitrate index, filled with
    /// a byte that cannot start a header.
    fn mpeg1_frame(index: u8) -> Vec<u8> {
        let header = FrameHeader::parse(&[0xFF, 0xFB, index << 4, 0xC4]).unwrap();
        let mut frame = vec![0x55; header.frame_len()];
        frame[..4].copy_from_slice(&header.bytes());
        frame
    }

    fn scan_bytes(bytes: &[u8]) -> Option<Frames> {
        scan(Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    #[test]
    fn reads_the_figures_of_a_header() {
        let header = FrameHeader::parse(&[0xFF, 0xFB, 0x90, 0xC4]).unwrap();
        assert_eq!(header.version(), 1);
        assert_eq!(header.sample_rate(), 44_100);
        assert_eq!(header.kbps(), 128);
        assert_eq!(header.frame_len(), 417);
        assert!(header.mono());
        // MPEG-2, 22.05 kHz, 48 kbit/s, padded, stereo.
        let header = FrameHeader::parse(&[0xFF, 0xF3, 0x62, 0x00]).unwrap();
        assert_eq!(header.version(), 2);
        assert_eq!(header.sample_rate(), 22_050);
        assert_eq!(header.frame_len(), 156 + 1);
        assert_eq!(header.samples(), 576);
        assert_eq!(header.side_info_len(), 17);
        // Free format, layer II, a reserved sample rate.
        assert!(FrameHeader::parse(&[0xFF, 0xFB, 0x00, 0xC4]).is_none());
        assert!(FrameHeader::parse(&[0xFF, 0xFD, 0x90, 0xC4]).is_none());
        assert!(FrameHeader::parse(&[0xFF, 0xFB, 0x9C, 0xC4]).is_none());
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
        let header = FrameHeader::parse(&xing[..4]).unwrap();
        assert_eq!(header.frame_len(), xing.len());
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
        let info = crate::audio::probe::probe_bytes(copy, Some("mp3")).unwrap();
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
        assert_eq!(FrameHeader::parse(&xing[..4]).unwrap().kbps(), 64);
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
                    assert!(FrameHeader::parse(&xing[..4]).is_some());
                }
            }
        }
    }

    #[test]
    fn picks_a_frame_large_enough_for_the_tag() {
        // MPEG-1 at 48 kHz, stereo, 32 kbit/s: a 96-byte frame cannot hold the tag.
        let header = FrameHeader::parse(&[0xFF, 0xFB, 0x14, 0x00]).unwrap();
        assert_eq!(header.frame_len(), 96);
        let mut one = vec![0x55u8; 96];
        one[..4].copy_from_slice(&header.bytes());
        let audio: Vec<u8> = (0..10).flat_map(|_| one.clone()).collect();
        let xing = frame(&scan_bytes(&audio).unwrap()).unwrap();
        let written = FrameHeader::parse(&xing[..4]).unwrap();
        assert!(written.frame_len() >= 4 + 32 + XING_LEN);
        assert!(!written.mono());
        assert_eq!(&xing[36..40], b"Info");
        assert!(crate::audio::mp3::has_frame_count_header(&xing));
    }

    #[test]
    fn indexes_the_frames_probe_counts_in_a_damaged_file() {
        let good: Vec<u8> = (0..60u8).flat_map(|i| mpeg1_frame(1 + i % 14)).collect();
        let id3v2 = b"ID3\x03\x00\x00\x00\x00\x00\x05tags!".to_vec();
        let mut id3v1 = b"TAG".to_vec();
        id3v1.resize(128, b' ');
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut indexed = 0;
        for _ in 0..500 {
            let mut audio = good.clone();
            for _ in 0..next() % 6 {
                let at = next() as usize % audio.len();
                audio[at] = [0xFF, 0xFB, 0x00, next() as u8][next() as usize % 4];
            }
            audio.truncate(audio.len() - next() as usize % 300);
            let bytes = [id3v2.clone(), audio, id3v1.clone()].concat();
            let payload = id3v2.len() as u64..(bytes.len() - id3v1.len()) as u64;
            let counted = crate::audio::mp3::scan(Cursor::new(&bytes), bytes.len() as u64).unwrap();
            let found = scan_file(&mut Cursor::new(&bytes), payload.clone()).unwrap();
            match (counted, found) {
                (Some(counted), Some(found)) => {
                    assert_eq!(found.offsets.len() as u64, counted.frames);
                    assert_eq!(
                        payload.start + found.end,
                        counted.first_frame + counted.stream_bytes
                    );
                    assert_eq!(found.constant_bitrate, counted.constant_bitrate);
                    indexed += 1;
                }
                (Some(counted), None) => assert_eq!(counted.frames, 0),
                (None, found) => assert_eq!(found, None),
            }
        }
        assert!(indexed > 400, "{indexed}");
    }

    #[test]
    fn leaves_a_stream_that_states_its_frame_count_as_it_is() {
        let mut info = mpeg1_frame(9);
        info[21..25].copy_from_slice(b"Info");
        let audio: Vec<u8> = (0..20).flat_map(|_| mpeg1_frame(9)).collect();
        assert!(scan_bytes(&audio).is_some());
        assert_eq!(scan_bytes(&[info, audio].concat()), None);
    }
}
