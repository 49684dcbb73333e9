//! `cyclecast publish`: publish the cycle into its output folder and say what changed.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use super::cli::PublishArgs;
use super::shared::{plural, print_stdout, project};
use crate::project::config;
use crate::project::load::ProjectOptions;
use crate::publish::{self, PublishOptions};
use crate::support::parallel;
use crate::support::progress::{self, Progress, Style};

/// Publishes the cycle and prints the summary (or `--json`); exit 2 on any problem.
pub(super) fn run(args: PublishArgs) -> Result<ExitCode> {
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
        crate::model::time::elapsed(elapsed),
        report.written.len(),
        plural(report.written.len()),
        report.unchanged.len(),
        report.removed.len(),
        report.warnings.len(),
        plural(report.warnings.len())
    );
}
