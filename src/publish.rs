//! `cyclecast publish`: validate everything, then do the work, then commit.
//!
//! Nothing is written before validation has passed; the recordings are only read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::check::{ProjectOptions, Validated};
use crate::commit::{Content, Output};
use crate::model::{Episode, Source};
use crate::problem::{Problem, Problems};
use crate::tag::{Recorded, TagContext, TagPlan};

/// Options of `publish`.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The project.
    pub project: ProjectOptions,
    /// Output folder; `feed/` beside the config when not given.
    pub out: Option<PathBuf>,
    /// Write into a non-empty folder that holds no earlier feed.
    pub force: bool,
    /// Write, or only tell what would change.
    pub mode: Mode,
    /// The moment of publishing: the page marks sessions from this day on as upcoming. See
    /// [`now_from_environment`].
    pub now: DateTime<Utc>,
}

/// Whether `publish` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Validate, then write the output folder.
    #[default]
    Write,
    /// Validate and plan everything, write nothing: the report says what would change.
    DryRun,
}

/// The moment of publishing: `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds
/// convention) when it is set, so that the same inputs give the same bytes; else the clock.
pub fn now_from_environment() -> Result<DateTime<Utc>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => parse_epoch(&value),
        Err(std::env::VarError::NotPresent) => {
            Ok(DateTime::<Utc>::from(std::time::SystemTime::now()))
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("SOURCE_DATE_EPOCH is not a number of seconds since 1970-01-01")
        }
    }
}

fn parse_epoch(value: &str) -> Result<DateTime<Utc>> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .with_context(|| {
            format!("SOURCE_DATE_EPOCH `{value}` is not a number of seconds since 1970-01-01")
        })
}

/// What a publish did.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether the files were written, or would be (`--dry-run`).
    pub mode: Mode,
    /// The output folder.
    pub out: PathBuf,
    /// Episodes in the feed.
    pub episodes: usize,
    /// Sessions announced without a recording.
    pub announced: usize,
    /// Files written.
    pub written: Vec<String>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Stale files removed.
    pub removed: Vec<String>,
    /// Warnings found during validation.
    pub warnings: Vec<Problem>,
}

/// Runs the whole pipeline into the output folder.
pub fn publish(options: &PublishOptions) -> Result<Report> {
    let validated = crate::check::validate(&options.project).map_err(Problems)?;
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| validated.config.root.join("feed"));
    let (episodes, plans) = build_episodes(&validated)?;
    let media = media_outputs(&validated, &episodes, plans);
    let today = options
        .now
        .with_timezone(&validated.config.cycle.podcast.time_zone)
        .date_naive();
    let last = rendered_outputs(&validated, &episodes, today)?;
    let committed = match options.mode {
        Mode::Write => crate::commit::commit(&out, &media, &last, options.force)?,
        Mode::DryRun => crate::commit::preview(&out, &media, &last)?,
    };
    Ok(Report {
        mode: options.mode,
        out,
        episodes: episodes.len(),
        announced: validated.config.cycle.sessions.len() - episodes.len(),
        written: committed.written,
        unchanged: committed.unchanged,
        removed: committed.removed,
        warnings: validated.warnings,
    })
}

/// Plans each recording's published copy and builds its episode with the copy's exact size.
fn build_episodes(validated: &Validated) -> Result<(Vec<Episode>, Vec<TagPlan>)> {
    let cycle = &validated.config.cycle;
    let mut episodes = Vec::new();
    let mut plans = Vec::new();
    for (recording, audio) in &validated.recordings {
        let session = crate::check::session_of(&validated.config, recording);
        let page = crate::page::session_url(cycle, session);
        let context = TagContext {
            cycle,
            artwork: validated.artwork.as_ref(),
            page: &page,
        };
        let recorded = Recorded {
            path: &recording.path,
            layout: crate::tag::read_layout(&recording.path, audio)?,
            duration_ms: (audio.duration_secs() * 1000.0).round() as u64,
        };
        let plan = crate::tag::plan(context, session, &recorded)?;
        let episode = crate::episode::build(
            cycle,
            session,
            audio.clone(),
            plan.output_len(),
            &validated.renditions,
        )
        .with_context(|| format!("cannot publish `{}`", recording.path.display()))?;
        episodes.push(episode);
        plans.push(plan);
    }
    Ok((episodes, plans))
}

/// Episodes, images, chapters and transcripts: everything the feed and page point at.
fn media_outputs(validated: &Validated, episodes: &[Episode], plans: Vec<TagPlan>) -> Vec<Output> {
    let cycle = &validated.config.cycle;
    let mut outputs = Vec::new();
    for (episode, plan) in episodes.iter().zip(plans) {
        outputs.push(Output {
            path: episode.file.clone(),
            content: Content::Episode(plan),
        });
        let session = &episode.session;
        if let (Some(path), Some(json)) = (
            &episode.chapters_file,
            crate::chapters::render_json(session),
        ) {
            outputs.push(Output {
                path: path.clone(),
                content: Content::Text(json),
            });
        }
        let transcript = validated
            .transcripts
            .iter()
            .find(|(n, _)| *n == session.number);
        if let (Some((vtt, srt)), Some((_, transcript))) = (&episode.transcript_files, transcript) {
            outputs.push(Output {
                path: vtt.clone(),
                content: Content::Text(crate::transcript::render_vtt(transcript)),
            });
            outputs.push(Output {
                path: srt.clone(),
                content: Content::Text(crate::transcript::render_srt(transcript)),
            });
        }
        for rendition in &episode.renditions {
            outputs.push(Output {
                path: rendition.file.clone(),
                content: Content::Copy(rendition.source.clone()),
            });
        }
        if let (Some(target), Some(image)) = (&episode.image_file, &session.image) {
            outputs.push(Output {
                path: target.clone(),
                content: Content::Copy(image.clone()),
            });
        }
    }
    if let Some(cover) = &cycle.podcast.cover {
        outputs.push(Output {
            path: cover_target(cover),
            content: Content::Copy(cover.clone()),
        });
    }
    for drawing in cycle.sessions.iter().flat_map(|s| &s.drawings) {
        if let Source::File(path) = &drawing.source {
            outputs.push(Output {
                path: crate::page::drawing_target(path),
                content: Content::Copy(path.clone()),
            });
        }
    }
    outputs
}

/// The feed, the calendar and the pages, written last.
fn rendered_outputs(
    validated: &Validated,
    episodes: &[Episode],
    today: chrono::NaiveDate,
) -> Result<Vec<Output>> {
    let cycle = &validated.config.cycle;
    let cover = cycle.podcast.cover.as_deref().map(cover_target);
    let cover_url = cover
        .as_ref()
        .and_then(|c| cycle.podcast.base_url.join(c).ok());
    let feed = crate::feed::render(
        cycle,
        episodes,
        crate::feed::FeedLinks {
            cover: cover_url.as_ref(),
        },
    );
    let inputs = crate::page::PageInputs {
        cover,
        reports: validated.reports.clone(),
        transcripts: validated.transcripts.clone(),
        today,
        theme: validated.theme.clone(),
    };
    // `check` rendered the theme's templates already; an error here is one it could not see.
    let pages = crate::page::render_pages(cycle, episodes, &inputs)?;
    let mut outputs = vec![
        Output {
            path: crate::episode::FEED_FILE.to_string(),
            content: Content::Text(feed),
        },
        Output {
            path: crate::calendar::CALENDAR_FILE.to_string(),
            content: Content::Text(crate::calendar::render(cycle)),
        },
    ];
    // The session pages before the cycle's page, which links to them.
    outputs.extend(pages.sessions.into_iter().map(|(path, html)| Output {
        path,
        content: Content::Text(html),
    }));
    outputs.push(Output {
        path: "index.html".to_string(),
        content: Content::Text(pages.index),
    });
    Ok(outputs)
}

/// `cover.jpg` or `cover.png`, whatever the project calls it.
fn cover_target(cover: &Path) -> String {
    format!("cover.{}", crate::episode::image_extension(cover))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_source_date_epoch_as_seconds_since_1970() {
        assert_eq!(
            parse_epoch("1700000000").unwrap().to_rfc3339(),
            "2023-11-14T22:13:20+00:00"
        );
        let error = parse_epoch("yesterday").unwrap_err().to_string();
        assert!(error.contains("SOURCE_DATE_EPOCH `yesterday`"), "{error}");
    }
}
