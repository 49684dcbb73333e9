//! A gain, then a true-peak limiter with look-ahead, as a broadcast limiter treats speech.
//!
//! The pipeline, frame by frame (all channels share one gain, so the stereo image holds):
//!
//! 1. the input times the gain is kept in a buffer;
//! 2. [`TruePeakDetector`] reads the peak between each pair of frames at 8× oversampling (a
//!    polyphase windowed sinc built as ffmpeg's resampler builds it), which is stricter than
//!    ffmpeg's 192 kHz meter: at 48 kHz that reads 4×, at half the points;
//! 3. each frame needs the gain `ceiling / peak` (at most 1), the peaks on both sides of it
//!    counted, since the gain moves between frames;
//! 4. the needed gain is held at its minimum over the look-ahead ([`LOOKAHEAD_SECONDS`]), then
//!    averaged by two box filters whose lengths add up to the hold: the reduction thus starts
//!    before the peak, as an S-shaped curve, and is complete when the peak arrives;
//! 5. the release lets the gain's shortfall from 1 decay exponentially ([`RELEASE_SECONDS`]):
//!    a 6 dB reduction is 1.8 dB after 150 ms, 0.1 dB after 0.6 s (never faster than 0.03 dB
//!    a millisecond on speech), and exactly 0 once under 0.0001 dB;
//! 6. the frames come out delayed by nothing: `process` holds back the look-ahead, `finish`
//!    gives it.

use std::collections::VecDeque;

mod survey;

pub use survey::LevelSurvey;

/// How far ahead the gain envelope looks: the attack lasts this long.
const LOOKAHEAD_SECONDS: f64 = 0.005;

/// The time constant of the release. Speech's syllables come 4 to 6 a second (160–250 ms
/// apart) and its pitch periods 3–12 ms apart: a release much shorter than a syllable would
/// follow the waveform (distortion, and pumping within words); one much longer would duck the
/// next syllables after a loud one. 150 ms recovers 2/3 of a reduction within the syllable
/// that caused it and all but 5 % within two.
const RELEASE_SECONDS: f64 = 0.150;

/// Oversampling of the true-peak detector.
const OVERSAMPLING: usize = 8;

/// Taps of each phase of the detector's interpolator (even): ffmpeg's resampler's default.
const TAPS: usize = 32;

/// The Kaiser window's β of the interpolator: ffmpeg's resampler's default.
const KAISER_BETA: f64 = 9.0;

/// Frames per block of the detector's pre-check.
const BLOCK_FRAMES: usize = 64;

/// The limiter aims this far under the ceiling (dB), to absorb the difference between its
/// detector and another meter's (ffmpeg resamples to 192 kHz with its own filter).
const SAFETY_DB: f64 = 0.1;

/// A gain followed by a true-peak limiter with look-ahead; delay compensated: as many frames
/// come out as went in, aligned with them.
pub struct Limiter {
    channels: usize,
    sample_rate: f64,
    gain: f32,
    detector: TruePeakDetector,
    envelope: Envelope,
    /// Gained frames, interleaved, from frame `buffered_from` on. Frames are counted from the
    /// first of [`HISTORY`] frames that precede the input, read by the interpolator: silence,
    /// then the mirror of the first frames.
    buffer: Vec<f32>,
    buffered_from: u64,
    /// Frames received (with the silence before them).
    frames_in: u64,
    /// The next frame whose interval peak (from the frame before it) is to be read.
    detected_to: u64,
    /// The interval peak of the frame before `detected_to`.
    last_interval_peak: f32,
    /// The next frame to give out.
    frames_out: u64,
    /// Where the input ends, once `finish` is called.
    end: u64,
    /// Whether the history holds the mirror of the first frames yet.
    history_mirrored: bool,
    reduction: ReductionTally,
}

/// Frames of silence before the input, the interpolator's history.
const HISTORY: usize = TAPS / 2;

/// How much a limiter reduced the gain, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GainReduction {
    /// The largest reduction, in dB (0 when it never limited).
    pub max_db: f64,
    /// The reduction averaged over all the frames given out, in dB.
    pub mean_db: f64,
    /// The time during which the reduction exceeded 0.1 dB, in seconds.
    pub limited_seconds: f64,
    /// The share of the output's energy given out while the reduction exceeded 0.1 dB (0 to
    /// 1): how much of the loudness a higher gain would not raise. A loudness that follows
    /// the gain by `1 − share` of each dB is what a hard limiter would give.
    pub limited_energy_share: f64,
}

impl Limiter {
    /// A limiter for interleaved audio of `channels` channels at `sample_rate` Hz that applies
    /// `gain_db`, then keeps true peaks at or under `ceiling_dbtp`.
    pub fn new(sample_rate: u32, channels: usize, gain_db: f64, ceiling_dbtp: f64) -> Limiter {
        let channels = channels.max(1);
        let sample_rate = f64::from(sample_rate.max(1));
        let ceiling = 10f64.powf((ceiling_dbtp - SAFETY_DB) / 20.0) as f32;
        let lookahead = ((LOOKAHEAD_SECONDS * sample_rate).round() as usize).max(2);
        let release = (-1.0 / (RELEASE_SECONDS * sample_rate)).exp();
        Limiter {
            channels,
            sample_rate,
            gain: 10f64.powf(gain_db / 20.0) as f32,
            detector: TruePeakDetector::new(ceiling),
            envelope: Envelope::new(lookahead, release),
            buffer: vec![0.0; HISTORY * channels],
            buffered_from: 0,
            frames_in: HISTORY as u64,
            detected_to: HISTORY as u64,
            last_interval_peak: 0.0,
            frames_out: HISTORY as u64,
            end: u64::MAX,
            history_mirrored: false,
            reduction: ReductionTally::default(),
        }
    }

    /// Applies the gain to `input` (interleaved, whole frames) and appends the limited frames
    /// that the look-ahead no longer needs.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let gain = self.gain;
        self.buffer.extend(input.iter().map(|sample| sample * gain));
        self.frames_in += (input.len() / self.channels) as u64;
        self.run(out);
    }

    /// Appends the frames still held back by the look-ahead.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if self.end != u64::MAX {
            return;
        }
        self.end = self.frames_in;
        let padding = HISTORY + self.envelope.latency() + 1;
        self.buffer
            .extend(std::iter::repeat_n(0.0, padding * self.channels));
        self.frames_in += padding as u64;
        self.run(out);
    }

    /// How much the gain was reduced so far.
    pub fn gain_reduction_stats(&self) -> GainReduction {
        self.reduction.summary(self.sample_rate)
    }

    /// Reads the peaks of the frames whose right context has come, and gives out the frames
    /// whose gain is known.
    fn run(&mut self, out: &mut Vec<f32>) {
        if !self.history_mirrored {
            if self.frames_in <= 2 * HISTORY as u64 {
                return;
            }
            self.mirror_history();
        }
        // The interval ending at frame q is read from frames q − HISTORY to q + HISTORY − 1.
        while self.detected_to + HISTORY as u64 <= self.frames_in {
            let ready = self.frames_in + 1 - HISTORY as u64 - self.detected_to;
            self.detect_block(ready.min(BLOCK_FRAMES as u64) as usize, out);
        }
        self.trim();
    }

    /// Makes the history before the first frame its mirror image (frame −n is frame n), as
    /// ffmpeg's resampler starts, so that an abrupt start rings as it does in ffmpeg's meter.
    fn mirror_history(&mut self) {
        let channels = self.channels;
        for n in 1..=HISTORY {
            let (before, after) = self.buffer.split_at_mut(HISTORY * channels);
            let source = &after[n * channels..(n + 1) * channels];
            before[(HISTORY - n) * channels..(HISTORY - n + 1) * channels].copy_from_slice(source);
        }
        self.history_mirrored = true;
    }

    /// Reads the interval peaks of `count` frames from `detected_to`, feeds the gains they
    /// need to the envelope, and gives out the frames it settles.
    fn detect_block(&mut self, count: usize, out: &mut Vec<f32>) {
        let channels = self.channels;
        let start = (self.detected_to - self.buffered_from) as usize - HISTORY;
        let window = &self.buffer[start * channels..(start + count + TAPS - 1) * channels];
        let mut peaks = [0.0f32; BLOCK_FRAMES];
        self.detector
            .interval_peaks(window, channels, &mut peaks[..count]);
        for (offset, &peak) in peaks[..count].iter().enumerate() {
            let frame = self.detected_to + offset as u64 - 1;
            // The gain moves between frames: a frame is bounded by the intervals on both sides.
            let frame_peak = self.last_interval_peak.max(peak);
            self.last_interval_peak = peak;
            if frame < HISTORY as u64 {
                continue;
            }
            let needed = self.detector.needed_gain(frame_peak);
            if let Some(gain) = self.envelope.push(needed) {
                self.emit(gain, out);
            }
        }
        self.detected_to += count as u64;
    }

    /// Gives out the next frame at `gain`, unless the input has ended before it.
    fn emit(&mut self, gain: f32, out: &mut Vec<f32>) {
        if self.frames_out >= self.end {
            return;
        }
        let at = (self.frames_out - self.buffered_from) as usize * self.channels;
        let frame = &self.buffer[at..at + self.channels];
        if gain == 1.0 {
            out.extend_from_slice(frame);
        } else {
            out.extend(frame.iter().map(|sample| sample * gain));
        }
        self.frames_out += 1;
        let energy: f32 = frame.iter().map(|sample| sample * sample).sum();
        self.reduction.add(gain, f64::from(energy * gain * gain));
    }

    /// Drops the frames neither to give out nor read by the detector any more (in large steps,
    /// so that the buffer moves rarely).
    fn trim(&mut self) {
        let keep_from = self
            .frames_out
            .min(self.detected_to - HISTORY as u64)
            .max(self.buffered_from);
        let drop = (keep_from - self.buffered_from) as usize;
        if drop >= 8192 {
            self.buffer.drain(..drop * self.channels);
            self.buffered_from = keep_from;
        }
    }
}

/// The gain reductions given out so far.
#[derive(Debug, Default)]
struct ReductionTally {
    frames: u64,
    limited_frames: u64,
    max_db: f64,
    sum_db: f64,
    energy: f64,
    limited_energy: f64,
}

impl ReductionTally {
    /// Counts a frame given out at `gain`, with `energy`, the sum of its squared samples.
    fn add(&mut self, gain: f32, energy: f64) {
        self.frames += 1;
        self.energy += energy;
        if gain < 1.0 {
            let reduction_db = -20.0 * f64::from(gain).log10();
            self.max_db = self.max_db.max(reduction_db);
            self.sum_db += reduction_db;
            if reduction_db > 0.1 {
                self.limited_frames += 1;
                self.limited_energy += energy;
            }
        }
    }

    fn summary(&self, sample_rate: f64) -> GainReduction {
        GainReduction {
            max_db: self.max_db,
            mean_db: if self.frames == 0 {
                0.0
            } else {
                self.sum_db / self.frames as f64
            },
            limited_seconds: self.limited_frames as f64 / sample_rate,
            limited_energy_share: if self.energy > 0.0 {
                self.limited_energy / self.energy
            } else {
                0.0
            },
        }
    }
}

/// Reads the peak of the band-limited signal between each two frames at [`OVERSAMPLING`]×,
/// with a polyphase windowed-sinc interpolator of [`TAPS`] taps a phase.
struct TruePeakDetector {
    /// The interpolators of the points between two frames (phases 1 to OVERSAMPLING − 1),
    /// transposed.
    columns: Box<[Column; TAPS]>,
    /// The peak level the limiter aims at, linear.
    ceiling: f32,
    /// Under this sample level, a whole window is known to stay under the ceiling, without
    /// interpolating: `ceiling / max Σ|h|`. No interpolated point can exceed the largest
    /// sample of its window times the sum of its taps' magnitudes, so the shortcut reads the
    /// same gains as the full computation would.
    quiet_level: f32,
    /// One channel of a window, deinterleaved.
    scratch: Vec<f32>,
}

impl TruePeakDetector {
    fn new(ceiling: f32) -> TruePeakDetector {
        let phases: Vec<[f32; TAPS]> = (1..OVERSAMPLING).map(interpolator_phase).collect();
        let largest_gain = phases
            .iter()
            .map(|taps| taps.iter().map(|tap| tap.abs()).sum::<f32>())
            .fold(1.0f32, f32::max);
        TruePeakDetector {
            columns: columns(&phases),
            ceiling,
            quiet_level: ceiling / largest_gain,
            scratch: Vec::with_capacity(BLOCK_FRAMES + TAPS),
        }
    }

    /// The gain a frame of true peak `peak` needs (at most 1).
    fn needed_gain(&self, peak: f32) -> f32 {
        if peak > self.ceiling {
            self.ceiling / peak
        } else {
            1.0
        }
    }

    /// Writes into `peaks[i]` the largest magnitude, on all channels, between frames
    /// `i + HISTORY − 1` and `i + HISTORY` of `window` (interleaved, `peaks.len() + TAPS − 1`
    /// frames), both included.
    fn interval_peaks(&mut self, window: &[f32], channels: usize, peaks: &mut [f32]) {
        let loudest = window
            .iter()
            .fold(0.0f32, |max, sample| max.max(sample.abs()));
        peaks.fill(0.0);
        if loudest < self.quiet_level {
            return;
        }
        for channel in 0..channels {
            self.scratch.clear();
            self.scratch
                .extend(window.iter().skip(channel).step_by(channels));
            channel_peaks(&self.columns, &self.scratch, peaks);
        }
    }
}

/// Raises `peaks[i]` to the interval peak of the channel's samples from `i`.
fn channel_peaks(columns: &[Column; TAPS], samples: &[f32], peaks: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, checked above.
        return unsafe { channel_peaks_avx(columns, samples, peaks) };
    }
    channel_peaks_portable(columns, samples, peaks);
}

/// [`channel_peaks`] in AVX's 8-lane registers: the same multiplications and additions in the
/// same order as in SSE's 4 lanes (no fused multiply-add), so the same bytes on every machine.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn channel_peaks_avx(columns: &[Column; TAPS], samples: &[f32], peaks: &mut [f32]) {
    channel_peaks_portable(columns, samples, peaks);
}

#[inline(always)]
fn channel_peaks_portable(columns: &[Column; TAPS], samples: &[f32], peaks: &mut [f32]) {
    for (window, peak) in samples.windows(TAPS).zip(peaks.iter_mut()) {
        let window: &[f32; TAPS] = window.try_into().expect("windows of TAPS samples");
        *peak = peak.max(interval_peak(columns, window));
    }
}

/// The largest magnitude between the two middle samples of `samples`, both included: all the
/// phases at once, each sample times its column of taps added into one lane a phase (lanes
/// that the compiler vectorizes; one dot product a phase would sum in order, in one register).
#[inline(always)]
fn interval_peak(columns: &[Column; TAPS], samples: &[f32; TAPS]) -> f32 {
    let ends = samples[HISTORY - 1].abs().max(samples[HISTORY].abs());
    let mut points = [0.0f32; OVERSAMPLING];
    for (column, &sample) in columns.iter().zip(samples) {
        for (point, tap) in points.iter_mut().zip(column) {
            *point += tap * sample;
        }
    }
    points.iter().fold(ends, |max, point| max.max(point.abs()))
}

/// The taps that one sample contributes to each interpolated point: lane `p − 1` is phase `p`
/// (1 to OVERSAMPLING − 1); the last lane, 0, keeps the lanes a power of two.
type Column = [f32; OVERSAMPLING];

/// The phases' taps, transposed into a column a sample.
fn columns(phases: &[[f32; TAPS]]) -> Box<[Column; TAPS]> {
    let mut columns = Box::new([[0.0f32; OVERSAMPLING]; TAPS]);
    for (lane, taps) in phases.iter().enumerate() {
        for (column, &tap) in columns.iter_mut().zip(taps) {
            column[lane] = tap;
        }
    }
    columns
}

/// The taps that interpolate the point `phase / OVERSAMPLING` of the way from sample
/// `HISTORY − 1` to sample `HISTORY`: the filter ffmpeg's resampler builds for its true-peak
/// meter (a sinc cut at Nyquist under a Kaiser window of β = 9, 32 taps, each phase normalised
/// so that a constant comes out unchanged). A gentler filter reads the ringing of an abrupt
/// edge (a burst's start, a cut) up to 1 dB lower than ffmpeg does.
fn interpolator_phase(phase: usize) -> [f32; TAPS] {
    let position = (HISTORY - 1) as f64 + phase as f64 / OVERSAMPLING as f64;
    let half_width = (TAPS / 2) as f64;
    let mut taps = [0.0f64; TAPS];
    for (index, tap) in taps.iter_mut().enumerate() {
        let distance = index as f64 - position;
        *tap = sinc(distance) * kaiser(distance / half_width);
    }
    let sum: f64 = taps.iter().sum();
    taps.map(|tap| (tap / sum) as f32)
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let angle = std::f64::consts::PI * x;
        angle.sin() / angle
    }
}

/// The Kaiser window (β = [`KAISER_BETA`]) at `x` in −1..1, unnormalised as ffmpeg's.
fn kaiser(x: f64) -> f64 {
    bessel_i0(KAISER_BETA * (1.0 - x * x).max(0.0).sqrt())
}

/// The modified Bessel function of the first kind, order 0, by its series.
fn bessel_i0(x: f64) -> f64 {
    let quarter_square = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..64 {
        term *= quarter_square / f64::from(k * k);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The gain envelope: the needed gain held at its minimum over the look-ahead, smoothed by two
/// box filters, then released slowly. Its gain at a frame never exceeds the gain that frame
/// needs: each box output averages held values over the `hold` frames up to it, and each of
/// those is at most the need of every frame up to `hold − 1` after it.
struct Envelope {
    hold: usize,
    /// Candidates for the minimum of the last `hold` needs: (push index, need), increasing.
    minima: VecDeque<(u64, f32)>,
    pushes: u64,
    first: BoxFilter,
    second: BoxFilter,
    release: f64,
    /// The last gain given, in f64: in f32 the release would stall 0.002 dB short of 1.
    gain: f64,
}

impl Envelope {
    /// An envelope looking `lookahead` frames ahead, releasing by `release` a frame.
    fn new(lookahead: usize, release: f64) -> Envelope {
        let hold = lookahead + 1;
        let first = hold.div_ceil(2);
        let second = hold + 1 - first;
        Envelope {
            hold,
            minima: VecDeque::with_capacity(hold + 1),
            pushes: 0,
            first: BoxFilter::new(first),
            second: BoxFilter::new(second),
            release,
            gain: 1.0,
        }
    }

    /// Frames between a need coming in and its frame's gain coming out.
    fn latency(&self) -> usize {
        self.hold - 1
    }

    /// Takes the need of the next frame; gives the gain of the frame `latency` before it, once
    /// there is one.
    fn push(&mut self, need: f32) -> Option<f32> {
        let index = self.pushes;
        self.pushes += 1;
        while self.minima.back().is_some_and(|&(_, kept)| kept >= need) {
            self.minima.pop_back();
        }
        self.minima.push_back((index, need));
        while self
            .minima
            .front()
            .is_some_and(|&(at, _)| at + self.hold as u64 <= index)
        {
            self.minima.pop_front();
        }
        // The held minimum belongs to the frame `latency` back, which may come before the
        // first: the boxes still average it, as the frames after it need.
        let held = self.minima.front().map_or(1.0, |&(_, need)| need);
        let smoothed = self.second.push(self.first.push(held));
        if index < self.latency() as u64 {
            return None;
        }
        let released = 1.0 - (1.0 - self.gain) * self.release;
        // Within 0.0001 dB (under a 16-bit step) the release is over: back to exactly the
        // input's level, 1.4 s after a 1 dB reduction.
        let released = if released > 1.0 - 1e-5 { 1.0 } else { released };
        self.gain = f64::from(smoothed).min(released);
        Some(self.gain as f32)
    }
}

/// A moving average whose output is exactly 1 when all its window is 1, however long it
/// averaged other values before.
struct BoxFilter {
    values: Vec<f32>,
    next: usize,
    sum: f64,
    under_one: usize,
}

impl BoxFilter {
    fn new(length: usize) -> BoxFilter {
        BoxFilter {
            values: vec![1.0; length.max(1)],
            next: 0,
            sum: length.max(1) as f64,
            under_one: 0,
        }
    }

    fn push(&mut self, value: f32) -> f32 {
        let old = std::mem::replace(&mut self.values[self.next], value);
        self.next = (self.next + 1) % self.values.len();
        self.under_one = self.under_one + usize::from(value < 1.0) - usize::from(old < 1.0);
        if self.under_one == 0 {
            self.sum = self.values.len() as f64;
            return 1.0;
        }
        self.sum += f64::from(value) - f64::from(old);
        (self.sum / self.values.len() as f64) as f32
    }
}
