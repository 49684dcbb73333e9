//! A master's audio, decoded as it is read: interleaved `f32` blocks, one packet at a time.
//!
//! [`Decoder::open`] opens the file the way [`crate::audio::probe`] does (the same refusals),
//! then [`Decoder::next_block`] hands out the samples of one packet at a time: memory stays
//! bounded (one packet's buffer) whatever the length of the master.
//!
//! Every call into symphonia runs under `catch_unwind` (it has panicked on crafted input): a
//! panic becomes [`DecodeError::Crashed`], and the decoder gives nothing more after it. A file
//! cut short or damaged after its first packet gives what decodes, and says what was lost in
//! [`Decoder::warnings`]; one that gives no audio at all is an error with the reason.
//!
//! symphonia has no Opus decoder: built with the `opus` feature, cyclecast registers one
//! that calls libopus (`decode::opus`); without it, an Opus master is refused with that reason.

#[cfg(feature = "opus")]
pub mod opus;

use std::io::ErrorKind;
use std::path::Path;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatReader;

use crate::audio::probe::{self, Opened, ProbeError, guarded};
use crate::model::{Codec, Container, Trim};

/// Packets in a row that give no audio before the file is called malformed.
const MAX_IDLE_PACKETS: u64 = 10_000;

/// Packets in a row that fail to decode before the decoder gives up on the file.
const MAX_BAD_PACKETS: u64 = 100;

/// The largest magnitude a decoded sample may have (+12 dBFS): a lossy codec overshoots full
/// scale by a few dB, a damaged packet decodes to values far beyond (or to NaN).
const MAX_SAMPLE: f32 = 4.0;

/// The same for floating-point PCM (+60 dBFS), which keeps what goes beyond full scale: a
/// 32-bit float recorder keeps a shout at +20 dBFS whole, a gain applied in float keeps more;
/// no recording holds a sample a thousand times full scale.
const MAX_FLOAT_SAMPLE: f32 = 1000.0;

/// Why an Opus master is refused by a build without the `opus` feature.
const NO_OPUS: &str = "an Opus master cannot be decoded: symphonia has no Opus decoder, and \
     this build of cyclecast lacks the `opus` feature that decodes Opus through libopus \
     (install libopus, e.g. `apt install libopus-dev`, then build with \
     `cargo build --release --features opus`)";

/// Why a master cannot be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The file could not be opened: the same reasons as probing it.
    #[error(transparent)]
    Open(#[from] ProbeError),
    /// The codec has no decoder in this build.
    #[error("{0}")]
    NoDecoder(String),
    /// The stream is damaged or cut short before any audio could be decoded, or beyond repair.
    #[error("{0}")]
    Corrupt(String),
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),
    /// The decoder crashed on this input.
    #[error("the audio decoder failed on this file (malformed input): {0}")]
    Crashed(String),
}

/// A master being decoded, block by block.
pub struct Decoder {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    container: Container,
    /// The frames the container states, where that count is exact.
    stated_frames: Option<u64>,
    sample_rate: u32,
    channels: usize,
    /// The samples of the last block, interleaved.
    block: Vec<f32>,
    /// The first block, decoded by `open` to learn the stream's shape, not yet handed out.
    pending: bool,
    /// Frames handed out so far.
    frames: u64,
    /// Frames still to drop at the start: an AAC stream's priming, which its MP4 states.
    skip: u64,
    /// The frames to hand out at most, when the container states what is played (an MP4's
    /// edit list or `iTunSMPB`: the encoder's padding at the end is not).
    limit: Option<u64>,
    /// Frames decoded, less those dropped: what has been or will be handed out.
    kept: u64,
    /// Packets that failed to decode and were skipped.
    skipped: u64,
    /// The largest magnitude taken as a sample rather than garbage: [`MAX_SAMPLE`], or
    /// [`MAX_FLOAT_SAMPLE`] for floating-point PCM.
    max_sample: f32,
    /// Blocks that decoded to samples beyond `max_sample` or not numbers, silenced.
    garbled: u64,
    warnings: Vec<String>,
    done: bool,
}

impl Decoder {
    /// Opens a master and decodes its first packet (to learn its sample rate and channels).
    /// `trim` is what `probe` found an MP4's boxes state of its track (symphonia ignores it).
    pub fn open(path: &Path, trim: Option<Trim>) -> Result<Decoder, DecodeError> {
        let file = crate::support::fs::open_file(path).map_err(ProbeError::Io)?;
        Decoder::open_file(file, path, trim)
    }

    /// Opens a master already open, as [`Decoder::open`] opens a path: every read is of
    /// `file`, whatever becomes of `path` (which gives only its extension) meanwhile.
    pub fn open_file(
        file: std::fs::File,
        path: &Path,
        trim: Option<Trim>,
    ) -> Result<Decoder, DecodeError> {
        let opened = guarded(|| probe::open_file_track(file, path))?;
        let Opened {
            format,
            container,
            track,
            params,
            codec,
        } = opened;
        if codec == Codec::Opus && !cfg!(feature = "opus") {
            return Err(DecodeError::NoDecoder(NO_OPUS.into()));
        }
        let made = guarded(|| {
            codecs()
                .make_audio_decoder(&params, &AudioDecoderOptions::default())
                .map_err(|e| ProbeError::Unsupported(e.to_string()))
        });
        let decoder = match made {
            Ok(decoder) => decoder,
            Err(ProbeError::Unsupported(why)) => {
                return Err(DecodeError::NoDecoder(format!(
                    "{codec} audio cannot be decoded: {why}"
                )));
            }
            Err(other) => return Err(other.into()),
        };
        // The MP3 reader estimates a length without a frame count: only other containers
        // state an exact one.
        // The Ogg reader counts Opus's pre-skip in the length, which the decoder drops (as
        // `probe` does).
        let mut stated_frames = track
            .num_frames
            .filter(|_| container != Container::Mp3)
            .map(|frames| match codec {
                Codec::Opus => frames.saturating_sub(u64::from(track.delay.unwrap_or(0))),
                _ => frames,
            });
        let sample_rate = params.sample_rate.unwrap_or(0);
        let (skip, limit) = match trim {
            Some(Trim { skip, frames }) if container == Container::Mp4 => (skip, Some(frames)),
            _ => (0, None),
        };
        if limit.is_some() {
            stated_frames = limit;
        }
        let mut decoder = Decoder {
            format,
            decoder,
            track_id: track.id,
            container,
            stated_frames,
            sample_rate,
            channels: params.channels.as_ref().map_or(0, |c| c.count()),
            block: Vec::new(),
            pending: false,
            frames: 0,
            skip,
            limit,
            kept: 0,
            skipped: 0,
            max_sample: if codec.is_float_pcm() {
                MAX_FLOAT_SAMPLE
            } else {
                MAX_SAMPLE
            },
            garbled: 0,
            warnings: Vec::new(),
            done: false,
        };
        match decoder.decode_next()? {
            true => decoder.pending = true,
            false => return Err(DecodeError::Corrupt("the file holds no audio".into())),
        }
        Ok(decoder)
    }

    /// The sample rate of the decoded audio, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The channels of the decoded audio (the blocks interleave them).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The container read.
    pub fn container(&self) -> &Container {
        &self.container
    }

    /// Frames handed out so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// What was lost on the way: a file cut short, packets skipped, a stream that changed its
    /// shape midway. Complete once [`Decoder::next_block`] has returned `None`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The next block of samples, interleaved (`channels()` per frame), or `None` at the end.
    pub fn next_block(&mut self) -> Result<Option<&[f32]>, DecodeError> {
        if self.pending {
            self.pending = false;
        } else if !self.decode_next()? {
            return Ok(None);
        }
        self.frames += (self.block.len() / self.channels.max(1)) as u64;
        Ok(Some(&self.block))
    }

    /// Decodes the next packet that gives audio to hand out into `block`; `false` at the end.
    fn decode_next(&mut self) -> Result<bool, DecodeError> {
        loop {
            if self.done {
                return Ok(false);
            }
            if self.limit.is_some_and(|limit| self.kept >= limit) {
                self.done = true;
                self.finish();
                return Ok(false);
            }
            match catch(|| self.decode_packet()) {
                Ok(true) => {
                    if self.trim() {
                        return Ok(true);
                    }
                }
                Ok(false) => {
                    self.done = true;
                    self.finish();
                    return Ok(false);
                }
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
    }

    /// Drops from `block` what precedes or follows the played part; whether any frame is
    /// left.
    fn trim(&mut self) -> bool {
        let channels = self.channels.max(1);
        let frames = (self.block.len() / channels) as u64;
        let dropped = self.skip.min(frames);
        if dropped > 0 {
            self.block.drain(..dropped as usize * channels);
            self.skip -= dropped;
        }
        if let Some(limit) = self.limit {
            let left = limit.saturating_sub(self.kept);
            if (self.block.len() / channels) as u64 > left {
                self.block.truncate(left as usize * channels);
            }
        }
        self.kept += (self.block.len() / channels) as u64;
        !self.block.is_empty()
    }

    fn decode_packet(&mut self) -> Result<bool, DecodeError> {
        let (mut idle, mut bad) = (0u64, 0u64);
        let started = self.frames > 0 || self.pending;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(false),
                Err(e) => return self.read_failed(e, started),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(buffer) => {
                    let (rate, channels) = (buffer.spec().rate(), buffer.spec().channels().count());
                    if buffer.frames() == 0 {
                        idle += 1;
                        if idle > MAX_IDLE_PACKETS {
                            return Err(DecodeError::Corrupt(
                                "the audio decoder makes no progress in this file: it is malformed"
                                    .into(),
                            ));
                        }
                        continue;
                    }
                    if started && (rate != self.sample_rate || channels != self.channels) {
                        self.warnings.push(format!(
                            "the stream changes from {} Hz, {} channels to {rate} Hz, {channels} \
                             channels midway: only the first part is decoded",
                            self.sample_rate, self.channels
                        ));
                        return Ok(false);
                    }
                    self.sample_rate = rate;
                    self.channels = channels;
                    buffer.copy_to_vec_interleaved(&mut self.block);
                    if self
                        .block
                        .iter()
                        .any(|s| s.is_nan() || s.abs() > self.max_sample)
                    {
                        // Garbage from a damaged packet: silence, rather than a meter (or a
                        // rendition) thrown off by it.
                        self.block.fill(0.0);
                        self.garbled += 1;
                    }
                    return Ok(true);
                }
                Err(SymphoniaError::DecodeError(_)) | Err(SymphoniaError::IoError(_)) => {
                    // The packet is undecodable; symphonia may go on with the next one.
                    self.skipped += 1;
                    bad += 1;
                    if bad > MAX_BAD_PACKETS {
                        return Err(DecodeError::Corrupt(format!(
                            "the audio stream is damaged: {bad} packets in a row cannot be decoded"
                        )));
                    }
                }
                Err(SymphoniaError::ResetRequired) => {
                    self.warnings.push(
                        "the stream changes its parameters midway: only the first part is decoded"
                            .into(),
                    );
                    return Ok(false);
                }
                Err(e) => return Err(DecodeError::NoDecoder(e.to_string())),
            }
        }
    }

    /// The container's reader failed: the end of what decodes, or an error before any audio.
    fn read_failed(&mut self, error: SymphoniaError, started: bool) -> Result<bool, DecodeError> {
        let seconds = self.seconds(self.frames);
        match error {
            SymphoniaError::IoError(e) if e.kind() != ErrorKind::UnexpectedEof => {
                Err(DecodeError::Io(e))
            }
            SymphoniaError::IoError(_) if started => {
                self.warnings.push(format!(
                    "the file ends in the middle of a packet, after {seconds:.3} s: it is truncated"
                ));
                Ok(false)
            }
            SymphoniaError::IoError(_) => Err(DecodeError::Corrupt(
                "the file ends before its first audio packet: it is truncated".into(),
            )),
            SymphoniaError::ResetRequired if started => {
                self.warnings.push(
                    "the stream changes its parameters midway: only the first part is decoded"
                        .into(),
                );
                Ok(false)
            }
            e if started => {
                self.warnings.push(format!(
                    "the audio stream is damaged after {seconds:.3} s, where decoding stops: {e}"
                ));
                Ok(false)
            }
            e => Err(DecodeError::Corrupt(format!(
                "the audio stream is damaged from its start (truncated?): {e}"
            ))),
        }
    }

    /// At the end: what the stream lost, against what the container states.
    fn finish(&mut self) {
        // A file cut short has said so already; else its stated length tells.
        let said = !self.warnings.is_empty();
        if let Some(stated) = self.stated_frames
            && self.frames < stated
            && !said
        {
            self.warnings.push(format!(
                "the file ends {:.3} s before the length it states ({:.3} s): it is truncated",
                self.seconds(stated - self.frames),
                self.seconds(stated),
            ));
        }
        if self.skipped > 0 {
            self.warnings.push(format!(
                "{} damaged packet{} could not be decoded and {} skipped",
                self.skipped,
                if self.skipped == 1 { "" } else { "s" },
                if self.skipped == 1 { "was" } else { "were" },
            ));
        }
        if self.garbled > 0 {
            self.warnings.push(format!(
                "{} damaged packet{} decoded to samples far beyond full scale and {} silenced",
                self.garbled,
                if self.garbled == 1 { "" } else { "s" },
                if self.garbled == 1 { "was" } else { "were" },
            ));
        }
    }

    fn seconds(&self, frames: u64) -> f64 {
        frames as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// symphonia's decoders, and libopus's for Opus when built with the `opus` feature.
#[cfg(feature = "opus")]
fn codecs() -> &'static CodecRegistry {
    static CODECS: std::sync::LazyLock<CodecRegistry> = std::sync::LazyLock::new(|| {
        let mut codecs = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut codecs);
        codecs.register_audio_decoder::<opus::OpusDecoder>();
        codecs
    });
    &CODECS
}

/// symphonia's decoders (this build lacks the `opus` feature).
#[cfg(not(feature = "opus"))]
fn codecs() -> &'static CodecRegistry {
    symphonia::default::get_codecs()
}

/// Runs a call into symphonia, turning a panic into [`DecodeError::Crashed`].
fn catch<T>(read: impl FnOnce() -> Result<T, DecodeError>) -> Result<T, DecodeError> {
    match guarded(|| Ok(read())) {
        Ok(result) => result,
        Err(ProbeError::Crashed(why)) => Err(DecodeError::Crashed(why)),
        Err(other) => Err(other.into()),
    }
}
