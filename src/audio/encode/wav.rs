//! The WAV writer: RIFF WAVE, 16-bit PCM, from `f32` with TPDF dither, sizes written at the end.
//!
//! Plain RIFF, not RF64: a file that would pass RIFF's 4 GiB limit is refused (16-bit stereo
//! at 48 kHz reaches it after 6 h 12 min, far beyond a session).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use anyhow::{Context, Result, bail};

use super::{AudioSink, Encoded};

/// Bytes before the samples: `RIFF` header, `fmt ` chunk (16 bytes of body), `data` header.
const HEADER_LEN: u64 = 44;

/// The most sample bytes a RIFF file can hold: its size field counts 36 bytes besides them.
const MAX_DATA_LEN: u64 = u32::MAX as u64 - (HEADER_LEN - 8);

/// Dither's seed: fixed, so the same samples give the same bytes.
pub(super) const DITHER_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A WAV being written.
struct WavSink {
    out: BufWriter<File>,
    sample_rate: u32,
    channels: usize,
    dither: Dither,
    data_len: u64,
    /// One block of samples as bytes.
    block: Vec<u8>,
}

/// Opens a 16-bit WAV writer on `file`; see [`super::lossless`].
pub(super) fn open(file: File, sample_rate: u32, channels: usize) -> Result<Box<dyn AudioSink>> {
    let channels_u16 = u16::try_from(channels)
        .ok()
        .filter(|&c| c > 0)
        .with_context(|| format!("a WAV cannot hold {channels} channels"))?;
    if sample_rate == 0 {
        bail!("a WAV cannot be 0 Hz");
    }
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    out.write_all(&header(sample_rate, channels_u16, 0))
        .context("could not write the WAV")?;
    Ok(Box::new(WavSink {
        out,
        sample_rate,
        channels,
        dither: Dither::new(DITHER_SEED),
        data_len: 0,
        block: Vec::new(),
    }))
}

/// The 44 bytes of a canonical PCM WAV header for `data_len` bytes of 16-bit samples.
fn header(sample_rate: u32, channels: u16, data_len: u32) -> [u8; HEADER_LEN as usize] {
    let block_align = channels * 2;
    let mut h = [0u8; HEADER_LEN as usize];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        h[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"RIFF");
    put(&(data_len + (HEADER_LEN as u32 - 8)).to_le_bytes());
    put(b"WAVEfmt ");
    put(&16u32.to_le_bytes());
    put(&1u16.to_le_bytes()); // PCM
    put(&channels.to_le_bytes());
    put(&sample_rate.to_le_bytes());
    put(&(sample_rate * u32::from(block_align)).to_le_bytes());
    put(&block_align.to_le_bytes());
    put(&16u16.to_le_bytes());
    put(b"data");
    put(&data_len.to_le_bytes());
    h
}

/// Triangular (TPDF) dither of ±1 LSB from a xorshift64* generator.
pub(super) struct Dither {
    state: u64,
}

impl Dither {
    pub(super) fn new(seed: u64) -> Dither {
        Dither { state: seed }
    }

    /// Uniform in 0…1.
    fn uniform(&mut self) -> f32 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let bits = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        bits as f32 / (1u32 << 24) as f32
    }

    /// A 16-bit sample of `x` (−1…1), dithered, rounded and clipped to the 16-bit range.
    pub(super) fn quantize(&mut self, x: f32) -> i16 {
        let noise = self.uniform() - self.uniform();
        let x = if x.is_nan() { 0.0 } else { x };
        let scaled = (x * 32_768.0 + noise).round();
        scaled.clamp(-32_768.0, 32_767.0) as i16
    }
}

impl AudioSink for WavSink {
    fn write(&mut self, interleaved: &[f32]) -> Result<()> {
        if !interleaved.len().is_multiple_of(self.channels) {
            bail!(
                "{} samples are no whole number of {}-channel frames",
                interleaved.len(),
                self.channels
            );
        }
        let len = interleaved.len() as u64 * 2;
        if self.data_len + len > MAX_DATA_LEN {
            bail!("a WAV cannot pass 4 GiB (the RIFF format's size fields are 32 bits)");
        }
        self.block.clear();
        for &x in interleaved {
            let sample = self.dither.quantize(x);
            self.block.extend_from_slice(&sample.to_le_bytes());
        }
        self.out
            .write_all(&self.block)
            .context("could not write the WAV")?;
        self.data_len += len;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Encoded> {
        let frames = self.data_len / (2 * self.channels as u64);
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("could not write the WAV: {}", e.error()))?;
        let data_len = u32::try_from(self.data_len).context("the WAV passed 4 GiB")?;
        let header = header(self.sample_rate, self.channels as u16, data_len);
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&header))
            .context("could not write the WAV's header")?;
        Ok(Encoded {
            frames,
            bytes: HEADER_LEN + self.data_len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_pass_riff_s_4_gib() {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("long.wav")).unwrap();
        let mut sink = WavSink {
            out: BufWriter::new(file),
            sample_rate: 48_000,
            channels: 2,
            dither: Dither::new(DITHER_SEED),
            data_len: MAX_DATA_LEN - 4,
            block: Vec::new(),
        };
        sink.write(&[0.0, 0.0]).unwrap();
        let e = sink.write(&[0.0, 0.0]).unwrap_err().to_string();
        assert!(e.contains("4 GiB"), "{e}");
    }

    #[test]
    fn dither_is_triangular_within_one_step() {
        let mut dither = Dither::new(DITHER_SEED);
        let noise: Vec<i16> = (0..100_000).map(|_| dither.quantize(0.0)).collect();
        assert!(noise.iter().all(|n| n.abs() <= 1));
        let zeros = noise.iter().filter(|&&n| n == 0).count() as f64 / noise.len() as f64;
        // TPDF of ±1 LSB rounds to 0 three times in four.
        assert!((zeros - 0.75).abs() < 0.01, "{zeros}");
    }
}
