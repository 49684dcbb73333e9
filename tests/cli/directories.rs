//! What podcast directories and apps see (issue #3): the feed read by Python's feedparser and
//! gPodder's podcastparser, the JSON chapters held to the Podcasting 2.0 format, the ID3
//! chapters read back by mutagen and the id3 crate, gPodder's own client subscribing over
//! HTTP, and `check` naming each thing a directory would refuse.
//!
//! The Python tools live in a venv that `scripts/test` makes (`CYCLECAST_TEST_PYTHON`).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::harness::{Fill, Project, jpeg, png, source_root};
use crate::serve::Server;

/// The venv's Python, with feedparser, podcastparser, mutagen and jsonschema.
pub fn python() -> PathBuf {
    let path = std::env::var_os("CYCLECAST_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| source_root().join("target/test-venv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: run scripts/test, which makes the test venv",
        path.display()
    );
    path
}

/// Runs one of tests/python/*.py and parses the JSON it prints.
fn python_json(script: &str, args: &[&str]) -> Value {
    let output = Command::new(python())
        .arg(source_root().join("tests/python").join(script))
        .args(args)
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

/// Asserts that every file is valid against a schema of tests/python/ (Draft 2020-12).
#[track_caller]
fn assert_valid_against(schema: &str, files: &[PathBuf]) {
    let schema = source_root().join("tests/python").join(schema);
    let mut args = vec![schema.to_str().unwrap().to_string()];
    args.extend(files.iter().map(|f| f.to_str().unwrap().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let errors = python_json("validate_json.py", &args);
    for (file, found) in errors.as_object().unwrap() {
        assert_eq!(found, &serde_json::json!([]), "{file} breaks the format");
    }
}

/// What tests/python/inspect_feed.py saw in a feed (feedparser and podcastparser).
pub fn inspect_feed(feed: &std::path::Path) -> Value {
    python_json("inspect_feed.py", &[feed.to_str().unwrap()])
}

/// Each session's chapters as the config writes them: stem → (start in ms, title).
fn chapters(project: &Project) -> Vec<(String, Vec<(u64, String)>)> {
    let config: toml::Table = project.config().parse().unwrap();
    let sessions = config["sessions"].as_array().unwrap();
    sessions
        .iter()
        .map(|s| {
            let stem = format!(
                "{:02}-{}",
                s["number"].as_integer().unwrap(),
                s["id"].as_str().unwrap()
            );
            let chapters = s
                .get("chapters")
                .and_then(|c| c.as_array())
                .map(|list| {
                    list.iter()
                        .map(|c| {
                            let start = cyclecast::project::config::parse_timestamp(
                                c["start"].as_str().unwrap(),
                            )
                            .unwrap();
                            (start, c["title"].as_str().unwrap().to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            (stem, chapters)
        })
        .collect()
}

fn published() -> Project {
    let project = Project::copy();
    project.publish();
    project
}

#[test]
fn feedparser_and_podcastparser_read_every_field() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = published();
    let cycle = project.cycle();
    let feed = project.feed().join("feed.xml");
    let seen = python_json("inspect_feed.py", &[feed.to_str().unwrap()]);

    let fp = &seen["feedparser"];
    assert_eq!(
        fp["bozo"], false,
        "feedparser flagged the feed: {}",
        fp["bozo_exception"]
    );
    assert_eq!(fp["title"], cycle.title.as_str());
    assert_eq!(fp["language"], "fr");
    assert_eq!(fp["author"], "Le Mouton Numérique");
    assert_eq!(fp["owner_email"], "contact@mouton-numerique.org");
    assert!(fp["image"].as_str().unwrap().ends_with("/cover.jpg"));
    assert_eq!(
        fp["categories"],
        serde_json::json!(["Society & Culture", "Government", "Technology"])
    );
    let entries = fp["entries"].as_array().unwrap();
    assert_eq!(entries.len(), cycle.sessions.len());
    for entry in entries {
        let title = entry["title"].as_str().unwrap();
        assert!(
            cycle.sessions.iter().any(|s| s.title == title),
            "unknown title {title}"
        );
        assert_eq!(
            entry["guidislink"], false,
            "{title}: the GUID is not a permalink"
        );
        assert!(
            entry["published_parsed"].is_array(),
            "{title}: pubDate parses"
        );
        assert!(
            entry["itunes_duration"]
                .as_str()
                .is_some_and(|d| d.starts_with("0:00:"))
        );
        assert!(entry["itunes_episode"].is_string());
        // The show notes are written once, as HTML in <description> (issue 15, part 6).
        assert_eq!(
            entry["summary_type"], "text/html",
            "{title}: HTML show notes"
        );
        assert!(
            !entry["has_content"].as_bool().unwrap(),
            "{title}: no content:encoded copy"
        );
        let enclosure = &entry["enclosures"][0];
        let url = enclosure["href"].as_str().unwrap();
        let file = project.feed().join(
            url.split("/episodes/")
                .nth(1)
                .map(|f| format!("episodes/{f}"))
                .unwrap(),
        );
        let length: u64 = enclosure["length"].as_str().unwrap().parse().unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().len(), length, "{url}");
    }
    assert_eq!(
        entries[0]["itunes_episodetype"], "bonus",
        "newest first: the bonus session"
    );

    let pp = &seen["podcastparser"];
    assert_eq!(pp["title"], cycle.title.as_str());
    assert_eq!(pp["type"], "episodic");
    let episodes = pp["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), cycle.sessions.len());
    for episode in episodes {
        assert!(episode["total_time"].as_u64().unwrap() >= 20, "{episode}");
        assert_eq!(episode["enclosures"].as_array().unwrap().len(), 1);
        assert!(episode["number"].as_u64().is_some());
        // gPodder shows the show notes as HTML, read from <description>.
        assert!(
            episode["description_html"]
                .as_str()
                .unwrap()
                .contains("<p>"),
            "{episode}"
        );
    }
}

#[test]
fn json_chapters_follow_the_podcasting_2_0_format_and_the_config() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = published();
    let dir = project.feed().join("chapters");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    let expected = chapters(&project);
    let with_chapters: Vec<&(String, Vec<(u64, String)>)> =
        expected.iter().filter(|(_, c)| !c.is_empty()).collect();
    assert!(!with_chapters.is_empty(), "the real cycle carries chapters");
    assert_eq!(files.len(), with_chapters.len());
    assert_valid_against("chapters.schema.json", &files);
    for (stem, chapters) in with_chapters {
        let json: Value =
            serde_json::from_str(&project.feed_text(&format!("chapters/{stem}.json"))).unwrap();
        let seen: Vec<(u64, String)> = json["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    (c["startTime"].as_f64().unwrap() * 1000.0).round() as u64,
                    c["title"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(&seen, chapters, "{stem}");
    }
}

#[test]
fn id3_chapters_read_back_the_same_with_mutagen_and_the_id3_crate() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = published();
    let mp3s: Vec<(String, Vec<(u64, String)>)> = chapters(&project)
        .into_iter()
        .filter(|(stem, c)| {
            !c.is_empty() && project.feed().join(format!("episodes/{stem}.mp3")).exists()
        })
        .collect();
    assert!(
        !mp3s.is_empty(),
        "the real cycle has MP3 episodes with chapters"
    );
    for (stem, expected) in mp3s {
        let file = project.feed().join(format!("episodes/{stem}.mp3"));
        let seen = python_json("read_id3_chapters.py", &[file.to_str().unwrap()]);
        let entry = &seen[file.to_str().unwrap()];
        assert_eq!(entry["toc_top_level"], true);
        assert_eq!(entry["toc_ordered"], true);
        let mutagen: Vec<(u64, String)> = entry["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["start_ms"].as_u64().unwrap(),
                    c["title"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let tag = id3::Tag::read_from_path(&file).unwrap();
        let from_id3: Vec<(u64, String)> = tag
            .chapters()
            .map(|c| {
                let title = c
                    .frames
                    .iter()
                    .find(|f| f.id() == "TIT2")
                    .and_then(|f| f.content().text())
                    .unwrap_or_default();
                (u64::from(c.start_time), title.to_string())
            })
            .collect();
        assert_eq!(mutagen, expected, "mutagen, {stem}");
        assert_eq!(from_id3, expected, "id3, {stem}");
        let ends: Vec<u64> = entry["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["end_ms"].as_u64().unwrap())
            .collect();
        assert!(
            ends.windows(2).all(|w| w[0] <= w[1]),
            "chapters end in order: {ends:?}"
        );
    }
}

#[test]
fn gpodder_subscribes_over_http_and_downloads_every_episode_whole() {
    if !crate::oracle::require(&["gpo"]) {
        return;
    }
    let project = Project::copy();
    let server = Server::start(&project, &[]);
    let gpodder = Gpodder::in_project(&project);
    gpodder.run(&["subscribe", &server.at("feed.xml")]);
    let report = gpodder.run(&["download"]);
    assert!(report.contains("5 episodes downloaded"), "{report}");

    let feed = crate::harness::http_get(server.at("feed.xml"))
        .unwrap()
        .text()
        .unwrap();
    let parsed = feed_rs::parser::parse(feed.as_bytes()).unwrap();
    let mut downloaded: Vec<PathBuf> = walk(&gpodder.downloads);
    downloaded.sort();
    assert_eq!(downloaded.len(), parsed.entries.len(), "{downloaded:?}");
    for entry in &parsed.entries {
        let content = &entry.media[0].content[0];
        let name = content
            .url
            .as_ref()
            .unwrap()
            .path()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let file = downloaded
            .iter()
            .find(|p| p.file_name().unwrap().to_str() == Some(name.as_str()));
        let file =
            file.unwrap_or_else(|| panic!("gPodder did not download {name}: {downloaded:?}"));
        assert_eq!(
            std::fs::metadata(file).unwrap().len(),
            content.size.unwrap(),
            "{name}"
        );
    }
}

/// gPodder's command-line client `gpo`, its home and download folders in a project.
pub(crate) struct Gpodder {
    gpo: PathBuf,
    home: PathBuf,
    /// Where it puts the episodes it downloads.
    pub(crate) downloads: PathBuf,
}

impl Gpodder {
    /// `gpo` (the caller checked it is there), living in `project`'s `gpodder-home/`.
    pub(crate) fn in_project(project: &Project) -> Gpodder {
        Gpodder {
            gpo: crate::oracle::path("gpo").expect("gpo was required"),
            home: project.path("gpodder-home"),
            downloads: project.path("gpodder-downloads"),
        }
    }

    /// Runs `gpo` with `args`, requires success, and returns what it printed.
    pub(crate) fn run(&self, args: &[&str]) -> String {
        let output = Command::new(&self.gpo)
            .args(args)
            .env("GPODDER_HOME", &self.home)
            .env("GPODDER_DOWNLOAD_DIR", &self.downloads)
            .output()
            .expect("run gpo");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "gpo {args:?} failed:\n{text}");
        text
    }
}

/// Every file under `dir`, in its subfolders too.
pub(crate) fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Writes an image into the project (made by the harness's `jpeg` and `png`).
fn put(project: &Project, name: &str, bytes: &[u8]) {
    std::fs::write(project.path(name), bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
}

/// The colour of the test covers.
const BLUE: Fill = Fill::Rgb([0x22, 0x44, 0x55]);

/// `check` refuses the project with `expected` in one of its lines (exit 1), and `publish`
/// refuses it too (exit 2) without creating `feed/`.
fn assert_refused(project: &Project, expected: &str) {
    let check = project.run(&["check"]).failure(1);
    assert!(
        check.error_lines().iter().any(|l| l.contains(expected)),
        "expected `{expected}` in:\n{check}"
    );
    let publish = project.run(&["publish"]).failure(2);
    assert!(
        publish.error_lines().iter().any(|l| l.contains(expected)),
        "expected `{expected}` in:\n{publish}"
    );
    assert!(!project.feed().exists(), "nothing may be written");
}

#[test]
fn check_refuses_a_cover_too_small() {
    let project = Project::copy();
    put(&project, "cover.jpg", &jpeg(1000, 1000, BLUE));
    assert_refused(
        &project,
        "cover.jpg: error: the image is 1000×1000 pixels: directories want 1400×1400 to 3000×3000",
    );
}

#[test]
fn check_refuses_a_cover_that_is_not_square() {
    let project = Project::copy();
    put(&project, "cover.jpg", &jpeg(1600, 1400, BLUE));
    assert_refused(
        &project,
        "cover.jpg: error: the image is 1600×1400 pixels: it must be square",
    );
}

#[test]
fn check_refuses_a_cmyk_cover() {
    let project = Project::copy();
    put(
        &project,
        "cover.jpg",
        &jpeg(1400, 1400, Fill::Cmyk([0x9a, 0x4d, 0x22, 0xaa])),
    );
    assert_refused(
        &project,
        "cover.jpg: error: the image is CMYK: directories want RGB",
    );
}

#[test]
fn check_refuses_a_cover_with_alpha() {
    let project = Project::copy();
    put(
        &project,
        "cover.png",
        &png(1400, 1400, Fill::Rgba([20, 40, 60, 128])),
    );
    project.replace_in_config("cover = \"cover.jpg\"", "cover = \"cover.png\"");
    assert_refused(&project, "cover.png: error: the image has an alpha channel");
}

#[test]
fn check_refuses_a_cover_whose_extension_lies() {
    let project = Project::copy();
    put(&project, "cover.jpg", &png(1400, 1400, BLUE));
    assert_refused(
        &project,
        "cover.jpg: error: the file is named `.jpg` but holds a PNG image",
    );
}

#[test]
fn check_refuses_a_category_apple_does_not_list() {
    let project = Project::copy();
    project.replace_in_config("\"Government\"", "\"Politics\"");
    let (line, col) = crate::harness::position(&project.config(), "\"Politics\"");
    assert_refused(
        &project,
        &format!("config.toml:{line}:{col}: error: `Politics` is not an Apple Podcasts category"),
    );
}

#[test]
fn check_refuses_a_chapter_past_the_end() {
    let project = Project::copy();
    let config = project.config();
    let first_chapter = config
        .find("[[sessions.chapters]]")
        .expect("the real cycle has chapters");
    let late = "[[sessions.chapters]]\nstart = \"0:00\"\ntitle = \"Début\"\n\n[[sessions.chapters]]\nstart = \"9:59\"\ntitle = \"Trop tard\"\n\n";
    // Replace the first session's chapters with two, the second after the recording's end.
    let next_session = config[first_chapter..]
        .find("[[sessions]]")
        .map_or(config.len(), |i| first_chapter + i);
    let edited = format!(
        "{}{late}{}",
        &config[..first_chapter],
        &config[next_session..]
    );
    project.write_config(&edited);
    let line = crate::harness::position(&edited, "start = \"9:59\"").0 - 1;
    assert_refused(
        &project,
        &format!(
            "config.toml:{line}:1: error: chapter `Trop tard` starts at 0:09:59 but the recording lasts"
        ),
    );
}

#[test]
fn check_refuses_a_transcript_that_does_not_parse() {
    let project = Project::copy();
    let recording = project.cycle().sessions[0].recording.clone().unwrap();
    let vtt = recording.rsplit_once('.').unwrap().0.to_string() + ".vtt";
    std::fs::write(
        project.path(&vtt),
        "WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nÀ rebours\n",
    )
    .unwrap();
    assert_refused(
        &project,
        &format!("{vtt}:3:1: error: not a valid transcript: a cue must end after it starts"),
    );
}

// Issue 11: a cue end too large for any clock was published as another time.
#[test]
fn check_refuses_a_cue_time_too_large_to_hold_at_its_line() {
    let project = Project::copy();
    let recording = project.cycle().sessions[0].recording.clone().unwrap();
    let vtt = recording.rsplit_once('.').unwrap().0.to_string() + ".vtt";
    std::fs::write(
        project.path(&vtt),
        "WEBVTT\n\n00:00:01.000 --> 18446744073709551:00:00.000\nTrop loin\n",
    )
    .unwrap();
    assert_refused(
        &project,
        &format!(
            "{vtt}:3:1: error: not a valid transcript: `00:00:01.000 --> 18446744073709551:00:00.000` is too large: a cue time must be under 10000 hours"
        ),
    );
}

#[test]
fn check_refuses_an_owner_without_email() {
    let project = Project::copy();
    project.replace_in_config("email = \"contact@mouton-numerique.org\"", "email = \"\"");
    let (line, col) = crate::harness::position(&project.config(), "email = \"\"");
    let col = col + "email = ".len();
    assert_refused(
        &project,
        &format!("config.toml:{line}:{col}: error: `` is not an email address"),
    );
}

#[test]
fn check_refuses_two_sessions_whose_slugs_collide() {
    let project = Project::copy();
    let cycle = project.cycle();
    let (first, second) = (&cycle.sessions[0].id, &cycle.sessions[1].id);
    project.replace_in_config(&format!("id = \"{second}\""), &format!("id = \"{first}\""));
    assert_refused(
        &project,
        &format!("error: session id `{first}` is already used on line"),
    );
}

/// The start and end (ms) and speaker of each cue of a WebVTT file as cyclecast writes it.
fn vtt_cues(vtt: &str) -> Vec<(u64, u64, Option<String>)> {
    let ms = |stamp: &str| -> u64 {
        let (clock, millis) = stamp.trim().split_once('.').unwrap();
        let seconds = clock.split(':').fold(0u64, |total, part| {
            total * 60 + part.parse::<u64>().unwrap()
        });
        seconds * 1000 + millis.parse::<u64>().unwrap()
    };
    let lines: Vec<&str> = vtt.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let (start, end) = line.split_once(" --> ")?;
            let speaker = lines
                .get(i + 1)
                .and_then(|text| text.strip_prefix("<v "))
                .and_then(|rest| rest.split_once('>'))
                .map(|(name, _)| name.to_string());
            Some((ms(start), ms(end), speaker))
        })
        .collect()
}

/// Each transcript is also published as a Podcast Index JSON transcript, valid against a
/// schema written from the specification, with the WebVTT's timings and speakers, and listed
/// first among the episode's transcripts (JSON, WebVTT, SubRip: the order apps prefer).
#[test]
fn json_transcripts_follow_the_podcast_index_format_with_the_vtt_timings() {
    if !crate::oracle::require(&[crate::oracle::PYTHON]) {
        return;
    }
    let project = Project::copy();
    // The real transcripts name no speaker: session 1's gets voices, two people in turn.
    let vtt_1 = project.path("recordings/01-non-recours-aux-droits.vtt");
    let mut turn = 0;
    let voiced: Vec<String> = std::fs::read_to_string(&vtt_1)
        .unwrap()
        .lines()
        .scan(false, |after_timing, line| {
            let voiced = if *after_timing {
                turn += 1;
                let name = if turn % 2 == 0 {
                    "Claire Martin"
                } else {
                    "Ali Benali"
                };
                format!("<v {name}>{line}")
            } else {
                line.to_string()
            };
            *after_timing = line.contains(" --> ");
            Some(voiced)
        })
        .collect();
    std::fs::write(&vtt_1, voiced.join("\n") + "\n").unwrap();
    project.publish();
    let mut jsons: Vec<PathBuf> = std::fs::read_dir(project.feed().join("transcripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    jsons.sort();
    assert!(!jsons.is_empty(), "the real cycle has transcripts");
    assert_valid_against("transcript.schema.json", &jsons);
    let mut speakers = 0;
    for json_path in &jsons {
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap();
        let segments: Vec<(u64, u64, Option<String>)> = json["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let ms = |key: &str| (s[key].as_f64().unwrap() * 1000.0).round() as u64;
                let speaker = s["speaker"].as_str().map(str::to_string);
                (ms("startTime"), ms("endTime"), speaker)
            })
            .collect();
        let vtt = std::fs::read_to_string(json_path.with_extension("vtt")).unwrap();
        assert_eq!(segments, vtt_cues(&vtt), "{}", json_path.display());
        speakers += segments.iter().filter(|s| s.2.is_some()).count();
    }
    assert!(speakers > 0, "session 1's segments name their speakers");

    let feed = project.feed_text("feed.xml");
    let mut listed = 0;
    for item in crate::harness::elements(&feed, "item") {
        let transcripts = crate::harness::elements(item, "podcast:transcript");
        if transcripts.is_empty() {
            continue;
        }
        let types: Vec<String> = transcripts
            .iter()
            .map(|t| crate::harness::attribute(t, "type").unwrap())
            .collect();
        assert_eq!(
            types,
            ["application/json", "text/vtt", "application/x-subrip"]
        );
        let json_url = crate::harness::attribute(transcripts[0], "url").unwrap();
        assert!(json_url.ends_with(".json") && json_url.contains("/transcripts/"));
        listed += 1;
    }
    assert_eq!(listed, jsons.len());
}
