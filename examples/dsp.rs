//! Times `cyclecast::audio::dsp` on synthesized speech and reports how the limiter moves.
//!
//! `cargo run --release --example dsp -- [MINUTES] [WAV_OUT]` makes MINUTES (default 10) of
//! speech-like stereo at 48 kHz (a voice of 4 kHz bandwidth and gliding pitch, in syllables of
//! 120–300 ms with gaps of 40–200 ms, at loudness varying by ±6 dB, the loudest peaks 8 dB
//! over the ceiling after the gain), then prints, one line each:
//!
//! - the limiter's, the resamplers' and the downmix's speed (× real time, one core);
//! - the limiter's gain reduction: its largest, its mean, the time limited, the steepest fall
//!   and rise (dB per ms), and how long after each of its peaks the reduction takes to fall
//!   under a tenth of it (median and longest);
//!
//! and writes the limited audio to WAV_OUT (32-bit float) if given, for ffmpeg to meter.

use std::f64::consts::PI;
use std::time::Instant;

use cyclecast::audio::dsp::{Limiter, Resampler, downmix_mono};

const RATE: u32 = 48_000;
const GAIN_DB: f64 = 6.0;
const CEILING_DBTP: f64 = -1.0;
const BLOCK_FRAMES: usize = 4096;

fn main() {
    let mut args = std::env::args().skip(1);
    let minutes: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10.0);
    let wav_out = args.next();
    let seconds = minutes * 60.0;
    let input = speech_like((seconds * f64::from(RATE)) as usize);

    let (limited, wall) = time(|| {
        let mut limiter = Limiter::new(RATE, 2, GAIN_DB, CEILING_DBTP);
        let mut out = Vec::with_capacity(input.len());
        for block in input.chunks(BLOCK_FRAMES * 2) {
            limiter.process(block, &mut out);
        }
        limiter.finish(&mut out);
        (out, limiter.gain_reduction_stats())
    });
    let (limited, stats) = limited;
    println!(
        "limiter 48 kHz stereo: {:.0}x real time ({wall:.3} s for {seconds:.0} s)",
        seconds / wall
    );
    for to in [44_100, 24_000] {
        let (_, wall) = time(|| run_resampler(RATE, to, &input));
        println!(
            "resampler 48000 -> {to} stereo: {:.0}x real time",
            seconds / wall
        );
    }
    let at_44k = run_resampler(RATE, 44_100, &input);
    let (_, wall) = time(|| run_resampler(44_100, 48_000, &at_44k));
    println!(
        "resampler 44100 -> 48000 stereo: {:.0}x real time",
        seconds / wall
    );
    let (_, wall) = time(|| {
        let mut out = Vec::with_capacity(input.len() / 2);
        for block in input.chunks(BLOCK_FRAMES * 2) {
            downmix_mono(block, 2, &mut out);
        }
        out
    });
    println!("downmix stereo: {:.0}x real time", seconds / wall);

    println!(
        "gain reduction: max {:.2} dB, mean {:.3} dB, limited (> 0.1 dB) {:.1} s of {seconds:.0} s",
        stats.max_db, stats.mean_db, stats.limited_seconds
    );
    report_movement(&input, &limited);
    if let Some(path) = wav_out {
        write_float_wav(&path, &limited, 2, RATE);
        println!("wrote {path}");
    }
}

fn time<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let result = work();
    (result, start.elapsed().as_secs_f64())
}

fn run_resampler(from: u32, to: u32, input: &[f32]) -> Vec<f32> {
    let mut resampler = Resampler::new(from, to, 2).expect("rates are supported");
    let mut out = Vec::new();
    for block in input.chunks(BLOCK_FRAMES * 2) {
        resampler.process(block, &mut out);
    }
    resampler.finish(&mut out);
    out
}

/// A deterministic pseudo-random generator (xorshift), in 0..1.
struct Random(u64);

impl Random {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Stereo speech-like audio: voiced syllables (harmonics of a gliding pitch, falling 6 dB an
/// octave to 4 kHz) under raised-cosine envelopes, the right channel at 0.8 of the left.
fn speech_like(frames: usize) -> Vec<f32> {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut out = Vec::with_capacity(frames * 2);
    let rate = f64::from(RATE);
    let mut phase = 0.0f64;
    while out.len() < frames * 2 {
        let length = ((0.12 + 0.18 * random.next()) * rate) as usize;
        let gap = ((0.04 + 0.16 * random.next()) * rate) as usize;
        let level = 0.35 * 10f64.powf((random.next() * 12.0 - 6.0) / 20.0);
        let pitch = 100.0 + 100.0 * random.next();
        let glide = (random.next() - 0.5) * 60.0;
        for n in 0..length {
            let t = n as f64 / length as f64;
            phase += 2.0 * PI * (pitch + glide * t) / rate;
            let harmonics = (1..=(4_000.0 / pitch) as usize)
                .map(|k| (k as f64 * phase).sin() / k as f64)
                .sum::<f64>();
            let envelope = 0.5 - 0.5 * (2.0 * PI * t).cos();
            let value = (level * envelope * harmonics * 0.5) as f32;
            out.extend([value, value * 0.8]);
        }
        out.extend(std::iter::repeat_n(0.0, gap * 2));
    }
    out.truncate(frames * 2);
    out
}

/// The reduction at each frame (dB), read from the left channel where it is loud enough to
/// read (none elsewhere).
fn reduction_trace(input: &[f32], limited: &[f32]) -> Vec<Option<f64>> {
    let gain = 10f64.powf(GAIN_DB / 20.0);
    input
        .chunks_exact(2)
        .zip(limited.chunks_exact(2))
        .map(|(inp, out)| {
            let expected = f64::from(inp[0]) * gain;
            (expected.abs() > 1e-3)
                .then(|| (-20.0 * (f64::from(out[0]) / expected).log10()).max(0.0))
        })
        .collect()
}

fn report_movement(input: &[f32], limited: &[f32]) {
    let readings = reduction_trace(input, limited);
    let per_ms = f64::from(RATE) / 1000.0;
    // Slopes over 1 ms between two readings; the gaps between syllables have none.
    let step = per_ms as usize;
    let (mut fall, mut rise) = (0.0f64, 0.0f64);
    for pair in readings.windows(step + 1) {
        if let (Some(first), Some(last)) = (pair[0], pair[step]) {
            fall = fall.max(last - first);
            rise = rise.max(first - last);
        }
    }
    let mut held = 0.0;
    let trace: Vec<f64> = readings
        .iter()
        .map(|reading| {
            held = reading.unwrap_or(held);
            held
        })
        .collect();
    let recoveries = recovery_times_ms(&trace, per_ms);
    let mut sorted = recoveries.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let longest = sorted.last().copied().unwrap_or(0.0);
    println!(
        "gain movement: steepest reduction {fall:.3} dB/ms, steepest recovery {rise:.3} dB/ms; \
         recovery to a tenth of a peak reduction: median {median:.0} ms, longest {longest:.0} ms \
         ({} peaks over 1 dB)",
        recoveries.len()
    );
}

/// For each local peak of reduction over 1 dB, the time until the reduction is under a tenth
/// of it (or the next peak comes).
fn recovery_times_ms(trace: &[f64], per_ms: f64) -> Vec<f64> {
    let mut times = Vec::new();
    let mut n = 1;
    while n + 1 < trace.len() {
        if trace[n] > 1.0 && trace[n] >= trace[n - 1] && trace[n] > trace[n + 1] {
            let peak = trace[n];
            let end = (n..trace.len())
                .find(|&m| trace[m] < peak / 10.0 || trace[m] > peak)
                .unwrap_or(trace.len());
            if trace.get(end).is_some_and(|&r| r < peak / 10.0) {
                times.push((end - n) as f64 / per_ms);
            }
            n = end.max(n + 1);
        } else {
            n += 1;
        }
    }
    times
}

fn write_float_wav(path: &str, interleaved: &[f32], channels: u16, rate: u32) {
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
    std::fs::write(path, bytes).expect("the WAV is written");
}
