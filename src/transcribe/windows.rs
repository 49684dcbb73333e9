//! A master decoded once into what a Whisper model takes: 16 kHz mono windows of at most
//! 30 s, each cut in the quietest moment near its end (so that no word is cut in two), and
//! silence left out (Whisper invents text on silence; an energy gate needs no second model).

use std::path::Path;

use anyhow::{Context, Result};

use crate::audio::decode::Decoder;
use crate::audio::dsp::{Resampler, downmix_mono};
use crate::model::Trim;

/// The sample rate Whisper models take, in Hz.
pub const RATE: u32 = 16_000;
/// The longest window Whisper models take: 30 s.
pub const MAX_WINDOW: usize = 30 * RATE as usize;
/// The gate's frame: 20 ms.
const FRAME: usize = RATE as usize / 50;
/// A frame whose RMS level is below this, in dBFS, is silence: room noise of a recording
/// sits well under it, and a whispered voice of a master at −36 LUFS well above it.
const SILENCE_DBFS: f32 = -55.0;
/// A window holds at least this many frames of sound (0.2 s), else it is left out.
const MIN_VOICED_FRAMES: usize = 10;
/// Where a full window may be cut: in its last 8 s, at the quietest frame.
const CUT_SPAN: usize = 8 * RATE as usize;

/// A piece of the master for the model: its samples, and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Its first sample, counted at [`RATE`] from the master's start.
    pub start: u64,
    /// 16 kHz mono samples, at most [`MAX_WINDOW`].
    pub samples: Vec<f32>,
}

impl Window {
    /// The sample just after it, counted at [`RATE`] from the master's start.
    pub fn end(&self) -> u64 {
        self.start + self.samples.len() as u64
    }
}

/// The master's windows in order, decoded as they are asked for (memory stays bounded by
/// two windows whatever the length of the master).
pub struct Windows {
    decoder: Decoder,
    resampler: Resampler,
    channels: usize,
    /// Decoded and resampled samples not yet handed out; `pending[0]` is sample `position`.
    pending: Vec<f32>,
    position: u64,
    /// Samples before this one are skipped: an earlier run transcribed them.
    skip_to: u64,
    mono: Vec<f32>,
    decoded_all: bool,
}

impl Windows {
    /// Opens the master at `path` (`trim` as probing found it).
    pub fn open(path: &Path, trim: Option<Trim>) -> Result<Windows> {
        let decoder = Decoder::open(path, trim)
            .with_context(|| format!("cannot decode `{}`", path.display()))?;
        let channels = decoder.channels().max(1);
        let resampler = Resampler::new(decoder.sample_rate(), RATE, 1)
            .with_context(|| format!("cannot decode `{}`", path.display()))?;
        Ok(Windows {
            decoder,
            resampler,
            channels,
            pending: Vec::new(),
            position: 0,
            skip_to: 0,
            mono: Vec::new(),
            decoded_all: false,
        })
    }

    /// Starts the windows at sample `sample` (at [`RATE`]): an interrupted run had
    /// transcribed what comes before. Called before the first window.
    pub fn skip_to(&mut self, sample: u64) {
        self.skip_to = sample;
    }

    /// What decoding lost (damaged packets, a file cut short), for the organizer.
    pub fn warnings(&self) -> &[String] {
        self.decoder.warnings()
    }

    /// The next window holding sound, or `None` at the end of the master.
    pub fn next_window(&mut self) -> Result<Option<Window>> {
        loop {
            self.fill()?;
            self.drop_leading_silence();
            if self.pending.is_empty() {
                if self.decoded_all {
                    return Ok(None);
                }
                continue;
            }
            // A full window is cut in a pause: that takes more than a window's samples.
            if self.pending.len() <= MAX_WINDOW && !self.decoded_all {
                continue;
            }
            let cut = match self.pending.len() {
                len if len <= MAX_WINDOW => len,
                _ => quietest_cut(&self.pending[..MAX_WINDOW]),
            };
            let samples: Vec<f32> = self.pending.drain(..cut).collect();
            let window = Window {
                start: self.position,
                samples,
            };
            self.position += cut as u64;
            // A click is not speech: on a few milliseconds of sound, Whisper invents words.
            if voiced_frames(&window.samples) < MIN_VOICED_FRAMES {
                continue;
            }
            return Ok(Some(window));
        }
    }

    /// Decodes until a window more than full is pending, or the master ends.
    fn fill(&mut self) -> Result<()> {
        while self.pending.len() <= MAX_WINDOW && !self.decoded_all {
            match self.decoder.next_block()? {
                Some(block) => {
                    self.mono.clear();
                    downmix_mono(block, self.channels, &mut self.mono);
                    self.resampler.process(&self.mono, &mut self.pending);
                }
                None => {
                    self.resampler.finish(&mut self.pending);
                    self.decoded_all = true;
                }
            }
            self.skip_done();
        }
        Ok(())
    }

    /// Drops what an earlier run transcribed.
    fn skip_done(&mut self) {
        if self.position < self.skip_to {
            let wanted = usize::try_from(self.skip_to - self.position).unwrap_or(usize::MAX);
            let dropped = wanted.min(self.pending.len());
            self.pending.drain(..dropped);
            self.position += dropped as u64;
        }
    }

    /// Drops the silent frames at the start of what is pending: a window starts with sound.
    fn drop_leading_silence(&mut self) {
        let silent = self
            .pending
            .chunks(FRAME)
            .take_while(|frame| frame.len() == FRAME && is_silent(frame))
            .count();
        let mut dropped = silent * FRAME;
        // What is left at the very end, shorter than a frame, is silence when all else was.
        if self.decoded_all && dropped + FRAME > self.pending.len() && self.rest_is_silent(dropped)
        {
            dropped = self.pending.len();
        }
        self.pending.drain(..dropped);
        self.position += dropped as u64;
    }

    fn rest_is_silent(&self, from: usize) -> bool {
        is_silent(&self.pending[from..])
    }
}

/// Whether samples are below the silence gate.
pub fn is_silent(samples: &[f32]) -> bool {
    if samples.is_empty() {
        return true;
    }
    let energy: f32 = samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32;
    10.0 * energy.max(1e-20).log10() < SILENCE_DBFS
}

/// The frames of `samples` above the silence gate.
fn voiced_frames(samples: &[f32]) -> usize {
    samples
        .chunks(FRAME)
        .filter(|frame| !is_silent(frame))
        .count()
}

/// Where to end a full window: at the start of its quietest frame in its last [`CUT_SPAN`].
fn quietest_cut(window: &[f32]) -> usize {
    let first = (window.len().saturating_sub(CUT_SPAN) / FRAME).max(1);
    let frames = window.len() / FRAME;
    let energy = |i: usize| -> f32 {
        window[i * FRAME..(i + 1) * FRAME]
            .iter()
            .map(|s| s * s)
            .sum()
    };
    // The latest of equally quiet frames: the window is as long as it can be.
    let quietest = (first..frames)
        .rev()
        .min_by(|&a, &b| energy(a).total_cmp(&energy(b)))
        .unwrap_or(frames);
    quietest * FRAME
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f32, amplitude: f32) -> Vec<f32> {
        (0..(seconds * RATE as f32) as usize)
            .map(|i| amplitude * (i as f32 * 0.2).sin())
            .collect()
    }

    #[test]
    fn a_full_window_is_cut_at_its_quietest_frame_near_its_end() {
        let mut window = tone(30.0, 0.3);
        // A pause of 0.2 s at 25 s.
        let pause = 25 * RATE as usize;
        window[pause..pause + 3200].fill(0.0);
        let cut = quietest_cut(&window);
        assert!((pause..pause + 3200).contains(&cut), "cut at {cut}");
    }

    #[test]
    fn the_gate_tells_room_noise_from_a_whisper() {
        assert!(is_silent(&tone(0.02, 0.001)));
        assert!(!is_silent(&tone(0.02, 0.02)));
        assert!(is_silent(&[]));
    }
}
