//! What the pages take (the cycle aside) and what they give: inputs, theme, errors, pages.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::audio::artwork::ImageInfo;
use crate::model::layout::DrawingTargets;
use crate::model::live::LiveState;
use crate::model::problem::Problem;
use crate::model::transcript::Transcript;

use crate::project::theme::Theme;

/// What the pages need besides the cycle and its episodes.
#[derive(Debug, Clone, Default)]
pub struct PageInputs {
    /// Name of the published cover under `feed/`, if any.
    pub cover: Option<String>,
    /// The header of each published image (the cover, episodes' artwork), by its path under
    /// `feed/`: the sizes that link previews state.
    pub images: BTreeMap<String, ImageInfo>,
    /// Rendered reports, keyed by the Markdown file's path.
    pub reports: Vec<(PathBuf, String)>,
    /// Transcripts, keyed by session number.
    pub transcripts: Vec<(u32, Transcript)>,
    /// The day of publishing in the podcast's time zone: an unrecorded session on this day or
    /// later is upcoming.
    pub today: NaiveDate,
    /// The sessions followed live and not yet published, where each stands: the pages offer
    /// « Suivre en direct » before and during each.
    pub live: Vec<LiveState>,
    /// Templates and stylesheet replacing the built-in ones.
    pub theme: Theme,
    /// Where each drawing file is published (see [`crate::model::layout::drawing_targets`]).
    pub drawings: DrawingTargets,
}

/// A template that cannot be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The template file, as the organizer names it.
    pub file: String,
    /// Line of the template, from 1, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl TemplateError {
    /// The error as a problem of `check`.
    pub fn to_problem(&self) -> Problem {
        Problem {
            position: self.line.map(|l| (l, 1)),
            ..Problem::error(&self.file, format!("template error: {}", self.message))
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_problem().fmt(f)
    }
}

impl std::error::Error for TemplateError {}

/// The rendered pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pages {
    /// `index.html`.
    pub index: String,
    /// Each session's page, preceded by its transcript page when it has a published
    /// transcript (so that the page is written before the one linking to it): path under
    /// `feed/` and HTML, in session order.
    pub sessions: Vec<(String, String)>,
}
