//! `cyclecast publish`, the orchestration: [`publish`] reads like the pipeline, one step per
//! line: load and check the project ([`check`], which `cyclecast check` runs too), build the
//! episodes and plan their copies, render the feed and pages, commit the output folder, then
//! record the published identities in `cyclecast.lock` (this module owns when the lock is
//! written).
//!
//! Nothing is written before every check has passed; the recordings are only read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::Episode;
use crate::model::live::LiveState;
use crate::model::problem::{Problem, Problems};
use crate::output::commit::{CommitOptions, Content, Output};
use crate::output::state::{self, State};
use crate::project::load::{Project, ProjectOptions, Work};
use crate::render::page::{PageInputs, TemplateError};
use crate::rendition::Renditions;
use crate::support::progress::Progress;

mod media;

/// Options of `publish`.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The project.
    pub project: ProjectOptions,
    /// Output folder; `feed/` beside the config when not given.
    pub out: Option<PathBuf>,
    /// Publish into a folder that holds files cyclecast did not write, carrying them over.
    pub force: bool,
    /// Whether the output folder outlives this publish (a preview's temporary one does not).
    pub out_lifetime: OutLifetime,
    /// Write, or only tell what would change.
    pub mode: Mode,
    /// How many files to work on at once (see [`crate::support::parallel`]).
    pub jobs: usize,
    /// The moment of publishing: the page marks sessions from this day on as upcoming. See
    /// [`now_from_environment`].
    pub now: DateTime<Utc>,
}

/// Whether the output folder outlives the publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutLifetime {
    /// It stays: what cyclecast writes there is recorded in the project's `.cyclecast/`, so
    /// that the next publish replaces only its own files.
    #[default]
    Lasting,
    /// A folder made for this publish alone and removed after it: nothing is recorded.
    Temporary,
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

/// Runs the whole pipeline into the output folder, redoing only what changed since the last
/// publish (see [`crate::output::state`]).
pub fn publish(options: &PublishOptions, progress: &Progress) -> Result<Report> {
    let previous = match options.out_lifetime {
        OutLifetime::Lasting => {
            State::before_publish(&options.project.config, options.out.as_deref())
        }
        OutLifetime::Temporary => State::default(),
    };
    let work = Work {
        previous: &previous.sources,
        jobs: options.jobs,
        progress,
    };
    let checked = check(&options.project, work).map_err(Problems)?;
    let project = &checked.project;
    let out = out_folder(options, project);
    let renditions = crate::rendition::plan(project);
    // Held to the end, past the prune: another publish of the project waits for the cache.
    let _cache = crate::rendition::lock_cache(&renditions)?;
    if options.mode == Mode::Write && options.out_lifetime == OutLifetime::Lasting {
        crate::output::commit::refuse_foreign(&out, &project.config.root, options.force)?;
    }
    let off_target = make_renditions(options, project, &renditions, progress)?;
    let built = media::build_episodes(project, &renditions, &out, &previous, work)?;
    let episodes = built.episodes;
    let media = media_outputs(project, &episodes, built.outputs);
    let moment = Moment::of(options, project, &episodes);
    let rendered = rendered_or_kept(&checked, &episodes, &moment, &out, &previous)?;
    check_unique_paths(media.iter().chain(&rendered))?;
    let committed = commit_outputs(options, project, &out, (&media, &rendered), progress)?;
    record_identities(project, &episodes, options)?;
    prune_renditions(options, &renditions, &built.tagged)?;
    Ok(Report {
        mode: options.mode,
        out,
        episodes: episodes.len(),
        announced: project.config.cycle.sessions.len() - episodes.len(),
        written: committed.written,
        unchanged: committed.unchanged,
        removed: committed.removed,
        warnings: checked
            .project
            .problems
            .into_iter()
            .chain(off_target)
            .collect(),
    })
}

/// The output folder: `--out`, else `feed/` beside the config.
fn out_folder(options: &PublishOptions, project: &Project) -> PathBuf {
    options
        .out
        .clone()
        .unwrap_or_else(|| project.config.root.join("feed"))
}

/// What the rendered files take from the moment of publishing.
#[derive(Debug)]
struct Moment {
    /// The day of publishing in the podcast's time zone: the pages mark sessions from it on
    /// as upcoming.
    today: chrono::NaiveDate,
    /// Where each session followed live and not yet published stands.
    live: Vec<LiveState>,
}

impl Moment {
    fn of(options: &PublishOptions, project: &Project, episodes: &[Episode]) -> Moment {
        let cycle = &project.config.cycle;
        Moment {
            today: options
                .now
                .with_timezone(&cycle.podcast.time_zone)
                .date_naive(),
            live: crate::episode::live_states(cycle, episodes, options.now),
        }
    }
}

/// Makes the renditions missing from the cache (see [`crate::rendition`]). A dry run makes
/// them too: they go into the project's cache, never into the output folder, and the
/// enclosures' lengths the report states are theirs. Also returns a warning for each file
/// made off its target.
fn make_renditions(
    options: &PublishOptions,
    project: &Project,
    renditions: &Renditions,
    progress: &Progress,
) -> Result<Vec<Problem>> {
    crate::rendition::make(renditions, &project.config.root, options.jobs, progress)
}

/// After a lasting publish, removes from the cache the renditions no session uses any more,
/// and the tagged ones its files are not links of.
fn prune_renditions(
    options: &PublishOptions,
    renditions: &Renditions,
    tagged: &[PathBuf],
) -> Result<()> {
    if options.mode != Mode::Write || options.out_lifetime != OutLifetime::Lasting {
        return Ok(());
    }
    crate::rendition::prune(renditions, tagged)
}

/// Writes the outputs into the output folder, or only tells what would change (`--dry-run`).
fn commit_outputs(
    options: &PublishOptions,
    project: &Project,
    out: &Path,
    (media, rendered): (&[Output], &[Output]),
    progress: &Progress,
) -> Result<crate::output::commit::Committed> {
    let commit = CommitOptions {
        force: options.force,
        jobs: options.jobs,
        progress: progress.clone(),
        sources: project.sources.clone(),
        project: (options.out_lifetime == OutLifetime::Lasting)
            .then(|| project.config.root.clone()),
    };
    match options.mode {
        Mode::Write => crate::output::commit::commit(out, media, rendered, commit),
        Mode::DryRun => crate::output::commit::preview(out, media, rendered, &commit),
    }
}

/// A project that passed every check, the later stages' included: the theme's templates
/// parse and render the pages. Its project's problems are warnings only.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The project, as loaded.
    pub project: Project,
    /// Each Markdown report, rendered to HTML, keyed by its path.
    pub reports: Vec<(PathBuf, String)>,
}

/// Loads the project, then checks what only the render stage can judge: the theme's
/// templates parse, and render the pages. `check` and `publish` both run it, so both report
/// the same problems; on failure returns every one, warnings included.
pub fn check(options: &ProjectOptions, work: Work<'_>) -> Result<Checked, Vec<Problem>> {
    let project = crate::project::load::load(options, work)?;
    let theme = crate::render::page::check_theme(&project.theme);
    if !theme.is_empty() || project.problems.iter().any(Problem::is_error) {
        let mut problems = project.problems;
        problems.extend(theme.iter().map(TemplateError::to_problem));
        return Err(problems);
    }
    let reports = project
        .reports
        .iter()
        .map(|(path, text)| (path.clone(), crate::render::page::render_markdown(text)))
        .collect();
    let checked = Checked { project, reports };
    let page_problems = check_pages(&checked);
    if !page_problems.is_empty() {
        let mut problems = checked.project.problems;
        problems.extend(page_problems);
        return Err(problems);
    }
    Ok(checked)
}

/// Renders the pages once with the theme's templates, so that an error in a branch the real
/// cycle takes (a misspelt variable, a wrong filter) is found before anything is written.
/// The built-in templates are checked by the tests instead.
fn check_pages(checked: &Checked) -> Vec<Problem> {
    let project = &checked.project;
    let theme = &project.theme;
    if theme.index.is_none() && theme.session.is_none() && theme.transcript.is_none() {
        return Vec::new();
    }
    let cycle = &project.config.cycle;
    // The files are not made yet: each episode stands on its recording as it is.
    let episodes: Vec<_> = project
        .recorded()
        .filter_map(|(session, recording, audio)| {
            let published = crate::episode::Published::as_is(session, audio, recording.size)?;
            crate::episode::build(cycle, session, published)
        })
        .collect();
    // Every session followed live as under way: the branch of a theme's page that shows the
    // most (the link and the stream's player).
    let live = crate::episode::live_states(cycle, &[], chrono::DateTime::<chrono::Utc>::MIN_UTC)
        .into_iter()
        .map(|state| LiveState {
            status: crate::model::live::LiveStatus::Live,
            ..state
        })
        .collect();
    let inputs = PageInputs {
        cover: cycle.podcast.cover.as_deref().map(cover_target),
        images: published_images(project, &episodes),
        reports: checked.reports.clone(),
        transcripts: project.transcripts.clone(),
        today: chrono::NaiveDate::default(),
        live,
        theme: theme.clone(),
        drawings: crate::model::layout::drawing_targets(
            &project.config.root,
            cycle.sessions.iter().flat_map(|s| &s.drawings),
        ),
    };
    match crate::render::page::render_pages(cycle, &episodes, &inputs) {
        Ok(_) => Vec::new(),
        Err(e) => vec![e.to_problem()],
    }
}

/// After a publish, records the published identities in `cyclecast.lock` (see
/// [`crate::project::identity::published`]). Not for a dry run, nor for a preview at another
/// address (`serve`, `publish --base-url`), whose URLs are not the published ones.
fn record_identities(
    project: &Project,
    episodes: &[Episode],
    options: &PublishOptions,
) -> Result<()> {
    if options.mode != Mode::Write || options.project.base_url.is_some() {
        return Ok(());
    }
    let root = &project.config.root;
    let previous = crate::project::lock::read(root).map_err(|problem| anyhow!("{problem}"))?;
    let podcast_guid = project.config.cycle.podcast.guid;
    let lock = crate::project::identity::published(previous, podcast_guid, episodes);
    crate::project::lock::write(root, &lock)?;
    Ok(())
}

/// No two outputs may go to the same path: one would silently replace the other (two
/// drawings of one name once did), or both race for it.
fn check_unique_paths<'a>(outputs: impl Iterator<Item = &'a Output>) -> Result<()> {
    let mut seen: std::collections::BTreeMap<&str, &Output> = std::collections::BTreeMap::new();
    for output in outputs {
        if let Some(first) = seen.insert(&output.path, output) {
            bail!(
                "two files would be published as `{}`: {} and {}",
                output.path,
                made_from(first),
                made_from(output)
            );
        }
    }
    Ok(())
}

/// What an output is made from, for messages.
fn made_from(output: &Output) -> String {
    match &output.content {
        Content::Copy(path) => format!("a copy of `{}`", path.display()),
        Content::Episode(plan) => format!("the episode of `{}`", plan.source().display()),
        Content::Linked(path) => format!("the rendition `{}`", path.display()),
        Content::Text(_) | Content::Bytes(_) | Content::Kept => "a file cyclecast makes".into(),
    }
}

/// The audio files, then the images: the files the feed and pages point at.
fn media_outputs(project: &Project, episodes: &[Episode], audio: Vec<Output>) -> Vec<Output> {
    let cycle = &project.config.cycle;
    let mut outputs = audio;
    for episode in episodes {
        let session = &episode.session;
        if let Some(target) = &episode.image_file {
            match (&session.image, project.embedded_image(session.number)) {
                (Some(image), _) => outputs.push(Output::copy(target, &real(project, image))),
                (None, Some(bytes)) => outputs.push(Output::bytes(target, bytes.to_vec())),
                (None, None) => {}
            }
        }
    }
    if let Some(cover) = &cycle.podcast.cover {
        outputs.push(Output::copy(&cover_target(cover), &real(project, cover)));
    }
    // One output per drawing file, however many sessions show it.
    for (path, target) in crate::model::layout::drawing_targets(
        &project.config.root,
        cycle.sessions.iter().flat_map(|s| &s.drawings),
    ) {
        outputs.push(Output::copy(&target, &real(project, &path)));
    }
    outputs
}

/// The real path of a project file that validation read, the one the commit opens (with
/// [`crate::support::fs::open_regular`], which takes no link): what [`crate::support::fs::contain`] allowed.
fn real(project: &Project, path: &Path) -> PathBuf {
    crate::support::fs::contain(&project.config.root, path).unwrap_or_else(|_| path.to_path_buf())
}

/// The rendered files, or, when nothing they are made from changed since the last publish
/// and they are still as it left them, the same files kept without rendering them again.
fn rendered_or_kept(
    checked: &Checked,
    episodes: &[Episode],
    moment: &Moment,
    out: &Path,
    previous: &State,
) -> Result<Vec<Output>> {
    let recipe = render_recipe(checked, episodes, moment);
    let outputs = match previous.fresh_outputs_of(out, &recipe) {
        Some(paths) => paths
            .into_iter()
            .map(|path| Output {
                path,
                content: Content::Kept,
                recipe: None,
                integrity: None,
            })
            .collect(),
        None => rendered_outputs(checked, episodes, moment)?,
    };
    Ok(outputs
        .into_iter()
        .map(|output| Output {
            recipe: Some(recipe.clone()),
            ..output
        })
        .collect())
}

/// One recipe for every rendered file: the cycle (with the lock's pins and any address
/// override), the reports, transcripts and theme read for it, the episodes, the day and the
/// live sessions' status.
///
/// Their `Debug` output stands for them. For one build of cyclecast, which every recipe names,
/// it is a complete and deterministic account of every field (these types hold no hash maps),
/// so no input can be forgotten the way a hand-kept list of fields could forget one.
fn render_recipe(checked: &Checked, episodes: &[Episode], moment: &Moment) -> String {
    let project = &checked.project;
    let mut inputs = state::RecipeWriter::new(b"render");
    let _ = write!(
        inputs,
        "{:?}",
        (
            &project.config.cycle,
            &checked.reports,
            &project.transcripts,
            &project.theme,
            episodes,
            moment,
        )
    );
    inputs.finish()
}

/// The chapters, transcripts, feed, calendar and pages: rendered text, written last.
fn rendered_outputs(
    checked: &Checked,
    episodes: &[Episode],
    moment: &Moment,
) -> Result<Vec<Output>> {
    let project = &checked.project;
    let cycle = &project.config.cycle;
    let cover = cycle.podcast.cover.as_deref().map(cover_target);
    let cover_url = cover
        .as_ref()
        .and_then(|c| cycle.podcast.base_url.join(c).ok());
    let feed = crate::render::feed::render(
        cycle,
        episodes,
        crate::render::feed::FeedLinks {
            cover: cover_url.as_ref(),
            live: &moment.live,
        },
    );
    let inputs = crate::render::page::PageInputs {
        images: published_images(project, episodes),
        cover,
        reports: checked.reports.clone(),
        transcripts: project.transcripts.clone(),
        today: moment.today,
        live: moment.live.clone(),
        theme: project.theme.clone(),
        drawings: crate::model::layout::drawing_targets(
            &project.config.root,
            cycle.sessions.iter().flat_map(|s| &s.drawings),
        ),
    };
    // `check` rendered the theme's templates already; an error here is one it could not see.
    let pages = crate::render::page::render_pages(cycle, episodes, &inputs)?;
    let mut outputs = episode_texts(project, episodes);
    if let Some(radio) = crate::render::feed::render_radio(cycle, episodes) {
        outputs.push(Output::text(crate::model::layout::RADIO_FEED_FILE, radio));
    }
    // The archive pages before `feed.xml`, which leads to them.
    outputs.extend(
        feed.into_iter()
            .rev()
            .map(|page| Output::text(&page.file, page.xml)),
    );
    outputs.push(Output::text(
        crate::model::layout::CALENDAR_FILE,
        crate::render::calendar::render(cycle),
    ));
    // The session pages before the cycle's page, which links to them.
    outputs.extend(
        pages
            .sessions
            .into_iter()
            .map(|(path, html)| Output::text(&path, html)),
    );
    outputs.push(Output::text(crate::model::layout::INDEX_FILE, pages.index));
    Ok(outputs)
}

/// Each episode's JSON chapters and transcripts (WebVTT and SubRip).
fn episode_texts(project: &Project, episodes: &[Episode]) -> Vec<Output> {
    let mut outputs = Vec::new();
    for episode in episodes {
        let session = &episode.session;
        if let (Some(path), Some(json)) = (
            &episode.chapters_file,
            crate::render::chapters::render_json(session),
        ) {
            outputs.push(Output::text(path, json));
        }
        let transcript = project
            .transcripts
            .iter()
            .find(|(n, _)| *n == session.number);
        if let (Some(files), Some((_, transcript))) = (&episode.transcript_files, transcript) {
            use crate::model::transcript::{render_json, render_srt, render_vtt};
            outputs.push(Output::text(&files.json, render_json(transcript)));
            outputs.push(Output::text(&files.vtt, render_vtt(transcript)));
            outputs.push(Output::text(&files.srt, render_srt(transcript)));
        }
    }
    outputs
}

/// The header of each image published (the cover, the episodes' artwork), by its path under
/// `feed/`, as the load stage read it: the sizes that the pages' link previews state.
fn published_images(
    project: &Project,
    episodes: &[Episode],
) -> BTreeMap<String, crate::audio::artwork::ImageInfo> {
    let cover = project
        .config
        .cycle
        .podcast
        .cover
        .as_ref()
        .and_then(|c| Some((cover_target(c), *project.images.get(c)?)));
    let artwork = episodes.iter().filter_map(|episode| {
        let session = &episode.session;
        let info = match &session.image {
            Some(image) => *project.images.get(image)?,
            None => crate::audio::artwork::inspect(project.embedded_image(session.number)?)?,
        };
        Some((episode.image_file.clone()?, info))
    });
    cover.into_iter().chain(artwork).collect()
}

/// `cover.jpg` or `cover.png`, whatever the project calls it.
fn cover_target(cover: &Path) -> String {
    crate::model::layout::cover_file(cover)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue #11, item 7: two outputs with one path are an error naming both sources.
    #[test]
    fn refuses_two_outputs_with_the_same_path() {
        let outputs = [
            Output::copy("drawings/x.jpg", Path::new("a/x.jpg")),
            Output::copy("drawings/y.jpg", Path::new("a/y.jpg")),
            Output::copy("drawings/x.jpg", Path::new("b/x.jpg")),
        ];
        let error = check_unique_paths(outputs.iter()).unwrap_err().to_string();
        assert_eq!(
            error,
            "two files would be published as `drawings/x.jpg`: a copy of `a/x.jpg` and a copy of `b/x.jpg`"
        );
        assert!(check_unique_paths(outputs[..2].iter()).is_ok());
    }

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
