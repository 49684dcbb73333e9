//! Identities that hold: reconciles the config with `cyclecast.lock` (see
//! [`crate::project::lock`]), so that renumbering a session, moving `base_url` or losing
//! `feed/` changes no published GUID, file name or enclosure URL unless the organizer asks
//! (`publish --rename ID`).
//!
//! The identities unpinned sessions get are derived in [`crate::project::guid`].
//!
//! Pure: no file is read or written here. [`reconcile`] finds the config's [`Pins`] in a
//! lock already read and warns about every published identity a publish would change (`load`
//! runs it and applies the pins, so `check` and `publish` both see the warnings); [`published`] is the lock after a publish,
//! which `publish` writes when its policy says so.

use std::collections::BTreeMap;
use std::path::PathBuf;

use url::Url;
use uuid::Uuid;

use crate::model::layout::episode_file;
use crate::model::problem::Problem;
use crate::model::rendition::Enclosure;
use crate::model::{AudioInfo, Episode, Measurement, Recording, Session};
use crate::project::config::Config;
use crate::project::guid::episode_guid;
use crate::project::lock::{LOCK_FILE, Lock, LockedSession};

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
    /// What the load stage measured of each recording, by its path.
    pub measurements: &'a BTreeMap<PathBuf, Measurement>,
}
/// What the lock pins in a config: the podcast's GUID, and each locked session's GUID and
/// file stem. A pin that agrees with what the config derives is left unset: the session is
/// then the same value with or without the lock (its pages' recipe included).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pins {
    /// The podcast's published GUID, when the config derives another one.
    pub podcast_guid: Option<Uuid>,
    /// Each locked session's pins, by session id.
    pub sessions: BTreeMap<String, SessionPins>,
    /// How each recording becomes its enclosure, by session number: the choice
    /// ([`crate::model::rendition::enclosure`]) made once, with the pinned extension.
    pub enclosures: BTreeMap<u32, Enclosure>,
}

/// One locked session's pins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionPins {
    /// Its episode's published GUID, when not the derived one
    /// ([`Session::published_guid`]).
    pub guid: Option<String>,
    /// Its published file stem, when not its numbered one and not renamed
    /// ([`Session::published_slug`]).
    pub slug: Option<String>,
}

impl Pins {
    /// Gives the config its pins: the load stage does, once, right after [`reconcile`].
    pub fn apply(&self, config: &mut Config) {
        if let Some(guid) = self.podcast_guid {
            config.cycle.podcast.guid = guid;
        }
        for session in &mut config.cycle.sessions {
            if let Some(pins) = self.sessions.get(&session.id) {
                session.published_guid = pins.guid.clone();
                session.published_slug = pins.slug.clone();
            }
        }
    }
}

/// Reconciles the config with the lock, purely: (config, lock, renames) → (pins, problems).
/// The podcast and each locked session keep their GUIDs, and each locked session keeps its
/// file name unless renamed. The problems are the warnings about each published identity the
/// config would change, and the errors that would orphan subscribers.
pub fn reconcile(config: &Config, lock: &Lock, planned: &Planned<'_>) -> (Pins, Vec<Problem>) {
    let (podcast_guid, mut problems) = pin_podcast_guid(config, lock, planned.config_file);
    problems.extend(check_renames(config, lock, planned));
    let enclosures = enclosures(config, lock, planned);
    let mut sessions = BTreeMap::new();
    for session in &config.cycle.sessions {
        let Some(locked) = lock.session(&session.id) else {
            continue;
        };
        let renamed = planned.renames.contains(&session.id);
        let (pins, found) = pin_session(
            session,
            podcast_guid.unwrap_or(config.cycle.podcast.guid),
            locked,
            renamed,
            planned.config_file,
        );
        problems.extend(found);
        let pinned = Session {
            published_guid: pins.guid.clone(),
            published_slug: pins.slug.clone(),
            ..session.clone()
        };
        let extension = planned
            .recordings
            .iter()
            .find(|(recording, _)| recording.session == session.number)
            .and_then(|(_, audio)| enclosures.get(&session.number)?.extension(audio));
        problems.extend(moved_enclosure(&pinned, locked, extension, planned));
        sessions.insert(session.id.clone(), pins);
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
    let pins = Pins {
        podcast_guid,
        sessions,
        enclosures,
    };
    (pins, problems)
}

/// The locked podcast GUID wins over the derived one (the pin); a different one written in
/// the config is an error, since podcast apps would take the feed for another podcast.
fn pin_podcast_guid(
    config: &Config,
    lock: &Lock,
    config_file: &str,
) -> (Option<Uuid>, Vec<Problem>) {
    let podcast = &config.cycle.podcast;
    if podcast.guid == lock.podcast_guid {
        return (None, Vec::new());
    }
    if podcast.guid_from_config {
        let problem = Problem::error(
            config_file,
            format!(
                "`[podcast] guid` is `{}` but the podcast was published with GUID `{}` ({LOCK_FILE}): changing it would orphan every subscriber",
                podcast.guid, lock.podcast_guid
            ),
        );
        return (None, vec![problem]);
    }
    (Some(lock.podcast_guid), Vec::new())
}

/// A locked session's published GUID and, unless renamed, its published file name.
fn pin_session(
    session: &Session,
    podcast_guid: Uuid,
    locked: &LockedSession,
    renamed: bool,
    config_file: &str,
) -> (SessionPins, Vec<Problem>) {
    let derived_guid = episode_guid(podcast_guid, &session.id);
    let mut pins = SessionPins {
        guid: (locked.guid != derived_guid).then(|| locked.guid.clone()),
        slug: None,
    };
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
        return (pins, problems);
    }
    if locked.slug != session.numbered_stem() {
        problems.push(Problem::warning(
            config_file,
            format!(
                "session `{}` is now number {} but keeps its published file name `{}` ({LOCK_FILE}); pass `publish --rename {}` to move it",
                session.id, session.number, locked.slug, session.id
            ),
        ));
        pins.slug = Some(locked.slug.clone());
    }
    (pins, problems)
}

/// A warning when the session's episode would be published at another URL than before.
fn moved_enclosure(
    session: &Session,
    locked: &LockedSession,
    extension: Option<&str>,
    planned: &Planned<'_>,
) -> Option<Problem> {
    let file = episode_file(session, extension?);
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

/// How each recorded session's recording becomes its enclosure, by session number: a WAV
/// is encoded, a ready MP3 published as it is, a pinned M4A stays one (see
/// [`crate::model::rendition::enclosure`]).
fn enclosures(config: &Config, lock: &Lock, planned: &Planned<'_>) -> BTreeMap<u32, Enclosure> {
    let target = &config.cycle.renditions.podcast.target;
    planned
        .recordings
        .iter()
        .map(|(recording, audio)| {
            let pinned = config
                .cycle
                .sessions
                .iter()
                .find(|s| s.number == recording.session)
                .and_then(|session| lock.session(&session.id))
                .and_then(|locked| locked.enclosure.path().rsplit_once('.'))
                .map(|(_, extension)| extension.to_ascii_lowercase());
            let measured = planned.measurements.get(&recording.path);
            let choice =
                crate::model::rendition::enclosure(audio, measured, target, pinned.as_deref());
            (recording.session, choice)
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
/// The lock after publishing `episodes`: new episodes are added, renamed or moved ones
/// refreshed, withdrawn ones kept.
pub fn published(previous: Option<Lock>, podcast_guid: Uuid, episodes: &[Episode]) -> Lock {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::lock::{parse, read, render, write};
    use std::fs;
    use std::path::Path;
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
                let session = config
                    .cycle
                    .sessions
                    .iter()
                    .find(|s| s.number == recording.session)
                    .unwrap();
                let published = crate::episode::Published::as_is(session, &audio, 1000).unwrap();
                crate::episode::build(&config.cycle, session, published).unwrap()
            })
            .collect()
    }

    /// The lock a first publish of `config` writes.
    fn published_lock(config: &Config) -> Lock {
        published(None, config.cycle.podcast.guid, &episodes(config))
    }

    fn reconciled(config: &mut Config, lock: &Lock, renames: &[String]) -> Vec<Problem> {
        let base_url = config.cycle.podcast.base_url.clone();
        let recordings = recordings(config);
        let planned = Planned {
            config_file: "config.toml",
            base_url: &base_url,
            recordings: &recordings,
            renames,
            measurements: &BTreeMap::new(),
        };
        let (pins, problems) = reconcile(config, lock, &planned);
        pins.apply(config);
        problems
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
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
        let mut reversed = lock.clone();
        reversed.sessions.reverse();
        assert_eq!(render(&reversed), render(&lock));
        let text = render(&lock);
        assert!(text.find("01-premiere").unwrap() < text.find("02-seconde").unwrap());
    }

    #[test]
    fn names_the_lock_and_line_of_a_bad_entry() {
        let text = render(&published_lock(&config(CONFIG)));
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
            .unwrap_or_else(|| episode_guid(config.cycle.podcast.guid, &session.id))
    }

    #[test]
    fn a_renumbered_session_keeps_its_file_name_and_guid() {
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
        let mut config = config(CONFIG);
        let base_url = config.cycle.podcast.base_url.clone();
        let mut recordings = recordings(&config);
        recordings[1].1 = audio("aac", "isomp4");
        let planned = Planned {
            config_file: "config.toml",
            base_url: &base_url,
            recordings: &recordings,
            renames: &[],
            measurements: &BTreeMap::new(),
        };
        let (pins, problems) = reconcile(&config, &lock, &planned);
        pins.apply(&mut config);
        assert_eq!(
            messages(&problems),
            [
                "config.toml: warning: the episode of session `seconde` moves from `https://example.org/cycle/episodes/02-seconde.mp3` to `https://example.org/cycle/episodes/02-seconde.m4a`: podcast apps may download it again"
            ]
        );
    }

    #[test]
    fn warns_when_a_published_session_leaves_the_config() {
        let lock = published_lock(&config(CONFIG));
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
        let lock = published_lock(&config(CONFIG));
        let mut config = config(CONFIG);
        assert!(reconciled(&mut config, &lock, &[]).is_empty());
    }

    #[test]
    fn pins_only_what_the_config_would_change() {
        let config = config(CONFIG);
        let base_url = config.cycle.podcast.base_url.clone();
        let planned = Planned {
            config_file: "config.toml",
            base_url: &base_url,
            recordings: &recordings(&config),
            renames: &[],
            measurements: &BTreeMap::new(),
        };
        // A lock that agrees with the config pins nothing.
        let (pins, _) = reconcile(&config, &published_lock(&config), &planned);
        assert!(pins.podcast_guid.is_none());
        assert!(
            pins.sessions
                .values()
                .all(|p| p.guid.is_none() && p.slug.is_none())
        );
        // One that does not pins the published values, and the config is left as it was.
        let mut lock = published_lock(&config);
        lock.podcast_guid = Uuid::from_u128(9);
        lock.sessions[0].guid = "published".into();
        lock.sessions[0].slug = "07-premiere".into();
        let before = config.clone();
        let (pins, _) = reconcile(&config, &lock, &planned);
        assert_eq!(format!("{:?}", config.cycle), format!("{:?}", before.cycle));
        assert_eq!(pins.podcast_guid, Some(Uuid::from_u128(9)));
        assert_eq!(
            pins.sessions["premiere"],
            SessionPins {
                guid: Some("published".into()),
                slug: Some("07-premiere".into()),
            }
        );
    }

    #[test]
    fn publishing_again_keeps_withdrawn_sessions_and_refreshes_published_ones() {
        let config = config(CONFIG);
        let lock = published_lock(&config);
        let mut previous = lock.clone();
        previous.sessions[1].slug = "07-seconde".to_string();
        previous.sessions.reverse();

        let withdrawn = published(Some(previous.clone()), lock.podcast_guid, &[]);
        let slugs: Vec<&str> = withdrawn.sessions.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(
            slugs,
            ["01-premiere", "07-seconde"],
            "kept, in published order"
        );

        let republished = published(Some(previous), lock.podcast_guid, &episodes(&config));
        assert_eq!(republished, lock);
    }

    #[test]
    fn writes_the_lock_only_when_its_bytes_change() {
        let dir = tempfile::tempdir().unwrap();
        let lock = published_lock(&config(CONFIG));
        assert!(write(dir.path(), &lock).unwrap());
        assert!(!write(dir.path(), &lock).unwrap());
        assert_eq!(read(dir.path()).unwrap(), Some(lock));
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["cyclecast.lock"], "no temporary file is left");
    }
}
