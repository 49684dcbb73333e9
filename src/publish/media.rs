//! The audio files a publish puts in `feed/`: each session's enclosure, light and broadcast
//! renditions and radio edits, as tagged copies of the masters or of the renditions made into
//! the cache, with their exact lengths and integrity digests known before anything is written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use base64::Engine as _;
use sha2::{Digest, Sha384};

use crate::audio::tag::{Metadata, Recorded, TagContext, TagPlan};
use crate::episode::Published;
use crate::model::layout;
use crate::model::rendition::{AsIs, Enclosure};
use crate::model::{AudioInfo, Broadcast, Episode, MediaFile, Rendition, Session};
use crate::output::commit::{Content, Output};
use crate::output::state::{self, State};
use crate::project::load::{Project, Work};
use crate::rendition::Renditions;
use crate::rendition::plan::{MasterPlan, Role};

/// An audio file to publish: where it goes and what it is a copy of.
struct Copy {
    /// Which session's it is: an index into the project's recorded sessions.
    session: usize,
    /// What it is for the episode.
    slot: Slot,
    /// Its path under the output folder.
    file: String,
    /// The file it is a copy of: a master, or a rendition in the cache.
    source: PathBuf,
    /// The source's figures.
    audio: AudioInfo,
    /// What the source's bytes are: its hash, or its cache key.
    source_key: String,
    /// How it is made.
    making: Making,
}

/// How a copy is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Making {
    /// As it is, untagged: a radio edit without `[renditions.radio]`.
    Untagged,
    /// A tagged copy of a master, streamed into the output.
    TaggedCopy,
    /// A rendition of the cache, tagged once into the cache and hard-linked into the output.
    TaggedLink,
}

/// Where a copy goes in its episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Enclosure,
    Light,
    RadioLossless,
    RadioMp3,
    EditLossless(usize),
    EditMp3(usize),
}

/// A copy planned: its output, the file the feed describes, and the tagged rendition of the
/// cache it is a link of.
struct Planned {
    output: Output,
    media: MediaFile,
    tagged: Option<PathBuf>,
}

/// Each recording's episode and the audio files that publish it.
pub(super) struct Built {
    /// In session order, with their files' final lengths and digests.
    pub episodes: Vec<Episode>,
    /// The audio files, to commit.
    pub outputs: Vec<Output>,
    /// The tagged renditions of the cache these files are (or were, when kept) links of.
    pub tagged: Vec<PathBuf>,
}

/// Builds each recording's episode, with its files' final lengths and digests, and the outputs
/// that publish them: the last publish's file when nothing it is made from changed, else a
/// plan of its tagged copy, or a link to its rendition tagged in the cache (made `jobs` at a
/// time).
pub(super) fn build_episodes(
    project: &Project,
    renditions: &Renditions,
    out: &Path,
    previous: &State,
    work: Work<'_>,
) -> Result<Built> {
    let copies = copies(project, renditions)?;
    let mut tagged = Vec::new();
    let mut planned: BTreeMap<usize, BTreeMap<Slot, MediaFile>> = BTreeMap::new();
    let mut outputs = Vec::new();
    for (session, slot, copy) in plan_copies(project, copies, out, previous, work)? {
        planned.entry(session).or_default().insert(slot, copy.media);
        tagged.extend(copy.tagged);
        outputs.push(copy.output);
    }
    let mut episodes = Vec::new();
    for (index, (session, _, _)) in project.recorded().enumerate() {
        let files = planned.remove(&index).unwrap_or_default();
        let episode = published(session, files)
            .and_then(|published| crate::episode::build(&project.config.cycle, session, published))
            .with_context(|| format!("cannot publish session `{}`", session.id))?;
        episodes.push(episode);
    }
    Ok(Built {
        episodes,
        outputs,
        tagged,
    })
}

/// Puts a session's planned files in their places.
fn published(session: &Session, mut files: BTreeMap<Slot, MediaFile>) -> Option<Published> {
    let with_files = session.rebroadcasts.iter().filter(|r| r.file.is_some());
    let edits = with_files
        .enumerate()
        .filter_map(|(index, rebroadcast)| {
            Some(Rendition {
                title: rebroadcast.show.clone(),
                source: rebroadcast.file.clone()?,
                lossless: files.remove(&Slot::EditLossless(index))?,
                mp3: files.remove(&Slot::EditMp3(index)),
            })
        })
        .collect();
    let radio = files
        .remove(&Slot::RadioLossless)
        .zip(files.remove(&Slot::RadioMp3))
        .map(|(lossless, mp3)| Broadcast { lossless, mp3 });
    Some(Published {
        enclosure: files.remove(&Slot::Enclosure)?,
        light: files.remove(&Slot::Light),
        radio,
        edits,
    })
}

/// Every audio file each recorded session publishes, in session order.
fn copies(project: &Project, renditions: &Renditions) -> Result<Vec<Copy>> {
    let mut copies = Vec::new();
    for (index, (session, recording, audio)) in project.recorded().enumerate() {
        let made = renditions.of(session.number);
        let plan = made.and_then(|m| m.recording.as_ref());
        let unplanned = Enclosure::AsIs(AsIs::Unmeasured);
        let enclosure = made.map_or(&unplanned, |m| &m.enclosure);
        let rendered = |role| renditions.file(plan, role);
        let mut push = |slot, file: String, source: PathBuf, audio: AudioInfo, key: String| {
            let making = if source.starts_with(&renditions.cache) {
                Making::TaggedLink
            } else {
                Making::TaggedCopy
            };
            copies.push(Copy {
                session: index,
                slot,
                file,
                source,
                audio,
                source_key: key,
                making,
            });
        };
        match enclosure {
            Enclosure::AsIs(_) => {
                let (extension, _) = audio
                    .published_format()
                    .with_context(|| format!("cannot publish `{}`", recording.path.display()))?;
                let file = layout::episode_file(session, extension);
                push(
                    Slot::Enclosure,
                    file,
                    recording.path.clone(),
                    audio.clone(),
                    recording.hash.clone(),
                );
            }
            Enclosure::Encoded(_) => {
                let source = rendered(Role::Podcast).with_context(|| {
                    format!(
                        "`{}` has no loudness to normalize",
                        recording.path.display()
                    )
                })?;
                let (audio, key) = cached(&source)?;
                push(
                    Slot::Enclosure,
                    layout::episode_file(session, "mp3"),
                    source,
                    audio,
                    key,
                );
            }
        }
        if let Some(source) = rendered(Role::Light) {
            let (audio, key) = cached(&source)?;
            push(Slot::Light, layout::light_file(session), source, audio, key);
        }
        for (role, slot) in [
            (Role::RadioLossless, Slot::RadioLossless),
            (Role::RadioMp3, Slot::RadioMp3),
        ] {
            if let Some(source) = rendered(role) {
                let (audio, key) = cached(&source)?;
                let extension = extension_of(&source);
                push(
                    slot,
                    layout::radio_file(session, extension),
                    source,
                    audio,
                    key,
                );
            }
        }
        let edits = made.map_or(&[][..], |m| m.edits.as_slice());
        for (edit, (path, plan)) in edits.iter().enumerate() {
            copies.extend(edit_copies(
                project,
                renditions,
                index,
                session,
                edit,
                path,
                plan.as_ref(),
            )?);
        }
    }
    Ok(copies)
}

/// The files of a radio edit: its broadcast renditions, or, without `[renditions.radio]`,
/// the edit as it is.
fn edit_copies(
    project: &Project,
    renditions: &Renditions,
    index: usize,
    session: &Session,
    edit: usize,
    path: &Path,
    plan: Option<&MasterPlan>,
) -> Result<Vec<Copy>> {
    let mut copies = Vec::new();
    let made = [
        (Role::RadioLossless, Slot::EditLossless(edit)),
        (Role::RadioMp3, Slot::EditMp3(edit)),
    ];
    for (role, slot) in made {
        if let Some(source) = renditions.file(plan, role) {
            let (audio, key) = cached(&source)?;
            let file = layout::radio_edit_file(session, edit, extension_of(&source));
            copies.push(Copy {
                session: index,
                slot,
                file,
                source,
                audio,
                source_key: key,
                making: Making::TaggedLink,
            });
        }
    }
    if copies.is_empty() {
        let Some((_, audio)) = project.renditions.iter().find(|(p, _)| p == path) else {
            return Ok(copies);
        };
        let Some((extension, _)) = audio.published_format() else {
            return Ok(copies);
        };
        copies.push(Copy {
            session: index,
            slot: Slot::EditLossless(edit),
            file: layout::radio_edit_file(session, edit, extension),
            source: crate::support::fs::contain(&project.config.root, path)
                .unwrap_or_else(|_| path.to_path_buf()),
            audio: audio.clone(),
            source_key: project.source_hash(path).unwrap_or_default().to_string(),
            making: Making::Untagged,
        });
    }
    Ok(copies)
}

/// A rendition in the cache: its figures, and its key (its file name's stem).
fn cached(path: &Path) -> Result<(AudioInfo, String)> {
    let audio = crate::audio::probe::probe_file(path)
        .with_context(|| {
            format!(
                "cannot read the rendition `{}`, damaged in the cache: delete it, and the next publish makes it again",
                path.display()
            )
        })?;
    let key = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((audio, key))
}

/// A file's extension, as the cache names it.
fn extension_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("wav") => "wav",
        Some("flac") => "flac",
        _ => "mp3",
    }
}

/// Plans every copy: the last publish's file when its recipe and stamp still hold, else a
/// tagged copy planned from the source's layout, `jobs` at a time; each with its digest.
/// Returns, per copy, its session's index, its slot and what was planned.
fn plan_copies(
    project: &Project,
    copies: Vec<Copy>,
    out: &Path,
    previous: &State,
    work: Work<'_>,
) -> Result<Vec<(usize, Slot, Planned)>> {
    let cycle = &project.config.cycle;
    let sessions: Vec<&Session> = project.recorded().map(|(s, _, _)| s).collect();
    let mut prepared = Vec::new();
    for copy in copies {
        let session = sessions[copy.session];
        let page = layout::session_url(cycle, session);
        let context = TagContext {
            cycle,
            artwork: project.artwork.as_ref(),
            page: &page,
        };
        let (metadata, fingerprint) = if copy.making != Making::Untagged {
            (
                crate::audio::tag::metadata(context, session, &copy.audio)?,
                crate::audio::tag::fingerprint(context, session, &copy.audio)?,
            )
        } else {
            (Metadata::None, Vec::new())
        };
        let recipe = state::recipe(&[b"episode", copy.source_key.as_bytes(), &fingerprint]);
        let kept = previous
            .fresh_output(out, &copy.file, &recipe)
            .map(|record| (record.stamp.size, record.integrity.clone()));
        prepared.push((copy, metadata, recipe, kept));
    }
    let to_read: u64 = prepared
        .iter()
        .filter(|(_, _, _, kept)| !matches!(kept, Some((_, Some(_)))))
        .map(|(copy, _, _, _)| copy.audio.size)
        .sum();
    if to_read > 0 {
        work.progress
            .stage("scanning", prepared.len() as u64, to_read);
    }
    let root = project.config.root.clone();
    let progress = work.progress.clone();
    crate::support::parallel::map(
        work.jobs,
        prepared,
        move |(copy, metadata, recipe, kept)| {
            let tagged = (copy.making == Making::TaggedLink)
                .then(|| crate::rendition::tagged_file(&copy.source, &recipe));
            let planned = match kept {
                Some((length, Some(integrity))) => Planned {
                    output: Output {
                        path: copy.file.clone(),
                        content: Content::Kept,
                        recipe: Some(recipe),
                        integrity: Some(integrity.clone()),
                    },
                    media: media(&copy, length, integrity),
                    tagged,
                },
                _ => {
                    let shown = crate::project::paths::display_path(&root, &copy.source);
                    let _task = progress.file("scanning", &shown, copy.audio.size);
                    let layout = crate::audio::tag::read_layout(&copy.source, &copy.audio)?;
                    let recorded = Recorded {
                        path: copy.source.clone(),
                        layout,
                    };
                    let plan = crate::audio::tag::plan(&metadata, recorded);
                    let (content, integrity) = match &tagged {
                        Some(tagged) => {
                            let digest: Sri = crate::rendition::make_tagged(tagged, &plan)?;
                            (Content::Linked(tagged.clone()), digest.finish())
                        }
                        None => (Content::Episode(plan.clone()), integrity(&plan)?),
                    };
                    Planned {
                        output: Output {
                            path: copy.file.clone(),
                            content,
                            recipe: Some(recipe),
                            integrity: Some(integrity.clone()),
                        },
                        media: media(&copy, plan.output_len(), integrity),
                        tagged,
                    }
                }
            };
            Ok((copy.session, copy.slot, planned))
        },
    )
    .into_iter()
    .collect()
}

/// The file the feed describes.
fn media(copy: &Copy, length: u64, integrity: String) -> MediaFile {
    let mime = copy
        .audio
        .published_format()
        .map_or("application/octet-stream", |(_, mime)| mime);
    MediaFile {
        file: copy.file.clone(),
        mime,
        length,
        audio: copy.audio.clone(),
        integrity,
    }
}

/// The Subresource Integrity digest (`podcast:integrity`) of a planned copy: SHA-384 of the
/// bytes it will have, streamed through the hasher as commit will stream them to disk.
fn integrity(plan: &TagPlan) -> Result<String> {
    let mut digest = Sri::default();
    crate::audio::tag::apply(plan, &mut digest)?;
    Ok(digest.finish())
}

/// A Subresource Integrity digest of what is written to it: SHA-384, in base64.
#[derive(Default)]
struct Sri(Sha384);

impl Sri {
    /// The digest, as `podcast:integrity` states it: `sha384-…`.
    fn finish(self) -> String {
        let digest = self.0.finalize();
        format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }
}

impl Write for Sri {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
