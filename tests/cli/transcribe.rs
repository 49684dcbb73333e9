//! `cyclecast transcribe`: drafts of French speech made by espeak-ng from known sentences,
//! transcribed by the Whisper base model that `scripts/install-model` installs (the
//! `transcribe` feature); what loading, the page and the feed make of a draft; and what is
//! never overwritten. The tests that need no engine run in every build.

use std::fs;
use std::os::unix::fs::FileTypeExt as _;

use crate::harness::{Project, attribute, elements, items};

/// Session 2 of the sample cycle, whose master is a WAV.
const SESSION: &str = "travail-social-et-administratif";
const STEM: &str = "02-travail-social-et-administratif";
const DRAFT: &str = "transcripts/02-travail-social-et-administratif.vtt";
const SIDECAR: &str = "recordings/02-travail-social-et-administratif.vtt";
/// A model folder that does not exist: a run that skips every session never looks for it.
const NO_MODEL: &str = "/nonexistent/cyclecast-model";

/// What the page says above a draft.
const LABEL: &str = "Transcription automatique, non relue";

/// A draft as `transcribe` writes it (its note, then its cues).
fn draft_text(cues: &[(&str, &str, &str)]) -> String {
    let mut text = String::from(
        "WEBVTT\n\nNOTE cyclecast draft\nTranscription automatique, non relue : retirez cette note une fois le texte relu.\nAutomatic transcript, not reviewed: remove this note once the text is proofread.\n",
    );
    for (i, (start, end, words)) in cues.iter().enumerate() {
        text.push_str(&format!("\n{}\n{start} --> {end}\n{words}\n", i + 1));
    }
    text
}

/// The sample project, session 2 without its hand-made transcript.
fn without_sidecar() -> Project {
    let project = Project::copy();
    fs::remove_file(project.path(SIDECAR)).unwrap();
    project
}

/// `transcribe --session` session 2, then the same with `--redo`, without a model (a run
/// that skips the session never looks for one): both runs, succeeded.
fn with_and_without_redo(project: &Project) -> Vec<crate::harness::Run> {
    [&[][..], &["--redo"]]
        .iter()
        .map(|extra| {
            let args: Vec<&str> = ["transcribe", "--session", SESSION]
                .into_iter()
                .chain(extra.iter().copied())
                .collect();
            project
                .run_with_env(&args, &[("CYCLECAST_MODEL", NO_MODEL)])
                .success()
        })
        .collect()
}

/// Session 2's page, as published.
fn session_page(project: &Project) -> String {
    project.feed_text(&format!("sessions/{STEM}.html"))
}

/// The WebVTT transcript session 2's item names in `feed.xml`, relative to the feed folder.
fn feed_transcript(project: &Project) -> Option<String> {
    let feed = project.feed_text("feed.xml");
    let base = project.cycle().base_url;
    let item = items(&feed)
        .into_iter()
        .find(|item| item.contains(STEM))
        .expect("session 2's item")
        .to_string();
    elements(&item, "podcast:transcript")
        .into_iter()
        .find(|t| attribute(t, "type").as_deref() == Some("text/vtt"))
        .and_then(|t| attribute(t, "url"))
        .map(|url| {
            url.strip_prefix(&base)
                .expect("under the base URL")
                .to_string()
        })
}

#[test]
fn transcribe_skips_a_session_with_a_transcript_or_without_a_recording_and_says_so() {
    let project = Project::copy();
    project.replace_in_config(
        "recording = \"recordings/05-cabinets-de-conseil.mp3\"\n",
        "",
    );
    let run = project
        .run_with_env(&["transcribe"], &[("CYCLECAST_MODEL", NO_MODEL)])
        .success();
    assert!(
        run.stderr.contains(&format!(
            "skipped `{SESSION}`: it already has a transcript, `{SIDECAR}`"
        )),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("skipped `cabinets-de-conseil`: it has no recording"),
        "{run}"
    );
    assert!(!project.path(DRAFT).exists(), "{run}");
    let unknown = project.run(&["transcribe", "--session", "nope"]).failure(2);
    assert!(unknown.stderr.contains("no session `nope`"), "{unknown}");
}

#[test]
fn transcribe_without_a_model_names_the_one_command_that_installs_it() {
    let project = without_sidecar();
    let run = project
        .run_with_env(
            &["transcribe", "--session", SESSION],
            &[("CYCLECAST_MODEL", NO_MODEL)],
        )
        .failure(2);
    assert!(run.stderr.contains("no speech model at"), "{run}");
    assert!(run.stderr.contains("scripts/install-model"), "{run}");
    // A folder that is not a Whisper model: the wrong file is named.
    let folder = project.path("not-a-model");
    fs::create_dir(&folder).unwrap();
    for file in ["model.bin", "tokenizer.json", "preprocessor_config.json"] {
        fs::write(folder.join(file), "{}").unwrap();
    }
    fs::write(folder.join("config.json"), r#"{"add_source_bos": true}"#).unwrap();
    let run = project
        .run(&["transcribe", "--session", SESSION, "--model", "not-a-model"])
        .failure(2);
    assert!(
        run.stderr
            .contains("config.json` is not the config of a CTranslate2 Whisper model"),
        "{run}"
    );
    assert!(!project.path(DRAFT).exists());
}

#[cfg(not(feature = "transcribe"))]
#[test]
fn transcribe_without_the_feature_says_how_to_build_it() {
    let project = without_sidecar();
    // A folder that passes the checks of a model's layout; no engine ever reads it.
    let folder = project.path("model");
    fs::create_dir(&folder).unwrap();
    for (file, text) in [
        ("model.bin", "weights"),
        ("tokenizer.json", "{}"),
        (
            "config.json",
            r#"{"lang_ids": [50259], "alignment_heads": [[3, 1]]}"#,
        ),
        (
            "preprocessor_config.json",
            r#"{"sampling_rate": 16000, "n_samples": 480000}"#,
        ),
    ] {
        fs::write(folder.join(file), text).unwrap();
    }
    let run = project
        .run(&["transcribe", "--session", SESSION, "--model", "model"])
        .failure(2);
    assert!(
        run.stderr
            .contains("built without the `transcribe` feature")
            && run.stderr.contains("--features transcribe"),
        "{run}"
    );
    assert!(!project.path(DRAFT).exists());
}

#[test]
fn a_draft_in_transcripts_is_published_and_labelled_automatic_until_its_note_is_removed() {
    let project = without_sidecar();
    let draft = draft_text(&[
        (
            "00:00:00.500",
            "00:00:03.000",
            "Bonjour à toutes et à tous.",
        ),
        (
            "00:00:03.000",
            "00:00:06.000",
            "Bienvenue à cette rencontre.",
        ),
    ]);
    fs::write(project.path(DRAFT), &draft).unwrap();
    project.publish();
    let page = session_page(&project);
    assert!(page.contains(LABEL), "the page does not label the draft");
    assert!(page.contains("Bienvenue à cette rencontre."));
    let transcript_page = project.feed_text(&format!("sessions/{STEM}-transcription.html"));
    assert!(transcript_page.contains(LABEL));
    // The feed's transcript is the draft, note and all.
    let published = feed_transcript(&project).expect("the feed names the draft");
    assert_eq!(project.feed_text(&published), draft);

    // Reviewed: the organizer removed the note.
    let reviewed = draft.replace(
        "\nNOTE cyclecast draft\nTranscription automatique, non relue : retirez cette note une fois le texte relu.\nAutomatic transcript, not reviewed: remove this note once the text is proofread.\n",
        "",
    );
    fs::write(project.path(DRAFT), &reviewed).unwrap();
    project.publish();
    assert!(!session_page(&project).contains(LABEL));
    assert!(session_page(&project).contains("Bienvenue à cette rencontre."));

    // A sidecar beside the recording comes first.
    fs::write(
        project.path(SIDECAR),
        "WEBVTT\n\n00:00.000 --> 00:02.000\nÉcrit à la main.\n",
    )
    .unwrap();
    project.publish();
    assert!(session_page(&project).contains("Écrit à la main."));
    assert!(!session_page(&project).contains("Bienvenue à cette rencontre."));
}

#[test]
fn a_draft_where_no_speech_was_found_publishes_no_transcript_and_says_why() {
    let project = without_sidecar();
    fs::write(project.path(DRAFT), draft_text(&[])).unwrap();
    let run = project.publish();
    assert!(
        run.stderr.contains(DRAFT) && run.stderr.contains("no speech was found"),
        "{run}"
    );
    assert_eq!(feed_transcript(&project), None);
    assert!(!session_page(&project).contains(LABEL));
}

#[test]
fn a_transcript_a_person_wrote_in_transcripts_is_never_replaced() {
    let project = without_sidecar();
    let by_hand = "WEBVTT\n\n00:00.000 --> 00:02.000\nRelu par l'équipe.\n";
    fs::write(project.path(DRAFT), by_hand).unwrap();
    for run in with_and_without_redo(&project) {
        assert!(
            run.stderr.contains(&format!(
                "skipped `{SESSION}`: it already has a transcript, `{DRAFT}`"
            )),
            "{run}"
        );
        assert_eq!(fs::read_to_string(project.path(DRAFT)).unwrap(), by_hand);
    }
    // A draft is skipped too, unless `--redo` asks for it again.
    fs::write(
        project.path(DRAFT),
        draft_text(&[("00:00:00.000", "00:00:01.000", "x")]),
    )
    .unwrap();
    let run = project
        .run_with_env(
            &["transcribe", "--session", SESSION],
            &[("CYCLECAST_MODEL", NO_MODEL)],
        )
        .success();
    assert!(
        run.stderr
            .contains("it already has a draft, `transcripts/02-travail-social-et-administratif.vtt` (`--redo` makes it again)"),
        "{run}"
    );
}

/// A link or a FIFO standing at the draft's path (a checkout's) is in the way: the session
/// is skipped with the reason, what the link leads to is neither read nor written, and
/// nothing waits on the FIFO.
#[test]
fn a_link_or_a_fifo_at_the_drafts_path_is_in_the_way_and_left_alone() {
    let project = without_sidecar();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("secret.vtt");
    let secret = draft_text(&[("00:00:00.000", "00:00:01.000", "secret du voisin")]);
    fs::write(&target, &secret).unwrap();
    fs::create_dir_all(project.path("transcripts")).unwrap();
    std::os::unix::fs::symlink(&target, project.path(DRAFT)).unwrap();
    for run in with_and_without_redo(&project) {
        assert!(
            run.stderr
                .contains(&format!("skipped `{SESSION}`: `{DRAFT}` is in the way")),
            "{run}"
        );
        assert!(!run.stderr.contains("secret"), "{run}");
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), secret);
    assert!(
        fs::symlink_metadata(project.path(DRAFT))
            .unwrap()
            .is_symlink()
    );

    fs::remove_file(project.path(DRAFT)).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(project.path(DRAFT))
        .status()
        .unwrap();
    assert!(fifo.success());
    let run = project.run_bounded(
        &["transcribe", "--session", SESSION],
        std::time::Duration::from_secs(30),
    );
    assert!(
        run.stderr
            .contains(&format!("skipped `{SESSION}`: `{DRAFT}` is in the way")),
        "{run}"
    );
    assert!(
        fs::symlink_metadata(project.path(DRAFT))
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[cfg(feature = "transcribe")]
mod engine {
    //! The tests that run the model.

    use std::fs;
    use std::path::Path;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use super::*;

    /// Whether the default model is installed; under `scripts/test`, whose set-up installs it,
    /// its absence fails the test.
    fn model_installed() -> bool {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
            .expect("HOME");
        let installed = cache
            .join("cyclecast/models/whisper-base/cyclecast-model.json")
            .is_file();
        let required =
            std::env::var(crate::oracle::REQUIRE_VARIABLE).is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            installed || !required,
            "the speech model is not installed: run scripts/install-model"
        );
        installed
    }

    /// The sentences espeak-ng speaks. Its `fr+m1` voice at 120 words a minute is the one
    /// the base model understands best (about 80 % of the words of the first three).
    const SENTENCES: [&str; 4] = [
        "Bonjour à toutes et à tous. Bienvenue à cette rencontre sur la dématérialisation des services publics.",
        "Nous allons parler du travail social. Les allocataires attendent longtemps une réponse de la caisse.",
        "Merci de votre attention.",
        "La prochaine rencontre aura lieu le mois prochain à la bourse du travail.",
    ];

    /// Speaks `sentences` into the WAV master at `path` (48 kHz stereo, as a recorder
    /// makes it), `gap` seconds of silence after each.
    fn speak(path: &Path, sentences: &[&str], gap: f32) {
        let dir = tempfile::tempdir().unwrap();
        let mut parts = Vec::new();
        for (i, sentence) in sentences.iter().enumerate() {
            let part = dir.path().join(format!("{i}.wav"));
            let part = part.to_str().unwrap().to_string();
            crate::harness::tool(
                "espeak-ng",
                &["-v", "fr+m1", "-s", "120", "-w", &part, sentence],
            );
            let padded = dir.path().join(format!("{i}-padded.wav"));
            let padded = padded.to_str().unwrap().to_string();
            crate::harness::tool("sox", &[&part, &padded, "pad", "0", &gap.to_string()]);
            parts.push(padded);
        }
        let mut args: Vec<&str> = parts.iter().map(String::as_str).collect();
        let target = path.to_str().unwrap();
        args.extend([target, "rate", "48000", "channels", "2"]);
        crate::harness::tool("sox", &args);
    }

    fn seconds(path: &Path) -> f64 {
        let out = crate::harness::tool("sox", &["--i", "-D", path.to_str().unwrap()]);
        String::from_utf8_lossy(&out).trim().parse().unwrap()
    }

    /// The words of a text, lowercase, without punctuation.
    fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }

    /// The cues ffmpeg's WebVTT reader finds in `path`, as (start, end) in seconds, and their
    /// text: an independent parser.
    fn ffmpeg_cues(path: &Path) -> (Vec<(f64, f64)>, String) {
        let srt = crate::harness::tool(
            "ffmpeg",
            &[
                "-v",
                "error",
                "-i",
                path.to_str().unwrap(),
                "-f",
                "srt",
                "-",
            ],
        );
        let srt = String::from_utf8(srt).unwrap();
        let time = |t: &str| {
            let (hms, ms) = t.trim().split_once(',').unwrap();
            let parts: Vec<f64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
            parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + ms.parse::<f64>().unwrap() / 1000.0
        };
        let mut cues = Vec::new();
        let mut text = String::new();
        for line in srt.lines() {
            if let Some((start, end)) = line.split_once(" --> ") {
                cues.push((time(start), time(end)));
            } else if !line.trim().is_empty() && line.trim().parse::<u32>().is_err() {
                text.push_str(line);
                text.push(' ');
            }
        }
        (cues, text)
    }

    fn ready() -> bool {
        crate::oracle::require(&["espeak-ng", "sox", "ffmpeg"]) && model_installed()
    }

    #[test]
    fn transcribe_drafts_french_speech_into_valid_webvtt_that_the_page_and_feed_use() {
        if !ready() {
            return;
        }
        let project = without_sidecar();
        let master = project.path("recordings/02-travail-social-et-administratif.wav");
        speak(&master, &SENTENCES[..3], 0.8);
        let run = project
            .run(&["transcribe", "--session", SESSION, "--jobs", "2"])
            .success();
        assert!(run.stderr.contains(&format!("drafted `{DRAFT}`")), "{run}");
        let draft = project.path(DRAFT);
        let text = fs::read_to_string(&draft).unwrap();
        assert!(
            text.starts_with("WEBVTT\n\nNOTE cyclecast draft\n"),
            "{text}"
        );
        let (cues, heard) = ffmpeg_cues(&draft);
        assert!(cues.len() >= 3, "{text}");
        let length = seconds(&master);
        for pair in cues.windows(2) {
            assert!(
                pair[0].1 <= pair[1].0 + 1e-3,
                "cues overlap or are out of order: {text}"
            );
        }
        for (start, end) in &cues {
            assert!(
                0.0 <= *start && start < end && *end <= length + 0.01,
                "{text}"
            );
        }
        for line in text
            .lines()
            .filter(|l| !l.contains("-->") && !l.starts_with("NOTE"))
        {
            assert!(
                line.chars().count() <= 42
                    || line.starts_with("Transcription")
                    || line.starts_with("Automatic"),
                "{line}"
            );
        }
        let known = words(&SENTENCES[..3].join(" "));
        let heard = words(&heard);
        let found = known.iter().filter(|w| heard.contains(w)).count();
        assert!(
            found * 2 >= known.len(),
            "{found} of {} known words came back: {heard:?}",
            known.len()
        );

        // The page and the feed use it, labelled automatic.
        project.publish();
        assert!(session_page(&project).contains(LABEL));
        let published = feed_transcript(&project).expect("the feed names the draft");
        assert_eq!(project.feed_text(&published), text);

        // A second run leaves it, and says why.
        let again = project.run(&["transcribe", "--session", SESSION]).success();
        assert!(again.stderr.contains("it already has a draft"), "{again}");
        assert_eq!(fs::read_to_string(&draft).unwrap(), text);
    }

    /// A `transcripts` folder that is a link (a checkout's, to a folder outside the project):
    /// nothing is written through it, and the session fails with the reason.
    #[test]
    fn transcribe_never_writes_through_a_linked_transcripts_folder() {
        if !ready() {
            return;
        }
        let project = without_sidecar();
        let outside = tempfile::tempdir().unwrap();
        fs::remove_dir_all(project.path("transcripts")).unwrap();
        std::os::unix::fs::symlink(outside.path(), project.path("transcripts")).unwrap();
        let run = project.run(&["transcribe", "--session", SESSION]);
        assert_eq!(run.code, Some(1), "{run}");
        assert!(
            run.stderr
                .contains("transcripts` is a symbolic link: cyclecast never writes through one"),
            "{run}"
        );
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn transcribe_of_silence_writes_a_draft_without_cues_and_warns() {
        if !ready() {
            return;
        }
        let project = without_sidecar();
        let master = project.path("recordings/02-travail-social-et-administratif.wav");
        // 40 s of near silence: room noise at −80 dBFS, on which Whisper invents text.
        crate::harness::tool(
            "sox",
            &[
                "-n",
                "-r",
                "48000",
                "-c",
                "2",
                "-b",
                "16",
                master.to_str().unwrap(),
                "synth",
                "40",
                "whitenoise",
                "vol",
                "0.0001",
            ],
        );
        let run = project.run(&["transcribe", "--session", SESSION]).success();
        assert!(run.stderr.contains("0 cues"), "{run}");
        assert!(run.stderr.contains("no speech was found"), "{run}");
        let text = fs::read_to_string(project.path(DRAFT)).unwrap();
        assert!(!text.contains("-->"), "cues invented on silence:\n{text}");
    }

    #[test]
    fn transcribe_killed_mid_run_resumes_from_its_journal() {
        if !ready() {
            return;
        }
        let project = without_sidecar();
        let master = project.path("recordings/02-travail-social-et-administratif.wav");
        // Long enough for four windows of at most 30 s.
        let long: Vec<&str> = SENTENCES.iter().cycle().take(12).copied().collect();
        speak(&master, &long, 2.5);
        assert!(seconds(&master) > 95.0);
        let journal = project.path(&format!("{DRAFT}.journal"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_cyclecast"))
            .args(["transcribe", "--session", SESSION, "--jobs", "2", "--quiet"])
            .current_dir(project.root())
            .spawn()
            .unwrap();
        // Killed once the first window is in the journal (its header, then one entry).
        let started = Instant::now();
        while fs::read_to_string(&journal).map_or(0, |t| {
            t.lines().filter(|l| l.starts_with("{\"end\"")).count()
        }) < 1
        {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no window was journaled"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "it ended before it was killed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            !project.path(DRAFT).exists(),
            "a draft was written before the end"
        );
        let kept = fs::read_to_string(&journal).unwrap();
        let run = project
            .run(&["transcribe", "--session", SESSION, "--jobs", "2"])
            .success();
        assert!(
            run.stderr.contains("resumed at 0:"),
            "the second run did not resume: {run}\njournal:\n{kept}"
        );
        assert!(!journal.exists(), "the journal is left behind");
        let (cues, heard) = ffmpeg_cues(&project.path(DRAFT));
        // The words of the first window, heard before the kill, are in the draft.
        assert!(cues[0].0 < 5.0, "{cues:?}");
        let known = words(&long.join(" "));
        let heard = words(&heard);
        let found = known.iter().filter(|w| heard.contains(w)).count();
        assert!(
            found * 2 >= known.len(),
            "{found} of {}: {heard:?}",
            known.len()
        );
        assert!(cues.last().unwrap().1 > 80.0, "{cues:?}");

        // Resumed on two threads, it is the draft one uninterrupted run on one thread makes.
        let resumed = fs::read(project.path(DRAFT)).unwrap();
        project
            .run(&["transcribe", "--session", SESSION, "--redo", "--jobs", "1"])
            .success();
        assert!(
            fs::read(project.path(DRAFT)).unwrap() == resumed,
            "an uninterrupted run with --jobs 1 made another draft"
        );
    }
}
