//! Audio files: what a recording holds, and the tagged copy that is published of it.
//!
//! Owns everything that reads or writes audio bytes, and is the only user of symphonia and
//! id3:
//!
//! - [`probe`]: a recording → its [`crate::model::AudioInfo`] (container, codec, exact length,
//!   tags, and where its audio and metadata lie, for tagging), the only opener of symphonia's
//!   readers;
//! - [`decode`]: a master's audio, decoded as it is read (interleaved `f32` blocks, memory
//!   bounded whatever its length), through symphonia as `probe` opens it;
//! - [`dsp`]: downmix, gain with true-peak limiting, and resampling (rubato, its only user) of
//!   decoded audio, streamed and delay compensated, for the renditions;
//! - [`loudness`]: a master's EBU R128 loudness, range and peaks ([`crate::model::Loudness`]),
//!   measured as it decodes, the only user of ebur128;
//! - [`mp3`]: MP3 frame headers, the one walk over an MP3's frames, tags at either end, and
//!   the Xing frame a copy gains;
//! - [`mp4`]: the one MP4 box reader, the timing `moov` states, and the rebuilt `moov` of a
//!   tagged copy;
//! - [`tag`]: the plan and the bytes of a published copy, the only user of id3;
//! - [`artwork`]: what a cover image is, from its header, and the directories' rules for it.
//!
//! May use [`crate::model`] (the shared types: `AudioInfo`, `Container`, `Codec`,
//! `ImageFormat`, `FileLayout`, the session being tagged) and [`crate::support`] (opening files,
//! the thread pool), nothing above them.

pub mod artwork;
pub mod decode;
pub mod dsp;
pub mod encode;
pub mod loudness;
pub mod mp3;
pub mod mp4;
pub mod probe;
pub mod tag;
