//! The load stage: everything the organizer wrote and recorded, read once into an immutable
//! [`load::Project`], with every problem found on the way.
//!
//! Owns `config.toml` (`config`: raw text → validated cycle, with hints), the recordings'
//! discovery and hashing (`ingest`), what a session takes from its recording's tags (`tags`),
//! `cyclecast.lock` (`lock`: its I/O), the identities (`guid` derives them, `identity`
//! reconciles the config with the lock, purely), the theme folder (`theme`), `init` and
//! `session add` (`scaffold`), and `load`, which runs them all. When the lock is written is
//! `publish`'s policy; what only a later stage can judge (templates, pages, outputs) is
//! checked by `publish::check`.
//!
//! What the last publish knew of the source files (`sources`: stamps, hashes, figures) is
//! handed in by `publish`, which keeps it in its state: an unchanged recording is not read
//! again.
//!
//! May use `audio`, `model` and `support`; nothing above them.

pub mod config;
pub mod guid;
pub mod identity;
pub mod ingest;
pub mod load;
pub mod lock;
pub mod paths;
pub mod scaffold;
pub mod sources;
pub mod tags;
pub mod theme;
