//! `cyclecast.lock`, read and written: at the project root and committed like `Cargo.lock`,
//! it records what podcast apps know the published podcast by. That is the podcast's GUID
//! and, for each published session, its episode's GUID, its file stem (slug) and its
//! enclosure URL.
//!
//! [`read`] and [`parse`] read it, [`render`] gives its bytes, [`write()`] writes them
//! atomically. What the lock means for the config is [`crate::project::identity`]'s business;
//! when it is written is `publish`'s.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use toml::Spanned;
use url::Url;
use uuid::Uuid;

use crate::model::problem::Problem;
use crate::project::config::{is_slug, parse_web_url};

/// Name of the lock file, at the project root.
pub const LOCK_FILE: &str = "cyclecast.lock";

/// The lock format this version reads and writes.
const VERSION: i64 = 1;

/// What the header of the lock says about it.
const HEADER: &str = "\
# cyclecast.lock: what podcast apps know this podcast by, written by `cyclecast publish`.
# Commit it with config.toml. Once published, a GUID, a file name (slug) and an enclosure
# URL do not move: a renumbered session keeps its file unless `publish --rename ID` asks.
";

/// The published identities of a podcast, as `cyclecast.lock` records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The podcast's GUID (`podcast:guid`).
    pub podcast_guid: Uuid,
    /// Each published session.
    pub sessions: Vec<LockedSession>,
}

/// One published session's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedSession {
    /// The session's id in the config.
    pub id: String,
    /// Its episode's GUID.
    pub guid: String,
    /// The stem of its published files, `NN-id`.
    pub slug: String,
    /// Its episode's enclosure URL.
    pub enclosure: Url,
}

impl Lock {
    /// The entry of session `id`.
    pub fn session(&self, id: &str) -> Option<&LockedSession> {
        self.sessions.iter().find(|s| s.id == id)
    }
}

impl LockedSession {
    /// Sort key: the number the slug was published with, then the id.
    pub(crate) fn order(&self) -> (u32, &str) {
        let number = self
            .slug
            .split_once('-')
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or(u32::MAX);
        (number, &self.id)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock {
    version: Spanned<i64>,
    podcast: RawPodcast,
    #[serde(default)]
    sessions: Vec<RawSession>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPodcast {
    guid: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    id: Spanned<String>,
    guid: Spanned<String>,
    slug: Spanned<String>,
    enclosure: Spanned<String>,
}

/// Reads `cyclecast.lock` from the project root: `None` when there is none yet (nothing was
/// published, or the project predates the lock).
pub fn read(root: &Path) -> Result<Option<Lock>, Problem> {
    let path = root.join(LOCK_FILE);
    // Never through a link, never waiting on a FIFO, never more than a lock can hold.
    let bytes = match crate::support::fs::read_regular(&path, crate::support::fs::TEXT_LIMIT) {
        Ok(bytes) => bytes,
        Err(e) if crate::support::fs::is_not_found(&e) => return Ok(None),
        Err(e) => {
            return Err(Problem::error(
                LOCK_FILE,
                format!("cannot read the lock: {e:#}"),
            ));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => parse(&text).map(Some),
        Err(_) => Err(Problem::error(
            LOCK_FILE,
            "cannot read the lock: it is not UTF-8 text",
        )),
    }
}

/// Parses the text of a lock; a problem names the line it is on.
pub fn parse(text: &str) -> Result<Lock, Problem> {
    let raw: RawLock = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end_matches('\n').replace('\n', "; ");
        match e.span() {
            Some(span) => Problem::at(LOCK_FILE, text, span.start, message),
            None => Problem::error(LOCK_FILE, message),
        }
    })?;
    let at = |offset: usize, message: String| Problem::at(LOCK_FILE, text, offset, message);
    if *raw.version.get_ref() != VERSION {
        return Err(at(
            raw.version.span().start,
            format!(
                "unsupported lock version {}: this cyclecast reads version {VERSION}",
                raw.version.get_ref()
            ),
        ));
    }
    let guid = &raw.podcast.guid;
    let podcast_guid = Uuid::parse_str(guid.get_ref()).map_err(|_| {
        at(
            guid.span().start,
            format!("`{}` is not a UUID", guid.get_ref()),
        )
    })?;
    let mut sessions: Vec<LockedSession> = Vec::new();
    for raw in raw.sessions {
        let session = parse_session(raw, &at)?;
        if let Some(twice) = sessions.iter().find(|s| s.id == session.id) {
            return Err(Problem::error(
                LOCK_FILE,
                format!("session `{}` is locked twice", twice.id),
            ));
        }
        sessions.push(session);
    }
    Ok(Lock {
        podcast_guid,
        sessions,
    })
}

/// Checks one `[[sessions]]` entry: a slug that could lead out of `feed/`, or collide with
/// another session's, is refused.
fn parse_session(
    raw: RawSession,
    at: &impl Fn(usize, String) -> Problem,
) -> Result<LockedSession, Problem> {
    let id = raw.id.get_ref();
    if !is_slug(id) {
        return Err(at(
            raw.id.span().start,
            format!("`{id}` is not a session id: expected lowercase letters, digits and `-`"),
        ));
    }
    let slug = raw.slug.get_ref();
    let numbered = slug
        .strip_suffix(id.as_str())
        .and_then(|n| n.strip_suffix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !numbered {
        return Err(at(
            raw.slug.span().start,
            format!("slug `{slug}` is not the session's number and id, e.g. `01-{id}`"),
        ));
    }
    if raw.guid.get_ref().trim().is_empty() {
        return Err(at(raw.guid.span().start, "the GUID is empty".to_string()));
    }
    let enclosure =
        parse_web_url(raw.enclosure.get_ref()).map_err(|e| at(raw.enclosure.span().start, e))?;
    Ok(LockedSession {
        id: raw.id.into_inner(),
        guid: raw.guid.into_inner(),
        slug: raw.slug.into_inner(),
        enclosure,
    })
}

/// The text of a lock: a header, then the podcast, then the sessions by the number they were
/// published with, then id. The same lock always gives the same bytes.
pub fn render(lock: &Lock) -> String {
    let mut sessions: Vec<&LockedSession> = lock.sessions.iter().collect();
    sessions.sort_by(|a, b| a.order().cmp(&b.order()));
    let mut out = format!(
        "{HEADER}\nversion = {VERSION}\n\n[podcast]\nguid = {}\n",
        quoted(&lock.podcast_guid.to_string())
    );
    for session in sessions {
        out.push_str(&format!(
            "\n[[sessions]]\nid = {}\nguid = {}\nslug = {}\nenclosure = {}\n",
            quoted(&session.id),
            quoted(&session.guid),
            quoted(&session.slug),
            quoted(session.enclosure.as_str())
        ));
    }
    out
}

/// A TOML basic string, escaped by the toml crate.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}
/// Writes the lock at the project root, atomically (temporary file, then rename), and only
/// when its bytes change. Returns whether it was written.
pub fn write(root: &Path, lock: &Lock) -> Result<bool> {
    let path = root.join(LOCK_FILE);
    let text = render(lock);
    if crate::support::fs::read_regular(&path, crate::support::fs::TEXT_LIMIT)
        .is_ok_and(|bytes| bytes == text.as_bytes())
    {
        return Ok(false);
    }
    crate::support::fs::write_new_then_rename(&temporary_path(root), &path, |file| {
        file.write_all(text.as_bytes())
    })
    .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(true)
}

/// `.cyclecast.lock.<pid>.tmp` beside the lock, so that the rename is atomic and two
/// publishes at once do not write the same temporary file.
fn temporary_path(root: &Path) -> PathBuf {
    root.join(format!(".{LOCK_FILE}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    // Issue #11: a symbolic link left where the lock is written first is never written
    // through.
    #[test]
    fn writes_the_lock_never_through_a_link_at_its_temporary_name() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, temporary_path(dir.path())).unwrap();
        let lock = Lock {
            podcast_guid: Uuid::nil(),
            sessions: Vec::new(),
        };
        assert!(write(dir.path(), &lock).unwrap());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!temporary_path(dir.path()).exists());
        assert!(dir.path().join(LOCK_FILE).is_file());
    }
}
