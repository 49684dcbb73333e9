//! The validated config: the cycle, and the project files it names.

use std::path::{Path, PathBuf};

use crate::model::Cycle;

/// A validated configuration: the cycle, and the project files it refers to.
#[derive(Debug, Clone)]
pub struct Config {
    /// The project folder: the folder holding `config.toml`.
    pub root: PathBuf,
    /// The cycle the file describes.
    pub cycle: Cycle,
    /// Every project file the config names, with where it is named (for errors).
    pub files: Vec<FileRef>,
    /// Named files that are missing or lead outside the project: already reported, to skip.
    pub bad_files: Vec<PathBuf>,
    /// The `[page]` theme folder, whose templates and stylesheet replace the built-in ones.
    pub theme: Option<FileRef>,
    /// The `[deploy]` table.
    pub deploy: Deploy,
}

/// Where `cyclecast deploy` puts the published folder, and whom it tells (`[deploy]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deploy {
    /// The destination as written: `s3://BUCKET/PREFIX` or a folder.
    pub to: Option<String>,
    /// The S3 endpoint of a store other than AWS.
    pub endpoint: Option<url::Url>,
    /// What to notify after a deploy.
    pub notify: Vec<Notify>,
}

impl Deploy {
    /// The WebSub hubs among what to notify.
    pub fn hubs(&self) -> Vec<url::Url> {
        self.notify
            .iter()
            .filter_map(|n| match n {
                Notify::Hub(url) => Some(url.clone()),
                Notify::PodcastIndex => None,
            })
            .collect()
    }
}

/// Whom a deploy tells that the feed changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notify {
    /// A WebSub hub, by its URL.
    Hub(url::Url),
    /// The Podcast Index's `pubnotify`.
    PodcastIndex,
}

impl Config {
    /// Whether a project file named in the config can be read (it was found and is inside).
    pub fn is_readable(&self, path: &Path) -> bool {
        !self.bad_files.iter().any(|bad| bad == path)
    }
}

/// A project file named in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Absolute path.
    pub path: PathBuf,
    /// The path as written in the config.
    pub written: String,
    /// Line and column where it is written.
    pub position: (usize, usize),
}
