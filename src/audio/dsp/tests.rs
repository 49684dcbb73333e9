use super::*;

#[test]
fn downmix_is_the_mean_of_the_channels() {
    let mut out = Vec::new();
    downmix_mono(&[1.0, 0.0, 0.5, -0.5, 0.25, 0.75], 2, &mut out);
    assert_eq!(out, [0.5, 0.0, 0.5]);
    out.clear();
    downmix_mono(&[0.3, 0.6, 0.9], 3, &mut out);
    assert!((out[0] - 0.6).abs() < 1e-6);
    out.clear();
    downmix_mono(&[0.1, 0.2], 1, &mut out);
    assert_eq!(out, [0.1, 0.2]);
}

use std::f64::consts::PI;

/// Runs `signal` through `limiter` in blocks of varied sizes.
fn limit(mut limiter: Limiter, signal: &[f32], channels: usize) -> Vec<f32> {
    let mut out = Vec::new();
    let mut rest = signal;
    for size in [1usize, 7, 100, 4096, 333].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let take = (size * channels).min(rest.len());
        limiter.process(&rest[..take], &mut out);
        rest = &rest[take..];
    }
    limiter.finish(&mut out);
    out
}

/// A stereo sine of `frequency` Hz at 48 kHz, `amplitude` peak, `phase` radians, the right
/// channel at `right` times the left.
fn stereo_sine(frequency: f64, amplitude: f64, phase: f64, right: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .flat_map(|n| {
            let value = amplitude * (2.0 * PI * frequency * n as f64 / 48_000.0 + phase).sin();
            [value as f32, (value * right) as f32]
        })
        .collect()
}

/// Bursts of a tone, on for `on` frames and off for `off`, as syllables are.
fn bursts(frequency: f64, amplitude: f64, on: usize, off: usize, frames: usize) -> Vec<f32> {
    stereo_sine(frequency, amplitude, 0.3, 0.8, frames)
        .chunks_exact(2)
        .enumerate()
        .flat_map(|(n, frame)| {
            let envelope = if n % (on + off) < on { 1.0 } else { 0.0 };
            [frame[0] * envelope, frame[1] * envelope]
        })
        .collect()
}

/// A square wave of `period` frames swinging ±`amplitude`, on both channels.
fn square(period: usize, amplitude: f32, frames: usize) -> Vec<f32> {
    (0..frames)
        .flat_map(|n| {
            let value = if n % period < period / 2 {
                amplitude
            } else {
                -amplitude
            };
            [value, value]
        })
        .collect()
}

/// The true peak in dBTP by 16× interpolation with a long windowed sinc, independent of the
/// limiter's detector.
fn reference_true_peak_db(interleaved: &[f32], channels: usize) -> f64 {
    const HALF: i64 = 32;
    const FACTOR: usize = 16;
    let mut peak = 0.0f64;
    for channel in 0..channels {
        let samples: Vec<f64> = interleaved
            .iter()
            .skip(channel)
            .step_by(channels)
            .map(|&sample| f64::from(sample))
            .collect();
        for n in 0..samples.len() as i64 {
            peak = peak.max(samples[n as usize].abs());
            for phase in 1..FACTOR {
                let at = n as f64 + phase as f64 / FACTOR as f64;
                let mut value = 0.0;
                for k in (n - HALF + 1)..=(n + HALF) {
                    if k < 0 || k >= samples.len() as i64 {
                        continue;
                    }
                    let distance = at - k as f64;
                    let window = 0.5 + 0.5 * (PI * distance / HALF as f64).cos();
                    value += samples[k as usize] * (PI * distance).sin() / (PI * distance) * window;
                }
                peak = peak.max(value.abs());
            }
        }
    }
    20.0 * peak.log10()
}

/// The true peak as the ebur128 crate reads it (4×).
fn ebur128_true_peak_db(interleaved: &[f32], channels: usize) -> f64 {
    let mut meter =
        ebur128::EbuR128::new(channels as u32, 48_000, ebur128::Mode::TRUE_PEAK).unwrap();
    meter.add_frames_f32(interleaved).unwrap();
    let peak = (0..channels as u32)
        .map(|channel| meter.true_peak(channel).unwrap())
        .fold(0.0, f64::max);
    20.0 * peak.log10()
}

/// The true peak as ffmpeg's ebur128 filter reads it, if ffmpeg is on PATH.
fn ffmpeg_true_peak_db(interleaved: &[f32], channels: usize) -> Option<f64> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limited.wav");
    write_float_wav(&path, interleaved, channels as u16, 48_000);
    let output = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(&path)
        .args(["-filter_complex", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .ok()?;
    let log = String::from_utf8_lossy(&output.stderr);
    let summary = &log[log.rfind("Summary:")?..];
    let line = summary
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with("Peak:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn write_float_wav(path: &std::path::Path, interleaved: &[f32], channels: u16, rate: u32) {
    let data_len = (interleaved.len() * 4) as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&3u16.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * u32::from(channels) * 4).to_le_bytes());
    bytes.extend_from_slice(&(channels * 4).to_le_bytes());
    bytes.extend_from_slice(&32u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in interleaved {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

const CEILING_DBTP: f64 = -1.0;

/// Limits `signal` with `gain_db` and checks its length and its true peak by three meters.
fn assert_ceiling_held(name: &str, signal: &[f32], gain_db: f64) {
    let out = limit(Limiter::new(48_000, 2, gain_db, CEILING_DBTP), signal, 2);
    assert_eq!(out.len(), signal.len(), "{name}: length");
    let reference = reference_true_peak_db(&out, 2);
    let ebur128 = ebur128_true_peak_db(&out, 2);
    let ffmpeg = ffmpeg_true_peak_db(&out, 2);
    eprintln!("{name}: reference {reference:.3}, ebur128 {ebur128:.3}, ffmpeg {ffmpeg:?} dBTP");
    assert!(
        reference <= CEILING_DBTP + 0.02,
        "{name}: reference {reference} dBTP"
    );
    assert!(ebur128 <= CEILING_DBTP, "{name}: ebur128 {ebur128} dBTP");
    if let Some(ffmpeg) = ffmpeg {
        assert!(ffmpeg <= CEILING_DBTP, "{name}: ffmpeg {ffmpeg} dBTP");
    }
}

#[test]
fn limiter_holds_the_ceiling_on_sine_bursts() {
    assert_ceiling_held("bursts", &bursts(440.0, 0.5, 9_600, 4_800, 48_000), 12.0);
    assert_ceiling_held(
        "high bursts",
        &bursts(9_000.0, 0.5, 2_400, 2_400, 24_000),
        9.0,
    );
}

#[test]
fn limiter_holds_the_ceiling_on_a_square_wave() {
    assert_ceiling_held("square", &square(100, 0.5, 24_000), 6.0);
}

#[test]
fn limiter_holds_the_ceiling_on_inter_sample_peaks() {
    // fs/4 at 45°: the samples are ±0.707 of the peak, which falls between them (+3 dB).
    let signal = stereo_sine(12_000.0, 0.5, PI / 4.0, -1.0, 24_000);
    assert_ceiling_held("fs/4", &signal, 6.0);
}

#[test]
fn limiter_is_transparent_under_the_ceiling() {
    let signal = bursts(440.0, 0.25, 4_800, 4_800, 30_000);
    let gain_db = 3.0;
    let out = limit(Limiter::new(48_000, 2, gain_db, CEILING_DBTP), &signal, 2);
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    let expected: Vec<f32> = signal.iter().map(|sample| sample * gain).collect();
    assert_eq!(out, expected);
}

#[test]
fn limiter_gives_as_many_frames_as_it_takes_aligned() {
    for frames in [0, 1, 5, 239, 240, 241, 10_000] {
        let signal = square(64, 0.9, frames);
        let out = limit(Limiter::new(48_000, 2, 0.0, CEILING_DBTP), &signal, 2);
        assert_eq!(out.len(), signal.len(), "{frames} frames");
        // The square's edges are where they were: the sign of each sample is kept.
        assert!(
            out.iter()
                .zip(&signal)
                .all(|(a, b)| a.signum() == b.signum()),
            "{frames} frames: shifted"
        );
    }
}

#[test]
fn limiter_recovers_after_a_peak_and_is_deterministic() {
    // A loud burst, then quiet tone: the gain is back to 1 within the quiet part.
    let mut signal = bursts(440.0, 0.9, 4_800, 0, 4_800);
    signal.extend(stereo_sine(440.0, 0.1, 0.0, 1.0, 120_000));
    let first = limit(Limiter::new(48_000, 2, 0.0, CEILING_DBTP), &signal, 2);
    let second = limit(Limiter::new(48_000, 2, 0.0, CEILING_DBTP), &signal, 2);
    assert_eq!(first, second);
    let tail = 48_000 * 2;
    let changed = first[first.len() - tail..]
        .iter()
        .zip(&signal[signal.len() - tail..])
        .position(|(out, input)| out != input);
    assert_eq!(changed, None, "the last second is not the input");
    let mut limiter = Limiter::new(48_000, 2, 0.0, CEILING_DBTP);
    limit_into(&mut limiter, &signal);
    let stats = limiter.gain_reduction_stats();
    // 0.9 is −0.92 dBFS, the limiter aims at −1.1 dBTP.
    assert!(stats.max_db > 0.15 && stats.max_db < 0.25, "{stats:?}");
}

fn limit_into(limiter: &mut Limiter, signal: &[f32]) {
    let mut out = Vec::new();
    limiter.process(signal, &mut out);
    limiter.finish(&mut out);
}

/// Runs `signal` through a resampler in blocks of varied sizes.
fn resample(from: u32, to: u32, channels: usize, signal: &[f32]) -> Vec<f32> {
    let mut resampler = Resampler::new(from, to, channels).unwrap();
    let mut out = Vec::new();
    let mut rest = signal;
    for size in [1usize, 1000, 4096, 17, 9000].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let take = (size * channels).min(rest.len());
        resampler.process(&rest[..take], &mut out);
        rest = &rest[take..];
    }
    resampler.finish(&mut out);
    out
}

fn mono_sine(frequency: f64, amplitude: f64, rate: u32, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|n| (amplitude * (2.0 * PI * frequency * n as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

const MASTER_RATES: [u32; 6] = [44_100, 48_000, 96_000, 22_050, 32_000, 16_000];
const OUTPUT_RATES: [u32; 3] = [44_100, 48_000, 24_000];

#[test]
fn resampler_gives_exactly_the_frames_the_ratio_gives() {
    for from in MASTER_RATES {
        for to in OUTPUT_RATES {
            for frames in [0usize, 1, 7, 4095, 4096, 4097, 30_001] {
                let signal = vec![0.25f32; frames * 2];
                let out = resample(from, to, 2, &signal);
                let expected =
                    (frames as u64 * u64::from(to) + u64::from(from) / 2) / u64::from(from);
                assert_eq!(
                    out.len() as u64,
                    expected * 2,
                    "{from} → {to}, {frames} frames"
                );
            }
        }
    }
}

#[test]
fn resampler_keeps_a_sine_in_frequency_amplitude_and_phase() {
    for from in MASTER_RATES {
        for to in OUTPUT_RATES {
            let seconds = 1.0;
            let signal = mono_sine(1_000.0, 0.5, from, (f64::from(from) * seconds) as usize);
            let out = resample(from, to, 1, &signal);
            let expected = mono_sine(1_000.0, 0.5, to, out.len());
            // Away from the edges, where the filter sees the cut.
            let middle = (out.len() / 10)..(out.len() * 9 / 10);
            let error = middle
                .clone()
                .map(|n| (out[n] - expected[n]).abs())
                .fold(0.0f32, f32::max);
            let rms = |samples: &[f32]| {
                (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64)
                    .sqrt()
            };
            let gain_db = 20.0 * (rms(&out[middle.clone()]) / rms(&expected[middle])).log10();
            assert!(gain_db.abs() < 0.1, "{from} → {to}: {gain_db} dB");
            // An error of 0.001 at amplitude 0.5 is a phase error of 0.002 rad (0.3 µs).
            assert!(error < 1e-3, "{from} → {to}: error {error}");
        }
    }
}

#[test]
fn resampler_at_equal_rates_passes_the_input_through() {
    let signal = stereo_sine(440.0, 0.5, 0.1, 0.5, 10_001);
    assert_eq!(resample(48_000, 48_000, 2, &signal), signal);
}

#[test]
fn resampler_refuses_a_rate_of_zero() {
    assert!(Resampler::new(0, 48_000, 2).is_err());
    assert!(Resampler::new(48_000, 44_100, 0).is_err());
}

#[test]
fn resampler_is_deterministic_and_keeps_channels_apart() {
    let signal = stereo_sine(1_000.0, 0.5, 0.0, 0.0, 20_000);
    let first = resample(48_000, 44_100, 2, &signal);
    assert_eq!(first, resample(48_000, 44_100, 2, &signal));
    let right_peak = first
        .iter()
        .skip(1)
        .step_by(2)
        .fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(right_peak < 1e-6, "the silent channel got {right_peak}");
}

#[test]
fn resampler_stops_what_lies_above_the_new_nyquist() {
    for (from, tone) in [(48_000, 14_000.0), (44_100, 13_000.0), (96_000, 30_000.0)] {
        let signal = mono_sine(tone, 0.5, from, from as usize);
        let out = resample(from, 24_000, 1, &signal);
        let middle = &out[out.len() / 10..out.len() * 9 / 10];
        let peak = middle.iter().fold(0.0f32, |max, s| max.max(s.abs()));
        let attenuation_db = 20.0 * (0.5 / f64::from(peak)).log10();
        eprintln!("{from} → 24000, {tone} Hz: {attenuation_db:.1} dB down");
        assert!(
            attenuation_db > 90.0,
            "{from} → 24000, {tone} Hz: {attenuation_db} dB"
        );
    }
}

/// The reduction (dB) at each frame of `out` against `input`, from the left channel, where
/// the input is loud enough to read it.
fn reduction_at(input: &[f32], out: &[f32], frame: usize) -> f64 {
    -20.0 * (f64::from(out[frame * 2]) / f64::from(input[frame * 2])).log10()
}

#[test]
fn limiter_attacks_before_the_peak_and_releases_in_150_ms() {
    // A quiet tone, 100 ms six dB over the ceiling (a square envelope), then quiet again.
    let quiet = 0.1;
    let mut signal = stereo_sine(1_000.0, quiet, 0.25, 1.0, 48_000);
    for (n, sample) in signal.iter_mut().enumerate() {
        let frame = n / 2;
        if (9_600..14_400).contains(&frame) {
            *sample *= 17.8;
        }
    }
    let out = limit(Limiter::new(48_000, 2, 0.0, CEILING_DBTP), &signal, 2);
    // 2 ms before the burst the gain is already moving; 10 ms before it is not.
    assert!(reduction_at(&signal, &out, 9_600 - 96) > 0.5);
    assert_eq!(reduction_at(&signal, &out, 9_600 - 480), 0.0);
    let held = reduction_at(&signal, &out, 14_000);
    assert!((held - 6.0).abs() < 0.5, "{held} dB in the burst");
    // One time constant after the burst, e⁻¹ of the gain's shortfall is left (the release
    // is exponential in gain: 6 dB fall to 1.77 dB in 150 ms, 0.1 dB in 0.6 s).
    let gain_of = |db: f64| 10f64.powf(-db / 20.0);
    let after = reduction_at(&signal, &out, 14_400 + 7_200 + 12);
    let expected = 1.0 - (1.0 - gain_of(held)) * (-1f64).exp();
    assert!(
        (gain_of(after) - expected).abs() < 0.01,
        "{after} dB 150 ms after"
    );
}

/// Noise in syllables (4 a second) of `seconds`, its first half `quieter_db` under its second
/// (two voices far apart), each channel its own noise; deterministic.
fn uneven_syllables(rate: u32, channels: usize, seconds: usize, quieter_db: f64) -> Vec<f32> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f64 / f64::from(1u32 << 24) * 2.0 - 1.0
    };
    let frames = rate as usize * seconds;
    let quiet = 10f64.powf(-quieter_db / 20.0);
    (0..frames)
        .flat_map(|n| {
            let t = n as f64 / f64::from(rate);
            let syllable = (2.0 * PI * 4.0 * t).sin().max(0.0).powi(2);
            let voice = if n < frames / 2 { quiet } else { 1.0 };
            let scale = 0.5 * syllable * voice;
            (0..channels)
                .map(|_| (noise() * scale) as f32)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The integrated loudness of `signal` limited at `drive_db` over a ceiling of 0 dBTP, as the
/// ebur128 crate measures it.
fn limited_level(signal: &[f32], rate: u32, channels: usize, drive_db: f64) -> f64 {
    let out = limit(
        Limiter::new(rate, channels, drive_db, 0.0),
        signal,
        channels,
    );
    let mut meter = ebur128::EbuR128::new(channels as u32, rate, ebur128::Mode::I).unwrap();
    meter.add_frames_f32(&out).unwrap();
    meter.loudness_global().unwrap()
}

/// Feeds `signal` to a survey in blocks of varied sizes.
fn surveyed(signal: &[f32], rate: u32, channels: usize, drives: &[f64]) -> Vec<(f64, Option<f64>)> {
    let mut survey = LevelSurvey::new(rate, channels, drives);
    let mut rest = signal;
    for size in [4096usize, 1, 333, 70_000].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let take = (size * channels).min(rest.len());
        survey.add(&rest[..take]);
        rest = &rest[take..];
    }
    survey.finish()
}

#[test]
fn survey_reads_the_limiters_level_at_each_drive() {
    for (rate, channels) in [(48_000, 2), (44_100, 1)] {
        let signal = uneven_syllables(rate, channels, 30, 20.0);
        let drives = [0.0, 6.0, 12.0, 18.0];
        let levels = surveyed(&signal, rate, channels, &drives);
        assert_eq!(levels.len(), drives.len());
        for (&drive, &(surveyed_drive, level)) in drives.iter().zip(&levels) {
            assert_eq!(drive, surveyed_drive);
            let level = level.expect("a level");
            let limited = limited_level(&signal, rate, channels, drive);
            eprintln!(
                "{rate} Hz × {channels}, drive {drive}: survey {level:.3}, limiter {limited:.3} LUFS"
            );
            assert!(
                (level - limited).abs() < 0.1,
                "{rate} Hz × {channels}, drive {drive}: survey {level}, limiter {limited}"
            );
        }
    }
}

#[test]
fn survey_of_silence_has_no_level() {
    let levels = surveyed(&vec![0.0; 48_000 * 2], 48_000, 2, &[3.0]);
    assert_eq!(levels, [(3.0, None)]);
}

#[test]
fn a_dc_offset_is_taken_out_and_a_voice_passes_whole() {
    let rate = 48_000;
    let voice: Vec<f32> = (0..rate * 2)
        .map(|n| (0.5 * (2.0 * std::f64::consts::PI * 200.0 * n as f64 / rate as f64).sin()) as f32)
        .collect();
    let mut offset: Vec<f32> = voice.iter().map(|s| s + 0.3).collect();
    let mut blocker = DcBlocker::new(rate as u32, 1);
    for block in offset.chunks_mut(1000) {
        blocker.process(block);
    }
    // After a settling of 0.5 s, the voice alone: its mean is gone, its level kept.
    let settled = &offset[rate / 2..];
    let mean = settled.iter().map(|&s| f64::from(s)).sum::<f64>() / settled.len() as f64;
    assert!(mean.abs() < 1e-3, "mean {mean}");
    let peak = settled.iter().fold(0f32, |peak, s| peak.max(s.abs()));
    assert!((peak - 0.5).abs() < 0.005, "peak {peak}");
    let error = settled
        .iter()
        .zip(&voice[rate / 2..])
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(error < 0.03, "the voice is kept: {error}");
}
