//! The speech recognizer: a CTranslate2 Whisper model run in-process (`ct2rs`), built with
//! the `transcribe` feature. Without it, [`Engine::load`] says how to build it.

use anyhow::Result;

use super::cues::Word;
use super::model_dir::ModelDir;
#[cfg(feature = "transcribe")]
use super::segments;
use super::windows::Window;

/// The most replicas of the model.
pub const MAX_REPLICAS: usize = 4;
/// What the copies of the weights beyond the first may take, in bytes: CTranslate2 copies
/// them into each replica, about the size of `model.bin` each (200 MB for the base model,
/// 3 GB for large-v3), so a large model runs as one replica on every thread.
pub const EXTRA_WEIGHTS_BUDGET: u64 = 1 << 30;

/// How `threads` are shared out between replicas of a model whose `model.bin` holds
/// `weights` bytes: (replicas, threads each). One window per thread is faster than threads
/// sharing a window (greedy decoding, one token at a time, keeps them waiting on each
/// other), but each replica holds its own copy of the weights. So there are as many
/// replicas as threads, up to [`MAX_REPLICAS`] and as many as [`EXTRA_WEIGHTS_BUDGET`]
/// allows; past that, each replica gets the fewest threads that let those replicas use them
/// (7 threads: 3 replicas of 2, one thread left over).
pub fn replicas(threads: usize, weights: u64) -> (usize, usize) {
    let threads = threads.max(1);
    let affordable = 1 + EXTRA_WEIGHTS_BUDGET / weights.max(1);
    let most = MAX_REPLICAS.min(usize::try_from(affordable).unwrap_or(usize::MAX));
    let per_replica = threads.div_ceil(most);
    (threads / per_replica, per_replica)
}

/// A loaded model, ready to hear windows.
pub struct Engine {
    #[cfg(feature = "transcribe")]
    whisper: ct2rs::sys::Whisper,
    #[cfg(feature = "transcribe")]
    tokenizer: ct2rs::tokenizers::hf::Tokenizer,
    #[cfg(feature = "transcribe")]
    extractor: super::features::Extractor,
    /// The tokens that start each window's decoding: transcribe, in the language, timed.
    #[cfg(feature = "transcribe")]
    prompt: Vec<String>,
    /// Without the feature, no engine can be made.
    #[cfg(not(feature = "transcribe"))]
    never: std::convert::Infallible,
}

#[cfg(feature = "transcribe")]
impl Engine {
    /// Loads the model of `model` for `language` (an ISO 639-1 code), quantized to 8-bit
    /// integers, as replicas that hear a window each ([`super::hearing`]), on `threads`
    /// threads in all ([`replicas`]).
    pub fn load(model: &ModelDir, language: &str, threads: usize) -> Result<Engine> {
        use anyhow::Context as _;
        let weights = std::fs::metadata(model.path.join("model.bin")).map_or(0, |m| m.len());
        let (replicas, threads_per_replica) = replicas(threads, weights);
        let config = ct2rs::Config {
            compute_type: ct2rs::ComputeType::INT8,
            device_indices: vec![0; replicas],
            num_threads_per_replica: threads_per_replica,
            ..Default::default()
        };
        let whisper = ct2rs::sys::Whisper::new(&model.path, config)
            .with_context(|| format!("cannot load the model in `{}`", model.path.display()))?;
        let tokenizer = ct2rs::tokenizers::hf::Tokenizer::new(&model.path).with_context(|| {
            format!(
                "cannot read `{}`",
                model.path.join("tokenizer.json").display()
            )
        })?;
        if !whisper.is_multilingual() && language != "en" {
            anyhow::bail!(
                "the model in `{}` knows English only: it cannot transcribe `{language}`",
                model.path.display()
            );
        }
        let token = format!("<|{language}|>");
        if tokenizer.token_to_id(&token).is_none() {
            anyhow::bail!(
                "the model in `{}` knows no language `{language}`: give `--language` a two-letter code it knows, such as `fr` or `en`",
                model.path.display()
            );
        }
        let extractor = super::features::Extractor::new(whisper.n_mels());
        Ok(Engine {
            whisper,
            tokenizer,
            extractor,
            prompt: vec![
                "<|startoftranscript|>".to_string(),
                token,
                "<|transcribe|>".to_string(),
            ],
        })
    }

    /// How many windows it hears at once.
    pub fn replicas(&self) -> usize {
        self.whisper.num_replicas()
    }

    /// The words heard in `window`, timed from the recording's start; none when the model
    /// judges it holds no speech. Called from several threads at once, each call runs on
    /// a replica of its own.
    pub fn words(&self, window: &Window) -> Result<Vec<Word>> {
        let mut features = self.extractor.features(&window.samples);
        let shape = [1, self.extractor.n_mels(), super::features::FRAMES];
        let view = ct2rs::sys::StorageView::new(&shape, &mut features, Default::default())?;
        let options = ct2rs::WhisperOptions {
            // Greedy search: the draft is proofread anyway, and it is several times faster.
            beam_size: 1,
            return_scores: true,
            return_no_speech_prob: true,
            ..Default::default()
        };
        let result = self
            .whisper
            .generate(&view, std::slice::from_ref(&self.prompt), &options)?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("the model gave no result"))?;
        let tokens = result.sequences.into_iter().next().unwrap_or_default();
        if segments::is_silence(
            result.no_speech_prob,
            result.scores.first().copied(),
            tokens.len(),
        ) {
            return Ok(Vec::new());
        }
        let window_ms = window.samples.len() as u64 * 1000 / u64::from(super::windows::RATE);
        let segments = segments::segments(&tokens, window_ms, |text| {
            use ct2rs::Tokenizer as _;
            self.tokenizer.decode(text)
        })?;
        let offset_ms = window.start * 1000 / u64::from(super::windows::RATE);
        Ok(segments
            .iter()
            .flat_map(|segment| segment.words(offset_ms))
            .collect())
    }
}

#[cfg(not(feature = "transcribe"))]
impl Engine {
    /// This build has no speech recognizer: says how to build one.
    pub fn load(_: &ModelDir, _: &str, _: usize) -> Result<Engine> {
        anyhow::bail!(
            "this cyclecast was built without the `transcribe` feature\n  = hint: `apt install cmake`, then `cargo build --release --features transcribe` (it builds CTranslate2, about 15 minutes)"
        )
    }

    /// How many windows it hears at once (no engine exists in this build).
    pub fn replicas(&self) -> usize {
        match self.never {}
    }

    /// The words heard in `window` (no engine exists in this build).
    pub fn words(&self, _: &Window) -> Result<Vec<Word>> {
        match self.never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_go_to_replicas_of_one_thread_first_then_to_more_threads_each() {
        const BASE: u64 = 145_217_532;
        assert_eq!(replicas(0, BASE), (1, 1));
        assert_eq!(replicas(1, BASE), (1, 1));
        assert_eq!(replicas(2, BASE), (2, 1));
        assert_eq!(replicas(4, BASE), (4, 1));
        assert_eq!(replicas(5, BASE), (2, 2));
        assert_eq!(replicas(6, BASE), (3, 2));
        assert_eq!(replicas(7, BASE), (3, 2));
        assert_eq!(replicas(8, BASE), (4, 2));
        assert_eq!(replicas(13, BASE), (3, 4));
        assert_eq!(replicas(16, BASE), (4, 4));
    }

    #[test]
    fn a_large_model_is_copied_only_as_far_as_the_budget_allows() {
        // small (480 MB): two copies; large-v3 (3.1 GB): one, on every thread.
        assert_eq!(replicas(4, 483_617_408), (2, 2));
        assert_eq!(replicas(8, 3_087_284_237), (1, 8));
        assert_eq!(replicas(2, 0), (2, 1));
    }
}
