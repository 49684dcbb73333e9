//! The online stage: what cyclecast does over HTTP, with reqwest on a tokio runtime.
//!
//! - [`fetch`]: `cyclecast fetch URL --session ID`, a recording downloaded (resumed after an
//!   interruption) into `.cyclecast/`, probed, then placed in `recordings/` as a new file and
//!   named in `config.toml`;
//! - [`links`]: `check --online=links`, every external link of the loaded project fetched;
//! - [`deployed`]: `check --online=deployed`, the copy at `base_url` compared with `feed/`.
//!
//! [`client`] builds the one HTTP client (timeouts, rustls with the ring provider) and the
//! runtime. May use [`crate::project`] (the config's edit), [`crate::audio`] (probing),
//! [`crate::support`] and [`crate::model`]; returns data, never prints (the progress bars of
//! [`crate::support::progress`] aside).

pub mod client;
pub mod deployed;
pub mod fetch;
pub mod links;
mod pool;
