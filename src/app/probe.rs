//! `cyclecast probe`: what cyclecast reads of audio files, as text or JSON.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::cli::ProbeArgs;
use super::shared::print_stdout;
use crate::audio::probe;
use crate::model::Tags;

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

/// Probes each file and prints what cyclecast reads of it; exit 1 when one is refused.
pub(super) fn run(args: &ProbeArgs) -> Result<ExitCode> {
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
