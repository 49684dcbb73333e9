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

use crate::model::lang::Lang;
use crate::model::problem::{Problem, Problems};

/// The longest id [`session_id_from_title`] makes, before a `-2` suffix: ids name files and
/// URLs, which stay readable when short.
const MAX_ID_LEN: usize = 40;

/// The width of the comment rule above each appended session, as in the repository's config.
const HEADING_WIDTH: usize = 79;

/// The language of a new project: its config's comments and placeholders, and its `language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// `language = "fr"`, comments in French.
    #[default]
    French,
    /// `language = "en"`, comments in English.
    English,
}

impl Language {
    /// The commented `config.toml` template; valid TOML that passes `check` as it is.
    fn config_template(self) -> &'static str {
        match self {
            Language::French => include_str!("config.fr.toml"),
            Language::English => include_str!("config.en.toml"),
        }
    }

    /// The title a new project gets when none is given (it starts with one of
    /// [`PLACEHOLDER_MARKS`](crate::project::config::PLACEHOLDER_MARKS)).
    pub fn placeholder_title(self) -> &'static str {
        match self {
            Language::French => "À compléter : titre du cycle",
            Language::English => "To fill in: the series' title",
        }
    }

    /// The description a new session gets when none is given (it starts with one of
    /// [`PLACEHOLDER_MARKS`](crate::project::config::PLACEHOLDER_MARKS)).
    fn placeholder_description(self) -> &'static str {
        match self {
            Language::French => "À compléter : de quoi parle la rencontre, avec qui.\n",
            Language::English => "To fill in: what the session is about, with whom.\n",
        }
    }

    fn recordings_readme(self) -> &'static str {
        match self {
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

    fn gitignore(self) -> &'static str {
        match self {
            Language::French => {
                "# Ce que `cyclecast publish` écrit, refait à partir de config.toml et recordings/.\n\
                 feed/\n\
                 # Ce que cyclecast garde pour lui : les fichiers qu'il a écrits dans chaque dossier publié.\n\
                 .cyclecast/\n\
                 # Ce que laisse à côté de feed/ une publication interrompue.\n\
                 .*.publish-lock\n\
                 .*.next/\n"
            }
            Language::English => {
                "# What `cyclecast publish` writes, made again from config.toml and recordings/.\n\
                 feed/\n\
                 # What cyclecast keeps for itself: the files it wrote into each output folder.\n\
                 .cyclecast/\n\
                 # What a publish that was killed leaves beside feed/.\n\
                 .*.publish-lock\n\
                 .*.next/\n"
            }
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
    let mut document: DocumentMut = language
        .config_template()
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
        write_new(&readme, options.language.recordings_readme())?;
        created.push(readme);
    }
    let mut extended = Vec::new();
    let gitignore = dir.join(".gitignore");
    if gitignore.exists() {
        if add_to_gitignore(&gitignore)? {
            extended.push(gitignore);
        }
    } else {
        write_new(&gitignore, options.language.gitignore())?;
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

/// The number after the highest one used: 1 for a cycle without sessions.
pub fn next_number(numbers: impl IntoIterator<Item = i64>) -> u32 {
    let highest = numbers.into_iter().max().unwrap_or(0);
    u32::try_from(highest.clamp(0, i64::from(u32::MAX) - 1)).expect("clamped to u32") + 1
}

/// An id for a session from its title: lowercase ASCII (accents folded, `œ` → `oe`), each run
/// of other characters a single dash. Elided words (`l'`, `d'`, `qu'`, `n'`… with `'` or
/// `’`) are left out. A title of more than 40 characters loses its function words first
/// (`le`, `des`, `dans`, `the`, `of`…), then is cut after the last whole
/// word that fits, so the id keeps the words that say what the session is about; function
/// words stay when they are all there is. Empty when the title has no letter or digit.
///
/// ```
/// use cyclecast::project::scaffold::session_id_from_title;
/// assert_eq!(session_id_from_title("L'algorithmisation du contrôle CAF"), "algorithmisation-du-controle-caf");
/// assert_eq!(
///     session_id_from_title("L'intelligence artificielle dans les services publics"),
///     "intelligence-artificielle-services"
/// );
/// ```
pub fn session_id_from_title(title: &str) -> String {
    // `’` folds to `'` too; no other character marks an elision.
    let ascii = deunicode::deunicode(title).to_ascii_lowercase();
    let mut words: Vec<&str> = Vec::new();
    let mut rest = ascii.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric()) {
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        let elided = after.starts_with('\'') && ELISIONS.contains(&word);
        if !elided {
            words.push(word);
        }
        rest = after;
    }
    let full = words.join("-");
    if full.len() <= MAX_ID_LEN {
        return full;
    }
    let meaningful: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !FRENCH_STOP_WORDS.contains(w) && !ENGLISH_STOP_WORDS.contains(w))
        .collect();
    let kept = if meaningful.is_empty() {
        words
    } else {
        meaningful
    };
    let mut id = String::new();
    for word in kept {
        let needed = if id.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if id.len() + needed > MAX_ID_LEN {
            if id.is_empty() {
                id.push_str(&word[..MAX_ID_LEN]);
            }
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(word);
    }
    id
}

/// French words that lose their vowel before another word (`l'école`, `qu'on`), as they are
/// once folded: the id leaves them out.
const ELISIONS: &[&str] = &["l", "d", "qu", "j", "n", "s", "c", "m", "t"];

/// French function words, folded: left out of an id that would be longer than 40 characters
/// with them, so that the words that fit are the ones that carry meaning.
const FRENCH_STOP_WORDS: &[&str] = &[
    "le", "la", "les", "l", "de", "des", "du", "d", "un", "une", "et", "ou", "a", "au", "aux",
    "en", "dans", "sur", "sous", "pour", "par", "avec", "sans", "chez", "entre", "vers", "ce",
    "ces", "cet", "cette", "son", "sa", "ses", "leur", "leurs", "qui", "que", "qu", "dont", "ne",
    "pas", "se", "y", "est", "sont", "mais", "donc", "ni", "car",
];

/// English function words, as [`FRENCH_STOP_WORDS`].
const ENGLISH_STOP_WORDS: &[&str] = &[
    "the", "an", "of", "and", "or", "in", "on", "at", "for", "to", "with", "without", "from", "by",
    "as", "is", "are", "its", "into", "about", "but",
];

/// `base`, or `base-2`, `base-3`… : the first that no session uses.
fn unique_id(base: &str, taken: &[&str]) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|id| !taken.contains(&id.as_str()))
        .expect("an unused id exists")
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
    prefix.push_str(&heading(cycle_lang(text).labels.session, session.number));
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
                let lang = cycle_lang(text);
                let language = if lang.tag.starts_with("en") {
                    Language::English
                } else {
                    Language::French
                };
                Some(language.placeholder_description().to_string())
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
/// permissions, then renames it over `path`, so a reader sees either file whole. Refuses if
/// the file changed since it was read.
fn replace_file(path: &Path, old: &str, new: &str) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = fs::metadata(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?
        .permissions();
    let mut temporary = tempfile::Builder::new()
        .prefix(".config.toml.")
        .suffix(".tmp")
        .tempfile_in(folder)
        .with_context(|| {
            format!(
                "failed to create a temporary file in `{}`",
                folder.display()
            )
        })?;
    let written = temporary
        .write_all(new.as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .and_then(|()| fs::set_permissions(temporary.path(), permissions));
    written.with_context(|| format!("failed to write `{}`", temporary.path().display()))?;
    if crate::support::fs::read_to_string(path)? != old {
        bail!(
            "`{}` changed while the session was being added: nothing written",
            path.display()
        );
    }
    temporary
        .persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("failed to replace `{}`", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, number: u32) -> NewSession {
        NewSession {
            id: id.to_string(),
            number,
            date: NaiveDate::from_ymd_opt(2023, 4, 13),
            time: NaiveTime::from_hms_opt(19, 0, 0),
            title: Some("Le « titre » de la rencontre".to_string()),
            recording: Some("recordings/06-mon-sujet.mp3".to_string()),
            description: Some("Un paragraphe.".to_string()),
        }
    }

    fn parse_config(text: &str) -> Result<crate::project::config::Config, Vec<Problem>> {
        crate::project::config::parse(text, "config.toml", Path::new("/project"))
    }

    #[test]
    fn folds_accents_and_punctuation_into_an_id() {
        assert_eq!(
            session_id_from_title("Dématérialisation et cabinets de conseil"),
            "dematerialisation-et-cabinets-de-conseil"
        );
        assert_eq!(
            session_id_from_title("  Œuvres, cœurs & æther — ça « marche » !  "),
            "oeuvres-coeurs-aether-ca-marche"
        );
        assert_eq!(session_id_from_title("« … »"), "");
    }

    // Issue 10: `l'`, `d'`, `qu'`… are no words of the id.
    #[test]
    fn drops_french_elisions_with_either_apostrophe() {
        assert_eq!(session_id_from_title("L’État, 2023"), "etat-2023");
        assert_eq!(
            session_id_from_title("L'algorithmisation du contrôle CAF"),
            "algorithmisation-du-controle-caf"
        );
        assert_eq!(
            session_id_from_title("Qu’est-ce qu'on n'attend d'elle ? J'écoute, c'est m'sieur"),
            "est-ce-on-attend-elle-ecoute-est-sieur"
        );
        // An apostrophe that ends no elision stays a word break.
        assert_eq!(
            session_id_from_title("Aujourd'hui, l'open data"),
            "aujourd-hui-open-data"
        );
    }

    // Issue 10: "L'intelligence artificielle dans les services publics" was cut to
    // `l-intelligence-artificielle-dans-les`.
    #[test]
    fn shortens_a_long_id_to_its_meaningful_words() {
        let id = session_id_from_title("L'intelligence artificielle dans les services publics");
        assert_eq!(id, "intelligence-artificielle-services");
        let id = session_id_from_title(
            "Les conséquences de la numérisation sur le travail social et administratif",
        );
        assert_eq!(id, "consequences-numerisation-travail-social");
        assert!(id.len() <= MAX_ID_LEN);
        let id = session_id_from_title("The future of work and the state of the unions in 2024");
        assert_eq!(id, "future-work-state-unions-2024");
        let one_word = session_id_from_title(&"a".repeat(60));
        assert_eq!(one_word.len(), MAX_ID_LEN);
    }

    #[test]
    fn keeps_function_words_when_nothing_else_is_left() {
        assert_eq!(
            session_id_from_title("De la, de le, de les, de des, de du et ou en dans sur pour"),
            "de-la-de-le-de-les-de-des-de-du-et-ou-en"
        );
    }

    #[test]
    fn numbers_after_the_highest_session() {
        assert_eq!(next_number([]), 1);
        assert_eq!(next_number([1, 5, 3]), 6);
        assert_eq!(next_number([-4]), 1);
    }

    #[test]
    fn suffixes_an_id_already_used() {
        assert_eq!(unique_id("sujet", &["autre"]), "sujet");
        assert_eq!(unique_id("sujet", &["sujet", "sujet-2"]), "sujet-3");
    }

    #[test]
    fn appends_a_table_and_keeps_every_byte_before_it() {
        let text = "# un commentaire\n[podcast]\nlanguage = \"fr\"   # aligné\n";
        let after = append_session(text, &session("mon-sujet", 6));
        assert!(after.starts_with(text));
        let rule = "─".repeat(HEADING_WIDTH - "# ─── Rencontre #6 ".chars().count());
        assert_eq!(
            after[text.len()..],
            format!(
                "\n# ─── Rencontre #6 {rule}\n\
             [[sessions]]\n\
             id = \"mon-sujet\"\n\
             number = 6\n\
             date = \"2023-04-13\"\n\
             time = \"19:00\"\n\
             title = \"Le « titre » de la rencontre\"\n\
             recording = \"recordings/06-mon-sujet.mp3\"\n\
             description = \"\"\"\nUn paragraphe.\n\"\"\"\n"
            )
        );
    }

    #[test]
    fn leaves_out_the_keys_the_recording_tags_give() {
        let mut new = session("mon-sujet", 6);
        (new.title, new.date, new.description, new.time) = (None, None, None, None);
        let after = append_session("", &new);
        assert!(
            after.ends_with(
                "[[sessions]]\nid = \"mon-sujet\"\nnumber = 6\nrecording = \"recordings/06-mon-sujet.mp3\"\n"
            ),
            "{after}"
        );
    }

    #[test]
    fn heads_the_table_in_the_cycles_language_and_mends_a_missing_line_break() {
        let text = "[podcast]\nlanguage = \"en-GB\"";
        let after = append_session(text, &session("s", 12));
        assert!(after.starts_with("[podcast]\nlanguage = \"en-GB\"\n\n# ─── Session #12 ─"));
        let crlf = "[podcast]\r\nlanguage = \"fr\"\r\n";
        let after = append_session(crlf, &session("s", 1));
        assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
    }

    #[test]
    fn escapes_a_title_with_quotes_and_backslashes() {
        let mut new = session("s", 1);
        new.title = Some(r#"Un "titre" \ avec ''' tout"#.to_string());
        let after = append_session("", &new);
        let parsed: DocumentMut = after.parse().unwrap();
        assert_eq!(
            parsed["sessions"][0]["title"].as_str(),
            new.title.as_deref()
        );
    }

    #[test]
    fn renders_templates_that_pass_the_config_rules() {
        for language in [Language::French, Language::English] {
            let url = Url::parse("https://example.net/podcast/").unwrap();
            let text = render_config(language, Some("Un \"cycle\" & d'autres"), Some(&url));
            let config = parse_config(&text).unwrap_or_else(|p| panic!("{p:?}"));
            assert_eq!(config.cycle.podcast.title, "Un \"cycle\" & d'autres");
            assert_eq!(config.cycle.podcast.base_url, url);
            assert!(config.cycle.sessions.is_empty());
        }
    }

    #[test]
    fn keeps_the_templates_comments_as_written() {
        for language in [Language::French, Language::English] {
            let template = language.config_template();
            let text = render_config(language, None, None);
            assert_eq!(text, template);
        }
    }

    // Issue 5: `init`'s defaults passed `check` silently.
    #[test]
    fn marks_every_value_the_templates_invent_as_a_placeholder() {
        // Chosen by `--lang`, or defaults that are right as they are.
        let defaults = ["language", "time_zone", "id3_version"];
        let marked = |text: &str| {
            crate::project::config::PLACEHOLDER_MARKS
                .iter()
                .any(|m| text.contains(m))
        };
        for language in [Language::French, Language::English] {
            let text = language.config_template();
            let table: toml::Table = text.parse().unwrap();
            let mut strings = Vec::new();
            let mut tables = vec![&table];
            while let Some(table) = tables.pop() {
                for (key, value) in table {
                    match value {
                        toml::Value::Table(inner) => tables.push(inner),
                        toml::Value::String(s) if !defaults.contains(&key.as_str()) => {
                            strings.push((key, s));
                        }
                        _ => {}
                    }
                }
            }
            assert_eq!(strings.len(), 7, "{strings:?}");
            for (key, value) in strings {
                // A value that must stay a valid address carries its mark in a comment.
                let line = text
                    .lines()
                    .find(|l| l.starts_with(&format!("{key} = \"{value}\"")));
                assert!(
                    marked(value) || line.is_some_and(marked),
                    "{language:?}: `{key} = {value:?}` is invented but not marked"
                );
            }
            let table: toml::Table = text.parse().unwrap();
            let podcast = &table["podcast"];
            assert_eq!(
                podcast["title"].as_str(),
                Some(language.placeholder_title())
            );
            assert_eq!(podcast["base_url"].as_str(), Some(PLACEHOLDER_BASE_URL));
        }
    }

    #[test]
    fn a_given_title_and_address_replace_their_placeholders() {
        let url = Url::parse("https://cycle.example.fr/podcast/").unwrap();
        for language in [Language::French, Language::English] {
            let text = render_config(language, Some("Le cycle"), Some(&url));
            let line = |key: &str| {
                text.lines()
                    .find(|l| l.starts_with(key))
                    .unwrap_or_else(|| panic!("{text}"))
                    .to_string()
            };
            assert_eq!(line("title = "), "title = \"Le cycle\"");
            assert_eq!(
                line("base_url = "),
                "base_url = \"https://cycle.example.fr/podcast/\""
            );
        }
    }

    #[test]
    fn an_appended_session_passes_the_config_rules() {
        let text = render_config(Language::French, Some("Cycle"), None);
        let mut new = session("mon-sujet", 1);
        new.recording = None;
        let config = parse_config(&append_session(&text, &new)).unwrap();
        let added = &config.cycle.sessions[0];
        assert_eq!((added.id.as_str(), added.number), ("mon-sujet", 1));
        assert_eq!(added.description, "Un paragraphe.");
    }

    #[test]
    fn reads_the_sessions_already_there() {
        let text = "[[sessions]]\nid = \"a\"\nnumber = 3\nrecording = \"recordings/a.mp3\"\n\n[[sessions]]\nid = \"b\"\nnumber = 7\n";
        let found = existing_sessions(text, "config.toml").unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, Some(("a".to_string(), 2)));
        assert_eq!(found[1].number, Some((7, 8)));
        assert_eq!(
            found[0].recording,
            Some(("recordings/a.mp3".to_string(), 4))
        );
    }

    #[test]
    fn refuses_sessions_written_inline_and_text_that_is_not_toml() {
        let inline = existing_sessions("sessions = []\n", "config.toml").unwrap_err();
        assert!(inline.to_string().starts_with("config.toml:1:"), "{inline}");
        assert!(
            inline
                .to_string()
                .contains("not written as `[[sessions]]` tables")
        );
        let broken = existing_sessions("a = 1\n[podcast\n", "config.toml").unwrap_err();
        assert!(broken.to_string().starts_with("config.toml:2:"), "{broken}");
    }

    #[test]
    fn reads_dates_and_times_in_one_shape_only() {
        assert_eq!(
            parse_date("2023-04-13"),
            Ok(NaiveDate::from_ymd_opt(2023, 4, 13).unwrap())
        );
        assert!(parse_date("2023-4-13").is_err());
        // Issue 11: years no output can write.
        assert_eq!(
            parse_date("0000-01-01"),
            Err("`0000-01-01` is out of range: a date must be in the years 1900 to 9999".into())
        );
        assert!(
            parse_date("2023-02-30")
                .unwrap_err()
                .contains("expected YYYY-MM-DD")
        );
        assert_eq!(
            parse_time("19:00"),
            Ok(NaiveTime::from_hms_opt(19, 0, 0).unwrap())
        );
        assert!(parse_time("7pm").unwrap_err().contains("expected HH:MM"));
        assert!(parse_time("9:00").is_err());
    }
}
