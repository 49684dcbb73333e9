//! The load stage's first step: `config.toml` → [`Cycle`](crate::model::Cycle).
//!
//! The text is deserialized into `Raw*` types that keep every value's span (`raw`), then
//! validated into the model (`validate`, `session`, `fields`). Every problem found is
//! reported, each with `config.toml:LINE:COL` (`span` finds the bytes, `hint` says what was
//! meant): unknown keys, bad dates, malformed URLs, duplicate ids or numbers, paths leaving
//! the project. [`parse`] is pure; [`load`] reads the file and checks that the files it names
//! exist. `values` holds the rules on single values that the lock and `session add` share.
//!
//! May use `model` and `support`, and [`crate::project::paths`]; nothing else of `project`.
use std::path::{Path, PathBuf};

use crate::model::problem::Problem;
use crate::support::fs::Refusal;

mod fields;
pub(crate) mod hint;
mod raw;
mod renditions;
mod session;
mod span;
mod validate;
mod validated;
mod values;

/// Parses a chapter's time (see [`crate::model::time::parse_timestamp`]); here for the fuzz
/// target and the tests that name it.
pub use crate::model::time::parse_timestamp;
use span::{offset_of, token_span};
use validate::parse_all;
pub use validated::{Config, Deploy, FileRef, Notify};
pub use values::{
    YEARS, is_example_domain, is_slug, is_writable_date, parse_web_url, recording_key,
    recording_taken,
};

/// How every text `init` and `session add` leave for the organizer to write begins: `check`
/// warns about each one left in the config.
pub const PLACEHOLDER_MARKS: &[&str] = &["À compléter", "To fill in"];

/// What [`load`] found: the config when its text is valid, and every problem.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The config, when its text could be read as a config: with placeholders for wrong
    /// values when `problems` holds errors, so later checks can still run.
    pub config: Option<Config>,
    /// Every problem: in the text, and with the files it names.
    pub problems: Vec<Problem>,
    /// Every value still holding what `init` or `session add` invented for the organizer to
    /// replace: a placeholder text, an address on a reserved example domain. Warnings here;
    /// the caller decides whether they stop a publish (see [`Placeholders`]).
    pub placeholders: Vec<Problem>,
}

/// What a placeholder left in the config does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placeholders {
    /// A warning: `check` and previews (`serve`, `--base-url`, `--dry-run`) show the cycle as
    /// it stands.
    #[default]
    Warn,
    /// An error: a publish never sends a placeholder to listeners, whose apps cache it.
    Refuse,
}

impl Placeholders {
    /// The problem a placeholder gives under this policy.
    pub fn judge(self, placeholder: Problem) -> Problem {
        match self {
            Placeholders::Warn => placeholder,
            Placeholders::Refuse => Problem {
                severity: crate::model::problem::Severity::Error,
                hint: Some(
                    "publish refuses placeholders, which podcast apps would cache; `check`, `serve`, `--dry-run` and `--base-url` previews only warn".to_string(),
                ),
                ..placeholder
            },
        }
    }
}

/// Reads and validates `path`; the project folder is the folder that holds it.
///
/// Checks the files the config names even when its text has problems, so one run reports
/// both. A file with a problem is listed in [`Config::bad_files`] so later stages skip it.
pub fn load(path: &Path) -> Loaded {
    let display = path.display().to_string();
    let failed = |message: String| Loaded {
        config: None,
        problems: vec![Problem::error(&display, message)],
        placeholders: Vec::new(),
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return failed(format!("cannot read the config: {e}")),
    };
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = match root.canonicalize() {
        Ok(root) => root,
        Err(e) => return failed(format!("cannot resolve the project folder: {e}")),
    };
    let (config, files, mut problems, mut placeholders) = parse_all(&text, &display, &root);
    let (file_problems, bad_files) = check_files(&root, &files, &display, &text);
    problems.extend(file_problems);
    let theme_problem = config
        .as_ref()
        .and_then(|c| c.theme.as_ref())
        .and_then(|theme| check_folder(&root, theme, &display, &text));
    let theme_is_bad = theme_problem.is_some();
    problems.extend(theme_problem);
    problems.sort_by_key(|p| p.position);
    placeholders.extend(placeholder_texts(&display, &text));
    placeholders.sort_by_key(|p| p.position);
    let config = config.map(|mut config| {
        problems.extend(attach_transcripts(&mut config, &bad_files));
        config.bad_files = bad_files;
        if theme_is_bad {
            config.theme = None;
        }
        config
    });
    Loaded {
        config,
        problems,
        placeholders,
    }
}

/// The config a command works on when `--config` is not given: `config.toml` in `cwd` or in
/// the nearest folder above it, as git and cargo find their project. Named relative to `cwd`
/// (`config.toml`, `../config.toml`…) so that messages stay short.
pub fn discover(cwd: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for folder in cwd.ancestors() {
        if folder.join(CONFIG_FILE).is_file() {
            return Some(relative.join(CONFIG_FILE));
        }
        relative.push("..");
    }
    None
}

/// The name of a project's config file.
pub const CONFIG_FILE: &str = "config.toml";

/// The project folder where `cyclecast transcribe` writes its drafts, `NN-id.vtt`.
pub const TRANSCRIPTS: &str = "transcripts";

/// Gives a session without a `transcript` the `.vtt` or `.srt` file beside its recording,
/// else its `transcripts/NN-id.vtt`. A file there is read like any other file of the
/// project: one that is not a regular file inside the project, links resolved, is an error
/// naming it, and is never read.
fn attach_transcripts(config: &mut Config, bad_files: &[PathBuf]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for session in &mut config.cycle.sessions {
        let Some(recording) = &session.recording else {
            continue;
        };
        if session.transcript.is_some() || bad_files.contains(recording) {
            continue;
        }
        // Whatever stands there, a link leading nowhere included, is the organizer's sidecar.
        let draft = config
            .root
            .join(TRANSCRIPTS)
            .join(format!("{}.vtt", session.numbered_stem()));
        let Some(sidecar) = ["vtt", "srt"]
            .iter()
            .map(|e| recording.with_extension(e))
            .chain([draft])
            .find(|p| p.symlink_metadata().is_ok())
        else {
            continue;
        };
        match crate::support::fs::contain(&config.root, &sidecar) {
            Ok(_) => session.transcript = Some(sidecar),
            Err(refusal) => problems.push(Problem::error(
                crate::project::paths::display_path(&config.root, &sidecar),
                format!(
                    "the session's transcript {}: it is not read",
                    refusal.reason()
                ),
            )),
        }
    }
    problems
}

/// Checks that a named folder exists and, links resolved, stays inside the project.
fn check_folder(root: &Path, folder: &FileRef, display: &str, text: &str) -> Option<Problem> {
    let message = match folder.path.canonicalize() {
        Err(_) => format!("folder `{}` does not exist", folder.written),
        Ok(real) if !real.starts_with(root) => format!(
            "folder `{}` leads outside the project folder",
            folder.written
        ),
        Ok(real) if !real.is_dir() => format!("`{}` is not a folder", folder.written),
        Ok(_) => return None,
    };
    let span = token_span(text, offset_of(text, folder.position));
    Some(Problem::spanning(display, text, span, message))
}

/// Texts that `init` and `session add` left for the organizer to write would be published
/// as they are: a warning on each line that still holds one.
fn placeholder_texts(config_file: &str, text: &str) -> Vec<Problem> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with('#'))
        .filter_map(|(index, line)| {
            let column = PLACEHOLDER_MARKS.iter().find_map(|mark| line.find(mark))?;
            Some(Problem {
                position: Some((index + 1, line[..column].chars().count() + 1)),
                ..Problem::warning(
                    config_file,
                    "this text is still a placeholder: write it before publishing",
                )
            })
        })
        .collect()
}

/// Checks each named file against the one rule of every read (see [`crate::support::fs::contain`]):
/// it exists and, links resolved, is a regular file inside the project. Returns the problems
/// and the files that have one, which are never read.
fn check_files(
    root: &Path,
    files: &[FileRef],
    display: &str,
    text: &str,
) -> (Vec<Problem>, Vec<PathBuf>) {
    let mut problems = Vec::new();
    let mut bad = Vec::new();
    for file in files {
        let Err(refusal) = crate::support::fs::contain(root, &file.path) else {
            continue;
        };
        let written = &file.written;
        let (message, hint) = match refusal {
            Refusal::Missing => (
                format!("file `{written}` does not exist"),
                hint::missing_file(&file.path, written),
            ),
            Refusal::NotRegular => (format!("`{written}` {}", refusal.reason()), None),
            Refusal::Outside => (format!("file `{written}` {}", refusal.reason()), None),
        };
        let span = token_span(text, offset_of(text, file.position));
        let problem = Problem::spanning(display, text, span, message);
        problems.push(Problem { hint, ..problem });
        bad.push(file.path.clone());
    }
    (problems, bad)
}

/// Parses and validates config text. `file` names it in messages; relative paths in it are
/// resolved against `root`. Does no IO.
pub fn parse(text: &str, file: &str, root: &Path) -> Result<Config, Vec<Problem>> {
    match parse_all(text, file, root) {
        (Some(config), _, problems, _) if problems.is_empty() => Ok(config),
        (_, _, problems, _) => Err(problems),
    }
}

#[cfg(test)]
mod tests;
