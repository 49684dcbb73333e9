//! MP4 timing that symphonia leaves out (issue #4): the edit list and iTunes' gapless atom.
//!
//! An AAC encoder starts its stream with priming samples (1,024 for ffmpeg, 2,112 for Apple's
//! encoders) and pads the last frame. An MP4 states which samples are to be played in the
//! track's edit list (`moov/trak/edts/elst`) and, in files from Apple's tools, in an
//! `iTunSMPB` item (`moov/udta/meta/ilst/----`). symphonia 0.6 ignores both and counts every
//! sample, so an AAC recording came out about 23 ms long.
//!
//! Pure: [`parse_moov`] works on the bytes of the `moov` box; [`Mp4File::read`] finds them in
//! any seekable reader, with the one box reader, [`boxes`]. Every size is checked against its parent box and the file, none is
//! trusted beyond them, and every loop is bounded by the bytes it walks.
//!
//! Holds [`boxes`] (the one box reader) and [`moov`] (the rebuilt `moov` of a tagged copy);
//! may use [`crate::model`] (the layout it reports).

pub mod boxes;
pub mod moov;

use std::io::{self, Read, Seek};
use std::ops::Range;

use crate::model::{FileLayout, Trim, Untaggable};

/// Edit list entries read at most per track.
const MAX_EDITS: usize = 1024;

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// One entry of an edit list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    /// Length of the segment, in the movie's timescale (0: up to the end of the media).
    pub segment_duration: u64,
    /// Where the segment starts in the media, in the track's timescale; negative for an
    /// empty edit (a pause).
    pub media_time: i64,
}

/// What `moov` says about one track's timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackTiming {
    /// `tkhd` track id.
    pub track_id: u32,
    /// Whether the track is audio (`hdlr` type `soun`).
    pub audio: bool,
    /// `mdhd` timescale: ticks per second of the track's samples.
    pub media_timescale: u32,
    /// The edit list, in order.
    pub edits: Vec<Edit>,
}

/// iTunes' gapless information (`iTunSMPB`), in samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gapless {
    /// Priming samples at the start.
    pub priming: u64,
    /// Padding samples at the end.
    pub padding: u64,
    /// Samples of the original audio (0 when the encoder did not say).
    pub samples: u64,
}

/// The timing `moov` states.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timing {
    /// `mvhd` timescale: the unit of edit list segment durations.
    pub movie_timescale: u32,
    /// Each track's timing.
    pub tracks: Vec<TrackTiming>,
    /// iTunes' gapless information, when present.
    pub gapless: Option<Gapless>,
}

/// Reads the timing from the body of a `moov` box.
pub fn parse_moov(moov: &[u8]) -> Timing {
    let movie_timescale = boxes::body(moov, b"mvhd")
        .and_then(|mvhd| be_u32(mvhd, 4 + if mvhd.first() == Some(&1) { 16 } else { 8 }))
        .unwrap_or(0);
    let tracks = boxes::bodies(moov)
        .filter(|(kind, _)| kind == b"trak")
        .filter_map(|(_, trak)| parse_trak(trak))
        .collect();
    let gapless = boxes::body(moov, b"udta")
        .and_then(|udta| boxes::body(udta, b"meta"))
        .and_then(|meta| {
            // ISO's `meta` is a full box (4 bytes of version and flags); QuickTime's is not.
            let body = if meta.get(4..8) == Some(b"hdlr") {
                meta
            } else {
                meta.get(4..)?
            };
            boxes::body(body, b"ilst")
        })
        .and_then(itunsmpb);
    Timing {
        movie_timescale,
        tracks,
        gapless,
    }
}

fn parse_trak(trak: &[u8]) -> Option<TrackTiming> {
    let tkhd = boxes::body(trak, b"tkhd")?;
    let track_id = be_u32(tkhd, 4 + if tkhd.first() == Some(&1) { 16 } else { 8 })?;
    let mdia = boxes::body(trak, b"mdia")?;
    let mdhd = boxes::body(mdia, b"mdhd")?;
    let media_timescale = be_u32(mdhd, 4 + if mdhd.first() == Some(&1) { 16 } else { 8 })?;
    let audio = boxes::body(mdia, b"hdlr").and_then(|h| h.get(8..12)) == Some(b"soun");
    let edits = boxes::body(trak, b"edts")
        .and_then(|edts| boxes::body(edts, b"elst"))
        .map(parse_elst)
        .unwrap_or_default();
    Some(TrackTiming {
        track_id,
        audio,
        media_timescale,
        edits,
    })
}

fn parse_elst(elst: &[u8]) -> Vec<Edit> {
    let wide = elst.first() == Some(&1);
    let entry_len = if wide { 20 } else { 12 };
    let count = be_u32(elst, 4).map_or(0, |n| n as usize);
    let available = elst.len().saturating_sub(8) / entry_len;
    (0..count.min(available).min(MAX_EDITS))
        .filter_map(|i| {
            let at = 8 + i * entry_len;
            Some(if wide {
                Edit {
                    segment_duration: be_u64(elst, at)?,
                    media_time: be_u64(elst, at + 8)? as i64,
                }
            } else {
                Edit {
                    segment_duration: u64::from(be_u32(elst, at)?),
                    media_time: i64::from(be_u32(elst, at + 4)? as i32),
                }
            })
        })
        .collect()
}

/// The `iTunSMPB` item of an `ilst`: ` 00000000 00000840 000001CA 00000000003F31F6 …` (hex:
/// reserved, priming, padding, original samples).
fn itunsmpb(ilst: &[u8]) -> Option<Gapless> {
    boxes::bodies(ilst)
        .filter(|(kind, _)| kind == b"----")
        .find_map(|(_, item)| {
            let name = boxes::body(item, b"name")?.get(4..)?;
            if name != b"iTunSMPB" {
                return None;
            }
            let text = std::str::from_utf8(boxes::body(item, b"data")?.get(8..)?).ok()?;
            let mut fields = text
                .split_ascii_whitespace()
                .map(|f| u64::from_str_radix(f, 16).ok());
            let (_, priming, padding, samples) = (
                fields.next()??,
                fields.next()??,
                fields.next()??,
                fields.next()??,
            );
            Some(Gapless {
                priming,
                padding,
                samples,
            })
        })
}

impl Timing {
    /// The ticks (of its media timescale) of track `track_id` that come before what is to be
    /// played: the encoder's priming, which a decoder drops. `iTunSMPB`'s priming when the
    /// file has it (its samples at `sample_rate`), else where the edit list's first segment
    /// starts in the media; `None` when the file states neither.
    pub fn priming(&self, track_id: u32, sample_rate: u32) -> Option<u64> {
        let track = self.tracks.iter().find(|t| t.track_id == track_id)?;
        if let Some(gapless) = self.gapless
            && sample_rate > 0
        {
            let ticks = u128::from(gapless.priming) * u128::from(track.media_timescale)
                / u128::from(sample_rate);
            return u64::try_from(ticks).ok();
        }
        track
            .edits
            .iter()
            .find_map(|edit| u64::try_from(edit.media_time).ok())
    }

    /// The frames (at `sample_rate`) of track `track_id` to drop at the start and to play
    /// then, of a track of `total` ticks: what a decoder hands out of an AAC stream. `None`
    /// when the file states neither its priming nor what is played.
    pub fn trim(&self, track_id: u32, total: u64, sample_rate: u32) -> Option<(u64, u64)> {
        let track = self.tracks.iter().find(|t| t.track_id == track_id)?;
        let timescale = u128::from(track.media_timescale.max(1));
        let frames = |ticks: u64| {
            let frames = (u128::from(ticks) * u128::from(sample_rate) + timescale / 2) / timescale;
            u64::try_from(frames).unwrap_or(u64::MAX)
        };
        let skip = self.priming(track_id, sample_rate)?;
        let played = self.playable(track_id, total, sample_rate)?;
        Some((frames(skip), frames(played)))
    }

    /// The ticks (of its media timescale) of track `track_id` that are to be played, when the
    /// file says: `total` is the ticks of all its samples, `sample_rate` converts the samples
    /// `iTunSMPB` counts. `None` when the file states nothing, or nothing usable.
    ///
    /// `iTunSMPB` is exact to the sample and wins. An edit list's segment durations are in the
    /// movie's timescale (often milliseconds): a segment that ends within one such tick of the
    /// media's end plays the media to its end, which makes the usual case (priming at the
    /// start, the rest played) exact; others are rounded to the nearest tick.
    /// Empty edits (pauses before the track starts) are not audio of the file and are left out.
    pub fn playable(&self, track_id: u32, total: u64, sample_rate: u32) -> Option<u64> {
        let track = self.tracks.iter().find(|t| t.track_id == track_id)?;
        let media = u128::from(track.media_timescale);
        if let Some(gapless) = self.gapless
            && sample_rate > 0
            && media > 0
        {
            let ticks = |samples: u64| {
                u64::try_from(u128::from(samples) * media / u128::from(sample_rate)).ok()
            };
            let trimmed = ticks(gapless.priming)?.checked_add(ticks(gapless.padding)?)?;
            let stated = ticks(gapless.samples)?;
            if stated > 0 && stated <= total {
                return Some(stated);
            }
            if gapless.samples == 0 && trimmed > 0 && trimmed < total {
                return Some(total - trimmed);
            }
        }
        let movie = u128::from(self.movie_timescale);
        let mut played = 0u64;
        let mut any = false;
        for edit in &track.edits {
            let Ok(start) = u64::try_from(edit.media_time) else {
                continue;
            };
            any = true;
            let left = total.saturating_sub(start);
            let segment = if edit.segment_duration == 0 || movie == 0 {
                left
            } else {
                let ticks = (u128::from(edit.segment_duration) * media + movie / 2) / movie;
                let ticks = u64::try_from(ticks).unwrap_or(u64::MAX);
                // A segment within one tick of the movie's timescale of the rest of the media
                // is the rest of the media: ffmpeg states it to the millisecond.
                let tick = u64::try_from(media.div_ceil(movie)).unwrap_or(u64::MAX);
                if ticks.abs_diff(left) <= tick {
                    left
                } else {
                    ticks.min(left)
                }
            };
            played = played.saturating_add(segment);
        }
        any.then_some(played.min(total))
    }
}

/// An MP4 file's top-level boxes and its `moov` box, read once: what `probe`'s timing and
/// `tag`'s copy both need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mp4File {
    /// What the walk over its top-level boxes found.
    pub top: boxes::TopLevel,
    /// Its first `moov` box, whole, when it is no larger than [`boxes::MAX_MOOV_LEN`].
    pub moov: Option<Vec<u8>>,
}

impl Mp4File {
    /// Walks the top-level boxes of a file of `len` bytes and reads its `moov` box.
    pub fn read<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<Mp4File> {
        let top = boxes::top_level(reader, len)?;
        let moov = match &top.moov {
            Some(at) => boxes::read_box(reader, at)?,
            None => None,
        };
        Ok(Mp4File { top, moov })
    }

    /// The timing its `moov` states.
    pub fn timing(&self) -> Option<Timing> {
        Some(parse_moov(moov_body(self.moov.as_deref()?)?))
    }

    /// Its `moov` box and where it lies, when a copy can rebuild it: the file's only one, and
    /// every top-level box fits in the file.
    pub fn rebuildable(&self) -> Option<(Range<u64>, &[u8])> {
        let (true, 1, Some(at), Some(moov)) =
            (self.top.whole, self.top.moovs, &self.top.moov, &self.moov)
        else {
            return None;
        };
        Some((at.clone(), moov.as_slice()))
    }

    /// What tagging its copy needs: where `moov` lies, and why the copy cannot carry tags, if
    /// it cannot (fragmented, malformed, too large); and what a decoder hands out of track
    /// `track_id`, of `total` ticks, decoded at `sample_rate`.
    pub fn layout(&self, track_id: u32, total: u64, sample_rate: u32) -> FileLayout {
        FileLayout::Mp4 {
            moov: self.rebuildable().map(|(at, _)| at),
            untaggable: self.untaggable(),
            trim: self
                .timing()
                .and_then(|timing| timing.trim(track_id, total, sample_rate))
                .map(|(skip, frames)| Trim { skip, frames }),
        }
    }

    /// Why a copy cannot carry tags, if it cannot: the `moov` box cannot be rebuilt
    /// (fragmented, malformed, too large), or the top-level boxes do not suit a rebuild.
    pub fn untaggable(&self) -> Option<Untaggable> {
        match self.rebuildable() {
            Some((at, moov)) => moov::rebuild(moov, at, &[]).err(),
            None => Some(Untaggable::Unwalkable),
        }
    }
}

/// The body of a whole `moov` box.
pub fn moov_body(moov: &[u8]) -> Option<&[u8]> {
    boxes::contents(moov)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn full(version: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![version, 0, 0, 0];
        out.extend_from_slice(body);
        out
    }

    /// A `moov` body with one audio track: `media` timescale, the given edits (version 0).
    fn moov(movie: u32, media: u32, edits: &[(u32, i32)], ilst: Option<Vec<u8>>) -> Vec<u8> {
        let mvhd = boxed(
            b"mvhd",
            &full(0, &[&[0; 8][..], &movie.to_be_bytes(), &[0; 4]].concat()),
        );
        let tkhd = boxed(
            b"tkhd",
            &full(0, &[&[0; 8][..], &7u32.to_be_bytes()].concat()),
        );
        let mdhd = boxed(
            b"mdhd",
            &full(0, &[&[0; 8][..], &media.to_be_bytes(), &[0; 4]].concat()),
        );
        let hdlr = boxed(
            b"hdlr",
            &full(0, &[&[0; 4][..], b"soun", &[0; 12]].concat()),
        );
        let mut elst = full(0, &(edits.len() as u32).to_be_bytes());
        for (duration, time) in edits {
            elst.extend_from_slice(&duration.to_be_bytes());
            elst.extend_from_slice(&time.to_be_bytes());
            elst.extend_from_slice(&[0, 1, 0, 0]);
        }
        let edts = boxed(b"edts", &boxed(b"elst", &elst));
        let mdia = boxed(b"mdia", &[mdhd, hdlr].concat());
        let trak = boxed(b"trak", &[tkhd, edts, mdia].concat());
        let mut body = [mvhd, trak].concat();
        if let Some(ilst) = ilst {
            let meta = boxed(b"meta", &full(0, &boxed(b"ilst", &ilst)));
            body.extend(boxed(b"udta", &meta));
        }
        body
    }

    fn itunsmpb_item(text: &str) -> Vec<u8> {
        let mean = boxed(b"mean", &full(0, b"com.apple.iTunes"));
        let name = boxed(b"name", &full(0, b"iTunSMPB"));
        let data = boxed(
            b"data",
            &[&[0, 0, 0, 1, 0, 0, 0, 0][..], text.as_bytes()].concat(),
        );
        boxed(b"----", &[mean, name, data].concat())
    }

    #[test]
    fn trims_the_priming_an_edit_list_states() {
        // As ffmpeg writes it: movie timescale 1000, segment rounded up to the millisecond.
        for segment in [2756, 2757] {
            let timing = parse_moov(&moov(1000, 44_100, &[(segment, 1024)], None));
            assert_eq!(timing.movie_timescale, 1000);
            assert_eq!(timing.tracks[0].track_id, 7);
            assert!(timing.tracks[0].audio);
            assert_eq!(timing.playable(7, 122_575, 44_100), Some(121_551));
        }
        // Padding at the end that the edit list leaves out: the segment decides.
        let timing = parse_moov(&moov(1000, 44_100, &[(2756, 1024)], None));
        assert_eq!(timing.playable(7, 122_880, 44_100), Some(121_540));
        assert_eq!(timing.playable(8, 122_575, 44_100), None);
        assert_eq!(timing.priming(7, 44_100), Some(1024));
        assert_eq!(timing.priming(8, 44_100), None);
        assert_eq!(timing.trim(7, 122_880, 44_100), Some((1024, 121_540)));
        // A media timescale other than the sample rate: ticks become frames.
        let timing = parse_moov(&moov(1000, 22_050, &[(2756, 512)], None));
        assert_eq!(timing.trim(7, 61_440, 44_100), Some((1024, 121_540)));
    }

    #[test]
    fn leaves_out_empty_edits_and_caps_segments_by_the_media() {
        let timing = parse_moov(&moov(44_100, 44_100, &[(500, -1), (100_000, 2112)], None));
        assert_eq!(timing.playable(7, 50_000, 44_100), Some(50_000 - 2112));
        assert_eq!(timing.playable(7, 200_000, 44_100), Some(100_000));
        // The pause is not priming: the first segment of media starts at 2112.
        assert_eq!(timing.priming(7, 44_100), Some(2112));
    }

    #[test]
    fn states_nothing_without_an_edit_list() {
        let timing = parse_moov(&moov(1000, 44_100, &[], None));
        assert_eq!(timing.playable(7, 122_575, 44_100), None);
        assert_eq!(timing.priming(7, 44_100), None);
    }

    #[test]
    fn prefers_itunes_gapless_information() {
        let ilst = itunsmpb_item(" 00000000 00000840 000001CA 000000000001DACF 00000000");
        let timing = parse_moov(&moov(600, 44_100, &[(1654, 2112)], Some(ilst)));
        let gapless = timing.gapless.expect("iTunSMPB");
        assert_eq!((gapless.priming, gapless.padding), (0x840, 0x1CA));
        assert_eq!(
            timing.playable(7, 2112 + 121_551 + 458, 44_100),
            Some(121_551)
        );
        assert_eq!(timing.priming(7, 44_100), Some(2112));
    }

    #[test]
    fn ignores_sizes_beyond_the_parent() {
        // A child that claims more than its parent holds ends the walk.
        let mut body = boxed(b"mvhd", &[0; 20]);
        body[3] = 200;
        assert_eq!(boxes::bodies(&body).count(), 0);
        assert_eq!(
            boxes::BoxHeader::parse(&[0, 0, 0, 1, b'm', b'o', b'o', b'v'])
                .and_then(|h| h.len_within(100)),
            None
        );
        let huge = [&[0, 0, 0, 1][..], b"moov", &u64::MAX.to_be_bytes()].concat();
        assert_eq!(
            boxes::BoxHeader::parse(&huge).and_then(|h| h.len_within(1 << 20)),
            None
        );
        assert_eq!(
            boxes::BoxHeader::parse(&[0, 0, 0, 4, b'f', b'r', b'e', b'e'])
                .and_then(|h| h.len_within(100)),
            None
        );
        // An edit list whose count exceeds its bytes reads what is there.
        let mut elst = full(0, &u32::MAX.to_be_bytes());
        elst.extend_from_slice(&[0, 0, 0, 5, 0, 0, 0, 1, 0, 1, 0, 0]);
        assert_eq!(parse_elst(&elst).len(), 1);
    }

    #[test]
    fn finds_moov_after_mdat_and_refuses_one_larger_than_the_file() {
        let moov_box = boxed(b"moov", &moov(1000, 44_100, &[(10, 0)], None));
        let file = [
            boxed(b"ftyp", b"M4A \0\0\0\0"),
            boxed(b"mdat", &[0; 100]),
            moov_box.clone(),
        ]
        .concat();
        let found = Mp4File::read(&mut Cursor::new(&file), file.len() as u64).unwrap();
        assert_eq!(found.moov.as_deref(), Some(&moov_box[..]));
        assert!(found.rebuildable().is_some());
        let cut = &file[..file.len() - 10];
        let found = Mp4File::read(&mut Cursor::new(cut), cut.len() as u64).unwrap();
        assert_eq!((found.moov, found.top.whole), (None, false));
    }
}
