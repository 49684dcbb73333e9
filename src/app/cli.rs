//! The command line: clap definitions, and one options struct per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Publish a cycle of recorded talks as a podcast: tagged episodes, an RSS feed and a web page.
#[derive(Debug, Parser)]
#[command(name = "cyclecast", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit status: 0 on success, 1 when `check` found problems (a deployed copy that does not match, broken links with --strict) or `probe` rejected a file, 2 on errors (bad usage, bad config or recordings, IO).";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, then write the episodes, the feed and the page into the output folder.
    Publish(PublishArgs),
    /// Validate the config, the recordings and the directories' rules without writing anything.
    Check(CheckArgs),
    /// Print each recording's figures and tags, or why it cannot be read.
    Probe(ProbeArgs),
    /// Publish a preview at http://127.0.0.1:PORT/ and serve it until Ctrl-C.
    Serve(ServeArgs),
    /// Start a new project: a commented config.toml, recordings/ and a .gitignore.
    Init(InitArgs),
    /// Work on the cycle's sessions in config.toml.
    Session(SessionArgs),
    /// Download a session's recording over HTTP into recordings/ (resumed when run again
    /// after an interruption) and point the session at it.
    Fetch(FetchArgs),
    /// Send the published folder to an S3-compatible store or a folder: only what changed,
    /// media first, feeds last; then notify the hubs `[deploy] notify` names.
    Deploy(DeployArgs),
    /// Draft each recorded session's transcript offline with a Whisper model, into
    /// transcripts/NN-id.vtt (never over a transcript a person wrote or reviewed).
    Transcribe(TranscribeArgs),
}

/// Options of `transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// The id of a session to transcribe (repeatable) [default: every recorded session
    /// without a transcript].
    #[arg(long = "session", value_name = "ID")]
    pub sessions: Vec<String>,
    /// The CTranslate2 Whisper model folder [default: $CYCLECAST_MODEL, else the one
    /// `scripts/install-model` installs].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// The language spoken, as a two-letter code (`fr`, `en`) [default: the cycle's].
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// How many threads may hear the recording: up to 4 windows at once, each by a copy of
    /// the model (one copy of a large model) [default: the machine's cores].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Make again the drafts nobody has reviewed (a transcript without the draft's note is
    /// never replaced).
    #[arg(long)]
    pub redo: bool,
    /// The project's config file [default: `config.toml` in the current folder or the
    /// nearest folder above it].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print nothing but errors and the result.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The recording's address (http or https).
    #[arg(value_name = "URL", value_parser = crate::project::config::parse_web_url)]
    pub url: url::Url,
    /// The id of the session whose recording it is.
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// Its file name in recordings/, which must not be taken [default: the URL's last
    /// segment].
    #[arg(long, value_name = "FILE")]
    pub name: Option<String>,
    /// The project's config file [default: `config.toml` in the current folder or the
    /// nearest folder above it].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print nothing but errors and the result.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The project's config file [default: `config.toml` in the current folder or the
    /// nearest folder above it].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where to deploy: `s3://BUCKET/PREFIX` or a folder [default: `[deploy] to`].
    #[arg(long, value_name = "DEST")]
    pub to: Option<String>,
    /// The published folder to deploy [default: `feed/` beside the config].
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// List what would be sent and removed, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How many files to send at once.
    #[arg(long, short, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// Notify nobody, whatever `[deploy] notify` says.
    #[arg(long)]
    pub no_notify: bool,
    /// Print nothing but errors and warnings.
    #[arg(long, short, conflicts_with_all = ["verbose", "json"])]
    pub quiet: bool,
    /// Also name every file sent and removed.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the summary as JSON on standard output: destination, dry_run, uploaded,
    /// unchanged, removed, bytes, notified.
    #[arg(long)]
    pub json: bool,
}

/// What `check --online` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnlineCheck {
    /// Both the deployed copy and the external links.
    All,
    /// The copy deployed at `base_url`: its feed.xml and every enclosure.
    Deployed,
    /// Every external link of the config, the feed and the pages.
    Links,
}

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder, made if missing; it must not hold a config.toml yet.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The podcast's title [default: a placeholder to replace].
    #[arg(long)]
    pub title: Option<String>,
    /// The cycle's language, which the config's comments are written in too.
    #[arg(long, value_enum, default_value_t = InitLang::Fr)]
    pub lang: InitLang,
    /// The address `feed/` will be deployed at [default: a placeholder to replace].
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<url::Url>,
}

/// The languages `init` has a config template for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitLang {
    /// French.
    Fr,
    /// English.
    En,
}

/// Options of `session`.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SessionCommand,
}

/// The subcommands of `session`.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Append a session to config.toml, leaving every byte already there as it is.
    Add(SessionAddArgs),
}

/// Options of `session add`.
#[derive(Debug, Args)]
pub struct SessionAddArgs {
    /// The session's title [default: the recording's title tag, which the config then reads].
    #[arg(long)]
    pub title: Option<String>,
    /// The session's day [default: the recording's date tag, which the config then reads].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// The session's start time.
    #[arg(long, value_name = "HH:MM")]
    pub time: Option<String>,
    /// The recording: a file inside the project, relative to the current folder. Its tags
    /// give the title, date, description and speakers left out.
    #[arg(long, value_name = "PATH")]
    pub recording: Option<PathBuf>,
    /// The session's id, which names its files and URLs [default: made from the title].
    #[arg(long)]
    pub id: Option<String>,
    /// The session's number [default: the highest number + 1].
    #[arg(long, value_name = "N")]
    pub number: Option<u32>,
    /// The session's description [default: the recording's comment tag, or a placeholder to
    /// replace].
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// The project's config file [default: `config.toml` in the current folder or the
    /// nearest folder above it].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the text that would be appended, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The project's config file; the project folder is the folder holding it [default:
    /// `config.toml` in the current folder or the nearest folder above it].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Port to listen on, on 127.0.0.1 only (0: any free port).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Publish the preview into this folder and keep it [default: a temporary folder,
    /// removed on exit].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Log one line per request on stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Where the project is.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Print the result as JSON on standard output: `ok`, `errors`, `warnings`, `problems`
    /// (and `online` with `--online`).
    #[arg(long)]
    pub json: bool,
    /// Also check over the network: `deployed` (the copy at `base_url` answers as podcast
    /// apps need), `links` (every external link), or both when no value is given.
    #[arg(long, value_enum, value_name = "WHAT", num_args = 0..=1, require_equals = true, default_missing_value = "all")]
    pub online: Option<OnlineCheck>,
    /// With `--online`: exit 1 when a link is broken or moved, not only warn.
    #[arg(long, requires = "online")]
    pub strict: bool,
    /// With `--online`: how long each request may take, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600), requires = "online")]
    pub timeout: u64,
}

/// Options of `probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Audio files to read.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print a JSON array, one object per file.
    #[arg(long)]
    pub json: bool,
    /// Read the container only: do not decode the audio to measure its loudness.
    #[arg(long)]
    pub no_loudness: bool,
}

/// Where the project is.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The project's config file; the project folder is the folder holding it [default:
    /// `config.toml` in the current folder or the nearest folder above it].
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The address the feed is checked or published for, instead of the config's
    /// `base_url`: a preview or a staging copy (GUIDs stay the same).
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<url::Url>,
}

/// Options of `publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Where the project is.
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output folder [default: `feed/` beside the config].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty folder even if it holds no earlier feed.
    #[arg(long)]
    pub force: bool,
    /// Validate and plan everything, then print what would be written or removed, and write
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How many files to hash, scan and write at once [default: the number of cores].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Move this published session's files to its current number's file name
    /// (`cyclecast.lock` keeps them where they were published otherwise); its GUID stays.
    /// Repeat for several sessions.
    #[arg(long, value_name = "ID")]
    pub rename: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short, conflicts_with_all = ["verbose", "json"])]
    pub quiet: bool,
    /// Also name every file written (or, with --dry-run, to write) and removed.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the summary as JSON on standard output: mode, out, episodes, announced,
    /// written, unchanged, removed, warnings, elapsed_seconds.
    #[arg(long)]
    pub json: bool,
}

fn parse_base_url(text: &str) -> Result<url::Url, String> {
    let mut url = crate::project::config::parse_web_url(text)?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verifies_the_command_line_definition() {
        Cli::command().debug_assert();
    }

    #[test]
    fn adds_the_trailing_slash_to_a_base_url() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:8080/x").unwrap().as_str(),
            "http://127.0.0.1:8080/x/"
        );
        assert!(parse_base_url("ftp://example.org/").is_err());
    }
}
