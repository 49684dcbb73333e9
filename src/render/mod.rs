//! Rendering.

pub mod calendar;
pub mod chapters;
pub mod feed;
pub mod labels;
pub mod page;
