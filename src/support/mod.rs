//! Support.

pub mod fs;
pub mod parallel;
pub mod progress;
