//! `cyclecast check`: every problem of the project, as text or JSON, with the exit code.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::cli::CheckArgs;
use super::shared::{plural, print_stdout, project};
use crate::model::problem;
use crate::output::state;
use crate::publish;
use crate::support::parallel;
use crate::support::progress::Progress;

/// The result of `check --json`.
#[derive(Serialize)]
struct CheckSummary<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    problems: &'a [problem::Problem],
    /// What `--online` found.
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<&'a super::online::OnlineSummary>,
}

/// Loads the project and reports every problem; exit 1 when one is an error.
pub(super) fn run(args: CheckArgs) -> Result<ExitCode> {
    let project = project(args.project)?;
    // What the last publish learnt of the recordings spares reading them again.
    let previous = state::State::before_publish(&project.config, None);
    let work = crate::project::load::Work {
        previous: &previous.sources,
        jobs: parallel::default_jobs(),
        progress: &Progress::hidden(),
    };
    let result = publish::check(&project, work);
    let problems = match &result {
        Ok(checked) => checked.project.problems.as_slice(),
        Err(problems) => problems.as_slice(),
    };
    let errors = problems.iter().filter(|p| p.is_error()).count();
    // The network is asked only about a project that checks: its links and base_url are
    // known to be right.
    let online = match (&result, args.online) {
        (Ok(checked), Some(what)) => Some(super::online::check(
            checked,
            what,
            std::time::Duration::from_secs(args.timeout),
        )?),
        _ => None,
    };
    let online_fails = online.as_ref().is_some_and(|o| o.fails(args.strict));
    if args.json {
        let summary = CheckSummary {
            ok: errors == 0 && !online_fails,
            errors,
            warnings: problems.len() - errors,
            problems,
            online: online.as_ref(),
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
                print_loudness(&checked.project);
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
        if let (Ok(checked), Some(online)) = (&result, &online) {
            super::online::print(online, &checked.project.config.cycle.podcast.base_url);
        }
    }
    Ok(if errors == 0 && !online_fails {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One line per recording: its loudness, and whether it is published in mono or stereo.
fn print_loudness(project: &crate::project::load::Project) {
    for (_, recording, audio) in project.recorded() {
        let Some(measurement) = project.measurement(&recording.path) else {
            continue;
        };
        let shown = crate::project::paths::display_path(&project.config.root, &recording.path);
        eprintln!(
            "{shown}: {}",
            super::probe::loudness_summary(audio.channels, measurement)
        );
    }
}
