//! `cyclecast fetch`: a recording downloaded from a local server, resumed after the
//! connection dropped, probed, placed in recordings/ as a new file, the config pointed at it.

use std::fs;

use crate::harness::{Project, source_root};
use crate::http::{Server, respond};

/// The session the tests fetch a new recording for, and its line in config.toml.
const SESSION: &str = "cabinets-de-conseil";
const RECORDING_LINE: &str = "recording = \"recordings/05-cabinets-de-conseil.mp3\"";

/// A radio partner's edit: the sample cycle's fifth recording, under a new name.
fn source_bytes() -> Vec<u8> {
    fs::read(source_root().join("recordings/05-cabinets-de-conseil.mp3")).unwrap()
}

/// The project's recordings/, by name.
fn recordings(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(project.path("recordings"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether `.cyclecast/fetch/`, where downloads are made, holds nothing.
fn fetch_folder_is_empty(project: &Project) -> bool {
    !project
        .path(".cyclecast/fetch")
        .read_dir()
        .unwrap()
        .any(|_| true)
}

/// The line of what a run printed on stderr that gives its error (progress lines may come
/// before it).
fn error_line(run: &crate::harness::Run) -> &str {
    run.stderr
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_default()
}

#[test]
fn fetch_resumes_after_a_dropped_connection_and_points_the_session_at_the_new_file() {
    let source = source_bytes();
    let half = source.len() / 2;
    let served = source.clone();
    // The first request gets half the file, then the connection drops; a request with a
    // range gets the rest.
    let server = Server::start(move |request, stream| match request.range_start() {
        None => {
            let length = [
                ("Content-Length", served.len().to_string()),
                ("Content-Type", "audio/mpeg".into()),
            ];
            respond(stream, request, "200 OK", &length, &served[..half]);
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Some(start) => {
            let start = start as usize;
            let range = format!("bytes {start}-{}/{}", served.len() - 1, served.len());
            respond(
                stream,
                request,
                "206 Partial Content",
                &[("Content-Range", range)],
                &served[start..],
            );
        }
    });
    let project = Project::copy();
    let config_before = project.config();
    let url = server.url("/edits/05-montage-radio.mp3");

    let first = project
        .run(&["fetch", &url, "--session", SESSION])
        .failure(2);
    assert!(first.stderr.contains("interrupted after"), "{first}");
    assert!(
        first
            .stderr
            .contains("run the same command again to resume"),
        "{first}"
    );
    assert!(!project.path("recordings/05-montage-radio.mp3").exists());
    assert_eq!(
        project.config(),
        config_before,
        "a failed fetch leaves the config as it was"
    );

    let second = project
        .run(&["fetch", &url, "--session", SESSION])
        .success();
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[1].header("range"),
        Some(format!("bytes={half}-").as_str())
    );
    let placed = fs::read(project.path("recordings/05-montage-radio.mp3")).unwrap();
    assert!(
        placed == source,
        "the fetched file is byte-identical to the source"
    );
    let hash = blake3::hash(&source).to_hex().to_string();
    assert_eq!(
        second.stdout,
        format!("blake3 {hash}  recordings/05-montage-radio.mp3\n"),
        "{second}"
    );
    assert!(second.stderr.contains("resumed after the"), "{second}");
    // Only the session's recording changed: every comment and other byte kept.
    assert_eq!(
        project.config(),
        config_before.replace(
            RECORDING_LINE,
            "recording = \"recordings/05-montage-radio.mp3\""
        )
    );
    assert!(fetch_folder_is_empty(&project), "the partial file is gone");
    project.run(&["check"]).success();
}

#[test]
fn fetch_refuses_a_name_already_in_recordings_before_downloading() {
    let server = Server::start(|request, stream| respond(stream, request, "200 OK", &[], b"x"));
    let project = Project::copy();
    let (config, before) = (project.config(), recordings(&project));
    let url = server.url("/01-non-recours-aux-droits.mp3");
    let run = project
        .run(&["fetch", &url, "--session", SESSION])
        .failure(2);
    assert_eq!(
        error_line(&run),
        "error: `recordings/01-non-recours-aux-droits.mp3` already exists: fetch never replaces a recording, nothing downloaded"
    );
    assert!(
        server.requests().is_empty(),
        "nothing was asked of the server"
    );
    assert_eq!((project.config(), recordings(&project)), (config, before));

    let unknown = project
        .run(&["fetch", &server.url("/new.mp3"), "--session", "nope"])
        .failure(2);
    assert!(
        unknown.stderr.contains("has no session with id `nope`"),
        "{unknown}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn fetch_refuses_a_download_that_is_not_audio_and_places_nothing() {
    let server = Server::start(|request, stream| {
        let page = b"<!doctype html><title>Sign in</title><p>Please sign in to download.</p>";
        respond(
            stream,
            request,
            "200 OK",
            &[("Content-Type", "text/html".into())],
            page,
        );
    });
    let project = Project::copy();
    let (config, before) = (project.config(), recordings(&project));
    let url = server.url("/share/06-edit.mp3");
    let run = project
        .run(&["fetch", &url, "--session", SESSION])
        .failure(2);
    let error = error_line(&run);
    assert!(
        error.starts_with(&format!(
            "error: `{url}` is not a recording cyclecast can read ("
        )),
        "{run}"
    );
    assert!(error.ends_with("): nothing placed in recordings/"), "{run}");
    assert_eq!((project.config(), recordings(&project)), (config, before));
    assert!(fetch_folder_is_empty(&project), "the download is removed");
}
