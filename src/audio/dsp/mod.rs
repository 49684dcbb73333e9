//! Signal processing for the renditions: downmix, gain and true-peak limiting, resampling.
//!
//! PLACEHOLDER SIGNATURES (being implemented in the `wt-dsp` worktree): the bodies below are
//! pass-throughs so that the rendition stage compiles against the final API.

/// Appends the mono downmix `(L + R) / 2` (the mean of all channels) of interleaved samples.
pub fn downmix_mono(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    out.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() / channels as f32),
    );
}

/// A gain followed by a true-peak limiter with look-ahead; delay compensated: as many frames
/// come out as went in.
pub struct Limiter {
    gain: f32,
}

impl Limiter {
    /// A limiter for interleaved audio that applies `gain_db`, then keeps true peaks at or under
    /// `ceiling_dbtp`.
    pub fn new(_sample_rate: u32, _channels: usize, gain_db: f64, _ceiling_dbtp: f64) -> Limiter {
        Limiter {
            gain: 10f64.powf(gain_db / 20.0) as f32,
        }
    }

    /// Appends the processed frames available so far.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        out.extend(input.iter().map(|s| s * self.gain));
    }

    /// Appends the frames still held back by the look-ahead.
    pub fn finish(&mut self, _out: &mut Vec<f32>) {}
}

/// A streaming resampler (rubato), delay compensated: `round(frames × to / from)` frames come
/// out in all.
pub struct Resampler {
    _channels: usize,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz for interleaved audio of `channels` channels.
    pub fn new(from: u32, to: u32, channels: usize) -> anyhow::Result<Resampler> {
        anyhow::ensure!(from == to, "resampling is not built yet");
        Ok(Resampler {
            _channels: channels,
        })
    }

    /// Appends the resampled frames available so far.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        out.extend_from_slice(input);
    }

    /// Appends the last frames.
    pub fn finish(&mut self, _out: &mut Vec<f32>) {}
}
