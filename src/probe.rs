//! Stage 3: a recording → its [`AudioInfo`], counted from the stream's packets.
//!
//! The only module that uses symphonia. The file is streamed packet by packet and never
//! decoded: the exact duration is the sum of the packets' durations less the encoder delay and
//! padding the stream declares, so a VBR MP3 without a Xing header comes out exact. Symphonia
//! has panicked on crafted input in the past, so each probe runs under `catch_unwind`.

use std::fs::File;
use std::io::{Cursor, ErrorKind, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::{MetadataOptions, StandardTag};

use crate::model::{AudioInfo, Tags};

/// Why a file could not be probed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// Not a format cyclecast reads, or not audio at all.
    #[error("not a supported audio file ({0})")]
    Unsupported(String),
    /// Audio whose stream is damaged or cut short; the message says how.
    #[error("{0}")]
    Corrupt(String),
    /// The reader crashed on this input.
    #[error("the audio reader failed on this file (malformed input): {0}")]
    Crashed(String),
}

/// How many bytes of the file's start are kept to look for an MP3 frame-count header.
const HEAD_LEN: usize = 64 * 1024;

/// Probes a file on disk.
pub fn probe_file(path: &Path) -> Result<AudioInfo, ProbeError> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut head = Vec::with_capacity(HEAD_LEN);
    (&mut file).take(HEAD_LEN as u64).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    probe_source(Box::new(file), &head, extension.as_deref(), size)
}

/// Probes bytes in memory (`extension` is a hint, e.g. `"mp3"`).
pub fn probe_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<AudioInfo, ProbeError> {
    let size = bytes.len() as u64;
    let head = bytes[..bytes.len().min(HEAD_LEN)].to_vec();
    probe_source(Box::new(Cursor::new(bytes)), &head, extension, size)
}

fn probe_source(
    source: Box<dyn MediaSource>,
    head: &[u8],
    extension: Option<&str>,
    size: u64,
) -> Result<AudioInfo, ProbeError> {
    if size == 0 {
        return Err(ProbeError::Empty);
    }
    catch_unwind(AssertUnwindSafe(|| count(source, head, extension, size))).unwrap_or_else(
        |panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(ProbeError::Crashed(message))
        },
    )
}

/// Opens the container, then walks its packets.
fn count(
    source: Box<dyn MediaSource>,
    head: &[u8],
    extension: Option<&str>,
    size: u64,
) -> Result<AudioInfo, ProbeError> {
    let stream = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymphoniaError::IoError(io) if io.kind() != ErrorKind::UnexpectedEof => {
                ProbeError::Io(io)
            }
            // The container was recognized, but its structure is broken or cut short.
            SymphoniaError::DecodeError(why) => {
                ProbeError::Corrupt(format!("the audio stream is damaged: {why}"))
            }
            SymphoniaError::IoError(_) => ProbeError::Corrupt(
                "the file ends before its structure does: it is truncated".into(),
            ),
            other => ProbeError::Unsupported(other.to_string()),
        })?;
    let container = format.format_info().short_name.to_string();
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ProbeError::Unsupported("no audio track".into()))?
        .clone();
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(ProbeError::Unsupported("no audio codec parameters".into()));
    };
    let codec = codec_name(params.codec);
    let sample_rate = params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| ProbeError::Unsupported("the stream states no sample rate".into()))?;
    let channels = params.channels.as_ref().map_or(0, |c| c.count() as u32);

    // A PCM packet's stated duration is its nominal block, even when the file ends midway.
    let pcm_frame_bytes = codec
        .starts_with("pcm_")
        .then(|| {
            params
                .bits_per_coded_sample
                .or(params.bits_per_sample)
                .map(|bits| u64::from(bits.div_ceil(8)) * u64::from(channels))
        })
        .flatten()
        .filter(|&b| b > 0);
    let mut warnings = Vec::new();
    let (packet_frames, audio_bytes) =
        sum_packets(format.as_mut(), track.id, pcm_frame_bytes, &mut warnings)?;
    let trimmed = u64::from(track.delay.unwrap_or(0)) + u64::from(track.padding.unwrap_or(0));
    let frames = packet_frames.saturating_sub(trimmed);
    if frames == 0 {
        return Err(ProbeError::Corrupt(
            "the file holds no audio packets".into(),
        ));
    }
    // An MP3 without a Xing, Info or VBRI header states no length: symphonia then estimates
    // one from the first frame's bitrate, which is what players show too.
    let declared = container != "mp3" || crate::mpeg::has_frame_count_header(head);
    if let Some(stated) = track.num_frames {
        check_stated_length(stated, frames, sample_rate, declared, &mut warnings)?;
    }
    let tags = read_tags(format.as_mut());
    let bits_per_sample = params.bits_per_sample.filter(|_| has_bit_depth(&codec));
    Ok(AudioInfo {
        container,
        codec,
        sample_rate,
        channels,
        bits_per_sample,
        frames,
        size,
        audio_bytes,
        tags,
        warnings,
    })
}

/// Compares the length a header states (or a player would estimate) with the one counted.
fn check_stated_length(
    stated: u64,
    counted: u64,
    sample_rate: u32,
    declared: bool,
    warnings: &mut Vec<String>,
) -> Result<(), ProbeError> {
    // One MP3 frame (1,152 samples) of slack: encoders round differently.
    if stated.abs_diff(counted) <= 1152 {
        return Ok(());
    }
    let seconds = |frames: u64| frames as f64 / f64::from(sample_rate);
    let (stated_s, counted_s) = (seconds(stated), seconds(counted));
    if !declared {
        warnings.push(format!(
            "this VBR MP3 has no Xing header: players estimate {stated_s:.3} s, the stream holds {counted_s:.3} s (the exact figure is used)"
        ));
        Ok(())
    } else if stated > counted {
        Err(ProbeError::Corrupt(format!(
            "the file is truncated: its header states {stated_s:.3} s but only {counted_s:.3} s of audio are there"
        )))
    } else {
        warnings.push(format!(
            "the header states {stated_s:.3} s but the stream holds {counted_s:.3} s (the exact figure is used)"
        ));
        Ok(())
    }
}

/// Sums the duration (in frames) and the bytes of every packet of the track.
fn sum_packets(
    format: &mut dyn FormatReader,
    track_id: u32,
    pcm_frame_bytes: Option<u64>,
    warnings: &mut Vec<String>,
) -> Result<(u64, u64), ProbeError> {
    let (mut frames, mut bytes, mut packets) = (0u64, 0u64, 0u64);
    loop {
        match format.next_packet() {
            Ok(Some(packet)) => {
                if packet.track_id == track_id {
                    frames += match pcm_frame_bytes {
                        Some(size) => packet.data.len() as u64 / size,
                        None => packet.dur.get(),
                    };
                    bytes += packet.data.len() as u64;
                    packets += 1;
                }
            }
            Ok(None) => break,
            Err(SymphoniaError::IoError(e))
                if e.kind() == ErrorKind::UnexpectedEof && packets > 0 =>
            {
                warnings
                    .push("the file ends in the middle of a packet: it may be truncated".into());
                break;
            }
            Err(SymphoniaError::ResetRequired) => {
                warnings.push(
                    "the stream changes its parameters midway: only the first part is counted"
                        .into(),
                );
                break;
            }
            Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                return Err(ProbeError::Corrupt(
                    "the file ends before its first audio packet: it is truncated".into(),
                ));
            }
            Err(SymphoniaError::Unsupported(what)) => {
                return Err(ProbeError::Unsupported(what.to_string()));
            }
            Err(e) if packets == 0 => {
                return Err(ProbeError::Corrupt(format!(
                    "the audio stream is damaged from its start (truncated?): {e}"
                )));
            }
            Err(e) => {
                return Err(ProbeError::Corrupt(format!(
                    "the audio stream is damaged after {packets} packets: {e}"
                )));
            }
        }
    }
    Ok((frames, bytes))
}

/// Lossy codecs state a bit depth for their decoded output only: it says nothing of the file.
fn has_bit_depth(codec: &str) -> bool {
    codec.starts_with("pcm") || matches!(codec, "flac" | "alac")
}

/// Names a codec the way `ffprobe` does where symphonia knows it.
fn codec_name(id: symphonia::core::codecs::audio::AudioCodecId) -> String {
    symphonia::default::get_codecs()
        .get_audio_decoder(id)
        .map_or_else(
            || format!("unknown ({id})"),
            |d| d.codec.info.short_name.to_string(),
        )
}

/// Reads the common tags from the latest metadata revision.
fn read_tags(format: &mut dyn FormatReader) -> Tags {
    let mut tags = Tags::default();
    let mut metadata = format.metadata();
    let Some(revision) = metadata.skip_to_latest() else {
        return tags;
    };
    for tag in &revision.media.tags {
        let slot = match &tag.std {
            Some(StandardTag::TrackTitle(v)) => (&mut tags.title, v),
            Some(StandardTag::Artist(v)) => (&mut tags.artist, v),
            Some(StandardTag::Album(v)) => (&mut tags.album, v),
            Some(StandardTag::RecordingDate(v) | StandardTag::ReleaseDate(v)) => {
                (&mut tags.date, v)
            }
            Some(StandardTag::Comment(v)) => (&mut tags.comment, v),
            _ => continue,
        };
        if slot.0.is_none() && !slot.1.trim().is_empty() {
            *slot.0 = Some(slot.1.trim().to_string());
        }
    }
    tags.has_picture = !revision.media.visuals.is_empty();
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mono 16-bit PCM WAV of `frames` samples at `rate`.
    fn wav(rate: u32, frames: u32) -> Vec<u8> {
        let data_len = frames * 2;
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * 2).to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend((0..frames).flat_map(|i| ((i % 64) as i16 * 100).to_le_bytes()));
        out
    }

    #[test]
    fn counts_the_exact_duration_of_a_wav() {
        let info = probe_bytes(wav(8000, 12_345), Some("wav")).unwrap();
        assert_eq!(info.frames, 12_345);
        assert_eq!(info.sample_rate, 8000);
        assert_eq!(info.channels, 1);
        assert_eq!(info.codec, "pcm_s16le");
        assert!((info.duration_secs() - 1.543_125).abs() < 1e-9);
        assert_eq!(info.bitrate(), 128_000);
    }

    #[test]
    fn rejects_an_empty_file() {
        assert!(matches!(
            probe_bytes(Vec::new(), Some("mp3")),
            Err(ProbeError::Empty)
        ));
    }

    #[test]
    fn rejects_text_posing_as_audio() {
        let text = b"Ceci n'est pas un enregistrement.\n".repeat(100);
        let err = probe_bytes(text, Some("wav")).unwrap_err();
        assert!(matches!(err, ProbeError::Unsupported(_)), "{err:?}");
    }

    #[test]
    fn rejects_random_bytes_named_mp3() {
        // A fixed pseudo-random sequence (xorshift), so the test is repeatable.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let bytes: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert!(probe_bytes(bytes, Some("mp3")).is_err());
    }

    #[test]
    fn rejects_a_wav_shorter_than_its_header_states() {
        let mut bytes = wav(8000, 8000);
        bytes.truncate(44 + 4000);
        let err = probe_bytes(bytes, Some("wav")).unwrap_err();
        assert!(
            err.to_string()
                .contains("truncated: its header states 1.000 s but only 0.250 s"),
            "{err}"
        );
    }

    #[test]
    fn accepts_a_wav_cut_within_one_frame_of_its_header() {
        let mut bytes = wav(8000, 8000);
        bytes.truncate(44 + 16_000 - 200);
        let info = probe_bytes(bytes, Some("wav")).unwrap();
        assert_eq!(info.frames, 7900);
    }
}
