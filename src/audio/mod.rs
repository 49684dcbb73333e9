//! Audio files.

pub mod artwork;
pub mod mp3;
pub mod mp4;
pub mod probe;
pub mod tag;
