//! A master's loudness per ITU-R BS.1770-4 / EBU R128, measured as it decodes.
//!
//! The only user of ebur128: the blocks of [`crate::audio::decode::Decoder`] stream into its
//! meter (integrated loudness, loudness range, sample and true peak), so measuring an hour
//! holds no more than one packet of decoded audio. The figures agree with ffmpeg's
//! `ebur128=peak=true` filter (the CLI tests compare them); a mono master is measured as it
//! is, one channel, as ffmpeg measures it.

use std::path::Path;

use ebur128::{EbuR128, Mode};

use crate::audio::decode::{DecodeError, Decoder};
use crate::model::Loudness;

/// A master's loudness, and what decoding it lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The figures.
    pub loudness: Loudness,
    /// Frames measured.
    pub frames: u64,
    /// The decoded sample rate, in Hz.
    pub sample_rate: u32,
    /// The decoded channels.
    pub channels: usize,
    /// What decoding lost (a file cut short, damaged packets): the figures are of the rest.
    pub warnings: Vec<String>,
}

/// Decodes a master and measures it.
pub fn measure(path: &Path) -> Result<Measured, DecodeError> {
    let mut decoder = Decoder::open(path)?;
    let loudness = measure_decoder(&mut decoder)?;
    Ok(Measured {
        loudness,
        frames: decoder.frames(),
        sample_rate: decoder.sample_rate(),
        channels: decoder.channels(),
        warnings: decoder.warnings().to_vec(),
    })
}

/// Measures what is left to decode of a master, to its end.
pub fn measure_decoder(decoder: &mut Decoder) -> Result<Loudness, DecodeError> {
    let channels = decoder.channels();
    let meter_error = |e: ebur128::Error| {
        DecodeError::Corrupt(format!("the loudness meter refuses this audio: {e}"))
    };
    let mut meter = EbuR128::new(
        u32::try_from(channels).unwrap_or(u32::MAX),
        decoder.sample_rate(),
        Mode::I | Mode::LRA | Mode::SAMPLE_PEAK | Mode::TRUE_PEAK,
    )
    .map_err(meter_error)?;
    while let Some(block) = decoder.next_block()? {
        meter.add_frames_f32(block).map_err(meter_error)?;
    }
    let peak = |read: fn(&EbuR128, u32) -> Result<f64, ebur128::Error>| {
        (0..channels as u32)
            .map(|channel| read(&meter, channel))
            .try_fold(0.0f64, |max, peak| peak.map(|p| max.max(p)))
            .map(|linear| Loudness::finite(20.0 * linear.log10()))
            .map_err(meter_error)
    };
    Ok(Loudness {
        integrated_lufs: Loudness::finite(meter.loudness_global().map_err(meter_error)?),
        range_lu: Loudness::finite(meter.loudness_range().map_err(meter_error)?).unwrap_or(0.0),
        sample_peak_dbfs: peak(EbuR128::sample_peak)?,
        true_peak_dbtp: peak(EbuR128::true_peak)?,
    })
}

#[cfg(test)]
mod tests;
