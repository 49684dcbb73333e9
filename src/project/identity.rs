//! Identities that hold: `cyclecast.lock`, at the project root and committed like
//! `Cargo.lock`, records what podcast apps know the published podcast by. That is the
//! podcast's GUID and, for each published session, its episode's GUID, its file stem (slug)
//! and its enclosure URL. Renumbering a session, moving `base_url` or losing `feed/` then
//! changes none of them unless the organizer asks (`publish --rename ID`).
//!
//! [`load`] reads the lock. [`reconcile`] pins the config to it and warns about every
//! published identity a publish would change; `check::validate` runs it through [`apply`], so
//! `check` and `publish` both see the warnings. [`record`] writes the lock after a publish.
//! The only file this module reads or writes is the lock.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use toml::Spanned;
use url::Url;
use uuid::Uuid;

use crate::model::problem::Problem;
use crate::model::{AudioInfo, Episode, Recording, Session};
use crate::project::config::Config;
use crate::project::load::Validated;
use crate::publish::{Mode, PublishOptions};

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
    fn order(&self) -> (u32, &str) {
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
pub fn load(root: &Path) -> Result<Option<Lock>, Problem> {
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
    let enclosure = crate::project::config::parse_web_url(raw.enclosure.get_ref())
        .map_err(|e| at(raw.enclosure.span().start, e))?;
    Ok(LockedSession {
        id: raw.id.into_inner(),
        guid: raw.guid.into_inner(),
        slug: raw.slug.into_inner(),
        enclosure,
    })
}

/// Whether `text` is `[a-z0-9]+(-[a-z0-9]+)*`, as session ids are.
fn is_slug(text: &str) -> bool {
    text.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
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

/// What reconciling needs besides the config and the lock.
#[derive(Debug, Clone, Copy)]
pub struct Planned<'a> {
    /// The config file, as messages name it.
    pub config_file: &'a str,
    /// The config's own `base_url`, not a preview's: published URLs live under it.
    pub base_url: &'a Url,
    /// The recordings to publish, with their figures.
    pub recordings: &'a [(Recording, AudioInfo)],
    /// Ids of the sessions `publish --rename` moves to their numbered file names.
    pub renames: &'a [String],
}

/// Reads the lock and [`reconcile`]s the config with it; a bad lock is an error.
pub fn apply(config: &mut Config, planned: &Planned<'_>) -> Vec<Problem> {
    match load(&config.root) {
        Ok(Some(lock)) => reconcile(config, &lock, planned),
        // Nothing published yet: nothing to pin, but a `--rename` is still checked.
        Ok(None) => {
            let empty = Lock {
                podcast_guid: config.cycle.podcast.guid,
                sessions: Vec::new(),
            };
            reconcile(config, &empty, planned)
        }
        Err(problem) => vec![problem],
    }
}

/// Pins the config to the lock: the podcast and each locked session keep their GUIDs, and
/// each locked session keeps its file name unless renamed. Returns the warnings about each
/// published identity the config would change, and the errors that would orphan subscribers.
pub fn reconcile(config: &mut Config, lock: &Lock, planned: &Planned<'_>) -> Vec<Problem> {
    let mut problems = pin_podcast_guid(config, lock, planned.config_file);
    problems.extend(check_renames(config, lock, planned));
    let formats = published_extensions(planned.recordings);
    for session in &mut config.cycle.sessions {
        let Some(locked) = lock.session(&session.id) else {
            continue;
        };
        let renamed = planned.renames.contains(&session.id);
        let podcast_guid = config.cycle.podcast.guid;
        problems.extend(pin_session(
            session,
            podcast_guid,
            locked,
            renamed,
            planned.config_file,
        ));
        let extension = formats.get(&session.number).copied();
        problems.extend(moved_enclosure(session, locked, extension, planned));
    }
    problems.extend(
        lock.sessions
            .iter()
            .filter(|l| !config.cycle.sessions.iter().any(|s| s.id == l.id))
            .map(|l| {
                Problem::warning(
                    LOCK_FILE,
                    format!(
                        "session `{}` was published at `{}` but is no longer in the config: its episode leaves the feed; delete its entry from {LOCK_FILE} once that is intended",
                        l.id, l.enclosure
                    ),
                )
            }),
    );
    problems
}

/// The locked podcast GUID wins over the derived one; a different one written in the config
/// is an error, since podcast apps would take the feed for another podcast.
fn pin_podcast_guid(config: &mut Config, lock: &Lock, config_file: &str) -> Vec<Problem> {
    let podcast = &mut config.cycle.podcast;
    if podcast.guid == lock.podcast_guid {
        return Vec::new();
    }
    if podcast.guid_from_config {
        return vec![Problem::error(
            config_file,
            format!(
                "`[podcast] guid` is `{}` but the podcast was published with GUID `{}` ({LOCK_FILE}): changing it would orphan every subscriber",
                podcast.guid, lock.podcast_guid
            ),
        )];
    }
    podcast.guid = lock.podcast_guid;
    Vec::new()
}

/// Gives a locked session its published GUID and, unless renamed, its published file name.
fn pin_session(
    session: &mut Session,
    podcast_guid: Uuid,
    locked: &LockedSession,
    renamed: bool,
    config_file: &str,
) -> Vec<Problem> {
    // Pins that agree with what the session's id and number give are left unset: the
    // session is then the same value with or without the lock (its pages' recipe included).
    let derived_guid = crate::episode::episode_guid(podcast_guid, &session.id);
    session.published_guid = (locked.guid != derived_guid).then(|| locked.guid.clone());
    let mut problems = Vec::new();
    if session.recording.is_none() {
        problems.push(Problem::warning(
            config_file,
            format!(
                "session `{}` was published at `{}` but has no recording now: its episode leaves the feed",
                session.id, locked.enclosure
            ),
        ));
    }
    if renamed {
        return problems;
    }
    if locked.slug != session.numbered_stem() {
        problems.push(Problem::warning(
            config_file,
            format!(
                "session `{}` is now number {} but keeps its published file name `{}` ({LOCK_FILE}); pass `publish --rename {}` to move it",
                session.id, session.number, locked.slug, session.id
            ),
        ));
    }
    session.published_slug = (locked.slug != session.numbered_stem()).then(|| locked.slug.clone());
    problems
}

/// A warning when the session's episode would be published at another URL than before.
fn moved_enclosure(
    session: &Session,
    locked: &LockedSession,
    extension: Option<&str>,
    planned: &Planned<'_>,
) -> Option<Problem> {
    let file = crate::episode::episode_file(session, extension?);
    let url = planned.base_url.join(&file).ok()?;
    if url == locked.enclosure {
        return None;
    }
    let why = if planned.renames.contains(&session.id) {
        " as `--rename` asks"
    } else {
        ""
    };
    Some(Problem::warning(
        planned.config_file,
        format!(
            "the episode of session `{}` moves from `{}` to `{url}`{why}: podcast apps may download it again",
            session.id, locked.enclosure
        ),
    ))
}

/// The extension each recorded session's episode is published with, by session number.
fn published_extensions(recordings: &[(Recording, AudioInfo)]) -> BTreeMap<u32, &'static str> {
    recordings
        .iter()
        .filter_map(|(recording, audio)| {
            let (extension, _) = crate::episode::published_format(audio)?;
            Some((recording.session, extension))
        })
        .collect()
}

/// A `--rename` must name a session of the config; one never published has nothing to move.
fn check_renames(config: &Config, lock: &Lock, planned: &Planned<'_>) -> Vec<Problem> {
    planned
        .renames
        .iter()
        .filter_map(|id| {
            if !config.cycle.sessions.iter().any(|s| &s.id == id) {
                Some(Problem::error(
                    planned.config_file,
                    format!("`--rename {id}`: the config has no session `{id}`"),
                ))
            } else if lock.session(id).is_none() {
                Some(Problem::warning(
                    planned.config_file,
                    format!(
                        "`--rename {id}`: session `{id}` was never published, so nothing moves"
                    ),
                ))
            } else {
                None
            }
        })
        .collect()
}

/// After a publish, records the published identities in `cyclecast.lock`: new episodes are
/// added, renamed or moved ones refreshed, withdrawn ones kept. Does nothing for a dry run
/// or a preview at another address (`serve`, `publish --base-url`), whose URLs are not the
/// published ones.
pub fn record(validated: &Validated, episodes: &[Episode], options: &PublishOptions) -> Result<()> {
    if options.mode != Mode::Write || options.project.base_url.is_some() {
        return Ok(());
    }
    let root = &validated.config.root;
    let previous = load(root).map_err(|problem| anyhow!("{problem}"))?;
    let lock = updated(previous, validated.config.cycle.podcast.guid, episodes);
    write(root, &lock)?;
    Ok(())
}

/// The lock after publishing `episodes`.
fn updated(previous: Option<Lock>, podcast_guid: Uuid, episodes: &[Episode]) -> Lock {
    let mut sessions = previous.map(|l| l.sessions).unwrap_or_default();
    for episode in episodes {
        let entry = LockedSession {
            id: episode.session.id.clone(),
            guid: episode.guid.clone(),
            slug: episode.session.stem(),
            enclosure: episode.url.clone(),
        };
        match sessions.iter_mut().find(|s| s.id == entry.id) {
            Some(existing) => *existing = entry,
            None => sessions.push(entry),
        }
    }
    sessions.sort_by(|a, b| a.order().cmp(&b.order()));
    Lock {
        podcast_guid,
        sessions,
    }
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

    const CONFIG: &str = r#"
[podcast]
title = "Cycle"
description = "Un cycle."
language = "fr"
base_url = "https://example.org/cycle/"
time_zone = "Europe/Paris"
author = "Org"
[podcast.owner]
name = "Org"
email = "org@example.org"

[organizer]
name = "Org"

[[sessions]]
id = "premiere"
number = 1
date = "2022-10-25"
title = "Première"
description = "La première."
recording = "recordings/premiere.mp3"

[[sessions]]
id = "seconde"
number = 2
date = "2022-11-25"
title = "Seconde"
description = "La seconde."
recording = "recordings/seconde.mp3"
"#;

    const ROOT: &str = "/project";

    fn config(text: &str) -> Config {
        crate::project::config::parse(text, "config.toml", Path::new(ROOT)).unwrap()
    }

    fn audio(codec: &str, container: &str) -> AudioInfo {
        AudioInfo {
            container: container.into(),
            codec: codec.into(),
            sample_rate: 44_100,
            channels: 2,
            bits_per_sample: None,
            frames: 44_100,
            size: 1000,
            audio_bytes: 1000,
            tags: Default::default(),
            warnings: Vec::new(),
            layout: None,
        }
    }

    fn recordings(config: &Config) -> Vec<(Recording, AudioInfo)> {
        config
            .cycle
            .sessions
            .iter()
            .map(|s| {
                let recording = Recording {
                    session: s.number,
                    path: s.recording.clone().unwrap(),
                    size: 1000,
                    hash: String::new(),
                };
                (recording, audio("mp3", "mp3"))
            })
            .collect()
    }

    /// The episodes a publish of `config` builds.
    fn episodes(config: &Config) -> Vec<Episode> {
        recordings(config)
            .into_iter()
            .map(|(recording, audio)| {
                let session = crate::project::load::session_of(config, &recording);
                crate::episode::build(&config.cycle, session, audio, 1000, &[]).unwrap()
            })
            .collect()
    }

    /// The lock a first publish of `config` writes.
    fn published(config: &Config) -> Lock {
        updated(None, config.cycle.podcast.guid, &episodes(config))
    }

    fn reconciled(config: &mut Config, lock: &Lock, renames: &[String]) -> Vec<Problem> {
        let base_url = config.cycle.podcast.base_url.clone();
        let recordings = recordings(config);
        let planned = Planned {
            config_file: "config.toml",
            base_url: &base_url,
            recordings: &recordings,
            renames,
        };
        reconcile(config, lock, &planned)
    }

    fn messages(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    /// The config with the two sessions' numbers swapped.
    fn renumbered() -> Config {
        config(
            &CONFIG
                .replace("number = 1", "number = 9")
                .replace("number = 2", "number = 1")
                .replace("number = 9", "number = 2"),
        )
    }

    #[test]
    fn renders_a_lock_that_parses_back_to_the_same_bytes() {
        let lock = published(&config(CONFIG));
        let text = render(&lock);
        assert!(text.starts_with("# cyclecast.lock"), "{text}");
        assert!(text.contains("\nversion = 1\n"), "{text}");
        assert!(
            text.contains("[[sessions]]\nid = \"premiere\"\nguid = \"",),
            "{text}"
        );
        assert!(
            text.contains(
                "slug = \"01-premiere\"\nenclosure = \"https://example.org/cycle/episodes/01-premiere.mp3\"\n"
            ),
            "{text}"
        );
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed, lock);
        assert_eq!(render(&parsed), text);
    }

    #[test]
    fn renders_the_same_bytes_whatever_the_order_of_the_sessions() {
        let lock = published(&config(CONFIG));
        let mut reversed = lock.clone();
        reversed.sessions.reverse();
        assert_eq!(render(&reversed), render(&lock));
        let text = render(&lock);
        assert!(text.find("01-premiere").unwrap() < text.find("02-seconde").unwrap());
    }

    #[test]
    fn names_the_lock_and_line_of_a_bad_entry() {
        let text = render(&published(&config(CONFIG)));
        let broken = text.replace("slug = \"02-seconde\"", "slug = \"../../etc\"");
        let line = broken[..broken.find("../../etc").unwrap()].lines().count();
        let problem = parse(&broken).unwrap_err().to_string();
        assert!(
            problem.starts_with(&format!("cyclecast.lock:{line}:")),
            "{problem}"
        );
        assert!(problem.contains("slug `../../etc`"), "{problem}");

        let problem = parse("version = 1\n[podcast]\nguid = 3\n")
            .unwrap_err()
            .to_string();
        assert!(problem.starts_with("cyclecast.lock:3:"), "{problem}");
        let problem = parse("version = 2\n[podcast]\nguid = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(problem.contains("unsupported lock version 2"), "{problem}");
    }

    /// The GUID the session's episode is published with.
    fn guid_of(config: &Config, session: &Session) -> String {
        session
            .published_guid
            .clone()
            .unwrap_or_else(|| crate::episode::episode_guid(config.cycle.podcast.guid, &session.id))
    }

    #[test]
    fn a_renumbered_session_keeps_its_file_name_and_guid() {
        let lock = published(&config(CONFIG));
        let mut config = renumbered();
        let problems = reconciled(&mut config, &lock, &[]);
        let premiere = &config
            .cycle
            .sessions
            .iter()
            .find(|s| s.id == "premiere")
            .unwrap();
        assert_eq!(premiere.number, 2);
        assert_eq!(premiere.stem(), "01-premiere");
        assert_eq!(
            guid_of(&config, premiere),
            lock.session("premiere").unwrap().guid
        );
        assert_eq!(
            messages(&problems),
            [
                "config.toml: warning: session `seconde` is now number 1 but keeps its published file name `02-seconde` (cyclecast.lock); pass `publish --rename seconde` to move it",
                "config.toml: warning: session `premiere` is now number 2 but keeps its published file name `01-premiere` (cyclecast.lock); pass `publish --rename premiere` to move it",
            ]
        );
    }

    #[test]
    fn a_rename_moves_the_file_but_keeps_the_guid() {
        let lock = published(&config(CONFIG));
        let mut config = renumbered();
        let problems = reconciled(&mut config, &lock, &["premiere".to_string()]);
        let premiere = config
            .cycle
            .sessions
            .iter()
            .find(|s| s.id == "premiere")
            .unwrap();
        assert_eq!(premiere.stem(), "02-premiere");
        assert_eq!(
            guid_of(&config, premiere),
            lock.session("premiere").unwrap().guid
        );
        let messages = messages(&problems);
        assert!(
            messages.iter().any(|m| m.contains(
                "moves from `https://example.org/cycle/episodes/01-premiere.mp3` to `https://example.org/cycle/episodes/02-premiere.mp3` as `--rename` asks"
            )),
            "{messages:?}"
        );
    }

    #[test]
    fn a_rename_must_name_a_session() {
        let lock = published(&config(CONFIG));
        let mut config = config(CONFIG);
        let problems = reconciled(&mut config, &lock, &["troisieme".to_string()]);
        assert!(problems[0].is_error());
        assert!(
            problems[0].message.contains("no session `troisieme`"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_locked_podcast_guid_wins_over_a_moved_base_url() {
        let lock = published(&config(CONFIG));
        let mut moved = config(&CONFIG.replace("example.org/cycle/", "example.net/podcast/"));
        assert_ne!(moved.cycle.podcast.guid, lock.podcast_guid);
        let problems = reconciled(&mut moved, &lock, &[]);
        assert_eq!(moved.cycle.podcast.guid, lock.podcast_guid);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().all(|p| !p.is_error()));
        assert!(
            problems[0].message.contains(
                "moves from `https://example.org/cycle/episodes/01-premiere.mp3` to `https://example.net/podcast/episodes/01-premiere.mp3`"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn a_podcast_guid_written_in_the_config_must_agree_with_the_lock() {
        let lock = published(&config(CONFIG));
        let other = "[podcast]\nguid = \"00000000-0000-0000-0000-000000000001\"\n";
        let mut config = config(&CONFIG.replace("[podcast]\n", other));
        let problems = reconciled(&mut config, &lock, &[]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].is_error());
        assert!(
            problems[0]
                .message
                .contains("would orphan every subscriber"),
            "{problems:?}"
        );
    }

    #[test]
    fn warns_when_a_format_change_moves_the_enclosure() {
        let lock = published(&config(CONFIG));
        let mut config = config(CONFIG);
        let base_url = config.cycle.podcast.base_url.clone();
        let mut recordings = recordings(&config);
        recordings[1].1 = audio("aac", "isomp4");
        let planned = Planned {
            config_file: "config.toml",
            base_url: &base_url,
            recordings: &recordings,
            renames: &[],
        };
        let problems = reconcile(&mut config, &lock, &planned);
        assert_eq!(
            messages(&problems),
            [
                "config.toml: warning: the episode of session `seconde` moves from `https://example.org/cycle/episodes/02-seconde.mp3` to `https://example.org/cycle/episodes/02-seconde.m4a`: podcast apps may download it again"
            ]
        );
    }

    #[test]
    fn warns_when_a_published_session_leaves_the_config() {
        let lock = published(&config(CONFIG));
        let start = CONFIG.find("[[sessions]]\nid = \"seconde\"").unwrap();
        let mut config = config(&CONFIG[..start]);
        let problems = reconciled(&mut config, &lock, &[]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].file, "cyclecast.lock");
        assert!(
            problems[0].message.contains("session `seconde` was published at `https://example.org/cycle/episodes/02-seconde.mp3` but is no longer in the config"),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unchanged_config_reconciles_silently() {
        let lock = published(&config(CONFIG));
        let mut config = config(CONFIG);
        assert!(reconciled(&mut config, &lock, &[]).is_empty());
    }

    #[test]
    fn publishing_again_keeps_withdrawn_sessions_and_refreshes_published_ones() {
        let config = config(CONFIG);
        let lock = published(&config);
        let mut previous = lock.clone();
        previous.sessions[1].slug = "07-seconde".to_string();
        previous.sessions.reverse();

        let withdrawn = updated(Some(previous.clone()), lock.podcast_guid, &[]);
        let slugs: Vec<&str> = withdrawn.sessions.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(
            slugs,
            ["01-premiere", "07-seconde"],
            "kept, in published order"
        );

        let republished = updated(Some(previous), lock.podcast_guid, &episodes(&config));
        assert_eq!(republished, lock);
    }

    #[test]
    fn writes_the_lock_only_when_its_bytes_change() {
        let dir = tempfile::tempdir().unwrap();
        let lock = published(&config(CONFIG));
        assert!(write(dir.path(), &lock).unwrap());
        assert!(!write(dir.path(), &lock).unwrap());
        assert_eq!(load(dir.path()).unwrap(), Some(lock));
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["cyclecast.lock"], "no temporary file is left");
    }
}
