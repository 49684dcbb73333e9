//! `cyclecast probe`: what cyclecast reads of audio files, as text or JSON.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::cli::ProbeArgs;
use super::shared::print_stdout;
use crate::audio::probe;
use crate::model::{Measurement, Tags};

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
    /// The loudness, the mono downmix's and the balance; `null` when not measured.
    loudness: Option<Measurement>,
    /// Why the loudness could not be measured, when the file was probed but not decoded.
    loudness_error: Option<String>,
}

/// Probes each file and prints what cyclecast reads of it; exit 1 when one is refused.
pub(super) fn run(args: &ProbeArgs) -> Result<ExitCode> {
    let results: Vec<_> = args
        .files
        .iter()
        .zip(probe::probe_files(&args.files))
        .collect();
    let measured = measure_probed(&results, args.no_loudness);
    let lines: Vec<ProbeLine<'_>> = results
        .iter()
        .zip(measured)
        .map(|((path, result), measured)| {
            let info = result.as_ref().ok();
            let (loudness, loudness_error) = match measured {
                Some(Ok(m)) => (Some(m), None),
                Some(Err(e)) => (None, Some(e)),
                None => (None, None),
            };
            ProbeLine {
                loudness,
                loudness_error,
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

/// Measures each file that probing accepted, `None` for the others (or all with
/// `--no-loudness`).
fn measure_probed(
    results: &[(
        &std::path::PathBuf,
        Result<crate::model::AudioInfo, probe::ProbeError>,
    )],
    skip: bool,
) -> Vec<Option<Result<Measurement, String>>> {
    let wanted: Vec<Option<(std::path::PathBuf, Option<crate::model::Trim>)>> = results
        .iter()
        .map(|(path, result)| match result {
            Ok(audio) if !skip => Some((path.to_path_buf(), audio.trim())),
            _ => None,
        })
        .collect();
    let jobs = crate::support::parallel::default_jobs();
    crate::support::parallel::map(jobs, wanted, |wanted| {
        let (path, trim) = wanted?;
        Some(
            crate::audio::loudness::measure(&path, trim)
                .map(|m| m.measurement())
                .map_err(|e| e.to_string()),
        )
    })
}

/// A master's figures on one line: integrated loudness, range and true peak, and whether its
/// renditions are published in mono or stereo (`check` and `probe` show it).
pub(super) fn loudness_summary(channels: u32, measurement: &Measurement) -> String {
    let loudness = &measurement.loudness;
    let Some(integrated) = loudness.integrated_lufs else {
        return "silence (no integrated loudness)".to_string();
    };
    let true_peak = loudness
        .true_peak_dbtp
        .map_or("none".to_string(), |p| format!("{p:.1} dBTP"));
    let channels = if crate::model::rendition::publishes_mono(channels, measurement) {
        "published in mono"
    } else {
        "published in stereo"
    };
    format!(
        "{integrated:.1} LUFS, range {:.1} LU, true peak {true_peak}, {channels}",
        loudness.range_lu
    )
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
    if let Some(measurement) = &line.loudness {
        let channels = line.channels.unwrap_or_default();
        field("loudness", loudness_summary(channels, measurement));
    }
    if let Some(error) = &line.loudness_error {
        field("loudness", format!("not measured: {error}"));
    }
    for warning in line.warnings {
        let _ = writeln!(out, "  warning: {}", printable(&warning.to_string()));
    }
    out
}
