//! The renditions a cycle publishes from each master (`[renditions]` in `config.toml`), and
//! the pure rules that choose them: which channels, which rate, whether a ready MP3 or M4A is
//! published as it is.
//!
//! - `podcast`: the feed's enclosure, an MP3 at −16 LUFS, true peak ≤ −1 dBTP;
//! - `radio`: for broadcast, −23 LUFS (EBU R128), a WAV (or FLAC) at 48 kHz 16-bit and an MP3
//!   CBR at 44.1 kHz, listed in `radio.xml`;
//! - `light`: for thin data plans, a mono MP3 of about 32 kbit/s.

use crate::model::audio::AudioInfo;
use crate::model::format::{Codec, Container};
use crate::model::loudness::Measurement;

/// Every rendition's settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RenditionSettings {
    /// The feed's enclosure.
    pub podcast: PodcastSettings,
    /// The broadcast files, unless `[renditions.radio] enabled = false`.
    pub radio: Option<RadioSettings>,
    /// The light file, unless `[renditions.light] enabled = false`.
    pub light: Option<LightSettings>,
}

impl Default for RenditionSettings {
    fn default() -> Self {
        RenditionSettings {
            podcast: PodcastSettings::default(),
            radio: Some(RadioSettings::default()),
            light: Some(LightSettings::default()),
        }
    }
}

/// The loudness a rendition is normalized to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Integrated loudness, in LUFS (−30 to −10).
    pub integrated_lufs: f64,
    /// The highest true peak allowed, in dBTP (−9 to 0).
    pub true_peak_dbtp: f64,
}

/// The podcast rendition: an MP3, CBR, mono when the master is (or sounds) mono.
#[derive(Debug, Clone, PartialEq)]
pub struct PodcastSettings {
    /// Its loudness: −16 LUFS, −1 dBTP by default (Apple's recommendation).
    pub target: Target,
    /// Bitrate of a mono file, in kbit/s (64 by default).
    pub mono_kbps: u32,
    /// Bitrate of a stereo file, in kbit/s (112 by default).
    pub stereo_kbps: u32,
}

impl Default for PodcastSettings {
    fn default() -> Self {
        PodcastSettings {
            target: Target {
                integrated_lufs: -16.0,
                true_peak_dbtp: -1.0,
            },
            mono_kbps: 64,
            stereo_kbps: 112,
        }
    }
}

/// The broadcast renditions: a lossless file and an MP3, at EBU R128 loudness.
#[derive(Debug, Clone, PartialEq)]
pub struct RadioSettings {
    /// Its loudness: −23 LUFS, −1 dBTP by default (EBU R128).
    pub target: Target,
    /// WAV or FLAC, 48 kHz 16-bit.
    pub format: LosslessFormat,
    /// Bitrate of the MP3, CBR at 44.1 kHz, in kbit/s (128 by default, at least 128).
    pub mp3_kbps: u32,
    /// The broadcast slot every radio rendition must fit, in seconds (`slot = "58:00"`); a
    /// rebroadcast may name its own.
    pub slot_secs: Option<u32>,
}

impl Default for RadioSettings {
    fn default() -> Self {
        RadioSettings {
            target: Target {
                integrated_lufs: -23.0,
                true_peak_dbtp: -1.0,
            },
            format: LosslessFormat::Wav,
            mp3_kbps: 128,
            slot_secs: None,
        }
    }
}

/// The broadcast file's lossless format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LosslessFormat {
    /// RIFF WAVE, 16-bit PCM.
    Wav,
    /// FLAC, 16-bit.
    Flac,
}

impl LosslessFormat {
    /// Its file extension.
    pub fn extension(self) -> &'static str {
        match self {
            LosslessFormat::Wav => "wav",
            LosslessFormat::Flac => "flac",
        }
    }
}

/// The light rendition: a mono MP3 for thin data plans, at the podcast's loudness.
#[derive(Debug, Clone, PartialEq)]
pub struct LightSettings {
    /// Its bitrate, in kbit/s (32 by default; 16 to 48).
    pub kbps: u32,
}

impl Default for LightSettings {
    fn default() -> Self {
        LightSettings { kbps: 32 }
    }
}

/// The sample rate of the light rendition: MPEG-2 Layer III at 22.05 kHz, which every app and
/// browser plays, and the rate LAME itself picks for 32 kbit/s mono. At 24 kHz, LAME's
/// stream of a loud, limited master holds a few frames that ffmpeg's decoders (and so
/// Chromium) read as bursts 10 dB over full scale, where LAME's own decoder and symphonia
/// read none; at 22.05 kHz ffmpeg reads them as the others do.
pub const LIGHT_SAMPLE_RATE: u32 = 22_050;
/// The sample rate of the podcast rendition and of the radio MP3.
pub const MP3_SAMPLE_RATE: u32 = 44_100;
/// The sample rate of the radio's lossless file.
pub const BROADCAST_SAMPLE_RATE: u32 = 48_000;

/// How far a ready MP3 or M4A master may sit from the podcast target and still be published
/// as it is, in LU.
pub const READY_TOLERANCE_LU: f64 = 1.0;

/// Whether a master's rendition is published with one channel: the master has one, or its
/// channels are near-identical (a mono microphone recorded on two tracks), or one of its two
/// channels is silent (one microphone on one side only), or it has more than two (a recorder's
/// tracks, one per microphone, or a film's 5.1, whose voice is in the centre): those are all
/// mixed down, none left out.
pub fn publishes_mono(channels: u32, measured: &Measurement) -> bool {
    channels == 1 || channels > 2 || measured.balance.is_some_and(|b| b.sounds_mono())
}

/// How a master becomes the feed's enclosure.
#[derive(Debug, Clone, PartialEq)]
pub enum Enclosure {
    /// A ready MP3 or M4A, published as it is (tagged, no lossy re-encode), for this reason.
    AsIs(AsIs),
    /// The podcast rendition, an MP3 made from the master, for this reason.
    Encoded(Reencode),
}

/// Why a master is published as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsIs {
    /// Within [`READY_TOLERANCE_LU`] of the target and under the ceiling.
    Ready,
    /// An M4A whose `.m4a` URL is pinned in `cyclecast.lock`: its URL never changes.
    PinnedM4a,
    /// It could not be measured (the load stage said why).
    Unmeasured,
}

/// Why a master is encoded into the podcast rendition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reencode {
    /// WAV, AIFF, FLAC or ALAC: never published raw.
    Lossless,
    /// A format podcast apps do not all play (Ogg Vorbis, Opus).
    Unplayable,
    /// Its integrated loudness is this many LU off the target (beyond
    /// [`READY_TOLERANCE_LU`]).
    OffTarget(f64),
    /// Its true peak is this many dB over the ceiling.
    OverCeiling(f64),
}

impl Enclosure {
    /// The enclosure's file extension: the master's for one published as it is, else `mp3`.
    pub fn extension(&self, audio: &AudioInfo) -> Option<&'static str> {
        match self {
            Enclosure::AsIs(_) => audio.published_format().map(|(extension, _)| extension),
            Enclosure::Encoded(_) => Some("mp3"),
        }
    }
}

/// Chooses how a master becomes the enclosure: a lossless master is always encoded; an MP3 or
/// M4A already within [`READY_TOLERANCE_LU`] of the target and under the ceiling is published
/// as it is; so is an M4A whose `.m4a` URL is pinned in `cyclecast.lock` (its URL never
/// changes; `check` reports its loudness); anything else is encoded. `measured` is `None`
/// when the master could not be measured (the load stage reported why).
pub fn enclosure(
    audio: &AudioInfo,
    measured: Option<&Measurement>,
    target: &Target,
    pinned_extension: Option<&str>,
) -> Enclosure {
    let lossless = matches!(
        audio.container,
        Container::Wave | Container::Aiff | Container::Flac
    ) || matches!(audio.codec, Codec::Alac | Codec::Pcm(_) | Codec::Flac);
    if lossless {
        return Enclosure::Encoded(Reencode::Lossless);
    }
    let ready_format = matches!(audio.published_format(), Some(("mp3" | "m4a", _)));
    if !ready_format {
        return Enclosure::Encoded(Reencode::Unplayable);
    }
    if audio.codec != Codec::Mp3 && pinned_extension == Some("m4a") {
        return Enclosure::AsIs(AsIs::PinnedM4a);
    }
    let Some(measured) = measured else {
        return Enclosure::AsIs(AsIs::Unmeasured);
    };
    let loudness = &measured.loudness;
    if let Some(integrated) = loudness.integrated_lufs {
        let off = integrated - target.integrated_lufs;
        if off.abs() > READY_TOLERANCE_LU {
            return Enclosure::Encoded(Reencode::OffTarget(off));
        }
    }
    match loudness.true_peak_dbtp {
        Some(peak) if peak > target.true_peak_dbtp => {
            Enclosure::Encoded(Reencode::OverCeiling(peak - target.true_peak_dbtp))
        }
        _ => Enclosure::AsIs(AsIs::Ready),
    }
}
