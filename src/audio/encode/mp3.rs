//! The MP3 writer: LAME (through `mp3lame-encoder`), CBR, at the input's sample rate, with the
//! LAME Info frame (exact length: frame count, encoder delay and padding) written back over the
//! placeholder frame LAME starts the stream with; or, at bitrates too low for LAME's frame to
//! fit, over a frame reserved for cyclecast's own ([`super::info`]). No ID3 tag: `tag` adds
//! it to the published copy.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::num::NonZeroU32;

use anyhow::{Context, Result, anyhow, bail};
use mp3lame_encoder::{Builder, Encoder, FlushGap, InterleavedPcm, MonoPcm, Quality};

use super::info;
use super::{AudioSink, Encoded};
use crate::audio::mp3::FrameHeader;

/// LAME's `-q` (0 slowest, 9 fastest). 5 keeps the psychoacoustic model and noise shaping,
/// which speech at 32 to 64 kbit/s needs (7 and above drop noise shaping), and encodes about
/// twice as fast as LAME's default of 3: 64 kbit/s mono at 44.1 kHz ran at 146× real time,
/// against 74× at 3, 98× at 2 and 366× at 7 (`tests::speed`, release, a shared machine).
const QUALITY: Quality = Quality::Good;
/// [`QUALITY`] as a number, and LAME's default VBR quality, for the Info frame's quality field.
const QUALITY_LEVEL: u32 = 5;
const VBR_QUALITY_LEVEL: u32 = 4;

/// Frames handed to LAME at once: bounds the scratch and output buffers.
const CHUNK_FRAMES: usize = 8192;

/// Sample rates of MPEG-1 Layer III and their bitrates, in kbit/s.
const MPEG1: ([u32; 3], [u32; 14]) = (
    [32_000, 44_100, 48_000],
    [
        32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
);
/// Sample rates of MPEG-2 Layer III and their bitrates, in kbit/s.
const MPEG2: ([u32; 3], [u32; 14]) = (
    [16_000, 22_050, 24_000],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
);
/// Sample rates of MPEG-2.5 Layer III and the bitrates LAME encodes them at (it caps them at
/// 64 kbit/s whatever is asked), in kbit/s.
const MPEG25: ([u32; 3], [u32; 8]) = ([8_000, 11_025, 12_000], [8, 16, 24, 32, 40, 48, 56, 64]);

/// An MP3 being encoded.
struct Mp3Sink {
    encoder: Encoder,
    out: BufWriter<File>,
    channels: usize,
    /// Input clamped to −1…1, NaN silenced: LAME takes floats as they are.
    scratch: Vec<f32>,
    /// LAME's output for one chunk.
    encoded: Vec<u8>,
    frames: u64,
    bytes: u64,
    /// LAME's state, for the figures the crate does not expose.
    lame: LamePtr,
    /// The Info frame cyclecast writes when LAME writes none: its length, reserved at the start.
    own_info: Option<usize>,
    /// The first 4 bytes LAME wrote (the first audio frame's header), and the CRC of all it
    /// wrote, for that frame.
    first_header: Vec<u8>,
    music_crc: u16,
}

/// A pointer to the `lame_global_flags` an [`Encoder`] owns, used only while it lives, never
/// to free it.
struct LamePtr(*mut mp3lame_encoder::ffi::lame_global_flags);

// SAFETY: the pointer is used only through `Mp3Sink`, which owns the encoder it points into
// and moves between threads with it; LAME keeps no thread-local state.
unsafe impl Send for LamePtr {}

/// Opens an MP3 encoder writing to `file`; see [`super::mp3`].
pub(super) fn open(
    file: File,
    sample_rate: u32,
    channels: usize,
    kbps: u32,
) -> Result<Box<dyn AudioSink>> {
    check_cbr(sample_rate, channels, kbps)?;
    let (encoder, lame) = build(sample_rate, channels, kbps).map_err(|e| {
        anyhow!("LAME refused {kbps} kbit/s at {sample_rate} Hz, {channels} channel(s): {e}")
    })?;
    let own_info = if info::lame_writes_one(sample_rate, channels, kbps) {
        None
    } else {
        let stream = stream_header(sample_rate, channels == 1)
            .ok_or_else(|| anyhow!("an MP3 cannot be {sample_rate} Hz"))?;
        let header = info::frame_header(stream)
            .ok_or_else(|| anyhow!("no MP3 frame at {sample_rate} Hz holds an Info header"))?;
        Some(header.frame_len())
    };
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    if let Some(len) = own_info {
        out.write_all(&vec![0; len])
            .context("could not write the MP3")?;
    }
    Ok(Box::new(Mp3Sink {
        encoder,
        out,
        channels,
        scratch: Vec::with_capacity(CHUNK_FRAMES * channels),
        encoded: Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(CHUNK_FRAMES)),
        frames: 0,
        bytes: own_info.unwrap_or(0) as u64,
        lame,
        own_info,
        first_header: Vec::with_capacity(4),
        music_crc: 0,
    }))
}

/// A Layer III frame header of this rate and channel count (bitrate index 1), for the length
/// of the Info frame reserved before LAME writes its first frame.
fn stream_header(sample_rate: u32, mono: bool) -> Option<FrameHeader> {
    let (version, base) = match sample_rate {
        32_000..=48_000 => (0b11, sample_rate),
        16_000..=24_000 => (0b10, sample_rate * 2),
        _ => (0b00, sample_rate * 4),
    };
    let rate_index = [44_100, 48_000, 32_000].iter().position(|&r| r == base)? as u8;
    let mode = if mono { 0b11 } else { 0b01 };
    FrameHeader::parse(&[
        0xFF,
        0xE0 | (version << 3) | (0b01 << 1) | 1,
        0x10 | (rate_index << 2),
        mode << 6,
    ])
}

/// Refuses what an MP3 cannot hold: more than two channels, a rate MPEG audio does not have
/// (LAME would resample), or a bitrate that rate's CBR table lacks (LAME would pick another).
fn check_cbr(sample_rate: u32, channels: usize, kbps: u32) -> Result<()> {
    if !(1..=2).contains(&channels) {
        bail!("an MP3 holds one or two channels, not {channels}");
    }
    let bitrates: &[u32] = if MPEG1.0.contains(&sample_rate) {
        &MPEG1.1
    } else if MPEG2.0.contains(&sample_rate) {
        &MPEG2.1
    } else if MPEG25.0.contains(&sample_rate) {
        &MPEG25.1
    } else {
        bail!(
            "an MP3 cannot be {sample_rate} Hz: MPEG audio has 8, 11.025, 12, 16, 22.05, 24, 32, \
             44.1 and 48 kHz (resample first)"
        );
    };
    if !bitrates.contains(&kbps) {
        let list: Vec<String> = bitrates.iter().map(u32::to_string).collect();
        bail!(
            "an MP3 at {sample_rate} Hz cannot be {kbps} kbit/s CBR: its bitrates are {} kbit/s",
            list.join(", ")
        );
    }
    Ok(())
}

fn build(
    sample_rate: u32,
    channels: usize,
    kbps: u32,
) -> Result<(Encoder, LamePtr), mp3lame_encoder::BuildError> {
    use mp3lame_encoder::{BuildError, ffi};
    let mut builder = Builder::new().ok_or(BuildError::NoMem)?;
    builder.set_num_channels(channels as u8)?;
    builder.set_sample_rate(sample_rate)?;
    builder.set_output_sample_rate(NonZeroU32::new(sample_rate))?;
    builder.set_vbr_mode(mp3lame_encoder::VbrMode::Off)?;
    builder.set_mode(if channels == 1 {
        mp3lame_encoder::Mode::Mono
    } else {
        mp3lame_encoder::Mode::JointStereo
    })?;
    // The crate's `Bitrate` enum lacks 56 and 144 kbit/s, which LAME takes (checked above).
    // SAFETY: the pointer is the builder's own, live for this call, and not freed by it.
    let set = unsafe { ffi::lame_set_brate(builder.as_ptr(), kbps as i32) };
    if set < 0 {
        return Err(BuildError::BadBRate);
    }
    builder.set_quality(QUALITY)?;
    builder.set_to_write_vbr_tag(true)?;
    // SAFETY: as above; `build` hands this same allocation to the encoder.
    let lame = LamePtr(unsafe { builder.as_ptr() });
    Ok((builder.build()?, lame))
}

impl Mp3Sink {
    fn encode_chunk(&mut self, interleaved: &[f32]) -> Result<()> {
        self.scratch.clear();
        self.scratch.extend(
            interleaved
                .iter()
                .map(|&s| if s.is_nan() { 0.0 } else { s.clamp(-1.0, 1.0) }),
        );
        self.encoded.clear();
        let result = if self.channels == 1 {
            self.encoder
                .encode_to_vec(MonoPcm(self.scratch.as_slice()), &mut self.encoded)
        } else {
            self.encoder
                .encode_to_vec(InterleavedPcm(self.scratch.as_slice()), &mut self.encoded)
        };
        result.map_err(|e| anyhow!("LAME could not encode: {e}"))?;
        self.write_encoded()
    }

    fn write_encoded(&mut self) -> Result<()> {
        if self.own_info.is_some() {
            let missing = 4 - self.first_header.len();
            let head = &self.encoded[..missing.min(self.encoded.len())];
            self.first_header.extend_from_slice(head);
            self.music_crc = info::crc16(self.music_crc, &self.encoded);
        }
        self.out
            .write_all(&self.encoded)
            .context("could not write the MP3")?;
        self.bytes += self.encoded.len() as u64;
        Ok(())
    }

    /// Overwrites LAME's placeholder first frame with the Info frame it can now fill in.
    ///
    /// LAME writes no Info frame when its header does not fit in one frame of the stream's
    /// bitrate (below 64 kbit/s at 24 kHz, 40 at 44.1 kHz): the file then states no exact
    /// length, and players count its frames.
    fn write_info_frame(self) -> Result<u64> {
        if let Some(reserved) = self.own_info {
            return self.write_own_info_frame(reserved);
        }
        let mut tag = Vec::with_capacity(self.encoder.lame_tag_size());
        let written = self
            .encoder
            .lame_tag_encode_to_vec(&mut tag)
            .ok_or_else(|| anyhow!("LAME gave no Info frame"))?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| anyhow!("could not write the MP3: {}", e.error()))?;
        if written.get() as u64 > self.bytes {
            bail!("LAME's Info frame is longer than the MP3 it describes");
        }
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&tag))
            .context("could not write the MP3's Info frame")?;
        Ok(self.bytes)
    }
}

impl Mp3Sink {
    /// Fills the frame reserved at the start with the Info frame LAME would not write.
    fn write_own_info_frame(self, reserved: usize) -> Result<u64> {
        if self.encoder.lame_tag_size() != 0 {
            bail!("LAME wrote an Info frame where none was expected: the MP3 would hold two");
        }
        let first = FrameHeader::parse(&self.first_header)
            .ok_or_else(|| anyhow!("LAME wrote no MP3 frame"))?;
        // SAFETY: the encoder `self.lame` points into is alive (owned by `self`).
        let (frames, delay, padding) = unsafe {
            use mp3lame_encoder::ffi;
            (
                ffi::lame_get_frameNum(self.lame.0),
                ffi::lame_get_encoder_delay(self.lame.0),
                ffi::lame_get_encoder_padding(self.lame.0),
            )
        };
        let stream = info::Stream {
            first,
            frames: u32::try_from(frames).context("LAME stated a negative frame count")?,
            audio_bytes: self.bytes - reserved as u64,
            delay: u32::try_from(delay).context("LAME stated a negative delay")?,
            padding: u32::try_from(padding).context("LAME stated a negative padding")?,
            music_crc: self.music_crc,
            quality: 100 - 10 * VBR_QUALITY_LEVEL - QUALITY_LEVEL,
        };
        let frame = info::frame(&stream)
            .filter(|f| f.len() == reserved)
            .ok_or_else(|| anyhow!("the MP3's Info frame does not fit the space reserved"))?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| anyhow!("could not write the MP3: {}", e.error()))?;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&frame))
            .context("could not write the MP3's Info frame")?;
        Ok(self.bytes)
    }
}

impl AudioSink for Mp3Sink {
    fn write(&mut self, interleaved: &[f32]) -> Result<()> {
        if !interleaved.len().is_multiple_of(self.channels) {
            bail!(
                "{} samples are no whole number of {}-channel frames",
                interleaved.len(),
                self.channels
            );
        }
        for chunk in interleaved.chunks(CHUNK_FRAMES * self.channels) {
            self.encode_chunk(chunk)?;
            self.frames += (chunk.len() / self.channels) as u64;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Encoded> {
        self.encoded.clear();
        // FlushGap pads the last frame with silence; FlushNoGap would drop its samples.
        self.encoder
            .flush_to_vec::<FlushGap>(&mut self.encoded)
            .map_err(|e| anyhow!("LAME could not flush: {e}"))?;
        self.write_encoded()?;
        let frames = self.frames;
        let bytes = self.write_info_frame()?;
        Ok(Encoded { frames, bytes })
    }
}
