//! Tagging, for the output stage: the copy being published. The only module that uses id3.
//!
//! [`read_layout`] reads what the plan needs of a recording (the IO edge), from what `probe`
//! found ([`crate::model::AudioInfo::layout`]): for an MP3, where its audio lies between its
//! tags and, when it states no frame count, the Xing frame its copy gains; for an M4A, its
//! `moov` box; for a 16- or 24-bit PCM WAV, its `fmt ` chunk and where its samples lie.
//! [`plan`] then decides (pure) every byte of the copy: a new ID3v2 tag (v2.3
//! or v2.4, as the config says) and a Xing frame ([`crate::audio::mp3::xing`]) before the MP3's audio, or
//! a rebuilt `moov` with MP4 metadata atoms ([`crate::audio::mp4::moov`]), or a new RIFF
//! header with `LIST`/`INFO` and `id3 ` chunks before the WAV's `data` chunk, or a FLAC's
//! `VORBIS_COMMENT` block before its frames (`flac.rs`), and the ranges
//! of the recording copied as they are. So the published size is exact before anything is written, and the
//! feed states it. (Planning beats measuring each copy once written: the feed is rendered
//! before commit writes anything, and an unchanged copy is compared, never rewritten.)
//! [`apply`] streams the copy into a writer: commit's temporary file, renamed once complete.
//!
//! The recording itself is only ever read, and its audio is copied bit for bit: for an MP3,
//! everything between its tags; for an M4A, the sample data and sample tables (only chunk
//! offsets move, by the change in `moov`'s size); for a WAV, its `data` chunk. A WAV's other
//! chunks (`bext`, `cue `, its own `LIST`) are dropped, as an MP3's tags are.
//!
//! Holds its unit tests in `tests`; may use [`crate::audio::mp3`], [`crate::audio::mp4`],
//! [`crate::audio::artwork`], [`crate::model`] and [`crate::support`].

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};
use id3::frame::{Comment, ExtendedLink, Picture, PictureType};
use id3::{Encoder, Tag, TagLike, Timestamp, Version};
use url::Url;

use crate::audio::mp4::moov::{ChapterMark, Item, Value};
use crate::model::{AudioInfo, Container, Cycle, FileLayout, Id3Version, ImageFormat, Session};

/// An image to embed as the episode's artwork.
#[derive(Debug, Clone)]
pub struct Artwork {
    /// The image file's bytes.
    pub bytes: Vec<u8>,
    /// JPEG or PNG.
    pub format: ImageFormat,
    /// BLAKE3 of its bytes: stands for them in a copy's recipe.
    pub digest: blake3::Hash,
    /// Its ID3v2.3 and ID3v2.4 `APIC` frames, encoded once and shared by every episode's tag:
    /// 500 episodes with a 1 MB cover must not hold 500 MB of copies.
    id3_frames: [OnceLock<Arc<[u8]>>; 2],
    /// Its MP4 `covr` item, likewise.
    mp4_item: OnceLock<Arc<[u8]>>,
}

impl Artwork {
    /// Recognizes a JPEG or PNG image by its header.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Artwork> {
        let format = crate::audio::artwork::inspect(&bytes)?.format;
        let digest = blake3::hash(&bytes);
        Some(Artwork {
            bytes,
            format,
            digest,
            id3_frames: Default::default(),
            mp4_item: OnceLock::new(),
        })
    }

    /// The image as an MP4 `covr` item.
    fn mp4_item(&self) -> Arc<[u8]> {
        let item = || {
            let value = match self.format {
                ImageFormat::Png => Value::Png(self.bytes.clone()),
                ImageFormat::Jpeg => Value::Jpeg(self.bytes.clone()),
            };
            Arc::from(crate::audio::mp4::moov::encode_item(&Item {
                name: *b"covr",
                value,
            }))
        };
        Arc::clone(self.mp4_item.get_or_init(item))
    }

    /// The image as an ID3 `APIC` frame (front cover), without a tag header.
    fn id3_frame(&self, version: Version) -> Result<Arc<[u8]>> {
        let slot = &self.id3_frames[usize::from(version == Version::Id3v24)];
        if let Some(frame) = slot.get() {
            return Ok(Arc::clone(frame));
        }
        let mut tag = Tag::new();
        tag.add_frame(Picture {
            mime_type: self.format.mime().to_string(),
            picture_type: PictureType::CoverFront,
            description: String::new(),
            data: self.bytes.clone(),
        });
        let encoded =
            encode(&tag, version).context("failed to encode the cover as an ID3 frame")?;
        frames_after_plain_header(&encoded)?;
        let frame: Arc<[u8]> = Arc::from(&encoded[ID3_HEADER_LEN..]);
        Ok(Arc::clone(slot.get_or_init(|| frame)))
    }
}

/// Length of an ID3v2 tag header.
const ID3_HEADER_LEN: usize = 10;

/// Encodes a tag without padding.
fn encode(tag: &Tag, version: Version) -> id3::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    Encoder::new()
        .version(version)
        .padding(0)
        .encode(tag, &mut bytes)?;
    Ok(bytes)
}

/// Checks that an encoded tag is a plain header (no unsynchronisation, extended header or
/// footer) followed by its frames, so that frames can be appended to it.
fn frames_after_plain_header(tag: &[u8]) -> Result<()> {
    if tag.len() < ID3_HEADER_LEN || &tag[..3] != b"ID3" || tag[5] != 0 {
        anyhow::bail!("the ID3 encoder wrote a tag header frames cannot be appended to");
    }
    Ok(())
}

/// Grows the size an ID3 tag's header states by `extra` bytes of frames appended after it.
fn grow_tag(tag: &mut [u8], extra: usize) -> Result<()> {
    frames_after_plain_header(tag)?;
    let size = tag[6..10]
        .iter()
        .fold(0usize, |size, &byte| (size << 7) | usize::from(byte & 0x7f));
    let grown = size + extra;
    if grown >= 1 << 28 {
        anyhow::bail!("the ID3 tag would exceed 256 MB: use a smaller cover");
    }
    for (i, byte) in tag[6..10].iter_mut().enumerate() {
        *byte = ((grown >> (7 * (3 - i))) & 0x7f) as u8;
    }
    Ok(())
}

/// How a recording becomes its published copy: bytes cyclecast makes, and ranges of the
/// recording copied as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagPlan {
    /// An MP3: a new ID3v2 tag, a Xing frame when the recording states no frame count, then
    /// the recording's audio (`payload`), unchanged.
    Id3 {
        /// The recording.
        source: PathBuf,
        /// The encoded tag: its header and frames, but for the cover.
        tag: Vec<u8>,
        /// The cover's `APIC` frame, shared by every episode, which ends the tag.
        picture: Option<Arc<[u8]>>,
        /// The Xing or Info frame made for a recording that has none (see [`crate::audio::mp3::xing`]).
        xing: Option<Vec<u8>>,
        /// The byte range of the recording that holds its audio.
        payload: Range<u64>,
    },
    /// An MP4 (M4A): the recording with its `moov` box rebuilt around new metadata.
    Mp4 {
        /// The recording.
        source: PathBuf,
        /// What comes before `moov` (`ftyp`, and `mdat` when `moov` comes last).
        head: Range<u64>,
        /// The new `moov` box (see [`crate::audio::mp4::moov`]), but for the cover item that ends it.
        moov: Vec<u8>,
        /// The cover's `covr` item, shared by every episode, which ends the new `moov`.
        picture: Option<Arc<[u8]>>,
        /// What comes after the old `moov`.
        tail: Range<u64>,
    },
    /// A 16- or 24-bit PCM WAV: a new RIFF header, its `fmt ` chunk as it is, a `LIST`/`INFO`
    /// chunk and an `id3 ` chunk (the MP3 copy's tag), then its `data` chunk, unchanged.
    Wave {
        /// The recording.
        source: PathBuf,
        /// The RIFF header, `fmt `, `LIST` and the `id3 ` chunk's header and tag but the cover.
        head: Vec<u8>,
        /// The cover's `APIC` frame, shared by every episode, which ends the tag.
        picture: Option<Arc<[u8]>>,
        /// The `id3 ` chunk's pad byte, if it takes one, and the `data` chunk's header.
        middle: Vec<u8>,
        /// The byte range of the recording that holds its samples.
        data: Range<u64>,
        /// The `data` chunk's pad byte, if it takes one.
        tail: Vec<u8>,
    },
    /// A FLAC: `fLaC`, its `STREAMINFO` and `SEEKTABLE` blocks, a new `VORBIS_COMMENT` block,
    /// then its frames, unchanged.
    Flac {
        /// The recording.
        source: PathBuf,
        /// Everything before the frames.
        head: Vec<u8>,
        /// The byte range of the recording that holds its frames.
        frames: Range<u64>,
    },
    /// Published as it is: a format cyclecast does not tag, or an MP4 layout it does not
    /// rewrite (fragmented, malformed, `moov` over [`crate::audio::mp4::boxes::MAX_MOOV_LEN`]).
    Copy {
        /// The recording.
        source: PathBuf,
        /// Its size.
        len: u64,
    },
}

/// A piece of a published copy.
enum Part<'a> {
    /// Bytes cyclecast made.
    Made(&'a [u8]),
    /// A byte range of the recording.
    Copied(Range<u64>),
}

impl TagPlan {
    /// The copy, piece by piece.
    fn parts(&self) -> Vec<Part<'_>> {
        match self {
            TagPlan::Id3 {
                tag,
                picture,
                xing,
                payload,
                ..
            } => {
                let mut parts = vec![Part::Made(tag)];
                parts.extend(picture.as_deref().map(Part::Made));
                parts.extend(xing.as_deref().map(Part::Made));
                parts.push(Part::Copied(payload.clone()));
                parts
            }
            TagPlan::Mp4 {
                head,
                moov,
                picture,
                tail,
                ..
            } => {
                let mut parts = vec![Part::Copied(head.clone()), Part::Made(moov)];
                parts.extend(picture.as_deref().map(Part::Made));
                parts.push(Part::Copied(tail.clone()));
                parts
            }
            TagPlan::Wave {
                head,
                picture,
                middle,
                data,
                tail,
                ..
            } => {
                let mut parts = vec![Part::Made(head)];
                parts.extend(picture.as_deref().map(Part::Made));
                parts.push(Part::Made(middle));
                parts.push(Part::Copied(data.clone()));
                parts.push(Part::Made(tail));
                parts
            }
            TagPlan::Flac { head, frames, .. } => {
                vec![Part::Made(head), Part::Copied(frames.clone())]
            }
            TagPlan::Copy { len, .. } => vec![Part::Copied(0..*len)],
        }
    }

    /// Exact size of the published copy.
    pub fn output_len(&self) -> u64 {
        self.parts()
            .iter()
            .map(|part| match part {
                Part::Made(bytes) => bytes.len() as u64,
                Part::Copied(range) => range.end - range.start,
            })
            .sum()
    }

    /// The recording the copy is made from.
    pub fn source(&self) -> &Path {
        match self {
            TagPlan::Id3 { source, .. }
            | TagPlan::Mp4 { source, .. }
            | TagPlan::Wave { source, .. }
            | TagPlan::Flac { source, .. }
            | TagPlan::Copy { source, .. } => source,
        }
    }
}

/// What goes into an episode's tag besides the session itself.
#[derive(Debug, Clone, Copy)]
pub struct TagContext<'a> {
    /// The cycle.
    pub cycle: &'a Cycle,
    /// Cover art for every episode.
    pub artwork: Option<&'a Artwork>,
    /// The page where the session is presented.
    pub page: &'a Url,
}

/// The recording a copy is made from.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Its path.
    pub path: PathBuf,
    /// What [`read_layout`] found in it.
    pub layout: Layout,
}

/// The metadata of a published copy, made from the config alone (no IO): what [`plan`] puts
/// around the recording's audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metadata {
    /// An MP3's ID3v2 tag, encoded.
    Id3 {
        /// The tag's header and frames but the cover (the header counts the cover's frame).
        tag: Vec<u8>,
        /// The cover's frame, shared by every episode.
        picture: Option<Arc<[u8]>>,
    },
    /// An MP4's metadata items and chapters.
    Mp4 {
        /// The items but the cover.
        items: Vec<Item>,
        /// The session's chapters, as a Nero `chpl` list.
        chapters: Vec<ChapterMark>,
        /// The cover's `covr` item, encoded once and shared by every episode.
        picture: Option<Arc<[u8]>>,
    },
    /// A WAV's chunks: a `LIST`/`INFO` chunk and the MP3 copy's ID3v2 tag.
    Wave {
        /// The `LIST` chunk, whole.
        info: Vec<u8>,
        /// The ID3v2 tag's header and frames but the cover, as [`Metadata::Id3`] has it.
        tag: Vec<u8>,
        /// The cover's frame, shared by every episode.
        picture: Option<Arc<[u8]>>,
    },
    /// A FLAC's `VORBIS_COMMENT` block, whole.
    Flac {
        /// The block, header included.
        comment: Vec<u8>,
    },
    /// A format cyclecast does not tag.
    None,
}

impl Metadata {
    /// The bytes that stand for this metadata in an output's recipe.
    pub fn fingerprint(&self) -> Vec<u8> {
        match self {
            Metadata::Id3 { tag, picture } => {
                [tag.as_slice(), picture.as_deref().unwrap_or_default()].concat()
            }
            Metadata::Mp4 {
                items,
                chapters,
                picture,
            } => [
                crate::audio::mp4::moov::udta(items, chapters).as_slice(),
                picture.as_deref().unwrap_or_default(),
            ]
            .concat(),
            Metadata::Wave { info, tag, picture } => [
                info.as_slice(),
                tag.as_slice(),
                picture.as_deref().unwrap_or_default(),
            ]
            .concat(),
            Metadata::Flac { comment } => comment.clone(),
            Metadata::None => Vec::new(),
        }
    }
}

/// What stands for the metadata of a session's copy in its recipe: the metadata made without
/// the artwork, then the artwork's digest (so that 500 episodes do not encode and hash 500
/// copies of the cover to find that nothing changed).
pub fn fingerprint(
    context: TagContext<'_>,
    session: &Session,
    audio: &AudioInfo,
) -> Result<Vec<u8>> {
    let bare = TagContext {
        artwork: None,
        ..context
    };
    let mut fingerprint = metadata(bare, session, audio)?.fingerprint();
    if let Some(art) = context.artwork {
        fingerprint.extend(art.format.mime().as_bytes());
        fingerprint.extend(art.digest.as_bytes());
    }
    Ok(fingerprint)
}

/// The metadata of a session's published copy, for a recording of these figures.
pub fn metadata(context: TagContext<'_>, session: &Session, audio: &AudioInfo) -> Result<Metadata> {
    Ok(match audio.container {
        Container::Mp3 => {
            let (tag, picture) = id3_tag(context, session, audio)?;
            Metadata::Id3 { tag, picture }
        }
        Container::Wave => {
            let (tag, picture) = id3_tag(context, session, audio)?;
            Metadata::Wave {
                info: info_list(context, session),
                tag,
                picture,
            }
        }
        Container::Mp4 => Metadata::Mp4 {
            items: mp4_items(context, session),
            chapters: session
                .chapters
                .iter()
                .map(|c| ChapterMark {
                    start_ms: c.start_ms,
                    title: frame_text(&c.title),
                })
                .collect(),
            picture: context.artwork.map(Artwork::mp4_item),
        },
        Container::Flac => match vorbis_comment(context, session) {
            Some(comment) => Metadata::Flac { comment },
            None => Metadata::None,
        },
        _ => Metadata::None,
    })
}

/// A cover's encoded frame or item, shared by every episode.
type SharedPicture = Option<Arc<[u8]>>;

/// The ID3v2 tag of a session's MP3 (or WAV) copy, encoded, but for the cover's frame, which
/// the tag's header counts.
fn id3_tag(
    context: TagContext<'_>,
    session: &Session,
    audio: &AudioInfo,
) -> Result<(Vec<u8>, SharedPicture)> {
    let duration_ms = (audio.duration_secs() * 1000.0).round() as u64;
    let mut tag = build_tag(context, session);
    add_chapters(&mut tag, session, duration_ms);
    let version = match context.cycle.podcast.id3_version {
        Id3Version::V23 => Version::Id3v23,
        Id3Version::V24 => Version::Id3v24,
    };
    let mut bytes = encode(&tag, version)
        .with_context(|| format!("failed to encode the ID3 tag of session {}", session.number))?;
    let picture = context
        .artwork
        .map(|art| art.id3_frame(version))
        .transpose()?;
    if let Some(picture) = &picture {
        grow_tag(&mut bytes, picture.len())?;
    }
    Ok((bytes, picture))
}

/// A WAV copy's `LIST`/`INFO` chunk: title, speakers, podcast, description, date, and
/// cyclecast as the software.
fn info_list(context: TagContext<'_>, session: &Session) -> Vec<u8> {
    let speakers: Vec<&str> = session.speakers.iter().map(|s| s.name.as_str()).collect();
    let date = session.date.format("%Y-%m-%d").to_string();
    wave::info_list(&[
        (b"INAM", &frame_text(&session.title)),
        (b"IART", &frame_text(&speakers.join(", "))),
        (b"IPRD", &frame_text(&context.cycle.podcast.title)),
        (b"ICMT", &frame_text(&session.description)),
        (b"ICRD", &date),
        (b"ISFT", "cyclecast"),
    ])
}

/// A FLAC copy's `VORBIS_COMMENT` block: the facts of the MP4 copy's items, and the page.
fn vorbis_comment(context: TagContext<'_>, session: &Session) -> Option<Vec<u8>> {
    let podcast = &context.cycle.podcast;
    let speakers: Vec<&str> = session.speakers.iter().map(|s| s.name.as_str()).collect();
    let text = |value: &str| frame_text(value);
    let fields = [
        ("TITLE", text(&session.title)),
        ("ARTIST", text(&speakers.join(", "))),
        ("ALBUM", text(&podcast.title)),
        ("ALBUMARTIST", text(&podcast.author)),
        ("TRACKNUMBER", session.number.to_string()),
        ("DATE", session.date.format("%Y-%m-%d").to_string()),
        ("GENRE", "Podcast".to_string()),
        ("DESCRIPTION", text(&session.description)),
        ("LANGUAGE", podcast.lang.language.iso_639_2().to_string()),
        (
            "COPYRIGHT",
            podcast.copyright.as_deref().map(text).unwrap_or_default(),
        ),
        ("CONTACT", context.page.to_string()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    flac::vorbis_comment(&fields)
}

/// What [`plan`] needs to know of a recording's bytes, read by [`read_layout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// An MP3.
    Mp3 {
        /// Its audio: what lies between its leading ID3v2 tags and its trailing tags.
        payload: Range<u64>,
        /// The Xing frame its copy gains, when its first frame is no Xing, Info or VBRI
        /// header ([`crate::audio::mp3::xing::frame`]).
        xing: Option<Vec<u8>>,
    },
    /// An MP4 file with one `moov` box.
    Mp4 {
        /// Its size.
        len: u64,
        /// Where its `moov` box lies.
        moov: Range<u64>,
        /// That box's bytes.
        bytes: Vec<u8>,
    },
    /// A 16- or 24-bit PCM WAV.
    Wave {
        /// Its size.
        len: u64,
        /// The body of its `fmt ` chunk.
        fmt: Vec<u8>,
        /// The body of its `data` chunk.
        data: Range<u64>,
    },
    /// A FLAC.
    Flac {
        /// Its size.
        len: u64,
        /// What its copy keeps of its metadata, and where its frames lie.
        blocks: flac::FlacBlocks,
    },
    /// Any other file.
    Whole {
        /// Its size.
        len: u64,
    },
}

/// Reads what the plan of a recording's copy needs: the only IO of tagging before [`apply`].
/// What `probe` found of the file ([`AudioInfo::layout`]) spares a second walk: an MP3 is then
/// not read at all, an M4A only for its `moov` box. Without it (figures from an older cache),
/// streams the file; keeps at most an MP4's `moov` box, or an MP3's frame offsets (8 bytes a
/// frame: 3 MB for 3 hours).
pub fn read_layout(path: &Path, audio: &AudioInfo) -> Result<Layout> {
    let mut file = crate::support::fs::open(path)?;
    let read = |e: io::Error| {
        anyhow::Error::new(e).context(format!("failed to read `{}`", path.display()))
    };
    let len = file.seek(SeekFrom::End(0)).map_err(read)?;
    match (&audio.container, &audio.layout) {
        (Container::Mp3, Some(FileLayout::Mp3 { payload, xing })) => Ok(Layout::Mp3 {
            payload: payload.clone(),
            xing: xing.clone(),
        }),
        (Container::Mp3, _) => mp3_layout(&mut file).map_err(read),
        (Container::Mp4, Some(FileLayout::Mp4 { moov: Some(at), .. })) => Ok(
            match crate::audio::mp4::boxes::read_box(&mut file, at).map_err(read)? {
                Some(bytes) => Layout::Mp4 {
                    len,
                    moov: at.clone(),
                    bytes,
                },
                // Probed with a `moov` there: the file changed since, and publishing it
                // untagged would contradict what `check` said.
                None => anyhow::bail!(
                    "`{}` changed while it was being published: its `moov` box moved; publish again",
                    path.display()
                ),
            },
        ),
        (Container::Mp4, Some(FileLayout::Mp4 { moov: None, .. })) => Ok(Layout::Whole { len }),
        (Container::Mp4, _) => Ok(mp4_layout(&mut file, len)
            .map_err(read)?
            .unwrap_or(Layout::Whole { len })),
        (Container::Wave, _) => Ok(match wave::pcm_wave(&mut file, len).map_err(read)? {
            Some(wave::PcmWave { fmt, data }) => Layout::Wave { len, fmt, data },
            None => Layout::Whole { len },
        }),
        (Container::Flac, _) => Ok(match flac::blocks(&mut file, len).map_err(read)? {
            Some(blocks) => Layout::Flac { len, blocks },
            None => Layout::Whole { len },
        }),
        _ => Ok(Layout::Whole { len }),
    }
}

/// Why the copy of a recording in a format cyclecast tags would be published without tags,
/// if it would: an MP4 whose boxes cannot be rebuilt (fragmented, malformed, too large).
/// `probe` found it out ([`AudioInfo::layout`]); without that (figures from an older cache),
/// reads the file's box headers and its `moov` box.
pub fn untaggable(path: &Path, audio: &AudioInfo) -> Result<Option<crate::model::Untaggable>> {
    if audio.container != Container::Mp4 {
        return Ok(None);
    }
    if let Some(FileLayout::Mp4 { untaggable, .. }) = &audio.layout {
        return Ok(untaggable.clone());
    }
    let mut file = crate::support::fs::open(path)?;
    let read = |e: io::Error| {
        anyhow::Error::new(e).context(format!("failed to read `{}`", path.display()))
    };
    let len = file.seek(SeekFrom::End(0)).map_err(read)?;
    Ok(crate::audio::mp4::Mp4File::read(&mut file, len)
        .map_err(read)?
        .untaggable())
}

fn mp3_layout(file: &mut (impl Read + Seek)) -> io::Result<Layout> {
    let payload = payload_range(file)?;
    let audio_len = payload.end - payload.start;
    file.seek(SeekFrom::Start(payload.start))?;
    let mut head = Vec::new();
    file.take(audio_len.min(crate::audio::mp3::xing::HEAD_LEN))
        .read_to_end(&mut head)?;
    let frames = if crate::audio::mp3::has_frame_count_header(&head) {
        None
    } else {
        crate::audio::mp3::xing::scan_file(file, payload.clone())?
    };
    let xing = frames.as_ref().and_then(crate::audio::mp3::xing::frame);
    Ok(Layout::Mp3 { payload, xing })
}

/// Walks the top-level boxes; `None` unless there is exactly one `moov`, of a size to rebuild,
/// and every box fits in the file.
fn mp4_layout(file: &mut (impl Read + Seek), len: u64) -> io::Result<Option<Layout>> {
    let found = crate::audio::mp4::Mp4File::read(file, len)?;
    Ok(found.rebuildable().map(|(moov, bytes)| Layout::Mp4 {
        len,
        moov,
        bytes: bytes.to_vec(),
    }))
}

/// Decides every byte of the published copy of a session's recording (pure).
///
/// What is kept of the recording, on purpose: its audio only. An MP3's own tags (ID3v2 at
/// either end, APEv2, ID3v1) are dropped whole, with their pictures, private (`PRIV`) and
/// unknown frames; an MP4's `udta` and `meta` boxes likewise. The config is the source of
/// every published tag, so a recording's stale or oversized metadata never reaches listeners,
/// and tagging a published copy again gives the same bytes.
pub fn plan(metadata: &Metadata, recorded: Recorded) -> TagPlan {
    let source = recorded.path;
    match (recorded.layout, metadata) {
        (Layout::Mp3 { payload, xing }, metadata) => TagPlan::Id3 {
            tag: match metadata {
                Metadata::Id3 { tag, .. } => tag.clone(),
                _ => Vec::new(),
            },
            picture: match metadata {
                Metadata::Id3 { picture, .. } => picture.clone(),
                _ => None,
            },
            xing,
            payload,
            source,
        },
        (
            Layout::Mp4 { len, moov, bytes },
            Metadata::Mp4 {
                items,
                chapters,
                picture,
            },
        ) => {
            let encoded = picture.as_deref().unwrap_or_default();
            let at = moov.clone();
            match crate::audio::mp4::moov::rebuild_with(&bytes, at, items, chapters, encoded) {
                Ok(mut new) => {
                    // The rebuilt box ends with the shared cover: keep one copy of it.
                    let picture = picture.clone().filter(|p| new.ends_with(p));
                    if let Some(shared) = &picture {
                        new.truncate(new.len() - shared.len());
                        new.shrink_to_fit();
                    }
                    TagPlan::Mp4 {
                        head: 0..moov.start,
                        moov: new,
                        picture,
                        tail: moov.end..len,
                        source,
                    }
                }
                Err(_) => TagPlan::Copy { source, len },
            }
        }
        (Layout::Wave { len, fmt, data }, Metadata::Wave { info, tag, picture }) => {
            let chunks = WaveChunks {
                fmt: &fmt,
                info,
                tag,
                picture,
            };
            wave_plan(&source, chunks, data).unwrap_or(TagPlan::Copy { source, len })
        }
        (Layout::Flac { blocks, .. }, Metadata::Flac { comment }) => {
            let mut head = b"fLaC".to_vec();
            head.extend_from_slice(&blocks.kept);
            head.extend_from_slice(comment);
            TagPlan::Flac {
                source,
                head,
                frames: blocks.frames,
            }
        }
        (
            Layout::Mp4 { len, .. }
            | Layout::Wave { len, .. }
            | Layout::Flac { len, .. }
            | Layout::Whole { len },
            _,
        ) => TagPlan::Copy { source, len },
    }
}

/// What a WAV copy puts before its samples.
struct WaveChunks<'a> {
    fmt: &'a [u8],
    info: &'a [u8],
    tag: &'a [u8],
    picture: &'a Option<Arc<[u8]>>,
}

/// The copy of a WAV: `None` when it would pass RIFF's 4 GiB.
fn wave_plan(source: &Path, chunks: WaveChunks<'_>, data: Range<u64>) -> Option<TagPlan> {
    let id3_len = chunks.tag.len() as u64 + chunks.picture.as_deref().map_or(0, |p| p.len() as u64);
    let data_len = data.end - data.start;
    let fmt = wave::chunk(b"fmt ", chunks.fmt);
    let riff_len = 4
        + fmt.len() as u64
        + chunks.info.len() as u64
        + 8
        + id3_len
        + (id3_len & 1)
        + 8
        + data_len
        + (data_len & 1);
    let riff_len = u32::try_from(riff_len).ok()?;
    let mut head = b"RIFF".to_vec();
    head.extend_from_slice(&riff_len.to_le_bytes());
    head.extend_from_slice(b"WAVE");
    head.extend(fmt);
    head.extend_from_slice(chunks.info);
    head.extend(wave::chunk_header(b"id3 ", id3_len));
    head.extend_from_slice(chunks.tag);
    let mut middle = vec![0; (id3_len & 1) as usize];
    middle.extend(wave::chunk_header(b"data", data_len));
    Some(TagPlan::Wave {
        source: source.to_path_buf(),
        head,
        picture: chunks.picture.clone(),
        middle,
        data,
        tail: vec![0; (data_len & 1) as usize],
    })
}

/// The MP4 metadata items, the same facts as the ID3 tag's (MP4 has no standard place for
/// the page link or the language; chapters are in the JSON chapters the feed names).
fn mp4_items(context: TagContext<'_>, session: &Session) -> Vec<Item> {
    let podcast = &context.cycle.podcast;
    let text = |name: &[u8; 4], value: &str| Item {
        name: *name,
        value: Value::Text(frame_text(value)),
    };
    let mut items = vec![text(b"\xa9nam", &session.title)];
    let speakers: Vec<&str> = session.speakers.iter().map(|s| s.name.as_str()).collect();
    if !speakers.is_empty() {
        items.push(text(b"\xa9ART", &speakers.join(", ")));
    }
    items.push(text(b"aART", &podcast.author));
    items.push(text(b"\xa9alb", &podcast.title));
    items.push(Item {
        name: *b"trkn",
        value: Value::Track {
            number: u16::try_from(session.number).unwrap_or(u16::MAX),
            total: 0,
        },
    });
    items.push(text(
        b"\xa9day",
        &session.date.format("%Y-%m-%d").to_string(),
    ));
    items.push(text(b"\xa9gen", "Podcast"));
    items.push(text(b"\xa9cmt", &session.description));
    if let Some(copyright) = &podcast.copyright {
        items.push(text(b"cprt", copyright));
    }
    // The cover's `covr` item is encoded once and appended by `plan`.
    items
}

fn build_tag(context: TagContext<'_>, session: &Session) -> Tag {
    let podcast = &context.cycle.podcast;
    let language = podcast.lang.language.iso_639_2();
    let mut tag = Tag::new();
    tag.set_title(frame_text(&session.title));
    let speakers: Vec<&str> = session.speakers.iter().map(|s| s.name.as_str()).collect();
    if !speakers.is_empty() {
        tag.set_artist(frame_text(&speakers.join(", ")));
    }
    tag.set_album(frame_text(&podcast.title));
    tag.set_album_artist(frame_text(&podcast.author));
    tag.set_track(session.number);
    tag.set_date_recorded(Timestamp {
        year: chrono::Datelike::year(&session.date),
        month: Some(chrono::Datelike::month(&session.date) as u8),
        day: Some(chrono::Datelike::day(&session.date) as u8),
        hour: None,
        minute: None,
        second: None,
    });
    tag.set_genre("Podcast");
    tag.set_text("TLAN", language);
    if let Some(copyright) = &podcast.copyright {
        tag.set_text("TCOP", frame_text(copyright));
    }
    tag.add_frame(Comment {
        lang: language.to_string(),
        description: String::new(),
        text: frame_text(&session.description),
    });
    tag.add_frame(ExtendedLink {
        description: String::new(),
        link: context.page.to_string(),
    });
    // The cover's frame is encoded once and appended by `metadata`.
    tag
}

/// Text for a tag frame or item. The config refuses, and tags that fill a session lose, every
/// character a feed cannot carry; this keeps the promise at the last step too, since a NUL in
/// an ID3v2.4 text frame separates two values and ends the text for most readers.
fn frame_text(text: &str) -> String {
    crate::model::text::clean(text).0
}

/// Writes the session's chapters as `CHAP` frames listed by a top-level `CTOC` frame.
fn add_chapters(tag: &mut Tag, session: &Session, duration_ms: u64) {
    if session.chapters.is_empty() {
        return;
    }
    let ms = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let ids: Vec<String> = (1..=session.chapters.len())
        .map(|i| format!("chp{i}"))
        .collect();
    for (i, chapter) in session.chapters.iter().enumerate() {
        let end = session
            .chapters
            .get(i + 1)
            .map_or(duration_ms, |next| next.start_ms);
        let mut frames = vec![id3::Frame::text("TIT2", frame_text(&chapter.title))];
        if let Some(url) = &chapter.url {
            frames.push(
                ExtendedLink {
                    description: String::new(),
                    link: url.to_string(),
                }
                .into(),
            );
        }
        tag.add_frame(id3::frame::Chapter {
            element_id: ids[i].clone(),
            start_time: ms(chapter.start_ms),
            end_time: ms(end.max(chapter.start_ms)),
            // All ones: the offsets are not given, the times are.
            start_offset: u32::MAX,
            end_offset: u32::MAX,
            frames,
        });
    }
    tag.add_frame(id3::frame::TableOfContents {
        element_id: "toc".to_string(),
        top_level: true,
        ordered: true,
        elements: ids,
        frames: Vec::new(),
    });
}

/// The byte range of an MP3 that holds its audio: between its leading ID3v2 tags and the tags
/// it ends with (ID3v1 and `TAG+`, APEv2, Lyrics3 v1 and v2, appended ID3v2). It is the range
/// [`crate::audio::mp3::scan`] walks, so the copy keeps exactly the frames probe counts and the Xing
/// frame made for it indexes.
fn payload_range(file: &mut (impl Read + Seek)) -> io::Result<Range<u64>> {
    let len = file.seek(SeekFrom::End(0))?;
    crate::audio::mp3::audio_range(file, len)
}

/// Writes the published copy into `out` (commit's temporary file, or its comparer): the
/// bytes the plan made, and the ranges of the recording it names, streamed as they are.
pub fn apply(plan: &TagPlan, out: &mut impl Write) -> Result<()> {
    let source = plan.source();
    let mut file = crate::support::fs::open(source)?;
    for part in plan.parts() {
        let range = match part {
            Part::Made(bytes) => {
                out.write_all(bytes)?;
                continue;
            }
            Part::Copied(range) => range,
        };
        file.seek(SeekFrom::Start(range.start))
            .with_context(|| format!("failed to read `{}`", source.display()))?;
        let wanted = range.end - range.start;
        let copied = io::copy(&mut (&mut file).take(wanted), out)
            .with_context(|| format!("failed to copy `{}`", source.display()))?;
        anyhow::ensure!(
            copied == wanted,
            "`{}` changed while it was being published",
            source.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;

mod flac;
mod wave;
