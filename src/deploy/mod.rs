//! The deploy stage: the published folder (`feed/`) to where listeners read it.
//!
//! [`deploy`] puts the files of a published folder either into an S3-compatible store
//! ([`store`]) or into another folder ([`folder`]). A store cannot switch atomically, so the
//! files go up in an order that keeps the feed a reader sees consistent ([`plan`]): media
//! first, then pages, then feeds, and objects no feed names any more are deleted last. Only
//! what changed since the last deploy is sent: what was sent is recorded per destination in
//! the project's `.cyclecast/deploys/` ([`record`]), never the credentials. A folder is
//! written the way `publish` writes one, as one new generation ([`crate::output::commit`]).
//!
//! After a deploy, [`notify`] tells WebSub hubs and the Podcast Index that the feed changed.
//!
//! It reads the published folder and may use `output` (the commit and the project's
//! records), `project` (what `[deploy] notify` names), `online` (the HTTP client's TLS
//! provider), `model` and `support`; it is used only by `app`.

pub mod folder;
pub mod notify;
pub mod plan;
pub mod record;
pub mod store;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::support::progress::Progress;

/// Where a deploy goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// An S3 bucket, and the prefix (no leading or trailing `/`, maybe empty) its keys start with.
    Store {
        /// The bucket's name.
        bucket: String,
        /// The keys' prefix.
        prefix: String,
    },
    /// A folder, e.g. a web server's root.
    Folder(PathBuf),
}

impl Destination {
    /// Reads `s3://BUCKET/PREFIX` or a folder's path.
    pub fn parse(text: &str) -> Result<Destination> {
        let Some(rest) = text.strip_prefix("s3://") else {
            if text.contains("://") {
                bail!(
                    "`{}` is no destination cyclecast can deploy to: expected `s3://BUCKET/PREFIX` or a folder",
                    crate::model::text::printable(text)
                );
            }
            return Ok(Destination::Folder(PathBuf::from(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || bucket.chars().any(|c| c.is_control() || c.is_whitespace()) {
            bail!(
                "`{}` names no bucket: expected `s3://BUCKET/PREFIX`",
                crate::model::text::printable(text)
            );
        }
        Ok(Destination::Store {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    /// The destination as a user writes it, the key of its record.
    pub fn describe(&self) -> String {
        match self {
            Destination::Store { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}"),
            Destination::Store { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
            Destination::Folder(path) => path.display().to_string(),
        }
    }
}

/// How to deploy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The project folder, whose `.cyclecast/` records what each deploy sent.
    pub project: PathBuf,
    /// The published folder.
    pub source: PathBuf,
    /// Where it goes.
    pub destination: Destination,
    /// The S3 endpoint of a store other than AWS (else `AWS_ENDPOINT_URL`, else AWS).
    pub endpoint: Option<url::Url>,
    /// Find what would change, and change nothing.
    pub dry_run: bool,
    /// How many files to send at once.
    pub jobs: usize,
}

/// What a deploy did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The destination, as written.
    pub destination: String,
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Files sent, in the order they were sent.
    pub uploaded: Vec<String>,
    /// Files already there as they are here.
    pub unchanged: Vec<String>,
    /// Files deployed earlier that the published folder no longer holds: removed.
    pub removed: Vec<String>,
    /// Bytes sent.
    pub bytes: u64,
}

/// Deploys `options.source` to `options.destination` (see the module's doc).
pub fn deploy(options: &DeployOptions, progress: &Progress) -> Result<Report> {
    let files = plan::local_files(&options.source)?;
    match &options.destination {
        Destination::Folder(folder) => folder::deploy(options, folder, &files, progress),
        Destination::Store { bucket, prefix } => {
            store::deploy(options, bucket, prefix, &files, progress)
        }
    }
}

/// The published folder a project deploys by default: `feed/` beside its config.
pub fn default_source(project: &Path) -> PathBuf {
    project.join("feed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_bucket_and_its_prefix() {
        assert_eq!(
            Destination::parse("s3://podcasts/cycle-1/").unwrap(),
            Destination::Store {
                bucket: "podcasts".into(),
                prefix: "cycle-1".into()
            }
        );
        assert_eq!(
            Destination::parse("s3://podcasts").unwrap().describe(),
            "s3://podcasts"
        );
        assert_eq!(
            Destination::parse("www/site").unwrap(),
            Destination::Folder("www/site".into())
        );
        assert!(Destination::parse("ftp://host/x").is_err());
        assert!(Destination::parse("s3:///x").is_err());
    }
}
