//! The common tags (title, artist, album, date, comment) read from every metadata revision
//! symphonia finds.

use symphonia::core::formats::FormatReader;
use symphonia::core::meta::{MetadataRevision, StandardTag};

use crate::model::Tags;

/// Reads the common tags from every metadata revision (leading ID3v2, trailing APE and ID3v1,
/// the container's own). The first revision that has a field gives it, in this order: ID3v2 and
/// the container's own tags, then APE, then ID3v1, whose fields are cut at 30 bytes.
pub fn read_tags(format: &mut dyn FormatReader, extra: Vec<MetadataRevision>) -> Tags {
    let rank = |revision: &MetadataRevision| match revision.info.short_name {
        "ape" | "apev1" | "apev2" => 1,
        "id3v1" => 2,
        _ => 0,
    };
    let mut found: Vec<(u8, Tags, DateRank)> = Vec::new();
    let mut metadata = format.metadata();
    loop {
        if let Some(revision) = metadata.current() {
            let (tags, date) = tags_of(revision);
            found.push((rank(revision), tags, date));
        }
        if metadata.pop().is_none() {
            break;
        }
    }
    for revision in &extra {
        let (tags, date) = tags_of(revision);
        found.push((rank(revision), tags, date));
    }
    // Stable: revisions keep their order within each rank.
    found.sort_by_key(|(rank, _, _)| *rank);
    let mut tags = Tags::default();
    let mut best_date = DateRank::None;
    for (_, found, date) in found {
        tags.title = tags.title.or(found.title);
        tags.artist = tags.artist.or(found.artist);
        tags.album = tags.album.or(found.album);
        tags.comment = tags.comment.or(found.comment);
        if found.date.is_some() && (tags.date.is_none() || date < best_date) {
            tags.date = found.date;
            best_date = date;
        }
        tags.has_picture |= found.has_picture;
    }
    tags
}

/// How complete a date is: a full date beats a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DateRank {
    Recording,
    Release,
    RecordingYear,
    ReleaseYear,
    None,
}

fn tags_of(revision: &MetadataRevision) -> (Tags, DateRank) {
    let mut tags = Tags::default();
    let mut date_rank = DateRank::None;
    let all = revision
        .media
        .tags
        .iter()
        .chain(revision.per_track.iter().flat_map(|t| &t.metadata.tags));
    // ID3v2.3 splits a date in two: `TYER` (the year) and `TDAT` (`DDMM`).
    let mut day_month = None;
    // Vorbis comments (as ffmpeg writes them) and MP4 keep a comment as a description.
    let mut description = None;
    for tag in all {
        let text = |v: &str| Some(v.trim().to_string()).filter(|s| !s.is_empty());
        if tag.raw.key == "TDAT" {
            day_month = Some(tag.raw.value.to_string())
                .filter(|v| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()));
            continue;
        }
        let (slot, value) = match &tag.std {
            // ffmpeg writes a comment as a user text frame named `comment`.
            None if tag.raw.key == "TXXX" && has_sub_field(tag, "comment") => {
                (&mut tags.comment, text(&tag.raw.value.to_string()))
            }
            Some(StandardTag::TrackTitle(v)) => (&mut tags.title, text(v)),
            Some(StandardTag::Artist(v)) => (&mut tags.artist, text(v)),
            Some(StandardTag::Album(v)) => (&mut tags.album, text(v)),
            Some(StandardTag::Comment(v)) if !is_itunes_data(tag) => (&mut tags.comment, text(v)),
            Some(StandardTag::Description(v)) => (&mut description, text(v)),
            Some(
                date @ (StandardTag::RecordingDate(_)
                | StandardTag::ReleaseDate(_)
                | StandardTag::RecordingYear(_)
                | StandardTag::ReleaseYear(_)),
            ) => {
                let (rank, value) = match date {
                    StandardTag::RecordingDate(v) => (DateRank::Recording, text(v)),
                    StandardTag::ReleaseDate(v) => (DateRank::Release, text(v)),
                    StandardTag::RecordingYear(y) => (DateRank::RecordingYear, Some(y.to_string())),
                    StandardTag::ReleaseYear(y) => (DateRank::ReleaseYear, Some(y.to_string())),
                    _ => unreachable!("matched above"),
                };
                if value.is_some() && rank < date_rank {
                    tags.date = value;
                    date_rank = rank;
                }
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = value;
        }
    }
    tags.comment = tags.comment.or(description);
    if let (Some(ddmm), Some(year), DateRank::RecordingYear | DateRank::ReleaseYear) =
        (day_month, &tags.date, date_rank)
    {
        tags.date = Some(format!("{year}-{}-{}", &ddmm[2..], &ddmm[..2]));
        date_rank = DateRank::Recording;
    }
    tags.has_picture = !revision.media.visuals.is_empty()
        || revision
            .per_track
            .iter()
            .any(|t| !t.metadata.visuals.is_empty());
    (tags, date_rank)
}

/// Whether one of a tag's sub-fields (an ID3 frame's description) is `value`, in any case.
fn has_sub_field(tag: &symphonia::core::meta::Tag, value: &str) -> bool {
    tag.raw
        .sub_fields
        .iter()
        .flatten()
        .any(|f| f.value.to_string().eq_ignore_ascii_case(value))
}

/// iTunes keeps its normalization and gapless data in ID3 comments (`iTunNORM`, `iTunSMPB`).
fn is_itunes_data(tag: &symphonia::core::meta::Tag) -> bool {
    tag.raw
        .sub_fields
        .iter()
        .flatten()
        .any(|f| f.value.to_string().starts_with("iTun"))
}
