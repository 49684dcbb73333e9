//! Durations: what `probe` counts, what the feed states, and what a full decode by an
//! independent decoder (ffmpeg) gives.

use std::collections::BTreeMap;
use std::path::Path;

use crate::harness::{Project, element_text, enclosure_file, items, itunes_duration, stem, tool};

/// Half the tolerance a podcast app's progress bar needs; the stand-ins' encoders add at most
/// a frame or two of delay that one decoder trims and the other does not.
const TOLERANCE_SECONDS: f64 = 0.05;

/// Decodes the whole file with ffmpeg to mono 16-bit samples and counts them.
fn decoded_seconds(path: &Path) -> f64 {
    let file = path.to_str().expect("a UTF-8 path");
    let rate = crate::harness::sample_rate(path) as f64;
    let samples = tool(
        "ffmpeg",
        &["-v", "error", "-i", file, "-f", "s16le", "-ac", "1", "-"],
    );
    samples.len() as f64 / 2.0 / rate
}

/// `cyclecast probe --json` on each file: path → `duration_seconds`.
pub fn probed_seconds(project: &Project, files: &[String]) -> BTreeMap<String, f64> {
    let mut args = vec!["probe", "--json"];
    args.extend(files.iter().map(String::as_str));
    let run = project.run(&args).success();
    let lines: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("probe --json printed invalid JSON: {e}\n{run}"));
    lines
        .as_array()
        .expect("probe --json prints an array")
        .iter()
        .map(|line| {
            let path = line["path"].as_str().expect("a path").to_string();
            let seconds = line["duration_seconds"]
                .as_f64()
                .unwrap_or_else(|| panic!("no duration for {path}: {line}"));
            (path, seconds)
        })
        .collect()
}

#[test]
fn states_durations_that_agree_with_a_full_decode() {
    if !crate::oracle::require(&["ffmpeg", "ffprobe"]) {
        return;
    }
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let xml = project.feed_text("feed.xml");
    let stated: BTreeMap<String, String> = items(&xml)
        .into_iter()
        .map(|item| {
            let file = enclosure_file(item, &cycle.base_url);
            (stem(&file), element_text(item, "itunes:duration"))
        })
        .collect();

    let recordings: Vec<String> = cycle
        .sessions
        .iter()
        .filter_map(|s| s.recording.clone())
        .collect();
    assert_eq!(recordings.len(), 5);
    let published: Vec<String> = items(&xml)
        .into_iter()
        .map(|item| format!("feed/{}", enclosure_file(item, &cycle.base_url)))
        .collect();
    let probed = probed_seconds(&project, &[recordings.clone(), published].concat());

    for session in &cycle.sessions {
        let recording = session
            .recording
            .as_ref()
            .expect("every session is recorded");
        let counted = probed[recording];
        let decoded = decoded_seconds(&project.path(recording));
        assert!(
            (counted - decoded).abs() < TOLERANCE_SECONDS,
            "{recording}: probe counts {counted:.6} s, a full decode gives {decoded:.6} s"
        );
        assert_eq!(
            stated.get(&session.stem()),
            Some(&itunes_duration(counted)),
            "{recording}: itunes:duration is the probed duration, rounded"
        );
        // The enclosure: a copy of the recording, or its podcast rendition (issue #13), whose
        // resampled length is the recording's (an AAC master's encoder priming, which its
        // decoder does not trim, apart: 2,112 samples).
        let copy = probed
            .keys()
            .find(|f| f.starts_with(&format!("feed/episodes/{}.", session.stem())))
            .expect("the session's enclosure was probed")
            .clone();
        assert!(
            (probed[&copy] - counted).abs() < TOLERANCE_SECONDS,
            "{copy}: the published copy lasts {} s, the recording {counted} s",
            probed[&copy]
        );
    }
}
