//! Incremental publishing: a publish redoes only what changed since the last one, and the
//! state it keeps in the project's `.cyclecast/state/` is a cache that can be lost or damaged
//! without harm.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::harness::{Project, Run, attribute, elements, items, mtimes, snapshot};

/// The state the last publish into `feed/` left: the one file of `.cyclecast/state/`.
pub fn state_file(project: &Project) -> PathBuf {
    let folder = project.path(".cyclecast/state");
    let files: Vec<PathBuf> = fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|entry| entry.expect("read an entry").path())
        .collect();
    match files.as_slice() {
        [file] => file.clone(),
        _ => panic!("expected one state in {}: {files:?}", folder.display()),
    }
}

/// A file's modification time.
fn modified(path: &std::path::Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files a `publish --json` wrote.
fn written(run: &Run) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("publish --json prints JSON: {e}\n{run}"));
    report["written"]
        .as_array()
        .expect("a `written` list")
        .iter()
        .map(|f| f.as_str().expect("a path").to_string())
        .collect()
}

fn publish_json(project: &Project, extra: &[&str]) -> Run {
    let mut args = vec!["publish", "--json"];
    args.extend(extra);
    project.run(&args).success()
}

/// Each item's GUID, in feed order.
fn guids(project: &Project) -> Vec<String> {
    let xml = project.feed_text("feed.xml");
    items(&xml)
        .into_iter()
        .map(|item| crate::harness::element_text(item, "guid"))
        .collect()
}

/// Sets every file's modification time an hour back, so that a rewrite shows.
fn age(project: &Project) -> SystemTime {
    let old = SystemTime::now() - Duration::from_secs(3600);
    for file in snapshot(&project.feed()).keys() {
        fs::File::options()
            .write(true)
            .open(project.feed().join(file))
            .and_then(|f| f.set_modified(old))
            .expect("set a modification time");
    }
    old
}

#[test]
fn a_second_publish_writes_no_file_not_even_its_state() {
    let project = Project::copy();
    project.publish();
    // Let the clock move on: a rewrite would show as a new time even on a coarse clock.
    std::thread::sleep(Duration::from_millis(20));
    let before = mtimes(&project.feed());
    let state = state_file(&project);
    let state_before = modified(&state);
    let run = publish_json(&project, &[]);
    assert_eq!(written(&run), Vec::<String>::new(), "{run}");
    assert_eq!(
        mtimes(&project.feed()),
        before,
        "a file of feed/ was rewritten"
    );
    assert_eq!(modified(&state), state_before, "the state was rewritten");
}

#[test]
fn a_new_title_retags_only_its_episode_and_keeps_every_guid() {
    let project = Project::copy();
    project.publish();
    let guids_before = guids(&project);
    let cycle = project.cycle();
    let session = cycle.session(2);
    project.replace_in_config(
        &format!("title = \"{}\"", session.title),
        "title = \"Un titre corrigé\"",
    );

    let run = publish_json(&project, &[]);
    let written = written(&run);
    let episodes: Vec<&String> = written
        .iter()
        .filter(|f| f.starts_with("episodes/"))
        .collect();
    assert_eq!(
        episodes,
        [&format!("episodes/{}.mp3", session.stem())],
        "only the renamed session's episode is re-tagged\n{run}"
    );
    assert!(written.contains(&"feed.xml".to_string()), "{written:?}");
    assert_eq!(guids(&project), guids_before, "GUIDs moved");
    let xml = project.feed_text("feed.xml");
    assert!(
        xml.contains("Un titre corrigé"),
        "the feed has the new title"
    );
}

#[test]
fn a_replaced_recording_is_probed_again_and_a_touched_one_is_not_rewritten() {
    let project = Project::copy();
    project.publish();
    let cycle = project.cycle();
    let (first, third) = (cycle.session(1), cycle.session(3));
    let recording = |n: u32| {
        let relative = cycle.session(n).recording.as_deref();
        project.path(relative.expect("the session has a recording"))
    };

    // Same bytes, new modification time: hashed again, found unchanged.
    let bytes = fs::read(recording(1)).unwrap();
    fs::write(recording(1), &bytes).unwrap();
    assert_eq!(written(&publish_json(&project, &[])), Vec::<String>::new());

    // Another recording's bytes in place of the third: a new duration, the same GUID.
    let guids_before = guids(&project);
    fs::copy(recording(1), recording(3)).unwrap();
    let run = publish_json(&project, &[]);
    let written = written(&run);
    assert!(
        written.contains(&format!("episodes/{}.mp3", third.stem())),
        "{run}"
    );
    assert!(
        !written.contains(&format!("episodes/{}.mp3", first.stem())),
        "{run}"
    );
    assert_eq!(guids(&project), guids_before);
    let xml = project.feed_text("feed.xml");
    let lengths: Vec<String> = elements(&xml, "enclosure")
        .into_iter()
        .filter_map(|e| attribute(e, "length"))
        .collect();
    let published = |stem: &str| {
        fs::metadata(project.feed().join(format!("episodes/{stem}.mp3")))
            .unwrap()
            .len()
            .to_string()
    };
    assert!(lengths.contains(&published(&third.stem())), "{lengths:?}");
}

#[test]
fn a_lost_or_damaged_state_only_costs_time() {
    let project = Project::copy();
    project.publish();
    let old = age(&project);
    let state = state_file(&project);
    fs::write(&state, "{ damaged").unwrap();
    let run = publish_json(&project, &[]);
    assert_eq!(written(&run), Vec::<String>::new(), "{run}");
    for (file, modified) in mtimes(&project.feed()) {
        assert_eq!(modified, old, "feed/{file} was rewritten");
    }
    assert_ne!(fs::read_to_string(&state).unwrap(), "{ damaged");
    fs::remove_file(&state).unwrap();
    assert_eq!(written(&publish_json(&project, &[])), Vec::<String>::new());
    assert_eq!(state_file(&project), state, "the state is made again");
}

#[test]
fn a_published_file_removed_from_feed_is_made_again() {
    let project = Project::copy();
    project.publish();
    let stem = project.cycle().session(4).stem();
    let episode = snapshot(&project.feed())
        .into_keys()
        .find(|f| f.starts_with(&format!("episodes/{stem}.")))
        .expect("session 4 has an episode");
    let whole = fs::read(project.feed().join(&episode)).unwrap();
    fs::remove_file(project.feed().join(&episode)).unwrap();
    let run = publish_json(&project, &[]);
    assert_eq!(written(&run), std::slice::from_ref(&episode), "{run}");
    assert_eq!(fs::read(project.feed().join(&episode)).unwrap(), whole);
}

#[test]
fn one_job_or_many_give_the_same_bytes() {
    let (one, many) = (Project::copy(), Project::copy());
    publish_json(&one, &["--jobs", "1"]);
    publish_json(&many, &["--jobs", "8"]);
    let (a, b) = (snapshot(&one.feed()), snapshot(&many.feed()));
    crate::harness::assert_same_files(&a, &b, "feed/ with --jobs 8");
    let refused = one.run(&["publish", "--jobs", "0"]).failure(2);
    assert!(refused.stderr.contains("--jobs"), "{refused}");
}

#[test]
fn pages_follow_every_file_they_are_made_from_not_only_the_config() {
    let project = Project::copy();
    project.publish();
    let stem = |n: u32| project.cycle().session(n).stem();

    // A report is read into its session's page.
    let report = project.path("reports/01-non-recours-aux-droits.md");
    let mut text = fs::read_to_string(&report).unwrap();
    text.push_str("\nUn paragraphe ajouté après coup.\n");
    fs::write(&report, text).unwrap();
    let after_report = written(&publish_json(&project, &[]));
    assert!(
        after_report.contains(&format!("sessions/{}.html", stem(1))),
        "{after_report:?}"
    );
    assert!(
        project
            .feed_text(&format!("sessions/{}.html", stem(1)))
            .contains("Un paragraphe ajouté après coup.")
    );

    // A transcript found beside its recording, named nowhere in the config.
    let transcript = project.path("recordings/02-travail-social-et-administratif.vtt");
    let text = fs::read_to_string(&transcript).unwrap();
    let first_cue_text = text
        .lines()
        .skip_while(|l| !l.contains("-->"))
        .nth(1)
        .unwrap()
        .to_string();
    fs::write(
        &transcript,
        text.replacen(&first_cue_text, "Une phrase corrigée.", 1),
    )
    .unwrap();
    let after_transcript = written(&publish_json(&project, &[]));
    assert!(
        after_transcript.contains(&format!("transcripts/{}.vtt", stem(2))),
        "{after_transcript:?}"
    );
    assert!(
        project
            .feed_text(&format!("transcripts/{}.vtt", stem(2)))
            .contains("Une phrase corrigée.")
    );

    // The day: a session announced for May 2023 is upcoming when seen from January.
    let mut config = project.config();
    config.push_str(concat!(
        "\n[[sessions]]\nid = \"a-venir\"\nnumber = 6\ndate = \"2023-05-04\"\n",
        "title = \"Une rencontre à venir\"\ndescription = \"Bientôt.\"\n"
    ));
    project.write_config(&config);
    publish_json(&project, &[]);
    let january = "1675000000"; // 29 January 2023
    let run = project.run_with_env(&["publish", "--json"], &[("SOURCE_DATE_EPOCH", january)]);
    assert!(
        written_of(&run).contains(&"index.html".to_string()),
        "{run}"
    );
}

/// The files a successful `publish --json` wrote.
fn written_of(run: &Run) -> Vec<String> {
    assert_eq!(run.code, Some(0), "{run}");
    written(run)
}
