//! Where everything lives in `feed/`: every file name, path and URL that a publish writes or
//! links to, in one place.
//!
//! `feed/` holds `feed.xml`, `index.html`, `sessions.ics`, the cover, and per session
//! `episodes/NN-id.ext`, `radio/NN-id.ext`, `images/NN-id.ext`, `chapters/NN-id.json`,
//! `transcripts/NN-id.{vtt,srt}`, `sessions/NN-id.html` and `sessions/NN-id-transcription.html`,
//! and `drawings/NAME`. `NN-id` is [`Session::stem`]: the lock's pinned stem once published.
//!
//! It sits in `model`, below `episode` (which names an episode's files and URL) as well as
//! `render` (pages, feed, calendar) and `publish` (cover, drawings): all of them may use it
//! without an upward dependency. It uses only the `model` types it names paths from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use url::Url;

use crate::model::{Cycle, Drawing, Session, Source, TranscriptFiles};

/// Name of the listeners' feed under `feed/`.
pub const FEED_FILE: &str = "feed.xml";

/// Name of the cycle's page under `feed/`.
pub const INDEX_FILE: &str = "index.html";

/// Name of the calendar under `feed/`.
pub const CALENDAR_FILE: &str = "sessions.ics";

/// Folder of the session pages under `feed/`.
pub const SESSIONS_FOLDER: &str = "sessions";

/// Where each drawing file of the project is published under `feed/`, by its path.
pub type DrawingTargets = BTreeMap<PathBuf, String>;

/// An address under the podcast's base URL, for a path under `feed/`.
pub fn absolute(cycle: &Cycle, file: &str) -> Url {
    cycle
        .podcast
        .base_url
        .join(file)
        .expect("a file path joins any base URL")
}

/// The feed's archive page `number`, from 1, the oldest: `feed-1.xml`…
pub fn feed_archive_file(number: usize) -> String {
    format!("feed-{number}.xml")
}

/// The feed's own address.
pub fn feed_url(cycle: &Cycle) -> Url {
    cycle
        .podcast
        .base_url
        .join(FEED_FILE)
        .expect("a file name joins any base URL")
}

/// The published cover's name under `feed/`: `cover.jpg` or `cover.png`, whatever the project
/// calls it.
pub fn cover_file(cover: &Path) -> String {
    format!("cover.{}", image_extension(cover))
}

/// The extension an image is published with: `jpg` or `png`, lowercase.
pub fn image_extension(path: &Path) -> String {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("jpg")
        .to_ascii_lowercase();
    if extension == "jpeg" {
        "jpg".to_string()
    } else {
        extension
    }
}

/// Path under `feed/` of a session's published episode, e.g. `episodes/01-slug.mp3`.
pub fn episode_file(session: &Session, extension: &str) -> String {
    format!("episodes/{}.{extension}", session.stem())
}

/// Path under `feed/` of a session's broadcast rendition, e.g. `radio/01-slug.wav`.
pub fn radio_file(session: &Session, extension: &str) -> String {
    format!("radio/{}.{extension}", session.stem())
}

/// Path under `feed/` of a rebroadcast's own radio edit: `radio/NN-id-edit.ext` for the
/// session's first (`index` 0), `radio/NN-id-edit-2.ext` for a second.
pub fn radio_edit_file(session: &Session, index: usize, extension: &str) -> String {
    let suffix = if index == 0 {
        String::new()
    } else {
        format!("-{}", index + 1)
    };
    format!("radio/{}-edit{suffix}.{extension}", session.stem())
}

/// Path under `feed/` of a session's light rendition, e.g. `light/01-slug.mp3`.
pub fn light_file(session: &Session) -> String {
    format!("light/{}.mp3", session.stem())
}

/// The project's folder of what cyclecast keeps for itself and never publishes: per output
/// folder, the record of the files it wrote there (`outputs/`) and the state of the last
/// publish (`state/`); the renditions made from the masters (`renditions/`). Git-ignored (the
/// repository's and `init`'s `.gitignore`).
pub const PROJECT_FOLDER: &str = ".cyclecast";

/// The radio partners' feed.
pub const RADIO_FEED_FILE: &str = "radio.xml";

/// Path under `feed/` of an episode's own artwork, e.g. `images/01-slug.jpg`.
pub fn image_file(session: &Session, extension: &str) -> String {
    format!("images/{}.{extension}", session.stem())
}

/// Path under `feed/` of a session's JSON chapters, e.g. `chapters/01-slug.json`.
pub fn chapters_file(session: &Session) -> String {
    format!("chapters/{}.json", session.stem())
}

/// Paths under `feed/` of a session's transcript, as JSON, WebVTT and SubRip.
pub fn transcript_files(session: &Session) -> TranscriptFiles {
    TranscriptFiles {
        json: format!("transcripts/{}.json", session.stem()),
        vtt: format!("transcripts/{}.vtt", session.stem()),
        srt: format!("transcripts/{}.srt", session.stem()),
    }
}

/// The path of a session's page under `feed/`: `sessions/NN-id.html`.
pub fn session_path(session: &Session) -> String {
    format!("{SESSIONS_FOLDER}/{}", session_page_name(session))
}

/// The name of a session's page in its folder, `NN-id.html`: its link from another session's
/// page.
pub fn session_page_name(session: &Session) -> String {
    format!("{}.html", session.stem())
}

/// The path of a session's transcript page under `feed/`: `sessions/NN-id-transcription.html`.
pub fn transcript_path(session: &Session) -> String {
    format!("{SESSIONS_FOLDER}/{}", transcript_page_name(session))
}

/// The name of a session's transcript page in its folder, `NN-id-transcription.html`: its
/// link from the session's page.
pub fn transcript_page_name(session: &Session) -> String {
    format!("{}-transcription.html", session.stem())
}

/// The address of a session's page (the item's `<link>`, the show notes' and the tag's link).
pub fn session_url(cycle: &Cycle, session: &Session) -> Url {
    let base = &cycle.podcast.base_url;
    base.join(&session_path(session))
        .unwrap_or_else(|_| base.clone())
}

/// The address of a session's transcript page.
pub fn transcript_url(cycle: &Cycle, session: &Session) -> Url {
    let base = &cycle.podcast.base_url;
    base.join(&transcript_path(session))
        .unwrap_or_else(|_| base.clone())
}

/// Where each drawing file of the cycle is published under `feed/`: `drawings/NAME`, NAME
/// being a slug of the file's path in the project (less a leading `drawings/`, folders joined
/// by `-`), e.g. `drawings/a/Croquis #5 été.JPG` → `drawings/a-croquis-5-ete.jpg`.
///
/// Published names are made URL-safe rather than percent-encoded: the address stays readable
/// (`croquis-5-ete.jpg`, not `croquis%20%235%20%C3%A9t%C3%A9.JPG`) and means the same to
/// every static host, browser and podcast app (a `#`, `?`, `%` or `+` is where they differ),
/// like the names of every other file cyclecast publishes. It stays stable: it depends on
/// the file's own path alone, so an existing `drawings/x.jpg` keeps `drawings/x.jpg`. Each
/// source has one name, a file shared by two sessions is published once; two sources whose
/// slugs meet (`a/x.jpg` and `a-x.jpg`) each take a suffix from a hash of their path, so no
/// output is ever written twice.
pub fn drawing_targets<'a>(
    root: &Path,
    drawings: impl IntoIterator<Item = &'a Drawing>,
) -> DrawingTargets {
    let sources: BTreeSet<&PathBuf> = drawings
        .into_iter()
        .filter_map(|d| match &d.source {
            Source::File(path) => Some(path),
            Source::Url(_) => None,
        })
        .collect();
    let named: Vec<(&PathBuf, String, String)> = sources
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap_or(path);
            let relative = relative.strip_prefix("drawings").unwrap_or(relative);
            let extension = relative
                .extension()
                .map(|e| slug(&e.to_string_lossy()))
                .unwrap_or_default();
            let stem = relative.with_extension("");
            let stem = match slug(&stem.to_string_lossy()) {
                stem if stem.is_empty() => "drawing".to_string(),
                stem => stem,
            };
            (path, stem, extension)
        })
        .collect();
    let name = |stem: &str, extension: &str| match extension {
        "" => format!("drawings/{stem}"),
        _ => format!("drawings/{stem}.{extension}"),
    };
    named
        .iter()
        .map(|(path, stem, extension)| {
            let shared = named
                .iter()
                .filter(|(_, s, e)| name(s, e) == name(stem, extension))
                .count()
                > 1;
            let stem = match shared {
                false => stem.clone(),
                true => {
                    // The path in the project, not on this machine: the same name everywhere.
                    let relative = path.strip_prefix(root).unwrap_or(path);
                    let hash = blake3::hash(relative.as_os_str().as_encoded_bytes()).to_hex();
                    format!("{stem}-{}", &hash[..8])
                }
            };
            ((*path).clone(), name(&stem, extension))
        })
        .collect()
}

/// Lowercase ASCII letters and digits, every other run of characters one `-`, accents
/// folded: `Croquis #5 été` → `croquis-5-ete`.
fn slug(text: &str) -> String {
    slug_words(text).join("-")
}

/// The words of `text`'s slug, the one slug rule (drawing files here, a new session's id in
/// `project::scaffold`): accents folded (`œ` → `oe`), lowercase ASCII letters and digits, every
/// other character a break: `Croquis #5 été` → `croquis`, `5`, `ete`.
pub fn slug_words(text: &str) -> Vec<String> {
    deunicode::deunicode(text)
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue #11, items 6 and 7: one URL-safe name per drawing file.
    #[test]
    fn names_each_drawing_file_once_with_a_url_safe_slug() {
        let root = Path::new("/p");
        let drawing = |file: &str| Drawing {
            source: Source::File(root.join(file)),
            alt: String::new(),
            credit: None,
        };
        let drawings = [
            drawing("drawings/Croquis #5 été 100% ?.JPG"),
            drawing("drawings/a/x.jpg"),
            drawing("drawings/a-x.jpg"),
            drawing("drawings/05-y.jpg"),
            drawing("drawings/05-y.jpg"),
            drawing("other/###.png"),
        ];
        let targets: Vec<String> = drawing_targets(root, &drawings).into_values().collect();
        assert_eq!(
            targets,
            [
                "drawings/05-y.jpg",
                "drawings/croquis-5-ete-100.jpg",
                "drawings/a-x-27eea33a.jpg",
                "drawings/a-x-3084b19b.jpg",
                "drawings/other.png",
            ]
        );
    }

    #[test]
    fn publishes_images_as_jpg_or_png() {
        assert_eq!(image_extension(Path::new("a/Cover.JPEG")), "jpg");
        assert_eq!(image_extension(Path::new("a/cover.PNG")), "png");
        assert_eq!(cover_file(Path::new("art/pochette.jpeg")), "cover.jpg");
    }
}
