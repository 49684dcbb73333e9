//! `[renditions]` into [`RenditionSettings`]: each value within what the encoders and the
//! exchange platforms take, else an error at its line; a key left out takes the default.

use toml::Spanned;

use crate::model::rendition::{
    LightSettings, LosslessFormat, PodcastSettings, RadioSettings, RenditionSettings, Target,
};

use super::raw::*;
use super::validate::Validator;

/// The CBR bitrates LAME writes at 44.1 kHz (MPEG-1 Layer III), in kbit/s.
const MPEG1_KBPS: &[u32] = &[
    32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];
/// The bitrates of the light rendition, a mono MPEG-2 Layer III file at 22.05 kHz, in kbit/s.
const LIGHT_KBPS: &[u32] = &[16, 24, 32, 40, 48];
/// Integrated loudness a target may ask for, in LUFS.
const LOUDNESS_LUFS: (f64, f64) = (-30.0, -10.0);
/// True peak a target may allow, in dBTP.
const TRUE_PEAK_DBTP: (f64, f64) = (-9.0, 0.0);

impl Validator<'_> {
    pub(super) fn renditions(&mut self, raw: RawRenditions) -> RenditionSettings {
        RenditionSettings {
            podcast: self.podcast_rendition(raw.podcast.unwrap_or_default()),
            radio: self.radio_rendition(raw.radio.unwrap_or_default()),
            light: self.light_rendition(raw.light.unwrap_or_default()),
        }
    }

    fn podcast_rendition(&mut self, raw: RawPodcastRendition) -> PodcastSettings {
        let default = PodcastSettings::default();
        PodcastSettings {
            target: self.target(raw.loudness, raw.true_peak, default.target),
            mono_kbps: self.bitrate(raw.bitrate, MPEG1_KBPS, (32, 128), default.mono_kbps),
            stereo_kbps: self.bitrate(
                raw.stereo_bitrate,
                MPEG1_KBPS,
                (64, 320),
                default.stereo_kbps,
            ),
        }
    }

    fn radio_rendition(&mut self, raw: RawRadioRendition) -> Option<RadioSettings> {
        let default = RadioSettings::default();
        let settings = RadioSettings {
            target: self.target(raw.loudness, raw.true_peak, default.target),
            format: raw
                .format
                .map_or(default.format, |f| self.lossless_format(&f)),
            mp3_kbps: self.bitrate(raw.bitrate, MPEG1_KBPS, (128, 320), default.mp3_kbps),
            slot_secs: raw.slot.and_then(|s| self.slot(&s)),
        };
        raw.enabled.unwrap_or(true).then_some(settings)
    }

    fn light_rendition(&mut self, raw: RawLightRendition) -> Option<LightSettings> {
        let default = LightSettings::default();
        let settings = LightSettings {
            kbps: self.bitrate(raw.bitrate, LIGHT_KBPS, (16, 48), default.kbps),
        };
        raw.enabled.unwrap_or(true).then_some(settings)
    }

    fn target(
        &mut self,
        loudness: Option<Spanned<f64>>,
        true_peak: Option<Spanned<f64>>,
        default: Target,
    ) -> Target {
        Target {
            integrated_lufs: self
                .level(loudness, LOUDNESS_LUFS, "LUFS", "loudness")
                .unwrap_or(default.integrated_lufs),
            true_peak_dbtp: self
                .level(true_peak, TRUE_PEAK_DBTP, "dBTP", "true peak")
                .unwrap_or(default.true_peak_dbtp),
        }
    }

    /// A level in `unit` within `bounds`, both included; `None` when left out or wrong.
    fn level(
        &mut self,
        value: Option<Spanned<f64>>,
        (low, high): (f64, f64),
        unit: &str,
        what: &str,
    ) -> Option<f64> {
        let value = value?;
        let level = *value.get_ref();
        if level.is_finite() && (low..=high).contains(&level) {
            return Some(level);
        }
        self.error_at(
            value.span().start,
            format!("the {what} must be from {low} to {high} {unit}, not {level}"),
        );
        None
    }

    /// A bitrate from `allowed` within `(low, high)`, both included.
    fn bitrate(
        &mut self,
        value: Option<Spanned<i64>>,
        allowed: &[u32],
        (low, high): (u32, u32),
        default: u32,
    ) -> u32 {
        let Some(value) = value else {
            return default;
        };
        let choices: Vec<u32> = allowed
            .iter()
            .copied()
            .filter(|k| (low..=high).contains(k))
            .collect();
        let written = *value.get_ref();
        if let Some(kbps) = u32::try_from(written).ok().filter(|k| choices.contains(k)) {
            return kbps;
        }
        let list = choices
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        self.error_at(
            value.span().start,
            format!("{written} kbit/s is not a bitrate of this file: expected one of {list}"),
        );
        default
    }

    fn lossless_format(&mut self, text: &Text) -> LosslessFormat {
        match text.get_ref().trim() {
            "wav" => LosslessFormat::Wav,
            "flac" => LosslessFormat::Flac,
            other => {
                self.error_at(
                    text.span().start,
                    format!("unknown radio format `{other}`: expected \"wav\" or \"flac\""),
                );
                LosslessFormat::Wav
            }
        }
    }

    /// A broadcast slot, `m:ss` or `h:mm:ss`, in whole seconds.
    pub(super) fn slot(&mut self, text: &Text) -> Option<u32> {
        let written = text.get_ref().trim();
        let secs = written
            .contains(':')
            .then(|| crate::model::time::parse_timestamp(written))
            .flatten()
            .filter(|ms| ms % 1000 == 0 && *ms > 0)
            .and_then(|ms| u32::try_from(ms / 1000).ok());
        if secs.is_none() {
            self.error_at(
                text.span().start,
                format!(
                    "`{written}` is not a broadcast slot: expected m:ss or h:mm:ss, e.g. \"58:00\""
                ),
            );
        }
        secs
    }
}
