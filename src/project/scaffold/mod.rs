//! Starting and growing a cycle: `init` writes a new project folder, `session add` appends a
//! session to its `config.toml`.
//!
//! The text work is pure: [`render_config`] fills a commented template, [`next_number`] and
//! [`session_id_from_title`] guess a new session's number and id, and [`append_session`]
//! returns the config followed by the new `[[sessions]]` table. [`init`],
//! [`plan_session_add`] (which reads) and [`write_session`] do the IO. `session add` never rewrites what the file holds: the new text is the old
//! text, byte for byte, followed by the new table, written under a temporary name and
//! renamed over the config.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveTime};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
use url::Url;

mod ids;

use ids::unique_id;
pub use ids::{next_number, session_id_from_title};

use crate::model::lang::{Lang, Language};
use crate::model::problem::{Problem, Problems};

/// The width of the comment rule above each appended session, as in the repository's config.
const HEADING_WIDTH: usize = 79;

// A new project's language is the model's [`Language`]: `language = "fr"` and comments in
// French, or `language = "en"` and comments in English.

/// The commented `config.toml` template; valid TOML that passes `check` as it is.
fn config_template(language: Language) -> &'static str {
    match language {
        Language::French => include_str!("config.fr.toml"),
        Language::English => include_str!("config.en.toml"),
    }
}

/// The title a new project gets when none is given (it starts with one of
/// [`PLACEHOLDER_MARKS`](crate::project::config::PLACEHOLDER_MARKS)).
pub fn placeholder_title(language: Language) -> &'static str {
    match language {
        Language::French => "À compléter : titre du cycle",
        Language::English => "To fill in: the series' title",
    }
}

/// The description a new session gets when none is given (it starts with one of
/// [`PLACEHOLDER_MARKS`](crate::project::config::PLACEHOLDER_MARKS)).
fn description_placeholder(language: Language) -> &'static str {
    match language {
        Language::French => "À compléter : de quoi parle la rencontre, avec qui.\n",
        Language::English => "To fill in: what the session is about, with whom.\n",
    }
}

fn recordings_readme(language: Language) -> &'static str {
    match language {
        Language::French => {
            "# Enregistrements\n\n\
             Déposer ici l'enregistrement de chaque rencontre (MP3 ou M4A/AAC), puis\n\
             l'ajouter au cycle :\n\n\
             \x20   cyclecast session add --recording recordings/01-sujet.mp3\n\n\
             Le titre, la date et la description viennent de ses étiquettes ; donner\n\
             --title \"Titre\" et --date AAAA-MM-JJ quand elles ne les ont pas.\n\n\
             cyclecast ne fait que lire ce dossier : il n'y modifie, n'y déplace et n'y\n\
             efface jamais rien.\n"
        }
        Language::English => {
            "# Recordings\n\n\
             Drop each session's recording here (MP3 or M4A/AAC), then add it to the\n\
             cycle:\n\n\
             \x20   cyclecast session add --recording recordings/01-topic.mp3\n\n\
             The title, date and description come from its tags; give --title \"Title\"\n\
             and --date YYYY-MM-DD when they lack them.\n\n\
             cyclecast only reads this folder: it never changes, moves or deletes\n\
             anything in it.\n"
        }
    }
}

fn gitignore_text(language: Language) -> &'static str {
    match language {
        Language::French => {
            "# Ce que `cyclecast publish` écrit, refait à partir de config.toml et recordings/.\n\
             feed/\n\
             # Ce que cyclecast garde pour lui : les fichiers qu'il a écrits dans chaque dossier publié,\n\
             # et ce qu'il sait de la dernière publication.\n\
             .cyclecast/\n\
             # Ce que laisse à côté de feed/ une publication interrompue.\n\
             .*.publish-lock\n\
             .*.next/\n"
        }
        Language::English => {
            "# What `cyclecast publish` writes, made again from config.toml and recordings/.\n\
             feed/\n\
             # What cyclecast keeps for itself: the files it wrote into each output folder, and what\n\
             # it knows of the last publish.\n\
             .cyclecast/\n\
             # What a publish that was killed leaves beside feed/.\n\
             .*.publish-lock\n\
             .*.next/\n"
        }
    }
}

/// The placeholder address a new project gets when none is given: a valid address on a
/// domain reserved for examples, marked as a placeholder by a comment after it.
pub const PLACEHOLDER_BASE_URL: &str = "https://example.org/cycle/";

/// What `init` is asked to make.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The project folder; created when missing.
    pub dir: PathBuf,
    /// The podcast's title [default: a placeholder].
    pub title: Option<String>,
    /// The cycle's language, and the config's comments'.
    pub language: Language,
    /// Where `feed/` will be deployed [default: a placeholder].
    pub base_url: Option<Url>,
}

/// What `init` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// The new `config.toml`.
    pub config: PathBuf,
    /// Every file and folder made, the config first.
    pub created: Vec<PathBuf>,
    /// Files that existed and were added to (a `.gitignore` that did not ignore `feed/` or
    /// `.cyclecast/`).
    pub extended: Vec<PathBuf>,
}

/// The text of a new project's `config.toml`: the language's commented template with the
/// title and address set when given, their placeholders (marked as such) when not.
/// Everything else in the template is kept as written.
pub fn render_config(language: Language, title: Option<&str>, base_url: Option<&Url>) -> String {
    let mut document: DocumentMut = config_template(language)
        .parse()
        .expect("the built-in templates are valid TOML (tested)");
    let podcast = &mut document["podcast"];
    // A new value drops the placeholder's mark, a comment after the old one.
    if let Some(title) = title {
        podcast["title"] = value(title);
    }
    if let Some(base_url) = base_url {
        podcast["base_url"] = value(base_url.as_str());
    }
    document.to_string()
}

/// Makes a new project in `options.dir`: a commented `config.toml`, an empty `recordings/`
/// (holding a short README) and a `.gitignore` ignoring `feed/`. Refuses, writing nothing,
/// when the folder already holds a `config.toml`.
pub fn init(options: &InitOptions) -> Result<Initialized> {
    let title = options.title.as_deref().map(str::trim);
    if let Some(problem) = title.and_then(|t| one_line_text_problem(t, "title")) {
        bail!("{problem}");
    }
    let dir = &options.dir;
    let config = dir.join("config.toml");
    if config.symlink_metadata().is_ok() {
        bail!(
            "`{}` already exists: nothing written (`init` only starts a new project)",
            config.display()
        );
    }
    if dir.exists() && !dir.is_dir() {
        bail!("`{}` is not a folder", dir.display());
    }
    let mut created = Vec::new();
    if !dir.exists() {
        fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
        created.push(dir.clone());
    }
    write_new(
        &config,
        &render_config(options.language, title, options.base_url.as_ref()),
    )?;
    created.push(config.clone());
    let recordings = dir.join("recordings");
    if !recordings.exists() {
        fs::create_dir(&recordings)
            .with_context(|| format!("failed to create `{}`", recordings.display()))?;
        created.push(recordings.clone());
    }
    let readme = recordings.join("README.md");
    if recordings.is_dir() && !readme.exists() {
        write_new(&readme, recordings_readme(options.language))?;
        created.push(readme);
    }
    let mut extended = Vec::new();
    let gitignore = dir.join(".gitignore");
    if gitignore.exists() {
        if add_to_gitignore(&gitignore)? {
            extended.push(gitignore);
        }
    } else {
        write_new(&gitignore, gitignore_text(options.language))?;
        created.push(gitignore);
    }
    Ok(Initialized {
        config,
        created,
        extended,
    })
}

/// Appends `feed/` and `.cyclecast/` to an existing `.gitignore` that does not ignore them
/// yet; returns whether it did.
fn add_to_gitignore(path: &Path) -> Result<bool> {
    // Read and appended to only as a regular file: never through a symbolic link.
    let text = String::from_utf8(crate::support::fs::read_regular(path, 1024 * 1024)?)
        .with_context(|| format!("`{}` is not UTF-8 text", path.display()))?;
    let ignores = |names: &[&str]| text.lines().map(str::trim).any(|l| names.contains(&l));
    let mut missing = String::new();
    if !ignores(&["feed", "feed/", "/feed", "/feed/"]) {
        missing.push_str("feed/\n");
    }
    if !ignores(&[".cyclecast", ".cyclecast/", "/.cyclecast", "/.cyclecast/"]) {
        missing.push_str(".cyclecast/\n");
    }
    if missing.is_empty() {
        return Ok(false);
    }
    let separator = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let mut file = fs::OpenOptions::new()
        .append(true)
        .custom_flags(crate::support::fs::no_follow_flags())
        .open(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    file.write_all(format!("{separator}{missing}").as_bytes())
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(true)
}

/// Writes a file that must not exist yet; removes what it wrote if writing fails.
fn write_new(path: &Path, text: &str) -> Result<()> {
    let mut file = fs::File::create_new(path)
        .with_context(|| format!("failed to create `{}`", path.display()))?;
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        let _ = fs::remove_file(path);
        return Err(e).with_context(|| format!("failed to write `{}`", path.display()));
    }
    Ok(())
}

/// Parses a session's day, `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| format!("`{text}` is not a date: expected YYYY-MM-DD, e.g. 2023-04-13"))
        .and_then(|day| {
            if crate::project::config::is_writable_date(day) {
                Ok(day)
            } else {
                let years = crate::project::config::YEARS;
                Err(format!(
                    "`{text}` is out of range: a date must be in the years {} to {}",
                    years.start(),
                    years.end()
                ))
            }
        })
}

/// Parses a session's start time, `HH:MM`.
pub fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .ok()
        .filter(|_| text.len() == 5)
        .ok_or_else(|| format!("`{text}` is not a time: expected HH:MM, e.g. 19:00"))
}

/// A session to append, every value checked. A value left out (`None`) is one the config
/// takes from the recording's tags each time it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// Its id: a slug, not used by another session.
    pub id: String,
    /// Its number, not used by another session.
    pub number: u32,
    /// Its day, unless the recording's date tag gives it.
    pub date: Option<NaiveDate>,
    /// Its start time, when known.
    pub time: Option<NaiveTime>,
    /// Its title, one line, unless the recording's title tag gives it.
    pub title: Option<String>,
    /// Its recording, as written in the config: relative to it, with `/` separators.
    pub recording: Option<String>,
    /// Its description, unless the recording's comment tag gives it.
    pub description: Option<String>,
}

/// What `session add` is asked to append.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The project's config file.
    pub config: PathBuf,
    /// The session's title [default: the recording's title tag].
    pub title: Option<String>,
    /// Its day, `YYYY-MM-DD` as given [default: the recording's date tag].
    pub date: Option<String>,
    /// Its start time, `HH:MM` as given.
    pub time: Option<String>,
    /// Its recording, relative to the current folder; it must be inside the project. Its
    /// tags give what the other options leave out.
    pub recording: Option<PathBuf>,
    /// Its id [default: made from the title].
    pub id: Option<String>,
    /// Its number [default: the highest number + 1].
    pub number: Option<u32>,
    /// Its description [default: a placeholder in the cycle's language].
    pub description: Option<String>,
}

/// What `session add` is to append, every value checked: [`write_session`] appends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The session.
    pub session: NewSession,
    /// The config file.
    pub config: PathBuf,
    /// The text appended to the config.
    pub appended: String,
    /// Whether the id was guessed from the title rather than given.
    pub id_guessed: bool,
    /// Whether the description is the placeholder, to be written by hand.
    pub placeholder_description: bool,
    /// What the config takes from the recording's tags, in the order of [`TAKEN_FROM_TAGS`].
    pub from_tags: Vec<FromTags>,
    /// The config's text as it was read, which the write checks is still there.
    before: String,
}

/// A value the new session leaves out of the config because the recording's tags give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromTags {
    /// What it is: one of [`TAKEN_FROM_TAGS`].
    pub field: &'static str,
    /// The tag's text, as the config will read it.
    pub value: String,
}

/// What the config takes from a recording's tags when a session leaves it out: `title`,
/// `date` (a full date tag), `description` (the comment) and `speakers` (the artist).
pub const TAKEN_FROM_TAGS: [&str; 4] = ["title", "date", "description", "speakers"];

/// A session already in the config, as far as `session add` needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Existing {
    id: Option<(String, usize)>,
    number: Option<(i64, usize)>,
    recording: Option<(String, usize)>,
}

/// The config's text followed by the session's `[[sessions]]` table: every byte of `text`
/// is kept as it is.
pub fn append_session(text: &str, session: &NewSession) -> String {
    format!("{text}{}", appended_text(text, session))
}

/// What [`append_session`] adds after `text`: a line break if the text lacks its last one, a
/// blank line, a heading comment in the cycle's language, then the table.
fn appended_text(text: &str, session: &NewSession) -> String {
    let mut prefix = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        prefix.push('\n');
    }
    if !text.is_empty() && !text.ends_with("\n\n") && !text.ends_with("\n\r\n") {
        prefix.push('\n');
    }
    // The word the pages use for a session (`render::labels`), which `project` may not use.
    let label = if cycle_lang(text).is_french() {
        "Rencontre"
    } else {
        "Session"
    };
    prefix.push_str(&heading(label, session.number));
    prefix.push('\n');
    let mut table = Table::new();
    table.insert("id", value(&session.id));
    table.insert("number", value(i64::from(session.number)));
    if let Some(date) = session.date {
        table.insert("date", value(date.format("%Y-%m-%d").to_string()));
    }
    if let Some(time) = session.time {
        table.insert("time", value(time.format("%H:%M").to_string()));
    }
    if let Some(title) = &session.title {
        table.insert("title", value(title));
    }
    if let Some(recording) = &session.recording {
        table.insert("recording", value(recording));
    }
    if let Some(description) = &session.description {
        let mut description = description.trim().to_string();
        // Ending with a line break makes toml_edit write a `"""` block, as the sessions above do.
        description.push('\n');
        table.insert("description", value(description));
    }
    table.decor_mut().set_prefix(prefix);
    let mut sessions = ArrayOfTables::new();
    sessions.push(table);
    let mut document = DocumentMut::new();
    document.insert("sessions", Item::ArrayOfTables(sessions));
    let appended = document.to_string();
    if text.contains("\r\n") {
        appended.replace('\n', "\r\n")
    } else {
        appended
    }
}

/// `# ─── Rencontre #6 ───…`, as wide as the headings of the repository's config.
fn heading(label: &str, number: u32) -> String {
    let start = format!("# ─── {label} #{number} ");
    let rule = HEADING_WIDTH.saturating_sub(start.chars().count()).max(3);
    format!("{start}{}", "─".repeat(rule))
}

/// The cycle's language as the config names it; French when it names none that has labels.
fn cycle_lang(text: &str) -> Lang {
    let fallback = || Lang::from_tag("fr").expect("fr is built in");
    let Ok(document) = text.parse::<DocumentMut>() else {
        return fallback();
    };
    document
        .get("podcast")
        .and_then(|p| p.get("language"))
        .and_then(Item::as_str)
        .and_then(Lang::from_tag)
        .unwrap_or_else(fallback)
}

/// The sessions the config holds; a problem when it is not TOML, or writes its sessions in
/// a way a `[[sessions]]` table cannot be appended to.
fn existing_sessions(text: &str, file: &str) -> Result<Vec<Existing>, Problems> {
    let document = toml_edit::Document::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim_end().replace('\n', "; ");
        Problems(vec![Problem::at(
            file,
            text,
            offset,
            format!("not valid TOML: {message}"),
        )])
    })?;
    let Some(item) = document.get("sessions") else {
        return Ok(Vec::new());
    };
    let Some(tables) = item.as_array_of_tables() else {
        let offset = item.span().map_or(0, |s| s.start);
        return Err(Problems(vec![Problem::at(
            file,
            text,
            offset,
            "`sessions` is not written as `[[sessions]]` tables, so a session cannot be appended",
        )]));
    };
    let line = |item: &Item| {
        item.span()
            .map_or(0, |s| crate::model::problem::line_col(text, s.start).0)
    };
    Ok(tables
        .iter()
        .map(|table| Existing {
            id: table
                .get("id")
                .and_then(|i| Some((i.as_str()?.to_string(), line(i)))),
            number: table
                .get("number")
                .and_then(|n| Some((n.as_integer()?, line(n)))),
            recording: table
                .get("recording")
                .and_then(|r| Some((r.as_str()?.to_string(), line(r)))),
        })
        .collect())
}

/// Plans appending a session to the config: checks every value and reports every problem at
/// once; writes nothing.
pub fn plan_session_add(options: &SessionOptions) -> Result<Added> {
    let config = &options.config;
    let file = config.display().to_string();
    let text = crate::support::fs::read_to_string(config)?;
    let existing = existing_sessions(&text, &file)?;
    let (planned, problems) = plan_session(options, &text, &existing);
    if !problems.is_empty() {
        return Err(Problems(problems).into());
    }
    let Planned {
        session,
        from_tags,
        placeholder_description,
    } = planned;
    let new_text = append_session(&text, &session);
    let after = existing_sessions(&new_text, &file)?;
    if after.len() != existing.len() + 1 {
        bail!("appending to `{file}` would not add a session: nothing written");
    }
    Ok(Added {
        appended: new_text[text.len()..].to_string(),
        session,
        config: config.clone(),
        id_guessed: options.id.is_none(),
        placeholder_description,
        from_tags,
        before: text,
    })
}

/// Appends a planned session to the config: writes it under a temporary name and renames
/// it; refuses, writing nothing, when the config changed since it was planned.
pub fn write_session(added: &Added) -> Result<()> {
    let new_text = format!("{}{}", added.before, added.appended);
    replace_file(&added.config, &added.before, &new_text)
}

/// The config's text with session `id`'s `recording` set to `written` (a path relative to
/// the config): every other byte, comments included, is kept as it is. `file` names the
/// config in errors. An error when the text is not TOML or has no session `id`.
pub fn set_recording(text: &str, file: &str, id: &str, written: &str) -> Result<String> {
    let mut document: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        anyhow::anyhow!("`{file}` is not valid TOML: {}", e.message().trim_end())
    })?;
    let session = document
        .get_mut("sessions")
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|tables| {
            tables
                .iter_mut()
                .find(|table| table.get("id").and_then(Item::as_str) == Some(id))
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "`{file}` has no session with id `{}`\n  = hint: `cyclecast session add` adds one",
                crate::model::text::printable(id)
            )
        })?;
    session["recording"] = value(written);
    Ok(document.to_string())
}

/// Points session `id` of the config at the recording `written` ([`set_recording`]), written
/// under a temporary name and renamed over the config, never through a symbolic link.
pub fn point_recording(config: &Path, id: &str, written: &str) -> Result<()> {
    let text = crate::support::fs::read_to_string(config)?;
    let new_text = set_recording(&text, &config.display().to_string(), id, written)?;
    replace_file(config, &text, &new_text)
}

/// The session [`plan_session`] made of the options, and where its values come from.
struct Planned {
    session: NewSession,
    from_tags: Vec<FromTags>,
    placeholder_description: bool,
}

/// Checks the options against the config and the recording's tags; returns the session to
/// append and every problem. Flags win over tags; a title, a date or a description the
/// tags give is left out of the session, for the config to take from them.
fn plan_session(
    options: &SessionOptions,
    text: &str,
    existing: &[Existing],
) -> (Planned, Vec<Problem>) {
    let file = options.config.display().to_string();
    let mut problems = Vec::new();
    // The recording first: its tags stand in for the options left out.
    let recording = options.recording.as_ref().and_then(|path| {
        match recording_in_project(path, &options.config) {
            Ok(written) => {
                // The config's rule, so that `check` and `session add` agree.
                let key = crate::project::config::recording_key(&written);
                let first = existing.iter().find_map(|e| {
                    let (taken, line) = e.recording.as_ref()?;
                    (crate::project::config::recording_key(taken) == key).then_some(*line)
                });
                match first {
                    Some(line) => {
                        let why = crate::project::config::recording_taken(&written, line);
                        problems.push(Problem::error(file.as_str(), why));
                        None
                    }
                    None => Some((path, written)),
                }
            }
            Err(why) => {
                problems.push(Problem::error(path.display().to_string(), why));
                None
            }
        }
    });
    let tags =
        recording
            .as_ref()
            .and_then(|(path, _)| match crate::audio::probe::probe_file(path) {
                Ok(info) => Some((path.display().to_string(), info.tags)),
                Err(e) => {
                    problems.push(Problem::error(
                        path.display().to_string(),
                        format!("cannot read the recording: {e}"),
                    ));
                    None
                }
            });
    let mut from_tags = Vec::new();
    let tag =
        |read: fn(&crate::model::Tags) -> Option<String>| tags.as_ref().and_then(|(_, t)| read(t));
    // What the options and the tags both leave out: said at the recording when its tags were
    // read, at the config otherwise; `give` is how the hint writes the option.
    let missing = |what: &str, tag: &str, give: &str| {
        let flag = give.split(' ').next().unwrap_or(give);
        match &tags {
            Some((shown, _)) => Problem::error(
                shown.as_str(),
                format!("the recording has no {tag} tag, and {flag} is not given"),
            )
            .with_hint(format!("give {give} or tag the recording")),
            None => Problem::error(
                file.as_str(),
                format!("the session has no {what}: {flag} is not given"),
            )
            .with_hint(format!(
                "give {give}, or --recording a file whose tags hold it"
            )),
        }
    };
    let title = match options.title.as_deref().map(str::trim) {
        Some(title) => {
            if let Some(why) = one_line_text_problem(title, "title") {
                problems.push(Problem::error(&file, why));
            }
            Some(title.to_string())
        }
        None => {
            match tag(|t| crate::project::tags::filled(&t.title)) {
                Some(title) => from_tags.push(FromTags {
                    field: "title",
                    value: title,
                }),
                None => problems.push(missing("title", "title", "--title \"…\"")),
            }
            None
        }
    };
    let date = match options.date.as_deref() {
        Some(date) => parse_date(date)
            .map_err(|why| {
                let problem = Problem::error(&file, format!("--date: {why}"));
                problems.push(problem.with_hint(crate::project::config::hint::date(date)));
            })
            .ok(),
        None => {
            let day = tag(|t| {
                t.date
                    .as_deref()
                    .and_then(crate::project::tags::full_date)
                    .map(|d| d.to_string())
            });
            match day {
                Some(day) => from_tags.push(FromTags {
                    field: "date",
                    value: day,
                }),
                None => problems.push(missing(
                    "date",
                    "full date (YYYY-MM-DD)",
                    "--date YYYY-MM-DD",
                )),
            }
            None
        }
    };
    let time = options.time.as_deref().and_then(|time| {
        parse_time(time)
            .map_err(|why| {
                let problem = Problem::error(&file, format!("--time: {why}"));
                problems.push(problem.with_hint(crate::project::config::hint::time(time)));
            })
            .ok()
    });
    let mut problem = |message: String| problems.push(Problem::error(&file, message));
    let taken_numbers: Vec<i64> = existing.iter().filter_map(|e| Some(e.number?.0)).collect();
    let number = match options.number {
        Some(n) => n,
        None => next_number(taken_numbers.iter().copied()),
    };
    if !(1..=9999).contains(&number) {
        problem(format!(
            "session number {number} is out of range: it must be between 1 and 9999"
        ));
    } else if let Some(line) = existing.iter().find_map(|e| {
        e.number
            .filter(|(n, _)| *n == i64::from(number))
            .map(|(_, l)| l)
    }) {
        problem(format!(
            "session number {number} is already used on line {line}"
        ));
    }
    let taken_ids: Vec<&str> = existing
        .iter()
        .filter_map(|e| e.id.as_ref().map(|(id, _)| id.as_str()))
        .collect();
    let id = match &options.id {
        Some(id) => {
            if !crate::project::config::is_slug(id) {
                problem(format!(
                    "session id `{id}` must be lowercase ASCII letters, digits and single dashes (it names the session's files and URLs)"
                ));
            } else if let Some((_, line)) = existing
                .iter()
                .find_map(|e| e.id.as_ref().filter(|(taken, _)| taken == id))
            {
                problem(format!("session id `{id}` is already used on line {line}"));
            }
            id.clone()
        }
        None => {
            let known_title = title.as_deref().or_else(|| {
                from_tags
                    .iter()
                    .find(|f| f.field == "title")
                    .map(|f| f.value.as_str())
            });
            let base = session_id_from_title(known_title.unwrap_or_default());
            let base = if base.is_empty() {
                format!("session-{number}")
            } else {
                base
            };
            unique_id(&base, &taken_ids)
        }
    };
    let mut placeholder_description = false;
    let description = match &options.description {
        Some(d) if d.trim().is_empty() => {
            problem("the description must not be empty".to_string());
            None
        }
        Some(d) => match crate::model::text::forbidden_problem(d) {
            Some(why) => {
                problem(format!("the description's {why}"));
                None
            }
            None => Some(d.clone()),
        },
        None => match tag(|t| crate::project::tags::filled(&t.comment)) {
            Some(comment) => {
                from_tags.push(FromTags {
                    field: "description",
                    value: comment,
                });
                None
            }
            None => {
                placeholder_description = true;
                let language = cycle_lang(text).language;
                Some(description_placeholder(language).to_string())
            }
        },
    };
    // Sessions get no speakers from `session add`: the artist tag names them.
    if let Some(artist) = tag(|t| crate::project::tags::filled(&t.artist)) {
        from_tags.push(FromTags {
            field: "speakers",
            value: artist,
        });
    }
    let session = NewSession {
        id,
        number,
        date,
        time,
        title,
        recording: recording.map(|(_, written)| written),
        description,
    };
    let planned = Planned {
        session,
        from_tags,
        placeholder_description,
    };
    (planned, problems)
}

/// Why a title cannot be written as given, if it cannot.
fn one_line_text_problem(text: &str, what: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some(format!("the {what} must not be empty"))
    } else if text.contains(['\n', '\r']) {
        Some(format!("the {what} must be one line"))
    } else {
        crate::model::text::forbidden_problem(text).map(|why| format!("the {what}'s {why}"))
    }
}

/// The recording's path as the config writes it (relative to the config, `/` separators),
/// once it is known to be a file inside the project (which session may use it is the config's rule).
fn recording_in_project(path: &Path, config: &Path) -> Result<String, String> {
    let real = path.canonicalize().map_err(|_| {
        "the recording does not exist (paths are relative to the current folder)".to_string()
    })?;
    if !real.is_file() {
        return Err("the recording is not a file".to_string());
    }
    let root = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve the project folder: {e}"))?;
    let relative = real.strip_prefix(&root).map_err(|_| {
        format!(
            "the recording is outside the project folder `{}`: move or copy it into recordings/ first",
            root.display()
        )
    })?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    let written = parts
        .ok_or_else(|| "the recording's path is not valid UTF-8".to_string())?
        .join("/");
    Ok(written)
}

/// Replaces `path`'s text `old` with `new`: writes a temporary file beside it with the same
/// permissions, then renames it over `path` ([`crate::support::fs::write_new_then_rename`],
/// which never writes through a link), so a reader sees either file whole. Refuses if the
/// file changed since it was read.
fn replace_file(path: &Path, old: &str, new: &str) -> Result<()> {
    let permissions = fs::metadata(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?
        .permissions();
    if crate::support::fs::read_to_string(path)? != old {
        bail!(
            "`{}` changed while cyclecast was editing it: nothing written",
            path.display()
        );
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    crate::support::fs::write_new_then_rename(&temporary, path, |file| {
        file.write_all(new.as_bytes())?;
        file.set_permissions(permissions)
    })
    .with_context(|| format!("failed to replace `{}`", path.display()))
}

#[cfg(test)]
mod tests;
