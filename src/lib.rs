//! cyclecast turns a cycle of recorded public talks into a podcast.
//!
//! The pipeline, one module per stage: [`config`] → [`ingest`] → [`probe`] → [`episode`] →
//! [`tag`] → [`feed`] and [`page`] → [`commit`]. [`check`] validates everything before
//! anything is written; [`publish`] runs the whole. Only [`commit`] writes into `feed/`, and
//! nothing ever writes into `recordings/`.

pub mod artwork;
pub mod calendar;
pub mod chapters;
pub mod check;
pub mod cli;
pub mod commit;
pub mod config;
pub mod episode;
pub mod feed;
pub mod fs;
pub mod ingest;
pub mod lang;
pub mod model;
pub mod moov;
pub mod mp4;
pub mod mpeg;
pub mod page;
pub mod probe;
pub mod problem;
pub mod publish;
pub mod rules;
pub mod serve;
pub mod tag;
pub mod transcript;
pub mod xing;

use std::process::ExitCode;

use anyhow::Result;

use crate::check::ProjectOptions;
use serde::Serialize;

use crate::cli::{CheckArgs, Cli, Command, ProbeArgs, ProjectArgs, PublishArgs, ServeArgs};
use crate::model::Tags;
use crate::publish::PublishOptions;

/// Runs a parsed command line; returns the exit status. Errors are for `main` to print.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Publish(args) => run_publish(args),
        Command::Check(args) => Ok(run_check(args)),
        Command::Probe(args) => run_probe(&args),
        Command::Serve(args) => run_serve(args),
    }
}

/// Serves a preview until Ctrl-C; its own `base_url` is the local address it listens on.
fn run_serve(args: ServeArgs) -> Result<ExitCode> {
    serve::serve(&serve::ServeOptions {
        project: ProjectOptions {
            config: args.config,
            base_url: None,
        },
        port: args.port,
        out: args.out,
        verbose: args.verbose,
    })?;
    Ok(ExitCode::SUCCESS)
}

fn run_publish(args: PublishArgs) -> Result<ExitCode> {
    let mode = if args.dry_run {
        publish::Mode::DryRun
    } else {
        publish::Mode::Write
    };
    let options = PublishOptions {
        project: project(args.project),
        out: args.out,
        force: args.force,
        mode,
        now: publish::now_from_environment()?,
    };
    let report = publish::publish(&options)?;
    if args.json {
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    let dry = mode == publish::Mode::DryRun;
    if args.verbose || dry {
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
        "{verb} {} episode{} ({} announced without a recording) into `{}`: {} file{} {written}, {} unchanged, {} {removed}",
        report.episodes,
        plural(report.episodes),
        report.announced,
        report.out.display(),
        report.written.len(),
        plural(report.written.len()),
        report.unchanged.len(),
        report.removed.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The result of `check --json`.
#[derive(Serialize)]
struct CheckSummary<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    problems: &'a [problem::Problem],
}

fn run_check(args: CheckArgs) -> ExitCode {
    let result = check::validate(&project(args.project));
    let problems = match &result {
        Ok(validated) => validated.warnings.as_slice(),
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
            Ok(validated) => {
                let sessions = validated.config.cycle.sessions.len();
                let recordings = validated.recordings.len();
                eprintln!(
                    "ok: {sessions} session{}, {recordings} recording{} ready to publish",
                    plural(sessions),
                    plural(recordings)
                );
            }
            Err(_) => eprintln!("{errors} error{} found", plural(errors)),
        }
    }
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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
    let mut out = String::new();
    let _ = writeln!(out, "{}", line.path);
    if let Some(error) = &line.error {
        let _ = writeln!(out, "  error: {error}");
        return out;
    }
    let mut field = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<16}{value}");
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
        let _ = writeln!(out, "  warning: {warning}");
    }
    out
}

fn project(args: ProjectArgs) -> ProjectOptions {
    ProjectOptions {
        config: args.config,
        base_url: args.base_url,
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
