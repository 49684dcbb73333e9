//! Support every stage may use, knowing nothing of podcasts.
//!
//! Owns [`fs`], safe file access (reads that never follow a symbolic link nor wait on a FIFO,
//! paths contained in the project, and the one atomic writer, which never writes through a
//! link), [`parallel`], the bounded worker threads that `--jobs` sizes, [`progress`], the
//! progress shown on the terminal, and [`stream`], writers that compare or split a stream.
//!
//! It uses only `model` (the printable form of a text, for progress); no other stage.

pub mod fs;
pub mod parallel;
pub mod progress;
pub mod stream;
