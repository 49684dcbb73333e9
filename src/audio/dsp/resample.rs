//! Sample-rate conversion with rubato's FFT resampler, streamed and delay compensated.

use anyhow::{Context, ensure};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler as _, WindowFunction};

/// FFT blocks given to rubato per call.
const BLOCKS_PER_CHUNK: usize = 4;

/// Input frames wanted per FFT block: rubato's anti-aliasing filter is as long as the block,
/// so about 1,000 frames put the cutoff within 2 % of Nyquist with a Blackman-Harris² window,
/// whose stop band lies far below the 90 dB wanted.
const BLOCK_FRAMES: usize = 1024;

/// A streaming resampler (rubato), delay compensated: `round(frames × to / from)` frames come
/// out in all, aligned with the input (a sine comes out at the same phase).
pub struct Resampler {
    stream: Option<Stream>,
}

/// The state of a real conversion (none when the rates are equal).
struct Stream {
    fft: Fft<f32>,
    channels: usize,
    from: u64,
    to: u64,
    /// Interleaved input not yet given to rubato (less than a chunk).
    pending: Vec<f32>,
    /// rubato's output, interleaved.
    scratch: Vec<f32>,
    frames_in: u64,
    frames_out: u64,
    /// Output frames still to drop: rubato's delay.
    delay_left: usize,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz for interleaved audio of `channels` channels; equal
    /// rates give a pass-through that copies.
    pub fn new(from: u32, to: u32, channels: usize) -> anyhow::Result<Resampler> {
        ensure!(
            from > 0 && to > 0,
            "cannot resample from {from} Hz to {to} Hz"
        );
        ensure!(channels > 0, "cannot resample audio of no channels");
        if from == to {
            return Ok(Resampler { stream: None });
        }
        let block = block_frames(from, to);
        let fft = Fft::<f32>::new_custom(
            from as usize,
            to as usize,
            block * BLOCKS_PER_CHUNK,
            BLOCKS_PER_CHUNK,
            channels,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .with_context(|| format!("cannot resample from {from} Hz to {to} Hz"))?;
        let delay_left = fft.output_delay();
        let scratch = vec![0.0; fft.output_frames_max() * channels];
        Ok(Resampler {
            stream: Some(Stream {
                fft,
                channels,
                from: u64::from(from),
                to: u64::from(to),
                pending: Vec::with_capacity(block * BLOCKS_PER_CHUNK * channels),
                scratch,
                frames_in: 0,
                frames_out: 0,
                delay_left,
            }),
        })
    }

    /// Appends the resampled frames available so far (interleaved, whole frames in).
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        match &mut self.stream {
            None => out.extend_from_slice(input),
            Some(stream) => stream.process(input, out),
        }
    }

    /// Appends the last frames, so that `round(frames × to / from)` came out in all.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if let Some(stream) = &mut self.stream {
            stream.finish(out);
        }
    }
}

/// The input frames of an FFT block near [`BLOCK_FRAMES`]: a block holds whole periods of the
/// two rates (`from / gcd` input frames each), and an even number of them, so that both sides
/// of the block are even. With an odd side, rubato's stated delay (half the output block,
/// rounded down) is off by half a frame, and the output would lag or lead by it.
fn block_frames(from: u32, to: u32) -> usize {
    let period = (from / gcd(from, to)) as usize;
    (2 * period) * BLOCK_FRAMES.div_ceil(2 * period)
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Stream {
    fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.frames_in += (input.len() / self.channels) as u64;
        let mut rest = input;
        while !rest.is_empty() {
            let room = self.fft.input_frames_next() * self.channels - self.pending.len();
            let (head, tail) = rest.split_at(room.min(rest.len()));
            self.pending.extend_from_slice(head);
            rest = tail;
            if self.pending.len() == self.fft.input_frames_next() * self.channels {
                self.run_chunk(None, out);
                self.pending.clear();
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<f32>) {
        let total = (u128::from(self.frames_in) * u128::from(self.to) + u128::from(self.from / 2))
            / u128::from(self.from);
        let total = total as u64;
        let mut partial = self.pending.len() / self.channels;
        while self.frames_out < total {
            self.pending
                .resize(self.fft.input_frames_next() * self.channels, 0.0);
            self.run_chunk(Some(partial), out);
            partial = 0;
        }
        self.pending.clear();
        let excess = (self.frames_out - total) as usize;
        out.truncate(out.len() - excess * self.channels);
        self.frames_out = total;
    }

    /// Resamples the pending chunk (its first `partial` frames, the rest read as silence).
    fn run_chunk(&mut self, partial: Option<usize>, out: &mut Vec<f32>) {
        let frames = self.pending.len() / self.channels;
        let scratch_frames = self.scratch.len() / self.channels;
        let indexing = partial.map(|frames| Indexing::new().partial_len(frames));
        let result = InterleavedSlice::new(&self.pending, self.channels, frames)
            .and_then(|input| {
                InterleavedSlice::new_mut(&mut self.scratch, self.channels, scratch_frames)
                    .map(|output| (input, output))
            })
            .map_err(|error| error.to_string())
            .and_then(|(input, mut output)| {
                self.fft
                    .process_into_buffer(&input, &mut output, indexing.as_ref())
                    .map_err(|error| error.to_string())
            });
        // The buffers are sized from rubato's own figures, so it cannot refuse them.
        let (_, produced) = result.expect("rubato refused buffers sized by its own figures");
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        out.extend_from_slice(&self.scratch[skip * self.channels..produced * self.channels]);
        self.frames_out += (produced - skip) as u64;
    }
}
