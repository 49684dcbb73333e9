//! Unit tests of the load stage, on small projects written to a temporary folder: the config,
//! WAV recordings made here (a header and silence), and a lock when a test needs one.

use std::path::Path;

use super::*;
use crate::model::problem::Severity;

const CONFIG: &str = r#"
[podcast]
title = "Cycle"
description = "Un cycle."
language = "fr"
base_url = "https://example.org/cycle/"
time_zone = "Europe/Paris"
author = "Org"
[podcast.owner]
name = "Org"
email = "org@example.org"

[organizer]
name = "Org"

[[sessions]]
id = "premiere"
number = 1
date = "2022-10-25"
title = "Première"
description = "La première."
recording = "recordings/premiere.wav"

[[sessions]]
id = "seconde"
number = 2
date = "2022-11-25"
title = "Seconde"
description = "La seconde."
"#;

/// A PCM WAV file: mono, 16 bits, 8 kHz, `seconds` of a tone.
fn wav(seconds: u32) -> Vec<u8> {
    let data_len = seconds * 8_000 * 2;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&8_000u32.to_le_bytes());
    bytes.extend_from_slice(&16_000u32.to_le_bytes()); // bytes per second
    bytes.extend_from_slice(&2u16.to_le_bytes()); // block align
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    // A 1 kHz square wave at −12 dBFS: silence would be refused, there is nothing to normalize.
    for i in 0..data_len / 2 {
        let sample: i16 = if i % 8 < 4 { 8192 } else { -8192 };
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    bytes
}

/// A project folder holding `config` and, under `recordings/`, each WAV file named.
fn project(config: &str, recordings: &[(&str, u32)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    std::fs::create_dir(dir.path().join("recordings")).unwrap();
    for (name, seconds) in recordings {
        std::fs::write(dir.path().join("recordings").join(name), wav(*seconds)).unwrap();
    }
    dir
}

fn load_at(root: &Path, renames: &[&str]) -> Result<Project, Vec<Problem>> {
    let options = ProjectOptions {
        config: root.join("config.toml"),
        base_url: None,
        renames: renames.iter().map(|r| r.to_string()).collect(),
        placeholders: Placeholders::Warn,
    };
    let work = Work {
        previous: &Default::default(),
        jobs: 1,
        progress: &Progress::hidden(),
    };
    load(&options, work)
}

fn errors(project: &Project) -> Vec<String> {
    project
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn loads_each_recording_with_its_figures_and_session() {
    let dir = project(CONFIG, &[("premiere.wav", 2)]);
    let project = load_at(dir.path(), &[]).unwrap();
    assert!(errors(&project).is_empty(), "{:?}", project.problems);
    assert_eq!(project.recordings.len(), 1);
    let (session, recording, audio) = project.recorded().next().unwrap();
    assert_eq!((session.number, recording.session), (1, 1));
    assert_eq!(session.id, "premiere");
    assert_eq!((audio.sample_rate, audio.channels), (8_000, 1));
    assert_eq!(audio.duration_secs(), 2.0);
    assert_eq!(audio.published_format(), Some(("wav", "audio/wav")));
    // The source was hashed for the next publish's state.
    assert!(project.source_hash(&recording.path).is_some());
    // Nothing else was named: no cover, report, transcript, theme nor radio edit.
    assert!(project.artwork.is_none() && project.reports.is_empty());
    assert!(project.transcripts.is_empty() && project.renditions.is_empty());
    assert_eq!(project.theme, Theme::default());
    let warnings: Vec<String> = project.problems.iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("the podcast has no cover")),
        "{warnings:?}"
    );
}

#[test]
fn a_config_that_cannot_be_read_is_the_only_failure() {
    let dir = project("[podcast\n", &[]);
    let problems = load_at(dir.path(), &[]).unwrap_err();
    assert!(problems.iter().any(Problem::is_error), "{problems:?}");
}

#[test]
fn a_missing_recording_is_an_error_and_the_rest_still_loads() {
    let dir = project(CONFIG, &[]);
    let project = load_at(dir.path(), &[]).unwrap();
    let errors = errors(&project);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("recordings/premiere.wav"), "{errors:?}");
    assert!(project.recordings.is_empty());
    assert_eq!(project.config.cycle.sessions.len(), 2);
}

#[test]
fn a_recording_that_is_no_audio_is_an_error_naming_it() {
    let dir = project(CONFIG, &[]);
    std::fs::write(dir.path().join("recordings/premiere.wav"), "not audio").unwrap();
    let project = load_at(dir.path(), &[]).unwrap();
    let errors = errors(&project);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("recordings/premiere.wav: error:"),
        "{errors:?}"
    );
    assert!(project.recordings.is_empty());
}

#[test]
fn what_the_config_leaves_out_must_come_from_the_tags() {
    let config = CONFIG.replace("title = \"Première\"\n", "");
    let dir = project(&config, &[("premiere.wav", 1)]);
    let project = load_at(dir.path(), &[]).unwrap();
    let errors = errors(&project);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(
            "session `premiere` has no `title`, and `recordings/premiere.wav` has no title tag to take it from"
        ),
        "{errors:?}"
    );
}

#[test]
fn chapters_must_start_before_the_recording_ends() {
    let config = CONFIG.replace(
        "recording = \"recordings/premiere.wav\"\n",
        "recording = \"recordings/premiere.wav\"\nchapters = [{ start = \"0:00\", title = \"Début\" }, { start = \"0:05\", title = \"Trop tard\" }]\n",
    );
    let dir = project(&config, &[("premiere.wav", 2)]);
    let project = load_at(dir.path(), &[]).unwrap();
    let errors = errors(&project);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("chapter `Trop tard` starts at 0:00:05 but the recording lasts 0:00:02"),
        "{errors:?}"
    );
}

#[test]
fn the_lock_pins_a_renumbered_sessions_file_name_and_guid() {
    let dir = project(CONFIG, &[("premiere.wav", 1)]);
    let first = load_at(dir.path(), &[]).unwrap();
    let guid = crate::project::guid::episode_guid(first.config.cycle.podcast.guid, "premiere");
    let lock = crate::project::lock::Lock {
        podcast_guid: first.config.cycle.podcast.guid,
        sessions: vec![crate::project::lock::LockedSession {
            id: "premiere".into(),
            guid: "published-guid".into(),
            slug: "07-premiere".into(),
            enclosure: "https://example.org/cycle/episodes/07-premiere.wav"
                .parse()
                .unwrap(),
        }],
    };
    crate::project::lock::write(dir.path(), &lock).unwrap();
    let project = load_at(dir.path(), &[]).unwrap();
    let session = &project.config.cycle.sessions[0];
    assert_eq!(session.published_guid.as_deref(), Some("published-guid"));
    assert_ne!(guid, "published-guid");
    assert_eq!(session.stem(), "07-premiere");
    let warnings: Vec<String> = project.problems.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains(
            "session `premiere` is now number 1 but keeps its published file name `07-premiere`"
        )),
        "{warnings:?}"
    );
    // `--rename` moves the file back to its numbered name; the GUID stays.
    let renamed = load_at(dir.path(), &["premiere"]).unwrap();
    let session = &renamed.config.cycle.sessions[0];
    assert_eq!(session.stem(), "01-premiere");
    assert_eq!(session.published_guid.as_deref(), Some("published-guid"));
}

#[test]
fn a_lock_that_cannot_be_read_is_an_error() {
    let dir = project(CONFIG, &[("premiere.wav", 1)]);
    std::fs::write(dir.path().join("cyclecast.lock"), "version = 7\n").unwrap();
    let project = load_at(dir.path(), &[]).unwrap();
    let errors = errors(&project);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("cyclecast.lock"), "{errors:?}");
}
