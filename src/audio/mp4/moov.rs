//! MP4 metadata for published M4A copies (issue #4, item 4): a recording's `moov` box →
//! the same box with cyclecast's `udta/meta/ilst` in place of the recording's own.
//!
//! Pure: bytes in, bytes out; `tag` reads the box and streams the rest of the file. Only the
//! `moov` box changes: the sample data (`mdat`) is copied untouched, and so are the sample
//! tables, except that chunk offsets (`stco`, `co64`) pointing past the `moov` box move by
//! exactly the change in its size, so that they still point at the same bytes.
//!
//! lofty 0.25 writes these atoms too, but it reads the whole file into memory to do it
//! (`AtomWriter::new_from_file`), rewrites it in place, and merges into the existing `udta`
//! (keeping padding and unknown atoms). Rebuilding `moov` here keeps memory bounded by the
//! size of `moov`, gives the published size before anything is written, and makes the result
//! depend only on the recording's structure and the new metadata.

use std::ops::Range;

use crate::audio::mp4::boxes::{BoxHeader, bodies, body, contents};
use crate::model::Untaggable;
use crate::model::rules;

/// One metadata item of `ilst`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its atom name, e.g. `*b"\xa9nam"` for the title.
    pub name: [u8; 4],
    /// Its value.
    pub value: Value,
}

/// The value of a metadata item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// UTF-8 text.
    Text(String),
    /// A track number, and the number of tracks (0 when unknown).
    Track {
        /// The number.
        number: u16,
        /// Out of how many.
        total: u16,
    },
    /// A JPEG image.
    Jpeg(Vec<u8>),
    /// A PNG image.
    Png(Vec<u8>),
}

/// A chapter as Nero's `chpl` list holds it, which ffmpeg, mutagen and most players read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterMark {
    /// Where it starts, in milliseconds.
    pub start_ms: u64,
    /// Its title.
    pub title: String,
}

/// The boxes in `bytes`, one after the other: each header and its byte range.
fn children(bytes: &[u8]) -> Result<Vec<(BoxHeader, Range<usize>)>, Untaggable> {
    crate::audio::mp4::boxes::children(bytes)
        .collect::<Result<_, _>>()
        .map_err(|why| Untaggable::Malformed(why.into()))
}

/// Rebuilds `moov` (the whole box, found at `at` in the file) with `items` as its metadata.
///
/// The recording's own `udta` and `meta` boxes (its tags, cover, chapters and anything
/// unknown in them) are dropped on purpose: the config is the source of every published
/// tag, and re-tagging a published copy gives the same bytes. A new `udta/meta/ilst` goes
/// at the end of `moov`. Every other box is kept byte for byte, but chunk offsets that
/// point past the old `moov`, moved by the change in its size.
pub fn rebuild(moov: &[u8], at: Range<u64>, items: &[Item]) -> Result<Vec<u8>, Untaggable> {
    rebuild_with(moov, at, items, &[], &[])
}

/// [`rebuild`], with `chapters` as a Nero `chpl` list and `encoded` (items encoded by
/// [`encode_item`]) after `items`: the rebuilt box then ends with exactly those bytes, so that
/// a caller can share them between copies.
pub fn rebuild_with(
    moov: &[u8],
    at: Range<u64>,
    items: &[Item],
    chapters: &[ChapterMark],
    encoded: &[u8],
) -> Result<Vec<u8>, Untaggable> {
    let header = BoxHeader::parse(moov).ok_or(Untaggable::Malformed("no moov header".into()))?;
    if &header.kind != b"moov" || at.end.checked_sub(at.start) != Some(moov.len() as u64) {
        return Err(Untaggable::Malformed("not a whole moov box".into()));
    }
    let body = &moov[usize::try_from(header.header_len).expect("8 or 16")..];
    let chapter_tracks = chapter_tracks(body);
    let mut out = vec![0, 0, 0, 0, b'm', b'o', b'o', b'v'];
    for (child, range) in children(body)? {
        let whole = &body[range];
        match &child.kind {
            b"mvex" => return Err(Untaggable::Fragmented),
            b"udta" | b"meta" => {}
            b"trak" if track_id(whole).is_some_and(|id| chapter_tracks.contains(&id)) => {}
            b"trak" if !chapter_tracks.is_empty() => out.extend(without_chapter_link(whole)?),
            _ => out.extend_from_slice(whole),
        }
    }
    out.extend(udta_with(items, chapters, encoded));
    let len = u32::try_from(out.len()).map_err(|_| Untaggable::TooLarge)?;
    out[..4].copy_from_slice(&len.to_be_bytes());
    let delta = out.len() as i64 - moov.len() as i64;
    if delta != 0 {
        move_chunk_offsets(&mut out[8..], at, delta)?;
    }
    Ok(out)
}

/// The recording's QuickTime chapter tracks: the text tracks another track's `tref/chap`
/// names. Dropped with the rest of its metadata, as stale chapters would stand beside the
/// config's (players that read such a track prefer it to `chpl`); its samples stay in `mdat`,
/// unreferenced. A sound track is never one.
fn chapter_tracks(moov_body: &[u8]) -> Vec<u32> {
    let traks: Vec<&[u8]> = bodies(moov_body)
        .filter(|(kind, _)| kind == b"trak")
        .map(|(_, body)| body)
        .collect();
    let named: Vec<u32> = traks
        .iter()
        .filter_map(|trak| body(trak, b"tref"))
        .filter_map(|tref| body(tref, b"chap"))
        .flat_map(|chap| {
            chap.chunks_exact(4)
                .map(|id| u32::from_be_bytes(id.try_into().expect("four bytes")))
        })
        .collect();
    traks
        .iter()
        .filter(|trak| handler(trak) != Some(*b"soun"))
        .filter_map(|trak| track_id_of_body(trak))
        .filter(|id| named.contains(id))
        .collect()
}

/// The track id a `trak` box (whole) states in its `tkhd`.
fn track_id(trak: &[u8]) -> Option<u32> {
    track_id_of_body(contents(trak)?)
}

/// The track id in the `tkhd` of a `trak`'s body: after version and flags, and the creation
/// and modification times (32 bits each in version 0, 64 in version 1).
fn track_id_of_body(trak: &[u8]) -> Option<u32> {
    let tkhd = body(trak, b"tkhd")?;
    let at = if *tkhd.first()? == 1 { 20 } else { 12 };
    Some(u32::from_be_bytes(tkhd.get(at..at + 4)?.try_into().ok()?))
}

/// The handler type of a `trak`'s body (`soun`, `text`…): `mdia/hdlr`, after version, flags
/// and `pre_defined`.
fn handler(trak: &[u8]) -> Option<[u8; 4]> {
    let hdlr = body(body(trak, b"mdia")?, b"hdlr")?;
    hdlr.get(8..12)?.try_into().ok()
}

/// A `trak` box (whole) without its `tref/chap` link to a chapter track (and without `tref`
/// when nothing else is left in it).
fn without_chapter_link(trak: &[u8]) -> Result<Vec<u8>, Untaggable> {
    let header = BoxHeader::parse(trak).ok_or(Untaggable::Malformed("a trak is cut".into()))?;
    let body = &trak[usize::try_from(header.header_len).expect("8 or 16")..];
    let mut out = Vec::with_capacity(trak.len());
    for (child, range) in children(body)? {
        let whole = &body[range];
        if &child.kind != b"tref" {
            out.extend_from_slice(whole);
            continue;
        }
        let start = usize::try_from(child.header_len).expect("8 or 16");
        let kept: Vec<u8> = children(&whole[start..])?
            .into_iter()
            .filter(|(reference, _)| &reference.kind != b"chap")
            .flat_map(|(_, r)| whole[start..][r].to_vec())
            .collect();
        if !kept.is_empty() {
            out.extend(boxed(*b"tref", &kept));
        }
    }
    Ok(boxed(*b"trak", &out))
}

/// Adds `delta` to every chunk offset of every track that points past `moov`.
fn move_chunk_offsets(body: &mut [u8], moov: Range<u64>, delta: i64) -> Result<(), Untaggable> {
    for (child, range) in children(body)? {
        match &child.kind {
            b"trak" | b"mdia" | b"minf" | b"stbl" => {
                let start = range.start + usize::try_from(child.header_len).expect("8 or 16");
                move_chunk_offsets(&mut body[start..range.end], moov.clone(), delta)?;
            }
            b"stco" | b"co64" => {
                let wide = &child.kind == b"co64";
                let start = range.start + usize::try_from(child.header_len).expect("8 or 16");
                move_table(&mut body[start..range.end], wide, &moov, delta)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Moves the entries of an `stco` (32-bit) or `co64` (64-bit) table: version and flags,
/// entry count, entries.
fn move_table(
    table: &mut [u8],
    wide: bool,
    moov: &Range<u64>,
    delta: i64,
) -> Result<(), Untaggable> {
    let count = table
        .get(4..8)
        .map(|b| u32::from_be_bytes(b.try_into().expect("four bytes")))
        .ok_or(Untaggable::Malformed("a chunk offset table is cut".into()))?;
    let width = if wide { 8 } else { 4 };
    let entries = table
        .get_mut(8..8 + count as usize * width)
        .ok_or(Untaggable::Malformed("a chunk offset table is cut".into()))?;
    for entry in entries.chunks_exact_mut(width) {
        let offset = if wide {
            u64::from_be_bytes(entry.try_into().expect("eight bytes"))
        } else {
            u64::from(u32::from_be_bytes(entry.try_into().expect("four bytes")))
        };
        if offset < moov.end {
            if offset >= moov.start {
                return Err(Untaggable::Malformed("a chunk lies inside moov".into()));
            }
            continue;
        }
        let moved = offset
            .checked_add_signed(delta)
            .ok_or(Untaggable::TooLarge)?;
        if wide {
            entry.copy_from_slice(&moved.to_be_bytes());
        } else {
            let moved = u32::try_from(moved).map_err(|_| Untaggable::TooLarge)?;
            entry.copy_from_slice(&moved.to_be_bytes());
        }
    }
    Ok(())
}

/// `udta` holding the chapters' `chpl`, when there are chapters, then `meta` (a full box)
/// holding the `mdir` handler and `ilst`, as iTunes and ffmpeg write them.
pub fn udta(items: &[Item], chapters: &[ChapterMark]) -> Vec<u8> {
    udta_with(items, chapters, &[])
}

/// [`udta`] with items already encoded after `items`: `meta` comes last, so the box ends with
/// them.
fn udta_with(items: &[Item], chapters: &[ChapterMark], encoded: &[u8]) -> Vec<u8> {
    let mut handler = vec![0u8; 4 + 4]; // version and flags, pre_defined
    handler.extend(b"mdirappl");
    handler.extend([0u8; 8 + 1]); // the rest of `reserved`, an empty name
    let mut ilst: Vec<u8> = items.iter().flat_map(item).collect();
    ilst.extend_from_slice(encoded);
    let mut meta = vec![0u8; 4]; // version and flags
    meta.extend(boxed(*b"hdlr", &handler));
    meta.extend(boxed(*b"ilst", &ilst));
    let mut udta = if chapters.is_empty() {
        Vec::new()
    } else {
        chpl(chapters)
    };
    udta.extend(boxed(*b"meta", &meta));
    boxed(*b"udta", &udta)
}

/// Nero's chapter list, as ffmpeg writes it: version 1, four reserved bytes, a one-byte count,
/// then each chapter's start in 100 ns units and its title (one-byte length, at most 255 bytes
/// of UTF-8, cut at a character). At most [`rules::MAX_CHAPTERS`]: the config's validation
/// keeps within it.
fn chpl(chapters: &[ChapterMark]) -> Vec<u8> {
    let chapters = &chapters[..chapters.len().min(rules::MAX_CHAPTERS)];
    let mut content = vec![1, 0, 0, 0, 0, 0, 0, 0];
    content.push(u8::try_from(chapters.len()).expect("at most 255"));
    for chapter in chapters {
        content.extend((chapter.start_ms * 10_000).to_be_bytes());
        let mut end = chapter.title.len().min(255);
        while !chapter.title.is_char_boundary(end) {
            end -= 1;
        }
        content.push(u8::try_from(end).expect("at most 255"));
        content.extend(&chapter.title.as_bytes()[..end]);
    }
    boxed(*b"chpl", &content)
}

/// One `ilst` item, encoded: its atom holding one `data` atom.
pub fn encode_item(one: &Item) -> Vec<u8> {
    item(one)
}

/// One `ilst` item: its atom holding one `data` atom (type, locale 0, value).
fn item(item: &Item) -> Vec<u8> {
    // Well-known types of the `data` atom.
    const IMPLICIT: u32 = 0;
    const UTF8: u32 = 1;
    const JPEG: u32 = 13;
    const PNG: u32 = 14;
    let (kind, value) = match &item.value {
        Value::Text(text) => (UTF8, text.as_bytes().to_vec()),
        Value::Track { number, total } => {
            let mut v = vec![0, 0];
            v.extend(number.to_be_bytes());
            v.extend(total.to_be_bytes());
            v.extend([0, 0]);
            (IMPLICIT, v)
        }
        Value::Jpeg(bytes) => (JPEG, bytes.clone()),
        Value::Png(bytes) => (PNG, bytes.clone()),
    };
    let mut data = kind.to_be_bytes().to_vec();
    data.extend(0u32.to_be_bytes());
    data.extend(value);
    boxed(item.name, &boxed(*b"data", &data))
}

fn boxed(kind: [u8; 4], content: &[u8]) -> Vec<u8> {
    let len = u32::try_from(content.len() + 8).expect("metadata fits in a 32-bit box");
    let mut out = Vec::with_capacity(content.len() + 8);
    out.extend(len.to_be_bytes());
    out.extend(kind);
    out.extend(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        boxed(*kind, content)
    }

    /// A `moov` with one track whose `stco` has the given offsets, and an old `udta`.
    fn moov_with(offsets: &[u32], udta: &[u8]) -> Vec<u8> {
        let mut stco = vec![0, 0, 0, 0];
        stco.extend((offsets.len() as u32).to_be_bytes());
        for o in offsets {
            stco.extend(o.to_be_bytes());
        }
        let stbl = full(
            b"stbl",
            &[full(b"stsz", &[0; 12]), full(b"stco", &stco)].concat(),
        );
        let minf = full(b"minf", &stbl);
        let mdia = full(b"mdia", &[full(b"mdhd", &[1; 24]), minf].concat());
        let trak = full(b"trak", &[full(b"tkhd", &[2; 84]), mdia].concat());
        full(
            b"moov",
            &[full(b"mvhd", &[3; 100]), trak, full(b"udta", udta)].concat(),
        )
    }

    fn stco_of(moov: &[u8]) -> Vec<u32> {
        let at = moov.windows(4).position(|w| w == b"stco").unwrap() + 4;
        let count = u32::from_be_bytes(moov[at + 4..at + 8].try_into().unwrap()) as usize;
        (0..count)
            .map(|i| u32::from_be_bytes(moov[at + 8 + 4 * i..at + 12 + 4 * i].try_into().unwrap()))
            .collect()
    }

    fn title(text: &str) -> Item {
        Item {
            name: *b"\xa9nam",
            value: Value::Text(text.into()),
        }
    }

    #[test]
    fn writes_the_chapters_as_neros_list_before_the_metadata() {
        let old = moov_with(&[5000], &[]);
        let at = 1000..1000 + old.len() as u64;
        let long = "é".repeat(200); // 400 bytes: cut to 254, the last whole character
        let chapters = [
            ChapterMark {
                start_ms: 0,
                title: "Accueil".into(),
            },
            ChapterMark {
                start_ms: 10_535,
                title: long.clone(),
            },
        ];
        let encoded = encode_item(&title("fin"));
        let new = rebuild_with(&old, at, &[], &chapters, &encoded).unwrap();
        assert!(
            new.ends_with(&encoded),
            "the shared item still ends the box"
        );
        let chpl = new.windows(4).position(|w| w == b"chpl").unwrap() - 4;
        let len = u32::from_be_bytes(new[chpl..chpl + 4].try_into().unwrap()) as usize;
        let body = &new[chpl + 8..chpl + len];
        assert_eq!(
            &body[..9],
            &[1, 0, 0, 0, 0, 0, 0, 0, 2],
            "version 1, count 2"
        );
        assert_eq!(&body[9..17], &0u64.to_be_bytes());
        assert_eq!(body[17], 7);
        assert_eq!(&body[18..25], b"Accueil");
        assert_eq!(&body[25..33], &105_350_000u64.to_be_bytes(), "100 ns units");
        assert_eq!(body[33], 254);
        assert_eq!(&body[34..], &long.as_bytes()[..254]);
        assert!(
            new.windows(4).position(|w| w == b"meta").unwrap() > chpl,
            "meta, which ends with the items, comes last"
        );
    }

    #[test]
    fn replaces_the_old_metadata_and_moves_the_offsets_after_moov() {
        let old = moov_with(&[8, 5000, 9000], &[0xEE; 2000]);
        // moov at 1000: the chunk at 8 lies before it, the others after.
        let at = 1000..1000 + old.len() as u64;
        let new = rebuild(&old, at, &[title("Première")]).unwrap();
        assert_eq!(
            u32::from_be_bytes(new[..4].try_into().unwrap()) as usize,
            new.len()
        );
        assert!(
            !new.windows(4).any(|w| w == [0xEE; 4]),
            "the old udta remains"
        );
        let delta = new.len() as i64 - old.len() as i64;
        assert!(delta < 0);
        assert_eq!(
            stco_of(&new),
            [8, (5000 + delta) as u32, (9000 + delta) as u32]
        );
        // Everything but udta and the moved offsets is kept byte for byte.
        let kept = |m: &[u8]| m[8..m.windows(4).position(|w| w == b"stco").unwrap()].to_vec();
        assert_eq!(kept(&old), kept(&new));
        let ilst = new.windows(4).position(|w| w == b"ilst").unwrap();
        assert_eq!(&new[ilst + 8..ilst + 12], b"\xa9nam");
        assert_eq!(&new[ilst + 16..ilst + 20], b"data");
        assert_eq!(&new[ilst + 20..ilst + 28], &[0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(&new[ilst + 28..], "Première".as_bytes());
    }

    #[test]
    fn rebuilding_a_rebuilt_moov_changes_nothing() {
        let items = [
            title("x"),
            Item {
                name: *b"trkn",
                value: Value::Track {
                    number: 3,
                    total: 5,
                },
            },
            Item {
                name: *b"covr",
                value: Value::Jpeg(vec![0xFF, 0xD8, 0xFF]),
            },
        ];
        let old = moov_with(&[5000], b"");
        let once = rebuild(&old, 100..100 + old.len() as u64, &items).unwrap();
        let twice = rebuild(&once, 100..100 + once.len() as u64, &items).unwrap();
        assert_eq!(once, twice);
    }

    #[test]
    fn refuses_fragmented_and_malformed_files() {
        let fragmented = full(b"moov", &full(b"mvex", &[0; 8]));
        let at = 0..fragmented.len() as u64;
        assert_eq!(rebuild(&fragmented, at, &[]), Err(Untaggable::Fragmented));
        let mut cut = moov_with(&[5000], b"");
        let len = cut.len() as u64;
        cut[8..12].copy_from_slice(&10_000u32.to_be_bytes());
        assert!(matches!(
            rebuild(&cut, 0..len, &[]),
            Err(Untaggable::Malformed(_))
        ));
    }

    #[test]
    fn never_panics_on_damaged_boxes() {
        let good = moov_with(&[8, 5000, 9000], &[0xEE; 40]);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut bytes = good.clone();
            match next() % 3 {
                0 => bytes.truncate(next() as usize % good.len()),
                1 => {
                    for _ in 0..1 + next() % 4 {
                        let at = next() as usize % bytes.len();
                        bytes[at] = next() as u8;
                    }
                }
                _ => bytes = (0..next() % 300).map(|_| next() as u8).collect(),
            }
            let len = bytes.len() as u64;
            let _ = rebuild(&bytes, 1000..1000 + len, &[title("x")]);
            // A range whose end comes before its start is refused, not a panic.
            let backwards = Range {
                start: len + 1,
                end: len,
            };
            let _ = rebuild(&bytes, backwards, &[]);
        }
    }

    #[test]
    fn refuses_an_offset_that_no_longer_fits_32_bits() {
        let old = moov_with(&[u32::MAX - 1], b"");
        let err = rebuild(&old, 0..old.len() as u64, &[title(&"x".repeat(100))]).unwrap_err();
        assert_eq!(err, Untaggable::TooLarge);
    }
}
