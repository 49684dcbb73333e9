//! The HTTP client every online command uses: rustls with the ring provider, timeouts on
//! every connection and every read, cyclecast's user agent; and the runtime it runs on.

use std::time::Duration;

use anyhow::{Context, Result};

/// How long a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The user agent cyclecast sends: servers that refuse unknown agents see who asks.
const USER_AGENT: &str = concat!("cyclecast/", env!("CARGO_PKG_VERSION"));

/// Whether redirects are followed by the client or left to the caller, which reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Followed, up to 10.
    Follow,
    /// Returned as they are.
    Report,
}

/// A client whose connections open within [`CONNECT_TIMEOUT`] and whose every read waits at
/// most `read_timeout`: a server that stops answering fails the request, never hangs it.
pub fn client(read_timeout: Duration, redirects: Redirects) -> Result<reqwest::Client> {
    install_tls();
    let policy = match redirects {
        Redirects::Follow => reqwest::redirect::Policy::limited(10),
        Redirects::Report => reqwest::redirect::Policy::none(),
    };
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(read_timeout)
        .redirect(policy)
        .build()
        .context("failed to set up the HTTP client")
}

/// Makes ring the TLS provider of every HTTPS client of the process (reqwest is built
/// without one): before any client is built, here or in object_store.
pub fn install_tls() {
    // Installed once per process; a second call finds it there, which is no error.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The runtime the online commands run on: one thread is enough for network waits.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

/// A request's failure in words, without the URL (the caller names it) and with the
/// innermost cause, which says what happened: `timed out`, `connection refused`…
pub fn describe_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs_f64());
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let what = if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut short"
    } else {
        "the request failed"
    };
    crate::model::text::printable(&format!("{what}: {cause}")).into_owned()
}

/// `status` as a server means it: `404 Not Found`.
pub fn describe_status(status: reqwest::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}
