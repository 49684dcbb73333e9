//! The load stage, shared by `check` and `publish`: every file of the project read once into
//! a [`Project`], and everything that can be found wrong with them before a single byte is
//! written, found all at once. What only a later stage can judge (the theme's templates, the
//! pages they render) `publish::check` adds.
//!
//! Reads the config, the lock, the recordings (probed in full), the images, the transcripts,
//! the reports and the theme; writes nothing. Each problem names its file, and its line where
//! it has one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

mod measure;
mod slots;
mod targets;

use crate::audio::artwork::ImageInfo;
use crate::audio::tag::Artwork;
use crate::model::problem::Problem;
use crate::model::rendition::Enclosure;
use crate::model::transcript::{Format, Transcript};
use crate::model::{AudioInfo, Measurement, Recording, Session, Source};
use crate::project::config::{Config, Placeholders};
use crate::project::paths::display_path;
use crate::project::sources::{SourceRecord, Sources};
use crate::project::theme::{THEME_FILES, Theme, ThemeFile};
use crate::support::progress::Progress;

/// Where to find the project, and how to override its address.
#[derive(Debug, Clone)]
pub struct ProjectOptions {
    /// Path of `config.toml`.
    pub config: PathBuf,
    /// Publish at this address instead of the config's `base_url` (GUIDs do not change).
    pub base_url: Option<Url>,
    /// Ids of the published sessions to move to their numbered file names (`--rename`).
    pub renames: Vec<String>,
    /// Whether what `init` or `session add` left to fill in stops the run.
    pub placeholders: Placeholders,
}

/// A project, read once: the config (completed from the recordings' tags, pinned to the
/// lock), each recording with its figures, and the images, transcripts, reports and theme it
/// names. Built by [`load`] and only read afterwards.
///
/// With an error among its [`problems`](Project::problems) it is incomplete (what could not
/// be read is left out) and good for reporting only: `publish::check` refuses it.
#[derive(Debug, Clone)]
pub struct Project {
    /// The config, with the address override applied.
    pub config: Config,
    /// Each recording with its figures, in session order.
    pub recordings: Vec<(Recording, AudioInfo)>,
    /// Each radio edit named in the config, with its figures.
    pub renditions: Vec<(PathBuf, AudioInfo)>,
    /// The cover, read.
    pub artwork: Option<Artwork>,
    /// The header of each image file read that meets the directories' rules (the cover, the
    /// sessions' `image`), keyed by its path: the pixel sizes that link previews state.
    pub images: BTreeMap<PathBuf, ImageInfo>,
    /// The covers embedded in recordings that became their episodes' artwork, keyed by
    /// session number (see [`Session::embedded_image`]).
    pub embedded_images: BTreeMap<u32, Vec<u8>>,
    /// Each Markdown report, as written, keyed by its path.
    pub reports: Vec<(PathBuf, String)>,
    /// Each session's transcript, parsed, keyed by session number.
    pub transcripts: Vec<(u32, Transcript)>,
    /// The `[page]` theme's templates and stylesheet, read.
    pub theme: Theme,
    /// Every problem found, warnings and errors, in the order found.
    pub problems: Vec<Problem>,
    /// The source files hashed and probed, for the next publish's state.
    pub sources: BTreeMap<PathBuf, SourceRecord>,
    /// The loudness and balance of each recording and radio edit that could be measured,
    /// keyed by the same path as [`Recording::path`] and [`Project::renditions`].
    pub measurements: BTreeMap<PathBuf, Measurement>,
    /// How each recording becomes its enclosure, by session number (see
    /// [`crate::model::rendition::enclosure`]).
    pub enclosures: BTreeMap<u32, Enclosure>,
}

impl Project {
    /// The BLAKE3 hash of a source file hashed while loading (a recording, a radio edit).
    pub fn source_hash(&self, path: &Path) -> Option<&str> {
        self.source(path).map(|s| s.blake3.as_str())
    }

    /// The stamp a source file had when it was hashed (a recording, a radio edit).
    pub fn source_stamp(&self, path: &Path) -> Option<crate::project::sources::Stamp> {
        self.source(path).map(|s| s.stamp)
    }

    fn source(&self, path: &Path) -> Option<&SourceRecord> {
        let key = path.strip_prefix(&self.config.root).unwrap_or(path);
        self.sources.get(key)
    }

    /// What the load stage measured of a recording or a radio edit.
    pub fn measurement(&self, path: &Path) -> Option<&Measurement> {
        self.measurements.get(path)
    }

    /// The bytes of the cover embedded in a session's recording, when it is the episode's
    /// artwork.
    pub fn embedded_image(&self, session: u32) -> Option<&[u8]> {
        self.embedded_images.get(&session).map(Vec::as_slice)
    }

    /// Each recorded session with its recording and the recording's figures, in session
    /// order: what the episodes are built from.
    pub fn recorded(&self) -> impl Iterator<Item = (&Session, &Recording, &AudioInfo)> {
        self.recordings
            .iter()
            .map(|(recording, audio)| (session_of(&self.config, recording), recording, audio))
    }
}

/// How loading does its per-file work.
#[derive(Debug, Clone, Copy)]
pub struct Work<'a> {
    /// What the last publish knew of the source files, by path relative to the project:
    /// unchanged ones are not read again.
    pub previous: &'a BTreeMap<PathBuf, SourceRecord>,
    /// How many files to work on at once.
    pub jobs: usize,
    /// Where progress is shown.
    pub progress: &'a Progress,
}

/// Loads the whole project, reusing what an earlier publish learnt of the files and showing
/// progress. Fails, with every problem, only when the config's text cannot be read as a
/// config; any other problem is in [`Project::problems`], all found in this one run.
pub fn load(options: &ProjectOptions, work: Work<'_>) -> Result<Project, Vec<Problem>> {
    let loaded = crate::project::config::load(&options.config);
    let mut problems = loaded.problems;
    let placeholders = loaded.placeholders.into_iter();
    problems.extend(placeholders.map(|p| options.placeholders.judge(p)));
    // Without a valid text there is no cycle to go on with; with one, missing files are
    // skipped below and every other problem is still found in this run.
    let Some(mut config) = loaded.config else {
        return Err(problems);
    };
    // Published URLs live under the config's own address, whatever a preview overrides.
    let own_base_url = config.cycle.podcast.base_url.clone();
    if let Some(base_url) = &options.base_url {
        config.cycle.podcast.base_url = base_url.clone();
    }
    let config_file = options.config.display().to_string();
    let sources = Arc::new(Sources::from_records(work.previous, &config.root));
    let recordings = crate::project::ingest::ingest(&config, &sources, work.jobs, work.progress)
        .unwrap_or_else(|found| {
            problems.extend(found);
            Vec::new()
        });
    let probed = probe_all(&config.root, recordings, &sources, work, &mut problems);
    crate::project::tags::fill_from_tags(&mut config, &probed, &config_file, &mut problems);
    for (recording, audio) in &probed {
        let session = session_of(&config, recording);
        problems.extend(check_chapters(&config_file, session, audio));
        problems.extend(check_soundbites(&config_file, session, audio));
        problems.extend(check_taggable(&config.root, recording, audio));
    }
    let renditions = probe_renditions(&config, &sources, work, &mut problems);
    let masters: Vec<(PathBuf, AudioInfo)> = probed
        .iter()
        .map(|(recording, audio)| (recording.path.clone(), audio.clone()))
        .chain(renditions.iter().cloned())
        .collect();
    problems.extend(slots::check_slots(&config, &probed, &renditions));
    problems.extend(targets::check_targets(&config, &config_file));
    let measurements = measure::measure_all(
        &config.root,
        &masters,
        &sources,
        work.jobs,
        work.progress,
        &mut problems,
    );
    let planned = crate::project::identity::Planned {
        config_file: &config_file,
        base_url: &own_base_url,
        recordings: &probed,
        renames: &options.renames,
        measurements: &measurements,
    };
    let (enclosures, found) = pin_identities(&mut config, &planned);
    problems.extend(found);
    let mut images = BTreeMap::new();
    let (cover, artwork) = read_cover(&config, &mut images, &mut problems);
    problems.extend(missing_cover(&config, &config_file));
    read_episode_images(&config, &mut images, &mut problems);
    let embedded_images =
        read_embedded_covers(&mut config, &probed, cover, work.jobs, &mut problems);
    let transcripts = read_transcripts(&config, &probed, &mut problems);
    // A session names a transcript to publish only when one was read: a draft in which no
    // speech was found names none, and no feed or page links a file that is not written.
    for session in &mut config.cycle.sessions {
        if !transcripts
            .iter()
            .any(|(number, _)| *number == session.number)
        {
            session.transcript = None;
        }
    }
    let reports = read_reports(&config, &mut problems);
    let theme = read_theme(&config, &mut problems);
    Ok(Project {
        config,
        recordings: probed,
        renditions,
        artwork,
        images,
        embedded_images,
        reports,
        transcripts,
        theme,
        problems,
        measurements,
        sources: Arc::try_unwrap(sources)
            .map(Sources::into_records)
            .unwrap_or_default(),
        enclosures,
    })
}

/// Reads `cyclecast.lock`, reconciles the config with it
/// ([`crate::project::identity::reconcile`]) and applies the pins; a lock that cannot be read
/// is an error.
fn pin_identities(
    config: &mut Config,
    planned: &crate::project::identity::Planned<'_>,
) -> (BTreeMap<u32, Enclosure>, Vec<Problem>) {
    match crate::project::lock::read(&config.root) {
        Ok(lock) => {
            // Nothing published yet: nothing to pin, but a `--rename` is still checked.
            let lock = lock.unwrap_or_else(|| crate::project::lock::Lock {
                podcast_guid: config.cycle.podcast.guid,
                sessions: Vec::new(),
            });
            let (pins, problems) = crate::project::identity::reconcile(config, &lock, planned);
            pins.apply(config);
            (pins.enclosures, problems)
        }
        Err(problem) => (BTreeMap::new(), vec![problem]),
    }
}

/// The session a recording was found for.
fn session_of<'a>(config: &'a Config, recording: &Recording) -> &'a Session {
    config
        .cycle
        .sessions
        .iter()
        .find(|s| s.number == recording.session)
        .expect("ingest only returns recordings of known sessions")
}

/// Probes every recording; a file that cannot be published becomes a problem.
fn probe_all(
    root: &Path,
    recordings: Vec<Recording>,
    sources: &Arc<Sources>,
    work: Work<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<(Recording, AudioInfo)> {
    let paths: Vec<PathBuf> = recordings.iter().map(|r| r.path.clone()).collect();
    recordings
        .into_iter()
        .zip(probe_publishable(root, &paths, sources, work, problems))
        .filter_map(|(recording, info)| Some((recording, info?)))
        .collect()
}

/// Probes the radio edits the rebroadcasts name: they are published as they are.
fn probe_renditions(
    config: &Config,
    sources: &Arc<Sources>,
    work: Work<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<(PathBuf, AudioInfo)> {
    let named: Vec<PathBuf> = config
        .cycle
        .sessions
        .iter()
        .flat_map(|s| &s.rebroadcasts)
        .filter_map(|r| r.file.clone())
        .filter(|p| config.is_readable(p))
        .collect();
    let hashed = crate::project::ingest::hash_all(
        &config.root,
        sources,
        named.clone(),
        work.jobs,
        work.progress,
    );
    let mut paths = Vec::new();
    for (path, known) in named.into_iter().zip(hashed) {
        match known {
            Ok(_) => paths.push(path),
            Err(problem) => problems.push(problem),
        }
    }
    let infos = probe_publishable(&config.root, &paths, sources, work, problems);
    paths
        .into_iter()
        .zip(infos)
        .filter_map(|(path, info)| Some((path, info?)))
        .collect()
}

/// Probes files, `jobs` at a time, unless the last publish probed the same content; returns,
/// in order, the figures of each file that can be published, and records a problem for each
/// that cannot and each warning.
fn probe_publishable(
    root: &Path,
    paths: &[PathBuf],
    sources: &Arc<Sources>,
    work: Work<'_>,
    problems: &mut Vec<Problem>,
) -> Vec<Option<AudioInfo>> {
    let (root_owned, shared, progress) = (
        root.to_path_buf(),
        Arc::clone(sources),
        work.progress.clone(),
    );
    let cached = Arc::clone(sources);
    let ready = |path: &PathBuf| cached.audio(path).map(Ok);
    let results =
        crate::support::parallel::map_unless_ready(work.jobs, paths.to_vec(), ready, move |path| {
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            let _task = progress.file("probing", &display_path(&root_owned, &path), size);
            let probed = crate::support::fs::contain(&root_owned, &path)
                .map_err(|refusal| {
                    crate::audio::probe::ProbeError::Io(std::io::Error::other(refusal.reason()))
                })
                .and_then(|real| crate::audio::probe::probe_file(&real));
            if let Ok(info) = &probed {
                shared.set_audio(&path, info);
            }
            probed
        });
    paths
        .iter()
        .zip(results)
        .map(|(path, result)| {
            let shown = display_path(root, path);
            match result {
                Ok(info) if info.published_format().is_none() => {
                    problems.push(Problem::error(
                        shown,
                        format!(
                            "{} audio in a {} container cannot be published as a podcast episode",
                            info.codec, info.container
                        ),
                    ));
                    None
                }
                Ok(info) => {
                    problems.extend(info.warnings.iter().map(|w| Problem::warning(&shown, w)));
                    Some(info)
                }
                Err(e) => {
                    problems.push(Problem::error(shown, e.to_string()));
                    None
                }
            }
        })
        .collect()
}

/// A recording whose copy cannot carry tags is published as it is: say so.
fn check_taggable(root: &Path, recording: &Recording, audio: &AudioInfo) -> Option<Problem> {
    let shown = display_path(root, &recording.path);
    match crate::audio::tag::untaggable(&recording.path, audio) {
        Ok(None) => None,
        Ok(Some(why)) => Some(Problem::warning(
            shown,
            format!("its copy will be published without tags: {why}"),
        )),
        Err(e) => Some(Problem::error(shown, format!("{e:#}"))),
    }
}

/// Chapters must start before the recording ends.
fn check_chapters(config_file: &str, session: &Session, audio: &AudioInfo) -> Vec<Problem> {
    let duration_ms = (audio.duration_secs() * 1000.0) as u64;
    session
        .chapters
        .iter()
        .filter(|c| c.start_ms >= duration_ms)
        .map(|c| Problem {
            position: Some(c.position),
            ..Problem::error(
                config_file,
                format!(
                    "chapter `{}` starts at {} but the recording lasts {}",
                    c.title,
                    crate::model::time::itunes_duration(c.start_ms as f64 / 1000.0),
                    crate::model::time::itunes_duration(audio.duration_secs())
                ),
            )
        })
        .collect()
}

/// Each soundbite must end by the end of the recording: an app would play past it.
fn check_soundbites(config_file: &str, session: &Session, audio: &AudioInfo) -> Vec<Problem> {
    let duration_ms = (audio.duration_secs() * 1000.0) as u64;
    let shown = |ms: u64| crate::model::time::itunes_duration(ms as f64 / 1000.0);
    session
        .soundbites
        .iter()
        .filter(|s| s.start_ms + s.duration_ms > duration_ms)
        .map(|s| Problem {
            position: Some(s.position),
            ..Problem::error(
                config_file,
                format!(
                    "the soundbite from {} ends at {}, but the recording lasts {}",
                    shown(s.start_ms),
                    shown(s.start_ms + s.duration_ms),
                    shown(duration_ms)
                ),
            )
        })
        .collect()
}

/// A podcast without a cover is refused by the directories (Apple Podcasts, Spotify) and
/// shown as a blank square by apps: a warning, since a preview can do without one.
fn missing_cover(config: &Config, config_file: &str) -> Option<Problem> {
    config.cycle.podcast.cover.is_none().then(|| Problem {
        hint: Some(
            "add `cover = \"cover.jpg\"` under [podcast]: a square JPEG or PNG, RGB, 1400 to 3000 pixels a side".into(),
        ),
        ..Problem::warning(
            config_file,
            "the podcast has no cover: podcast directories refuse a podcast without one",
        )
    })
}

/// Reads the cover once: its bytes as read, and the artwork when it meets the directories'
/// rules (its header then joins `images`).
fn read_cover(
    config: &Config,
    images: &mut BTreeMap<PathBuf, ImageInfo>,
    problems: &mut Vec<Problem>,
) -> (Option<Vec<u8>>, Option<Artwork>) {
    let Some(path) = config
        .cycle
        .podcast
        .cover
        .as_ref()
        .filter(|p| config.is_readable(p))
    else {
        return (None, None);
    };
    match read_project_file(config, path, crate::support::fs::IMAGE_LIMIT, "image") {
        Ok(bytes) => {
            let artwork = check_image(config, path, &bytes, problems).and_then(|info| {
                images.insert(path.clone(), info);
                Artwork::from_bytes(bytes.clone())
            });
            (Some(bytes), artwork)
        }
        Err(problem) => {
            problems.push(problem);
            (None, None)
        }
    }
}

/// Reads each session's `image` and checks it; the header of each valid one joins `images`.
fn read_episode_images(
    config: &Config,
    images: &mut BTreeMap<PathBuf, ImageInfo>,
    problems: &mut Vec<Problem>,
) {
    for path in config
        .cycle
        .sessions
        .iter()
        .filter_map(|s| s.image.as_ref())
        .filter(|p| config.is_readable(p))
    {
        match read_project_file(config, path, crate::support::fs::IMAGE_LIMIT, "image") {
            Ok(bytes) => {
                if let Some(info) = check_image(config, path, &bytes, problems) {
                    images.insert(path.clone(), info);
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
}

/// The covers embedded in the recordings of sessions whose config names no `image`: each one
/// that meets the directories' rules becomes its episode's artwork (the session's
/// `embedded_image`); one that does not is left out with a warning, never an error, since the
/// organizer did not ask for it. Returns the kept pictures' bytes by session number.
///
/// A picture that is the podcast's own `cover` (its bytes as read, valid or not: a published
/// copy published again, say) adds nothing: the episode shows that cover anyway.
fn read_embedded_covers(
    config: &mut Config,
    probed: &[(Recording, AudioInfo)],
    cover: Option<Vec<u8>>,
    jobs: usize,
    problems: &mut Vec<Problem>,
) -> BTreeMap<u32, Vec<u8>> {
    let wanted: Vec<(u32, PathBuf)> = probed
        .iter()
        .filter(|(recording, audio)| {
            audio.tags.has_picture && session_of(config, recording).image.is_none()
        })
        .map(|(recording, _)| (recording.session, recording.path.clone()))
        .collect();
    let paths = wanted.iter().map(|(_, path)| path.clone()).collect();
    let found =
        crate::support::parallel::map(jobs, paths, |path| crate::audio::probe::front_cover(&path));
    let instead = if config.cycle.podcast.cover.is_some() {
        "the episode uses the podcast's cover"
    } else {
        "the episode has no image of its own"
    };
    let mut kept = BTreeMap::new();
    for ((number, path), found) in wanted.into_iter().zip(found) {
        let why = match found {
            Ok(None) => continue,
            Ok(Some(bytes)) if cover.as_ref() == Some(&bytes) => continue,
            Ok(Some(bytes)) => match embedded_cover_format(&bytes) {
                Ok(format) => {
                    problems.extend(crate::audio::artwork::card_problem(&bytes).map(|p| {
                        Problem::warning(
                            display_path(&config.root, &path),
                            format!("its embedded cover, the episode's artwork: {p}"),
                        )
                    }));
                    if let Some(session) = config
                        .cycle
                        .sessions
                        .iter_mut()
                        .find(|s| s.number == number)
                    {
                        session.embedded_image = Some(format);
                        kept.insert(number, bytes);
                    }
                    continue;
                }
                Err(why) => why,
            },
            Err(e) => format!("its embedded cover cannot be read ({e})"),
        };
        problems.push(Problem::warning(
            display_path(&config.root, &path),
            format!("{why}: {instead}"),
        ));
    }
    kept
}

/// The format of a recording's embedded cover when it meets the directories' rules, else why
/// it does not.
fn embedded_cover_format(bytes: &[u8]) -> Result<crate::model::ImageFormat, String> {
    let Some(info) = crate::audio::artwork::inspect(bytes) else {
        return Err("its embedded cover is neither a JPEG nor a PNG image".into());
    };
    let found = crate::audio::artwork::cover_problems(bytes, info.format.extension());
    if found.is_empty() {
        Ok(info.format)
    } else {
        Err(format!(
            "its embedded cover does not meet the directories' rules ({})",
            found.join("; ")
        ))
    }
}

/// Checks an image's bytes against the directories' cover rules; returns its header when they
/// hold. One too heavy for link previews is kept, with a warning.
fn check_image(
    config: &Config,
    path: &Path,
    bytes: &[u8],
    problems: &mut Vec<Problem>,
) -> Option<ImageInfo> {
    let shown = display_path(&config.root, path);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let found = crate::audio::artwork::cover_problems(bytes, extension);
    let valid = found.is_empty();
    problems.extend(found.into_iter().map(|p| Problem::error(&shown, p)));
    problems
        .extend(crate::audio::artwork::card_problem(bytes).map(|p| Problem::warning(&shown, p)));
    valid
        .then(|| crate::audio::artwork::inspect(bytes))
        .flatten()
}

/// Reads a file of the project, named `what` in messages, of at most `limit` bytes: only when
/// the one rule of every read allows it ([`crate::support::fs::contain`]), and then the regular file
/// it checked, never waiting on a FIFO nor reading an endless device.
fn read_project_file(
    config: &Config,
    path: &Path,
    limit: u64,
    what: &str,
) -> Result<Vec<u8>, Problem> {
    let shown = display_path(&config.root, path);
    let real = crate::support::fs::contain(&config.root, path)
        .map_err(|refusal| Problem::error(&shown, format!("the {what} {}", refusal.reason())))?;
    crate::support::fs::read_regular(&real, limit)
        .map_err(|e| Problem::error(&shown, format!("cannot read the {what}: {e:#}")))
}

/// [`read_project_file`] for a UTF-8 text.
fn read_project_text(config: &Config, path: &Path, what: &str) -> Result<String, Problem> {
    let bytes = read_project_file(config, path, crate::support::fs::TEXT_LIMIT, what)?;
    String::from_utf8(bytes).map_err(|_| {
        Problem::error(
            display_path(&config.root, path),
            format!("cannot read the {what}: it is not UTF-8 text"),
        )
    })
}

/// Parses each recorded session's transcript and checks it fits the recording.
fn read_transcripts(
    config: &Config,
    probed: &[(Recording, AudioInfo)],
    problems: &mut Vec<Problem>,
) -> Vec<(u32, Transcript)> {
    let mut transcripts = Vec::new();
    for (recording, audio) in probed {
        let session = session_of(config, recording);
        let Some(path) = session
            .transcript
            .as_ref()
            .filter(|p| config.is_readable(p))
        else {
            continue;
        };
        let shown = display_path(&config.root, path);
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
            .unwrap_or(Format::WebVtt);
        let text = match read_project_text(config, path, "transcript") {
            Ok(text) => text,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        match crate::model::transcript::parse(&text, format) {
            Ok(transcript) if transcript.cues.is_empty() => problems.push(Problem::warning(
                &shown,
                "an automatic draft in which no speech was found: no transcript is published",
            )),
            Ok(transcript) => {
                let duration_ms = (audio.duration_secs() * 1000.0) as u64;
                // A second of slack: transcripts are often timed by hand.
                if let Some(late) = transcript
                    .cues
                    .iter()
                    .find(|c| c.start_ms > duration_ms + 1000)
                {
                    problems.push(Problem::error(
                        &shown,
                        format!(
                            "a cue starts at {} but the recording lasts {}",
                            crate::model::time::itunes_duration(late.start_ms as f64 / 1000.0),
                            crate::model::time::itunes_duration(audio.duration_secs())
                        ),
                    ));
                }
                transcripts.push((session.number, transcript));
            }
            Err(e) => problems.push(Problem {
                position: Some((e.line, 1)),
                ..Problem::error(shown, format!("not a valid transcript: {}", e.message))
            }),
        }
    }
    transcripts
}

/// Reads the theme's templates and stylesheet, those it has (`publish::check` parses them).
fn read_theme(config: &Config, problems: &mut Vec<Problem>) -> Theme {
    let mut theme = Theme::default();
    let Some(folder) = &config.theme else {
        return theme;
    };
    for name in THEME_FILES {
        let path = folder.path.join(name);
        // Whatever stands there, a link leading nowhere included, is meant as a theme file.
        if path.symlink_metadata().is_err() {
            continue;
        }
        let shown = display_path(&config.root, &path);
        let source = match read_project_text(config, &path, "theme file") {
            Ok(source) => source,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        match name {
            "index.html" => theme.index = Some(ThemeFile { shown, source }),
            "session.html" => theme.session = Some(ThemeFile { shown, source }),
            "transcript.html" => theme.transcript = Some(ThemeFile { shown, source }),
            _ => theme.style = Some(source),
        }
    }
    theme
}

/// Reads each Markdown report the sessions name.
fn read_reports(config: &Config, problems: &mut Vec<Problem>) -> Vec<(PathBuf, String)> {
    let files = config
        .cycle
        .sessions
        .iter()
        .flat_map(|s| &s.reports)
        .filter_map(|r| match &r.source {
            Source::File(path) if config.is_readable(path) => Some(path),
            Source::File(_) | Source::Url(_) => None,
        });
    let mut reports = Vec::new();
    for path in files {
        match read_project_text(config, path, "report") {
            Ok(text) => reports.push((path.clone(), text)),
            Err(problem) => problems.push(problem),
        }
    }
    reports
}

#[cfg(test)]
mod tests;
