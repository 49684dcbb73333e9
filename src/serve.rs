//! `cyclecast serve`: a local preview of the published feed, over HTTP on 127.0.0.1.
//!
//! Input: the project and a port. It publishes a preview copy whose `base_url` is the local
//! address (so every link of the page and every enclosure of the feed can be clicked), into
//! `--out` or a temporary folder removed on exit, then serves that folder until Ctrl-C or
//! SIGTERM. The only HTTP server code of the crate: tower-http's `ServeDir` answers HEAD,
//! byte ranges (206, 416), ETag/Last-Modified and conditional requests (304), and refuses
//! paths leaving the folder; a middleware replaces its guessed `Content-Type` with the
//! explicit table of [`content_type`] and marks every answer `Cache-Control: no-cache`.
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
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::services::ServeDir;
use url::Url;

use crate::check::ProjectOptions;
use crate::publish::PublishOptions;

/// How long open connections (a paused audio player streaming an episode, say) may go on
/// after Ctrl-C before the server stops anyway.
const GRACE: Duration = Duration::from_secs(2);

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
            jobs: crate::parallel::default_jobs(),
            now: crate::publish::now_from_environment()?,
        },
        &crate::progress::Progress::hidden(),
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
    let result = runtime.block_on(run(listener, router(&out, options.verbose), &url));
    // A file read still blocking a thread must not hold the exit (and the cleanup) up.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

/// `http://127.0.0.1:PORT/`.
pub fn local_url(address: SocketAddr) -> Url {
    Url::parse(&format!("http://{address}/")).expect("a socket address makes a valid URL")
}

/// The `Content-Type` of a file of the feed, from its path under the feed folder (`/`
/// separators): an explicit table, never a guesser, since podcast apps and browsers trust it.
///
/// ```
/// use cyclecast::serve::content_type;
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
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "opus" => "audio/ogg",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "xml" => "application/rss+xml; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "json" if path.starts_with("chapters/") => "application/json+chapters",
        "json" => "application/json",
        "vtt" => "text/vtt",
        "srt" => "application/x-subrip",
        "ics" => "text/calendar; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
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
        .layer(axum::middleware::from_fn_with_state(
            verbose,
            preview_headers,
        ))
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

async fn run(listener: std::net::TcpListener, app: Router, url: &Url) -> Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .context("failed to set up the listening socket")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    println!("serving {url}");
    std::io::stdout()
        .flush()
        .context("failed to write to stdout")?;
    tokio::select! {
        finished = &mut server => return finished.context("the HTTP server failed")?.context("the HTTP server failed"),
        () = shutdown_signal() => {}
    }
    let _ = stop.send(());
    match tokio::time::timeout(GRACE, server).await {
        Ok(finished) => finished
            .context("the HTTP server failed")?
            .context("the HTTP server failed"),
        // Connections still open after the grace period are dropped with the runtime.
        Err(_) => Ok(()),
    }
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        // Without a signal handler the server runs until killed, as any foreground process.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
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
    fn names_the_local_address_with_a_trailing_slash() {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, 8765));
        assert_eq!(local_url(address).as_str(), "http://127.0.0.1:8765/");
    }
}
