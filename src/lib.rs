//! cyclecast turns a cycle of recorded public talks into a podcast: tagged episodes, an RSS
//! feed, a web page per session and a calendar, published into `feed/`.
//!
//! The crate is a pipeline, one folder per stage. [`publish::publish`] runs it, one named
//! step per line:
//!
//! ```text
//! config.toml, recordings/, cyclecast.lock
//!   │
//!   ├─ project::load     read everything once → an immutable Project: the validated cycle,
//!   │                    each session with its recording, probed figures (audio::probe)
//!   │                    and pinned identity, and every problem found
//!   ├─ publish::check    what only rendering can judge: the theme's templates, the pages
//!   ├─ rendition         each master → its podcast, light and broadcast files (decoded,
//!   │                    normalized, limited, resampled, encoded), made once into
//!   │                    .cyclecast/renditions/
//!   ├─ episode           Project → Episode[]: GUIDs from the pins, final file lengths
//!   │                    (audio::tag plans each copy's bytes before anything is written)
//!   ├─ render            feed.xml, pages, calendar, chapters, transcripts, as Strings
//!   ├─ output::commit    tagged copies and rendered files → a new generation of feed/,
//!   │                    swapped in at once; the cache in .cyclecast/ (output::state)
//!   └─ project::lock     the pinned identities, written once the feed is out
//! ```
//!
//! [`deploy`] then sends `feed/` to an S3-compatible store or a folder, feeds last.
//! [`transcribe`], a command of its own, drafts `transcripts/NN-id.vtt` from each master,
//! which `project::load` then attaches like any transcript.
//!
//! Dependencies point one way, from the command line down to the shared types:
//! [`app`] → [`deploy`] → [`online`] → [`publish`] → [`output`] → [`render`] → [`episode`] → [`rendition`] →
//! [`transcribe`] → [`project`] → [`audio`] → [`support`] → [`model`]. `scripts/deps` prints the module graph from the code and fails on
//! a cycle or a stage using one above it. Only [`app`] prints, only [`output`] writes into
//! `feed/`, and nothing ever writes into `recordings/`.

pub mod app;
pub mod audio;
pub mod deploy;
pub mod episode;
pub mod model;
pub mod online;
pub mod output;
pub mod project;
pub mod publish;
pub mod render;
pub mod rendition;
pub mod support;
pub mod transcribe;
