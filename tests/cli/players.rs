//! Durations players get right (issue #4, item 3): a VBR MP3 without a Xing header states no
//! length, so ffprobe and browsers estimate one from the first frame's bitrate, and get it
//! wrong. Its published copy gains a Xing frame, and then both show the true duration.
//!
//! The 200 s recording is made at test time from synthesized noise (one second of silence
//! first, so that the first frames' bitrate is far from the average) with `lame -V 5 -t`
//! (`-t`: no Xing/LAME header). The truth is what ffmpeg decodes, sample by sample. The
//! browser is Debian's headless chromium, which `scripts/test` installs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::harness::{Project, tool};

/// The session whose recording is the real cycle's VBR MP3 without a Xing header.
const SESSION: u32 = 3;

/// One MPEG-1 Layer III frame at 44.1 kHz.
const ONE_FRAME: f64 = 1152.0 / 44_100.0;

/// A 200 s VBR MP3 without a Xing header, made once per test run.
fn vbr_without_xing() -> &'static Path {
    static MADE: OnceLock<PathBuf> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let wav = dir.join("players-source.wav");
        let mp3 = dir.join("players-vbr-200s-no-xing.mp3");
        let made = dir.join(".players-vbr-200s-no-xing.mp3.partial");
        tool(
            "ffmpeg",
            &[
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "anoisesrc=d=199:c=pink:r=44100:a=0.3:seed=7,adelay=1s:all=1",
                "-ac",
                "1",
                wav.to_str().unwrap(),
            ],
        );
        tool(
            "lame",
            &[
                "--quiet",
                "-V",
                "5",
                "-t",
                wav.to_str().unwrap(),
                made.to_str().unwrap(),
            ],
        );
        std::fs::rename(&made, &mp3).unwrap();
        std::fs::remove_file(&wav).unwrap();
        mp3
    })
}

/// The real project, with session 3's recording replaced by the 200 s one, published.
fn published_200s() -> Project {
    let project = Project::copy();
    std::fs::copy(vbr_without_xing(), recording(&project)).unwrap();
    project.publish();
    project
}

fn recording(project: &Project) -> PathBuf {
    let session = project.cycle();
    project.path(session.session(SESSION).recording.as_ref().unwrap())
}

fn copy(project: &Project) -> PathBuf {
    let stem = project.cycle().session(SESSION).stem();
    project.feed().join(format!("episodes/{stem}.mp3"))
}

/// What ffprobe states without counting packets: the duration a player's demuxer reports.
fn stated_seconds(path: &Path) -> f64 {
    let out = tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "format=start_time,duration",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ],
    );
    // ffprobe counts an encoder's delay (LAME's 1,105 samples, stated in its tag) in the
    // duration and gives it back as the start time: what plays is the difference.
    let text = String::from_utf8_lossy(&out);
    let (start, duration) = text
        .trim()
        .split_once(',')
        .expect("start time and duration");
    duration.parse::<f64>().unwrap() - start.parse::<f64>().unwrap_or(0.0)
}

/// The true duration: every sample ffmpeg decodes (mono, 44.1 kHz).
fn decoded_seconds(path: &Path) -> f64 {
    let samples = tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-",
        ],
    );
    samples.len() as f64 / 2.0 / 44_100.0
}

#[test]
fn ffprobe_reads_the_true_duration_once_the_copy_has_a_xing_frame() {
    if !crate::oracle::require(&["ffmpeg", "ffprobe", "lame"]) {
        return;
    }
    // The real cycle's stand-in (30 s), and the 200 s one.
    for project in [
        {
            let project = Project::copy();
            project.publish();
            project
        },
        published_200s(),
    ] {
        let (recording, copy) = (recording(&project), copy(&project));
        let truth = decoded_seconds(&recording);
        let before = stated_seconds(&recording);
        let after = stated_seconds(&copy);
        assert!(
            (before - truth).abs() > 1.0,
            "the recording should fool ffprobe: it states {before} s, the stream holds {truth} s"
        );
        assert!(
            (after - truth).abs() <= ONE_FRAME,
            "the copy states {after} s, the stream holds {truth} s"
        );
        assert!(
            (decoded_seconds(&copy) - truth).abs() <= ONE_FRAME,
            "a decoder plays the Xing frame as at most one frame of silence"
        );
    }
}

/// Opens a page in headless chromium and returns the document's title once scripts ran.
fn chromium_title(page: &Path, profile: &Path) -> String {
    let url = format!("file://{}", page.display());
    let output = Command::new("timeout")
        .args([
            "120",
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            &format!("--user-data-dir={}", profile.display()),
            "--autoplay-policy=no-user-gesture-required",
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run chromium ({e}): run scripts/test, which installs it")
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("<title>").expect("a title in the dumped DOM") + "<title>".len();
    let end = dom[start..].find("</title>").expect("a closed title") + start;
    dom[start..end].to_string()
}

#[test]
fn chromium_shows_the_true_duration_of_the_copy() {
    if !crate::oracle::require(&["ffmpeg", "lame", "chromium"]) {
        return;
    }
    let project = published_200s();
    let (recording, copy) = (recording(&project), copy(&project));
    let truth = decoded_seconds(&recording);
    assert!(
        (truth - 200.0).abs() < 0.1,
        "the stream holds {truth} s, not 200 s"
    );
    let relative = |p: &Path| {
        p.strip_prefix(project.root())
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    // Each <audio> reports its duration as soon as its metadata are loaded.
    let page = project.path("players.html");
    std::fs::write(
        &page,
        format!(
            r#"<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head><body>
<audio preload="metadata" data-name="recording" src="{}"></audio>
<audio preload="metadata" data-name="copy" src="{}"></audio>
<script>
const seen = {{}};
for (const audio of document.querySelectorAll("audio")) {{
  const name = audio.dataset.name;
  audio.addEventListener("loadedmetadata", () => {{ seen[name] = audio.duration; show(); }});
  audio.addEventListener("error", () => {{ seen[name] = "error " + audio.error.code; show(); }});
}}
function show() {{ document.title = JSON.stringify(seen); }}
</script></body></html>
"#,
            relative(&recording),
            relative(&copy)
        ),
    )
    .unwrap();
    let title = chromium_title(&page, &project.path("chromium-profile"));
    let seen: serde_json::Value = serde_json::from_str(&title)
        .unwrap_or_else(|e| panic!("the page did not report both durations ({e}): {title}"));
    let shown = |name: &str| {
        seen[name]
            .as_f64()
            .unwrap_or_else(|| panic!("no duration for the {name}: {title}"))
    };
    assert!(
        (shown("recording") - truth).abs() > 10.0,
        "without a Xing header chromium should guess wrong: {title}, truth {truth} s"
    );
    assert!(
        (shown("copy") - truth).abs() < 0.1,
        "chromium shows {} s for the copy, the stream holds {truth} s",
        shown("copy")
    );
}
