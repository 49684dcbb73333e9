//! The FLAC writer: 16-bit, through `flacenc` (pure Rust), one frame at a time.
//!
//! `flacenc`'s own `encode_with_fixed_block_size` keeps the whole stream in memory; this
//! drives its per-frame encoder instead: each block of 4,096 frames is dithered to 16 bits,
//! encoded and written, and `STREAMINFO` (block and frame sizes, total samples, MD5 of the
//! samples) is written over its placeholder at the end. Memory: one block.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use anyhow::{Context, Result, anyhow, bail};
use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context as Md5Context, Fill, FrameBuf};

use super::wav::{DITHER_SEED, Dither};
use super::{AudioSink, Encoded};

/// Frames in each FLAC block (the reference encoder's default at 44.1 and 48 kHz).
const BLOCK_FRAMES: usize = 4096;

/// A FLAC being written.
struct FlacSink {
    out: BufWriter<File>,
    channels: usize,
    config: Verified<flacenc::config::Encoder>,
    info: StreamInfo,
    framebuf: FrameBuf,
    md5: Md5Context,
    dither: Dither,
    /// Samples of the block being filled, 16-bit.
    pending: Vec<i32>,
    frames: u64,
    bytes: u64,
}

/// Opens a 16-bit FLAC writer on `file`; see [`super::lossless`].
pub(super) fn open(file: File, sample_rate: u32, channels: usize) -> Result<Box<dyn AudioSink>> {
    if !(1..=8).contains(&channels) {
        bail!("a FLAC holds one to eight channels, not {channels}");
    }
    if !(1..=655_350).contains(&sample_rate) {
        bail!("a FLAC cannot be {sample_rate} Hz");
    }
    let info = StreamInfo::new(sample_rate as usize, channels, 16)
        .map_err(|e| anyhow!("FLAC refused {sample_rate} Hz, {channels} channels: {e}"))?;
    let mut config = flacenc::config::Encoder::default();
    config.block_size = BLOCK_FRAMES;
    let config = config
        .into_verified()
        .map_err(|(_, e)| anyhow!("the FLAC encoder's settings are wrong: {e}"))?;
    let framebuf = FrameBuf::with_size(channels, BLOCK_FRAMES)
        .map_err(|e| anyhow!("the FLAC encoder's block is wrong: {e}"))?;
    let mut sink = FlacSink {
        out: BufWriter::with_capacity(256 * 1024, file),
        channels,
        config,
        info,
        framebuf,
        md5: Md5Context::new(16, channels),
        dither: Dither::new(DITHER_SEED),
        pending: Vec::with_capacity(BLOCK_FRAMES * channels),
        frames: 0,
        bytes: 0,
    };
    let head = sink.head()?;
    sink.put(&head)?;
    Ok(Box::new(sink))
}

impl FlacSink {
    /// `fLaC`, then `STREAMINFO` as it stands, the last metadata block.
    fn head(&self) -> Result<Vec<u8>> {
        let body = bytes_of(&self.info)?;
        if body.len() != 34 {
            bail!(
                "the FLAC encoder wrote a STREAMINFO of {} bytes",
                body.len()
            );
        }
        let mut head = b"fLaC".to_vec();
        head.extend_from_slice(&[0x80, 0, 0, 34]);
        head.extend(body);
        Ok(head)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .context("could not write the FLAC")?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Encodes and writes the block in `pending`.
    fn encode_block(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let fill = |e| anyhow!("the FLAC encoder refused a block: {e:?}");
        self.framebuf
            .fill_interleaved(&self.pending)
            .map_err(fill)?;
        self.md5.fill_interleaved(&self.pending).map_err(fill)?;
        let number = self.md5.current_frame_number().unwrap_or(0);
        let frame =
            flacenc::encode_fixed_size_frame(&self.config, &self.framebuf, number, &self.info)
                .map_err(|e| anyhow!("the FLAC encoder failed: {e}"))?;
        self.info.update_frame_info(&frame);
        let bytes = bytes_of(&frame)?;
        self.put(&bytes)?;
        self.frames += (self.pending.len() / self.channels) as u64;
        self.pending.clear();
        Ok(())
    }
}

/// The bits of a FLAC component, as bytes.
fn bytes_of(component: &impl BitRepr) -> Result<Vec<u8>> {
    let mut sink = ByteSink::with_capacity(component.count_bits());
    component
        .write(&mut sink)
        .map_err(|e| anyhow!("the FLAC encoder could not write a frame: {e:?}"))?;
    Ok(sink.into_inner())
}

impl AudioSink for FlacSink {
    fn write(&mut self, interleaved: &[f32]) -> Result<()> {
        if !interleaved.len().is_multiple_of(self.channels) {
            bail!(
                "{} samples are no whole number of {}-channel frames",
                interleaved.len(),
                self.channels
            );
        }
        let block = BLOCK_FRAMES * self.channels;
        for &x in interleaved {
            self.pending.push(i32::from(self.dither.quantize(x)));
            if self.pending.len() == block {
                self.encode_block()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Encoded> {
        self.encode_block()?;
        let sizes = |e| anyhow!("the FLAC's STREAMINFO is wrong: {e}");
        self.info
            .set_block_sizes(BLOCK_FRAMES, BLOCK_FRAMES)
            .map_err(sizes)?;
        if self.frames == 0 {
            self.info.set_frame_sizes(0, 0).map_err(sizes)?;
        }
        self.info.set_md5_digest(&self.md5.md5_digest());
        let head = self.head()?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| anyhow!("could not write the FLAC: {}", e.error()))?;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&head))
            .context("could not write the FLAC's STREAMINFO")?;
        Ok(Encoded {
            frames: self.frames,
            bytes: self.bytes,
        })
    }
}
