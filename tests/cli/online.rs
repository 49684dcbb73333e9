//! `check --online`: external links checked against a local server that answers 200, 301,
//! 404, 500, slowly, or never; and the deployed copy checked against a local server serving
//! the published feed/, as it is and tampered with.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::Project;
use crate::http::{Request, Server, respond};

/// A server with one path per kind of link.
fn link_server() -> Server {
    Server::start(|request, stream| {
        let ok = |stream: &mut _| respond(stream, request, "200 OK", &[], b"ok");
        match request.path.as_str() {
            "/ok" => ok(stream),
            "/moved" => respond(
                stream,
                request,
                "301 Moved Permanently",
                &[("Location", "/ok".into())],
                b"",
            ),
            "/gone" => respond(stream, request, "404 Not Found", &[], b"gone"),
            "/error" => respond(stream, request, "500 Internal Server Error", &[], b"oops"),
            "/slow" => {
                std::thread::sleep(Duration::from_millis(1500));
                ok(stream);
            }
            "/hang" => std::thread::sleep(Duration::from_secs(120)),
            "/no-head" if request.method == "HEAD" => {
                respond(stream, request, "405 Method Not Allowed", &[], b"")
            }
            "/no-head" => respond(
                stream,
                request,
                "206 Partial Content",
                &[("Content-Range", "bytes 0-0/2".into())],
                b"o",
            ),
            _ => respond(stream, request, "404 Not Found", &[], b""),
        }
    })
}

/// The small cycle, its every external link on `server`: the organizer at `/ok`, a partner
/// per other path.
fn project_linking_to(server: &Server) -> Project {
    let project = Project::fixture("small-cycle");
    project.replace_in_config(
        "url = \"https://exemple-cycle.fr/\"",
        &format!("url = \"{}\"", server.url("/ok")),
    );
    let mut config = project.config();
    for path in ["/moved", "/gone", "/error", "/slow", "/hang", "/no-head"] {
        config.push_str(&format!(
            "\n[[partners]]\nname = \"Partner {path}\"\nurl = \"{}\"\n",
            server.url(path)
        ));
    }
    project.write_config(&config);
    project
}

#[test]
fn check_online_links_reports_broken_and_moved_links_within_its_time_bound() {
    let server = link_server();
    let project = project_linking_to(&server);
    let started = Instant::now();
    let run = project.run_bounded(
        &["check", "--online=links", "--timeout", "2"],
        Duration::from_secs(60),
    );
    let elapsed = started.elapsed();
    assert_eq!(run.code, Some(0), "broken links are warnings\n{run}");
    // The hanging link: 2 s, a 0.5 s pause, 2 s again; the rest run meanwhile.
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}\n{run}");
    // A line is about the link it names first: `warning: moved  URL  status → target`.
    let about = |url: &str| {
        run.stderr
            .lines()
            .find(|l| l.split_whitespace().nth(2) == Some(url))
            .map(str::to_string)
    };
    let line = |path: &str| -> String {
        let url = server.url(path);
        about(&url).unwrap_or_else(|| panic!("no line for {url}\n{run}"))
    };
    assert_eq!(
        line("/moved"),
        format!(
            "warning: moved  {}  301 Moved Permanently → {}  [partners]",
            server.url("/moved"),
            server.url("/ok")
        )
    );
    assert!(
        line("/gone").starts_with("warning: broken") && line("/gone").contains("  404 Not Found  ")
    );
    assert!(line("/error").contains("  500 Internal Server Error  "));
    assert!(line("/hang").contains("  no answer within 2 s  "), "{run}");
    for fine in ["/ok", "/slow", "/no-head"] {
        assert_eq!(about(&server.url(fine)), None, "{fine} works\n{run}");
    }
    assert!(
        run.stderr.contains("links: 7 checked, 3 broken, 1 moved"),
        "{run}"
    );

    // A 5xx is tried again once; a 404 is not; a refused HEAD falls back to a one-byte GET.
    let requests = server.requests();
    let count = |path: &str, method: &str| {
        requests
            .iter()
            .filter(|r| r.path == path && r.method == method)
            .count()
    };
    assert_eq!((count("/error", "HEAD"), count("/gone", "HEAD")), (2, 1));
    let get = requests
        .iter()
        .find(|r| r.path == "/no-head" && r.method == "GET");
    assert_eq!(get.and_then(|r| r.header("range")), Some("bytes=0-0"));
}

#[test]
fn check_online_links_fails_with_strict_and_reports_every_link_in_json() {
    let server = link_server();
    let project = project_linking_to(&server);
    let run = project.run_bounded(
        &[
            "check",
            "--online=links",
            "--timeout",
            "2",
            "--strict",
            "--json",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(1), "--strict fails on broken links\n{run}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["ok"], false);
    let links = json["online"]["links"].as_array().unwrap();
    let status = |path: &str| {
        let url = server.url(path);
        let link = links.iter().find(|l| l["url"] == url.as_str()).unwrap();
        (
            link["status"].as_str().unwrap().to_string(),
            link["found"][0].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(status("/ok"), ("ok".into(), "organizer".into()));
    assert_eq!(status("/moved").0, "moved");
    assert_eq!(status("/hang").0, "broken");
    assert_eq!(status("/slow").0, "ok");
    assert_eq!(links.len(), 7);
}

/// How the file server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tamper {
    None,
    WrongLength,
    WrongType,
    NoRanges,
    Forbidden,
    /// Nothing served: Garage's answer for a bucket not served as a website.
    NotServed,
}

/// A static server for `dir`, the way an object store serves a deployed feed/, unless
/// tampered with.
fn file_server(dir: PathBuf, tamper: Arc<Mutex<Tamper>>) -> Server {
    Server::start(move |request, stream| {
        let tamper = *tamper.lock().unwrap();
        let path = request.path.trim_start_matches('/');
        match tamper {
            Tamper::Forbidden => {
                return respond(stream, request, "403 Forbidden", &[], b"AccessDenied");
            }
            Tamper::NotServed => return respond(stream, request, "404 Not Found", &[], b""),
            _ => {}
        }
        let Some(bytes) = (!path.contains(".."))
            .then(|| std::fs::read(dir.join(path)).ok())
            .flatten()
        else {
            return respond(stream, request, "404 Not Found", &[], b"");
        };
        let audio = !path.ends_with(".xml") && !path.ends_with(".html");
        let mut headers = vec![("Content-Type", content_type(Path::new(path)).to_string())];
        if tamper == Tamper::WrongType && audio {
            headers[0].1 = "application/octet-stream".into();
        }
        if tamper == Tamper::WrongLength && audio && request.method == "HEAD" {
            headers.push(("Content-Length", (bytes.len() + 1).to_string()));
        }
        let ranges = tamper != Tamper::NoRanges;
        if ranges {
            headers.push(("Accept-Ranges", "bytes".into()));
        }
        match range(request).filter(|_| ranges) {
            Some((start, end)) => {
                let end = end.min(bytes.len() - 1);
                headers.push((
                    "Content-Range",
                    format!("bytes {start}-{end}/{}", bytes.len()),
                ));
                respond(
                    stream,
                    request,
                    "206 Partial Content",
                    &headers,
                    &bytes[start..=end],
                );
            }
            None => respond(stream, request, "200 OK", &headers, &bytes),
        }
    })
}

fn range(request: &Request) -> Option<(usize, usize)> {
    let (start, end) = request
        .header("range")?
        .strip_prefix("bytes=")?
        .split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("mp3") => "audio/mpeg",
        Some("m4a") => "audio/mp4",
        Some("opus") => "audio/ogg",
        Some("wav") => "audio/wav",
        Some("xml") => "application/rss+xml",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[test]
fn check_online_deployed_passes_on_a_faithful_copy_and_names_each_tampering() {
    let project = Project::fixture("small-cycle");
    let tamper = Arc::new(Mutex::new(Tamper::None));
    let server = file_server(project.feed(), Arc::clone(&tamper));
    let base_url = server.url("/");
    project.run(&["publish", "--base-url", &base_url]).success();
    let check = |mode: Tamper| {
        *tamper.lock().unwrap() = mode;
        project.run_bounded(
            &[
                "check",
                "--online=deployed",
                "--base-url",
                &base_url,
                "--timeout",
                "5",
            ],
            Duration::from_secs(60),
        )
    };
    let enclosures = crate::harness::elements(&project.feed_text("feed.xml"), "enclosure").len();
    assert!(enclosures >= 2);

    let good = check(Tamper::None);
    assert_eq!(good.code, Some(0), "{good}");
    assert!(
        good.stderr.contains(&format!(
            "deployed: the copy at {base_url} matches the local feed"
        )),
        "{good}"
    );

    let expectations = [
        (Tamper::WrongLength, "Content-Length is "),
        (
            Tamper::WrongType,
            ": Content-Type is application/octet-stream, the feed says audio/",
        ),
        (
            Tamper::NoRanges,
            "no `Accept-Ranges: bytes`: apps cannot resume a download or seek",
        ),
        (
            Tamper::NoRanges,
            "a range request is answered 200 OK, not 206 Partial Content",
        ),
    ];
    for (mode, expected) in expectations {
        let run = check(mode);
        assert_eq!(run.code, Some(1), "{mode:?}\n{run}");
        let lines = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: `") && l.contains(expected));
        assert_eq!(
            lines.count(),
            enclosures,
            "one line per enclosure for {mode:?}: {expected}\n{run}"
        );
    }
    let forbidden = check(Tamper::Forbidden);
    assert_eq!(forbidden.code, Some(1));
    assert!(
        forbidden.stderr.contains(&format!(
            "error: `{base_url}feed.xml` answers 403 Forbidden: the deployed files are not public"
        )),
        "{forbidden}"
    );
    let not_served = check(Tamper::NotServed);
    assert_eq!(not_served.code, Some(1));
    assert!(
        not_served.stderr.contains(&format!(
            "error: `{base_url}feed.xml` answers 404 Not Found: nothing is deployed there, or the store does not serve it to the public"
        )) && not_served.stderr.contains("garage bucket website --allow"),
        "{not_served}"
    );
}

// A paged feed (issue 15, part 6): every page of the deployed copy is compared with the local
// one, and every page's enclosures are checked.
#[test]
fn check_online_deployed_checks_every_page_of_a_paged_feed() {
    let project = Project::fixture("small-cycle");
    project.replace_in_config("[podcast]\n", "[podcast]\nfeed_page_size = 1\n");
    let deployed = project.path("deployed");
    let tamper = Arc::new(Mutex::new(Tamper::None));
    let server = file_server(deployed.clone(), Arc::clone(&tamper));
    let base_url = server.url("/");
    project.run(&["publish", "--base-url", &base_url]).success();
    assert!(
        project.feed().join("feed-1.xml").exists(),
        "the feed is paged"
    );
    crate::harness::copy_tree(&project.feed(), &deployed);
    let check = || {
        project.run_bounded(
            &[
                "check",
                "--online=deployed",
                "--base-url",
                &base_url,
                "--timeout",
                "5",
            ],
            Duration::from_secs(60),
        )
    };
    assert_eq!(check().code, Some(0), "{}", check());

    // Every enclosure of every page is asked for.
    *tamper.lock().unwrap() = Tamper::WrongType;
    let pages = ["feed.xml", "feed-1.xml"];
    let enclosures: usize = pages
        .iter()
        .map(|p| crate::harness::elements(&project.feed_text(p), "enclosure").len())
        .sum();
    let run = check();
    let wrong = run
        .stderr
        .lines()
        .filter(|l| l.contains("Content-Type is application/octet-stream"))
        .count();
    assert_eq!(wrong, enclosures, "{run}");
    *tamper.lock().unwrap() = Tamper::None;

    // A stale archive page is named.
    let stale = deployed.join("feed-1.xml");
    let text = std::fs::read_to_string(&stale)
        .unwrap()
        .replace("</channel>", "<!-- old --></channel>");
    std::fs::write(&stale, text).unwrap();
    let run = check();
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "error: `{base_url}feed-1.xml` differs from the local feed-1.xml"
        )),
        "{run}"
    );
}
