//! The render stage: pure functions from the cycle and its episodes to the text of each
//! file in `feed/`, returned as `String`s for `output` to write.
//!
//! `feed` (the RSS feed), `page` (the cycle's page, session and transcript pages, show notes),
//! `calendar` (the iCalendar file) and `chapters` (JSON chapters) render; `labels` holds the
//! pages' words in the cycle's language, `frequency` how often the cycle meets. Every path and URL they write comes from
//! [`crate::model::layout`], every duration from [`crate::model::time`], every MIME type from
//! [`crate::model::media`].
//!
//! Renderers may use `episode` and `model` (and the types of `project` they are given, when
//! needed); never `output` or `publish`, and never the clock or the file system: what they
//! need is passed in.

pub mod calendar;
pub mod chapters;
pub mod feed;
pub mod frequency;
pub mod labels;
pub mod page;
