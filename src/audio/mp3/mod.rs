//! Byte-level facts about MP3 files that neither symphonia nor id3 exposes: where an ID3v2
//! tag ends, whether the first frame carries a Xing, Info or VBRI header (the frame count
//! players trust for the duration), and [`scan`], the walk over every frame header that gives
//! `probe` an MP3's exact length and `xing` the frames it indexes. Pure functions on bytes, or
//! on any reader.

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
mod tests {
    use super::*;

    fn frame(mpeg1: bool, mono: bool, tag_at: Option<(usize, &[u8])>) -> Vec<u8> {
        let version = if mpeg1 { 0b11 } else { 0b10 };
        let mut f = vec![
            0xFF,
            0xE0 | (version << 3) | (0b01 << 1) | 1,
            0x90,
            if mono { 0xC0 } else { 0x00 },
        ];
        f.resize(400, 0);
        if let Some((offset, tag)) = tag_at {
            f[offset..offset + 4].copy_from_slice(tag);
        }
        f
    }

    #[test]
    fn finds_xing_and_info_where_the_side_info_ends() {
        assert!(has_frame_count_header(&frame(
            true,
            true,
            Some((21, b"Xing"))
        )));
        assert!(has_frame_count_header(&frame(
            true,
            false,
            Some((36, b"Info"))
        )));
        assert!(has_frame_count_header(&frame(
            false,
            true,
            Some((13, b"Info"))
        )));
        assert!(has_frame_count_header(&frame(
            true,
            false,
            Some((36, b"VBRI"))
        )));
        assert!(!has_frame_count_header(&frame(true, true, None)));
        // A Xing string in the wrong place does not count.
        assert!(!has_frame_count_header(&frame(
            true,
            true,
            Some((40, b"Xing"))
        )));
    }

    #[test]
    fn looks_past_id3v2_tags() {
        let mut bytes = b"ID3\x03\x00\x00\x00\x00\x00\x05abcde".to_vec();
        bytes.extend(frame(true, true, Some((21, b"Xing"))));
        assert_eq!(id3v2_len(&bytes), Some(15));
        assert!(has_frame_count_header(&bytes));
    }

    /// An MPEG-2 Layer III frame, 22.05 kHz mono, 32 kbit/s (104 bytes), silent body.
    fn lsf_frame() -> Vec<u8> {
        let mut f = vec![0xFF, 0xF3, 0x40, 0xC4];
        f.resize(FrameHeader::parse(&f).unwrap().frame_len(), 0);
        f
    }

    fn scan_bytes(bytes: &[u8]) -> Option<Scan> {
        scan(std::io::Cursor::new(bytes), bytes.len() as u64).unwrap()
    }

    #[test]
    fn reads_the_frame_length_of_every_version() {
        let mpeg1 = FrameHeader::parse(&[0xFF, 0xFB, 0x92, 0x00]).unwrap();
        assert_eq!(
            (mpeg1.sample_rate(), mpeg1.kbps(), mpeg1.frame_len()),
            (44_100, 128, 418)
        );
        let mpeg2 = FrameHeader::parse(&lsf_frame()).unwrap();
        assert_eq!(
            (mpeg2.version(), mpeg2.samples(), mpeg2.frame_len()),
            (2, 576, 104)
        );
        let mpeg25 = FrameHeader::parse(&[0xFF, 0xE3, 0x10, 0xC4]).unwrap();
        assert_eq!((mpeg25.version(), mpeg25.sample_rate()), (25, 11_025));
        // Free format, a bad bitrate, a reserved rate, layer II.
        for bad in [
            [0xFF, 0xFB, 0x02, 0],
            [0xFF, 0xFB, 0xF0, 0],
            [0xFF, 0xFB, 0x9C, 0],
            [0xFF, 0xFD, 0x90, 0],
        ] {
            assert_eq!(FrameHeader::parse(&bad), None, "{bad:x?}");
        }
    }

    #[test]
    fn reads_the_lame_delay_and_padding() {
        let mut f = frame(true, true, Some((21, b"Info")));
        f[25..29].copy_from_slice(&15u32.to_be_bytes());
        f[29..33].copy_from_slice(&1000u32.to_be_bytes());
        let lame = 21 + 4 + 4 + 4 + 4 + 100 + 4;
        f[lame..lame + 9].copy_from_slice(b"LAME3.100");
        // Delay 576, padding 1,000: 0x240 and 0x3E8 in 12 bits each.
        f[lame + 21..lame + 24].copy_from_slice(&[0x24, 0x03, 0xE8]);
        let header = FrameHeader::parse(&f).unwrap();
        let info = info_header(&f, header).unwrap();
        assert_eq!(info.kind, InfoKind::Info);
        assert_eq!(info.frames, Some(1000));
        assert_eq!(info.trim, Some((576 + 529, 1000 - 529)));
    }

    #[test]
    fn reads_a_vbri_header() {
        let mut f = frame(true, false, Some((36, b"VBRI")));
        f[46..50].copy_from_slice(&123_456u32.to_be_bytes());
        f[50..54].copy_from_slice(&789u32.to_be_bytes());
        let header = FrameHeader::parse(&f).unwrap();
        let info = info_header(&f, header).unwrap();
        assert_eq!(
            (info.kind, info.frames, info.bytes, info.trim),
            (InfoKind::Vbri, Some(789), Some(123_456), None)
        );
    }

    #[test]
    fn steps_over_every_kind_of_trailing_tag() {
        let audio: Vec<u8> = (0..50).flat_map(|_| lsf_frame()).collect();
        let mut lyrics = b"LYRICSBEGININDxx".to_vec();
        lyrics.extend_from_slice(format!("{:06}", lyrics.len()).as_bytes());
        lyrics.extend_from_slice(b"LYRICS200");
        let mut id3_footer =
            b"ID3\x04\x00\x10\x00\x00\x00\x02xx3DI\x04\x00\x10\x00\x00\x00\x02".to_vec();
        id3_footer.truncate(22);
        let mut id3v1 = b"TAG".to_vec();
        id3v1.resize(128, 0xFF);
        let bytes = [audio.clone(), id3_footer, lyrics, id3v1].concat();
        let found = scan_bytes(&bytes).unwrap();
        assert_eq!((found.frames, found.trailing_junk), (50, 0));
        assert!(!found.cut_short);
        assert_eq!(found.stream_bytes, audio.len() as u64);
    }

    #[test]
    fn notes_a_last_frame_cut_short() {
        let audio: Vec<u8> = (0..20).flat_map(|_| lsf_frame()).collect();
        let found = scan_bytes(&audio[..audio.len() - 30]).unwrap();
        assert_eq!(found.frames, 19);
        assert!(found.cut_short);
    }

    #[test]
    fn gives_up_on_a_stream_damaged_everywhere() {
        // Frames separated by junk, more times than a scan resyncs.
        let mut bytes = Vec::new();
        for _ in 0..(MAX_RESYNCS + 10) {
            bytes.extend(lsf_frame());
            bytes.extend(lsf_frame());
            bytes.extend_from_slice(&[1, 2, 3]);
        }
        let found = scan_bytes(&bytes).unwrap();
        assert!(found.gave_up);
        assert_eq!(found.damaged, MAX_RESYNCS);
    }

    /// A reader that cannot seek and hands out a few bytes a call, as a pipe may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn walks_a_reader_that_gives_a_few_bytes_at_a_time_as_it_walks_a_file() {
        let mut bytes = b"junk".to_vec();
        for i in 0..300 {
            bytes.extend(lsf_frame());
            if i % 50 == 7 {
                bytes.extend_from_slice(&[1, 2, 3]);
            }
        }
        bytes.extend(&lsf_frame()[..50]);
        let mut frames = Vec::new();
        let walked = walk(Trickle(&bytes, 0), 0..bytes.len() as u64, |f| {
            frames.push(f)
        })
        .unwrap()
        .unwrap();
        assert_eq!(Some(walked.clone()), scan_bytes(&bytes));
        assert_eq!((walked.frames, walked.damaged), (300, 6));
        assert_eq!((walked.leading_junk, walked.cut_short), (4, true));
        assert_eq!(frames.len(), 300);
        assert!(
            frames.iter().all(|f| f.end - f.start == 104
                && FrameHeader::parse(&bytes[f.start as usize..]).is_some())
        );
    }

    #[test]
    fn reads_forward_across_blocks_and_gaps_without_seeking() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut window = Window::new(&data[..], 0);
        let block = BLOCK_LEN as u64;
        for (pos, n) in [
            (0, 4),
            (10, 1445),
            (block - 2, 4),
            (block + 100, 1445),
            (3 * block + 500, 4),
            (4 * block - 1445 * 100, 1445),
            (999_000, 1000),
        ] {
            let at = pos as usize;
            let got = window.get(pos, n).unwrap();
            assert_eq!(got, Some(&data[at..at + n]), "{pos}");
        }
        assert_eq!(window.get(999_998, 4).unwrap(), None);
    }

    #[test]
    fn finds_no_frame_in_text() {
        assert_eq!(scan_bytes(&b"Ceci n'est pas un MP3. ".repeat(100)), None);
        assert_eq!(scan_bytes(b""), None);
        // A tag that claims more than the file holds.
        assert_eq!(scan_bytes(b"ID3\x03\x00\x00\x7f\x7f\x7f\x7f"), None);
    }
}
