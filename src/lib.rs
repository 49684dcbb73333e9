//! cyclecast turns a cycle of recorded public talks into a podcast.

pub mod app;
pub mod audio;
pub mod episode;
pub mod model;
pub mod output;
pub mod project;
pub mod publish;
pub mod render;
pub mod support;
