//! Byte-level facts about MP3 files that neither symphonia nor id3 exposes: where an ID3v2
//! tag ends, whether the first frame carries a Xing, Info or VBRI header (the frame count
//! players trust for the duration), and [`scan`], the walk over every frame header that gives
//! `probe` an MP3's exact length and `xing` the frames it indexes. Pure functions on bytes, or
//! on any reader.
//!
//! Holds [`xing`] (the Xing frame a copy gains); uses nothing else of the crate.

pub mod xing;

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

/// Size of the ID3v2 tag (header, body and footer) that `bytes` starts with, if it does.
pub fn id3v2_len(bytes: &[u8]) -> Option<u64> {
    let header = bytes.get(..10)?;
    let syncsafe = header[6..10].iter().all(|b| b & 0x80 == 0);
    if &header[..3] != b"ID3" || header[3] == 0xFF || header[4] == 0xFF || !syncsafe {
        return None;
    }
    let body = header[6..10]
        .iter()
        .fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
    let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

/// Whether the first MPEG audio frame in `head` (the file's first bytes) carries a Xing,
/// Info or VBRI header.
pub fn has_frame_count_header(head: &[u8]) -> bool {
    let mut start = 0usize;
    while let Some(len) = head.get(start..).and_then(id3v2_len) {
        start += usize::try_from(len).unwrap_or(usize::MAX);
    }
    let Some(head) = head.get(start..) else {
        return false;
    };
    let Some(frame) =
        (0..head.len().saturating_sub(4)).find(|&i| is_layer3_header(&head[i..i + 4]))
    else {
        return false;
    };
    let mpeg1 = (head[frame + 1] >> 3) & 0b11 == 0b11;
    let mono = head[frame + 3] >> 6 == 0b11;
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let at = |offset: usize, tag: &[u8]| head.get(frame + offset..frame + offset + 4) == Some(tag);
    at(4 + side_info, b"Xing") || at(4 + side_info, b"Info") || at(36, b"VBRI")
}

fn is_layer3_header(b: &[u8]) -> bool {
    b[0] == 0xFF
        && b[1] & 0xE0 == 0xE0
        && (b[1] >> 3) & 0b11 != 0b01 // reserved version
        && (b[1] >> 1) & 0b11 == 0b01 // layer III
        && b[2] >> 4 != 0b1111 // bad bitrate
        && (b[2] >> 2) & 0b11 != 0b11 // reserved sample rate
}

// ─── Frame scan (issue #4) ────────────────────────────────────────────────────────────────
//
// The exact length of an MP3 is its number of frames: only a walk over every frame header
// finds it when the Xing header is missing, wrong, or describes a file that was cut since.
// The walk reads the file once, in large blocks, and decodes nothing.

/// Longest Layer III frame: 320 kbit/s at 32 kHz (MPEG-1), or 160 kbit/s at 8 kHz (MPEG-2.5).
const MAX_FRAME_LEN: usize = 1441;

/// Bytes read at once while walking the frames.
const BLOCK_LEN: usize = 256 * 1024;

/// Damaged stretches skipped before a scan gives up on the file.
pub const MAX_RESYNCS: u32 = 1000;

/// Trailing tags (ID3v1, APE, Lyrics3, appended ID3v2) stripped at most.
const MAX_TRAILERS: usize = 8;

/// Samples an MP3 decoder outputs before the first encoded one (its filter bank's delay).
const DECODER_DELAY: u32 = 529;

/// Leading ID3v2 tags skipped at most.
const MAX_LEADING_TAGS: usize = 16;

/// Layer III bitrates in kbit/s by index: MPEG-1, then MPEG-2 and 2.5.
const BITRATES: [[u32; 15]; 2] = [
    [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/// The header of a Layer III frame with a known bitrate (free-format streams are not walked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader([u8; 4]);

impl FrameHeader {
    /// Reads the four bytes `bytes` starts with as a Layer III frame header.
    pub fn parse(bytes: &[u8]) -> Option<FrameHeader> {
        let b: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
        (is_layer3_header(&b) && b[2] >> 4 != 0).then_some(FrameHeader(b))
    }

    /// 1 for MPEG-1, 2 for MPEG-2, 25 for MPEG-2.5.
    pub fn version(self) -> u8 {
        match (self.0[1] >> 3) & 0b11 {
            0b11 => 1,
            0b10 => 2,
            _ => 25,
        }
    }

    /// Samples per second.
    pub fn sample_rate(self) -> u32 {
        let base = [44_100, 48_000, 32_000][usize::from((self.0[2] >> 2) & 0b11)];
        match self.version() {
            1 => base,
            2 => base / 2,
            _ => base / 4,
        }
    }

    /// Samples per channel in one frame.
    pub fn samples(self) -> u32 {
        if self.version() == 1 { 1152 } else { 576 }
    }

    /// Number of channels.
    pub fn channels(self) -> u32 {
        if self.mono() { 1 } else { 2 }
    }

    /// Bitrate in kbit/s.
    pub fn kbps(self) -> u32 {
        BITRATES[usize::from(self.version() != 1)][usize::from(self.0[2] >> 4)]
    }

    /// Length of the frame in bytes, header and padding included.
    pub fn frame_len(self) -> usize {
        let coefficient = if self.version() == 1 { 144_000 } else { 72_000 };
        let padding = usize::from((self.0[2] >> 1) & 1);
        (coefficient * self.kbps() / self.sample_rate()) as usize + padding
    }

    /// The four bytes of the header.
    pub fn bytes(self) -> [u8; 4] {
        self.0
    }

    /// The same header with bitrate index `index` and the padding bit set or clear; `None`
    /// for an index that is no bitrate (0, free format, and 15 and above).
    pub fn with_bitrate(self, index: u8, padded: bool) -> Option<FrameHeader> {
        let third = index.checked_mul(16)? | (self.0[2] & 0b0000_1101) | (u8::from(padded) << 1);
        FrameHeader::parse(&[self.0[0], self.0[1], third, self.0[3]])
    }

    /// Whether the frame holds one channel.
    pub fn mono(self) -> bool {
        self.0[3] >> 6 == 0b11
    }

    /// Length of the side information that follows the header (no CRC).
    pub fn side_info_len(self) -> usize {
        match (self.version() == 1, self.mono()) {
            (true, true) => 17,
            (true, false) => 32,
            (false, true) => 9,
            (false, false) => 17,
        }
    }

    /// Whether `other` can belong to the same stream: same version, rate and channel count.
    fn same_stream(self, other: FrameHeader) -> bool {
        self.0[1] & 0b0001_1110 == other.0[1] & 0b0001_1110
            && (self.0[2] >> 2) & 0b11 == (other.0[2] >> 2) & 0b11
            && self.mono() == other.mono()
    }
}

/// Which header the first frame of a stream carries in place of audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoKind {
    /// `Xing`: LAME's (and others') VBR header.
    Xing,
    /// `Info`: the same header in a CBR stream.
    Info,
    /// `VBRI`: the Fraunhofer encoder's header.
    Vbri,
}

/// What the header in the first frame states about the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoHeader {
    /// Which header it is.
    pub kind: InfoKind,
    /// Number of audio frames, when stated.
    pub frames: Option<u32>,
    /// Number of bytes of the stream, when stated (encoders differ on what they include).
    pub bytes: Option<u32>,
    /// Samples to drop at the start and at the end (the LAME header's encoder delay and
    /// padding, with the decoder's own delay of 529 samples moved from the end to the start,
    /// as ffmpeg and symphonia count them).
    pub trim: Option<(u32, u32)>,
}

/// Reads the Xing, Info or VBRI header of `frame` (a whole frame, header included).
pub fn info_header(frame: &[u8], header: FrameHeader) -> Option<InfoHeader> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(frame.get(at..at + 4)?.try_into().ok()?))
    };
    let xing = 4 + header.side_info_len();
    let kind = match frame.get(xing..xing + 4) {
        Some(b"Xing") => Some(InfoKind::Xing),
        Some(b"Info") => Some(InfoKind::Info),
        _ => None,
    };
    if let Some(kind) = kind {
        let flags = be32(xing + 4)?;
        let mut at = xing + 8;
        let mut field = |flag: u32| -> Option<u32> {
            if flags & flag == 0 {
                return None;
            }
            let value = be32(at);
            at += 4;
            value
        };
        let frames = field(1);
        let bytes = field(2);
        let lame = at + if flags & 4 != 0 { 100 } else { 0 } + if flags & 8 != 0 { 4 } else { 0 };
        // The LAME extension: encoder (9 bytes), revision, lowpass, replay gain (8), flags,
        // bitrate, then 12 bits of delay and 12 of padding. ffmpeg writes it too, and neither
        // ffmpeg nor this reads its CRC: a header edited since still says how to trim.
        let encoder = frame.get(lame..lame + 4);
        let trim = matches!(encoder, Some(b"LAME" | b"Lavf" | b"Lavc"))
            .then(|| frame.get(lame + 21..lame + 24))
            .flatten()
            .map(|b| {
                let delay = (u32::from(b[0]) << 4) | u32::from(b[1] >> 4);
                let padding = (u32::from(b[1] & 0x0F) << 8) | u32::from(b[2]);
                (delay + DECODER_DELAY, padding.saturating_sub(DECODER_DELAY))
            });
        return Some(InfoHeader {
            kind,
            frames,
            bytes,
            trim,
        });
    }
    (frame.get(36..40) == Some(b"VBRI")).then(|| InfoHeader {
        kind: InfoKind::Vbri,
        frames: be32(50),
        bytes: be32(46),
        trim: None,
    })
}

/// What a walk over an MP3's frames found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The header of the first frame: the stream's version, sample rate and channels.
    pub header: FrameHeader,
    /// The Xing, Info or VBRI header of the first frame, which then holds no audio.
    pub info: Option<InfoHeader>,
    /// Where the first frame (the header frame, if any) starts.
    pub first_frame: u64,
    /// Audio frames counted (the header frame excluded).
    pub frames: u64,
    /// Bytes of those frames.
    pub audio_bytes: u64,
    /// Bytes from the first frame (the header frame included) to the end of the last.
    pub stream_bytes: u64,
    /// Bytes between the leading tags and the first frame.
    pub leading_junk: u64,
    /// Whether all those bytes are zero (padding, not damage).
    pub leading_zeros: bool,
    /// Stretches of bytes between frames that are not frames (damage).
    pub damaged: u32,
    /// Bytes in those stretches.
    pub damaged_bytes: u64,
    /// Audio frames counted before the first damaged stretch.
    pub frames_before_damage: Option<u64>,
    /// Bytes after the last frame that are neither a frame nor a known tag.
    pub trailing_junk: u64,
    /// Whether the last frame runs past the end of the file (it is not counted).
    pub cut_short: bool,
    /// Whether the walk stopped after [`MAX_RESYNCS`] damaged stretches.
    pub gave_up: bool,
    /// Whether every audio frame has the same bitrate.
    pub constant_bitrate: bool,
}

impl Scan {
    /// Samples per channel in the audio frames, before any encoder delay or padding is removed.
    pub fn samples(&self) -> u64 {
        self.frames * u64::from(self.header.samples())
    }
}

/// Walks every frame header of an MP3 file of `len` bytes, reading it once from the start.
///
/// Leading ID3v2 tags and trailing ID3v1, APE, Lyrics3 and ID3v2 tags are stepped over, then
/// [`walk`] goes over what lies between them. Returns `None` when no frame is found (or the
/// stream is free-format). The work is linear in `len`, the memory one block of the file.
pub fn scan<R: Read + Seek>(reader: R, len: u64) -> io::Result<Option<Scan>> {
    scan_each(reader, len, |_| {})
}

/// [`scan`], calling `on_frame` with the bytes of each audio frame, in order: the way to keep
/// what the walk sees of each frame without the walk keeping anything.
pub fn scan_each<R: Read + Seek>(
    mut reader: R,
    len: u64,
    on_frame: impl FnMut(Range<u64>),
) -> io::Result<Option<Scan>> {
    let audio = audio_range(&mut reader, len)?;
    reader.seek(SeekFrom::Start(audio.start))?;
    walk(reader, audio, on_frame)
}

/// Walks the frames of `audio`, a stretch of an MP3 (what lies between its tags) that `reader`
/// holds from `audio.start` on, reading it once, forward only; calls `on_frame` with the
/// bytes of each audio frame, in order. Offsets count from wherever `audio` counts from.
///
/// The one walk over MP3 frames in cyclecast: `probe` counts with it and `xing` finds the
/// frames it indexes with it, so the two never disagree. The first frame is the first valid
/// header followed by another of the same stream (version, layer, sample rate and channel
/// count) or by the end of `audio`; its Xing, Info or VBRI header, if it has one, makes it no
/// audio frame. A header that does not follow its predecessor (damage) is found again the same
/// way, at most [`MAX_RESYNCS`] times. A last frame cut short is not counted, as decoders drop
/// it too. Returns `None` when no frame is found, or for a free-format stream, whose frame
/// lengths the headers do not give.
pub fn walk<R: Read>(
    reader: R,
    audio: Range<u64>,
    mut on_frame: impl FnMut(Range<u64>),
) -> io::Result<Option<Scan>> {
    let (start, end) = (audio.start, audio.end.max(audio.start));
    let mut window = Window::new(reader, start);
    let Some((first_frame, skipped_nonzero)) = window.find_frame(start, end, None)? else {
        return Ok(None);
    };
    let first = window
        .get(first_frame, 4)?
        .and_then(FrameHeader::parse)
        .expect("find_frame returns a header");
    let whole = first.frame_len().min((end - first_frame) as usize);
    let info = window
        .get(first_frame, whole)?
        .and_then(|frame| info_header(frame, first));
    let mut scan = Scan {
        header: first,
        info,
        first_frame,
        frames: 0,
        audio_bytes: 0,
        stream_bytes: 0,
        leading_junk: first_frame - start,
        leading_zeros: !skipped_nonzero,
        damaged: 0,
        damaged_bytes: 0,
        frames_before_damage: None,
        trailing_junk: 0,
        cut_short: false,
        gave_up: false,
        constant_bitrate: true,
    };
    let mut pos = first_frame;
    if info.is_some() {
        pos = (pos + first.frame_len() as u64).min(end);
    }
    let mut stream_end = pos;
    let lengths = Lengths::of(first);
    let mut audio_bitrate = None;
    while pos < end {
        let frame = window.get(pos, 4)?.and_then(|b| lengths.frame(b));
        match frame {
            Some((len, bitrate)) if pos + len as u64 <= end => {
                scan.frames += 1;
                scan.audio_bytes += len as u64;
                scan.constant_bitrate &= *audio_bitrate.get_or_insert(bitrate) == bitrate;
                on_frame(pos..pos + len as u64);
                pos += len as u64;
                stream_end = pos;
            }
            Some(_) => {
                scan.cut_short = true;
                break;
            }
            None => match window.find_frame(pos + 1, end, Some(first))? {
                Some((next, _)) => {
                    scan.damaged += 1;
                    scan.damaged_bytes += next - pos;
                    scan.frames_before_damage.get_or_insert(scan.frames);
                    pos = next;
                    if scan.damaged >= MAX_RESYNCS {
                        scan.gave_up = true;
                        break;
                    }
                }
                None => {
                    scan.trailing_junk = end - pos;
                    break;
                }
            },
        }
    }
    scan.stream_bytes = stream_end - first_frame;
    Ok(Some(scan))
}

/// The frames of one stream, for the walk's hot path: a header of the stream is one with its
/// sync, version, layer, sample rate and channel count, and its length depends only on its
/// bitrate and padding bit.
struct Lengths {
    /// The header's second byte, without the CRC bit.
    sync: u8,
    /// The sample rate bits of the third byte.
    rate: u8,
    mono: bool,
    /// Frame length by bitrate index and padding bit; 0 for an invalid index.
    len: [[u16; 2]; 16],
}

impl Lengths {
    fn of(first: FrameHeader) -> Lengths {
        let mut len = [[0u16; 2]; 16];
        for (index, by_padding) in len.iter_mut().enumerate().take(15).skip(1) {
            for (padding, slot) in by_padding.iter_mut().enumerate() {
                let header = first
                    .with_bitrate(index as u8, padding == 1)
                    .expect("bitrate indexes 1 to 14 are valid");
                *slot =
                    u16::try_from(header.frame_len()).expect("frames are shorter than 1,442 bytes");
            }
        }
        Lengths {
            sync: first.0[1] & 0xFE,
            rate: first.0[2] & 0x0C,
            mono: first.mono(),
            len,
        }
    }

    /// The length and bitrate index of the frame whose header `b` starts with.
    #[inline]
    fn frame(&self, b: &[u8]) -> Option<(usize, u8)> {
        if b[0] != 0xFF || b[1] & 0xFE != self.sync || b[2] & 0x0C != self.rate {
            return None;
        }
        if (b[3] >> 6 == 0b11) != self.mono {
            return None;
        }
        let bitrate = b[2] >> 4;
        let len = self.len[usize::from(bitrate)][usize::from((b[2] >> 1) & 1)];
        (len != 0).then_some((usize::from(len), bitrate))
    }
}

/// Where the audio starts: after the ID3v2 tags the file begins with (MP3s have them, and so
/// do some WAVs, which symphonia reads all the same).
pub fn leading_tags_end<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<u64> {
    let mut pos = 0;
    for _ in 0..MAX_LEADING_TAGS {
        let Some(header) = read_at(reader, pos, 10, len)? else {
            break;
        };
        match id3v2_len(&header) {
            Some(tag) if tag <= len - pos => pos += tag,
            _ => break,
        }
    }
    Ok(pos)
}

/// The stretch of an MP3 of `len` bytes that holds its audio: after the ID3v2 tags it starts
/// with ([`leading_tags_end`]), before the tags it ends with: ID3v1 (maybe extended by
/// `TAG+`), APEv2, Lyrics3 v1 and v2, and ID3v2 with a `3DI` footer, in any order. What
/// [`scan`] walks and what a tagged copy keeps, so the copy holds the frames probe counts.
pub fn audio_range<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<Range<u64>> {
    let start = leading_tags_end(reader, len)?;
    let end = trailing_tags_start(reader, start, len)?;
    Ok(start..end)
}

/// Length of an ID3v1 tag.
const ID3V1_LEN: u64 = 128;

/// Length of the `TAG+` block that extends an ID3v1 tag, right before it.
const ID3V1_EXTENDED_LEN: u64 = 227;

/// Longest Lyrics3 v1 block: `LYRICSBEGIN`, at most 5100 bytes of lyrics, `LYRICSEND`.
const LYRICS3V1_MAX_LEN: u64 = 11 + 5100 + 9;

/// Length of a Lyrics3 v2 footer: six digits of size, then `LYRICS200`.
const LYRICS3V2_FOOTER_LEN: u64 = 15;

/// A kind of tag an MP3 ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trailer {
    /// ID3v1, with its `TAG+` extension if it has one.
    Id3v1,
    /// APEv2 (or v1: the same footer).
    Ape,
    /// Lyrics3 v1: found only right before an ID3v1 tag, as it has no size to check.
    Lyrics3v1,
    /// Lyrics3 v2.
    Lyrics3v2,
    /// An appended ID3v2 tag, which a `3DI` footer marks.
    Id3v2,
}

/// Where the audio ends: before the trailing tags ([`Trailer`]) the file ends with, in any
/// order, at most [`MAX_TRAILERS`] of them. A tag is stripped only when it lies wholly after
/// `start`, so a size field that lies never moves the end before the audio starts.
fn trailing_tags_start<R: Read + Seek>(reader: &mut R, start: u64, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut next = None;
    for _ in 0..MAX_TRAILERS {
        let tail = Tail { start, end, len };
        let Some((kind, tag_len)) = trailing_tag(reader, tail, next)? else {
            break;
        };
        end -= tag_len;
        next = Some(kind);
    }
    Ok(end)
}

/// The tag that ends at `tail.end`, and its length; `next` is the one that follows it.
fn trailing_tag<R: Read + Seek>(
    reader: &mut R,
    tail: Tail,
    next: Option<Trailer>,
) -> io::Result<Option<(Trailer, u64)>> {
    let found = if let Some(n) = id3v1_len(reader, tail)? {
        (Trailer::Id3v1, n)
    } else if let Some(n) = ape_len(reader, tail)? {
        (Trailer::Ape, n)
    } else if next == Some(Trailer::Id3v1)
        && let Some(n) = lyrics3v1_len(reader, tail)?
    {
        (Trailer::Lyrics3v1, n)
    } else if let Some(n) = lyrics3v2_len(reader, tail)? {
        (Trailer::Lyrics3v2, n)
    } else if let Some(n) = appended_id3v2_len(reader, tail)? {
        (Trailer::Id3v2, n)
    } else {
        return Ok(None);
    };
    Ok(Some(found))
}

/// Where trailing tags are looked for: the bytes before `end` in a file of `len` bytes, a tag
/// being one only if it starts no earlier than `start`.
#[derive(Debug, Clone, Copy)]
struct Tail {
    start: u64,
    end: u64,
    len: u64,
}

impl Tail {
    /// Where a tag of `tag_len` bytes that ends at `end` starts, if not before `start`.
    fn tag_start(self, tag_len: u64) -> Option<u64> {
        (tag_len <= self.end - self.start).then(|| self.end - tag_len)
    }

    /// The first `n` bytes of a tag of `tag_len` bytes that ends at `end`, if it fits.
    fn head<R: Read + Seek>(
        self,
        reader: &mut R,
        tag_len: u64,
        n: usize,
    ) -> io::Result<Option<Vec<u8>>> {
        match self.tag_start(tag_len) {
            Some(at) if n as u64 <= tag_len => read_at(reader, at, n, self.len),
            _ => Ok(None),
        }
    }

    /// The last `n` bytes before `end`, if they lie after `start`.
    fn last<R: Read + Seek>(self, reader: &mut R, n: usize) -> io::Result<Option<Vec<u8>>> {
        self.head(reader, n as u64, n)
    }
}

/// An ID3v1 tag, with the `TAG+` block that extends it if there is one.
fn id3v1_len<R: Read + Seek>(reader: &mut R, tail: Tail) -> io::Result<Option<u64>> {
    if tail.head(reader, ID3V1_LEN, 3)?.as_deref() != Some(b"TAG") {
        return Ok(None);
    }
    let extended_len = ID3V1_LEN + ID3V1_EXTENDED_LEN;
    let extended = tail.head(reader, extended_len, 4)?.as_deref() == Some(b"TAG+");
    Ok(Some(if extended { extended_len } else { ID3V1_LEN }))
}

/// An APE tag: its footer gives its size (items and footer), and says whether a header,
/// which then must be there, comes before the items.
fn ape_len<R: Read + Seek>(reader: &mut R, tail: Tail) -> io::Result<Option<u64>> {
    let Some(footer) = tail.last(reader, 32)? else {
        return Ok(None);
    };
    if &footer[..8] != b"APETAGEX" {
        return Ok(None);
    }
    let le32 = |i: usize| u64::from(u32::from_le_bytes(footer[i..i + 4].try_into().expect("4")));
    let has_header = le32(20) & (1 << 31) != 0;
    let tag_len = le32(12) + if has_header { 32 } else { 0 };
    if tag_len < 32 || tail.tag_start(tag_len).is_none() {
        return Ok(None);
    }
    if has_header && tail.head(reader, tag_len, 8)?.as_deref() != Some(b"APETAGEX") {
        return Ok(None);
    }
    Ok(Some(tag_len))
}

/// A Lyrics3 v1 block: `LYRICSBEGIN`, the lyrics, `LYRICSEND`. It states no size: its start is
/// the last `LYRICSBEGIN` in the 5,120 bytes before `end` (lyrics hold neither marker).
fn lyrics3v1_len<R: Read + Seek>(reader: &mut R, tail: Tail) -> io::Result<Option<u64>> {
    if tail.last(reader, 9)?.as_deref() != Some(b"LYRICSEND") {
        return Ok(None);
    }
    let window = LYRICS3V1_MAX_LEN.min(tail.end - tail.start);
    let Some(bytes) = tail.head(reader, window, window as usize)? else {
        return Ok(None);
    };
    let lyrics = &bytes[..bytes.len() - 9];
    let begin = lyrics.windows(11).rposition(|w| w == b"LYRICSBEGIN");
    Ok(begin.map(|at| window - at as u64))
}

/// A Lyrics3 v2 block: `LYRICSBEGIN` and the fields, whose size six digits state, then
/// `LYRICS200`.
fn lyrics3v2_len<R: Read + Seek>(reader: &mut R, tail: Tail) -> io::Result<Option<u64>> {
    let Some(footer) = tail.last(reader, LYRICS3V2_FOOTER_LEN as usize)? else {
        return Ok(None);
    };
    if &footer[6..] != b"LYRICS200" || !footer[..6].iter().all(u8::is_ascii_digit) {
        return Ok(None);
    }
    let size = footer[..6]
        .iter()
        .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
    let tag_len = size + LYRICS3V2_FOOTER_LEN;
    let begins = tail.head(reader, tag_len, 11)?.as_deref() == Some(b"LYRICSBEGIN");
    Ok(begins.then_some(tag_len))
}

/// An ID3v2 tag appended at the end: its `3DI` footer repeats its header, which must be there.
fn appended_id3v2_len<R: Read + Seek>(reader: &mut R, tail: Tail) -> io::Result<Option<u64>> {
    let Some(mut footer) = tail.last(reader, 10)? else {
        return Ok(None);
    };
    if &footer[..3] != b"3DI" || footer[5] & 0x10 == 0 {
        return Ok(None);
    }
    footer[..3].copy_from_slice(b"ID3");
    let Some(tag_len) = id3v2_len(&footer) else {
        return Ok(None);
    };
    let begins = tail.head(reader, tag_len, 3)?.as_deref() == Some(b"ID3");
    Ok(begins.then_some(tag_len))
}

/// `n` bytes at `pos`, if the file of `len` bytes holds them.
fn read_at<R: Read + Seek>(
    reader: &mut R,
    pos: u64,
    n: usize,
    len: u64,
) -> io::Result<Option<Vec<u8>>> {
    if pos.checked_add(n as u64).is_none_or(|end| end > len) {
        return Ok(None);
    }
    reader.seek(SeekFrom::Start(pos))?;
    let mut bytes = vec![0; n];
    match reader.read_exact(&mut bytes) {
        Ok(()) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

/// A block of the stream that moves forward as the walk does: `buf[..filled]` holds the bytes
/// from offset `base`, and the reader is at `base + filled`.
struct Window<R> {
    reader: R,
    buf: Box<[u8]>,
    base: u64,
    filled: usize,
}

impl<R: Read> Window<R> {
    /// A window on `reader`, which is at offset `start`.
    fn new(reader: R, start: u64) -> Window<R> {
        Window {
            reader,
            buf: vec![0; BLOCK_LEN].into_boxed_slice(),
            base: start,
            filled: 0,
        }
    }

    /// The `n` bytes (at most a few frames) at `pos`, or `None` past the end of the stream.
    /// `pos` is never before the last position asked for: the walk only moves forward.
    #[inline]
    fn get(&mut self, pos: u64, n: usize) -> io::Result<Option<&[u8]>> {
        debug_assert!(n <= BLOCK_LEN / 2);
        if pos + n as u64 > self.base + self.filled as u64 {
            self.advance(pos, n)?;
        }
        let from = pos
            .checked_sub(self.base)
            .expect("the walk only moves forward") as usize;
        Ok(self.buf[..self.filled].get(from..from + n))
    }

    /// Reads until the block holds the `n` bytes at `pos`, or the stream ends. The bytes
    /// before `pos` are dropped; those the block has not reached yet are read and dropped, as
    /// the reader need not seek. Moves as few bytes as it can: the walk crosses a block
    /// boundary at most a frame or a lookahead away from its end.
    fn advance(&mut self, pos: u64, n: usize) -> io::Result<()> {
        let held_end = self.base + self.filled as u64;
        if pos < held_end {
            self.drop_before(pos);
        } else {
            self.base = held_end;
            self.filled = 0;
        }
        while pos + n as u64 > self.base + self.filled as u64 {
            if self.filled == BLOCK_LEN {
                self.drop_before(pos.min(self.base + self.filled as u64));
            }
            if self.read_more()? == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Moves the held bytes from `pos` on to the start of the block.
    fn drop_before(&mut self, pos: u64) {
        let from = (pos - self.base) as usize;
        self.buf.copy_within(from..self.filled, 0);
        self.filled -= from;
        self.base = pos;
    }

    /// Reads what the reader gives into the free end of the block; 0 at the end of the stream.
    fn read_more(&mut self) -> io::Result<usize> {
        loop {
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(read) => {
                    self.filled += read;
                    return Ok(read);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The first frame from `from` on (before `end`) that is followed by another frame of
    /// the same stream or by `end`, and of the same stream as `like`; with whether any byte
    /// skipped on the way was not zero.
    fn find_frame(
        &mut self,
        from: u64,
        end: u64,
        like: Option<FrameHeader>,
    ) -> io::Result<Option<(u64, bool)>> {
        let mut nonzero = false;
        let mut pos = from;
        while pos + 4 <= end {
            let want = (MAX_FRAME_LEN + 4).min((end - pos) as usize);
            let Some(bytes) = self.get(pos, want)? else {
                break;
            };
            if let Some(header) = FrameHeader::parse(bytes)
                && like.is_none_or(|l| l.same_stream(header))
            {
                let next = header.frame_len();
                let confirmed = pos + next as u64 == end
                    || bytes
                        .get(next..)
                        .and_then(FrameHeader::parse)
                        .is_some_and(|h| h.same_stream(header));
                if confirmed {
                    return Ok(Some((pos, nonzero)));
                }
            }
            nonzero |= bytes[0] != 0;
            pos += 1;
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests;
