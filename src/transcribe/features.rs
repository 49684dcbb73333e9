//! What a Whisper model hears: the log-mel spectrogram of a 30 s window, computed as OpenAI's
//! `whisper.audio.log_mel_spectrogram` does (and faster-whisper after it): the window padded
//! with silence to 30 s, a 400-point STFT every 10 ms (periodic Hann window, reflected edges),
//! power through Slaney mel filters, `log10`, the range clamped to 80 dB under the window's
//! loudest band, scaled to about −1…1.
//!
//! ct2rs's own extractor normalizes each frame by its own maximum, which turns silence and
//! padding into loud noise and makes the model loop on invented words: so cyclecast computes
//! the features itself and hands them to the engine.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use super::windows::{MAX_WINDOW, RATE};

/// Samples per STFT frame.
const N_FFT: usize = 400;
/// Samples between frames: 10 ms.
const HOP: usize = 160;
/// Frames of a 30 s window.
pub const FRAMES: usize = MAX_WINDOW / HOP;
/// Frequency bins of a frame.
const BINS: usize = N_FFT / 2 + 1;

/// Computes the features of windows, for a model of `n_mels` mel bands.
pub struct Extractor {
    n_mels: usize,
    /// `n_mels` rows of [`BINS`] weights.
    filters: Vec<f32>,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl Extractor {
    /// An extractor for models of `n_mels` mel bands (80, or 128 for large-v3).
    pub fn new(n_mels: usize) -> Extractor {
        let window = (0..N_FFT)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        Extractor {
            n_mels,
            filters: slaney_filters(n_mels),
            window,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT),
        }
    }

    /// The mel bands.
    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// The features of `samples` (16 kHz mono, at most 30 s): `n_mels` rows of [`FRAMES`].
    pub fn features(&self, samples: &[f32]) -> Vec<f32> {
        let padded = reflect_padded(samples);
        let mut log_mel = vec![0.0f32; self.n_mels * FRAMES];
        let mut frame = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut power = vec![0.0f32; BINS];
        for t in 0..FRAMES {
            let start = t * HOP;
            for (i, slot) in frame.iter_mut().enumerate() {
                *slot = padded[start + i] * self.window[i];
            }
            self.fft
                .process(&mut frame, &mut spectrum)
                .expect("buffers made by the plan");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            for (band, weights) in self.filters.chunks_exact(BINS).enumerate() {
                let energy: f32 = weights.iter().zip(&power).map(|(w, p)| w * p).sum();
                log_mel[band * FRAMES + t] = energy.max(1e-10).log10();
            }
        }
        let loudest = log_mel.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for value in &mut log_mel {
            *value = (value.max(loudest - 8.0) + 4.0) / 4.0;
        }
        log_mel
    }
}

/// `samples` padded with silence to 30 s, then by half a frame on each side with their
/// reflection (as `numpy.pad(…, mode="reflect")`), so that frame `t` is centred on sample
/// `t × HOP`.
fn reflect_padded(samples: &[f32]) -> Vec<f32> {
    let half = N_FFT / 2;
    let mut audio = samples[..samples.len().min(MAX_WINDOW)].to_vec();
    audio.resize(MAX_WINDOW, 0.0);
    let mut padded = Vec::with_capacity(MAX_WINDOW + N_FFT);
    padded.extend((1..=half).rev().map(|i| audio[i]));
    padded.extend_from_slice(&audio);
    padded.extend((1..=half).map(|i| audio[MAX_WINDOW - 1 - i]));
    padded
}

/// Slaney's mel filter bank (librosa's default, which Whisper uses): `n_mels` triangles
/// from 0 Hz to the Nyquist frequency, each scaled to about the same energy.
fn slaney_filters(n_mels: usize) -> Vec<f32> {
    let nyquist = f64::from(RATE) / 2.0;
    let top = hz_to_mel(nyquist);
    let freqs: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    let bin_hz = |bin: usize| bin as f64 * f64::from(RATE) / N_FFT as f64;
    let mut filters = vec![0.0f32; n_mels * BINS];
    for band in 0..n_mels {
        let (low, centre, high) = (freqs[band], freqs[band + 1], freqs[band + 2]);
        let scale = 2.0 / (high - low);
        for bin in 0..BINS {
            let f = bin_hz(bin);
            let rising = (f - low) / (centre - low);
            let falling = (high - f) / (high - centre);
            let weight = rising.min(falling).max(0.0) * scale;
            filters[band * BINS + bin] = weight as f32;
        }
    }
    filters
}

/// The Slaney mel scale: linear under 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let (linear_step, log_start) = (200.0 / 3.0, 1000.0);
    if hz < log_start {
        hz / linear_step
    } else {
        log_start / linear_step + (hz / log_start).ln() / (6.4f64.ln() / 27.0)
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let (linear_step, log_start) = (200.0 / 3.0, 1000.0);
    let log_start_mel = log_start / linear_step;
    if mel < log_start_mel {
        mel * linear_step
    } else {
        log_start * ((mel - log_start_mel) * (6.4f64.ln() / 27.0)).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values computed by faster-whisper 1.2's `FeatureExtractor` (numpy) on the
    /// same signal, padded to 30 s: 1 s of 440 Hz at 0.5, then 0.5 s of 1 kHz at 0.1.
    #[test]
    fn the_features_are_faster_whispers() {
        let signal: Vec<f32> =
            (0..RATE as usize)
                .map(|n| 0.5 * (2.0 * std::f64::consts::PI * 440.0 * n as f64 / 16_000.0).sin())
                .chain((0..RATE as usize / 2).map(|n| {
                    0.1 * (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / 16_000.0).sin()
                }))
                .map(|s| s as f32)
                .collect();
        let features = Extractor::new(80).features(&signal);
        assert_eq!(features.len(), 80 * FRAMES);
        let at = |band: usize, frame: usize| features[band * FRAMES + frame];
        for (band, frame, expected) in [
            (0, 0, 0.983_278_8),
            (10, 50, 1.348_738),
            (20, 50, -0.561_796_2),
            (10, 2000, -0.561_796_2),
            (5, 99, 0.335_638_4),
            (25, 130, 0.991_640_2),
        ] {
            let found = at(band, frame);
            assert!(
                (found - expected).abs() < 2e-3,
                "band {band}, frame {frame}: {found}, not {expected}"
            );
        }
        let sum: f64 = features.iter().map(|&v| f64::from(v)).sum();
        assert!((sum - -133_470.48).abs() < 5.0, "sum {sum}");
    }

    #[test]
    fn the_top_band_ends_at_the_nyquist_frequency() {
        assert!((hz_to_mel(8000.0) - 45.245640471924965).abs() < 1e-9);
        assert!((mel_to_hz(hz_to_mel(3000.0)) - 3000.0).abs() < 1e-9);
    }
}
