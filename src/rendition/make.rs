//! The engine: each master decoded once per pass, its blocks shared by its chains, each chain
//! on its own thread (the downmix, then per file a resampler to the file's rate, the gain and
//! true-peak limiter, a meter and an encoder: limiting after resampling, so that no
//! resampler ringing reaches the file over the ceiling), each file written under a temporary
//! name in the cache and renamed once it is complete and on target.
//!
//! A chain whose files miss their loudness target by more than 0.2 LU (heavy
//! limiting of a quiet, peaky master lowers its loudness) is made again with the gain
//! corrected by what was missed, up to three passes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use anyhow::{Context, Result, anyhow};
use ebur128::{EbuR128, Mode};

use crate::audio::decode::Decoder;
use crate::audio::dsp::{Limiter, Resampler, downmix_mono};
use crate::audio::encode::{AudioSink, Encoded};
use crate::rendition::plan::{Chain, Encoding, Job, MasterPlan};
use crate::support::progress::FileTask;

/// How far a file's integrated loudness may land from its target before its chain is made
/// again with a corrected gain, in LU (the published files must be within ±0.5).
const TOLERANCE_LU: f64 = 0.2;
/// Passes over a master at most: the first, and two corrections.
const MAX_PASSES: usize = 3;
/// Samples gathered from the decoder before a block is handed to the chains.
const BLOCK_SAMPLES: usize = 32 * 1024;
/// Blocks queued for each chain: a slow chain holds the decoder back, memory stays bounded.
const QUEUE_BLOCKS: usize = 8;

/// A chain to run, with the gain of this pass.
#[derive(Clone, Copy)]
struct Pass<'a> {
    chain: &'a Chain,
    gain_db: f64,
}

/// Makes every missing file of a master's plan into `cache`.
pub fn make_master(plan: &MasterPlan, cache: &Path, task: &FileTask) -> Result<()> {
    let mut passes: Vec<Pass<'_>> = plan
        .chains
        .iter()
        .filter(|chain| chain.jobs.iter().any(|job| !is_cached(cache, job)))
        .map(|chain| Pass {
            chain,
            gain_db: chain.gain_db,
        })
        .collect();
    for pass_number in 1..=MAX_PASSES {
        if passes.is_empty() {
            break;
        }
        let results = run_pass(plan, &passes, cache, task)?;
        let mut again = Vec::new();
        for (pass, integrated) in passes.iter().zip(results) {
            let missed = integrated.map_or(0.0, |lufs| pass.chain.target.integrated_lufs - lufs);
            if missed.abs() > TOLERANCE_LU && pass_number < MAX_PASSES {
                again.push(Pass {
                    chain: pass.chain,
                    gain_db: pass.gain_db + missed,
                });
            } else {
                keep(cache, &pass.chain.jobs)?;
            }
        }
        passes = again;
    }
    Ok(())
}

/// Whether a job's file is in the cache.
pub fn is_cached(cache: &Path, job: &Job) -> bool {
    std::fs::symlink_metadata(cache.join(job.file_name())).is_ok_and(|m| m.is_file())
}

/// The temporary name a file is written under.
fn part_path(cache: &Path, job: &Job) -> PathBuf {
    cache.join(format!("{}.part", job.file_name()))
}

/// Renames a chain's complete files to their cache names.
fn keep(cache: &Path, jobs: &[Job]) -> Result<()> {
    for job in jobs {
        let part = part_path(cache, job);
        let file = cache.join(job.file_name());
        std::fs::rename(&part, &file)
            .with_context(|| format!("failed to rename `{}`", part.display()))?;
    }
    Ok(())
}

/// Decodes the master once and runs the passes' chains on its blocks, each on a thread;
/// returns, per chain, the mean integrated loudness of its files (`None`: silence).
fn run_pass(
    plan: &MasterPlan,
    passes: &[Pass<'_>],
    cache: &Path,
    task: &FileTask,
) -> Result<Vec<Option<f64>>> {
    let mut decoder = Decoder::open(&plan.master)
        .with_context(|| format!("cannot decode `{}`", plan.master.display()))?;
    let shape = Shape {
        sample_rate: decoder.sample_rate(),
        channels: decoder.channels(),
    };
    std::thread::scope(|scope| {
        let mut senders: Vec<SyncSender<Arc<[f32]>>> = Vec::new();
        let mut threads = Vec::new();
        for pass in passes {
            let (sender, receiver) = sync_channel(QUEUE_BLOCKS);
            senders.push(sender);
            let pass = *pass;
            threads.push(scope.spawn(move || run_chain(receiver, pass, shape, cache)));
        }
        let decoded = feed(&mut decoder, &senders, plan, task);
        drop(senders);
        let results: Vec<Result<Option<f64>>> = threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("a rendition thread panicked")))
            })
            .collect();
        decoded?;
        results.into_iter().collect::<Result<Vec<_>>>()
    })
    .with_context(|| format!("cannot make the renditions of `{}`", plan.master.display()))
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

/// One file of a chain being made.
struct FileInProgress {
    resampler: Resampler,
    limiter: Limiter,
    meter: EbuR128,
    sink: Box<dyn AudioSink>,
    resampled: Vec<f32>,
    limited: Vec<f32>,
}

impl FileInProgress {
    fn start(
        job: &Job,
        pass: Pass<'_>,
        from: Shape,
        channels: usize,
        cache: &Path,
    ) -> Result<FileInProgress> {
        let part = part_path(cache, job);
        let file = create_part(&part)?;
        let sink = match job.encoding {
            Encoding::Mp3(kbps) => {
                crate::audio::encode::mp3(file, job.sample_rate, channels, kbps)?
            }
            Encoding::Lossless(format) => {
                crate::audio::encode::lossless(format, file, job.sample_rate, channels)?
            }
        };
        let meter = EbuR128::new(channels as u32, job.sample_rate, Mode::I)
            .map_err(|e| anyhow!("the loudness meter refuses this audio: {e}"))?;
        let limiter = Limiter::new(
            job.sample_rate,
            channels,
            pass.gain_db,
            job.limiter_ceiling_dbtp,
        );
        Ok(FileInProgress {
            resampler: Resampler::new(from.sample_rate, job.sample_rate, channels)?,
            limiter,
            meter,
            sink,
            resampled: Vec::new(),
            limited: Vec::new(),
        })
    }

    /// Resamples, limits, measures and encodes a block of the chain's signal.
    fn write(&mut self, signal: &[f32]) -> Result<()> {
        self.resampled.clear();
        self.resampler.process(signal, &mut self.resampled);
        self.limited.clear();
        self.limiter.process(&self.resampled, &mut self.limited);
        self.encode_limited()
    }

    fn encode_limited(&mut self) -> Result<()> {
        self.meter
            .add_frames_f32(&self.limited)
            .map_err(|e| anyhow!("the loudness meter failed: {e}"))?;
        self.sink.write(&self.limited)
    }

    /// Flushes the resampler, the limiter and the encoder; returns the file's integrated
    /// loudness.
    fn finish(mut self) -> Result<(Encoded, Option<f64>)> {
        self.resampled.clear();
        self.resampler.finish(&mut self.resampled);
        self.limited.clear();
        self.limiter.process(&self.resampled, &mut self.limited);
        self.limiter.finish(&mut self.limited);
        self.encode_limited()?;
        let encoded = self.sink.finish()?;
        let integrated = self
            .meter
            .loudness_global()
            .ok()
            .filter(|lufs| lufs.is_finite());
        Ok((encoded, integrated))
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

/// Runs one chain on the blocks it receives: downmix (or the first two channels), then each
/// file; returns the mean integrated loudness of its files.
fn run_chain(
    blocks: Receiver<Arc<[f32]>>,
    pass: Pass<'_>,
    shape: Shape,
    cache: &Path,
) -> Result<Option<f64>> {
    let chain = pass.chain;
    let channels = if chain.mono { 1 } else { shape.channels.min(2) };
    let mut files = chain
        .jobs
        .iter()
        .map(|job| FileInProgress::start(job, pass, shape, channels, cache))
        .collect::<Result<Vec<_>>>()?;
    let mut shaped = Vec::new();
    for block in blocks {
        shaped.clear();
        shape_channels(&block, shape.channels, channels, &mut shaped);
        for file in &mut files {
            file.write(&shaped)?;
        }
    }
    let mut loudness = Vec::new();
    for file in files {
        let (_, integrated) = file.finish()?;
        loudness.extend(integrated);
    }
    Ok((!loudness.is_empty()).then(|| loudness.iter().sum::<f64>() / loudness.len() as f64))
}

/// The chain's channels from the decoded ones: the mono downmix, the first two of more, or
/// the block as it is.
fn shape_channels(block: &[f32], from: usize, to: usize, out: &mut Vec<f32>) {
    match (from, to) {
        (from, to) if from == to => out.extend_from_slice(block),
        (from, 1) => downmix_mono(block, from, out),
        (from, _) => {
            for frame in block.chunks_exact(from) {
                out.extend_from_slice(&frame[..2]);
            }
        }
    }
}
