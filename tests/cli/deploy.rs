//! `cyclecast deploy` (issue 14, items 1 and 4): the published folder to a real S3 server
//! (moto's, from PyPI, started by each test on 127.0.0.1) or to a folder; only what changed
//! is sent; each object carries its type and cache policy; a store that refuses is one
//! clear line; a WebSub hub on 127.0.0.1 is told of the new feed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Project, snapshot};

/// moto's S3 server, on a free port of 127.0.0.1; stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    /// Starts the server from the test venv and waits until it answers (`None`: no venv).
    fn start() -> Option<Moto> {
        if !crate::oracle::require(&[crate::oracle::PYTHON]) {
            return None;
        }
        let python = crate::oracle::path(crate::oracle::PYTHON).expect("required above");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto's server");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto's server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Makes a bucket that anyone may read, by the bucket policy README gives for AWS (moto
    /// checks no signature; it does refuse an anonymous read that no policy allows). Moto
    /// also asks for `s3:HeadObject` before it answers a `HEAD`, an action AWS does not have
    /// (S3 answers a `HEAD` to whoever may `s3:GetObject`): the policy names both here.
    fn bucket(&self, name: &str) {
        let client = crate::harness::http().build().unwrap();
        let response = client.put(format!("{}/{name}", self.url)).send().unwrap();
        assert!(response.status().is_success(), "{response:?}");
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PublicReadOfThePodcast",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:HeadObject"],
                "Resource": format!("arn:aws:s3:::{name}/*"),
            }],
        });
        let response = client
            .put(format!("{}/{name}?policy", self.url))
            .body(policy.to_string())
            .send()
            .unwrap();
        assert!(response.status().is_success(), "{response:?}");
    }

    /// The environment a deploy to this server needs.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "test-key".to_string()),
            (
                "AWS_SECRET_ACCESS_KEY",
                "test-secret-never-printed".to_string(),
            ),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ENDPOINT_URL", self.url.clone()),
        ]
    }

    /// An object: its status, `Content-Type`, `Cache-Control` and bytes.
    fn get(&self, bucket: &str, key: &str) -> (u16, String, String, Vec<u8>) {
        let response = crate::harness::http_get(format!("{}/{bucket}/{key}", self.url)).unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let (content_type, cache) = (header("content-type"), header("cache-control"));
        let status = response.status().as_u16();
        (
            status,
            content_type,
            cache,
            response.bytes().unwrap().to_vec(),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `deploy` with `args` against `moto`, and requires success.
fn deploy(project: &Project, moto: &Moto, args: &[&str]) -> crate::harness::Run {
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut all = vec!["deploy"];
    all.extend_from_slice(args);
    project.run_with_env(&all, &env)
}

/// The paths a `deploy --json` run says it uploaded.
fn uploaded(run: &crate::harness::Run) -> Vec<String> {
    let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{run}"));
    json["uploaded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// What each published file must be served as, by extension (the table `serve` uses).
fn expected_type(path: &str) -> &'static str {
    match path.rsplit_once('.').unwrap().1 {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "opus" | "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "xml" => "application/rss+xml; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "json" => "application/json",
        "vtt" => "text/vtt",
        "srt" => "application/x-subrip",
        "ics" => "text/calendar; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        other => panic!("unexpected published extension {other}"),
    }
}

fn is_feed_or_page(path: &str) -> bool {
    [".xml", ".ics", ".html", ".css"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// The sample cycle, published as it is (no renditions: fast).
fn published() -> Project {
    let project = Project::copy();
    project.publish_masters_as_they_are();
    project.publish();
    project
}

#[test]
fn deploys_every_file_with_its_headers_then_only_what_changed() {
    let Some(moto) = Moto::start() else { return };
    moto.bucket("podcasts");
    let project = published();
    let first = deploy(&project, &moto, &["--to", "s3://podcasts/cycle", "--json"]).success();
    assert!(!first.stderr.contains("test-secret"), "{first}");
    let files = snapshot(&project.feed());
    let mut sent = uploaded(&first);
    sent.sort();
    assert_eq!(sent, files.keys().cloned().collect::<Vec<_>>());
    for (path, bytes) in &files {
        let (status, content_type, cache, body) = moto.get("podcasts", &format!("cycle/{path}"));
        assert_eq!(status, 200, "{path}");
        assert!(&body == bytes, "{path}: the object differs from the file");
        assert_eq!(content_type, expected_type(path), "{path}");
        if is_feed_or_page(path) {
            assert_eq!(cache, "public, max-age=300", "{path}");
        } else {
            assert_eq!(cache, "public, max-age=86400, must-revalidate", "{path}");
        }
    }
    // Feeds went up last: every media file before any page, every page before any feed.
    let order = uploaded(&first);
    let last_media = order.iter().rposition(|p| !is_feed_or_page(p)).unwrap();
    let first_feed = order.iter().position(|p| p.ends_with(".xml")).unwrap();
    assert!(last_media < first_feed, "{order:?}");

    let again = deploy(&project, &moto, &["--to", "s3://podcasts/cycle", "--json"]).success();
    assert_eq!(uploaded(&again), Vec::<String>::new(), "{again}");

    let cycle = project.cycle();
    let session = cycle.session(2);
    project.replace_in_config(
        &format!("title = \"{}\"", session.title),
        "title = \"Un titre changé\"",
    );
    project.publish();
    let changed = deploy(&project, &moto, &["--to", "s3://podcasts/cycle", "--json"]).success();
    let changed = uploaded(&changed);
    let stem = session.stem();
    assert!(
        changed.contains(&format!("episodes/{stem}.mp3"))
            || changed
                .iter()
                .any(|p| p.starts_with("episodes/") && p.contains(&stem)),
        "the session's episode, re-tagged, is sent again: {changed:?}"
    );
    for path in &changed {
        assert!(
            is_feed_or_page(path) || path.contains(&stem),
            "only the session's files, the pages and the feeds are sent again, not {path}"
        );
    }
    assert!(changed.contains(&"feed.xml".to_string()), "{changed:?}");
}

#[test]
fn a_dry_run_lists_what_would_change_and_sends_nothing() {
    let Some(moto) = Moto::start() else { return };
    moto.bucket("podcasts");
    let project = published();
    let run = deploy(&project, &moto, &["--to", "s3://podcasts", "--dry-run"]).success();
    assert!(run.stderr.contains("would upload feed.xml"), "{run}");
    assert_eq!(moto.get("podcasts", "feed.xml").0, 404);
}

/// `config` without the `[[sessions]]` table holding the line `marker`, nor its sub-tables
/// (`[[sessions.speakers]]`…): up to the next table of another kind, or the end.
fn without_session(config: &str, marker: &str) -> String {
    let at = config.find(marker).expect("the session's line");
    let start = config[..at].rfind("[[sessions]]").unwrap();
    let end = config[at..]
        .match_indices("\n[")
        .map(|(e, _)| at + e + 1)
        .find(|&e| !config[e..].starts_with("[[sessions."))
        .unwrap_or(config.len());
    format!("{}{}", &config[..start], &config[end..])
}

#[test]
fn removes_what_the_feed_no_longer_names_only_after_the_feeds() {
    let Some(moto) = Moto::start() else { return };
    moto.bucket("podcasts");
    let project = published();
    deploy(&project, &moto, &["--to", "s3://podcasts"]).success();
    // A foreign object in the bucket is not cyclecast's: never removed.
    let foreign = crate::harness::http()
        .build()
        .unwrap()
        .put(format!("{}/podcasts/robots.txt", moto.url))
        .body("User-agent: *")
        .send()
        .unwrap();
    assert!(foreign.status().is_success(), "{foreign:?}");
    let cycle = project.cycle();
    let session = cycle.session(2);
    let stem = session.stem();
    project.write_config(&without_session(
        &project.config(),
        &format!("id = \"{}\"", session.id),
    ));
    project.publish();
    let run = deploy(&project, &moto, &["--to", "s3://podcasts", "--json"]).success();
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let removed: Vec<&str> = json["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(removed.iter().all(|p| p.contains(&stem)), "{removed:?}");
    assert!(!removed.is_empty());
    for path in removed {
        assert_eq!(moto.get("podcasts", path).0, 404, "{path}");
    }
    assert_eq!(moto.get("podcasts", "robots.txt").0, 200);
}

#[test]
fn a_missing_bucket_is_one_line_naming_the_store_and_the_object() {
    let Some(moto) = Moto::start() else { return };
    let project = published();
    let run = deploy(&project, &moto, &["--to", "s3://no-such-bucket/cycle"]).failure(2);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{run}");
    assert!(errors[0].contains("s3://no-such-bucket/cycle"), "{run}");
    assert!(!run.stderr.contains("test-secret"), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
}

#[test]
fn deploys_to_a_folder_as_publish_writes_one() {
    let project = published();
    let www = project.path("www");
    let run = project.run(&["deploy", "--to", "www", "--json"]).success();
    assert!(!uploaded(&run).is_empty());
    assert_eq!(snapshot(&www), snapshot(&project.feed()));
    let again = project.run(&["deploy", "--to", "www", "--json"]).success();
    assert_eq!(uploaded(&again), Vec::<String>::new(), "{again}");

    // Never through a symbolic link.
    std::fs::create_dir(project.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink("elsewhere", project.path("link")).unwrap();
    let run = project.run(&["deploy", "--to", "link"]).failure(2);
    assert!(run.stderr.contains("symbolic link"), "{run}");
    assert_eq!(snapshot(&project.path("elsewhere")), BTreeMap::new());

    // A folder holding files cyclecast did not write is refused, and left as it is.
    std::fs::create_dir(project.path("site")).unwrap();
    std::fs::write(project.path("site/index.html"), "theirs").unwrap();
    let run = project.run(&["deploy", "--to", "site"]).failure(2);
    assert!(run.stderr.contains("site"), "{run}");
    assert_eq!(
        std::fs::read_to_string(project.path("site/index.html")).unwrap(),
        "theirs"
    );
}

#[test]
fn refuses_a_published_folder_holding_a_link() {
    let project = published();
    std::os::unix::fs::symlink("../config.toml", project.feed().join("leak.xml")).unwrap();
    let run = project.run(&["deploy", "--to", "www"]).failure(2);
    assert!(run.stderr.contains("leak.xml"), "{run}");
    assert!(!project.path("www").exists());
}

/// A WebSub hub on 127.0.0.1 that records the body of each POST it gets.
fn hub() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hub", listener.local_addr().unwrap());
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = sender.send(String::from_utf8_lossy(&body).into_owned());
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    (url, received)
}

#[test]
fn tells_a_websub_hub_of_the_deployed_feed_unless_it_is_private() {
    let (hub_url, received) = hub();
    let project = Project::copy();
    project.publish_masters_as_they_are();
    project.write_config(&format!(
        "{}\n[deploy]\nto = \"www\"\nnotify = [\"{hub_url}\"]\n",
        project.config()
    ));
    project.publish();
    let feed = project.feed_text("feed.xml");
    assert!(
        feed.contains(&format!("<atom:link href=\"{hub_url}\" rel=\"hub\">")),
        "the feed names its hub"
    );
    project.run(&["deploy"]).success();
    let body = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the hub was told");
    let feed_url = format!("{}feed.xml", project.cycle().base_url);
    let expected: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "publish")
        .append_pair("hub.url", &feed_url)
        .finish();
    assert_eq!(body, expected);

    // Published for a preview on this machine: nobody is told.
    project
        .run(&["publish", "--base-url", "http://127.0.0.1:8000/"])
        .success();
    let run = project.run(&["deploy"]).success();
    assert!(run.stderr.contains("not notifying"), "{run}");
    assert!(received.recv_timeout(Duration::from_secs(2)).is_err());
}

#[test]
fn a_hub_that_does_not_answer_is_a_warning() {
    let project = Project::copy();
    project.publish_masters_as_they_are();
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    project.write_config(&format!(
        "{}\n[deploy]\nnotify = [\"http://127.0.0.1:{port}/hub\"]\n",
        project.config()
    ));
    project.publish();
    let run = project.run(&["deploy", "--to", "www"]).success();
    assert!(run.stderr.contains("warning: could not notify"), "{run}");
}

/// The enclosures `feed` names: each URL's path under `base`, and its stated length.
fn enclosures(feed: &str, base: &str) -> Vec<(String, u64)> {
    crate::harness::elements(feed, "enclosure")
        .into_iter()
        .map(|e| {
            let url = crate::harness::attribute(e, "url").unwrap();
            let length = crate::harness::attribute(e, "length").unwrap();
            (
                url.strip_prefix(base).unwrap().to_string(),
                length.parse().unwrap(),
            )
        })
        .collect()
}

/// Issue 14's reliability rule: a deploy killed at any moment leaves a deployed feed whose
/// every enclosure is there with its stated length (no episode here is replaced under its own
/// name), and a re-run completes it.
#[test]
fn a_deploy_killed_at_ten_moments_leaves_the_deployed_feed_consistent() {
    let Some(moto) = Moto::start() else { return };
    let project = Project::copy();
    project.publish_masters_as_they_are();
    let base = "https://podcast.example.org/";
    let config = project.config();
    // The old cycle lacks session 5 (added) and the new one lacks session 1 (stale).
    project.write_config(&without_session(&config, "number = 5\n"));
    project
        .run(&["publish", "--out", "old", "--base-url", base])
        .success();
    project.write_config(&without_session(&config, "number = 1\n"));
    project
        .run(&["publish", "--out", "new", "--base-url", base])
        .success();
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The old cycle deployed to a fresh bucket, then the new one started over it, one file
    // at a time.
    let start_over_old = |bucket: &str| {
        moto.bucket(bucket);
        let to = format!("s3://{bucket}");
        project
            .run_with_env(&["deploy", "--from", "old", "--to", &to], &env)
            .success();
        let child = Command::new(env!("CARGO_BIN_EXE_cyclecast"))
            .args(["deploy", "--from", "new", "--to", &to, "--jobs", "1"])
            .current_dir(project.root())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        (to, child, Instant::now())
    };
    // How long the whole deploy takes here, now: the ten moments are spread over it.
    let (_, mut child, started) = start_over_old("whole");
    assert!(child.wait().unwrap().success());
    let whole = started.elapsed();
    let new_feed = std::fs::read(project.path("new/feed.xml")).unwrap();
    let mut interrupted = 0;
    for moment in 0..10u32 {
        let bucket = format!("moment-{moment}");
        let (to, mut child, started) = start_over_old(&bucket);
        std::thread::sleep((whole * moment / 10).saturating_sub(started.elapsed()));
        let _ = child.kill();
        let _ = child.wait();
        let (status, _, _, feed) = moto.get(&bucket, "feed.xml");
        assert_eq!(status, 200, "moment {moment}");
        let feed = String::from_utf8(feed).unwrap();
        for (path, length) in enclosures(&feed, base) {
            let (status, _, _, bytes) = moto.get(&bucket, &path);
            assert_eq!(status, 200, "moment {moment}: {path} is missing");
            assert_eq!(bytes.len() as u64, length, "moment {moment}: {path}");
        }
        if feed.as_bytes() != new_feed {
            interrupted += 1;
        }
        // A re-run completes the deploy.
        project
            .run_with_env(&["deploy", "--from", "new", "--to", &to], &env)
            .success();
        let (_, _, _, feed) = moto.get(&bucket, "feed.xml");
        assert_eq!(feed, new_feed, "moment {moment}");
    }
    // The early kills did land before the feeds went up: the test checks something.
    assert!(
        interrupted >= 2,
        "only {interrupted} of 10 deploys were cut short (a whole one takes {whole:?})"
    );
}

/// Issue 14's "done when": `check --online` finds the copy on the store as apps need it, and
/// gPodder subscribes to the feed deployed there and downloads every episode from it, whole.
#[test]
fn gpodder_subscribes_to_the_deployed_feed_and_downloads_every_episode() {
    if !crate::oracle::require(&["gpo"]) {
        return;
    }
    let Some(moto) = Moto::start() else { return };
    moto.bucket("podcasts");
    let project = Project::copy();
    project.publish_masters_as_they_are();
    let base = format!("{}/podcasts/cycle/", moto.url);
    project.run(&["publish", "--base-url", &base]).success();
    deploy(&project, &moto, &["--to", "s3://podcasts/cycle"]).success();
    // What `check --online` says of the copy on the store, as podcast apps meet it.
    let checked = project.run_bounded(
        &["check", "--online=deployed", "--base-url", &base],
        std::time::Duration::from_secs(120),
    );
    assert_eq!(checked.code, Some(0), "{checked}");
    assert!(
        checked.stderr.contains(&format!(
            "deployed: the copy at {base} matches the local feed"
        )),
        "{checked}"
    );
    let gpodder = crate::directories::Gpodder::in_project(&project);
    gpodder.run(&["subscribe", &format!("{base}feed.xml")]);
    gpodder.run(&["download"]);
    let feed = project.feed_text("feed.xml");
    let downloaded = crate::directories::walk(&gpodder.downloads);
    let stated = enclosures(&feed, &base);
    assert_eq!(downloaded.len(), stated.len(), "{downloaded:?}");
    for (path, length) in stated {
        let name = path.rsplit('/').next().unwrap();
        let file = downloaded
            .iter()
            .find(|p| p.file_name().unwrap().to_str() == Some(name))
            .unwrap_or_else(|| panic!("gPodder did not download {name}: {downloaded:?}"));
        assert_eq!(
            std::fs::read(file).unwrap(),
            std::fs::read(project.feed().join(&path)).unwrap(),
            "{name}"
        );
        assert_eq!(std::fs::metadata(file).unwrap().len(), length, "{name}");
    }
}

#[test]
fn sends_a_large_file_in_parts_whole_and_with_its_headers() {
    let Some(moto) = Moto::start() else { return };
    moto.bucket("podcasts");
    let project = Project::copy();
    let big = project.path("big");
    std::fs::create_dir_all(big.join("episodes")).unwrap();
    // 20 MB that no two parts share, so that a part sent twice or out of order shows.
    let bytes: Vec<u8> = (0..20_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(big.join("episodes/01-long.mp3"), &bytes).unwrap();
    let run = deploy(
        &project,
        &moto,
        &["--from", "big", "--to", "s3://podcasts/x", "--json"],
    )
    .success();
    assert_eq!(uploaded(&run), ["episodes/01-long.mp3"]);
    let (status, content_type, cache, body) = moto.get("podcasts", "x/episodes/01-long.mp3");
    assert_eq!(status, 200);
    assert!(body == bytes, "the object differs from the file");
    assert_eq!(content_type, "audio/mpeg");
    assert_eq!(cache, "public, max-age=86400, must-revalidate");
    let again = deploy(
        &project,
        &moto,
        &["--from", "big", "--to", "s3://podcasts/x", "--json"],
    )
    .success();
    assert_eq!(uploaded(&again), Vec::<String>::new());
}
