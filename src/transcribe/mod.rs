//! `cyclecast transcribe`: a WebVTT draft of each recorded session, made on this machine by a
//! Whisper model (CTranslate2, behind the `transcribe` feature), for organizers to proofread.
//!
//! The flow, per session: [`windows`] decodes the master once into 16 kHz mono windows of at
//! most 30 s, cut in pauses, silence left out; [`engine`] hears each window's words; the
//! [`journal`] keeps each finished window, so that an interrupted run resumes; [`cues`] joins
//! the words into cues of readable length; the draft goes to `transcripts/NN-id.vtt`, marked
//! as a draft ([`crate::model::transcript::DRAFT_MARK`]). A session that already has a
//! transcript is skipped, and a file a person wrote or reviewed is never replaced.

pub mod cues;
pub mod engine;
pub mod features;
pub mod hearing;
pub mod journal;
pub mod model_dir;
pub mod segments;
pub mod windows;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::model::Session;
use crate::model::transcript::{Transcript, is_draft, render_vtt};
use crate::project::config::{self, Config, TRANSCRIPTS};
use crate::project::paths::display_path;
use crate::project::sources::Stamp;
use crate::support::progress::Progress;
use engine::Engine;
use journal::{Header, Journal};
use model_dir::ModelDir;
use windows::{RATE, Windows};

/// What to transcribe, and with what.
#[derive(Debug, Clone)]
pub struct Options {
    /// The project's config file.
    pub config: PathBuf,
    /// The ids of the sessions to transcribe; every recorded session when empty.
    pub sessions: Vec<String>,
    /// The model folder (`--model`), else `$CYCLECAST_MODEL`, else the installed default.
    pub model: Option<PathBuf>,
    /// The language spoken (ISO 639-1), else the cycle's.
    pub language: Option<String>,
    /// How many threads hear the recording ([`engine::replicas`]).
    pub threads: usize,
    /// Replace drafts nobody has reviewed (never a transcript a person wrote or reviewed).
    pub redo: bool,
}

/// What became of one session.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A draft was written.
    Drafted(Drafted),
    /// Nothing was done, and why.
    Skipped {
        /// The session's id.
        session: String,
        /// Why.
        reason: String,
    },
    /// The session's draft could not be made, and why.
    Failed {
        /// The session's id.
        session: String,
        /// Why.
        error: String,
    },
}

/// A draft written.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// The session's id.
    pub session: String,
    /// The draft, relative to the project.
    pub written: String,
    /// Its cues.
    pub cues: usize,
    /// The recording's length, in seconds.
    pub seconds: f64,
    /// Where this run started: after what an interrupted run had finished, in milliseconds.
    pub resumed_from_ms: u64,
    /// How long this run took.
    pub elapsed: Duration,
    /// What the organizer should know: audio lost in decoding, no speech found.
    pub warnings: Vec<String>,
}

/// One session to transcribe.
struct Work {
    session: String,
    master: PathBuf,
    draft: PathBuf,
}

/// Transcribes the sessions `options` names, reporting each outcome as it comes; the
/// model is loaded once, when a session needs it. An error that concerns every session (no
/// model, a config that cannot be read) stops the run.
pub fn transcribe(
    options: &Options,
    progress: &Progress,
    mut report: impl FnMut(&Outcome),
) -> Result<Vec<Outcome>> {
    let loaded = config::load(&options.config);
    let Some(config) = loaded.config else {
        let why = loaded
            .problems
            .first()
            .map_or_else(|| "it cannot be read".to_string(), ToString::to_string);
        bail!("`{}`: {why}", options.config.display());
    };
    let language = match &options.language {
        Some(language) => checked_language(language)?,
        None => base_language(&config.cycle.podcast.lang.tag),
    };
    let sessions = chosen(&config, &options.sessions)?;
    let mut engine: Option<(Engine, ModelDir)> = None;
    let mut outcomes = Vec::new();
    for session in sessions {
        let outcome = match plan(&config, session, options.redo) {
            Err(reason) => Outcome::Skipped {
                session: session.id.clone(),
                reason,
            },
            Ok(work) => {
                if engine.is_none() {
                    let model = model_dir::check(&model_dir::locate(options.model.as_deref())?)?;
                    engine = Some((Engine::load(&model, &language, options.threads)?, model));
                }
                let (engine, model) = engine.as_ref().expect("loaded above");
                match draft(&config.root, &work, engine, model, &language, progress) {
                    Ok(drafted) => Outcome::Drafted(drafted),
                    Err(e) => Outcome::Failed {
                        session: work.session,
                        error: format!("{e:#}"),
                    },
                }
            }
        };
        report(&outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The sessions named by `ids`, in the cycle's order; every session when none is named.
fn chosen<'a>(config: &'a Config, ids: &[String]) -> Result<Vec<&'a Session>> {
    let sessions = &config.cycle.sessions;
    if let Some(unknown) = ids.iter().find(|id| !sessions.iter().any(|s| &s.id == *id)) {
        bail!(
            "no session `{}` in the config; its sessions are {}",
            crate::model::text::printable(unknown),
            sessions
                .iter()
                .map(|s| format!("`{}`", s.id))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(sessions
        .iter()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .collect())
}

/// What transcribing `session` takes, or why it is skipped.
fn plan(config: &Config, session: &Session, redo: bool) -> Result<Work, String> {
    let Some(recording) = &session.recording else {
        return Err("it has no recording".into());
    };
    if config.bad_files.contains(recording) {
        return Err(format!(
            "its recording `{}` cannot be read (`cyclecast check` says why)",
            display_path(&config.root, recording)
        ));
    }
    let draft = config
        .root
        .join(TRANSCRIPTS)
        .join(format!("{}.vtt", session.numbered_stem()));
    if let Some(transcript) = &session.transcript {
        let is_draft = *transcript == draft && holds_draft(transcript);
        if is_draft {
            // Left by a run killed after it wrote the draft.
            Journal::discard_stale(&Journal::path_of(&draft));
        }
        if !(redo && is_draft) {
            let shown = display_path(&config.root, transcript);
            return Err(match is_draft {
                true => format!("it already has a draft, `{shown}` (`--redo` makes it again)"),
                false => format!("it already has a transcript, `{shown}`"),
            });
        }
    } else if draft.symlink_metadata().is_ok() {
        // What loading refused to read there (a link, a folder): never replaced.
        return Err(format!(
            "`{}` is in the way: it is not a transcript cyclecast can read (`cyclecast check` says why)",
            display_path(&config.root, &draft)
        ));
    }
    let master = crate::support::fs::contain(&config.root, recording).map_err(|refusal| {
        format!(
            "its recording `{}` {}",
            display_path(&config.root, recording),
            refusal.reason()
        )
    })?;
    Ok(Work {
        session: session.id.clone(),
        master,
        draft,
    })
}

/// Whether the file at `path` is a regular file holding a draft nobody has reviewed.
fn holds_draft(path: &Path) -> bool {
    crate::support::fs::read_regular(path, crate::support::fs::TEXT_LIMIT)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|text| is_draft(&text))
}

/// Transcribes one session's master into its draft, resuming an interrupted run.
fn draft(
    root: &Path,
    work: &Work,
    engine: &Engine,
    model: &ModelDir,
    language: &str,
    progress: &Progress,
) -> Result<Drafted> {
    let started = Instant::now();
    let shown = display_path(root, &work.master);
    let audio = crate::audio::probe::probe_file(&work.master)
        .with_context(|| format!("cannot read `{shown}`"))?;
    // Opened before anything is written: a master that cannot be decoded leaves nothing.
    let mut windows = Windows::open(&work.master, audio.trim())?;
    let header = Header {
        master: Stamp::of(&work.master).with_context(|| format!("cannot read `{shown}`"))?,
        model: model.identity.clone(),
        language: language.to_string(),
    };
    crate::support::fs::create_real_dir(&root.join(TRANSCRIPTS))?;
    let (mut journal, resumed) = Journal::open(&Journal::path_of(&work.draft), &header)?;
    windows.skip_to(resumed.end);
    let mut words = resumed.words;
    let total = audio.frames * u64::from(RATE) / u64::from(audio.sample_rate.max(1));
    let task = progress.file(
        "transcribing",
        &display_path(root, &work.master),
        audio.size,
    );
    let share = |samples: u64| audio.size * samples / total.max(1);
    task.advance(share(resumed.end.min(total)));
    hearing::in_order(
        engine.replicas(),
        || windows.next_window(),
        |window| engine.words(window),
        |span, heard| {
            journal.append(span.end, &heard)?;
            words.extend(heard);
            task.advance(share(span.end - span.start));
            Ok(())
        },
    )?;
    drop(task);
    let mut warnings = windows.warnings().to_vec();
    let cues = cues::cues(&words);
    if cues.is_empty() {
        warnings.push("no speech was found: the draft has no cue".to_string());
    }
    let count = cues.len();
    let text = render_vtt(&Transcript { cues, draft: true });
    write_draft(root, &work.draft, &text)?;
    journal.remove()?;
    Ok(Drafted {
        session: work.session.clone(),
        written: display_path(root, &work.draft),
        cues: count,
        seconds: audio.duration_secs(),
        resumed_from_ms: resumed.end * 1000 / u64::from(RATE),
        elapsed: started.elapsed(),
        warnings,
    })
}

/// Writes the draft, unless a person put a transcript there during the run: the rename
/// itself refuses to replace a file that appeared, and a file swapped out that is not a
/// draft is swapped back.
fn write_draft(root: &Path, path: &Path, text: &str) -> Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    let shown = display_path(root, path);
    let in_the_way = || {
        anyhow::anyhow!(
            "`{shown}` appeared during the run and is not a draft: it is left alone (the words heard stay in its journal)"
        )
    };
    let temporary = path.with_extension("vtt.new");
    // Written and synced in place, under its temporary name.
    crate::support::fs::write_new_then_rename(&temporary, &temporary, |file| {
        std::io::Write::write_all(file, text.as_bytes())
    })?;
    let replacing = path.symlink_metadata().is_ok();
    if !replacing {
        return renameat_with(CWD, &temporary, CWD, path, RenameFlags::NOREPLACE).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            match e {
                rustix::io::Errno::EXIST => in_the_way(),
                e => anyhow::anyhow!("cannot write `{shown}`: {e}"),
            }
        });
    }
    // An unreviewed draft is replaced (`--redo`): swapped, then what came out is checked.
    let swapped = renameat_with(CWD, &temporary, CWD, path, RenameFlags::EXCHANGE);
    if let Err(e) = swapped {
        let _ = std::fs::remove_file(&temporary);
        anyhow::bail!("cannot write `{shown}`: {e}");
    }
    if holds_draft(&temporary) {
        let _ = std::fs::remove_file(&temporary);
        return Ok(());
    }
    // What came out is a person's: it goes back, and the draft is dropped (only once the
    // person's file is back in place).
    if renameat_with(CWD, &temporary, CWD, path, RenameFlags::EXCHANGE).is_ok() {
        let _ = std::fs::remove_file(&temporary);
    }
    Err(in_the_way())
}

/// The base language of a BCP 47 tag, lowercase: `fr` of `fr-FR`.
fn base_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase()
}

/// A `--language` value: a two-letter ISO 639-1 code, as Whisper names languages.
fn checked_language(language: &str) -> Result<String> {
    let code = base_language(language);
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
        bail!(
            "`{}` is not a language code Whisper knows: give a two-letter ISO 639-1 code such as `fr` or `en`",
            crate::model::text::printable(language)
        );
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_base_of_a_tag_and_a_code_is_checked() {
        assert_eq!(base_language("fr-FR"), "fr");
        assert_eq!(checked_language("EN").unwrap(), "en");
        assert!(checked_language("french").is_err());
        assert!(checked_language("f\u{1b}").is_err());
    }
}
