use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::*;
use crate::audio::mp3::{FrameHeader, InfoKind, scan_each};
use crate::audio::probe::probe_file;

/// A sine sweep with a beat between channels: audio LAME cannot shortcut.
fn tone(rate: u32, channels: usize, frames: usize) -> Vec<f32> {
    (0..frames)
        .flat_map(|i| {
            let t = i as f32 / rate as f32;
            (0..channels).map(move |c| {
                let f = 220.0 + 80.0 * c as f32 + 200.0 * t;
                0.5 * (std::f32::consts::TAU * f * t).sin()
            })
        })
        .collect()
}

fn encode(path: &Path, sink: Result<Box<dyn AudioSink>>, samples: &[f32]) -> Encoded {
    let mut sink = sink.unwrap();
    // Uneven blocks, as a resampler hands them over.
    let channels = sink_channels(path);
    for block in samples.chunks(1001 * channels) {
        sink.write(block).unwrap();
    }
    sink.finish().unwrap()
}

fn sink_channels(path: &Path) -> usize {
    if path.to_string_lossy().contains("stereo") {
        2
    } else {
        1
    }
}

fn encode_mp3(
    dir: &Path,
    name: &str,
    rate: u32,
    channels: usize,
    kbps: u32,
    frames: usize,
) -> (PathBuf, Encoded) {
    let path = dir.join(name);
    let sink = mp3(File::create(&path).unwrap(), rate, channels, kbps);
    let encoded = encode(&path, sink, &tone(rate, channels, frames));
    (path, encoded)
}

/// Each MP3 frame's header, as the one walk over frames finds them.
fn frame_headers(path: &Path) -> (crate::audio::mp3::Scan, Vec<FrameHeader>) {
    let bytes = std::fs::read(path).unwrap();
    let mut headers = Vec::new();
    let scan = scan_each(std::io::Cursor::new(&bytes), bytes.len() as u64, |range| {
        headers.push(FrameHeader::parse(&bytes[range.start as usize..]).unwrap())
    })
    .unwrap()
    .unwrap();
    (scan, headers)
}

#[test]
fn mp3_states_its_exact_length_and_keeps_one_bitrate() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rate, channels, kbps) in [
        ("mono.mp3", 44_100, 1, 64),
        ("stereo.mp3", 44_100, 2, 128),
        ("light-mono.mp3", 24_000, 1, 32),
        ("light-mono-64.mp3", 24_000, 1, 64),
        ("mono-56.mp3", 44_100, 1, 56),
        ("stereo-48k.mp3", 48_000, 2, 112),
    ] {
        let frames = 3 * rate as usize + 777;
        let (path, encoded) = encode_mp3(dir.path(), name, rate, channels, kbps, frames);
        assert_eq!(encoded.frames, frames as u64, "{name}");
        assert_eq!(
            encoded.bytes,
            std::fs::metadata(&path).unwrap().len(),
            "{name}"
        );

        let (scan, headers) = frame_headers(&path);
        assert_eq!(scan.first_frame, 0, "{name}: no ID3v2 tag");
        assert_eq!(scan.stream_bytes, encoded.bytes, "{name}: no trailing tag");
        let info = scan.info.unwrap();
        assert_eq!(info.kind, InfoKind::Info, "{name}: a CBR Info frame");
        assert_eq!(info.frames, Some(scan.frames as u32), "{name}");
        assert!(scan.constant_bitrate, "{name}");
        assert!(!headers.is_empty());
        for h in &headers {
            assert_eq!(
                (h.kbps(), h.sample_rate(), h.channels()),
                (kbps, rate, channels as u32),
                "{name}"
            );
        }
        let (delay, padding) = info.trim.unwrap();
        assert_eq!(
            scan.samples() - u64::from(delay) - u64::from(padding),
            frames as u64,
            "{name}"
        );

        let probed = probe_file(&path).unwrap();
        assert_eq!(probed.frames, frames as u64, "{name}: probe's count");
        assert_eq!(
            (probed.sample_rate, probed.channels),
            (rate, channels as u32),
            "{name}"
        );
        if let Some(duration) = ffprobe_duration(&path) {
            let one_frame = f64::from(headers[0].samples()) / f64::from(rate);
            let exact = frames as f64 / f64::from(rate);
            assert!(
                (duration - exact).abs() <= one_frame,
                "{name}: ffprobe says {duration}, wrote {exact}"
            );
        }
        if let Some(length) = mutagen_length(&path) {
            let exact = frames as f64 / f64::from(rate);
            assert!(
                (length - exact).abs() < 0.001,
                "{name}: mutagen says {length}, wrote {exact}"
            );
        }
        if let Some(decoded) = ffmpeg_frames(&path, channels) {
            assert_eq!(
                decoded, frames as u64,
                "{name}: ffmpeg decodes the exact length"
            );
        }
    }
}

/// ffprobe's duration of `path` less its start time (ffprobe counts the encoder delay in
/// the duration and states it as the start time), when ffprobe is installed.
fn ffprobe_duration(path: &Path) -> Option<f64> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=duration,start_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.trim().split(',').map(|f| f.parse::<f64>().ok());
    let (start, duration) = (fields.next()??, fields.next()??);
    Some(duration - start)
}

/// The length mutagen reads from `path`, when the tests' Python venv is there
/// (`CYCLECAST_TEST_PYTHON`, else `target/test-venv/bin/python`).
fn mutagen_length(path: &Path) -> Option<f64> {
    let python = std::env::var_os("CYCLECAST_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python")
        });
    let script = "import sys; from mutagen.mp3 import MP3; print(MP3(sys.argv[1]).info.length)";
    let out = Command::new(python)
        .args(["-c", script])
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Frames ffmpeg decodes from `path`, when ffmpeg is installed.
fn ffmpeg_frames(path: &Path, channels: usize) -> Option<u64> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "s16le", "-"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| (out.stdout.len() / (2 * channels)) as u64)
}

/// Every rate and CBR bitrate MPEG audio has, mono and stereo: LAME's Info frame where it
/// fits, cyclecast's where it does not (32 kbit/s at 24 kHz, the light rendition), and the
/// exact length either way.
#[test]
fn mp3_states_its_exact_length_at_every_rate_and_bitrate() {
    let dir = tempfile::tempdir().unwrap();
    let rates = [
        8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000,
    ];
    for rate in rates {
        let bitrates: &[u32] = if rate >= 32_000 {
            &[
                32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
            ]
        } else if rate < 16_000 {
            &[8, 16, 24, 32, 40, 48, 56, 64]
        } else {
            &[8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
        };
        for &kbps in bitrates {
            for channels in [1, 2] {
                let name = format!(
                    "{rate}-{kbps}-{}.mp3",
                    if channels == 2 { "stereo" } else { "mono" }
                );
                let frames = rate as usize / 10 + 777;
                let (path, encoded) = encode_mp3(dir.path(), &name, rate, channels, kbps, frames);
                assert_eq!(
                    encoded.bytes,
                    std::fs::metadata(&path).unwrap().len(),
                    "{name}"
                );
                let (scan, headers) = frame_headers(&path);
                let info = scan.info.unwrap_or_else(|| panic!("{name}: no Info frame"));
                assert_eq!(info.kind, InfoKind::Info, "{name}");
                assert_eq!(info.frames, Some(scan.frames as u32), "{name}");
                assert!(headers.iter().all(|h| h.kbps() == kbps), "{name}: CBR");
                let (delay, padding) = info.trim.unwrap();
                assert_eq!(
                    scan.samples() - u64::from(delay + padding),
                    frames as u64,
                    "{name}"
                );
                assert_eq!(probe_file(&path).unwrap().frames, frames as u64, "{name}");
                std::fs::remove_file(&path).unwrap();
            }
        }
    }
}

#[test]
fn mp3_bytes_are_the_same_each_time() {
    let dir = tempfile::tempdir().unwrap();
    for (rate, channels, kbps) in [(44_100, 2, 128), (24_000, 1, 32)] {
        let name = |n| {
            format!(
                "{n}-{rate}-{}.mp3",
                if channels == 2 { "stereo" } else { "mono" }
            )
        };
        let (a, _) = encode_mp3(dir.path(), &name("a"), rate, channels, kbps, 100_000);
        let (b, _) = encode_mp3(dir.path(), &name("b"), rate, channels, kbps, 100_000);
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    }
}

#[test]
fn mp3_of_nothing_or_of_wild_samples_is_still_valid() {
    let dir = tempfile::tempdir().unwrap();
    let (path, encoded) = encode_mp3(dir.path(), "empty.mp3", 44_100, 1, 64, 0);
    assert_eq!(encoded.frames, 0);
    assert!(encoded.bytes > 0);

    let path2 = dir.path().join("wild.mp3");
    let mut sink = mp3(File::create(&path2).unwrap(), 44_100, 1, 64).unwrap();
    let wild: Vec<f32> = (0..50_000)
        .map(|i| [f32::NAN, 5.0, -7.0, f32::INFINITY, 0.1][i % 5])
        .collect();
    sink.write(&wild).unwrap();
    sink.finish().unwrap();
    assert_eq!(probe_file(&path2).unwrap().frames, 50_000);
    drop(path);
}

#[test]
fn mp3_refuses_what_cbr_cannot_hold_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = || File::create(dir.path().join("x.mp3")).unwrap();
    let err = |r: Result<Box<dyn AudioSink>>| format!("{:#}", r.err().unwrap());
    assert!(err(mp3(file(), 44_100, 1, 144)).contains("cannot be 144 kbit/s"));
    assert!(err(mp3(file(), 24_000, 1, 192)).contains("cannot be 192 kbit/s"));
    assert!(err(mp3(file(), 12_000, 1, 80)).contains("cannot be 80 kbit/s"));
    assert!(err(mp3(file(), 96_000, 2, 128)).contains("cannot be 96000 Hz"));
    assert!(err(mp3(file(), 44_100, 3, 128)).contains("one or two channels"));
    assert!(err(mp3(file(), 44_100, 0, 128)).contains("one or two channels"));
    let mut sink = mp3(file(), 44_100, 2, 128).unwrap();
    let e = sink.write(&[0.0; 3]).unwrap_err().to_string();
    assert!(e.contains("no whole number of 2-channel frames"), "{e}");
}

/// Encode speed, ×real time: `cargo test --release --lib encode::tests::speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn speed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rate, channels, kbps) in [
        ("mono", 44_100, 1, 64),
        ("stereo", 44_100, 2, 128),
        ("light-mono", 24_000, 1, 32),
    ] {
        let secs = 120;
        let samples = tone(rate, channels, secs * rate as usize);
        let path = dir.path().join(format!("{name}.mp3"));
        let sink = mp3(File::create(&path).unwrap(), rate, channels, kbps);
        let start = Instant::now();
        encode(&path, sink, &samples);
        let took = start.elapsed().as_secs_f64();
        println!(
            "{name} {rate} Hz {kbps} kbit/s: {:.0}× real time",
            secs as f64 / took
        );
    }
    for format in [LosslessFormat::Wav, LosslessFormat::Flac] {
        let secs = 120;
        let samples = tone(48_000, 2, secs * 48_000);
        let path = dir.path().join(format!("stereo.{}", format.extension()));
        let sink = lossless(format, File::create(&path).unwrap(), 48_000, 2);
        let start = Instant::now();
        encode(&path, sink, &samples);
        let took = start.elapsed().as_secs_f64();
        println!(
            "{format:?} stereo 48000 Hz: {:.0}× real time",
            secs as f64 / took
        );
    }
}

fn wav_bytes(samples: &[f32], rate: u32, channels: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(if channels == 2 {
        "stereo.wav"
    } else {
        "mono.wav"
    });
    let sink = lossless(
        LosslessFormat::Wav,
        File::create(&path).unwrap(),
        rate,
        channels,
    );
    let encoded = encode(&path, sink, samples);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(encoded.bytes, bytes.len() as u64);
    assert_eq!(encoded.frames, (samples.len() / channels) as u64);
    let probed = probe_file(&path).unwrap();
    assert_eq!(
        (probed.frames, probed.sample_rate, probed.channels),
        (encoded.frames, rate, channels as u32)
    );
    assert_eq!(probed.bits_per_sample, Some(16));
    bytes
}

fn le16(bytes: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([bytes[at], bytes[at + 1]])
}

#[test]
fn wav_is_16_bit_pcm_with_exact_sizes() {
    let samples = tone(48_000, 2, 48_123);
    let bytes = wav_bytes(&samples, 48_000, 2);
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(
        u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
        bytes.len() - 8
    );
    assert_eq!(&bytes[36..40], b"data");
    assert_eq!(
        u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize,
        48_123 * 4
    );
    // Dither moves a sample by at most one step besides rounding.
    for (i, &x) in samples.iter().enumerate().step_by(97) {
        let got = f32::from(le16(&bytes, 44 + 2 * i));
        assert!(
            (got - x * 32_768.0).abs() <= 1.5,
            "sample {i}: {got} for {x}"
        );
    }
    assert_eq!(
        bytes,
        wav_bytes(&samples, 48_000, 2),
        "the same bytes each time"
    );
}

#[test]
fn wav_clips_and_silences_nan() {
    let bytes = wav_bytes(
        &[2.0, -3.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0],
        44_100,
        1,
    );
    let s: Vec<i16> = (0..6).map(|i| le16(&bytes, 44 + 2 * i)).collect();
    assert_eq!((s[0], s[1], s[3], s[4]), (32_767, -32_768, 32_767, -32_768));
    assert!(s[2].abs() <= 1 && s[5].abs() <= 1, "{s:?}");
}

#[test]
fn empty_wav_is_still_a_wav() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.wav");
    let sink = lossless(LosslessFormat::Wav, File::create(&path).unwrap(), 48_000, 2).unwrap();
    assert_eq!(
        sink.finish().unwrap(),
        Encoded {
            frames: 0,
            bytes: 44
        }
    );
}

#[test]
fn lossless_refuses_bad_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let file = || File::create(dir.path().join("x")).unwrap();
    assert!(lossless(LosslessFormat::Wav, file(), 48_000, 0).is_err());
    assert!(lossless(LosslessFormat::Wav, file(), 0, 2).is_err());
    let mut sink = lossless(LosslessFormat::Wav, file(), 48_000, 2).unwrap();
    assert!(sink.write(&[0.0; 5]).is_err());
}

/// The 16-bit samples of a WAV the same samples made: FLAC and WAV dither alike.
fn wav_samples(samples: &[f32], rate: u32, channels: usize) -> Vec<u8> {
    wav_bytes(samples, rate, channels)[44..].to_vec()
}

#[test]
fn flac_holds_the_wav_s_samples_exactly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, rate, channels, frames) in [
        ("stereo.flac", 48_000, 2, 3 * 4096 + 1234),
        ("mono.flac", 44_100, 1, 100),
        ("stereo-one-block.flac", 48_000, 2, 4096),
    ] {
        let samples = tone(rate, channels, frames);
        let path = dir.path().join(name);
        let sink = lossless(
            LosslessFormat::Flac,
            File::create(&path).unwrap(),
            rate,
            channels,
        );
        let encoded = encode(&path, sink, &samples);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            encoded,
            Encoded {
                frames: frames as u64,
                bytes: bytes.len() as u64
            },
            "{name}"
        );
        assert_eq!(&bytes[..4], b"fLaC");

        let probed = probe_file(&path).unwrap();
        assert_eq!(
            (probed.frames, probed.sample_rate, probed.channels),
            (frames as u64, rate, channels as u32),
            "{name}"
        );
        assert_eq!(probed.bits_per_sample, Some(16));

        let pcm = wav_samples(&samples, rate, channels);
        // STREAMINFO's MD5 is that of the samples.
        let md5 = Command::new("python3")
            .args([
                "-c",
                "import hashlib,sys; print(hashlib.md5(sys.stdin.buffer.read()).hexdigest())",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .ok()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take()?.write_all(&pcm).ok()?;
                let out = child.wait_with_output().ok()?;
                Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
            });
        if let Some(md5) = md5 {
            let stated: String = bytes[26..42].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(stated, md5, "{name}");
        }
        // The reference decoder checks every frame's CRC and the MD5.
        if let Ok(out) = Command::new("flac").args(["-t", "-s"]).arg(&path).output() {
            assert!(
                out.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // ffmpeg decodes exactly those samples.
        if let Ok(out) = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&path)
            .args(["-f", "s16le", "-"])
            .output()
        {
            assert!(
                out.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.stderr.is_empty(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.stdout == pcm, "{name}: ffmpeg decodes other samples");
        }
    }
}

#[test]
fn empty_flac_is_still_a_flac() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.flac");
    let sink = lossless(
        LosslessFormat::Flac,
        File::create(&path).unwrap(),
        48_000,
        2,
    )
    .unwrap();
    assert_eq!(
        sink.finish().unwrap(),
        Encoded {
            frames: 0,
            bytes: 42
        }
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"fLaC\x80\x00\x00\x22");
}

#[test]
fn flac_refuses_bad_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let file = || File::create(dir.path().join("x.flac")).unwrap();
    assert!(lossless(LosslessFormat::Flac, file(), 48_000, 9).is_err());
    assert!(lossless(LosslessFormat::Flac, file(), 48_000, 0).is_err());
    assert!(lossless(LosslessFormat::Flac, file(), 0, 2).is_err());
    let mut sink = lossless(LosslessFormat::Flac, file(), 48_000, 2).unwrap();
    assert!(sink.write(&[0.0; 3]).is_err());
}

/// A sink that refuses every write after the first `accepted`.
struct Refusing {
    accepted: usize,
}

impl AudioSink for Refusing {
    fn write(&mut self, _: &[f32]) -> Result<()> {
        anyhow::ensure!(self.accepted > 0, "the disk is full");
        self.accepted -= 1;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Encoded> {
        Ok(Encoded {
            frames: 0,
            bytes: 0,
        })
    }
}

#[test]
fn a_sink_on_its_own_thread_writes_the_same_bytes_and_reports_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let samples = tone(44_100, 2, 44_100 * 3);
    let encode = |name: &str, threaded: bool| {
        let path = dir.path().join(name);
        let mut sink = mp3(File::create(&path).unwrap(), 44_100, 2, 128).unwrap();
        if threaded {
            sink = on_own_thread(sink, 2);
        }
        for block in samples.chunks(4096 * 2) {
            sink.write(block).unwrap();
        }
        let encoded = sink.finish().unwrap();
        (encoded, std::fs::read(&path).unwrap())
    };
    assert_eq!(encode("direct.mp3", false), encode("threaded.mp3", true));

    // An error of the encoder's thread reaches the caller, at a later write or at the end.
    let mut sink = on_own_thread(Box::new(Refusing { accepted: 2 }), 1);
    let failed = (0..10).find_map(|_| sink.write(&[0.0; 64]).err());
    let error = match failed {
        Some(error) => error,
        None => sink.finish().unwrap_err(),
    };
    assert!(error.to_string().contains("disk is full"), "{error}");
}
