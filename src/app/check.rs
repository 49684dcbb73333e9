//! `cyclecast check`: every problem of the project, as text or JSON, with the exit code.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::cli::CheckArgs;
use super::shared::{plural, print_stdout, project};
use crate::model::AudioInfo;
use crate::model::problem;
use crate::model::rendition::{
    self, AsIs, Enclosure, PodcastSettings, READY_TOLERANCE_LU, Reencode,
};
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
    /// Each recording's loudness and how it becomes the enclosure (a project that checks).
    recordings: Vec<RecordingReport<'a>>,
    /// What `--online` found.
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<&'a super::online::OnlineSummary>,
}

/// A recording as `check` reports it: its loudness, whether it is published in mono, and how
/// it becomes the feed's enclosure.
#[derive(Serialize)]
struct RecordingReport<'a> {
    /// The session's id.
    session: &'a str,
    /// The recording, as the project names it.
    file: String,
    /// Its loudness, as measured.
    loudness: &'a crate::model::Loudness,
    /// Whether its renditions are mono.
    mono: bool,
    /// Whether the enclosure is the recording as it is (tagged), not an MP3 made from it;
    /// `None` for a recording that is not a session's enclosure (a radio edit).
    #[serde(skip_serializing_if = "Option::is_none")]
    enclosure_as_is: Option<bool>,
    /// How it becomes the enclosure, in words: why, and at what cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    enclosure: Option<String>,
    /// The text output's loudness summary.
    #[serde(skip)]
    summary: String,
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
            recordings: result.as_ref().map_or_else(
                |_| Vec::new(),
                |checked| recording_reports(&checked.project),
            ),
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
                for report in recording_reports(&checked.project) {
                    let file = crate::model::text::printable(&report.file);
                    eprintln!("{file}: {}", report.summary);
                    if let Some(enclosure) = &report.enclosure {
                        eprintln!("  enclosure: {enclosure}");
                    }
                }
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

/// Per measured recording: its loudness, whether it is published in mono or stereo, and how
/// it becomes the feed's enclosure (published as it is, or encoded: why, and at what cost).
fn recording_reports(project: &crate::project::load::Project) -> Vec<RecordingReport<'_>> {
    let podcast = &project.config.cycle.renditions.podcast;
    project
        .recorded()
        .filter_map(|(session, recording, audio)| {
            let measurement = project.measurement(&recording.path)?;
            let mono = rendition::publishes_mono(audio.channels, measurement);
            let enclosure = project.enclosures.get(&session.number);
            Some(RecordingReport {
                session: &session.id,
                file: crate::project::paths::display_path(&project.config.root, &recording.path),
                loudness: &measurement.loudness,
                mono,
                enclosure_as_is: enclosure.map(|e| matches!(e, Enclosure::AsIs(_))),
                enclosure: enclosure.map(|enclosure| {
                    let integrated = measurement.loudness.integrated_lufs;
                    enclosure_summary(enclosure, audio, integrated, mono, podcast)
                }),
                summary: super::probe::loudness_summary(audio.channels, measurement),
            })
        })
        .collect()
}

/// How a master becomes the feed's enclosure, in words: published as it is and why, or
/// encoded to MP3, why, and what it costs (a second lossy generation, its size).
fn enclosure_summary(
    enclosure: &Enclosure,
    audio: &AudioInfo,
    integrated: Option<f64>,
    mono: bool,
    podcast: &PodcastSettings,
) -> String {
    let target = &podcast.target;
    let off_target = |off: f64| {
        format!(
            "{:.1} LU {} the {} LUFS target",
            off.abs(),
            if off < 0.0 { "under" } else { "over" },
            target.integrated_lufs
        )
    };
    let format = audio
        .published_format()
        .map_or("?", |(extension, _)| extension);
    let format = format.to_uppercase();
    let reason = match enclosure {
        Enclosure::AsIs(AsIs::Ready) => {
            return format!(
                "the {format} as it is (tagged): within {READY_TOLERANCE_LU} LU of {} LUFS and under {} dBTP",
                target.integrated_lufs, target.true_peak_dbtp
            );
        }
        Enclosure::AsIs(AsIs::PinnedM4a) => {
            let off = integrated.map_or(String::new(), |i| {
                format!(", {}", off_target(i - target.integrated_lufs))
            });
            return format!(
                "the M4A as it is (tagged){off}: its `.m4a` URL is pinned in cyclecast.lock and never changes"
            );
        }
        Enclosure::AsIs(AsIs::Unmeasured) => {
            return format!("the {format} as it is (tagged): it could not be measured");
        }
        Enclosure::Encoded(Reencode::Lossless) => {
            format!("a {format} master is never published raw")
        }
        Enclosure::Encoded(Reencode::Unplayable) => {
            format!("podcast apps do not all play {format}")
        }
        Enclosure::Encoded(Reencode::OffTarget(off)) => off_target(*off),
        Enclosure::Encoded(Reencode::OverCeiling(over)) => format!(
            "its true peak is {over:.1} dB over the {} dBTP ceiling",
            target.true_peak_dbtp
        ),
    };
    let kbps = if mono {
        podcast.mono_kbps
    } else {
        podcast.stereo_kbps
    };
    let bytes = audio.duration_secs() * f64::from(kbps) * 1000.0 / 8.0;
    let generation = if matches!(enclosure, Enclosure::Encoded(Reencode::Lossless)) {
        String::new()
    } else {
        format!(
            "; cost: a second lossy encoding of a {} kbit/s {format}",
            audio.bitrate().div_ceil(1000)
        )
    };
    format!(
        "encoded to MP3, {kbps} kbit/s {} CBR, about {} (the master: {}): {reason}{generation}",
        if mono { "mono" } else { "stereo" },
        size(bytes),
        size(audio.size as f64),
    )
}

/// A file size for people: megabytes with one decimal, or kilobytes under 0.1 MB.
fn size(bytes: f64) -> String {
    if bytes < 100_000.0 {
        format!("{:.0} kB", bytes / 1e3)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}
