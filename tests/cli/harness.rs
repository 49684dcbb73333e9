//! The harness: a copy of the real project in a temporary folder, the `cyclecast` binary run
//! inside it, snapshots of folders for "unchanged" comparisons, and small readers for the
//! config, the feed's raw XML and the external tools the tests compare against.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The binary under test, built by cargo for this test target.
const BIN: &str = env!("CARGO_BIN_EXE_cyclecast");

/// "Today" for every run (`SOURCE_DATE_EPOCH`): 14 November 2023, after the whole cycle, so
/// that the pages do not change with the day the tests run.
pub const SOURCE_DATE_EPOCH: &str = "1700000000";

/// What a copy of the real project holds: everything `publish` reads, and no `feed/`.
const PROJECT_ENTRIES: &[&str] = &[
    "config.toml",
    "cover.jpg",
    "recordings",
    "reports",
    "drawings",
    "transcripts",
];

/// The repository, where the real project lives.
pub fn source_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the real project in a fresh temporary folder, removed when dropped.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// Copies config.toml, cover.jpg, recordings/, reports/ and drawings/ into a new folder,
    /// with the renditions of the real recordings already in its cache (see
    /// [`made_renditions`]).
    pub fn copy() -> Project {
        let project = Project::pristine();
        let cache = project.path(".cyclecast/renditions");
        fs::create_dir_all(&cache).expect("create the renditions cache");
        for entry in fs::read_dir(made_renditions()).expect("list the made renditions") {
            let from = entry.expect("list the made renditions").path();
            let to = cache.join(from.file_name().expect("a file name"));
            // A copy, not a hard link: other tests linking or unlinking a shared file would
            // move its change time, which the state's stamps watch.
            fs::copy(&from, &to).expect("copy a made rendition");
        }
        project
    }

    /// A copy of the real project as a fresh clone has it: no renditions made.
    pub fn pristine() -> Project {
        let dir = tempfile::Builder::new()
            .prefix("cyclecast-cli-")
            .tempdir()
            .expect("create a temporary folder");
        for entry in PROJECT_ENTRIES {
            copy_tree(&source_root().join(entry), &dir.path().join(entry));
        }
        Project { dir }
    }

    /// A copy of the fixture project `tests/fixtures/<case>/` in a new folder: every file but
    /// its `fixture.toml`, which lists what the harness makes there instead of storing it
    /// (`[[wav]]`: a tone of `seconds` at `sample_rate`, see [`wav`]; `[[jpeg]]`: a
    /// `size`×`size` image of one `rgb` colour, see [`jpeg`]).
    pub fn fixture(case: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("cyclecast-cli-")
            .tempdir()
            .expect("create a temporary folder");
        let from = source_root().join("tests/fixtures").join(case);
        assert!(from.is_dir(), "no fixture `{}`", from.display());
        for entry in fs::read_dir(&from).expect("list the fixture") {
            let entry = entry.expect("list the fixture");
            if entry.file_name() != "fixture.toml" {
                copy_tree(&entry.path(), &dir.path().join(entry.file_name()));
            }
        }
        let project = Project { dir };
        let manifest = from.join("fixture.toml");
        if manifest.exists() {
            project.make_generated(&read_text(&manifest));
        }
        project
    }

    /// Makes the files a fixture's `fixture.toml` lists.
    fn make_generated(&self, manifest: &str) {
        let manifest: toml::Table = manifest.parse().expect("fixture.toml is valid TOML");
        let entries = |key: &str| -> Vec<toml::Table> {
            manifest
                .get(key)
                .and_then(toml::Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|v| v.as_table().expect("a table").clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        let number = |t: &toml::Table, key: &str| -> u32 {
            t.get(key)
                .and_then(toml::Value::as_integer)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_else(|| panic!("fixture.toml: `{key}` should be a number"))
        };
        let path = |t: &toml::Table| -> PathBuf {
            let relative = t["path"]
                .as_str()
                .expect("fixture.toml: `path` is a string");
            let path = self.path(relative);
            fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
            path
        };
        for entry in entries("wav") {
            let bytes = wav(number(&entry, "seconds"), number(&entry, "sample_rate"));
            fs::write(path(&entry), bytes).expect("write a WAV");
        }
        for entry in entries("jpeg") {
            let size = u16::try_from(number(&entry, "size")).expect("a JPEG size");
            let rgb: Vec<u8> = entry["rgb"]
                .as_array()
                .expect("fixture.toml: `rgb` is an array")
                .iter()
                .map(|c| c.as_integer().and_then(|c| u8::try_from(c).ok()).unwrap())
                .collect();
            let rgb = rgb.try_into().expect("fixture.toml: `rgb` has 3 numbers");
            fs::write(path(&entry), jpeg(size, size, Fill::Rgb(rgb))).expect("write a JPEG");
        }
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the project.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    /// The default output folder.
    pub fn feed(&self) -> PathBuf {
        self.path("feed")
    }

    /// A file of the default output folder, read as text.
    pub fn feed_text(&self, relative: &str) -> String {
        read_text(&self.feed().join(relative))
    }

    /// The text of config.toml.
    pub fn config(&self) -> String {
        read_text(&self.path("config.toml"))
    }

    /// Overwrites config.toml.
    pub fn write_config(&self, text: &str) {
        fs::write(self.path("config.toml"), text).expect("write config.toml");
    }

    /// Makes the sample cycle's ready MP3 and M4A masters (about −22.5 LUFS) count as on
    /// target, so that they are published as they are (tagged copies), and asks for no
    /// radio or light rendition: for the tests of the copies themselves.
    pub fn publish_masters_as_they_are(&self) {
        self.write_config(&format!(
            "{}\n[renditions.podcast]\nloudness = -22.5\ntrue_peak = 0\n\n[renditions.radio]\nenabled = false\n\n[renditions.light]\nenabled = false\n",
            self.config()
        ));
    }

    /// Replaces `from`, which must occur exactly once, in config.toml.
    pub fn replace_in_config(&self, from: &str, to: &str) {
        let text = self.config();
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` should occur exactly once in config.toml"
        );
        self.write_config(&text.replacen(from, to, 1));
    }

    /// The cycle as config.toml describes it now.
    pub fn cycle(&self) -> CycleInfo {
        CycleInfo::parse(&self.config())
    }

    /// Runs the binary with `args`, the project folder as its working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// Runs the binary with `args` and these environment variables set (they override the
    /// default `SOURCE_DATE_EPOCH`).
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(self.root(), args, env)
    }

    /// Runs the binary like [`Project::run`], but kills it and fails the test when it has not
    /// ended within `limit` (it hung), and bounds its memory (1.5 GB of address space) so
    /// that reading an endless device fails fast instead of taking the machine's memory.
    #[track_caller]
    pub fn run_bounded(&self, args: &[&str], limit: std::time::Duration) -> Run {
        let stdout = self.path("run.stdout");
        let stderr = self.path("run.stderr");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 1500000; exec \"$0\" \"$@\"")
            .arg(BIN)
            .args(args)
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .stdin(std::process::Stdio::null())
            .stdout(fs::File::create(&stdout).unwrap())
            .stderr(fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("run the cyclecast binary");
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for cyclecast") {
                break status;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`cyclecast {}` still ran after {limit:?}: it hung\n{}",
                    args.join(" "),
                    fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let run = Run {
            args: args.iter().map(ToString::to_string).collect(),
            code: status.code(),
            stdout: fs::read_to_string(&stdout).unwrap_or_default(),
            stderr: fs::read_to_string(&stderr).unwrap_or_default(),
        };
        let _ = fs::remove_file(stdout);
        let _ = fs::remove_file(stderr);
        run
    }

    /// Runs `publish` and requires it to succeed.
    pub fn publish(&self) -> Run {
        self.run(&["publish"]).success()
    }
}

/// The renditions of the real recordings, made once per test run by publishing a pristine copy
/// of the project. Most tests are about pages, feeds, links or errors, not encoding: starting
/// from them spares each test encoding the five masters again, as a project published once
/// before would. The cache names each file by what it is made from (master, settings, tags),
/// so a test that changes a master, a target or a title still makes its own files; the tests
/// of the encoding itself (`renditions`, `durations`, `measure`) make their own masters, and a
/// test that needs a cold cache starts from [`Project::pristine`].
fn made_renditions() -> &'static Path {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let made = Path::new(env!("CARGO_TARGET_TMPDIR")).join("made-renditions");
        let _ = fs::remove_dir_all(&made);
        let project = Project::pristine();
        project.publish();
        copy_tree(&project.path(".cyclecast/renditions"), &made);
        made
    })
}

/// One run of the binary.
pub struct Run {
    /// The arguments given to the binary.
    pub args: Vec<String>,
    /// Exit status; `None` when killed by a signal.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Requires exit status 0.
    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success\n{self}");
        self
    }

    /// Requires this exit status.
    #[track_caller]
    pub fn failure(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "expected exit status {code}\n{self}");
        self
    }

    /// The lines of stderr that report an error (`FILE[:LINE:COL]: error: …`).
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .collect()
    }

    /// The one error line of stderr.
    #[track_caller]
    pub fn single_error(&self) -> &str {
        let errors = self.error_lines();
        assert_eq!(errors.len(), 1, "expected one error line\n{self}");
        errors[0]
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ cyclecast {}", self.args.join(" "))?;
        writeln!(f, "exit status: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// Every file under `dir` (hidden ones included), by path relative to it, with its bytes.
/// A folder that does not exist holds nothing.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .map(|(relative, path)| (relative, fs::read(&path).expect("read a file")))
        .collect()
}

/// Every file under `dir` with its modification time.
pub fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    files(dir)
        .into_iter()
        .map(|(relative, path)| {
            let modified = fs::metadata(&path)
                .and_then(|m| m.modified())
                .expect("read a modification time");
            (relative, modified)
        })
        .collect()
}

/// Asserts that two snapshots hold the same files with the same bytes, naming the differences.
#[track_caller]
pub fn assert_same_files(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let removed: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let changed: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        added.is_empty() && removed.is_empty() && changed.is_empty(),
        "{what} changed: added {added:?}, removed {removed:?}, changed {changed:?}"
    );
}

fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("list a folder").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("inside the folder")
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((relative, path));
            }
        }
    }
    found.sort();
    found
}

/// Copies the tree at `from` (a file, or a folder and everything in it) to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("create a folder");
        for entry in fs::read_dir(from).expect("list a folder") {
            let entry = entry.expect("list a folder");
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::copy(from, to)
            .unwrap_or_else(|e| panic!("copy `{}` into the project: {e}", from.display()));
    }
}

/// Reads a UTF-8 file, naming it on failure.
#[track_caller]
pub fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read `{}`: {e}", path.display()))
}

/// Where `needle`, which must occur exactly once in `text`, starts: 1-based line and column
/// (in characters), as cyclecast writes `config.toml:LINE:COL`.
#[track_caller]
pub fn position(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` should occur exactly once"
    );
    let offset = text.find(needle).expect("counted above");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The cycle as config.toml describes it, read with the toml crate (not with cyclecast).
pub struct CycleInfo {
    /// `podcast.title`.
    pub title: String,
    /// `podcast.base_url`, as written (it ends with `/`).
    pub base_url: String,
    /// The sessions, in file order.
    pub sessions: Vec<SessionInfo>,
    /// Every http(s) URL written anywhere in the file.
    pub urls: Vec<String>,
}

/// One `[[sessions]]` table.
pub struct SessionInfo {
    /// `number`.
    pub number: u32,
    /// `id`.
    pub id: String,
    /// `title`.
    pub title: String,
    /// `description`, trimmed as cyclecast trims it.
    pub description: String,
    /// The speakers' names.
    pub speakers: Vec<String>,
    /// `recording`, as written.
    pub recording: Option<String>,
    /// `episode_type`, when given.
    pub episode_type: Option<String>,
}

impl SessionInfo {
    /// `NN-id`: the anchor on the page and the stem of the published file.
    pub fn stem(&self) -> String {
        format!("{:02}-{}", self.number, self.id)
    }
}

impl CycleInfo {
    fn parse(text: &str) -> CycleInfo {
        let table: toml::Table = text.parse().expect("config.toml is valid TOML");
        let string = |v: &toml::Value, key: &str| -> String {
            v.get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("config.toml: `{key}` should be a string"))
                .to_string()
        };
        let podcast = &table["podcast"];
        let sessions = table["sessions"]
            .as_array()
            .expect("sessions is an array")
            .iter()
            .map(|s| SessionInfo {
                number: s["number"]
                    .as_integer()
                    .and_then(|n| u32::try_from(n).ok())
                    .expect("a session number"),
                id: string(s, "id"),
                title: string(s, "title"),
                description: string(s, "description").trim().to_string(),
                speakers: s
                    .get("speakers")
                    .and_then(toml::Value::as_array)
                    .map(|list| list.iter().map(|sp| string(sp, "name")).collect())
                    .unwrap_or_default(),
                recording: s
                    .get("recording")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string),
                episode_type: s
                    .get("episode_type")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string),
            })
            .collect();
        let mut urls = Vec::new();
        collect_urls(&toml::Value::Table(table.clone()), &mut urls);
        CycleInfo {
            title: string(podcast, "title"),
            base_url: string(podcast, "base_url"),
            sessions,
            urls,
        }
    }

    /// The session numbered `number`.
    #[track_caller]
    pub fn session(&self, number: u32) -> &SessionInfo {
        self.sessions
            .iter()
            .find(|s| s.number == number)
            .unwrap_or_else(|| panic!("no session {number} in config.toml"))
    }

    /// The session whose published file or anchor has this stem.
    #[track_caller]
    pub fn session_by_stem(&self, stem: &str) -> &SessionInfo {
        self.sessions
            .iter()
            .find(|s| s.stem() == stem)
            .unwrap_or_else(|| panic!("no session with stem `{stem}` in config.toml"))
    }
}

fn collect_urls(value: &toml::Value, urls: &mut Vec<String>) {
    match value {
        toml::Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            urls.push(s.clone());
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect_urls(v, urls)),
        toml::Value::Table(t) => t.values().for_each(|v| collect_urls(v, urls)),
        _ => {}
    }
}

/// The `<item>` elements of a feed's raw XML, in order.
pub fn items(xml: &str) -> Vec<&str> {
    xml.split("<item>")
        .skip(1)
        .map(|rest| rest.split("</item>").next().expect("split yields one part"))
        .collect()
}

/// The channel part of a feed's raw XML: everything before the first item.
pub fn channel(xml: &str) -> &str {
    xml.split("<item>").next().expect("split yields one part")
}

/// Every element named `name` in `xml`, whole (`<name …>…</name>` or `<name …/>`).
pub fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // `<itunes:episode` must not match `<itunes:episodeType`.
        if !after.starts_with(['>', ' ', '/', '\n', '\t']) {
            rest = after;
            continue;
        }
        let tag_end = after.find('>').expect("a start tag ends") + 1;
        let end = if after[..tag_end].ends_with("/>") {
            tag_end
        } else {
            after.find(&close).expect("an element is closed") + close.len()
        };
        found.push(&rest[start..start + open.len() + end]);
        rest = &after[end..];
    }
    found
}

/// The text inside the one element named `name` in `xml`, entities decoded.
#[track_caller]
pub fn element_text(xml: &str, name: &str) -> String {
    let found = elements(xml, name);
    assert_eq!(found.len(), 1, "expected one <{name}> in {xml}");
    text_of(found[0])
}

/// The text inside an element, entities decoded.
pub fn text_of(element: &str) -> String {
    let inner_start = element.find('>').expect("a start tag") + 1;
    if element[..inner_start].ends_with("/>") {
        return String::new();
    }
    let inner_end = element.rfind("</").expect("an end tag");
    unescape(&element[inner_start..inner_end])
}

/// The value of attribute `name` in an element's start tag, entities decoded.
pub fn attribute(element: &str, name: &str) -> Option<String> {
    let start_tag = &element[..element.find('>').expect("a start tag")];
    let key = format!(" {name}=\"");
    let from = start_tag.find(&key)? + key.len();
    let to = start_tag[from..].find('"')? + from;
    Some(unescape(&start_tag[from..to]))
}

/// Decodes the five predefined XML entities and numeric character references.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').expect("an entity ends with `;`");
        let entity = &after[..semi];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = entity
                    .strip_prefix("#x")
                    .map(|hex| u32::from_str_radix(hex, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse))
                    .unwrap_or_else(|| panic!("unknown entity `&{entity};`"))
                    .expect("a valid character reference");
                char::from_u32(code).expect("a valid character")
            }
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}

/// The published file (`episodes/NN-id.ext`) an item's enclosure names, relative to `base_url`.
#[track_caller]
pub fn enclosure_file(item: &str, base_url: &str) -> String {
    let enclosure = elements(item, "enclosure");
    assert_eq!(enclosure.len(), 1, "expected one enclosure in {item}");
    let url = attribute(enclosure[0], "url").expect("an enclosure url");
    url.strip_prefix(base_url)
        .unwrap_or_else(|| panic!("enclosure `{url}` is not under `{base_url}`"))
        .to_string()
}

/// The stem of a path: `episodes/01-x.mp3` → `01-x`.
pub fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// `H:MM:SS` from seconds, rounded to the nearest second, as `itunes:duration` is written.
pub fn itunes_duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
}

/// Runs an external tool the tests compare against: the real one [`crate::oracle`] found (the
/// test called [`crate::oracle::require`] for it first).
#[track_caller]
pub fn tool(name: &'static str, args: &[&str]) -> Vec<u8> {
    let program = crate::oracle::path(name)
        .unwrap_or_else(|| panic!("`{name}` is not installed: call oracle::require first"));
    let output = Command::new(&program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{}` ({e})", program.display()));
    assert!(
        output.status.success(),
        "`{name} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Copies the audio of the MP3 `source` into `target` byte for byte, dropping its tags (an
/// ID3v2 tag at the start, an ID3v1 tag at the end) and writing `tags` instead, in an ID3v2.4
/// tag, under ffmpeg's names and as `ffmpeg -map_metadata -1 -c copy -metadata KEY=VALUE`
/// writes them: `title` (TIT2), `artist` (TPE1), `album` (TALB), `date` (TDRC), and any other
/// name, `comment` included, as a `TXXX` frame it describes. Made with the id3 crate, so the
/// tests that use it need no ffmpeg. (ffmpeg also rewrites the Xing/Info frame and adds its
/// own TSSE; this copy keeps the recording's Info frame and adds nothing.)
pub fn tagged_copy(source: &Path, target: &Path, tags: &[(&str, &str)]) {
    let bytes = fs::read(source).unwrap_or_else(|e| panic!("read `{}`: {e}", source.display()));
    let mut audio = &bytes[..];
    if audio.starts_with(b"ID3") && audio.len() >= 10 {
        let size = audio[6..10]
            .iter()
            .fold(0usize, |size, &b| size << 7 | usize::from(b & 0x7F));
        let footer = if audio[5] & 0x10 != 0 { 10 } else { 0 };
        audio = &audio[10 + size + footer..];
    }
    if audio.len() >= 128 && audio[audio.len() - 128..].starts_with(b"TAG") {
        audio = &audio[..audio.len() - 128];
    }
    use id3::TagLike;
    let mut tag = id3::Tag::with_version(id3::Version::Id3v24);
    for (key, value) in tags {
        let id = match *key {
            "title" => "TIT2",
            "artist" => "TPE1",
            "album" => "TALB",
            "date" => "TDRC",
            _ => {
                tag.add_frame(id3::frame::ExtendedText {
                    description: (*key).to_string(),
                    value: (*value).to_string(),
                });
                continue;
            }
        };
        tag.add_frame(id3::Frame::text(id, *value));
    }
    let mut copy = Vec::with_capacity(bytes.len() + 1024);
    tag.write_to(&mut copy, id3::Version::Id3v24)
        .expect("write an ID3v2.4 tag");
    copy.extend_from_slice(audio);
    fs::write(target, copy).unwrap_or_else(|e| panic!("write `{}`: {e}", target.display()));
}

/// The sample rate ffmpeg decodes a file's first audio stream at, read with ffprobe.
pub fn sample_rate(path: &Path) -> u64 {
    let file = path.to_str().expect("a UTF-8 path");
    let out = tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=sample_rate",
            "-of",
            "csv=p=0",
            file,
        ],
    );
    // ffprobe may end the line with a stray `,` (an empty side-data column).
    String::from_utf8_lossy(&out)
        .split([',', '\n'])
        .next()
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or_else(|| panic!("ffprobe gave no sample rate for {file}"))
}

/// A plain colour to fill a test image with, in the image's own colour model.
#[derive(Debug, Clone, Copy)]
pub enum Fill {
    /// Red, green, blue.
    Rgb([u8; 3]),
    /// Red, green, blue and alpha (PNG only).
    Rgba([u8; 4]),
    /// Cyan, magenta, yellow, black inks (JPEG only).
    Cmyk([u8; 4]),
}

impl Fill {
    fn pixels(self, width: u32, height: u32) -> Vec<u8> {
        let pixel: &[u8] = match &self {
            Fill::Rgb(p) => p,
            Fill::Rgba(p) | Fill::Cmyk(p) => p,
        };
        pixel.repeat(width as usize * height as usize)
    }
}

/// A `width`×`height` JPEG of one colour, RGB (stored as YCbCr, as cameras do) or CMYK (four
/// components and an Adobe APP14 segment, as print software writes it). Made in Rust so the
/// tests need no ImageMagick (issue 10).
pub fn jpeg(width: u16, height: u16, fill: Fill) -> Vec<u8> {
    let color = match fill {
        Fill::Rgb(_) => jpeg_encoder::ColorType::Rgb,
        Fill::Cmyk(_) => jpeg_encoder::ColorType::Cmyk,
        Fill::Rgba(_) => panic!("a JPEG has no alpha channel"),
    };
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90)
        .encode(
            &fill.pixels(width.into(), height.into()),
            width,
            height,
            color,
        )
        .expect("encode a JPEG");
    bytes
}

/// A `width`×`height` 8-bit PNG of one colour: truecolour (colour type 2) for `Fill::Rgb`,
/// truecolour with alpha (colour type 6) for `Fill::Rgba`.
pub fn png(width: u32, height: u32, fill: Fill) -> Vec<u8> {
    let color = match fill {
        Fill::Rgb(_) => png::ColorType::Rgb,
        Fill::Rgba(_) => png::ColorType::Rgba,
        Fill::Cmyk(_) => panic!("a PNG has no CMYK"),
    };
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().expect("write a PNG header");
    writer
        .write_image_data(&fill.pixels(width, height))
        .expect("write PNG pixels");
    writer.finish().expect("finish a PNG");
    bytes
}

/// A WAV file (16-bit mono PCM, a 44-byte header and the samples) of `seconds` of a 440 Hz
/// triangle wave at `sample_rate`: a recording every decoder reads, made without an encoder.
/// Integer arithmetic only, so the bytes are the same on every machine.
pub fn wav(seconds: u32, sample_rate: u32) -> Vec<u8> {
    let samples = seconds * sample_rate;
    let data_len = samples * 2;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes()); // the fmt chunk's size
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&sample_rate.to_le_bytes());
    bytes.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // bytes per second
    bytes.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    bytes.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    let period = u64::from(sample_rate);
    for n in 0..u64::from(samples) {
        // Where this sample falls in the wave's period, in 1/sample_rate of a period.
        let phase = (n * 440) % period;
        let quarter = period / 4;
        let level = if phase < quarter {
            phase as i64
        } else if phase < 3 * quarter {
            2 * quarter as i64 - phase as i64
        } else {
            phase as i64 - 4 * quarter as i64
        };
        let sample = (level * 8000 / quarter as i64) as i16;
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    bytes
}

/// A builder of the tests' HTTP clients. reqwest is built without a TLS provider (cyclecast
/// installs ring before its own clients), so every client of the tests installs it too.
pub fn http() -> reqwest::blocking::ClientBuilder {
    cyclecast::online::client::install_tls();
    reqwest::blocking::Client::builder()
}

/// A GET of `url` by a client of [`http`].
pub fn http_get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::blocking::Response> {
    http().build()?.get(url).send()
}

/// Runs the binary with `args` in `dir` (a project folder, say a copy made elsewhere), with
/// these environment variables set (they override the default `SOURCE_DATE_EPOCH`).
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .envs(env.iter().copied())
        .output()
        .expect("run the cyclecast binary");
    Run {
        args: args.iter().map(ToString::to_string).collect(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
