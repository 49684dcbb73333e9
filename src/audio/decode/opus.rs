//! Opus, decoded by libopus (the `opus` feature), as a symphonia audio decoder.
//!
//! symphonia's Ogg reader hands out the Opus packets, with the `OpusHead` packet as the
//! track's extra data and the end trimmed to the last page's granule position; the pre-skip
//! (the encoder's delay, in the `OpusHead`) is left to the decoder: [`OpusDecoder`] drops that
//! many frames from the start of the stream, so that the decoded length is the one
//! [`crate::audio::probe`] counts. libopus decodes at 48 kHz whatever rate the source had
//! (the `OpusHead` states that rate for information only), and applies the header's output
//! gain.

use std::sync::Mutex;

use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, Channels, GenericAudioBufferRef,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::errors::{Error, Result, decode_error, unsupported_error};
use symphonia::core::packet::PacketRef;

/// The rate libopus decodes at.
const RATE: u32 = 48_000;

/// The longest packet Opus allows: 120 ms at 48 kHz.
const MAX_PACKET_FRAMES: usize = 5_760;

/// The codec this decoder registers for.
const SUPPORTED: &[SupportedAudioCodec] = &[SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo {
        short_name: "opus",
        long_name: "Opus (libopus)",
        profiles: &[],
    },
}];

/// What the `OpusHead` packet states that decoding needs (RFC 7845, section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpusHead {
    channels: u8,
    pre_skip: u16,
    /// Q7.8 dB, applied to the decoded audio.
    output_gain: i16,
    mapping_family: u8,
}

impl OpusHead {
    /// Reads the `OpusHead` packet, or says why it is not one this decoder reads.
    fn parse(packet: &[u8]) -> Result<OpusHead> {
        if packet.len() < 19 || !packet.starts_with(b"OpusHead") {
            return decode_error("opus: the identification header is missing or too short");
        }
        // Versions 0 to 15 are compatible; a higher major version is not.
        if packet[8] > 15 {
            return unsupported_error("opus: unknown OpusHead version");
        }
        let head = OpusHead {
            channels: packet[9],
            pre_skip: u16::from_le_bytes([packet[10], packet[11]]),
            output_gain: i16::from_le_bytes([packet[16], packet[17]]),
            mapping_family: packet[18],
        };
        match (head.mapping_family, head.channels) {
            (_, 0) => decode_error("opus: the header states no channels"),
            (0, 1 | 2) => Ok(head),
            (0, _) => decode_error("opus: channel mapping family 0 allows one or two channels"),
            _ => unsupported_error(
                "opus: multistream audio (channel mapping family other than 0, more than two \
                 channels) is not supported",
            ),
        }
    }
}

/// An Opus decoder backed by libopus.
pub struct OpusDecoder {
    params: AudioCodecParameters,
    /// In a mutex only to be `Sync`, as symphonia's decoders must be; reached through
    /// `get_mut`, it never locks.
    decoder: Mutex<::opus::Decoder>,
    channels: usize,
    /// Frames of the pre-skip still to drop.
    skip: usize,
    /// libopus's interleaved output for one packet.
    pcm: Vec<f32>,
    buf: AudioBuffer<f32>,
}

impl OpusDecoder {
    /// A decoder for the stream these parameters describe (their extra data is the `OpusHead`).
    pub fn try_new(params: &AudioCodecParameters, _options: &AudioDecoderOptions) -> Result<Self> {
        if params.codec != CODEC_ID_OPUS {
            return unsupported_error("opus: not an Opus stream");
        }
        let Some(extra) = params.extra_data.as_deref() else {
            return decode_error("opus: the identification header is missing");
        };
        let head = OpusHead::parse(extra)?;
        let (layout, channels) = match head.channels {
            1 => (::opus::Channels::Mono, Channels::Discrete(1)),
            _ => (::opus::Channels::Stereo, Channels::Discrete(2)),
        };
        // symphonia's own reading of the header names the positions; it must agree on the count.
        let channels = params
            .channels
            .clone()
            .filter(|stated| stated.count() == usize::from(head.channels))
            .unwrap_or(channels);
        let mut decoder = ::opus::Decoder::new(RATE, layout).map_err(libopus)?;
        decoder
            .set_gain(i32::from(head.output_gain))
            .map_err(libopus)?;
        let count = usize::from(head.channels);
        Ok(OpusDecoder {
            params: params.clone(),
            decoder: Mutex::new(decoder),
            channels: count,
            skip: usize::from(head.pre_skip),
            pcm: vec![0.0; MAX_PACKET_FRAMES * count],
            buf: AudioBuffer::new(AudioSpec::new(RATE, channels), MAX_PACKET_FRAMES),
        })
    }

    fn decode_into_buffer(&mut self, packet: &PacketRef<'_>) -> Result<()> {
        self.buf.clear();
        // An empty packet would ask libopus to conceal a lost one: it holds no audio.
        if packet.data.is_empty() {
            return Ok(());
        }
        let frames = decoder(&mut self.decoder)
            .decode_float(packet.data, &mut self.pcm, false)
            .map_err(libopus)?;
        self.buf.render_uninit(Some(frames));
        self.buf
            .copy_from_slice_interleaved(&&self.pcm[..frames * self.channels]);
        let start = usize::try_from(packet.trim_start.get()).unwrap_or(usize::MAX);
        let end = usize::try_from(packet.trim_end.get()).unwrap_or(usize::MAX);
        let (start, end) = self.trims(frames, start, end);
        self.buf.trim(start, end);
        Ok(())
    }

    /// The frames to drop from the start and the end of a packet of `frames` frames: the
    /// packet's own trims and what remains of the pre-skip.
    fn trims(&mut self, frames: usize, start: usize, end: usize) -> (usize, usize) {
        let end = end.min(frames);
        let start = start.min(frames - end);
        let skipped = self.skip.min(frames - end - start);
        self.skip -= skipped;
        (start + skipped, end)
    }
}

impl AudioDecoder for OpusDecoder {
    fn reset(&mut self) {
        // A reset follows a seek, which cyclecast never does; the stream goes on from there.
        let _ = decoder(&mut self.decoder).reset_state();
    }

    fn codec_info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        if let Err(e) = self.decode_into_buffer(packet) {
            self.buf.clear();
            return Err(e);
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

impl RegisterableAudioDecoder for OpusDecoder {
    fn try_registry_new(
        params: &AudioCodecParameters,
        options: &AudioDecoderOptions,
    ) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(OpusDecoder::try_new(params, options)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        SUPPORTED
    }
}

/// The decoder in its mutex (a panic while it was held cannot leave it inconsistent: it only
/// ever holds libopus's state between calls).
fn decoder(held: &mut Mutex<::opus::Decoder>) -> &mut ::opus::Decoder {
    held.get_mut()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A libopus error, as an undecodable packet (the decoder may go on with the next one).
fn libopus(error: ::opus::Error) -> Error {
    Error::DecodeError(error.description())
}

#[cfg(test)]
mod tests {
    use super::*;

    use symphonia::core::units::{Duration, Timestamp};

    fn head(channels: u8, pre_skip: u16, family: u8) -> Vec<u8> {
        head_with_gain(channels, pre_skip, family, 0)
    }

    fn head_with_gain(channels: u8, pre_skip: u16, family: u8, gain: i16) -> Vec<u8> {
        let mut packet = b"OpusHead".to_vec();
        packet.push(1);
        packet.push(channels);
        packet.extend(pre_skip.to_le_bytes());
        packet.extend(48_000u32.to_le_bytes());
        packet.extend(gain.to_le_bytes());
        packet.push(family);
        packet
    }

    fn decoder(head: Vec<u8>) -> OpusDecoder {
        let mut params = AudioCodecParameters::new();
        params
            .for_codec(CODEC_ID_OPUS)
            .with_extra_data(head.into_boxed_slice());
        OpusDecoder::try_new(&params, &AudioDecoderOptions::default()).unwrap()
    }

    /// Ten 20 ms packets of a 1 kHz stereo tone at -12 dBFS, encoded by libopus.
    fn tone_packets() -> Vec<Vec<u8>> {
        let mut encoder =
            ::opus::Encoder::new(RATE, ::opus::Channels::Stereo, ::opus::Application::Audio)
                .unwrap();
        (0..10)
            .map(|packet| {
                let pcm: Vec<f32> = (0..960 * 2)
                    .map(|i| {
                        let t = (packet * 960 + i / 2) as f32 / RATE as f32;
                        0.25 * (2.0 * std::f32::consts::PI * 1_000.0 * t).sin()
                    })
                    .collect();
                encoder.encode_vec_float(&pcm, 4_000).unwrap()
            })
            .collect()
    }

    /// Decodes `packets`, the last with `trim_end` frames to drop: the frames, interleaved.
    fn decode_all(decoder: &mut OpusDecoder, packets: &[Vec<u8>], trim_end: u64) -> Vec<f32> {
        let mut all = Vec::new();
        for (i, data) in packets.iter().enumerate() {
            let mut packet = PacketRef::new(0, Timestamp::ZERO, Duration::new(960), data);
            if i + 1 == packets.len() {
                packet.trim_end = Duration::new(trim_end);
            }
            let mut block: Vec<f32> = Vec::new();
            decoder
                .decode_ref(&packet)
                .unwrap()
                .copy_to_vec_interleaved(&mut block);
            all.extend(block);
        }
        all
    }

    fn rms(samples: &[f32]) -> f32 {
        (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
    }

    #[test]
    fn packets_decode_less_the_pre_skip_and_the_end_trim() {
        let packets = tone_packets();
        let decoded = decode_all(&mut decoder(head(2, 312, 0)), &packets, 100);
        assert_eq!(decoded.len(), (10 * 960 - 312 - 100) * 2);
        // The tone, past the codec's start: -12 dBFS peak, so an RMS near 0.25 / sqrt(2).
        let level = rms(&decoded[2_000..]);
        assert!((level - 0.177).abs() < 0.02, "{level}");
    }

    #[test]
    fn the_header_s_output_gain_is_applied() {
        let packets = tone_packets();
        let plain = decode_all(&mut decoder(head(2, 312, 0)), &packets, 0);
        // -6.02 dB in Q7.8: half the amplitude.
        let quieter = decode_all(&mut decoder(head_with_gain(2, 312, 0, -1_541)), &packets, 0);
        let ratio = rms(&quieter[2_000..]) / rms(&plain[2_000..]);
        assert!((ratio - 0.5).abs() < 0.01, "{ratio}");
    }

    #[test]
    fn a_damaged_packet_is_an_error_that_leaves_no_audio() {
        let mut decoder = decoder(head(2, 0, 0));
        // A code 3 packet stating 63 frames of 120 ms: beyond what a packet may hold.
        let data = [0xfb_u8, 0x3f, 0x00];
        let packet = PacketRef::new(0, Timestamp::ZERO, Duration::ZERO, &data);
        assert!(matches!(
            decoder.decode_ref(&packet),
            Err(Error::DecodeError(_))
        ));
        assert_eq!(decoder.last_decoded().frames(), 0);
    }

    #[test]
    fn the_header_gives_the_pre_skip_and_channels() {
        let parsed = OpusHead::parse(&head(2, 312, 0)).unwrap();
        assert_eq!((parsed.channels, parsed.pre_skip), (2, 312));
    }

    #[test]
    fn a_multistream_or_malformed_header_is_refused() {
        assert!(OpusHead::parse(&head(6, 312, 1)).is_err());
        assert!(OpusHead::parse(&head(3, 312, 0)).is_err());
        assert!(OpusHead::parse(&head(0, 312, 0)).is_err());
        assert!(OpusHead::parse(&head(2, 312, 0)[..18]).is_err());
        assert!(OpusHead::parse(b"OpusTags and more bytes").is_err());
    }

    #[test]
    fn the_pre_skip_spans_packets_and_the_end_trim_comes_first() {
        let mut long = decoder(head(1, 1_000, 0));
        assert_eq!(long.trims(960, 0, 0), (960, 0));
        assert_eq!(long.trims(960, 0, 0), (40, 0));
        assert_eq!(long.trims(960, 0, 100), (0, 100));
        let mut short = decoder(head(1, 1_000, 0));
        assert_eq!(short.trims(960, 0, 500), (460, 500));
        assert_eq!(short.skip, 540);
    }
}
