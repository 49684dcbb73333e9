//! `cyclecast deploy`: send the published folder to its destination, then tell the apps.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde::Serialize;

use super::cli::DeployArgs;
use super::shared::{config_path, plural, print_stdout};
use crate::deploy::{self, DeployOptions, Destination, notify};
use crate::model::problem::{Problem, Problems};
use crate::project::config;
use crate::support::progress::{self, Progress, Style};

/// Deploys and prints the summary (or `--json`); exit 2 on any error. A failed notification
/// is a warning.
pub(super) fn run(args: DeployArgs) -> Result<ExitCode> {
    let config_file = config_path(args.config.clone())?;
    let loaded = config::load(&config_file);
    let errors: Vec<Problem> = loaded
        .problems
        .into_iter()
        .filter(Problem::is_error)
        .collect();
    let Some(config) = loaded.config.filter(|_| errors.is_empty()) else {
        return Err(Problems(errors).into());
    };
    let destination = match (&args.to, &config.deploy.to) {
        (Some(to), _) => Destination::parse(to)?,
        // A folder the config names is the project's, wherever the command runs.
        (None, Some(to)) => match Destination::parse(to)? {
            Destination::Folder(folder) => Destination::Folder(config.root.join(folder)),
            store => store,
        },
        (None, None) => bail!(
            "nowhere to deploy to\n  = hint: give `--to s3://BUCKET/PREFIX` or `--to DIR`, or `to = \"…\"` under `[deploy]` in `{}`",
            config_file.display()
        ),
    };
    let options = DeployOptions {
        project: config.root.clone(),
        source: args
            .from
            .clone()
            .unwrap_or_else(|| deploy::default_source(&config.root)),
        destination,
        endpoint: config.deploy.endpoint.clone(),
        dry_run: args.dry_run,
        jobs: usize::from(args.jobs),
    };
    let verbosity = if args.quiet || args.json {
        progress::Verbosity::Quiet
    } else {
        progress::Verbosity::Normal
    };
    let progress = Progress::new(Style::detect(verbosity));
    let deployed = deploy::deploy(&options, &progress);
    progress.finish();
    let report = deployed?;
    let notified = if args.dry_run || args.no_notify || config.deploy.notify.is_empty() {
        Vec::new()
    } else {
        announce(&options, &config.deploy.notify, args.quiet)?
    };
    if args.json {
        let summary = DeploySummary {
            report: &report,
            notified: &notified,
        };
        print_stdout(&format!("{}\n", serde_json::to_string_pretty(&summary)?))?;
    } else if !args.quiet {
        print_summary(&report, args.verbose || args.dry_run);
    }
    Ok(ExitCode::SUCCESS)
}

/// Notifies `targets` of the deployed feed, unless it is on a private address; prints each
/// failure as a warning.
fn announce(
    options: &DeployOptions,
    targets: &[config::Notify],
    quiet: bool,
) -> Result<Vec<notify::Outcome>> {
    let feed = notify::feed_url(&options.source)?;
    if let Some(reason) = notify::private_reason(&feed) {
        if !quiet {
            eprintln!("note: {reason}");
        }
        return Ok(Vec::new());
    }
    let outcomes = notify::announce(&feed, targets);
    for outcome in &outcomes {
        if let Some(warning) = &outcome.warning {
            eprintln!("warning: could not notify `{}`: {warning}", outcome.target);
        }
    }
    Ok(outcomes)
}

/// The result of `deploy --json`.
#[derive(Serialize)]
struct DeploySummary<'a> {
    #[serde(flatten)]
    report: &'a deploy::Report,
    notified: &'a [notify::Outcome],
}

/// The files (with `--verbose` or `--dry-run`), then one line: `deployed to `s3://b/p`: 9
/// files uploaded (12.3 MB), 3 unchanged, 0 removed`.
fn print_summary(report: &deploy::Report, list: bool) {
    let (sent, removed, verb) = if report.dry_run {
        ("would upload", "would remove", "would deploy")
    } else {
        ("uploaded", "removed", "deployed")
    };
    if list {
        report.uploaded.iter().for_each(|f| eprintln!("{sent} {f}"));
        report
            .removed
            .iter()
            .for_each(|f| eprintln!("{removed} {f}"));
    }
    eprintln!(
        "{verb} to `{}`: {} file{} {sent} ({}), {} unchanged, {} {removed}",
        crate::model::text::printable(&report.destination),
        report.uploaded.len(),
        plural(report.uploaded.len()),
        progress::human_size(report.bytes),
        report.unchanged.len(),
        report.removed.len(),
    );
}
