//! `cyclecast serve`: the real binary on a free port, asked by a real HTTP client.
//!
//! Each test starts `cyclecast serve --port 0` in a copy of the project, reads the
//! `serving http://127.0.0.1:PORT/` line from its stdout, then talks HTTP to it. A guard kills
//! the server when the test ends, whether it passed or not. Paths that try to leave the
//! served folder are sent over a raw socket: an HTTP client normalizes `..` and `%2e%2e`
//! before sending, so it would never ask the server what these tests want to ask.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LAST_MODIFIED, RANGE,
};

use crate::harness::{self, Project};

/// How long the server may take to publish its preview and start listening.
// A first preview encodes the renditions of every master (issue #13): many seconds on a loaded
// two-core machine.
const STARTUP: Duration = Duration::from_secs(120);

/// A running `cyclecast serve`, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/`.
    url: String,
    /// Where its stderr goes, to show when something fails.
    stderr: PathBuf,
}

impl Server {
    /// Starts `cyclecast serve --port 0 ARGS…` in the project and waits for its address.
    pub fn start(project: &Project, args: &[&str]) -> Server {
        let stderr = project.path("serve.stderr");
        let child = Command::new(env!("CARGO_BIN_EXE_cyclecast"))
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(project.root())
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", harness::SOURCE_DATE_EPOCH)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr).expect("create serve.stderr"))
            .spawn()
            .expect("start cyclecast serve");
        // The guard exists before anything can fail, so the child never outlives the test.
        let mut server = Server {
            child,
            url: String::new(),
            stderr,
        };
        let stdout = server.child.stdout.take().expect("stdout is piped");
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = send.send(line);
        });
        let line = receive.recv_timeout(STARTUP).unwrap_or_else(|_| {
            panic!(
                "no `serving` line within {STARTUP:?}\n{}",
                server.stderr_text()
            )
        });
        let url = line
            .trim_end()
            .strip_prefix("serving ")
            .unwrap_or_else(|| {
                panic!(
                    "expected `serving URL` on stdout, got {line:?}\n{}",
                    server.stderr_text()
                )
            })
            .to_string();
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "{url}"
        );
        server.url = url;
        server
    }

    /// The absolute URL of a path under the served folder.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path.trim_start_matches('/'))
    }

    /// `127.0.0.1:PORT`.
    fn address(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }

    fn stderr_text(&self) -> String {
        format!(
            "--- serve stderr ---\n{}",
            fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> Client {
    crate::harness::http()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build an HTTP client")
}

/// Sends `GET PATH` exactly as written (no normalization) and returns the status and body.
fn raw_get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send a request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    (status, answer)
}

fn header<'a>(response: &'a reqwest::blocking::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no `{name}` header in {response:?}"))
        .to_str()
        .expect("an ASCII header")
}

/// Every address the page links to or embeds that is on the local server, fragment removed.
fn local_links(html: &str, base: &str) -> Vec<String> {
    let base = url::Url::parse(base).expect("the server's address is a URL");
    let page = scraper::Html::parse_document(html);
    let linked = scraper::Selector::parse("a[href], link[href]").expect("a valid selector");
    let embedded = scraper::Selector::parse("[src]").expect("a valid selector");
    let mut links: Vec<String> = page
        .select(&linked)
        .filter_map(|e| e.value().attr("href"))
        .chain(page.select(&embedded).filter_map(|e| e.value().attr("src")))
        .filter_map(|href| base.join(href).ok())
        .filter(|url| url.origin() == base.origin())
        .map(|mut url| {
            url.set_fragment(None);
            url.to_string()
        })
        .collect();
    links.sort();
    links.dedup();
    links
}

/// Waits for the process to end by itself, at most `limit`.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("poll the server") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

// Issue: "serves feed/ on 127.0.0.1 (port flag) for preview, with byte-range requests, HEAD,
// ETag/Last-Modified and the right MIME types; the page and feed it serves point at that local
// address so that everything can be clicked".
#[test]
fn serves_a_preview_whose_page_and_feed_point_at_the_local_address() {
    let project = Project::copy();
    let server = Server::start(&project, &["--out", "preview"]);
    let http = client();

    for path in ["", "index.html"] {
        let page = http.get(server.at(path)).send().expect("GET the page");
        assert_eq!(page.status(), StatusCode::OK, "/{path}");
        assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&page, CACHE_CONTROL.as_str()), "no-cache");
        let links = local_links(&page.text().expect("read the page"), &server.url);
        assert!(
            links.contains(&server.at("feed.xml")),
            "the page should give the local feed address {}: {links:?}",
            server.at("feed.xml")
        );
        for link in links {
            let target = http.head(&link).send().expect("HEAD a link of the page");
            assert_eq!(target.status(), StatusCode::OK, "{link}");
        }
    }

    let feed = http
        .get(server.at("feed.xml"))
        .send()
        .expect("GET the feed");
    assert_eq!(feed.status(), StatusCode::OK);
    assert_eq!(
        header(&feed, CONTENT_TYPE.as_str()),
        "application/rss+xml; charset=utf-8"
    );
    let xml = feed.text().expect("read the feed");
    let items = harness::items(&xml);
    assert!(!items.is_empty(), "the feed has no item");
    for item in items {
        let enclosure = harness::elements(item, "enclosure")[0];
        let url = harness::attribute(enclosure, "url").expect("an enclosure url");
        let length = harness::attribute(enclosure, "length").expect("an enclosure length");
        let kind = harness::attribute(enclosure, "type").expect("an enclosure type");
        assert!(
            url.starts_with(&server.url),
            "enclosure `{url}` is not on {}",
            server.url
        );
        assert!(
            ["audio/mpeg", "audio/mp4"].contains(&kind.as_str()),
            "{url}: {kind}"
        );
        let episode = http.get(&url).send().expect("GET an episode");
        assert_eq!(episode.status(), StatusCode::OK, "{url}");
        assert_eq!(header(&episode, CONTENT_TYPE.as_str()), kind, "{url}");
        assert_eq!(header(&episode, "content-length"), length, "{url}");
        let body = episode.bytes().expect("read an episode");
        assert_eq!(body.len().to_string(), length, "{url}");
    }
}

// Issue: "serve answers Range: bytes=0-1 with 206 and the right Content-Range, an
// unsatisfiable range with 416".
#[test]
fn answers_head_ranges_and_conditional_requests() {
    let project = Project::copy();
    let server = Server::start(&project, &[]);
    let http = client();
    let xml = http
        .get(server.at("feed.xml"))
        .send()
        .and_then(|r| r.text())
        .expect("GET the feed");
    let item = harness::items(&xml)[0];
    let url = harness::attribute(harness::elements(item, "enclosure")[0], "url")
        .expect("an enclosure url");
    let size = harness::attribute(harness::elements(item, "enclosure")[0], "length")
        .expect("an enclosure length");

    let head = http.head(&url).send().expect("HEAD an episode");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, "content-length"), size);
    assert_eq!(header(&head, "accept-ranges"), "bytes");
    assert!(head.headers().contains_key(LAST_MODIFIED), "{head:?}");
    let etag = header(&head, ETAG.as_str()).to_string();
    assert!(head.bytes().expect("read a HEAD answer").is_empty());

    let first_two = http
        .get(&url)
        .header(RANGE, "bytes=0-1")
        .send()
        .expect("GET a range");
    assert_eq!(first_two.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(&first_two, CONTENT_RANGE.as_str()),
        format!("bytes 0-1/{size}")
    );
    assert_eq!(first_two.bytes().expect("read a range").len(), 2);

    let beyond = http
        .get(&url)
        .header(RANGE, "bytes=999999999-")
        .send()
        .expect("GET a range beyond the end");
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        header(&beyond, CONTENT_RANGE.as_str()),
        format!("bytes */{size}")
    );

    let again = http
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .expect("GET with If-None-Match");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().expect("read a 304").is_empty());
}

// Issue: "a path outside feed/ (../, encoded or not) with 404".
#[test]
fn refuses_paths_that_leave_the_served_folder() {
    let project = Project::copy();
    // Real files where each escape would land: the preview is in `preview/`, inside the project.
    fs::copy(
        harness::source_root().join("Cargo.toml"),
        project.path("Cargo.toml"),
    )
    .expect("copy Cargo.toml into the project");
    let server = Server::start(&project, &["--out", "preview"]);
    let secrets = [
        harness::read_text(&project.path("config.toml")),
        harness::read_text(&project.path("Cargo.toml")),
    ];
    assert_eq!(
        raw_get(server.address(), "/feed.xml").0,
        200,
        "the raw client should fetch a served file"
    );
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/config.toml",
        "/../config.toml",
        "/episodes/../../config.toml",
        "/episodes/..%2f..%2fconfig.toml",
        "/episodes/%2e%2e%2f%2e%2e%2fconfig.toml",
        "/..%5cconfig.toml",
    ] {
        let (status, answer) = raw_get(server.address(), path);
        assert_eq!(status, 404, "{path}: {answer}");
        for secret in &secrets {
            let first_line = secret.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            assert!(
                !answer.contains(first_line),
                "{path} gave away a project file"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn stops_on_sigterm_and_removes_its_temporary_preview() {
    let project = Project::copy();
    let mut server = Server::start(&project, &[]);
    let stderr = fs::read_to_string(&server.stderr).expect("read serve.stderr");
    let preview = stderr
        .lines()
        .find_map(|l| l.split('`').nth(1).filter(|_| l.starts_with("previewing ")))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no `previewing … from `DIR`` line\n{stderr}"));
    assert!(preview.join("feed.xml").is_file(), "{}", preview.display());
    assert!(
        !preview.starts_with(project.root()),
        "the default preview is a temporary folder"
    );
    let pid = server.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = wait_at_most(&mut server.child, Duration::from_secs(5))
        .unwrap_or_else(|| panic!("still running 5 s after SIGTERM\n{}", server.stderr_text()));
    assert_eq!(status.code(), Some(0), "{}", server.stderr_text());
    assert!(
        !Path::new(&preview).exists(),
        "{} is left",
        preview.display()
    );
    assert!(
        !project.feed().exists(),
        "serve must not write the project's feed/"
    );
    // Only the renditions it made, which the next publish reuses (issue #13).
    let kept: Vec<String> = std::fs::read_dir(project.path(".cyclecast"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        kept.iter().all(|name| name == "renditions"),
        "a temporary preview leaves no record or state in the project: {kept:?}"
    );
}

#[test]
fn refuses_an_invalid_project_like_publish_before_serving() {
    let project = Project::copy();
    project.replace_in_config("number = 1\n", "number = = 1\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cyclecast"))
        .args(["serve", "--port", "0"])
        .current_dir(project.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cyclecast serve");
    let status = wait_at_most(&mut child, STARTUP);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve kept running on an invalid project");
    }
    let output = child.wait_with_output().expect("read the output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing is served: {output:?}");
    assert!(stderr.contains("config.toml:"), "{stderr}");
}

/// Sends `request` (a whole HTTP/1.1 request head, sent as written) on a new connection
/// that asks to be closed, and returns the whole answer.
fn raw_exchange(address: &str, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(address).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    stream
        .write_all(request.as_bytes())
        .expect("send a request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    answer
}

/// The status, lowercased header lines and body of a raw answer.
fn split_answer(answer: &[u8]) -> (u16, Vec<String>, Vec<u8>) {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(answer)));
    let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {head:?}"));
    (
        status,
        lines.map(str::to_string).collect(),
        answer[end + 4..].to_vec(),
    )
}

// Issue #11: "`Range: items=0-1`, `bytes = 0-1`, `bytes=abc` and multi-range requests get 416
// from `serve`; RFC 9110 says to ignore a Range header it cannot use and answer 200 with the
// whole file". Raw requests, since an HTTP client may refuse to send some of these.
#[test]
fn ignores_a_range_header_it_cannot_use_and_serves_the_whole_file() {
    let project = Project::copy();
    let server = Server::start(&project, &[]);
    let whole = client()
        .get(server.at("feed.xml"))
        .send()
        .and_then(|r| r.bytes())
        .expect("GET the feed");
    let size = whole.len();
    let address = server.address();
    let get = |ranges: &[&str]| {
        let fields: String = ranges.iter().map(|r| format!("Range: {r}\r\n")).collect();
        raw_exchange(
            address,
            &format!(
                "GET /feed.xml HTTP/1.1\r\nHost: {address}\r\n{fields}Connection: close\r\n\r\n"
            ),
        )
    };
    for ranges in [
        &["items=0-1"][..],
        &["bytes = 0-1"],
        &["bytes=abc"],
        &["bytes=0-1,4-5"],
        &["bytes=0-1, 4-5"],
        &["bytes=0-1", "bytes=4-5"],
        &["bytes=5-1"],
        &["bytes=-"],
        &["bytes="],
        &["bytes=0-1,"],
        &["bytes=18446744073709551616-"],
        &["bytes=0-1;x"],
        &[""],
    ] {
        let answer = get(ranges);
        let (status, headers, body) = split_answer(&answer);
        assert_eq!(status, 200, "{ranges:?}: {headers:?}");
        assert!(
            !headers.iter().any(|h| h.starts_with("content-range:")),
            "{ranges:?}: {headers:?}"
        );
        assert_eq!(body, &whole[..], "{ranges:?}: not the whole file");
    }
    // What it can use keeps its meaning: one range, even unsatisfiable.
    let (status, headers, body) = split_answer(&get(&["bytes=0-1"]));
    assert_eq!(status, 206, "{headers:?}");
    assert_eq!(body, &whole[..2]);
    // Range units are case-insensitive (RFC 9110 §14.1).
    let (status, _, body) = split_answer(&get(&["BYTES=0-1"]));
    assert_eq!(status, 206);
    assert_eq!(body, &whole[..2]);
    let (status, _, body) = split_answer(&get(&["bytes=-3"]));
    assert_eq!(status, 206);
    assert_eq!(body, &whole[size - 3..]);
    let (status, headers, _) = split_answer(&get(&["bytes=999999999-"]));
    assert_eq!(status, 416, "{headers:?}");
    assert!(
        headers.contains(&format!("content-range: bytes */{size}")),
        "{headers:?}"
    );
}

/// How long `serve` waits for a request's head, on a new connection or between two requests.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

// Issue #11: "`serve` keeps idle connections forever". Three connections wait at once: one
// that never sends a byte, one that stops in the middle of a request head, one left idle
// after a complete request. Each must be closed after the idle timeout, and not at once.
#[test]
fn closes_idle_connections_after_a_timeout() {
    let project = Project::copy();
    let server = Server::start(&project, &[]);
    let address = server.address().to_string();
    let requests = [
        "".to_string(),
        format!("GET /feed.xml HTTP/1.1\r\nHost: {address}\r\n"),
        format!("HEAD /feed.xml HTTP/1.1\r\nHost: {address}\r\n\r\n"),
    ];
    let margin = Duration::from_secs(15);
    let waiting: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).expect("connect to the server");
                stream
                    .set_read_timeout(Some(IDLE_TIMEOUT + margin))
                    .expect("set a read timeout");
                let start = Instant::now();
                stream
                    .write_all(request.as_bytes())
                    .expect("send a request");
                let mut answer = Vec::new();
                let closed = stream.read_to_end(&mut answer);
                (request, closed.is_ok(), start.elapsed(), answer)
            })
        })
        .collect();
    for thread in waiting {
        let (request, closed, waited, answer) = thread.join().expect("a waiting connection");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            closed,
            "{request:?}: still open after {waited:?}\n{}",
            server.stderr_text()
        );
        assert!(
            waited >= IDLE_TIMEOUT - Duration::from_secs(2),
            "{request:?}: closed after only {waited:?}: {answer}"
        );
        if request.starts_with("HEAD") {
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
    }
}

// Issue #11: "`serve` serves `.cyclecast-state.json`: serve only what a deployed site would
// hold". No file or folder whose name starts with a dot, however the path is written.
#[test]
fn serves_no_hidden_file() {
    let project = Project::copy();
    let server = Server::start(&project, &["--out", "preview"]);
    let preview = project.path("preview");
    // The state as an older cyclecast kept it in its output folder (it is now in the
    // project's `.cyclecast/`).
    let state = harness::read_text(&crate::incremental::state_file(&project));
    fs::write(preview.join(".cyclecast-state.json"), &state).expect("write a state");
    // Written after the server started, as a file server reads the disk on each request;
    // the generation mark stands in a folder only while it is built or removed.
    fs::write(preview.join(".cyclecast-generation"), "hidden").expect("write a mark");
    fs::create_dir(preview.join(".hidden")).expect("create a hidden folder");
    fs::write(preview.join(".hidden/index.html"), "hidden").expect("write a hidden page");
    fs::write(preview.join("episodes/.notes"), "hidden").expect("write a hidden file");
    assert_eq!(raw_get(server.address(), "/feed.xml").0, 200);
    for path in [
        "/.cyclecast-state.json",
        "/.cyclecast-generation",
        "/%2ecyclecast-state.json",
        "/%2Ecyclecast-generation",
        "/episodes/../.cyclecast-state.json",
        "/episodes/%2e%2e/.cyclecast-state.json",
        "/.hidden/",
        "/.hidden/index.html",
        "/.hidden",
        "/episodes/.notes",
        "/episodes/%2enotes",
    ] {
        let (status, answer) = raw_get(server.address(), path);
        assert_eq!(status, 404, "{path}: {answer}");
        assert!(!answer.contains("hidden"), "{path}: {answer}");
        assert!(!answer.contains(state.trim()), "{path}: {answer}");
    }
}
