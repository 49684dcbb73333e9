//! Radio slots (pure): a rebroadcast, or the cycle's `[renditions.radio]`, may name the length
//! of its broadcast slot (`slot = "58:00"`); a broadcast file that does not fit is a warning
//! that says by how much, before the station finds out on air.

use std::path::Path;

use crate::model::problem::Problem;
use crate::model::time::clock;
use crate::model::{AudioInfo, Cycle, Recording};

/// A warning for each broadcast file longer than its slot: a rebroadcast's radio edit against
/// its own slot (else the cycle's), and each recording against the cycle's slot and the slots
/// of its rebroadcasts that have no edit of their own.
pub fn check(
    cycle: &Cycle,
    config_file: &str,
    recordings: &[(Recording, AudioInfo)],
    edits: &[(std::path::PathBuf, AudioInfo)],
) -> Vec<Problem> {
    let Some(radio) = &cycle.renditions.radio else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for session in &cycle.sessions {
        let recording = recordings
            .iter()
            .find(|(r, _)| r.session == session.number)
            .map(|(_, audio)| audio);
        if let (Some(audio), Some(slot)) = (recording, radio.slot_secs) {
            problems.extend(overrun(config_file, &session.id, None, audio, slot));
        }
        for rebroadcast in &session.rebroadcasts {
            let Some(slot) = rebroadcast.slot_secs.or(radio.slot_secs) else {
                continue;
            };
            let (audio, edit) = match &rebroadcast.file {
                Some(path) => (edit_audio(edits, path), Some(rebroadcast.show.as_str())),
                None if rebroadcast.slot_secs.is_some() => (recording, None),
                None => continue,
            };
            if let Some(audio) = audio {
                let show = edit.unwrap_or(&rebroadcast.show);
                problems.extend(overrun(config_file, &session.id, Some(show), audio, slot));
            }
        }
    }
    problems
}

fn edit_audio<'a>(
    edits: &'a [(std::path::PathBuf, AudioInfo)],
    path: &Path,
) -> Option<&'a AudioInfo> {
    edits
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, audio)| audio)
}

/// The warning for a file that runs over its slot.
fn overrun(
    config_file: &str,
    session: &str,
    show: Option<&str>,
    audio: &AudioInfo,
    slot_secs: u32,
) -> Option<Problem> {
    let length_ms = (audio.duration_secs() * 1000.0).round() as u64;
    let slot_ms = u64::from(slot_secs) * 1000;
    if length_ms <= slot_ms {
        return None;
    }
    let which = match show {
        Some(show) => format!("the radio file of session `{session}` for « {show} »"),
        None => format!("the radio file of session `{session}`"),
    };
    Some(Problem::warning(
        config_file,
        format!(
            "{which} lasts {}, {} longer than its {} slot: cut an edit that fits (`file` under `[[sessions.rebroadcasts]]`)",
            clock(length_ms),
            clock(length_ms - slot_ms),
            clock(slot_ms)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(seconds: u64) -> AudioInfo {
        AudioInfo {
            container: crate::model::Container::Wave,
            codec: crate::model::Codec::Pcm("pcm_s16le".into()),
            sample_rate: 48_000,
            channels: 1,
            bits_per_sample: Some(16),
            frames: seconds * 48_000,
            size: 0,
            audio_bytes: 0,
            tags: Default::default(),
            warnings: Vec::new(),
            layout: None,
        }
    }

    #[test]
    fn says_by_how_much_a_file_runs_over_its_slot() {
        let problem = overrun(
            "config.toml",
            "picoulet",
            Some("L'Actu"),
            &audio(3733),
            58 * 60,
        )
        .expect("over the slot");
        assert_eq!(
            problem.message,
            "the radio file of session `picoulet` for « L'Actu » lasts 1:02:13, 4:13 longer than its 58:00 slot: cut an edit that fits (`file` under `[[sessions.rebroadcasts]]`)"
        );
        assert!(overrun("config.toml", "picoulet", None, &audio(58 * 60), 58 * 60).is_none());
    }
}
