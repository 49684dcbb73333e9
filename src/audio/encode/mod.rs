//! Encoders for the renditions: MP3 (LAME), WAV and FLAC, written as the samples stream in.
//!
//! PLACEHOLDER SIGNATURES (being implemented in the `wt-encode` worktree).

use std::fs::File;

use anyhow::{Result, bail};

use crate::model::rendition::LosslessFormat;

/// What an encoder wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoded {
    /// Frames (samples per channel) encoded.
    pub frames: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// A file being encoded from interleaved `f32` samples in −1…1.
pub trait AudioSink: Send {
    /// Encodes more frames.
    fn write(&mut self, interleaved: &[f32]) -> Result<()>;
    /// Flushes the encoder, completes the file's headers and syncs nothing (the caller does).
    fn finish(self: Box<Self>) -> Result<Encoded>;
}

/// An MP3 encoder, CBR, at the input's sample rate, with a LAME tag stating its exact length.
pub fn mp3(
    _file: File,
    _sample_rate: u32,
    _channels: usize,
    _kbps: u32,
) -> Result<Box<dyn AudioSink>> {
    bail!("the MP3 encoder is not built yet")
}

/// A 16-bit WAV or FLAC writer.
pub fn lossless(
    _format: LosslessFormat,
    _file: File,
    _sample_rate: u32,
    _channels: usize,
) -> Result<Box<dyn AudioSink>> {
    bail!("the lossless writers are not built yet")
}
