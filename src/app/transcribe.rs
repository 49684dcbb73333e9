//! `cyclecast transcribe`: a draft transcript of each recorded session, made offline.

use std::process::ExitCode;

use anyhow::Result;

use super::cli::TranscribeArgs;
use super::shared::config_path;
use crate::model::text::printable;
use crate::model::time::{clock, human_duration};
use crate::support::progress::{Progress, Style, Verbosity};
use crate::transcribe::{Options, Outcome, transcribe};

/// Transcribes the sessions, saying what became of each; fails when one could not be.
pub(super) fn run(args: TranscribeArgs) -> Result<ExitCode> {
    let options = Options {
        config: config_path(args.config)?,
        sessions: args.sessions,
        model: args.model,
        language: args.language,
        threads: args
            .jobs
            .map_or_else(crate::support::parallel::default_jobs, usize::from),
        redo: args.redo,
    };
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else {
        Verbosity::Normal
    };
    let progress = Progress::new(Style::detect(verbosity));
    let outcomes = transcribe(&options, &progress, |outcome| {
        progress.line(&describe(outcome));
    })?;
    progress.finish();
    if args.quiet {
        for outcome in &outcomes {
            if let Outcome::Failed { .. } = outcome {
                eprintln!("{}", describe(outcome));
            }
        }
    }
    let failed = outcomes.iter().any(|o| matches!(o, Outcome::Failed { .. }));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// One session's outcome on one line (and its warnings on the next ones).
fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Drafted(drafted) => {
            let seconds = drafted.elapsed.as_secs_f64();
            let mut line = format!(
                "drafted `{}`: {} cue{} from {} of recording in {} ({:.2}× real time)",
                printable(&drafted.written),
                drafted.cues,
                if drafted.cues == 1 { "" } else { "s" },
                human_duration(drafted.seconds),
                human_duration(seconds),
                seconds / drafted.seconds.max(0.001),
            );
            if drafted.resumed_from_ms > 0 {
                line.push_str(&format!(
                    ", resumed at {} where an interrupted run stopped",
                    clock(drafted.resumed_from_ms)
                ));
            }
            for warning in &drafted.warnings {
                line.push_str(&format!("\n  warning: {}", printable(warning)));
            }
            line
        }
        Outcome::Skipped { session, reason } => {
            format!("skipped `{}`: {}", printable(session), printable(reason))
        }
        Outcome::Failed { session, error } => {
            format!("error: `{}`: {}", printable(session), printable(error))
        }
    }
}
