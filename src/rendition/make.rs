//! The engine: each master decoded once per pass, its blocks shared by the files being made,
//! each file on its own thread (the downmix, a resampler to the file's rate, the gain and
//! true-peak limiter, and the encoder: limiting after resampling, so that no resampler
//! ringing reaches the file over the ceiling), written under a temporary name in the cache.
//!
//! When a chain's limiter will work, the first pass over the master surveys the level it gives
//! at many drives ([`LevelSurvey`], one thread per signal: the mono downmix, the stereo), so
//! that each file is aimed before its one encoding ([`super::correct`]); the files whose
//! limiter will not work need no curve, and are made in that same pass.
//!
//! Each file is then measured as it was encoded (decoded again, through the same meter as
//! the masters): one whose loudness misses its target by more than 0.3 LU (a low-pass codec
//! lowers it), or whose true peak went over the ceiling (the codec's overshoot), is made again
//! with its gain and ceiling corrected, up to six passes; then it is renamed to its cache
//! name.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::{Context, Result, anyhow};

use crate::audio::decode::Decoder;
use crate::audio::dsp::{DcBlocker, LevelSurvey, Limiter, Resampler, downmix_mono};
use crate::audio::encode::AudioSink;
use crate::model::loudness::PublishedLoudness;
use crate::project::sources::Stamp;
use crate::rendition::correct::{Attempt, Outcome, survey_drives};
use crate::rendition::plan::{Chain, Encoding, Job, MasterPlan};
use crate::support::progress::FileTask;

/// Passes at a file at most: the first, and five corrections.
const MAX_PASSES: usize = 6;
/// Samples gathered from the decoder before a block is handed to the files.
const BLOCK_SAMPLES: usize = 32 * 1024;
/// Blocks queued for each file: a slow encoder holds the decoder back, memory stays bounded.
const QUEUE_BLOCKS: usize = 8;

/// Makes every missing file of a master's plan, a file of the project at `root`, into
/// `cache`. Returns what each file that is
/// still off its target after the last pass measures, in words: it is kept, and the caller
/// warns.
///
/// The files whose limiter will not work need no curve: they are made in the same pass as
/// the survey, and the others in the passes after it.
pub fn make_master(
    plan: &MasterPlan,
    root: &Path,
    cache: &Path,
    task: &FileTask,
) -> Result<Vec<String>> {
    let mut missed = Vec::new();
    let missing: Vec<(&Chain, &Job)> = plan
        .chains
        .iter()
        .flat_map(|chain| chain.jobs.iter().map(move |job| (chain, job)))
        .filter(|(_, job)| !is_cached(cache, job))
        .collect();
    if missing.is_empty() {
        return Ok(missed);
    }
    let surveys = surveys(&missing);
    let (free, waiting): (Vec<_>, Vec<_>) = missing.iter().partition(|(chain, job)| {
        !Attempt::limits(chain, job) || !surveys.iter().any(|survey| survey.mono == chain.mono)
    });
    let firsts: Vec<(Attempt<'_>, usize)> = free
        .into_iter()
        .map(|&(chain, job)| (Attempt::first(chain, job, None), 1))
        .collect();
    let (curves, outcomes) = run_pass(plan, root, surveys, &firsts, cache, task)?;
    let mut attempts: Vec<(Attempt<'_>, usize)> = waiting
        .into_iter()
        .map(|&(chain, job)| {
            let curve = curves
                .iter()
                .find(|(mono, _)| *mono == chain.mono)
                .map(|(_, curve)| curve.as_slice());
            (Attempt::first(chain, job, curve), 1)
        })
        .collect();
    attempts.extend(settle(firsts, outcomes, cache, &mut missed)?);
    while !attempts.is_empty() {
        let (_, outcomes) = run_pass(plan, root, Vec::new(), &attempts, cache, task)?;
        attempts = settle(attempts, outcomes, cache, &mut missed)?;
    }
    Ok(missed)
}

/// Keeps each file of a pass that is on target, or as near as it gets, and gives the next
/// attempt at each of the others, with the number of its pass. A file kept off its
/// requirements is told in `missed`.
fn settle<'a>(
    attempts: Vec<(Attempt<'a>, usize)>,
    outcomes: Vec<Outcome>,
    cache: &Path,
    missed: &mut Vec<String>,
) -> Result<Vec<(Attempt<'a>, usize)>> {
    debug_assert_eq!(attempts.len(), outcomes.len(), "one outcome per attempt");
    let mut again = Vec::new();
    for ((attempt, pass), outcome) in attempts.into_iter().zip(outcomes) {
        match attempt.corrected(&outcome) {
            // The same gain and ceiling, or a ceiling moved by jitter alone, would make the same
            // file: it is as near as it gets.
            // A corrected file that meets its requirements is kept rather than chased further
            // (past a fall of the curve, a pass can land far off).
            Some(next)
                if pass < MAX_PASSES
                    && !next.repeats(&attempt)
                    && !(pass > 1 && attempt.acceptable(&outcome)) =>
            {
                again.push((next, pass + 1))
            }
            Some(_) => {
                if !attempt.acceptable(&outcome) {
                    missed.push(off_target(&attempt, &outcome.loudness, pass));
                }
                keep(cache, attempt.job)?;
            }
            None => keep(cache, attempt.job)?,
        }
    }
    Ok(again)
}

/// Says how a file kept after the last pass misses its target.
fn off_target(attempt: &Attempt<'_>, measured: &PublishedLoudness, passes: usize) -> String {
    let target = &attempt.chain.target;
    let shown = |value: Option<f64>| value.map_or("-inf".to_string(), |v| format!("{v:.1}"));
    format!(
        "its {} reads {} LUFS and a true peak of {} dBTP after {passes} passes, off its target ({} LUFS, at most {} dBTP): published as it is",
        attempt.job.role.name(),
        shown(measured.integrated_lufs),
        shown(measured.true_peak_dbtp),
        target.integrated_lufs,
        target.true_peak_dbtp
    )
}

/// Whether a job's file is in the cache.
pub fn is_cached(cache: &Path, job: &Job) -> bool {
    std::fs::symlink_metadata(cache.join(job.file_name())).is_ok_and(|m| m.is_file())
}

/// The temporary name a file is written under: its key, then `.part`, then its extension,
/// which the decoder that measures it goes by.
fn part_path(cache: &Path, job: &Job) -> PathBuf {
    cache.join(format!("{}.part.{}", job.key, job.encoding.extension()))
}

/// Syncs a complete file, then renames it to its cache name: a file of the cache is whole even
/// after a power cut (a file under its cache name is never made again).
fn keep(cache: &Path, job: &Job) -> Result<()> {
    let part = part_path(cache, job);
    let file = cache.join(job.file_name());
    crate::support::fs::open_regular(&part)
        .and_then(|made| {
            made.sync_all()
                .with_context(|| format!("failed to sync `{}`", part.display()))
        })
        .and_then(|()| {
            std::fs::rename(&part, &file)
                .with_context(|| format!("failed to rename `{}`", part.display()))
        })
}

/// A signal's level curve, by whether it is the mono downmix.
type SignalCurve = (bool, Vec<(f64, f64)>);

/// A signal to survey: the mono downmix or the stereo, at these drives.
struct SurveyOf {
    mono: bool,
    drives: Vec<f64>,
}

/// The signals (the mono downmix, the stereo) whose limiter will work on a missing file, to
/// survey.
fn surveys(missing: &[(&Chain, &Job)]) -> Vec<SurveyOf> {
    [true, false]
        .into_iter()
        .filter_map(|mono| {
            let (chain, _) = missing
                .iter()
                .find(|(chain, job)| chain.mono == mono && Attempt::limits(chain, job))?;
            let signal = &chain.signal;
            let drives = survey_drives(signal.true_peak_dbtp?, signal.integrated_lufs?);
            Some(SurveyOf { mono, drives })
        })
        .collect()
}

/// One thread's work in a pass.
enum Work<'a> {
    Survey(SurveyOf),
    Make(Attempt<'a>),
}

/// What a thread of a pass gives.
enum Done {
    Curve(SignalCurve),
    Made(Outcome),
}

impl Work<'_> {
    fn run(self, blocks: Receiver<Arc<[f32]>>, shape: Shape, cache: &Path) -> Result<Done> {
        match self {
            Work::Survey(of) => Ok(Done::Curve(survey(blocks, shape, of))),
            Work::Make(attempt) => Ok(Done::Made(make_file(blocks, attempt, shape, cache)?)),
        }
    }
}

/// Surveys a signal's level curve from the master's blocks.
fn survey(blocks: Receiver<Arc<[f32]>>, shape: Shape, of: SurveyOf) -> SignalCurve {
    let mut signal = Signal::new(of.mono, shape);
    let mut survey = LevelSurvey::new(shape.sample_rate, signal.channels, &of.drives);
    for block in blocks {
        survey.add(signal.shape(&block));
    }
    let curve = survey
        .finish()
        .into_iter()
        .filter_map(|(drive, level)| Some((drive, level?)))
        .collect();
    (of.mono, curve)
}

/// Decodes the master once and, from its blocks, surveys the signals and makes the attempts'
/// files, each on a thread (which then measures its file); gives the curves surveyed (none of
/// a silent signal, whose files are aimed by their gain) and what each attempt made, in
/// their order.
fn run_pass(
    plan: &MasterPlan,
    root: &Path,
    surveys: Vec<SurveyOf>,
    attempts: &[(Attempt<'_>, usize)],
    cache: &Path,
    task: &FileTask,
) -> Result<(Vec<SignalCurve>, Vec<Outcome>)> {
    let workers = surveys
        .into_iter()
        .map(Work::Survey)
        .chain(attempts.iter().map(|&(attempt, _)| Work::Make(attempt)))
        .map(|work| {
            move |blocks: Receiver<Arc<[f32]>>, shape: Shape| work.run(blocks, shape, cache)
        })
        .collect();
    let mut curves = Vec::new();
    let mut outcomes = Vec::new();
    for done in fan_out(plan, root, task, workers)? {
        match done {
            Done::Curve((_, curve)) if curve.is_empty() => {}
            Done::Curve(curve) => curves.push(curve),
            Done::Made(outcome) => outcomes.push(outcome),
        }
    }
    Ok((curves, outcomes))
}

/// Decodes the master once and hands its blocks to each worker, each on its own thread;
/// gives what each returns, in their order. The progress bar moves by the master's bytes
/// decoded.
fn fan_out<W, T>(plan: &MasterPlan, root: &Path, task: &FileTask, workers: Vec<W>) -> Result<Vec<T>>
where
    W: FnOnce(Receiver<Arc<[f32]>>, Shape) -> Result<T> + Send,
    T: Send,
{
    let master = open_master(plan, root)?;
    let opened = master
        .try_clone()
        .with_context(|| format!("cannot read `{}`", plan.master.display()))?;
    let mut decoder = Decoder::open_file(opened, &plan.master, plan.trim)
        .with_context(|| format!("cannot decode `{}`", plan.master.display()))?;
    let shape = Shape {
        sample_rate: decoder.sample_rate(),
        channels: decoder.channels(),
    };
    std::thread::scope(|scope| {
        let mut senders: Vec<SyncSender<Arc<[f32]>>> = Vec::new();
        let mut threads = Vec::new();
        for worker in workers {
            let (sender, receiver) = sync_channel(QUEUE_BLOCKS);
            senders.push(sender);
            threads.push(scope.spawn(move || worker(receiver, shape)));
        }
        let decoded = feed(&mut decoder, &senders, plan, task);
        drop(senders);
        let results: Vec<Result<T>> = threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("a rendition thread panicked")))
            })
            .collect();
        // Written to while it was read (which may also fail the decoding): what was made is
        // of neither version.
        still_as_hashed(plan, &master)?;
        decoded?;
        results.into_iter().collect::<Result<Vec<T>>>()
    })
}

/// Opens the master the load stage hashed, whose hash names the files made in the cache, as
/// every file of the project is opened (inside `root`, a regular file); the file opened must
/// still have the stamp it had then (size, modification and change times), or it was
/// changed, or another file was put in its place, since: then nothing is made of it.
fn open_master(plan: &MasterPlan, root: &Path) -> Result<File> {
    let file = crate::support::fs::open_contained(root, &plan.master)?;
    still_as_hashed(plan, &file)?;
    Ok(file)
}

/// Refuses a master whose stamp moved since the load stage hashed it.
fn still_as_hashed(plan: &MasterPlan, master: &File) -> Result<()> {
    let metadata = master
        .metadata()
        .with_context(|| format!("cannot read `{}`", plan.master.display()))?;
    anyhow::ensure!(
        Stamp::of_metadata(&metadata) == plan.stamp,
        "`{}` changed while this publish read it: nothing was made of it; publish again",
        plan.master.display()
    );
    Ok(())
}

/// Hands the decoded blocks to every chain, gathered into blocks of about
/// [`BLOCK_SAMPLES`], and moves the progress bar by the master's bytes decoded.
fn feed(
    decoder: &mut Decoder,
    senders: &[SyncSender<Arc<[f32]>>],
    plan: &MasterPlan,
    task: &FileTask,
) -> Result<()> {
    let mut gathered: Vec<f32> = Vec::with_capacity(BLOCK_SAMPLES * 2);
    let mut shown = 0u64;
    let send = |gathered: &mut Vec<f32>| {
        let block: Arc<[f32]> = Arc::from(gathered.as_slice());
        gathered.clear();
        // A chain that stopped has failed: its thread reports why.
        for sender in senders {
            let _ = sender.send(Arc::clone(&block));
        }
    };
    while let Some(block) = decoder.next_block()? {
        gathered.extend_from_slice(block);
        if gathered.len() >= BLOCK_SAMPLES {
            send(&mut gathered);
            let done = decoded_bytes(decoder, plan);
            task.advance(done.saturating_sub(shown));
            shown = done;
        }
    }
    if !gathered.is_empty() {
        send(&mut gathered);
    }
    task.advance(plan.size.saturating_sub(shown));
    Ok(())
}

/// The share of the master's bytes decoded so far.
fn decoded_bytes(decoder: &Decoder, plan: &MasterPlan) -> u64 {
    let decoded = decoder.frames();
    let frames = plan.frames.max(decoded).max(1);
    (u128::from(plan.size) * u128::from(decoded) / u128::from(frames)) as u64
}

/// The decoded audio's shape.
#[derive(Debug, Clone, Copy)]
struct Shape {
    sample_rate: u32,
    channels: usize,
}

/// One file being made.
struct FileInProgress {
    resampler: Resampler,
    limiter: Limiter,
    sink: Box<dyn AudioSink>,
    resampled: Vec<f32>,
    limited: Vec<f32>,
}

impl FileInProgress {
    fn start(attempt: Attempt<'_>, from: Shape, channels: usize, cache: &Path) -> Result<Self> {
        let job = attempt.job;
        let file = create_part(&part_path(cache, job))?;
        let sink = match job.encoding {
            Encoding::Mp3(kbps) => {
                crate::audio::encode::mp3(file, job.sample_rate, channels, kbps)?
            }
            Encoding::Lossless(format) => {
                crate::audio::encode::lossless(format, file, job.sample_rate, channels)?
            }
        };
        // LAME takes as long as the rest of the chain: on a thread of its own, a pass of two
        // files keeps both cores busy when one finishes first.
        let sink = crate::audio::encode::on_own_thread(sink, QUEUE_BLOCKS);
        let limiter = Limiter::new(
            job.sample_rate,
            channels,
            attempt.gain_db,
            attempt.ceiling_dbtp,
        );
        Ok(FileInProgress {
            resampler: Resampler::new(from.sample_rate, job.sample_rate, channels)?,
            limiter,
            sink,
            resampled: Vec::new(),
            limited: Vec::new(),
        })
    }

    /// Resamples, limits and encodes a block.
    fn write(&mut self, signal: &[f32]) -> Result<()> {
        self.resampled.clear();
        self.resampler.process(signal, &mut self.resampled);
        self.limit_and_encode()
    }

    /// Limits and encodes what was resampled.
    fn limit_and_encode(&mut self) -> Result<()> {
        self.limited.clear();
        self.limiter.process(&self.resampled, &mut self.limited);
        self.sink.write(&self.limited)
    }

    /// Flushes the resampler, the limiter and the encoder; gives the share of the energy the
    /// limiter held down.
    fn finish(mut self) -> Result<f64> {
        self.resampled.clear();
        self.resampler.finish(&mut self.resampled);
        self.limit_and_encode()?;
        self.limited.clear();
        self.limiter.finish(&mut self.limited);
        self.sink.write(&self.limited)?;
        self.sink.finish()?;
        Ok(self.limiter.gain_reduction_stats().limited_energy_share)
    }
}

/// Creates a file to write under a temporary name, replacing a leftover of an interrupted
/// run; never through a symbolic link.
fn create_part(path: &Path) -> Result<File> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("failed to remove `{}`", path.display()));
        }
        _ => {}
    }
    File::create_new(path).with_context(|| format!("failed to create `{}`", path.display()))
}

/// Makes one file from the blocks it receives: its channels (the mono downmix, or the
/// master's), its DC offset taken out, then resampled, limited and encoded; then measures it as published (while
/// the other files of the pass may still be encoding).
fn make_file(
    blocks: Receiver<Arc<[f32]>>,
    attempt: Attempt<'_>,
    shape: Shape,
    cache: &Path,
) -> Result<Outcome> {
    let mut signal = Signal::new(attempt.chain.mono, shape);
    let mut file = FileInProgress::start(attempt, shape, signal.channels, cache)?;
    for block in blocks {
        file.write(signal.shape(&block))?;
    }
    let limited_energy_share = file.finish()?;
    let part = part_path(cache, attempt.job);
    let loudness = crate::audio::loudness::measure_published(&part)
        .with_context(|| format!("cannot measure `{}`", part.display()))?;
    Ok(Outcome {
        loudness,
        limited_energy_share,
    })
}

/// A chain's signal, from the master's blocks: its channels, its DC offset taken out. The
/// survey and every file of the chain shape it alike.
struct Signal {
    from: usize,
    channels: usize,
    dc: DcBlocker,
    shaped: Vec<f32>,
}

impl Signal {
    fn new(mono: bool, shape: Shape) -> Signal {
        let channels = signal_channels(mono, shape);
        Signal {
            from: shape.channels,
            channels,
            dc: DcBlocker::new(shape.sample_rate, channels),
            shaped: Vec::new(),
        }
    }

    /// The signal of one block of the master.
    fn shape(&mut self, block: &[f32]) -> &[f32] {
        self.shaped.clear();
        shape_channels(block, self.from, self.channels, &mut self.shaped);
        self.dc.process(&mut self.shaped);
        &self.shaped
    }
}

/// The channels of a chain's signal: one for the mono downmix, else the master's own (a
/// master of more than two is published in mono).
fn signal_channels(mono: bool, shape: Shape) -> usize {
    if mono { 1 } else { shape.channels }
}

/// The chain's channels from the decoded ones: the mono downmix, or the block as it is.
fn shape_channels(block: &[f32], from: usize, to: usize, out: &mut Vec<f32>) {
    if to == 1 {
        downmix_mono(block, from, out);
    } else {
        debug_assert_eq!(from, to, "a stereo chain is of a stereo master");
        out.extend_from_slice(block);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn plan_of(master: &Path) -> MasterPlan {
        MasterPlan {
            master: master.to_path_buf(),
            stamp: Stamp::of(master).unwrap(),
            size: 4,
            frames: 1,
            trim: None,
            chains: Vec::new(),
        }
    }

    #[test]
    fn a_master_is_opened_only_as_it_was_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let master = dir.path().join("m.wav");
        std::fs::write(&master, b"RIFF").unwrap();
        let plan = plan_of(&master);
        assert!(open_master(&plan, dir.path()).is_ok());
        // Written to since.
        std::fs::write(&master, b"RIFX").unwrap();
        let error = open_master(&plan, dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("changed while this publish read it"),
            "{error}"
        );
        // Another file of the project, of the same size and modification time, linked in its
        // place.
        let plan = plan_of(&master);
        let other = dir.path().join("other.wav");
        std::fs::copy(&master, &other).unwrap();
        let modified = std::fs::metadata(&master).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        std::fs::remove_file(&master).unwrap();
        std::os::unix::fs::symlink(&other, &master).unwrap();
        let error = open_master(&plan, dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("changed while this publish read it"),
            "{error}"
        );
        // A file outside the project, linked in its place: not even opened.
        let outside = tempfile::tempdir().unwrap();
        let away = outside.path().join("away.wav");
        std::fs::copy(&other, &away).unwrap();
        std::fs::remove_file(&master).unwrap();
        std::os::unix::fs::symlink(&away, &master).unwrap();
        let error = open_master(&plan, dir.path()).unwrap_err().to_string();
        assert!(error.contains("leads outside the project"), "{error}");
    }

    #[test]
    fn a_master_written_to_while_it_is_read_is_refused_once_read() {
        let dir = tempfile::tempdir().unwrap();
        let master = dir.path().join("m.wav");
        std::fs::write(&master, b"RIFF").unwrap();
        let plan = plan_of(&master);
        let file = open_master(&plan, dir.path()).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&master)
            .unwrap()
            .write_all(b"more")
            .unwrap();
        assert!(still_as_hashed(&plan, &file).is_err());
    }
}
