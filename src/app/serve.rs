//! `cyclecast serve`: a local preview of the published feed, over HTTP on 127.0.0.1.
//!
//! Input: the project and a port. It publishes a preview copy whose `base_url` is the local
//! address (so every link of the page and every enclosure of the feed can be clicked), into
//! `--out` or a temporary folder removed on exit, then serves that folder until Ctrl-C or
//! SIGTERM. The only HTTP server code of the crate: tower-http's `ServeDir` answers HEAD,
//! byte ranges (206, 416), ETag/Last-Modified and conditional requests (304), and refuses
//! paths leaving the folder; a middleware replaces its guessed `Content-Type` with the
//! explicit table of [`content_type`] and marks every answer `Cache-Control: no-cache`.
//! Another, in front of `ServeDir`, refuses hidden files (a deployed site holds none of
//! cyclecast's own, such as `.cyclecast-state.json`) and drops a `Range` header that is not
//! one well-formed byte range, which RFC 9110 has a server ignore rather than refuse.
//! Connections are served by hyper directly, since `axum::serve` cannot time out a
//! connection that never sends a request, or none after the last one.
//!
//! Being a long-running command, it reports as it goes: the one `serving URL` line on stdout,
//! validation warnings and (with `verbose`) one line per request on stderr.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RANGE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;
use url::Url;

use crate::project::load::ProjectOptions;
use crate::publish::PublishOptions;

/// How long open connections (a paused audio player streaming an episode, say) may go on
/// after Ctrl-C before the server stops anyway.
const GRACE: Duration = Duration::from_secs(2);

/// How long a connection may take to send a request's head: from when it opens, and from
/// the end of each answer on a kept-alive connection. A connection that stays idle longer is
/// closed, so idle or stalled clients cannot pile up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of `serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The project; its `base_url` is replaced by the local address.
    pub project: ProjectOptions,
    /// Port on 127.0.0.1; 0 lets the system choose a free one.
    pub port: u16,
    /// Where to publish the preview; a temporary folder, removed on exit, when not given.
    pub out: Option<PathBuf>,
    /// Log one line per request on stderr.
    pub verbose: bool,
}

/// Publishes a preview of the project at `http://127.0.0.1:PORT/` and serves it until Ctrl-C
/// or SIGTERM. Prints `serving http://127.0.0.1:PORT/` on stdout once the preview is ready.
///
/// Validation errors are returned as `publish` returns them, before anything is served.
pub fn serve(options: &ServeOptions) -> Result<()> {
    // Listening first makes a busy port fail before the (possibly long) publish, and tells
    // the real port when 0 was asked for, which the preview's URLs need. Nothing answers on
    // it until the preview is published.
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .with_context(|| format!("failed to listen on 127.0.0.1:{}", options.port))?;
    let address = listener
        .local_addr()
        .context("failed to read the listening address")?;
    let url = local_url(address);

    // Declared before the runtime so that it is removed after the server has stopped.
    let temporary;
    let out = match &options.out {
        Some(out) => out.clone(),
        None => {
            temporary = tempfile::Builder::new()
                .prefix("cyclecast-preview-")
                .tempdir()
                .context("failed to create a temporary folder for the preview")?;
            temporary.path().to_path_buf()
        }
    };
    let report = crate::publish::publish(
        &PublishOptions {
            project: ProjectOptions {
                base_url: Some(url.clone()),
                // A preview never moves a published file.
                renames: Vec::new(),
                ..options.project.clone()
            },
            out: Some(out.clone()),
            force: false,
            out_lifetime: if options.out.is_some() {
                crate::publish::OutLifetime::Lasting
            } else {
                crate::publish::OutLifetime::Temporary
            },
            mode: crate::publish::Mode::Write,
            jobs: crate::support::parallel::default_jobs(),
            now: crate::publish::now_from_environment()?,
        },
        &crate::support::progress::Progress::hidden(),
    )?;
    for warning in &report.warnings {
        eprintln!("{warning}");
    }
    eprintln!(
        "previewing {} episode{} from `{}` (Ctrl-C to stop)",
        report.episodes,
        if report.episodes == 1 { "" } else { "s" },
        out.display()
    );

    listener
        .set_nonblocking(true)
        .context("failed to set up the listening socket")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the HTTP server's runtime")?;
    let result = runtime.block_on(serve_until_stopped(
        listener,
        router(&out, options.verbose),
        &url,
    ));
    // A file read still blocking a thread must not hold the exit (and the cleanup) up.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

/// `http://127.0.0.1:PORT/`.
pub fn local_url(address: SocketAddr) -> Url {
    Url::parse(&format!("http://{address}/")).expect("a socket address makes a valid URL")
}

/// The `Content-Type` of a file of the feed, from its path under the feed folder (`/`
/// separators): the explicit table of [`crate::model::media`], never a guesser, since podcast
/// apps and browsers trust it.
///
/// ```
/// use cyclecast::app::serve::content_type;
/// assert_eq!(content_type("episodes/01-x.m4a"), "audio/mp4");
/// assert_eq!(content_type("chapters/01-x.json"), "application/json+chapters");
/// ```
pub fn content_type(path: &str) -> &'static str {
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "json" if path.starts_with("chapters/") => crate::model::media::CHAPTERS,
        _ => crate::model::media::by_extension(&extension).unwrap_or("application/octet-stream"),
    }
}

/// The file a request path names under the feed folder, as `ServeDir` resolves it:
/// percent-decoded, without the leading `/`, `index.html` for a folder.
pub fn served_file(request_path: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(request_path).decode_utf8_lossy();
    let relative = decoded.trim_start_matches('/');
    if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_string()
    }
}

fn router(folder: &Path, verbose: bool) -> Router {
    // Folders redirect to their trailing-slash form and serve their index.html.
    let files = ServeDir::new(folder);
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(site_request))
        .layer(axum::middleware::from_fn_with_state(
            verbose,
            preview_headers,
        ))
}

/// Refuses hidden files, and leaves `ServeDir` only a `Range` header it can use.
async fn site_request(mut request: Request, next: Next) -> Response {
    if is_hidden(&served_file(request.uri().path())) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let usable = {
        let mut ranges = request.headers().get_all(RANGE).iter();
        match (ranges.next(), ranges.next()) {
            (Some(range), None) => range.to_str().ok().and_then(usable_range),
            _ => None,
        }
    };
    match usable.and_then(|r| HeaderValue::from_str(&r).ok()) {
        Some(range) => {
            request.headers_mut().insert(RANGE, range);
        }
        None => {
            request.headers_mut().remove(RANGE);
        }
    }
    next.run(request).await
}

/// Whether a file of the served folder (`/` separators) is, or is in, a hidden one.
/// cyclecast keeps its own files there under such names (`.cyclecast-state.json`); a site
/// deployed from the folder serves none of them.
pub fn is_hidden(file: &str) -> bool {
    file.split('/').any(|segment| segment.starts_with('.'))
}

/// The `Range` header to pass on for a request's `Range` value, written as `ServeDir`
/// reads it, when it asks for one byte range; `None` for anything else (another unit, a
/// syntax error, several ranges), which RFC 9110 §14.2 has a server ignore, answering with
/// the whole file (`ServeDir` would answer 416). A well-formed range beyond the end of the
/// file is kept: that one is answered 416.
///
/// ```
/// use cyclecast::app::serve::usable_range;
/// assert_eq!(usable_range("bytes=0-1").as_deref(), Some("bytes=0-1"));
/// assert_eq!(usable_range("Bytes=-500").as_deref(), Some("bytes=-500"));
/// assert_eq!(usable_range("bytes=0-1,4-5"), None);
/// assert_eq!(usable_range("items=0-1"), None);
/// ```
pub fn usable_range(value: &str) -> Option<String> {
    let (unit, set) = value.split_once('=')?;
    // Range units are case-insensitive (RFC 9110 §14.1); ServeDir only reads `bytes`.
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (first, last) = set.split_once('-')?;
    let number = |text: &str| {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<u64>().ok()
    };
    match (first.is_empty(), last.is_empty()) {
        (true, true) => None,
        (true, false) => number(last).map(|suffix| format!("bytes=-{suffix}")),
        (false, true) => number(first).map(|first| format!("bytes={first}-")),
        (false, false) => {
            let (first, last) = (number(first)?, number(last)?);
            // A last position before the first makes the range invalid, not unsatisfiable.
            (first <= last).then(|| format!("bytes={first}-{last}"))
        }
    }
}

/// Replaces the guessed `Content-Type`, forbids unchecked caching, logs when asked.
async fn preview_headers(State(verbose): State<bool>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let range = request.headers().get(RANGE).cloned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Only answers with a body of the file carry a type (not 304, 404, 416 or redirects).
    if headers.contains_key(CONTENT_TYPE) {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(content_type(&served_file(&path))),
        );
    }
    // A preview changes on every publish: revalidate each time (the ETag makes it cheap).
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if verbose {
        log_request(&method, &path, range.as_ref(), &response);
    }
    response
}

fn log_request(method: &Method, path: &str, range: Option<&HeaderValue>, response: &Response) {
    let range = range
        .and_then(|r| r.to_str().ok())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    eprintln!("{method} {path}{range} {}", response.status().as_u16());
}

async fn serve_until_stopped(
    listener: std::net::TcpListener,
    app: Router,
    url: &Url,
) -> Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .context("failed to set up the listening socket")?;
    let (stop, stopping) = tokio::sync::watch::channel(());
    let mut connections = tokio::task::JoinSet::new();
    let shutdown = shutdown_signal();
    println!("serving {url}");
    std::io::stdout()
        .flush()
        .context("failed to write to stdout")?;
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        match stream {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(stream, app.clone(), stopping.clone()));
            }
            // Out of file descriptors, say: the connection waits in the backlog meanwhile.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    drop(listener);
    let _ = stop.send(());
    // Connections still open after the grace period are dropped with the runtime.
    let _ = tokio::time::timeout(GRACE, connections.join_all()).await;
    Ok(())
}

/// Serves one connection until the client closes it, it stays idle for [`IDLE_TIMEOUT`],
/// or the server stops (then after the answer under way).
async fn serve_connection(
    stream: tokio::net::TcpStream,
    app: Router,
    mut stopping: tokio::sync::watch::Receiver<()>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The header read timeout also runs while a kept-alive connection waits for its next
    // request, so it is the idle timeout too.
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT);
    let service = hyper_util::service::TowerToHyperService::new(app);
    let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        // An error only concerns this connection (a client gone, a timeout): nothing to do.
        _ = connection.as_mut() => return,
        _ = stopping.changed() => connection.as_mut().graceful_shutdown(),
    }
    let _ = connection.await;
}

/// A future that resolves on Ctrl-C, or SIGTERM on Unix. The handlers are installed when
/// this is called, not when the future is first polled: a signal sent as soon as the
/// `serving` line is read must already stop the server, not kill it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            // Without a signal handler the server runs until killed, as any foreground process.
            let (Ok(mut interrupt), Ok(mut terminate)) = (interrupt, terminate) else {
                return std::future::pending::<()>().await;
            };
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Serves a preview until Ctrl-C; its own `base_url` is the local address it listens on.
pub(super) fn run(args: super::cli::ServeArgs) -> Result<std::process::ExitCode> {
    serve(&ServeOptions {
        project: crate::project::load::ProjectOptions {
            config: super::shared::config_path(args.config)?,
            base_url: None,
            renames: Vec::new(),
            placeholders: crate::project::config::Placeholders::Warn,
        },
        port: args.port,
        out: args.out,
        verbose: args.verbose,
    })?;
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_each_published_file_its_explicit_type() {
        let expected = [
            ("episodes/01-x.mp3", "audio/mpeg"),
            ("episodes/01-x.M4A", "audio/mp4"),
            ("episodes/01-x.ogg", "audio/ogg"),
            ("episodes/01-x.opus", "audio/ogg"),
            ("episodes/01-x.flac", "audio/flac"),
            ("episodes/01-x.wav", "audio/wav"),
            ("feed.xml", "application/rss+xml; charset=utf-8"),
            ("radio.xml", "application/rss+xml; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("sessions/01-x.html", "text/html; charset=utf-8"),
            ("style.css", "text/css"),
            ("chapters/01-x.json", "application/json+chapters"),
            ("data.json", "application/json"),
            ("transcripts/01-x.vtt", "text/vtt"),
            ("transcripts/01-x.srt", "application/x-subrip"),
            ("sessions.ics", "text/calendar; charset=utf-8"),
            ("cover.jpg", "image/jpeg"),
            ("drawings/05-x.jpeg", "image/jpeg"),
            ("cover.png", "image/png"),
            ("README", "application/octet-stream"),
            ("archive.tar.gz", "application/octet-stream"),
            ("folder.mp3/file", "application/octet-stream"),
        ];
        for (path, mime) in expected {
            assert_eq!(content_type(path), mime, "{path}");
        }
    }

    #[test]
    fn resolves_request_paths_as_the_file_server_does() {
        assert_eq!(served_file("/"), "index.html");
        assert_eq!(served_file("/sessions/"), "sessions/index.html");
        assert_eq!(served_file("/feed.xml"), "feed.xml");
        assert_eq!(
            served_file("/chapters/01-caf%C3%A9.json"),
            "chapters/01-café.json"
        );
        assert_eq!(
            content_type(&served_file("/feed%2Exml")),
            content_type("feed.xml")
        );
    }

    #[test]
    fn passes_on_only_one_well_formed_byte_range() {
        for (value, usable) in [
            ("bytes=0-1", Some("bytes=0-1")),
            ("bytes=007-9", Some("bytes=7-9")),
            ("BYTES=5-", Some("bytes=5-")),
            ("bytes=-0", Some("bytes=-0")),
            ("bytes=999999999-", Some("bytes=999999999-")),
            ("bytes=2-2", Some("bytes=2-2")),
            ("bytes=2-1", None),
            ("bytes = 0-1", None),
            ("bytes=0-1,4-5", None),
            ("bytes=0-1,", None),
            ("bytes=abc", None),
            ("bytes=-", None),
            ("bytes=", None),
            ("bytes=+1-2", None),
            ("bytes=18446744073709551616-", None),
            ("items=0-1", None),
            ("", None),
        ] {
            assert_eq!(usable_range(value).as_deref(), usable, "{value:?}");
        }
    }

    #[test]
    fn counts_files_in_hidden_folders_as_hidden() {
        assert!(is_hidden(".cyclecast-state.json"));
        assert!(is_hidden("episodes/.notes"));
        assert!(is_hidden(".git/config"));
        assert!(is_hidden("../config.toml"));
        assert!(!is_hidden("index.html"));
        assert!(!is_hidden("episodes/01-a.b.mp3"));
    }

    #[test]
    fn names_the_local_address_with_a_trailing_slash() {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 8765));
        assert_eq!(local_url(address).as_str(), "http://127.0.0.1:8765/");
    }
}
