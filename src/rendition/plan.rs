//! What to make of each master (pure): the files of each rendition, grouped in chains that
//! share one normalized signal, each named in the cache by a key of everything it is made from.

use std::path::PathBuf;

/// How many hex digits of a key name a file of the cache.
pub const KEY_DIGITS: usize = 32;

use crate::model::rendition::{
    BROADCAST_SAMPLE_RATE, Enclosure, LIGHT_SAMPLE_RATE, LosslessFormat, MP3_SAMPLE_RATE,
    RenditionSettings, Target, publishes_mono,
};
use crate::model::{AudioInfo, Measurement};
use crate::project::sources::Stamp;

/// Bump when the processing or the encoders change what they make of the same master and
/// settings: every cached rendition is then made again. (Not the build id, which moves at
/// every rebuild and would re-encode hours of audio for nothing.)
const PROCESSING_VERSION: &str = "renditions-6";

/// Headroom under the ceiling that the limiter keeps for the MP3 encoder's overshoot (the
/// published file is what is measured), in dB: measured by ffmpeg on the sample cycle, 0.1 dB
/// at 64 kbit/s and more, 1.4 dB at 32 kbit/s (its low-pass rings more).
fn lossy_headroom_db(kbps: u32) -> f64 {
    if kbps >= 64 { 0.5 } else { 2.0 }
}
/// Headroom for a chain whose files are all lossless: only dither follows the limiter, which
/// already aims 0.1 dB under its ceiling.
const LOSSLESS_HEADROOM_DB: f64 = 0.0;

/// Which audience a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The feed's enclosure.
    Podcast,
    /// The light file for thin data plans.
    Light,
    /// The broadcast file, WAV or FLAC.
    RadioLossless,
    /// The broadcast MP3.
    RadioMp3,
}

impl Role {
    /// What the file is, in messages.
    pub fn name(self) -> &'static str {
        match self {
            Role::Podcast => "podcast rendition",
            Role::Light => "light rendition",
            Role::RadioLossless => "broadcast file",
            Role::RadioMp3 => "broadcast MP3",
        }
    }
}

/// A file's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// MP3, CBR at this bitrate in kbit/s.
    Mp3(u32),
    /// 16-bit WAV or FLAC.
    Lossless(LosslessFormat),
}

impl Encoding {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Mp3(_) => "mp3",
            Encoding::Lossless(format) => format.extension(),
        }
    }
}

/// One file made from a master.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its audience.
    pub role: Role,
    /// Its encoding.
    pub encoding: Encoding,
    /// Its sample rate, in Hz.
    pub sample_rate: u32,
    /// The ceiling its limiter holds, in dBTP: the target's, less the headroom its encoding
    /// needs.
    pub limiter_ceiling_dbtp: f64,
    /// Its name in the cache: a hash of the master and of everything applied to it.
    pub key: String,
}

impl Job {
    /// The cache file's name, e.g. `3f…e1.mp3`.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.key, self.encoding.extension())
    }
}

/// Files made from one normalized signal: the same channels, gain and limiter.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Whether the signal is the master's mono downmix.
    pub mono: bool,
    /// The loudness its files must have, as published.
    pub target: Target,
    /// The gain that brings the master's loudness to the target, in dB.
    pub gain_db: f64,
    /// The master's loudness as measured in the chain's channels (its mono downmix's, or its
    /// own).
    pub signal: crate::model::loudness::Loudness,
    /// Its files.
    pub jobs: Vec<Job>,
}

impl Chain {
    /// The master's true peak once gained, in dBTP: over a file's ceiling, its limiter works.
    pub fn gained_peak_dbtp(&self) -> Option<f64> {
        self.signal.true_peak_dbtp.map(|peak| peak + self.gain_db)
    }
}

/// What to make of one master.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterPlan {
    /// The master's path, as the load stage opened it.
    pub master: PathBuf,
    /// Its stamp when the load stage hashed it: the file made must be of that version.
    pub stamp: Stamp,
    /// Its size in bytes, for progress.
    pub size: u64,
    /// Its frames, as probed: for progress.
    pub frames: u64,
    /// What a decoder hands out of it, when it is an MP4 whose boxes state it.
    pub trim: Option<crate::model::Trim>,
    /// Its chains.
    pub chains: Vec<Chain>,
}

impl MasterPlan {
    /// Every job of every chain.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.chains.iter().flat_map(|chain| chain.jobs.iter())
    }
}

/// A master as the load stage knows it.
#[derive(Debug, Clone, Copy)]
pub struct Master<'a> {
    /// Its path.
    pub path: &'a std::path::Path,
    /// BLAKE3 of its content, hex.
    pub hash: &'a str,
    /// Its stamp when it was hashed.
    pub stamp: Stamp,
    /// Its figures.
    pub audio: &'a AudioInfo,
    /// Its loudness.
    pub measured: &'a Measurement,
}

/// The renditions of a session's recording: the podcast file unless the master is published
/// as it is, the light file and the broadcast files when the config asks for them. `None` when
/// there is nothing to make, or when the master has no loudness to normalize (silence, which
/// the load stage refused).
pub fn recording(
    master: Master<'_>,
    enclosure: &Enclosure,
    settings: &RenditionSettings,
) -> Option<MasterPlan> {
    let mono = publishes_mono(master.audio.channels, master.measured);
    let mut chains = Vec::new();
    let podcast = &settings.podcast;
    let mut podcast_jobs = Vec::new();
    if matches!(enclosure, Enclosure::Encoded(_)) {
        let kbps = if mono {
            podcast.mono_kbps
        } else {
            podcast.stereo_kbps
        };
        podcast_jobs.push((Role::Podcast, Encoding::Mp3(kbps), MP3_SAMPLE_RATE));
    }
    let light = settings
        .light
        .as_ref()
        .map(|light| (Role::Light, Encoding::Mp3(light.kbps), LIGHT_SAMPLE_RATE));
    match (mono, light) {
        // The light file is mono: it shares the podcast's signal when that is mono too.
        (true, Some(light)) => podcast_jobs.push(light),
        (false, Some(light)) => chains.extend(chain(master, true, &podcast.target, &[light])),
        (_, None) => {}
    }
    chains.extend(chain(master, mono, &podcast.target, &podcast_jobs));
    chains.extend(broadcast(master, settings));
    sorted(master, chains)
}

/// The broadcast files of a rebroadcast's own radio edit.
pub fn radio_edit(master: Master<'_>, settings: &RenditionSettings) -> Option<MasterPlan> {
    sorted(master, broadcast(master, settings).into_iter().collect())
}

/// The broadcast chain: the lossless file and the MP3, in the master's channels (mono when it
/// sounds mono).
fn broadcast(master: Master<'_>, settings: &RenditionSettings) -> Option<Chain> {
    let radio = settings.radio.as_ref()?;
    let mono = publishes_mono(master.audio.channels, master.measured);
    let jobs = [
        (
            Role::RadioLossless,
            Encoding::Lossless(radio.format),
            BROADCAST_SAMPLE_RATE,
        ),
        (
            Role::RadioMp3,
            Encoding::Mp3(radio.mp3_kbps),
            MP3_SAMPLE_RATE,
        ),
    ];
    chain(master, mono, &radio.target, &jobs)
}

/// A chain of files, or `None` when there are none or the master is silent.
fn chain(
    master: Master<'_>,
    mono: bool,
    target: &Target,
    files: &[(Role, Encoding, u32)],
) -> Option<Chain> {
    if files.is_empty() {
        return None;
    }
    let measured = master.measured.of_rendition(mono);
    let loudness = measured.integrated_lufs?;
    // Rounded so that a figure measured again the same way names the same cache files.
    let gain_db = ((target.integrated_lufs - loudness) * 100.0).round() / 100.0;
    let jobs = files
        .iter()
        .map(|&(role, encoding, sample_rate)| {
            let headroom = match encoding {
                Encoding::Lossless(_) => LOSSLESS_HEADROOM_DB,
                Encoding::Mp3(kbps) => lossy_headroom_db(kbps),
            };
            let limiter_ceiling_dbtp = target.true_peak_dbtp - headroom;
            let settings = format!(
                "{PROCESSING_VERSION} mono={mono} gain={gain_db:.2} ceiling={limiter_ceiling_dbtp:.2} target={:.2} {encoding:?} rate={sample_rate}",
                target.integrated_lufs
            );
            let key = blake3::Hasher::new()
                .update(master.hash.as_bytes())
                .update(b"\0")
                .update(settings.as_bytes())
                .finalize()
                .to_hex()[..KEY_DIGITS]
                .to_string();
            Job {
                role,
                encoding,
                sample_rate,
                limiter_ceiling_dbtp,
                key,
            }
        })
        .collect();
    Some(Chain {
        mono,
        target: *target,
        gain_db,
        signal: *measured,
        jobs,
    })
}

/// The plan, or `None` without chains.
fn sorted(master: Master<'_>, chains: Vec<Chain>) -> Option<MasterPlan> {
    (!chains.is_empty()).then(|| MasterPlan {
        master: master.path.to_path_buf(),
        stamp: master.stamp,
        size: master.audio.size,
        frames: master.audio.frames,
        trim: master.audio.trim(),
        chains,
    })
}
