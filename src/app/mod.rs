//! The command line: clap definitions, one function per command, and the only code that
//! prints (besides the progress bars of [`crate::support::progress`]).
//!
//! May use every other part of the crate; nothing uses it but `main.rs`.

pub mod cli;
pub mod serve;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::audio::probe;
use crate::model::{problem, text};
use crate::output::state;
use crate::project::{config, load as check, scaffold};
use crate::publish;
use crate::support::{parallel, progress};

use crate::project::load::ProjectOptions;
use serde::Serialize;

use crate::app::cli::{CheckArgs, Cli, Command, ProbeArgs, ProjectArgs, PublishArgs, ServeArgs};
use crate::model::Tags;
use crate::publish::PublishOptions;
use crate::support::progress::{Progress, Style};

/// Runs a parsed command line; returns the exit status. Errors are for `main` to print.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Publish(args) => run_publish(args),
        Command::Check(args) => run_check(args),
        Command::Probe(args) => run_probe(&args),
        Command::Serve(args) => run_serve(args),
        Command::Init(args) => run_init(args),
        Command::Session(args) => match args.command {
            cli::SessionCommand::Add(args) => run_session_add(args),
        },
    }
}

/// Serves a preview until Ctrl-C; its own `base_url` is the local address it listens on.
fn run_serve(args: ServeArgs) -> Result<ExitCode> {
    serve::serve(&serve::ServeOptions {
        project: ProjectOptions {
            config: config_path(args.config)?,
            base_url: None,
            renames: Vec::new(),
            placeholders: config::Placeholders::Warn,
        },
        port: args.port,
        out: args.out,
        verbose: args.verbose,
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_publish(args: PublishArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let mode = if args.dry_run {
        publish::Mode::DryRun
    } else {
        publish::Mode::Write
    };
    // Only what listeners receive must be free of placeholders: a dry run or a preview at
    // another address shows the cycle as it stands.
    let placeholders = if mode == publish::Mode::Write && args.project.base_url.is_none() {
        config::Placeholders::Refuse
    } else {
        config::Placeholders::Warn
    };
    let options = PublishOptions {
        project: ProjectOptions {
            renames: args.rename,
            placeholders,
            ..project(args.project)?
        },
        out: args.out,
        force: args.force,
        out_lifetime: publish::OutLifetime::Lasting,
        mode,
        jobs: args.jobs.map_or_else(parallel::default_jobs, usize::from),
        now: publish::now_from_environment()?,
    };
    let verbosity = if args.quiet || args.json {
        progress::Verbosity::Quiet
    } else if args.verbose {
        progress::Verbosity::Verbose
    } else {
        progress::Verbosity::Normal
    };
    let progress = Progress::new(Style::detect(verbosity));
    let published = publish::publish(&options, &progress);
    // Bars cleared before anything else is printed, the error included.
    progress.finish();
    let report = published?;
    let elapsed = started.elapsed();
    if args.json {
        let summary = PublishSummary {
            report: &report,
            elapsed_seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        };
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&summary)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if !args.quiet {
        print_publish_summary(&report, args.verbose, elapsed);
    }
    Ok(ExitCode::SUCCESS)
}

/// The result of `publish --json`: the report, and how long the publish took (the one
/// field that changes from run to run).
#[derive(Serialize)]
struct PublishSummary<'a> {
    #[serde(flatten)]
    report: &'a publish::Report,
    elapsed_seconds: f64,
}

/// The warnings, the files named with `--verbose` (or `--dry-run`), then one summary line:
/// `published 5 episodes (0 announced without a recording) into `feed` in 1.2 s: 9 files
/// written, 0 unchanged, 0 removed, 0 warnings`.
fn print_publish_summary(report: &publish::Report, verbose: bool, elapsed: Duration) {
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    let dry = report.mode == publish::Mode::DryRun;
    if verbose || dry {
        let (write, remove) = if dry {
            ("would write", "would remove")
        } else {
            ("wrote", "removed")
        };
        report.written.iter().for_each(|f| eprintln!("{write} {f}"));
        report
            .removed
            .iter()
            .for_each(|f| eprintln!("{remove} {f}"));
    }
    let (verb, written, removed) = if dry {
        ("would publish", "to write", "to remove")
    } else {
        ("published", "written", "removed")
    };
    eprintln!(
        "{verb} {} episode{} ({} announced without a recording) into `{}` in {}: {} file{} {written}, {} unchanged, {} {removed}, {} warning{}",
        report.episodes,
        plural(report.episodes),
        report.announced,
        report.out.display(),
        progress::human_duration(elapsed),
        report.written.len(),
        plural(report.written.len()),
        report.unchanged.len(),
        report.removed.len(),
        report.warnings.len(),
        plural(report.warnings.len())
    );
}

/// The result of `check --json`.
#[derive(Serialize)]
struct CheckSummary<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    problems: &'a [problem::Problem],
}

fn run_check(args: CheckArgs) -> Result<ExitCode> {
    let project = project(args.project)?;
    // What the last publish learnt of the recordings spares reading them again.
    let previous = state::State::before_publish(&project.config, None);
    let work = check::Work {
        previous: &previous,
        jobs: parallel::default_jobs(),
        progress: &Progress::hidden(),
    };
    let result = publish::check(&project, work);
    let problems = match &result {
        Ok(checked) => checked.project.problems.as_slice(),
        Err(problems) => problems.as_slice(),
    };
    let errors = problems.iter().filter(|p| p.is_error()).count();
    if args.json {
        let summary = CheckSummary {
            ok: errors == 0,
            errors,
            warnings: problems.len() - errors,
            problems,
        };
        let json = serde_json::to_string_pretty(&summary).expect("problems serialize");
        // A reader that stops early (`| head`) is not an error of ours.
        let _ = print_stdout(&format!("{json}\n"));
    } else {
        for problem in problems {
            eprintln!("{problem}");
        }
        match &result {
            Ok(checked) => {
                let sessions = checked.project.config.cycle.sessions.len();
                let recordings = checked.project.recordings.len();
                eprintln!(
                    "ok: {sessions} session{}, {recordings} recording{} ready to publish",
                    plural(sessions),
                    plural(recordings)
                );
            }
            Err(_) => eprintln!("{errors} error{} found", plural(errors)),
        }
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One file's line in `probe --json`.
#[derive(Serialize)]
struct ProbeLine<'a> {
    path: String,
    container: Option<&'a str>,
    codec: Option<&'a str>,
    sample_rate: Option<u32>,
    channels: Option<u32>,
    bits_per_sample: Option<u32>,
    duration_seconds: Option<f64>,
    frames: Option<u64>,
    bitrate: Option<u64>,
    size: Option<u64>,
    tags: Option<&'a Tags>,
    error: Option<String>,
    warnings: &'a [String],
}

fn run_probe(args: &ProbeArgs) -> Result<ExitCode> {
    let results: Vec<_> = args
        .files
        .iter()
        .zip(probe::probe_files(&args.files))
        .collect();
    let lines: Vec<ProbeLine<'_>> = results
        .iter()
        .map(|(path, result)| {
            let info = result.as_ref().ok();
            ProbeLine {
                path: path.display().to_string(),
                container: info.map(|i| i.container.as_str()),
                codec: info.map(|i| i.codec.as_str()),
                sample_rate: info.map(|i| i.sample_rate),
                channels: info.map(|i| i.channels),
                bits_per_sample: info.and_then(|i| i.bits_per_sample),
                duration_seconds: info.map(|i| (i.duration_secs() * 1e6).round() / 1e6),
                frames: info.map(|i| i.frames),
                bitrate: info.map(|i| i.bitrate()),
                size: info.map(|i| i.size),
                tags: info.map(|i| &i.tags),
                error: result.as_ref().err().map(ToString::to_string),
                warnings: info.map_or(&[], |i| i.warnings.as_slice()),
            }
        })
        .collect();
    if args.json {
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&lines)?))?;
    } else {
        let blocks: String = lines.iter().map(probe_block).collect();
        print_stdout(&blocks)?;
    }
    let rejected = lines.iter().any(|l| l.error.is_some());
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One file's block of `probe` output.
fn probe_block(line: &ProbeLine<'_>) -> String {
    use std::fmt::Write as _;
    // Tag text is the recording's, not ours: a terminal must show it, not act on it.
    use crate::model::text::printable;
    let mut out = String::new();
    let _ = writeln!(out, "{}", printable(&line.path));
    if let Some(error) = &line.error {
        let _ = writeln!(out, "  error: {}", printable(error));
        return out;
    }
    let mut field = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<16}{}", printable(&value));
    };
    field("container", line.container.unwrap_or_default().to_string());
    field("codec", line.codec.unwrap_or_default().to_string());
    field(
        "sample rate",
        format!("{} Hz", line.sample_rate.unwrap_or_default()),
    );
    field("channels", line.channels.unwrap_or_default().to_string());
    if let Some(bits) = line.bits_per_sample {
        field("bits per sample", bits.to_string());
    }
    field(
        "duration",
        format!(
            "{:.3} s ({} frames)",
            line.duration_seconds.unwrap_or_default(),
            line.frames.unwrap_or_default()
        ),
    );
    field(
        "bitrate",
        format!(
            "{:.1} kbit/s",
            line.bitrate.unwrap_or_default() as f64 / 1000.0
        ),
    );
    field("size", format!("{} bytes", line.size.unwrap_or_default()));
    if let Some(tags) = line.tags {
        let named = [
            ("title", &tags.title),
            ("artist", &tags.artist),
            ("album", &tags.album),
            ("date", &tags.date),
            ("comment", &tags.comment),
        ];
        for (name, value) in named {
            if let Some(value) = value {
                field(name, value.clone());
            }
        }
        if tags.has_picture {
            field("picture", "yes".to_string());
        }
    }
    for warning in line.warnings {
        let _ = writeln!(out, "  warning: {}", printable(&warning.to_string()));
    }
    out
}

/// Makes a new project and names what it wrote.
fn run_init(args: cli::InitArgs) -> Result<ExitCode> {
    let language = match args.lang {
        cli::InitLang::Fr => scaffold::Language::French,
        cli::InitLang::En => scaffold::Language::English,
    };
    let made = scaffold::init(&scaffold::InitOptions {
        dir: args.dir,
        title: args.title,
        language,
        base_url: args.base_url,
    })?;
    for path in &made.created {
        eprintln!("created `{}`", path.display());
    }
    for path in &made.extended {
        eprintln!("added `feed/` and `.cyclecast/` to `{}`", path.display());
    }
    eprintln!(
        "next: replace the placeholders in `{}`, then add each session with `cyclecast session add`",
        made.config.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Appends a session to the config, or with `--dry-run` prints what it would append.
fn run_session_add(args: cli::SessionAddArgs) -> Result<ExitCode> {
    let added = scaffold::plan_session_add(&scaffold::SessionOptions {
        config: config_path(args.config)?,
        title: args.title,
        date: args.date,
        time: args.time,
        recording: args.recording,
        id: args.id,
        number: args.number,
        description: args.description,
    })?;
    let (session, config) = (&added.session, added.config.display());
    for taken in &added.from_tags {
        eprintln!(
            "{} from the recording's tags: {}",
            taken.field,
            quoted_tag(taken.field, &taken.value)
        );
    }
    if added.id_guessed {
        eprintln!(
            "id: {} (guessed from the title; --id to choose another)",
            session.id
        );
    }
    if args.dry_run {
        print_stdout(&added.appended)?;
        eprintln!(
            "would add session {} `{}` to `{config}`: nothing written",
            session.number, session.id
        );
        return Ok(ExitCode::SUCCESS);
    }
    scaffold::write_session(&added)?;
    eprintln!(
        "added session {} `{}` to `{config}`",
        session.number, session.id
    );
    if added.placeholder_description {
        eprintln!("its description is a placeholder: write it in `{config}`");
    }
    eprintln!("next: `cyclecast check`, then `cyclecast publish`");
    Ok(ExitCode::SUCCESS)
}

/// A tag's text as `session add` shows it: a date as it is, a text in « » on one line,
/// shortened past 60 characters.
fn quoted_tag(field: &str, value: &str) -> String {
    if field == "date" {
        return value.to_string();
    }
    let line = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown: String = line.chars().take(60).collect();
    let more = if shown.len() < line.len() { "…" } else { "" };
    format!("« {}{more} »", text::printable(&shown))
}

fn project(args: ProjectArgs) -> Result<ProjectOptions> {
    Ok(ProjectOptions {
        config: config_path(args.config)?,
        base_url: args.base_url,
        renames: Vec::new(),
        placeholders: config::Placeholders::Warn,
    })
}

/// The config named by `--config`, else the one [`config::discover`] finds. A config that
/// cannot be found is an error of the command line (exit 2), not a problem `check` found.
fn config_path(given: Option<std::path::PathBuf>) -> Result<std::path::PathBuf> {
    match given {
        Some(path) if path.is_file() => Ok(path),
        Some(path) => anyhow::bail!(
            "no config file at `{}`\n  = hint: `--config` names a project's `{}`",
            path.display(),
            config::CONFIG_FILE
        ),
        None => {
            let cwd = std::env::current_dir()?;
            config::discover(&cwd).ok_or_else(|| {
                anyhow::anyhow!(
                    "no `{file}` in `{}` or any folder above it: this is not a cyclecast project\n  = hint: `cyclecast init` starts a cycle here; `--config FILE` names a project elsewhere",
                    cwd.display(),
                    file = config::CONFIG_FILE
                )
            })
        }
    }
}

/// Writes to standard output; a reader that closed the pipe early (`| head`) is not an error.
fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
