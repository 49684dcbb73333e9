//! Signal processing for the renditions: downmix, gain and true-peak limiting, resampling.
//!
//! All three stream: they take interleaved `f32` blocks of any size and append to an output
//! vector, holding only what their look-ahead or filter needs, and give the same bytes for the
//! same input.
//!
//! - [`downmix_mono`]: the mean of the channels;
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

#[cfg(test)]
mod tests;
