//! What a deploy sends, in which order, with which headers.
//!
//! Media (audio, images, chapters, transcripts) go first, then the pages that link to them,
//! then the feeds that name them: a reader who fetches a feed finds what it names. The
//! headers come from the same table `serve` uses ([`crate::model::media`]).

use std::path::Path;

use anyhow::{Result, bail};

use crate::output::commit::ownership::{Kind, Tree};

/// When a file goes up: every file of one phase before any of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Audio, images, chapters, transcripts: what pages and feeds link to.
    Media,
    /// The web pages and their stylesheet, and a paged feed's archive pages (`feed-N.xml`),
    /// which `feed.xml` leads to.
    Pages,
    /// The feeds and the calendar, which announce the rest.
    Feeds,
}

/// The phases in the order they are deployed.
pub const PHASES: [Phase; 3] = [Phase::Media, Phase::Pages, Phase::Feeds];

/// How long a feed or a page may be cached: a new episode shows within minutes.
const SHORT_CACHE: &str = "public, max-age=300";

/// How long media may be cached before a client asks again with its ETag: an episode can be
/// re-tagged under the same name, so nothing is `immutable` (no published name carries a
/// hash of its content).
const MEDIA_CACHE: &str = "public, max-age=86400, must-revalidate";

/// One file of the published folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Its path under the published folder, `/` separators.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it goes up.
    pub phase: Phase,
}

impl LocalFile {
    /// Its `Content-Type`.
    pub fn content_type(&self) -> &'static str {
        let extension = self.path.rsplit_once('.').map_or("", |(_, e)| e);
        crate::model::media::by_extension(extension).unwrap_or("application/octet-stream")
    }

    /// Its `Cache-Control`.
    pub fn cache_control(&self) -> &'static str {
        match self.phase {
            Phase::Media => MEDIA_CACHE,
            Phase::Pages | Phase::Feeds => SHORT_CACHE,
        }
    }
}

/// The phase of a published file, by its name.
pub fn phase_of(path: &str) -> Phase {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    match extension.to_ascii_lowercase().as_str() {
        _ if is_archive_page(path) => Phase::Pages,
        "xml" | "ics" => Phase::Feeds,
        "html" | "css" => Phase::Pages,
        _ => Phase::Media,
    }
}

/// Whether a path is an archive page of a paged feed, `feed-N.xml` beside `feed.xml`.
fn is_archive_page(path: &str) -> bool {
    path.strip_prefix("feed-")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Every file of the published folder `source`, sorted by phase then path. A symbolic link
/// or anything but a regular file there is refused: cyclecast never deploys through one.
pub fn local_files(source: &Path) -> Result<Vec<LocalFile>> {
    let tree = Tree::read(source)?;
    if !tree.exists {
        bail!(
            "`{}` does not exist: run `cyclecast publish` first",
            source.display()
        );
    }
    let mut files = Vec::new();
    for (path, kind) in &tree.entries {
        match kind {
            Kind::Folder => {}
            Kind::File if crate::output::commit::ownership::is_internal(path) => {}
            Kind::File => {
                let full = source.join(path);
                let size = std::fs::symlink_metadata(&full)
                    .map_err(|e| anyhow::anyhow!("failed to read `{}`: {e}", full.display()))?
                    .len();
                files.push(LocalFile {
                    path: path.clone(),
                    size,
                    phase: phase_of(path),
                });
            }
            Kind::Link | Kind::Other => bail!(
                "`{}` is not a regular file: cyclecast never deploys through a symbolic link",
                source.join(path).display()
            ),
        }
    }
    files.sort_by(|a, b| (a.phase, &a.path).cmp(&(b.phase, &b.path)));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_media_before_pages_before_feeds() {
        assert_eq!(phase_of("episodes/01-a.mp3"), Phase::Media);
        assert_eq!(phase_of("chapters/01-a.json"), Phase::Media);
        assert_eq!(phase_of("transcripts/01-a.vtt"), Phase::Media);
        assert_eq!(phase_of("sessions/01-a.html"), Phase::Pages);
        assert_eq!(phase_of("feed.xml"), Phase::Feeds);
        assert_eq!(phase_of("sessions.ics"), Phase::Feeds);
        // An archive page is up before the feed.xml that leads to it.
        assert_eq!(phase_of("feed-12.xml"), Phase::Pages);
        assert_eq!(phase_of("feed-.xml"), Phase::Feeds);
    }

    #[test]
    fn caches_feeds_briefly_and_never_calls_media_immutable() {
        let file = |path: &str| LocalFile {
            path: path.into(),
            size: 0,
            phase: phase_of(path),
        };
        assert_eq!(file("feed.xml").cache_control(), SHORT_CACHE);
        assert_eq!(file("episodes/01-a.mp3").cache_control(), MEDIA_CACHE);
        assert!(!MEDIA_CACHE.contains("immutable"));
        assert_eq!(file("episodes/01-a.mp3").content_type(), "audio/mpeg");
    }
}
