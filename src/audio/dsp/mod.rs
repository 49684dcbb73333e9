//! Signal processing for the renditions: downmix, gain and true-peak limiting, resampling.
//!
//! All three stream: they take interleaved `f32` blocks of any size and append to an output
//! vector, holding only what their look-ahead or filter needs, and give the same bytes for the
//! same input.
//!
//! - [`downmix_mono`]: the mean of the channels;
//! - [`DcBlocker`]: a first-order high-pass at 5 Hz that takes out a recorder's DC offset;
//! - [`Limiter`]: a gain, then a true-peak limiter with 5 ms look-ahead and a 150 ms release,
//!   delay compensated;
//! - [`Resampler`]: rubato's FFT resampler, delay compensated to the frame.

mod limiter;
mod resample;

pub use limiter::{GainReduction, LevelSurvey, Limiter};
pub use resample::Resampler;

/// Appends the mono downmix `(L + R) / 2` (the mean of all channels) of interleaved samples.
pub fn downmix_mono(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    match channels {
        0 => {}
        1 => out.extend_from_slice(interleaved),
        2 => out.extend(
            interleaved
                .chunks_exact(2)
                .map(|frame| (frame[0] + frame[1]) * 0.5),
        ),
        _ => out.extend(
            interleaved
                .chunks_exact(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        ),
    }
}

/// Takes a DC offset out of interleaved samples, in place: a first-order high-pass at
/// [`DC_CUTOFF_HZ`], whose state carries from block to block. A recorder's offset is inaudible
/// but counts in the peaks: a gain of 20 dB would bring a 2 % offset to 20 % of full scale,
/// which the limiter would hold at its ceiling in place of the speech (BS.1770's loudness
/// ignores DC, so the gain does not see it).
pub struct DcBlocker {
    pole: f64,
    channels: usize,
    /// Each channel's last input and output.
    last: Vec<(f64, f64)>,
}

/// The cutoff of [`DcBlocker`], in Hz: far under speech and music, yet it settles within
/// about 100 ms of a step.
pub const DC_CUTOFF_HZ: f64 = 5.0;

impl DcBlocker {
    /// A blocker for `channels` interleaved channels at `sample_rate`.
    pub fn new(sample_rate: u32, channels: usize) -> DcBlocker {
        DcBlocker {
            pole: (-2.0 * std::f64::consts::PI * DC_CUTOFF_HZ / f64::from(sample_rate)).exp(),
            channels,
            last: vec![(0.0, 0.0); channels],
        }
    }

    /// Filters interleaved samples in place.
    pub fn process(&mut self, interleaved: &mut [f32]) {
        for frame in interleaved.chunks_exact_mut(self.channels) {
            for (sample, (last_in, last_out)) in frame.iter_mut().zip(&mut self.last) {
                let input = f64::from(*sample);
                let output = input - *last_in + self.pole * *last_out;
                (*last_in, *last_out) = (input, output);
                *sample = output as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests;
