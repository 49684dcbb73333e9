//! Validation shared by `check` and `publish`: everything that can be found wrong before a
//! single byte is written, found all at once.
//!
//! Reads the config, the recordings (probed in full), the cover and the reports; writes nothing.

use std::path::{Path, PathBuf};

use url::Url;

use crate::config::Config;
use crate::ingest::display_path;
use crate::model::{AudioInfo, Recording, Source};
use crate::problem::Problem;
use crate::tag::Artwork;

/// Where to find the project, and how to override its address.
#[derive(Debug, Clone)]
pub struct ProjectOptions {
    /// Path of `config.toml`.
    pub config: PathBuf,
    /// Publish at this address instead of the config's `base_url` (GUIDs do not change).
    pub base_url: Option<Url>,
}

/// A project that passed validation: everything the work needs, read and checked.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The config, with the address override applied.
    pub config: Config,
    /// Each recording with its figures, in session order.
    pub recordings: Vec<(Recording, AudioInfo)>,
    /// The cover, read.
    pub artwork: Option<Artwork>,
    /// Each Markdown report, rendered to HTML, keyed by its path.
    pub reports: Vec<(PathBuf, String)>,
    /// Warnings found on the way.
    pub warnings: Vec<Problem>,
}

/// Validates the whole project; on failure returns every problem, warnings included.
pub fn validate(options: &ProjectOptions) -> Result<Validated, Vec<Problem>> {
    let mut config = crate::config::load(&options.config)?;
    if let Some(base_url) = &options.base_url {
        config.cycle.podcast.base_url = base_url.clone();
    }
    let mut problems = Vec::new();
    let recordings = match crate::ingest::ingest(&config) {
        Ok(recordings) => recordings,
        Err(found) => {
            problems.extend(found);
            Vec::new()
        }
    };
    let probed = probe_all(&config.root, recordings, &mut problems);
    let artwork = read_artwork(&config, &mut problems);
    let reports = read_reports(&config, &mut problems);
    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    Ok(Validated {
        config,
        recordings: probed,
        artwork,
        reports,
        warnings: problems,
    })
}

/// Probes every recording; a file that cannot be published becomes a problem.
fn probe_all(
    root: &Path,
    recordings: Vec<Recording>,
    problems: &mut Vec<Problem>,
) -> Vec<(Recording, AudioInfo)> {
    let mut probed = Vec::new();
    for recording in recordings {
        let shown = display_path(root, &recording.path);
        match crate::probe::probe_file(&recording.path) {
            Ok(info) if crate::episode::published_format(&info).is_none() => {
                problems.push(Problem::error(
                    shown,
                    format!(
                        "{} audio in a {} container cannot be published as a podcast episode",
                        info.codec, info.container
                    ),
                ));
            }
            Ok(info) => {
                problems.extend(info.warnings.iter().map(|w| Problem::warning(&shown, w)));
                probed.push((recording, info));
            }
            Err(e) => problems.push(Problem::error(shown, e.to_string())),
        }
    }
    probed
}

fn read_artwork(config: &Config, problems: &mut Vec<Problem>) -> Option<Artwork> {
    let path = config.cycle.podcast.cover.as_ref()?;
    let shown = display_path(&config.root, path);
    match std::fs::read(path) {
        Ok(bytes) => {
            let artwork = Artwork::from_bytes(bytes);
            if artwork.is_none() {
                problems.push(Problem::error(
                    shown,
                    "the cover must be a JPEG or PNG image",
                ));
            }
            artwork
        }
        Err(e) => {
            problems.push(Problem::error(shown, format!("cannot read the cover: {e}")));
            None
        }
    }
}

fn read_reports(config: &Config, problems: &mut Vec<Problem>) -> Vec<(PathBuf, String)> {
    let files = config
        .cycle
        .sessions
        .iter()
        .flat_map(|s| &s.reports)
        .filter_map(|r| match &r.source {
            Source::File(path) => Some(path),
            Source::Url(_) => None,
        });
    let mut reports = Vec::new();
    for path in files {
        match std::fs::read_to_string(path) {
            Ok(text) => reports.push((path.clone(), crate::page::render_markdown(&text))),
            Err(e) => problems.push(Problem::error(
                display_path(&config.root, path),
                format!("cannot read the report: {e}"),
            )),
        }
    }
    reports
}
