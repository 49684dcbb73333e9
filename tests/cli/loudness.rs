//! The loudness meter (`cyclecast::audio::loudness::measure`, not yet behind a command) against
//! ffmpeg's independent `ebur128=peak=sample+true` filter, on masters made by sox, lame and
//! ffmpeg: integrated loudness within 0.2 LU, loudness range within 0.3 LU, sample and true peak
//! within 0.3 dB (ffmpeg prints one decimal).

use std::path::Path;
use std::process::Command;

use crate::harness::tool;

/// ffmpeg's figures: integrated loudness, loudness range, sample peak, true peak.
struct Ffmpeg {
    integrated: f64,
    range: f64,
    sample_peak: f64,
    true_peak: f64,
}

/// Measures a file with ffmpeg's `ebur128` filter and reads its summary.
fn ffmpeg_measure(path: &Path) -> Ffmpeg {
    let program = crate::oracle::path("ffmpeg").unwrap();
    let output = Command::new(program)
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args([
            "-filter_complex",
            "ebur128=peak=sample+true",
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ffmpeg failed on {}",
        path.display()
    );
    let text = String::from_utf8_lossy(&output.stderr);
    // The summary's lines are the only ones that start (after spaces) with their label; the
    // per-frame lines start with the filter's name.
    let values = |label: &str| -> Vec<f64> {
        text.lines()
            .filter_map(|line| line.trim_start().strip_prefix(label))
            .map(|rest| {
                let number = rest.split_whitespace().next().unwrap();
                number.parse::<f64>().unwrap_or(f64::NEG_INFINITY)
            })
            .collect()
    };
    // ffmpeg prints a summary for every time it sets the filter up: the last one is of the
    // whole file (an earlier one, of no audio, reads -70 LUFS and -inf).
    let peaks = values("Peak:");
    assert!(
        peaks.len() >= 2,
        "no sample and true peak in ffmpeg's summary:\n{text}"
    );
    Ffmpeg {
        integrated: *values("I:").last().expect("no I: in ffmpeg's summary"),
        range: *values("LRA:").last().expect("no LRA: in ffmpeg's summary"),
        sample_peak: peaks[peaks.len() - 2],
        true_peak: peaks[peaks.len() - 1],
    }
}

/// Measures `path` with cyclecast and with ffmpeg, and compares.
fn compare(path: &Path) {
    let trim = cyclecast::audio::probe::probe_file(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim();
    let ours = cyclecast::audio::loudness::measure(path, trim)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let theirs = ffmpeg_measure(path);
    let l = ours.loudness;
    let name = path.file_name().unwrap().to_string_lossy();
    let integrated = l.integrated_lufs.expect("no integrated loudness");
    assert!(
        (integrated - theirs.integrated).abs() <= 0.2,
        "{name}: I {integrated:.2} LUFS, ffmpeg {}",
        theirs.integrated
    );
    assert!(
        (l.range_lu - theirs.range).abs() <= 0.3,
        "{name}: LRA {:.2} LU, ffmpeg {}",
        l.range_lu,
        theirs.range
    );
    let sample_peak = l.sample_peak_dbfs.expect("no sample peak");
    assert!(
        (sample_peak - theirs.sample_peak).abs() <= 0.3,
        "{name}: sample peak {sample_peak:.2} dBFS, ffmpeg {}",
        theirs.sample_peak
    );
    let true_peak = l.true_peak_dbtp.expect("no true peak");
    assert!(
        (true_peak - theirs.true_peak).abs() <= 0.3,
        "{name}: true peak {true_peak:.2} dBTP, ffmpeg {}",
        theirs.true_peak
    );
    assert!(ours.warnings.is_empty(), "{name}: {:?}", ours.warnings);
}

#[test]
fn loudness_agrees_with_ffmpeg_on_masters_made_by_sox_lame_and_ffmpeg() {
    if !crate::oracle::require(&["sox", "ffmpeg", "lame"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    // Pink noise, steady, in stereo.
    tool(
        "sox",
        &[
            // Repeatable noise: the same file, so the same peaks, every run.
            "-R",
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            &at("pink.wav"),
            "synth",
            "20",
            "pinknoise",
            "gain",
            "-n",
            "-20",
        ],
    );
    // Two voices far apart: a quiet part, a loud part, a quiet part (a loudness range of its own).
    tool(
        "sox",
        &[
            "-R",
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            &at("quiet.wav"),
            "synth",
            "15",
            "pinknoise",
            "gain",
            "-n",
            "-35",
        ],
    );
    tool(
        "sox",
        &[
            "-R",
            "-n",
            "-r",
            "48000",
            "-c",
            "2",
            &at("loud.wav"),
            "synth",
            "15",
            "brownnoise",
            "gain",
            "-n",
            "-12",
        ],
    );
    tool(
        "sox",
        &[
            &at("quiet.wav"),
            &at("loud.wav"),
            &at("quiet.wav"),
            &at("uneven.wav"),
        ],
    );
    // Mono, 44.1 kHz, 24-bit, a sine near full scale (inter-sample peaks).
    tool(
        "sox",
        &[
            "-R",
            "-n",
            "-r",
            "44100",
            "-c",
            "1",
            "-b",
            "24",
            &at("mono.wav"),
            "synth",
            "20",
            "sine",
            "997",
            "gain",
            "-n",
            "-0.5",
        ],
    );
    // The same masters as the codecs publish them.
    tool(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            &at("uneven.wav"),
            &at("uneven.flac"),
        ],
    );
    tool(
        "lame",
        &["--quiet", "-b", "128", &at("uneven.wav"), &at("uneven.mp3")],
    );
    tool(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            &at("pink.wav"),
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            &at("pink.m4a"),
        ],
    );
    tool(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            &at("pink.wav"),
            "-c:a",
            "pcm_f32le",
            &at("pink-float.wav"),
        ],
    );
    for name in [
        "pink.wav",
        "uneven.wav",
        "mono.wav",
        "uneven.flac",
        "uneven.mp3",
        "pink.m4a",
        "pink-float.wav",
    ] {
        compare(&dir.path().join(name));
    }
}

/// Makes `a.opus` (ffmpeg's libopus, stereo, from 48 kHz) and `b.opus` (opusenc, mono,
/// resampled from 44.1 kHz) in `dir`, from pink noise of odd lengths.
fn make_opus_masters(dir: &Path) -> Vec<std::path::PathBuf> {
    let at = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let noise = |rate: &str, channels: &str, seconds: &str, name: &str| {
        let args = ["-n", "-r", rate, "-c", channels, "-b", "16"];
        let wav = at(name);
        let mut args = args.to_vec();
        args.extend([wav.as_str(), "synth", seconds, "pinknoise", "gain", "-6"]);
        tool("sox", &args);
    };
    noise("48000", "2", "3.4571", "a.wav");
    noise("44100", "1", "2.2221", "b.wav");
    tool(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-i",
            &at("a.wav"),
            "-c:a",
            "libopus",
            &at("a.opus"),
        ],
    );
    tool("opusenc", &["--quiet", &at("b.wav"), &at("b.opus")]);
    vec![dir.join("a.opus"), dir.join("b.opus")]
}

/// ffmpeg's own decode of `path`: interleaved `f32` at 48 kHz.
#[cfg(feature = "opus")]
fn ffmpeg_decode(path: &Path) -> Vec<f32> {
    let program = crate::oracle::path("ffmpeg").unwrap();
    let output = Command::new(program)
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(path)
        .args(["-f", "f32le", "-"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ffmpeg failed on {}",
        path.display()
    );
    output
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(feature = "opus")]
#[test]
fn an_opus_master_decodes_to_its_probed_length_and_its_loudness_agrees_with_ffmpeg() {
    if !crate::oracle::require(&["sox", "ffmpeg", "opusenc"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (path, channels) in make_opus_masters(dir.path()).iter().zip([2, 1]) {
        let name = path.file_name().unwrap().to_string_lossy();
        let info = cyclecast::audio::probe::probe_file(path).unwrap();
        let mut decoder = cyclecast::audio::decode::Decoder::open(path, info.trim()).unwrap();
        assert_eq!(
            (decoder.sample_rate(), decoder.channels()),
            (48_000, channels)
        );
        let mut ours = Vec::new();
        while let Some(block) = decoder.next_block().unwrap() {
            ours.extend_from_slice(block);
        }
        assert_eq!(decoder.frames(), info.frames, "{name}: frames");
        if name == "a.opus" {
            // ffmpeg states the source's length in the last granule position: exact.
            let source = cyclecast::audio::probe::probe_file(&dir.path().join("a.wav")).unwrap();
            assert_eq!(info.frames, source.frames, "{name}: frames of its source");
        }
        assert!(
            decoder.warnings().is_empty(),
            "{name}: {:?}",
            decoder.warnings()
        );
        // Aligned with ffmpeg's own decoder (pre-skip dropped at the start, not the end).
        let theirs = ffmpeg_decode(path);
        assert_eq!(ours.len(), theirs.len(), "{name}: samples against ffmpeg");
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-3,
            "{name}: differs from ffmpeg's decode by {worst}"
        );
        compare(path);
    }
}

#[cfg(not(feature = "opus"))]
#[test]
fn an_opus_master_is_refused_with_the_reason() {
    if !crate::oracle::require(&["sox", "ffmpeg", "opusenc"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for path in make_opus_masters(dir.path()) {
        let error = cyclecast::audio::loudness::measure(&path, None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("Opus")
                && error.contains("`opus` feature")
                && error.contains("cargo build --release --features opus")
                && error.contains("libopus-dev"),
            "{error}"
        );
    }
}
