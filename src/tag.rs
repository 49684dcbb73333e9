//! Stage 5: tag the copy being published. The only module that uses id3.
//!
//! [`plan`] decides (pure) the exact bytes of the new ID3v2 tag, so the published file's size
//! is known before anything is written; [`apply`] writes the tag followed by the recording's
//! audio, copied byte for byte. The recording itself is only ever read: its old ID3v2 tags
//! (at the start) and ID3v1 tag (the last 128 bytes) are left out of the copy, everything
//! between them is copied as it is.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use id3::frame::{Comment, ExtendedLink, Picture, PictureType};
use id3::{Encoder, Tag, TagLike, Timestamp, Version};
use url::Url;

use crate::model::{Cycle, Session};

/// An image to embed as the episode's artwork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artwork {
    /// The image file's bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub mime: &'static str,
}

impl Artwork {
    /// Recognizes a JPEG or PNG image by its header.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Artwork> {
        let mime = crate::artwork::inspect(&bytes)?.format.mime();
        Some(Artwork { bytes, mime })
    }
}

/// How a recording becomes its published copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagPlan {
    /// An MP3: a new ID3v2 tag, then the recording's bytes in `payload`, unchanged.
    Id3 {
        /// The recording.
        source: PathBuf,
        /// The encoded tag.
        tag: Vec<u8>,
        /// The byte range of the recording that holds its audio.
        payload: Range<u64>,
    },
    /// Published as it is (tagging other containers is not done yet).
    Copy {
        /// The recording.
        source: PathBuf,
        /// Its size.
        len: u64,
    },
}

impl TagPlan {
    /// Exact size of the published copy.
    pub fn output_len(&self) -> u64 {
        match self {
            TagPlan::Id3 { tag, payload, .. } => tag.len() as u64 + (payload.end - payload.start),
            TagPlan::Copy { len, .. } => *len,
        }
    }

    /// The recording the copy is made from.
    pub fn source(&self) -> &Path {
        match self {
            TagPlan::Id3 { source, .. } | TagPlan::Copy { source, .. } => source,
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
pub struct Recorded<'a> {
    /// Its path.
    pub path: &'a Path,
    /// Whether it is an MP3 (the only format tagged so far).
    pub is_mp3: bool,
    /// Its audio bytes, from [`locate_payload`] (the whole file for other formats).
    pub payload: Range<u64>,
    /// Its exact duration in milliseconds (the last chapter ends there).
    pub duration_ms: u64,
}

/// Decides the published copy of a session's recording.
pub fn plan(
    context: TagContext<'_>,
    session: &Session,
    recorded: &Recorded<'_>,
) -> Result<TagPlan> {
    let source = recorded.path;
    let payload = recorded.payload.clone();
    if !recorded.is_mp3 {
        return Ok(TagPlan::Copy {
            source: source.to_path_buf(),
            len: payload.end,
        });
    }
    let mut tag = build_tag(context, session);
    add_chapters(&mut tag, session, recorded.duration_ms);
    let mut bytes = Vec::new();
    Encoder::new()
        .version(Version::Id3v23)
        .padding(0)
        .encode(&tag, &mut bytes)
        .with_context(|| format!("failed to encode the ID3 tag for `{}`", source.display()))?;
    Ok(TagPlan::Id3 {
        source: source.to_path_buf(),
        tag: bytes,
        payload,
    })
}

fn build_tag(context: TagContext<'_>, session: &Session) -> Tag {
    let podcast = &context.cycle.podcast;
    let language = iso_639_2(&podcast.lang.tag);
    let mut tag = Tag::new();
    tag.set_title(&session.title);
    let speakers: Vec<&str> = session.speakers.iter().map(|s| s.name.as_str()).collect();
    if !speakers.is_empty() {
        tag.set_artist(speakers.join(", "));
    }
    tag.set_album(&podcast.title);
    tag.set_album_artist(&podcast.author);
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
        tag.set_text("TCOP", copyright);
    }
    tag.add_frame(Comment {
        lang: language.to_string(),
        description: String::new(),
        text: session.description.clone(),
    });
    tag.add_frame(ExtendedLink {
        description: String::new(),
        link: context.page.to_string(),
    });
    if let Some(art) = context.artwork {
        tag.add_frame(Picture {
            mime_type: art.mime.to_string(),
            picture_type: PictureType::CoverFront,
            description: String::new(),
            data: art.bytes.clone(),
        });
    }
    tag
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
        let mut frames = vec![id3::Frame::text("TIT2", chapter.title.clone())];
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

/// The three-letter language code ID3 wants.
fn iso_639_2(tag: &str) -> &'static str {
    match tag.split('-').next().unwrap_or_default() {
        "fr" => "fra",
        "en" => "eng",
        _ => "und",
    }
}

/// Finds the byte range of `path` that lies between its ID3v2 tags and its ID3v1 tag.
pub fn locate_payload(path: &Path) -> Result<Range<u64>> {
    let mut file = crate::fs::open(path)?;
    payload_range(&mut file).with_context(|| format!("failed to read `{}`", path.display()))
}

fn payload_range(file: &mut (impl Read + Seek)) -> io::Result<Range<u64>> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut start = 0u64;
    // Some files carry several ID3v2 tags back to back.
    while let Some(size) = id3v2_size_at(file, start, len)? {
        start += size;
    }
    let mut end = len;
    if len >= start + 128 {
        let mut trailer = [0u8; 3];
        file.seek(SeekFrom::Start(len - 128))?;
        file.read_exact(&mut trailer)?;
        if &trailer == b"TAG" {
            end = len - 128;
        }
    }
    Ok(start..end)
}

/// The full size of an ID3v2 tag starting at `offset`, if one does and fits in the file.
fn id3v2_size_at(file: &mut (impl Read + Seek), offset: u64, len: u64) -> io::Result<Option<u64>> {
    if offset + 10 > len {
        return Ok(None);
    }
    let mut header = [0u8; 10];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut header)?;
    Ok(crate::mpeg::id3v2_len(&header).filter(|size| offset + size <= len))
}

/// Writes the published copy into `out`: the new tag, then the payload as it is.
pub fn apply(plan: &TagPlan, out: &mut impl Write) -> Result<()> {
    let source = plan.source();
    let mut file = crate::fs::open(source)?;
    let range = match plan {
        TagPlan::Id3 { tag, payload, .. } => {
            out.write_all(tag)?;
            payload.clone()
        }
        TagPlan::Copy { len, .. } => 0..*len,
    };
    file.seek(SeekFrom::Start(range.start))
        .with_context(|| format!("failed to read `{}`", source.display()))?;
    let wanted = range.end - range.start;
    let copied = io::copy(&mut file.take(wanted), out)
        .with_context(|| format!("failed to copy `{}`", source.display()))?;
    anyhow::ensure!(
        copied == wanted,
        "`{}` changed while it was being published",
        source.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn id3v2(body: usize) -> Vec<u8> {
        let mut tag = b"ID3\x03\x00\x00".to_vec();
        let size = body as u32;
        tag.extend([
            (size >> 21) as u8 & 0x7f,
            (size >> 14) as u8 & 0x7f,
            (size >> 7) as u8 & 0x7f,
            size as u8 & 0x7f,
        ]);
        tag.extend(std::iter::repeat_n(0u8, body));
        tag
    }

    #[test]
    fn finds_the_audio_between_the_tags() {
        let audio = vec![0xFFu8; 1000];
        let mut file = id3v2(300);
        file.extend(id3v2(20));
        file.extend(&audio);
        let mut v1 = b"TAG".to_vec();
        v1.resize(128, b' ');
        file.extend(&v1);
        let range = payload_range(&mut Cursor::new(&file)).unwrap();
        assert_eq!(range, 340..1340);
        assert_eq!(&file[range.start as usize..range.end as usize], &audio[..]);
    }

    #[test]
    fn keeps_a_file_without_tags_whole() {
        let file = vec![0xFFu8, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(payload_range(&mut Cursor::new(&file)).unwrap(), 0..12);
    }

    #[test]
    fn ignores_a_tag_header_that_claims_more_than_the_file() {
        let mut file = id3v2(0);
        file[9] = 0x7f;
        file.extend([0xFF; 20]);
        assert_eq!(payload_range(&mut Cursor::new(&file)).unwrap(), 0..30);
    }
}
