//! Stage 1: `config.toml` → [`Cycle`].
//!
//! The text is deserialized into `Raw*` types that keep every value's span, then validated
//! into the model. Every problem found is reported, each with `config.toml:LINE:COL`:
//! unknown keys, bad dates, malformed URLs, duplicate ids or numbers, paths leaving the
//! project. [`parse`] is pure; [`load`] reads the file and checks that the files it names exist.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use crate::model::lang::Lang;
use crate::model::problem::Problem;
use crate::model::rules;
use crate::model::{
    Category, Chapter, Credit, Cycle, Drawing, EpisodeType, Id3Version, License, Link,
    Organization, Owner, Place, Podcast, Rebroadcast, Report, Role, Season, Session, ShowType,
    Source, Speaker, Txt,
};
use crate::support::fs::Refusal;

pub(crate) mod hint;

type Text = Spanned<String>;

/// A date, a time or a chapter start as written: quoted, or unquoted as TOML's own date and
/// time values (`date = 2023-04-13`, `time = 19:30:00`), which serde hands over as a map.
#[derive(Debug)]
enum RawMoment {
    /// `"2023-04-13"`.
    Text(String),
    /// `2023-04-13`, `19:30:00`, `2023-04-13T19:30:00+02:00`…
    Native(toml::value::Datetime),
}

impl<'de> Deserialize<'de> for RawMoment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawMoment;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a date or a time, e.g. 2023-04-13 or \"19:00\"")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawMoment, E> {
                Ok(RawMoment::Text(text.to_string()))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawMoment, A::Error> {
                let deserializer = serde::de::value::MapAccessDeserializer::new(map);
                toml::value::Datetime::deserialize(deserializer).map(RawMoment::Native)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl std::fmt::Display for RawMoment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawMoment::Text(text) => f.write_str(text),
            RawMoment::Native(datetime) => datetime.fmt(f),
        }
    }
}

/// `config.toml` as written, before validation.
#[derive(Debug, Deserialize)]
struct RawConfig {
    podcast: Spanned<RawPodcast>,
    organizer: RawOrganization,
    #[serde(default)]
    partners: Vec<RawOrganization>,
    place: Option<RawPlace>,
    #[serde(default)]
    credits: Vec<RawCredit>,
    #[serde(default)]
    sessions: Vec<Spanned<RawSession>>,
    page: Option<RawPage>,
}

/// The `[page]` table: how the web page is made.
#[derive(Debug, Deserialize)]
struct RawPage {
    /// A folder of the project whose `index.html`, `session.html` and `style.css` replace
    /// the built-in ones.
    theme: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawPodcast {
    title: Text,
    subtitle: Option<Text>,
    description: Text,
    language: Text,
    base_url: Text,
    time_zone: Text,
    cover: Option<Text>,
    #[serde(default)]
    categories: Vec<Text>,
    #[serde(default)]
    explicit: bool,
    author: Text,
    copyright: Option<Text>,
    owner: RawOwner,
    /// Overrides the GUID derived from `base_url`, for a podcast that moved.
    guid: Option<Text>,
    /// `episodic` (default) or `serial`.
    #[serde(rename = "type")]
    show_type: Option<Text>,
    #[serde(default)]
    locked: bool,
    season: Option<Spanned<i64>>,
    season_name: Option<Text>,
    license: Option<RawLicense>,
    #[serde(default)]
    funding: Vec<RawLink>,
    #[serde(default)]
    txt: Vec<RawTxt>,
    /// ID3v2 version of the MP3 copies' tags: `"2.3"` (default, the widest player support)
    /// or `"2.4"`.
    id3_version: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawLicense {
    name: Text,
    url: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawTxt {
    text: Text,
    purpose: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawOwner {
    name: Text,
    email: Text,
}

#[derive(Debug, Deserialize)]
struct RawOrganization {
    name: Text,
    url: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawPlace {
    name: Text,
    address: Text,
    url: Option<Text>,
    /// `"latitude,longitude"` in degrees.
    geo: Option<Text>,
    /// OpenStreetMap object: `N`, `W` or `R` followed by its id.
    osm: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawCredit {
    role: Text,
    name: Text,
    url: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawSession {
    id: Text,
    number: Spanned<i64>,
    /// Taken from the recording's date tag when left out.
    date: Option<Spanned<RawMoment>>,
    time: Option<Spanned<RawMoment>>,
    /// Taken from the recording's tags when left out.
    title: Option<Text>,
    /// Taken from the recording's comment tag when left out.
    description: Option<Text>,
    episode_type: Option<Text>,
    recording: Option<Text>,
    #[serde(default)]
    speakers: Vec<RawSpeaker>,
    #[serde(default)]
    rebroadcasts: Vec<RawRebroadcast>,
    #[serde(default)]
    reports: Vec<Spanned<RawReport>>,
    #[serde(default)]
    drawings: Vec<Spanned<RawDrawing>>,
    #[serde(default)]
    links: Vec<RawLink>,
    #[serde(default)]
    chapters: Vec<Spanned<RawChapter>>,
    transcript: Option<Text>,
    image: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawSpeaker {
    name: Text,
    affiliation: Option<Text>,
    url: Option<Text>,
    role: Option<Text>,
    img: Option<Text>,
    /// Language of the affiliation, when not the cycle's.
    lang: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawChapter {
    start: Spanned<RawMoment>,
    title: Text,
    url: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawRebroadcast {
    show: Text,
    station: Text,
    frequency: Option<Text>,
    aired: Option<Spanned<RawMoment>>,
    url: Text,
    note: Option<Text>,
    /// The radio edit itself, when the station shared it: a file in the project.
    file: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawReport {
    title: Text,
    url: Option<Text>,
    file: Option<Text>,
    /// Language of the title and the report, when not the cycle's.
    lang: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawDrawing {
    url: Option<Text>,
    file: Option<Text>,
    alt: Text,
    credit: Option<Text>,
}

#[derive(Debug, Deserialize)]
struct RawLink {
    title: Text,
    url: Text,
    /// Language of the title, when not the cycle's.
    lang: Option<Text>,
}

/// A validated configuration: the cycle, and the project files it refers to.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project folder: the folder holding `config.toml`.
    pub root: PathBuf,
    /// The cycle the file describes.
    pub cycle: Cycle,
    /// Every project file the config names, with where it is named (for errors).
    pub files: Vec<FileRef>,
    /// Named files that are missing or lead outside the project: already reported, to skip.
    pub bad_files: Vec<PathBuf>,
    /// The `[page]` theme folder, whose templates and stylesheet replace the built-in ones.
    pub theme: Option<FileRef>,
}

impl Config {
    /// Whether a project file named in the config can be read (it was found and is inside).
    pub fn is_readable(&self, path: &Path) -> bool {
        !self.bad_files.iter().any(|bad| bad == path)
    }
}

/// A project file named in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Absolute path.
    pub path: PathBuf,
    /// The path as written in the config.
    pub written: String,
    /// Line and column where it is written.
    pub position: (usize, usize),
}

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

/// Gives a session without a `transcript` the `.vtt` or `.srt` file beside its recording.
/// A file there is read like any other file of the project: one that is not a regular file
/// inside the project, links resolved, is an error naming it, and is never read.
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
        let Some(sidecar) = ["vtt", "srt"]
            .iter()
            .map(|e| recording.with_extension(e))
            .find(|p| p.symlink_metadata().is_ok())
        else {
            continue;
        };
        match crate::support::fs::contain(&config.root, &sidecar) {
            Ok(_) => session.transcript = Some(sidecar),
            Err(refusal) => problems.push(Problem::error(
                crate::project::ingest::display_path(&config.root, &sidecar),
                format!(
                    "the transcript beside the recording {}: it is not read",
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
            let column = crate::project::scaffold::PLACEHOLDER_MARKS
                .iter()
                .find_map(|mark| line.find(mark))?;
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

/// Whether `domain` is reserved for documentation and examples (RFC 2606, RFC 6761):
/// `example.org`, `example.com`, `example.net`, their subdomains and the `.example` top-level
/// domain.
pub fn is_example_domain(domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    ["example.org", "example.com", "example.net", "example"]
        .iter()
        .any(|reserved| domain == *reserved || domain.ends_with(&format!(".{reserved}")))
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

/// What [`parse_all`] found: the config when the text could be read as one, the project
/// files it names, its problems and its placeholders (see [`Loaded`]).
type Parsed = (Option<Config>, Vec<FileRef>, Vec<Problem>, Vec<Problem>);

/// Parses and validates; returns the config when the text is valid, the project files it
/// names (as far as the text could be read), the problems and the placeholders found.
fn parse_all(text: &str, file: &str, root: &Path) -> Parsed {
    let mut v = Validator {
        text,
        lines: crate::model::problem::LineIndex::new(text),
        file,
        root,
        problems: Vec::new(),
        placeholders: Vec::new(),
        files: Vec::new(),
        seen: HashMap::new(),
    };
    let mut raw = match v.deserialize() {
        Ok(raw) => raw,
        Err(problems) => return (None, Vec::new(), problems, Vec::new()),
    };
    let theme = raw
        .page
        .take()
        .and_then(|p| p.theme)
        .and_then(|t| v.project_folder(&t));
    let cycle = v.cycle(raw);
    v.problems.sort_by_key(|p| p.position);
    // Built even when some values are wrong (they hold placeholders then), so that the
    // other checks still run; a config with problems is never published.
    let config = Config {
        root: root.to_path_buf(),
        cycle,
        files: v.files.clone(),
        bad_files: Vec::new(),
        theme,
    };
    (Some(config), v.files, v.problems, v.placeholders)
}

/// Collects problems while turning raw values into model values.
struct Validator<'a> {
    text: &'a str,
    lines: crate::model::problem::LineIndex<'a>,
    file: &'a str,
    root: &'a Path,
    problems: Vec<Problem>,
    /// Values invented by `init` or `session add`, still to replace.
    placeholders: Vec<Problem>,
    files: Vec<FileRef>,
    /// Session ids and numbers already seen, with their line.
    seen: HashMap<String, usize>,
}

impl Validator<'_> {
    /// Reports an error about the key or value written at `offset`, underlining all of it.
    fn error_at(&mut self, offset: usize, message: impl Into<String>) {
        self.error_with_hint(token_span(self.text, offset), message, None);
    }

    /// Reports an error about the bytes `span`, with a hint on how to fix it when one helps.
    fn error_with_hint(
        &mut self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let problem = Problem::spanning(self.file, self.text, span, message);
        self.problems.push(Problem { hint, ..problem });
    }

    /// Deserializes the raw config, reporting syntax and type errors and every unknown key.
    fn deserialize(&mut self) -> Result<RawConfig, Vec<Problem>> {
        // Checked before TOML reads the text: it refuses most of these characters with a
        // message that does not name them, and takes the others into values.
        let written = self.forbidden_characters();
        let document = match DeTable::parse(self.text) {
            Ok(document) => document,
            Err(e) if written.is_empty() => return Err(vec![self.toml_problem(&e)]),
            Err(_) => return Err(written),
        };
        self.problems.extend(written);
        self.forbidden_escapes(document.get_ref());
        let mut unknown = Vec::new();
        let deserializer = toml::de::Deserializer::from(document.clone());
        let raw: Result<RawConfig, _> =
            serde_ignored::deserialize(deserializer, |path| unknown.push(segments(&path)));
        for path in unknown {
            let (span, name) = locate(document.get_ref(), &path);
            let hint = hint::unknown_key(&path);
            self.error_with_hint(span, format!("unknown key `{name}`"), hint);
        }
        match raw {
            Ok(raw) => Ok(raw),
            Err(e) => {
                let mut problems = std::mem::take(&mut self.problems);
                problems.push(self.toml_problem(&e));
                Err(problems)
            }
        }
    }

    /// Every character of the text that no published text may hold (see
    /// [`crate::model::text::is_forbidden`]), wherever it is: every text of the config is checked
    /// by this one rule, so a new key cannot be forgotten.
    fn forbidden_characters(&self) -> Vec<Problem> {
        self.text
            .char_indices()
            .filter(|&(_, c)| crate::model::text::is_forbidden(c))
            .map(|(offset, c)| self.forbidden_problem(offset..offset + c.len_utf8(), c))
            .collect()
    }

    /// The same rule for what escapes write (`"\u000B"`, `"\e"`, `"\b"`): each string of the
    /// document, keys included, decoded, reported at its escape.
    fn forbidden_escapes(&mut self, table: &DeTable<'_>) {
        for (key, value) in table {
            self.forbidden_in_string(key.get_ref(), key.span());
            self.forbidden_in_value(value);
        }
    }

    fn forbidden_in_value(&mut self, value: &Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::String(string) => self.forbidden_in_string(string, value.span()),
            DeValue::Array(items) => items.iter().for_each(|item| self.forbidden_in_value(item)),
            DeValue::Table(table) => self.forbidden_escapes(table),
            _ => {}
        }
    }

    /// Reports each forbidden character of a decoded string that its escapes wrote; those
    /// written as they are were reported by [`Validator::forbidden_characters`].
    fn forbidden_in_string(&mut self, decoded: &str, span: std::ops::Range<usize>) {
        if crate::model::text::first_forbidden(decoded).is_none() {
            return;
        }
        let written = self.text.get(span.clone()).unwrap_or_default();
        let escapes = escapes(written)
            .filter(|(_, c)| crate::model::text::is_forbidden(*c))
            .map(|(range, c)| (span.start + range.start..span.start + range.end, c))
            .collect::<Vec<_>>();
        for (range, c) in escapes {
            let problem = self.forbidden_problem(range, c);
            self.problems.push(problem);
        }
    }

    fn forbidden_problem(&self, span: std::ops::Range<usize>, c: char) -> Problem {
        Problem::spanning(
            self.file,
            self.text,
            span,
            format!(
                "{} is not allowed in a text: feeds (XML 1.0) and terminals cannot carry control characters",
                crate::model::text::describe(c)
            ),
        )
        .with_hint("remove it (a line break within a text is a plain new line in a \"\"\"-quoted text)")
    }

    fn toml_problem(&self, error: &toml::de::Error) -> Problem {
        let message = error.message().trim_end_matches('\n').replace('\n', "; ");
        match error.span() {
            Some(span) => Problem::spanning(self.file, self.text, span, message),
            None => Problem::error(self.file, message),
        }
    }

    fn cycle(&mut self, raw: RawConfig) -> Cycle {
        let podcast = self.podcast(raw.podcast);
        let organizer = self.organization(raw.organizer);
        let partners = raw
            .partners
            .into_iter()
            .map(|p| self.organization(p))
            .collect();
        let place = raw.place.map(|p| Place {
            name: self.limited(p.name, rules::NAME),
            address: self.required(p.address),
            url: p.url.and_then(|u| self.url(&u)),
            geo: p.geo.and_then(|g| self.geo(&g)),
            osm: p.osm.and_then(|o| self.osm(&o)),
        });
        let credits = raw
            .credits
            .into_iter()
            .map(|c| Credit {
                role: self.required(c.role),
                name: self.required(c.name),
                url: c.url.and_then(|u| self.url(&u)),
            })
            .collect();
        let mut sessions: Vec<Session> = raw
            .sessions
            .into_iter()
            .filter_map(|s| self.session(s))
            .collect();
        sessions.sort_by_key(|s| s.number);
        Cycle {
            podcast,
            organizer,
            partners,
            place,
            credits,
            sessions,
        }
    }

    fn podcast(&mut self, raw: Spanned<RawPodcast>) -> Podcast {
        let raw = raw.into_inner();
        let lang = Lang::from_tag(raw.language.get_ref()).unwrap_or_else(|| {
            self.error_with_hint(
                raw.language.span(),
                format!(
                    "unsupported language `{}`: expected a language tag such as `fr` or `en-GB` (labels exist for French and English)",
                    raw.language.get_ref()
                ),
                hint::language(raw.language.get_ref(), |tag| Lang::from_tag(tag).is_some()),
            );
            Lang::from_tag("fr").expect("fr is built in")
        });
        let base_url = self.url(&raw.base_url).map(with_trailing_slash);
        if let Some(domain) = base_url.as_ref().and_then(|u| u.host_str()) {
            self.reserved_domain(&raw.base_url, domain, "address");
        }
        let guid = match &raw.guid {
            Some(g) => uuid::Uuid::parse_str(g.get_ref()).unwrap_or_else(|_| {
                self.error_at(g.span().start, format!("`{}` is not a UUID", g.get_ref()));
                uuid::Uuid::nil()
            }),
            None => base_url
                .as_ref()
                .map_or(uuid::Uuid::nil(), crate::episode::podcast_guid),
        };
        let time_zone = Tz::from_str(raw.time_zone.get_ref()).unwrap_or_else(|_| {
            self.error_with_hint(
                raw.time_zone.span(),
                format!(
                    "unknown time zone `{}`: expected an IANA name such as `Europe/Paris`",
                    raw.time_zone.get_ref()
                ),
                hint::time_zone(raw.time_zone.get_ref()),
            );
            Tz::UTC
        });
        let categories = raw
            .categories
            .iter()
            .filter_map(|c| self.category(c))
            .collect();
        let owner = Owner {
            name: self.required(raw.owner.name),
            email: self.email(raw.owner.email),
        };
        let show_type = match raw.show_type.as_ref().map(|t| t.get_ref().as_str()) {
            None | Some("episodic") => ShowType::Episodic,
            Some("serial") => ShowType::Serial,
            Some(other) => {
                let offset = raw.show_type.as_ref().map_or(0, |t| t.span().start);
                self.error_at(
                    offset,
                    format!("unknown podcast type `{other}`: expected `episodic` or `serial`"),
                );
                ShowType::Episodic
            }
        };
        let season_number = match &raw.season {
            None => 1,
            Some(n) => u32::try_from(*n.get_ref())
                .ok()
                .filter(|n| *n >= 1)
                .unwrap_or_else(|| {
                    self.error_at(n.span().start, "the season must be a number from 1");
                    1
                }),
        };
        let id3_version = match raw.id3_version.as_ref().map(|v| v.get_ref().trim()) {
            None | Some("2.3") => Id3Version::V23,
            Some("2.4") => Id3Version::V24,
            Some(other) => {
                let offset = raw.id3_version.as_ref().map_or(0, |v| v.span().start);
                self.error_at(
                    offset,
                    format!("unknown ID3 version `{other}`: expected \"2.3\" or \"2.4\""),
                );
                Id3Version::V23
            }
        };
        let season = Season {
            number: season_number,
            name: raw.season_name.map_or_else(
                || raw.title.get_ref().trim().to_string(),
                |n| self.limited(n, rules::NAME),
            ),
        };
        Podcast {
            title: self.limited(raw.title, rules::TITLE),
            subtitle: raw.subtitle.map(|s| self.limited(s, rules::TITLE)),
            description: self.limited(raw.description, rules::DESCRIPTION),
            lang,
            base_url: base_url.unwrap_or_else(|| Url::parse("http://invalid/").expect("valid URL")),
            guid,
            guid_from_config: raw.guid.is_some(),
            time_zone,
            cover: raw.cover.and_then(|c| self.project_file(&c)),
            categories,
            explicit: raw.explicit,
            author: self.required(raw.author),
            copyright: raw.copyright.map(|c| self.required(c)),
            owner,
            show_type,
            id3_version,
            locked: raw.locked,
            season,
            license: raw.license.map(|l| License {
                name: self.required(l.name),
                url: l.url.and_then(|u| self.url(&u)),
            }),
            funding: raw
                .funding
                .into_iter()
                .filter_map(|l| self.link(l))
                .collect(),
            txt: raw
                .txt
                .into_iter()
                .map(|t| Txt {
                    text: self.limited(t.text, rules::TXT),
                    purpose: t.purpose.map(|p| self.limited(p, rules::NAME)),
                })
                .collect(),
        }
    }

    fn link(&mut self, raw: RawLink) -> Option<Link> {
        let title = self.limited(raw.title, rules::TITLE);
        let lang = raw.lang.and_then(|l| self.lang(&l));
        self.url(&raw.url).map(|url| Link { title, url, lang })
    }

    /// A language tag for a passage in another language than the cycle's.
    fn lang(&mut self, text: &Text) -> Option<String> {
        let tag = text.get_ref().trim();
        if crate::model::lang::is_language_tag(tag) {
            Some(tag.to_string())
        } else {
            self.error_with_hint(
                text.span(),
                format!("`{tag}` is not a language tag: expected e.g. `en`, `nl` or `pt-BR`"),
                hint::language(tag, crate::model::lang::is_language_tag),
            );
            None
        }
    }

    /// A required text, trimmed, within what podcast directories accept.
    fn limited(&mut self, text: Text, limit: rules::Limit) -> String {
        let offset = text.span().start;
        let value = self.required(text);
        if let Some(why) = limit.excess(&value) {
            self.error_at(offset, why);
        }
        value
    }

    fn organization(&mut self, raw: RawOrganization) -> Organization {
        Organization {
            name: self.required(raw.name),
            url: raw.url.and_then(|u| self.url(&u)),
        }
    }

    fn session(&mut self, raw: Spanned<RawSession>) -> Option<Session> {
        let raw = raw.into_inner();
        let id = raw.id.get_ref().clone();
        if !is_slug(&id) {
            self.error_at(
                raw.id.span().start,
                format!("session id `{id}` must be lowercase ASCII letters, digits and single dashes (it names the session's files and URLs)"),
            );
        }
        let number = match u32::try_from(*raw.number.get_ref()) {
            Ok(n) if (1..=9999).contains(&n) => n,
            _ => {
                self.error_at(
                    raw.number.span().start,
                    "session number must be between 1 and 9999",
                );
                0
            }
        };
        let date = raw.date.as_ref().and_then(|d| self.date(d));
        let time = raw.time.as_ref().and_then(|t| self.time(t));
        let episode_type = match raw.episode_type.as_ref().map(|t| t.get_ref().as_str()) {
            None | Some("full") => EpisodeType::Full,
            Some("bonus") => EpisodeType::Bonus,
            Some("trailer") => EpisodeType::Trailer,
            Some(other) => {
                let offset = raw.episode_type.as_ref().map_or(0, |t| t.span().start);
                self.error_at(
                    offset,
                    format!(
                        "unknown episode type `{other}`: expected `full`, `bonus` or `trailer`"
                    ),
                );
                EpisodeType::Full
            }
        };
        let id_offset = raw.id.span().start;
        if raw.recording.is_none() {
            let given = [
                ("date", raw.date.is_some()),
                ("title", raw.title.is_some()),
                ("description", raw.description.is_some()),
            ];
            for (key, given) in given {
                if !given {
                    self.error_at(
                        id_offset,
                        format!("session `{id}` has no `{key}`: without a recording to read it from, write it here"),
                    );
                }
            }
        }
        let session = Session {
            id,
            number,
            date: date.unwrap_or_default(),
            date_written: raw.date.is_some(),
            time,
            title: raw
                .title
                .map(|t| self.limited(t, rules::TITLE))
                .unwrap_or_default(),
            description: raw
                .description
                .map(|d| self.limited(d, rules::DESCRIPTION))
                .unwrap_or_default(),
            episode_type,
            recording: raw.recording.and_then(|r| self.recording(&r)),
            speakers: raw.speakers.into_iter().map(|s| self.speaker(s)).collect(),
            rebroadcasts: raw
                .rebroadcasts
                .into_iter()
                .map(|r| self.rebroadcast(r))
                .collect(),
            reports: raw
                .reports
                .into_iter()
                .filter_map(|r| self.report(r))
                .collect(),
            drawings: raw
                .drawings
                .into_iter()
                .filter_map(|d| self.drawing(d))
                .collect(),
            links: raw.links.into_iter().filter_map(|l| self.link(l)).collect(),
            chapters: self.chapters(raw.chapters),
            transcript: raw.transcript.and_then(|t| self.transcript_file(&t)),
            image: raw.image.and_then(|i| self.project_file(&i)),
            embedded_image: None,
            published_slug: None,
            published_guid: None,
            position: self.lines.line_col(id_offset),
        };
        // A second use is left out of the cycle: the checks that pair sessions with their
        // recordings, transcripts and pins by number or id would report follow-on errors
        // about files the organizer never touched.
        self.is_first_use(&raw.id, &raw.number).then_some(session)
    }

    /// Reports a session id or number used twice, at its second use; returns whether both
    /// are used for the first time.
    fn is_first_use(&mut self, id: &Text, number: &Spanned<i64>) -> bool {
        let first_id = self.first_use(format!("id:{}", id.get_ref()), id.span().start);
        if let Some(line) = first_id {
            self.error_at(
                id.span().start,
                format!(
                    "session id `{}` is already used on line {line}",
                    id.get_ref()
                ),
            );
        }
        let first_number =
            self.first_use(format!("number:{}", number.get_ref()), number.span().start);
        if let Some(line) = first_number {
            self.error_at(
                number.span().start,
                format!(
                    "session number {} is already used on line {line}",
                    number.get_ref()
                ),
            );
        }
        first_id.is_none() && first_number.is_none()
    }

    /// Remembers a value; returns the line of its earlier use, if any.
    fn first_use(&mut self, key: String, offset: usize) -> Option<usize> {
        let line = self.lines.line_col(offset).0;
        match self.seen.get(&key) {
            Some(&first) => Some(first),
            None => {
                self.seen.insert(key, line);
                None
            }
        }
    }

    fn speaker(&mut self, raw: RawSpeaker) -> Speaker {
        let role = match &raw.role {
            None => Role::Speaker,
            Some(text) => Role::ALL
                .iter()
                .find(|(_, name)| name == text.get_ref())
                .map_or_else(
                    || {
                        let names: Vec<String> =
                            Role::ALL.iter().map(|(_, n)| format!("`{n}`")).collect();
                        self.error_at(
                            text.span().start,
                            format!(
                                "unknown role `{}`: expected one of {}",
                                text.get_ref(),
                                names.join(", ")
                            ),
                        );
                        Role::Speaker
                    },
                    |(role, _)| *role,
                ),
        };
        Speaker {
            name: self.limited(raw.name, rules::NAME),
            affiliation: raw.affiliation.map(|a| self.required(a)),
            url: raw.url.and_then(|u| self.url(&u)),
            role,
            img: raw.img.and_then(|u| self.url(&u)),
            lang: raw.lang.and_then(|l| self.lang(&l)),
        }
    }

    /// Chapters must start at 0, in order, each at its own time.
    fn chapters(&mut self, raw: Vec<Spanned<RawChapter>>) -> Vec<Chapter> {
        let mut chapters: Vec<Chapter> = Vec::new();
        for item in raw {
            let position = self.lines.line_col(item.span().start);
            let raw = item.into_inner();
            let start = match raw.start.get_ref() {
                RawMoment::Text(text) => parse_timestamp(text),
                // `12:30` unquoted is half past noon, not twelve minutes in: refused.
                RawMoment::Native(datetime) => {
                    self.error_at(
                        raw.start.span().start,
                        format!("a chapter start is written in quotes, e.g. \"12:30\": unquoted, `{datetime}` is a time of day"),
                    );
                    continue;
                }
            };
            let Some(start_ms) = start else {
                self.error_at(
                    raw.start.span().start,
                    format!("`{}` is not a chapter start: expected H:MM:SS, MM:SS or seconds, e.g. 12:30", raw.start.get_ref()),
                );
                continue;
            };
            match chapters.last() {
                None if start_ms != 0 => self.error_at(
                    raw.start.span().start,
                    "the first chapter must start at 0:00",
                ),
                Some(previous) if start_ms <= previous.start_ms => self.error_at(
                    raw.start.span().start,
                    format!(
                        "chapters must be in order, each after the one before (line {})",
                        previous.position.0
                    ),
                ),
                _ => {}
            }
            chapters.push(Chapter {
                start_ms,
                title: self.limited(raw.title, rules::TITLE),
                url: raw.url.and_then(|u| self.url(&u)),
                position,
            });
        }
        chapters
    }

    /// A session's recording: a project file that no session before names (see
    /// [`recording_key`]), reported at the second use with the line of the first.
    fn recording(&mut self, text: &Text) -> Option<PathBuf> {
        let path = self.project_file(text)?;
        let key = recording_key(text.get_ref())?;
        let first = self.first_use(format!("recording:{}", key.display()), text.span().start);
        if let Some(line) = first {
            self.error_at(text.span().start, recording_taken(text.get_ref(), line));
        }
        Some(path)
    }

    /// A transcript file: WebVTT (`.vtt`) or SubRip (`.srt`).
    fn transcript_file(&mut self, text: &Text) -> Option<PathBuf> {
        let path = self.project_file(text)?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(extension.as_deref(), Some("vtt" | "srt")) {
            self.error_at(
                text.span().start,
                "a transcript must be a WebVTT (`.vtt`) or SubRip (`.srt`) file",
            );
        }
        Some(path)
    }

    fn geo(&mut self, text: &Text) -> Option<(f64, f64)> {
        let parsed = text.get_ref().split_once(',').and_then(|(lat, lon)| {
            let (lat, lon) = (
                lat.trim().parse::<f64>().ok()?,
                lon.trim().parse::<f64>().ok()?,
            );
            ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
        });
        if parsed.is_none() {
            self.error_at(
                text.span().start,
                format!(
                    "`{}` is not a position: expected \"latitude,longitude\" in degrees",
                    text.get_ref()
                ),
            );
        }
        parsed
    }

    fn osm(&mut self, text: &Text) -> Option<String> {
        let value = text.get_ref().trim();
        let valid = value.len() > 1
            && matches!(value.as_bytes()[0], b'N' | b'W' | b'R')
            && value[1..].bytes().all(|b| b.is_ascii_digit());
        if !valid {
            self.error_at(text.span().start, format!("`{value}` is not an OpenStreetMap object: expected N, W or R followed by its id, e.g. W123456"));
        }
        valid.then(|| value.to_string())
    }

    fn rebroadcast(&mut self, raw: RawRebroadcast) -> Rebroadcast {
        Rebroadcast {
            show: self.required(raw.show),
            station: self.required(raw.station),
            frequency: raw.frequency.map(|f| self.required(f)),
            aired: raw.aired.and_then(|d| self.date(&d)),
            url: self
                .url(&raw.url)
                .unwrap_or_else(|| Url::parse("http://invalid/").expect("valid URL")),
            note: raw.note.map(|n| self.required(n)),
            file: raw.file.and_then(|f| self.project_file(&f)),
        }
    }

    fn report(&mut self, raw: Spanned<RawReport>) -> Option<Report> {
        let offset = raw.span().start;
        let raw = raw.into_inner();
        let title = self.limited(raw.title, rules::TITLE);
        let lang = raw.lang.and_then(|l| self.lang(&l));
        let source = self.source(offset, raw.url, raw.file, "report")?;
        if let Source::File(path) = &source
            && path.extension().and_then(|e| e.to_str()) != Some("md")
        {
            self.error_at(offset, "a report file must be Markdown (`.md`)");
        }
        Some(Report {
            title,
            source,
            lang,
        })
    }

    fn drawing(&mut self, raw: Spanned<RawDrawing>) -> Option<Drawing> {
        let offset = raw.span().start;
        let raw = raw.into_inner();
        let alt = self.required(raw.alt);
        let credit = raw.credit.map(|c| self.required(c));
        let source = self.source(offset, raw.url, raw.file, "drawing")?;
        Some(Drawing {
            source,
            alt,
            credit,
        })
    }

    /// A resource given by exactly one of `url` and `file`.
    fn source(
        &mut self,
        offset: usize,
        url: Option<Text>,
        file: Option<Text>,
        what: &str,
    ) -> Option<Source> {
        match (url, file) {
            (Some(url), None) => self.url(&url).map(Source::Url),
            (None, Some(file)) => self.project_file(&file).map(Source::File),
            _ => {
                self.error_at(
                    offset,
                    format!("a {what} needs exactly one of `url` and `file`"),
                );
                None
            }
        }
    }

    /// A non-empty text, trimmed of surrounding white space.
    fn required(&mut self, text: Text) -> String {
        let value = text.get_ref().trim();
        if value.is_empty() {
            self.error_at(text.span().start, "this text must not be empty");
        }
        value.to_string()
    }

    fn url(&mut self, text: &Text) -> Option<Url> {
        match parse_web_url(text.get_ref()) {
            Ok(url) => Some(url),
            Err(why) => {
                self.error_with_hint(text.span(), why, hint::url(text.get_ref()));
                None
            }
        }
    }

    fn email(&mut self, text: Text) -> String {
        let value = text.get_ref().trim();
        let valid = value.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }) && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>');
        if !valid {
            self.error_at(
                text.span().start,
                format!("`{value}` is not an email address"),
            );
        } else if let Some((_, domain)) = value.rsplit_once('@') {
            self.reserved_domain(&text, domain, "email address");
        }
        value.to_string()
    }

    /// Records a placeholder when `domain` is reserved for examples (RFC 2606): an address
    /// there reaches nobody, and once published it is pinned in `cyclecast.lock`.
    fn reserved_domain(&mut self, text: &Text, domain: &str, what: &str) {
        if is_example_domain(domain) {
            let problem = Problem::spanning(
                self.file,
                self.text,
                token_span(self.text, text.span().start),
                format!(
                    "this {what} is on `{domain}`, a domain reserved for examples: write the real one before publishing"
                ),
            );
            self.placeholders.push(Problem {
                severity: crate::model::problem::Severity::Warning,
                ..problem
            });
        }
    }

    /// A day: `"2022-10-25"`, or TOML's own local date `2022-10-25`, in [`YEARS`].
    fn date(&mut self, moment: &Spanned<RawMoment>) -> Option<NaiveDate> {
        let day = self.any_date(moment)?;
        if !is_writable_date(day) {
            self.error_at(
                moment.span().start,
                format!(
                    "`{}` is out of range: a date must be in the years {} to {}",
                    moment.get_ref(),
                    YEARS.start(),
                    YEARS.end()
                ),
            );
            return None;
        }
        Some(day)
    }

    fn any_date(&mut self, moment: &Spanned<RawMoment>) -> Option<NaiveDate> {
        let text = match moment.get_ref() {
            RawMoment::Text(text) => text,
            RawMoment::Native(toml::value::Datetime {
                date: Some(date),
                time: None,
                offset: None,
            }) => {
                let day = NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                );
                // TOML checked the day exists; a day chrono cannot hold is out of any cycle.
                if day.is_none() {
                    self.error_at(moment.span().start, format!("`{date}` is not a date"));
                }
                return day;
            }
            RawMoment::Native(datetime) => {
                self.error_at(
                    moment.span().start,
                    format!("`{datetime}` is not a date: write the day alone (YYYY-MM-DD, e.g. 2022-10-25) and the start in `time`"),
                );
                return None;
            }
        };
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .inspect_err(|_| {
                self.error_with_hint(
                    moment.span(),
                    format!("`{text}` is not a date: expected YYYY-MM-DD, e.g. 2022-10-25"),
                    Some(hint::date(text)),
                );
            })
            .ok()
    }

    /// A start time to the minute: `"19:00"`, or TOML's own local time `19:00:00` (or
    /// `19:00`), whose seconds must be 0.
    fn time(&mut self, moment: &Spanned<RawMoment>) -> Option<NaiveTime> {
        let parsed = match moment.get_ref() {
            RawMoment::Text(text) => NaiveTime::parse_from_str(text, "%H:%M").ok(),
            RawMoment::Native(toml::value::Datetime {
                date: None,
                time: Some(time),
                offset: None,
            }) if time.second.unwrap_or(0) == 0 && time.nanosecond.unwrap_or(0) == 0 => {
                NaiveTime::from_hms_opt(u32::from(time.hour), u32::from(time.minute), 0)
            }
            RawMoment::Native(_) => None,
        };
        if parsed.is_none() {
            let written = moment.get_ref().to_string();
            self.error_with_hint(
                moment.span(),
                format!("`{written}` is not a time: expected HH:MM, e.g. 19:00"),
                Some(hint::time(&written)),
            );
        }
        parsed
    }

    fn category(&mut self, text: &Text) -> Option<Category> {
        let mut parts = text.get_ref().split('>').map(str::trim);
        let name = parts.next().unwrap_or_default().to_string();
        let sub = parts.next().map(str::to_string);
        if name.is_empty() || sub.as_deref() == Some("") || parts.next().is_some() {
            self.error_at(
                text.span().start,
                format!(
                    "`{}` is not a category: expected `Name` or `Name > Subcategory`",
                    text.get_ref()
                ),
            );
            return None;
        }
        if !crate::model::rules::is_apple_category(&name, sub.as_deref()) {
            self.error_with_hint(
                text.span(),
                format!("`{}` is not an Apple Podcasts category", text.get_ref()),
                hint::category(&name, sub.as_deref()),
            );
            return None;
        }
        Some(Category { name, sub })
    }

    /// A relative folder path that stays inside the project, resolved against the root. Its
    /// existence is checked by [`load`].
    fn project_folder(&mut self, text: &Text) -> Option<FileRef> {
        let written = text.get_ref();
        match inside_project(written) {
            Ok(relative) => Some(FileRef {
                path: self.root.join(relative),
                written: written.clone(),
                position: self.lines.line_col(text.span().start),
            }),
            Err(why) => {
                self.error_at(text.span().start, why);
                None
            }
        }
    }

    /// A relative path that stays inside the project, resolved against the root.
    fn project_file(&mut self, text: &Text) -> Option<PathBuf> {
        let written = text.get_ref();
        match inside_project(written) {
            Ok(relative) => {
                let path = self.root.join(relative);
                let position = self.lines.line_col(text.span().start);
                self.files.push(FileRef {
                    path: path.clone(),
                    written: written.clone(),
                    position,
                });
                Some(path)
            }
            Err(why) => {
                self.error_at(text.span().start, why);
                None
            }
        }
    }
}

/// One step of a path into the TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Flattens a `serde_ignored` path into its steps, root first.
fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    use serde_ignored::Path as P;
    match path {
        P::Root => Vec::new(),
        P::Seq { parent, index } => {
            let mut s = segments(parent);
            s.push(Segment::Index(*index));
            s
        }
        P::Map { parent, key } => {
            let mut s = segments(parent);
            // `Spanned<T>` deserializes through a private wrapper key of its own.
            if !key.starts_with("$__serde_spanned_private") {
                s.push(Segment::Key(key.clone()));
            }
            s
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            segments(parent)
        }
    }
}

/// Finds where the key at `path` is written: its bytes and its dotted name.
fn locate(table: &DeTable<'_>, path: &[Segment]) -> (std::ops::Range<usize>, String) {
    let name = path
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
        .replace(".[", "[");
    let mut span = 0..0;
    let mut value: Option<&DeValue<'_>> = None;
    let mut current = table;
    for segment in path {
        match segment {
            Segment::Key(key) => {
                let Some((k, v)) = current.iter().find(|(k, _)| k.get_ref() == key) else {
                    break;
                };
                span = k.span();
                value = Some(v.get_ref());
                if let DeValue::Table(t) = v.get_ref() {
                    current = t;
                }
            }
            Segment::Index(i) => {
                let Some(DeValue::Array(items)) = value else {
                    break;
                };
                let Some(item) = items.get(*i) else {
                    break;
                };
                span = item.span();
                value = Some(item.get_ref());
                if let DeValue::Table(t) = item.get_ref() {
                    current = t;
                }
            }
        }
    }
    (span, name)
}

/// The bytes of the key or value written at `offset`, to underline: a quoted string up to its
/// closing quote, else a bare word up to the next space, `=`, `,`, `}` or `#`. Problems are
/// reported at the start of a key or value, so the token there is what the organizer wrote.
fn token_span(text: &str, offset: usize) -> std::ops::Range<usize> {
    let offset = offset.min(text.len());
    let rest = text.get(offset..).unwrap_or_default();
    let len = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let triple = quote.to_string().repeat(3);
            match rest.strip_prefix(&triple) {
                Some(body) => body.find(&triple).map_or(rest.len(), |end| end + 6),
                None => quoted_len(rest, quote),
            }
        }
        _ => rest
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | ',' | '}' | '#'))
            .unwrap_or(rest.len()),
    };
    let first_char = rest.chars().next().map_or(0, char::len_utf8);
    offset..offset + len.max(first_char)
}

/// The length of the one-line string that opens `rest` with `quote`, quotes included.
fn quoted_len(rest: &str, quote: char) -> usize {
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            // Only basic strings have escapes: `\"` does not close them.
            '\\' if quote == '"' => {
                chars.next();
            }
            '\n' => return i,
            c if c == quote => return i + c.len_utf8(),
            _ => {}
        }
    }
    rest.len()
}

/// The escapes of a basic string as written (quotes included), each with its bytes and the
/// character it stands for. A literal string (`'…'`) has none.
fn escapes(written: &str) -> impl Iterator<Item = (std::ops::Range<usize>, char)> + '_ {
    let basic = written.starts_with('"');
    let mut chars = written.char_indices().peekable();
    std::iter::from_fn(move || {
        while basic && let Some((start, c)) = chars.next() {
            if c != '\\' {
                continue;
            }
            let (at, kind) = chars.next()?;
            let digits = match kind {
                'b' => return Some((start..at + 1, '\u{8}')),
                'e' => return Some((start..at + 1, '\u{1b}')),
                'f' => return Some((start..at + 1, '\u{c}')),
                'x' => 2,
                'u' => 4,
                'U' => 8,
                _ => continue,
            };
            let hex = written.get(at + 1..at + 1 + digits)?;
            for _ in 0..digits {
                chars.next();
            }
            let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
            return Some((start..at + 1 + digits, c));
        }
        None
    })
}

/// The byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, (line, col): (usize, usize)) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let in_line: usize = text[line_start..]
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    line_start + in_line
}

/// Parses a chapter's time (see [`crate::model::time::parse_timestamp`]); here for the fuzz
/// target and the tests that name it.
pub use crate::model::time::parse_timestamp;

/// The years every output can write a date of: RFC 2822 (the feed's `pubDate`) wants four
/// digits, and readers of iCalendar and ID3 misread the years before 1900.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Whether `day` is in [`YEARS`]: a day from the config, a tag or an option.
pub fn is_writable_date(day: NaiveDate) -> bool {
    YEARS.contains(&chrono::Datelike::year(&day))
}

/// The rule `check` and `session add` share: a recording is the recording of one session
/// (its published file, its tags and its GUID pin are the episode's). Two paths as written
/// name the same recording when they have the same key (`recordings/./a.mp3` is
/// `recordings/a.mp3`); `None` for a path that leaves the project.
pub fn recording_key(written: &str) -> Option<PathBuf> {
    inside_project(written).ok()
}

/// The error at a session naming a recording that the session on `first_line` names.
pub fn recording_taken(written: &str, first_line: usize) -> String {
    format!("`{written}` is already the recording of the session on line {first_line}")
}

/// Whether `id` is a slug: `[a-z0-9]+(-[a-z0-9]+)*`.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Parses an absolute `http` or `https` URL with a host.
pub fn parse_web_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    Ok(url)
}

fn with_trailing_slash(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Checks, without touching the disk, that a written path is relative and never climbs
/// out of the project folder.
fn inside_project(written: &str) -> Result<PathBuf, String> {
    let path = Path::new(written);
    let mut depth = 0usize;
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => {
                depth += 1;
                clean.push(part);
            }
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => {
                depth -= 1;
                clean.pop();
            }
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "path `{written}` must stay inside the project folder (write it relative to config.toml)"
                ));
            }
        }
    }
    if depth == 0 {
        return Err(format!("path `{written}` names no file"));
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_domains_reserved_for_examples() {
        for reserved in [
            "example.org",
            "EXAMPLE.com",
            "podcasts.example.net",
            "example.org.",
            "site.example",
        ] {
            assert!(is_example_domain(reserved), "{reserved}");
        }
        for real in [
            "mouton-numerique.org",
            "example.fr",
            "myexample.org",
            "example.org.fr",
        ] {
            assert!(!is_example_domain(real), "{real}");
        }
    }

    const MINIMAL: &str = r#"
[podcast]
title = "Cycle"
description = "Un cycle."
language = "fr"
base_url = "https://example.org/cycle"
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
time = "19:00"
title = "Première"
description = "La première."
"#;

    fn parse_str(text: &str) -> Result<Config, Vec<Problem>> {
        parse(text, "config.toml", Path::new("/project"))
    }

    /// The first line of each problem: where and what.
    fn messages(text: &str) -> Vec<String> {
        parse_str(text)
            .unwrap_err()
            .iter()
            .map(Problem::headline)
            .collect()
    }

    #[test]
    fn parses_a_minimal_cycle() {
        let config = parse_str(MINIMAL).unwrap();
        let cycle = &config.cycle;
        assert_eq!(
            cycle.podcast.base_url.as_str(),
            "https://example.org/cycle/"
        );
        assert_eq!(cycle.sessions[0].stem(), "01-premiere");
        assert_eq!(cycle.sessions[0].time, NaiveTime::from_hms_opt(19, 0, 0));
        assert_eq!(cycle.podcast.time_zone, chrono_tz::Europe::Paris);
    }

    #[test]
    fn rejects_unknown_config_fields_with_their_line_all_at_once() {
        let text = MINIMAL.replace("author = \"Org\"", "author = \"Org\"\nauthour = \"x\"")
            + "colour = \"red\"\n";
        let found = messages(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0],
            "config.toml:9:1: error: unknown key `podcast.authour`"
        );
        assert!(
            found[1].contains("unknown key `sessions[0].colour`"),
            "{found:?}"
        );
    }

    #[test]
    fn reports_every_semantic_error_together() {
        let text = MINIMAL
            .replace("2022-10-25", "2022-13-40")
            .replace("\"19:00\"", "\"7pm\"")
            .replace("https://example.org/cycle", "javascript:alert(1)")
            .replace("org@example.org", "nobody");
        let found = messages(&text);
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(
            found
                .iter()
                .any(|m| m
                    .contains(":6:12: error: `javascript:alert(1)` must be an http or https URL")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|m| m.contains("`2022-13-40` is not a date"))
        );
        assert!(found.iter().any(|m| m.contains("`7pm` is not a time")));
        assert!(
            found
                .iter()
                .any(|m| m.contains("`nobody` is not an email address"))
        );
    }

    #[test]
    fn rejects_duplicate_session_ids_and_numbers() {
        let second = &MINIMAL[MINIMAL.find("[[sessions]]").unwrap()..];
        let found = messages(&format!("{MINIMAL}{second}"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("session id `premiere` is already used on line 17"),
            "{found:?}"
        );
        assert!(
            found[1].contains("session number 1 is already used on line 18"),
            "{found:?}"
        );
    }

    #[test]
    fn rejects_paths_leaving_the_project() {
        let text = MINIMAL.replace(
            "description = \"La première.\"",
            "description = \"x\"\nrecording = \"../secret.mp3\"",
        );
        let found = messages(&text);
        assert!(
            found[0].contains("path `../secret.mp3` must stay inside the project folder"),
            "{found:?}"
        );
        let text = MINIMAL.replace(
            "description = \"La première.\"",
            "description = \"x\"\nrecording = \"/etc/passwd\"",
        );
        assert!(messages(&text)[0].contains("must stay inside the project folder"));
        assert_eq!(
            inside_project("recordings/../recordings/a.mp3").unwrap(),
            PathBuf::from("recordings/a.mp3")
        );
    }

    #[test]
    fn keeps_the_line_of_a_syntax_error() {
        let found = messages("[podcast]\ntitle = \"unterminated\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("config.toml:2:"), "{found:?}");
    }

    #[test]
    fn reports_a_missing_required_key() {
        let found = messages(&MINIMAL.replace("title = \"Cycle\"\n", ""));
        assert!(found[0].contains("missing field `title`"), "{found:?}");
    }

    #[test]
    fn allows_a_session_with_a_date_alone() {
        let config = parse_str(&MINIMAL.replace("time = \"19:00\"\n", "")).unwrap();
        assert_eq!(config.cycle.sessions[0].time, None);
    }

    #[test]
    fn rejects_ids_that_are_not_slugs() {
        let found = messages(&MINIMAL.replace("\"premiere\"", "\"Première rencontre\""));
        assert!(
            found[0].contains("must be lowercase ASCII letters"),
            "{found:?}"
        );
    }

    #[test]
    fn chooses_id3v2_3_unless_the_config_asks_for_2_4() {
        let version = |text: &str| parse_str(text).unwrap().cycle.podcast.id3_version;
        assert_eq!(version(MINIMAL), Id3Version::V23);
        let asking = |v: &str| {
            MINIMAL.replace(
                "author = \"Org\"",
                &format!("author = \"Org\"\nid3_version = \"{v}\""),
            )
        };
        assert_eq!(version(&asking("2.4")), Id3Version::V24);
        assert_eq!(version(&asking("2.3")), Id3Version::V23);
        assert_eq!(
            messages(&asking("2.2")),
            ["config.toml:9:15: error: unknown ID3 version `2.2`: expected \"2.3\" or \"2.4\""]
        );
    }

    #[test]
    fn reads_the_page_theme_folder_and_passage_languages() {
        let text = format!(
            "{MINIMAL}\n[[sessions.speakers]]\nname = \"A\"\naffiliation = \"Polish Academy of Sciences\"\nlang = \"en\"\n\n[[sessions.links]]\ntitle = \"Platform\"\nurl = \"https://example.org/\"\nlang = \"nl\"\n\n[page]\ntheme = \"theme\"\n"
        );
        let config = parse_str(&text).unwrap();
        let theme = config.theme.expect("a theme");
        assert_eq!(theme.path, PathBuf::from("/project/theme"));
        assert_eq!(theme.position.0, text.lines().count());
        let session = &config.cycle.sessions[0];
        assert_eq!(session.speakers[0].lang.as_deref(), Some("en"));
        assert_eq!(session.links[0].lang.as_deref(), Some("nl"));
    }

    #[test]
    fn rejects_a_malformed_language_tag_and_a_theme_outside_the_project() {
        let text = format!(
            "{MINIMAL}\n[[sessions.speakers]]\nname = \"A\"\nlang = \"en_GB\"\n\n[page]\ntheme = \"../theme\"\n"
        );
        let found = messages(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("`en_GB` is not a language tag"),
            "{found:?}"
        );
        assert!(
            found[1].contains("path `../theme` must stay inside the project folder"),
            "{found:?}"
        );
    }

    #[test]
    fn derives_the_podcast_guid_from_the_feed_url() {
        let a = parse_str(MINIMAL).unwrap().cycle.podcast.guid;
        let b = parse_str(&MINIMAL.replace("example.org/cycle", "example.org/other"))
            .unwrap()
            .cycle
            .podcast
            .guid;
        assert_ne!(a, b);
        assert_eq!(a, parse_str(MINIMAL).unwrap().cycle.podcast.guid);
    }

    #[test]
    fn underlines_the_whole_value_or_key_and_hints_at_the_fix() {
        let text = MINIMAL.replace("title = \"Première\"", "titel = \"Première\"");
        let problems = parse_str(&text).unwrap_err();
        let key = problems
            .iter()
            .find(|p| p.message.contains("titel"))
            .expect("the misspelled key");
        let excerpt = key.excerpt.as_ref().expect("an excerpt");
        assert_eq!(excerpt.line, "titel = \"Première\"");
        assert_eq!((excerpt.start, excerpt.width), (0, 5));
        assert_eq!(key.hint.as_deref(), Some("did you mean `title`?"));
        let date = parse_str(&MINIMAL.replace("2022-10-25", "2022-11-31")).unwrap_err();
        let excerpt = date[0].excerpt.as_ref().expect("an excerpt");
        assert_eq!((excerpt.start, excerpt.width), (7, 12));
        assert_eq!(
            date[0].hint.as_deref(),
            Some("November 2022 has 30 days, not 31")
        );
    }

    // Issue 11: `date = 2023-04-13`, unquoted, said "invalid type: map, expected a string".
    #[test]
    fn accepts_native_toml_dates_and_times() {
        let text = MINIMAL
            .replace("\"2022-10-25\"", "2022-10-25")
            .replace("\"19:00\"", "19:30:00")
            + "[[sessions.rebroadcasts]]\nshow = \"S\"\nstation = \"R\"\naired = 2022-11-02\nurl = \"https://radio.example/s\"\n";
        let config = parse_str(&text).unwrap_or_else(|p| panic!("{p:?}"));
        let session = &config.cycle.sessions[0];
        assert_eq!(session.date, NaiveDate::from_ymd_opt(2022, 10, 25).unwrap());
        assert!(session.date_written);
        assert_eq!(session.time, NaiveTime::from_hms_opt(19, 30, 0));
        assert_eq!(
            session.rebroadcasts[0].aired,
            NaiveDate::from_ymd_opt(2022, 11, 2)
        );
        // TOML 1.1 lets a time leave out its seconds.
        let short = MINIMAL.replace("\"19:00\"", "19:00");
        let config = parse_str(&short).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(
            config.cycle.sessions[0].time,
            NaiveTime::from_hms_opt(19, 0, 0)
        );
    }

    #[test]
    fn refuses_a_native_date_and_time_where_a_date_or_a_time_alone_is_expected() {
        let line = |text: &str, needle: &str| {
            text.lines().position(|l| l.starts_with(needle)).unwrap() + 1
        };
        let text = MINIMAL
            .replace("\"2022-10-25\"", "2022-10-25T19:00:00+02:00")
            .replace("\"19:00\"", "19:00:30");
        let found = messages(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        let (date, time) = (line(&text, "date ="), line(&text, "time ="));
        assert_eq!(
            found[0],
            format!(
                "config.toml:{date}:8: error: `2022-10-25T19:00:00+02:00` is not a date: write the day alone (YYYY-MM-DD, e.g. 2022-10-25) and the start in `time`"
            )
        );
        assert_eq!(
            found[1],
            format!(
                "config.toml:{time}:8: error: `19:00:30` is not a time: expected HH:MM, e.g. 19:00"
            )
        );
        let swapped = MINIMAL
            .replace("\"2022-10-25\"", "19:00:00")
            .replace("\"19:00\"", "2022-10-25");
        let found = messages(&swapped);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].ends_with("error: `19:00:00` is not a date: write the day alone (YYYY-MM-DD, e.g. 2022-10-25) and the start in `time`"), "{found:?}");
        assert!(
            found[1].ends_with("error: `2022-10-25` is not a time: expected HH:MM, e.g. 19:00"),
            "{found:?}"
        );
        let problems = parse_str(&text).unwrap_err();
        assert_eq!(problems[1].hint.as_deref(), Some("did you mean `19:00`?"));
    }

    #[test]
    fn asks_for_a_chapter_start_in_quotes_rather_than_a_time_of_day() {
        let text =
            MINIMAL.to_string() + "[[sessions.chapters]]\nstart = 00:00:00\ntitle = \"Début\"\n";
        let found = messages(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].ends_with("error: a chapter start is written in quotes, e.g. \"12:30\": unquoted, `00:00:00` is a time of day"),
            "{found:?}"
        );
    }

    #[test]
    fn finds_the_end_of_the_token_an_offset_starts() {
        fn span(text: &str) -> &str {
            &text[token_span(text, 0)]
        }
        assert_eq!(span("\"a \\\" b\" # c"), "\"a \\\" b\"");
        assert_eq!(span("'a\\' b"), "'a\\'");
        assert_eq!(span("key = 1"), "key");
        assert_eq!(span("\"\"\"\nx\"\"\" y"), "\"\"\"\nx\"\"\"");
        assert_eq!(span("\"open\nx"), "\"open");
        assert_eq!(span(""), "");
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(offset_of(text, (2, 6)), text.find('"').unwrap());
    }

    // Issue 11: a control character in a text was written into feed.xml, which no client
    // could parse then.
    #[test]
    fn refuses_control_characters_written_or_escaped_at_their_position() {
        let raw = MINIMAL.replace("title = \"Cycle\"", "title = \"Cy\u{b}cle\"");
        assert_eq!(
            messages(&raw),
            [
                "config.toml:3:12: error: U+000B (vertical tab) is not allowed in a text: feeds (XML 1.0) and terminals cannot carry control characters"
            ]
        );
        let c1 = MINIMAL.replace("name = \"Org\"\n\n", "name = \"O\u{85}rg\"\n\n");
        let found = messages(&c1);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("config.toml:14:10: error: U+0085 (next line)"),
            "{found:?}"
        );
        for (escape, named) in [
            ("\\u0000", "U+0000 (null)"),
            ("\\b", "U+0008 (backspace)"),
            ("\\e", "U+001B (escape)"),
            ("\\x7F", "U+007F (delete)"),
            ("\\U0000FFFF", "U+FFFF (noncharacter)"),
        ] {
            let text = MINIMAL.replace("La première.", &format!("La \\\\ {escape}première."));
            let found = messages(&text);
            assert_eq!(found.len(), 1, "{escape}: {found:?}");
            assert!(
                found[0].starts_with(&format!("config.toml:22:22: error: {named} is not allowed")),
                "{escape}: {found:?}"
            );
        }
        assert!(parse_str(&MINIMAL.replace("La première.", "La\\tpremière.\\n")).is_ok());
    }

    // Issue 11: `+10000-01-01` passed and then panicked in publish (no RFC 2822 form);
    // `0000-01-01` gave a pubDate no reader accepts.
    #[test]
    fn refuses_dates_outside_the_years_every_output_can_write() {
        for written in [
            "\"+10000-01-01\"",
            "\"-0001-01-01\"",
            "\"0000-01-01\"",
            "\"1899-12-31\"",
            "0000-01-01",
            "1899-12-31",
        ] {
            let text = MINIMAL.replace("\"2022-10-25\"", written)
                + "[[sessions.rebroadcasts]]\nshow = \"S\"\nstation = \"R\"\naired = "
                + written
                + "\nurl = \"https://radio.example/s\"\n";
            let found = messages(&text);
            assert_eq!(found.len(), 2, "{written}: {found:?}");
            let shown = written.trim_matches('"');
            assert_eq!(
                found[0],
                format!(
                    "config.toml:19:8: error: `{shown}` is out of range: a date must be in the years 1900 to 9999"
                )
            );
            assert!(
                found[1].starts_with("config.toml:26:9: error: `"),
                "{found:?}"
            );
        }
        for fine in ["1900-01-01", "9999-12-31"] {
            assert!(
                parse_str(&MINIMAL.replace("2022-10-25", fine)).is_ok(),
                "{fine}"
            );
        }
    }

    // Issue 11: a chapter start too large for a u64 overflowed (a panic in a debug build).
    #[test]
    fn refuses_a_chapter_start_too_large_to_hold() {
        assert_eq!(parse_timestamp("18446744073709551:00:00"), None);
        assert_eq!(parse_timestamp("99999999999999999999"), None);
        assert_eq!(parse_timestamp("1:02:03.5"), Some(3_723_500));
        let text = MINIMAL.to_string()
            + "[[sessions.chapters]]\nstart = \"0:00\"\ntitle = \"A\"\n[[sessions.chapters]]\nstart = \"18446744073709551:00:00\"\ntitle = \"B\"\n";
        let found = messages(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("is not a chapter start"), "{found:?}");
    }

    // Issue 11: episode titles and descriptions had no limit (1 MB accepted) while the
    // podcast description was capped at 4,000 bytes.
    #[test]
    fn applies_the_directories_length_limits_to_every_episode_text_at_its_value() {
        let long = |n: usize| "é".repeat(n);
        let text = MINIMAL
            .replace(
                "title = \"Première\"",
                &format!("title = \"{}\"", long(256)),
            )
            .replace("La première.", &long(2001))
            + &format!(
                "[[sessions.speakers]]\nname = \"{}\"\n[[sessions.chapters]]\nstart = \"0:00\"\ntitle = \"{}\"\n[[sessions.links]]\ntitle = \"{}\"\nurl = \"https://example.org/\"\n[[sessions.reports]]\ntitle = \"{}\"\nurl = \"https://example.org/r\"\n",
                long(129),
                long(256),
                long(256),
                long(256)
            );
        let found = messages(&text);
        let expected = [
            "config.toml:21:9: error: this text is 256 characters long: podcast directories accept at most 255",
            "config.toml:22:15: error: this text is 4,002 bytes long: podcast directories accept at most 4,000",
            "config.toml:24:8: error: this text is 129 characters long: podcast directories accept at most 128",
            "config.toml:27:9: error: this text is 256 characters long: podcast directories accept at most 255",
            "config.toml:29:9: error: this text is 256 characters long: podcast directories accept at most 255",
            "config.toml:32:9: error: this text is 256 characters long: podcast directories accept at most 255",
        ];
        assert_eq!(found, expected);
        let fine = MINIMAL
            .replace(
                "title = \"Première\"",
                &format!("title = \"{}\"", long(255)),
            )
            .replace("La première.", &long(2000));
        assert!(parse_str(&fine).is_ok());
    }

    // Issue 11: `check` accepted two sessions naming the same recording, which `session add`
    // refused.
    #[test]
    fn refuses_a_recording_named_by_two_sessions_at_the_second() {
        let text = MINIMAL.replace(
            "description = \"La première.\"",
            "description = \"x\"\nrecording = \"recordings/a.mp3\"",
        ) + "\n[[sessions]]\nid = \"seconde\"\nnumber = 2\nrecording = \"recordings/./a.mp3\"\n";
        assert_eq!(
            messages(&text),
            [
                "config.toml:28:13: error: `recordings/./a.mp3` is already the recording of the session on line 23"
            ]
        );
    }
}
