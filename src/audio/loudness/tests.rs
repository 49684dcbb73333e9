//! The meter and the decoder on synthetic WAVs, written here (EBU Tech 3341 style signals).

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use super::measure;
use crate::audio::decode::{DecodeError, Decoder};

/// How the samples of a test WAV are stored.
#[derive(Clone, Copy)]
enum Sample {
    I16,
    F32,
}

/// A WAV of interleaved samples in [-1, 1]; `stated_frames` overrides the data chunk's length
/// (a file cut short states more than it holds).
fn wav(
    dir: &Path,
    name: &str,
    rate: u32,
    channels: u16,
    format: Sample,
    samples: &[f64],
    stated_frames: Option<usize>,
) -> PathBuf {
    let (tag, bytes): (u16, u16) = match format {
        Sample::I16 => (1, 2),
        Sample::F32 => (3, 4),
    };
    let frames = stated_frames.unwrap_or(samples.len() / usize::from(channels));
    let data_len = (frames * usize::from(channels) * usize::from(bytes)) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    let block = channels * bytes;
    out.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&(bytes * 8).to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for &s in samples {
        match format {
            Sample::I16 => out.extend_from_slice(
                &((s * 32767.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes(),
            ),
            Sample::F32 => out.extend_from_slice(&(s as f32).to_le_bytes()),
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

/// A 1 kHz sine of peak level `dbfs` in every channel, interleaved.
fn sine(rate: u32, channels: u16, seconds: f64, dbfs: f64) -> Vec<f64> {
    let amplitude = 10f64.powf(dbfs / 20.0);
    let frames = (f64::from(rate) * seconds) as usize;
    (0..frames)
        .flat_map(|i| {
            let s = amplitude * (2.0 * PI * 1000.0 * i as f64 / f64::from(rate)).sin();
            std::iter::repeat_n(s, usize::from(channels))
        })
        .collect()
}

#[test]
fn a_stereo_sine_at_minus_23_dbfs_reads_minus_23_lufs() {
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [(Sample::I16, "s16.wav"), (Sample::F32, "f32.wav")] {
        let path = wav(
            dir.path(),
            name,
            48000,
            2,
            format,
            &sine(48000, 2, 20.0, -23.0),
            None,
        );
        let measured = measure(&path, None).unwrap();
        let l = measured.loudness;
        let i = l.integrated_lufs.unwrap();
        assert!((i + 23.0).abs() <= 0.1, "{name}: {i} LUFS");
        assert!(l.range_lu.abs() <= 0.1, "{name}: LRA {}", l.range_lu);
        let peak = l.sample_peak_dbfs.unwrap();
        assert!((peak + 23.0).abs() <= 0.01, "{name}: sample peak {peak}");
        let true_peak = l.true_peak_dbtp.unwrap();
        assert!(
            (true_peak + 23.0).abs() <= 0.1,
            "{name}: true peak {true_peak}"
        );
        assert_eq!(measured.frames, 20 * 48000);
        assert_eq!((measured.sample_rate, measured.channels), (48000, 2));
        assert!(measured.warnings.is_empty(), "{:?}", measured.warnings);
    }
}

#[test]
fn a_sine_at_minus_33_dbfs_at_44_1_khz_reads_minus_33_lufs() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(
        dir.path(),
        "a.wav",
        44100,
        2,
        Sample::I16,
        &sine(44100, 2, 20.0, -33.0),
        None,
    );
    let i = measure(&path, None)
        .unwrap()
        .loudness
        .integrated_lufs
        .unwrap();
    assert!((i + 33.0).abs() <= 0.1, "{i} LUFS");
}

#[test]
fn silence_has_no_integrated_loudness_and_stays_valid_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(
        dir.path(),
        "s.wav",
        48000,
        2,
        Sample::I16,
        &vec![0.0; 2 * 48000 * 5],
        None,
    );
    let loudness = measure(&path, None).unwrap().loudness;
    assert_eq!(loudness.integrated_lufs, None);
    assert_eq!(loudness.sample_peak_dbfs, None);
    assert_eq!(loudness.true_peak_dbtp, None);
    assert_eq!(loudness.range_lu, 0.0);
    let json = serde_json::to_string(&loudness).unwrap();
    assert!(json.contains("\"integrated_lufs\":null"), "{json}");
    let back: crate::model::Loudness = serde_json::from_str(&json).unwrap();
    assert_eq!(back, loudness);
}

#[test]
fn a_clipped_square_peaks_at_0_dbfs() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<f64> = (0..48000 * 5)
        .flat_map(|i| {
            let s = if (i / 24) % 2 == 0 { 1.0 } else { -1.0 };
            [s, s]
        })
        .collect();
    let path = wav(dir.path(), "sq.wav", 48000, 2, Sample::F32, &samples, None);
    let l = measure(&path, None).unwrap().loudness;
    let peak = l.sample_peak_dbfs.unwrap();
    assert!(peak.abs() < 0.01, "sample peak {peak}");
    assert!(l.true_peak_dbtp.unwrap() >= peak - 0.01, "{l:?}");
}

#[test]
fn a_truncated_wav_decodes_what_it_holds_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let samples = sine(48000, 2, 5.0, -20.0);
    let path = wav(
        dir.path(),
        "cut.wav",
        48000,
        2,
        Sample::I16,
        &samples,
        Some(48000 * 10),
    );
    let measured = measure(&path, None).unwrap();
    assert_eq!(measured.frames, 5 * 48000);
    assert!(
        measured.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        measured.warnings
    );
    let i = measured.loudness.integrated_lufs.unwrap();
    assert!((i + 20.0).abs() <= 0.1, "{i} LUFS");
}

#[test]
fn blocks_are_bounded_and_interleaved() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(
        dir.path(),
        "m.wav",
        22050,
        1,
        Sample::I16,
        &sine(22050, 1, 30.0, -6.0),
        None,
    );
    let mut decoder = Decoder::open(&path, None).unwrap();
    assert_eq!((decoder.sample_rate(), decoder.channels()), (22050, 1));
    let (mut total, mut largest) = (0usize, 0usize);
    while let Some(block) = decoder.next_block().unwrap() {
        total += block.len();
        largest = largest.max(block.len());
    }
    assert_eq!(total, 30 * 22050);
    assert!(largest <= 1 << 16, "a block of {largest} samples");
    assert!(decoder.next_block().unwrap().is_none());
}

#[test]
fn what_is_not_audio_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.wav");
    std::fs::write(&path, b"these are not samples, only words").unwrap();
    let error = Decoder::open(&path, None).err().unwrap();
    assert!(matches!(error, DecodeError::Open(_)), "{error:?}");
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    assert!(Decoder::open(&empty, None).is_err());
}

#[test]
fn a_wav_cut_in_the_middle_of_a_frame_decodes_its_whole_frames() {
    let dir = tempfile::tempdir().unwrap();
    let samples = sine(48000, 2, 3.0, -20.0);
    let path = wav(
        dir.path(),
        "odd.wav",
        48000,
        2,
        Sample::I16,
        &samples,
        Some(48000 * 3),
    );
    // Drop the last three bytes: one and a half samples of the last frame.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let measured = measure(&path, None).unwrap();
    assert_eq!(measured.frames, 3 * 48000 - 1);
    assert!(!measured.warnings.is_empty());
}

#[test]
fn samples_far_beyond_full_scale_are_silenced_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut samples = sine(48000, 2, 10.0, -23.0);
    samples[48000 * 2 * 5] = 1.0e6;
    samples[48000 * 2 * 6 + 1] = f64::NAN;
    let path = wav(
        dir.path(),
        "garbage.wav",
        48000,
        2,
        Sample::F32,
        &samples,
        None,
    );
    let measured = measure(&path, None).unwrap();
    let l = measured.loudness;
    assert!(l.sample_peak_dbfs.unwrap() < -22.0, "{l:?}");
    assert!((l.integrated_lufs.unwrap() + 23.0).abs() <= 0.2, "{l:?}");
    assert!(
        measured
            .warnings
            .iter()
            .any(|w| w.contains("far beyond full scale")),
        "{:?}",
        measured.warnings
    );
}

/// Interleaves two channels.
fn stereo(left: &[f64], right: &[f64]) -> Vec<f64> {
    left.iter().zip(right).flat_map(|(l, r)| [*l, *r]).collect()
}

#[test]
fn identical_channels_sound_mono_and_their_downmix_is_one_channel() {
    let dir = tempfile::tempdir().unwrap();
    let samples = sine(48000, 2, 10.0, -20.0);
    let path = wav(
        dir.path(),
        "dual.wav",
        48000,
        2,
        Sample::F32,
        &samples,
        None,
    );
    let measured = measure(&path, None).unwrap();
    let balance = measured.balance.unwrap();
    assert!(balance.side_db.unwrap() <= -100.0, "{balance:?}");
    assert!(
        balance.quieter_channel_db.unwrap().abs() < 0.01,
        "{balance:?}"
    );
    assert!(balance.sounds_mono() && !balance.one_channel_silent());
    let stereo_i = measured.loudness.integrated_lufs.unwrap();
    let mono_i = measured.mono.unwrap().integrated_lufs.unwrap();
    // One channel of the same signal carries half the power of two.
    assert!(
        (stereo_i - mono_i - 3.01).abs() < 0.05,
        "{stereo_i} {mono_i}"
    );
    let kept = measured.measurement().loudness.integrated_lufs.unwrap();
    assert!((kept - stereo_i).abs() <= 0.0005, "{kept} {stereo_i}");
    let json = serde_json::to_string(&measured.measurement()).unwrap();
    let back: crate::model::Measurement = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

#[test]
fn a_silent_channel_is_told_and_the_downmix_is_6_db_down() {
    let dir = tempfile::tempdir().unwrap();
    let left = sine(48000, 1, 10.0, -20.0);
    let silent = vec![0.0; left.len()];
    let path = wav(
        dir.path(),
        "left.wav",
        48000,
        2,
        Sample::I16,
        &stereo(&left, &silent),
        None,
    );
    let measured = measure(&path, None).unwrap();
    let balance = measured.balance.unwrap();
    assert!(
        balance.one_channel_silent() && balance.sounds_mono(),
        "{balance:?}"
    );
    let master_peak = measured.loudness.sample_peak_dbfs.unwrap();
    let mono_peak = measured.mono.unwrap().sample_peak_dbfs.unwrap();
    assert!(
        (master_peak - mono_peak - 6.02).abs() < 0.05,
        "{master_peak} {mono_peak}"
    );
}

#[test]
fn opposite_channels_cancel_in_the_downmix() {
    let dir = tempfile::tempdir().unwrap();
    let left = sine(48000, 1, 5.0, -20.0);
    let right: Vec<f64> = left.iter().map(|s| -s).collect();
    let path = wav(
        dir.path(),
        "phase.wav",
        48000,
        2,
        Sample::F32,
        &stereo(&left, &right),
        None,
    );
    let measured = measure(&path, None).unwrap();
    let balance = measured.balance.unwrap();
    assert!(balance.side_db.unwrap() >= 100.0, "{balance:?}");
    assert!(!balance.sounds_mono());
    assert_eq!(measured.mono.unwrap().integrated_lufs, None);
    assert!(measured.loudness.integrated_lufs.is_some());
}

#[test]
fn a_mono_master_has_no_downmix_nor_balance() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(
        dir.path(),
        "mono.wav",
        48000,
        1,
        Sample::I16,
        &sine(48000, 1, 5.0, -20.0),
        None,
    );
    let measurement = measure(&path, None).unwrap().measurement();
    assert_eq!((measurement.mono, measurement.balance), (None, None));
}

#[test]
fn silence_has_no_balance() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(
        dir.path(),
        "silence.wav",
        48000,
        2,
        Sample::I16,
        &vec![0.0; 48000 * 2 * 3],
        None,
    );
    let measured = measure(&path, None).unwrap();
    let balance = measured.balance.unwrap();
    assert_eq!((balance.side_db, balance.quieter_channel_db), (None, None));
    assert_eq!(measured.mono.unwrap().integrated_lufs, None);
}

#[test]
fn a_master_open_decodes_as_that_file_whatever_becomes_of_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = wav(
        dir.path(),
        "m.wav",
        8000,
        1,
        Sample::I16,
        &sine(8000, 1, 1.0, -6.0),
        None,
    );
    let file = crate::support::fs::open_file(&path).unwrap();
    // Another master, twice as long, put in its place before it is decoded.
    let other = wav(
        dir.path(),
        "other.wav",
        8000,
        1,
        Sample::I16,
        &sine(8000, 1, 2.0, -6.0),
        None,
    );
    std::fs::rename(&other, &path).unwrap();
    let mut decoder = Decoder::open_file(file, &path, None).unwrap();
    let mut total = 0;
    while let Some(block) = decoder.next_block().unwrap() {
        total += block.len();
    }
    assert_eq!(total, 8000, "the file opened, not the one now at its path");
}

#[test]
fn a_float_master_far_over_full_scale_is_kept_whole_and_measured() {
    let dir = tempfile::tempdir().unwrap();
    let loud = |name: &str, dbfs: f64| {
        let path = wav(
            dir.path(),
            name,
            48000,
            2,
            Sample::F32,
            &sine(48000, 2, 5.0, dbfs),
            None,
        );
        measure(&path, None).unwrap()
    };
    let over = loud("over.wav", 20.0);
    let under = loud("under.wav", -20.0);
    assert!(
        over.warnings.is_empty(),
        "nothing silenced: {:?}",
        over.warnings
    );
    let (i_over, i_under) = (
        over.loudness.integrated_lufs.unwrap(),
        under.loudness.integrated_lufs.unwrap(),
    );
    assert!(
        (i_over - i_under - 40.0).abs() < 0.05,
        "{i_over} against {i_under}"
    );
    assert!((over.loudness.sample_peak_dbfs.unwrap() - 20.0).abs() < 0.05);
}
