//! `check` warns about each radio file longer than its broadcast slot: the rendition of a
//! recording against the cycle's slot and those of the rebroadcasts that use it, a station's
//! own radio edit against its rebroadcast's slot (or the cycle's).

use std::path::PathBuf;

use crate::model::problem::Problem;
use crate::model::time::itunes_duration;
use crate::model::{AudioInfo, Recording};
use crate::project::config::Config;
use crate::project::paths::display_path;

/// A warning for each radio file that does not fit its slot; none when the cycle publishes
/// no radio files.
pub(super) fn check_slots(
    config: &Config,
    recordings: &[(Recording, AudioInfo)],
    edits: &[(PathBuf, AudioInfo)],
) -> Vec<Problem> {
    let Some(radio) = &config.cycle.renditions.radio else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (recording, audio) in recordings {
        let Some(session) = config
            .cycle
            .sessions
            .iter()
            .find(|s| s.number == recording.session)
        else {
            continue;
        };
        let tightest = session
            .rebroadcasts
            .iter()
            .filter(|r| r.file.is_none())
            .filter_map(|r| r.slot_secs)
            .chain(radio.slot_secs)
            .min();
        problems.extend(overrun(config, &recording.path, audio, tightest));
    }
    let rebroadcasts = config.cycle.sessions.iter().flat_map(|s| &s.rebroadcasts);
    for rebroadcast in rebroadcasts {
        let Some((path, audio)) = edits
            .iter()
            .find(|(p, _)| Some(p) == rebroadcast.file.as_ref())
        else {
            continue;
        };
        problems.extend(overrun(
            config,
            path,
            audio,
            rebroadcast.slot_secs.or(radio.slot_secs),
        ));
    }
    problems
}

fn overrun(
    config: &Config,
    path: &std::path::Path,
    audio: &AudioInfo,
    slot_secs: Option<u32>,
) -> Option<Problem> {
    let slot = f64::from(slot_secs?);
    let duration = audio.duration_secs();
    (duration > slot).then(|| {
        Problem::warning(
            display_path(&config.root, path),
            format!(
                "its radio file lasts {}, longer than the broadcast slot of {}",
                itunes_duration(duration),
                itunes_duration(slot)
            ),
        )
    })
}
