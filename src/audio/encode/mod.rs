//! Encoders for the renditions: MP3 (LAME), WAV and FLAC, written as the samples stream in.
//!
//! Each takes interleaved `f32` samples in −1…1 (louder ones are clipped, NaN is silence),
//! writes them through a buffer as they come, and completes the file's headers at
//! [`AudioSink::finish`]: memory stays bounded whatever the length, and the same samples give
//! the same bytes. The file must be seekable (`finish` writes the headers at its start), not
//! readable. Errors say what failed but not which file: the caller names it.
//!
//! Holds `mp3` (LAME), `info` (the Info frame of an MP3 too low in bitrate for LAME's), `wav`
//! (and the dither `flac` shares) and `flac` (flacenc, frame by frame); uses
//! [`crate::audio::mp3`] for frame headers and [`crate::model::rendition`].

mod flac;
mod info;
mod mp3;
mod wav;

use std::fs::File;

use anyhow::Result;

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
    /// Encodes more frames (`interleaved.len()` must be a multiple of the channel count).
    fn write(&mut self, interleaved: &[f32]) -> Result<()>;
    /// Flushes the encoder, completes the file's headers and syncs nothing (the caller does).
    fn finish(self: Box<Self>) -> Result<Encoded>;
}

/// An MP3 encoder, CBR at `kbps`, at the input's sample rate (LAME never resamples), with a
/// LAME Info frame stating its exact length (frames, encoder delay and padding) and no ID3
/// tag. Refuses a rate MPEG audio lacks, a bitrate that rate's CBR table lacks, and more than
/// two channels, saying why.
pub fn mp3(file: File, sample_rate: u32, channels: usize, kbps: u32) -> Result<Box<dyn AudioSink>> {
    mp3::open(file, sample_rate, channels, kbps)
}

/// A 16-bit WAV (RIFF, refused past 4 GiB) or FLAC writer, dithered from `f32` (TPDF, fixed
/// seed).
pub fn lossless(
    format: LosslessFormat,
    file: File,
    sample_rate: u32,
    channels: usize,
) -> Result<Box<dyn AudioSink>> {
    match format {
        LosslessFormat::Wav => wav::open(file, sample_rate, channels),
        LosslessFormat::Flac => flac::open(file, sample_rate, channels),
    }
}

/// Runs `sink` on a thread of its own: what is written is queued (up to `queue` blocks, so
/// memory stays bounded) and encoded while the caller makes the next blocks. Its errors
/// surface at the next write, or at [`AudioSink::finish`].
pub fn on_own_thread(sink: Box<dyn AudioSink>, queue: usize) -> Box<dyn AudioSink> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<f32>>(queue);
    let thread = std::thread::spawn(move || {
        let mut sink = sink;
        for block in receiver {
            sink.write(&block)?;
        }
        sink.finish()
    });
    Box::new(Threaded {
        sender: Some(sender),
        thread: Some(thread),
    })
}

/// A sink run on its own thread: see [`on_own_thread`].
struct Threaded {
    sender: Option<std::sync::mpsc::SyncSender<Vec<f32>>>,
    thread: Option<std::thread::JoinHandle<Result<Encoded>>>,
}

impl Threaded {
    /// Waits for the thread, and gives what it gave.
    fn join(&mut self) -> Result<Encoded> {
        self.sender = None;
        let thread = self
            .thread
            .take()
            .ok_or_else(|| anyhow::anyhow!("the encoder has finished"))?;
        thread
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the encoder's thread panicked")))
    }
}

impl AudioSink for Threaded {
    fn write(&mut self, interleaved: &[f32]) -> Result<()> {
        let sender = self
            .sender
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the encoder has finished"))?;
        if sender.send(interleaved.to_vec()).is_err() {
            // The thread stopped on an error: it says which.
            return self.join().map(|_| ());
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Encoded> {
        self.join()
    }
}

impl Drop for Threaded {
    fn drop(&mut self) {
        // Unfinished (the caller failed): the thread ends once its queue is closed.
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
