//! A master's loudness per ITU-R BS.1770-4 / EBU R128, measured as it decodes: of the
//! master as it is, of its mono downmix, and how its two channels compare.
//!
//! The only user of ebur128: the blocks of [`crate::audio::decode::Decoder`] stream into its
//! meter (integrated loudness, loudness range, sample and true peak), so measuring an hour
//! holds no more than one packet of decoded audio. The figures agree with ffmpeg's
//! `ebur128=peak=true` filter (the CLI tests compare them); a mono master is measured as it
//! is, one channel, as ffmpeg measures it.

use std::path::Path;

use ebur128::{EbuR128, Mode};

use crate::audio::decode::{DecodeError, Decoder};
use crate::model::{Balance, Loudness, Measurement, PublishedLoudness, Trim};

/// A master's loudness, that of its mono downmix, how its channels compare, and what
/// decoding it lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The figures of the master as it is, all channels.
    pub loudness: Loudness,
    /// The figures of its mono downmix (the mean of its channels); `None` for a mono master.
    pub mono: Option<Loudness>,
    /// How its first two channels compare; `None` for a mono master.
    pub balance: Option<Balance>,
    /// Frames measured.
    pub frames: u64,
    /// The decoded sample rate, in Hz.
    pub sample_rate: u32,
    /// The decoded channels.
    pub channels: usize,
    /// What decoding lost (a file cut short, damaged packets): the figures are of the rest.
    pub warnings: Vec<String>,
}

impl Measured {
    /// What the load stage keeps of it, each figure to a thousandth of a dB: the state
    /// stores it as JSON, and such a figure reads back as the very number written, so an
    /// unchanged project writes the same state again.
    pub fn measurement(&self) -> Measurement {
        Measurement {
            loudness: rounded(self.loudness),
            mono: self.mono.map(rounded),
            balance: self.balance.map(|b| Balance {
                side_db: b.side_db.map(thousandth),
                quieter_channel_db: b.quieter_channel_db.map(thousandth),
            }),
            warnings: self.warnings.clone(),
        }
    }
}

fn rounded(loudness: Loudness) -> Loudness {
    Loudness {
        integrated_lufs: loudness.integrated_lufs.map(thousandth),
        range_lu: thousandth(loudness.range_lu),
        sample_peak_dbfs: loudness.sample_peak_dbfs.map(thousandth),
        true_peak_dbtp: loudness.true_peak_dbtp.map(thousandth),
    }
}

/// `value` to three decimals: an integer over 1000, which JSON readers parse back exactly.
fn thousandth(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Decodes a master and measures it, in one pass; `trim` is what `probe` found an MP4's
/// boxes state of its track.
pub fn measure(path: &Path, trim: Option<Trim>) -> Result<Measured, DecodeError> {
    let mut decoder = Decoder::open(path, trim)?;
    let (loudness, mono, balance) = measure_all(&mut decoder)?;
    Ok(Measured {
        loudness,
        mono,
        balance,
        frames: decoder.frames(),
        sample_rate: decoder.sample_rate(),
        channels: decoder.channels(),
        warnings: decoder.warnings().to_vec(),
    })
}

/// Measures what is left to decode of a master, to its end: its own loudness only.
pub fn measure_decoder(decoder: &mut Decoder) -> Result<Loudness, DecodeError> {
    let mut meter = new_meter(decoder.channels(), decoder.sample_rate())?;
    while let Some(block) = decoder.next_block()? {
        meter.add_frames_f32(block).map_err(meter_error)?;
    }
    figures(&meter, decoder.channels())
}

/// The master's loudness, its mono downmix's and its balance, for a master of two channels
/// or more.
fn measure_all(
    decoder: &mut Decoder,
) -> Result<(Loudness, Option<Loudness>, Option<Balance>), DecodeError> {
    let channels = decoder.channels();
    if channels < 2 {
        return Ok((measure_decoder(decoder)?, None, None));
    }
    let mut master = new_meter(channels, decoder.sample_rate())?;
    let mut downmix_meter = new_meter(1, decoder.sample_rate())?;
    let mut downmix = Vec::new();
    let mut energy = Energy::default();
    while let Some(block) = decoder.next_block()? {
        master.add_frames_f32(block).map_err(meter_error)?;
        energy.mix_down(block, channels, &mut downmix);
        downmix_meter
            .add_frames_f32(&downmix)
            .map_err(meter_error)?;
    }
    Ok((
        figures(&master, channels)?,
        Some(figures(&downmix_meter, 1)?),
        Some(energy.balance()),
    ))
}

/// Sums of squares over a stereo master's first two channels.
#[derive(Debug, Default)]
struct Energy {
    left: f64,
    right: f64,
    mid: f64,
    side: f64,
}

impl Energy {
    /// Adds a block of interleaved frames and writes their mean over all channels into
    /// `downmix`.
    fn mix_down(&mut self, block: &[f32], channels: usize, downmix: &mut Vec<f32>) {
        downmix.clear();
        let scale = 1.0 / channels as f32;
        let (mut left, mut right, mut mid, mut side) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for frame in block.chunks_exact(channels) {
            let (l, r) = (f64::from(frame[0]), f64::from(frame[1]));
            let (m, s) = ((l + r) * 0.5, (l - r) * 0.5);
            left += l * l;
            right += r * r;
            mid += m * m;
            side += s * s;
            downmix.push(frame.iter().sum::<f32>() * scale);
        }
        self.left += left;
        self.right += right;
        self.mid += mid;
        self.side += side;
    }

    fn balance(&self) -> Balance {
        Balance {
            side_db: ratio_db(self.side, self.mid),
            quieter_channel_db: ratio_db(self.left.min(self.right), self.left.max(self.right)),
        }
    }
}

/// `part` against `whole` in dB, within ±200 dB (a silent part reads −200); `None` when
/// both are silent.
fn ratio_db(part: f64, whole: f64) -> Option<f64> {
    const FLOOR: f64 = 1e-20;
    (part > 0.0 || whole > 0.0)
        .then(|| (10.0 * (part.max(FLOOR) / whole.max(FLOOR)).log10()).clamp(-200.0, 200.0))
}

fn meter_error(e: ebur128::Error) -> DecodeError {
    DecodeError::Corrupt(format!("the loudness meter refuses this audio: {e}"))
}

/// A meter of every figure a master's [`Loudness`] holds.
fn new_meter(channels: usize, sample_rate: u32) -> Result<EbuR128, DecodeError> {
    meter_of(
        channels,
        sample_rate,
        Mode::I | Mode::LRA | Mode::SAMPLE_PEAK | Mode::TRUE_PEAK,
    )
}

/// A meter in `mode`.
fn meter_of(channels: usize, sample_rate: u32, mode: Mode) -> Result<EbuR128, DecodeError> {
    EbuR128::new(
        u32::try_from(channels).unwrap_or(u32::MAX),
        sample_rate,
        mode,
    )
    .map_err(meter_error)
}

/// A meter's figures once every frame went in.
fn figures(meter: &EbuR128, channels: usize) -> Result<Loudness, DecodeError> {
    Ok(Loudness {
        integrated_lufs: Loudness::finite(meter.loudness_global().map_err(meter_error)?),
        range_lu: Loudness::finite(meter.loudness_range().map_err(meter_error)?).unwrap_or(0.0),
        sample_peak_dbfs: highest_peak(meter, channels, EbuR128::sample_peak)?,
        true_peak_dbtp: highest_peak(meter, channels, EbuR128::true_peak)?,
    })
}

/// The highest of the channels' peaks as `read` reads them, in dB; `None` for silence.
fn highest_peak(
    meter: &EbuR128,
    channels: usize,
    read: fn(&EbuR128, u32) -> Result<f64, ebur128::Error>,
) -> Result<Option<f64>, DecodeError> {
    (0..channels as u32)
        .map(|channel| read(meter, channel))
        .try_fold(0.0f64, |max, peak| peak.map(|p| max.max(p)))
        .map(|linear| Loudness::finite(20.0 * linear.log10()))
        .map_err(meter_error)
}

#[cfg(test)]
mod tests;

/// The loudness of a rendition as published, its true peak read as ffmpeg's meter reads it:
/// the ebur128 crate oversamples 4× below 96 kHz, ffmpeg resamples to 192 kHz, which catches
/// more of a low-passed file's overshoot; so a file under 48 kHz (the light rendition, at
/// 22.05 kHz) is first resampled to 48 kHz, where 4× is 192 kHz. Only the two figures the
/// targets are stated in: the loudness range's 3 s blocks and the sample peak would cost a
/// third of the meter's time.
pub fn measure_published(path: &Path) -> anyhow::Result<PublishedLoudness> {
    // A rendition is an MP3 or a WAV: no MP4 trim to apply.
    let mut decoder = Decoder::open(path, None)?;
    let channels = decoder.channels();
    let from = decoder.sample_rate();
    let rate = from.max(48_000);
    let mut resampler = crate::audio::dsp::Resampler::new(from, rate, channels)?;
    let mut meter = meter_of(channels, rate, Mode::I | Mode::TRUE_PEAK)?;
    let mut resampled = Vec::new();
    while let Some(block) = decoder.next_block()? {
        resampled.clear();
        resampler.process(block, &mut resampled);
        meter.add_frames_f32(&resampled).map_err(meter_error)?;
    }
    resampled.clear();
    resampler.finish(&mut resampled);
    meter.add_frames_f32(&resampled).map_err(meter_error)?;
    Ok(PublishedLoudness {
        integrated_lufs: Loudness::finite(meter.loudness_global().map_err(meter_error)?),
        true_peak_dbtp: highest_peak(&meter, channels, EbuR128::true_peak)?,
    })
}
