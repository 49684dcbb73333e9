//! What a long publish shows while it works: bars on a terminal, one plain line per step
//! otherwise, nothing with `--quiet`.
//!
//! The pipeline reports stages and files; this module decides how they look. A [`Progress`]
//! is cheap to clone and can be used from worker threads. Everything goes to standard error,
//! so that standard output stays for what a script reads (`--json`).
//!
//! In [`Style::Bars`], one indicatif [`MultiProgress`] holds an overall bar for the current
//! stage (all its bytes, with elapsed time, throughput and time left) and one bar per file in
//! work, removed when its [`FileTask`] ends. In [`Style::Stages`], each stage prints one line
//! such as `checking 5 files (1.6 MB)`; [`Style::Lines`] (`--verbose`) adds one per file, such
//! as `tagging episodes/01-x.mp3 (312 kB)`: no carriage return, no escape code, the same
//! wording from one run to the next.

use crate::model::text::printable;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the overall bar redraws on its own: elapsed time and ETA keep moving while a
/// long file is read, and even a publish that is over in a moment shows the bar once.
const TICK: Duration = Duration::from_millis(100);

/// The overall bar: stage, file count, bytes done of all, throughput, elapsed, time left.
/// Sizes in decimal units, as the plain lines write them.
const OVERALL_TEMPLATE: &str = "{prefix:>9} {msg:<9} [{bar:16}] {decimal_bytes}/{decimal_total_bytes} \
     {decimal_bytes_per_sec}, {elapsed} elapsed, ETA {eta}";

/// A file's bar: verb, bytes done of the file, time left, then its label, cut to the width.
const FILE_TEMPLATE: &str =
    "{prefix:>9} [{bar:12}] {decimal_bytes}/{decimal_total_bytes}, ETA {eta} {wide_msg}";

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// indicatif bars on standard error (a terminal): one overall, one per file in work.
    Bars,
    /// One plain line per stage on standard error (a pipe, a log file, CI).
    Stages,
    /// One plain line per stage and per file on standard error (`--verbose` off a terminal).
    Lines,
    /// Nothing.
    Quiet,
}

/// How much a command says as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing but errors.
    Quiet,
    /// What a person follows: bars on a terminal, a line per stage elsewhere.
    Normal,
    /// Also a line per file, off a terminal.
    Verbose,
}

impl Style {
    /// Bars when standard error is a terminal that can draw them, plain lines otherwise, or
    /// nothing when quiet.
    pub fn detect(verbosity: Verbosity) -> Style {
        use std::io::IsTerminal as _;
        match verbosity {
            Verbosity::Quiet => Style::Quiet,
            _ if std::io::stderr().is_terminal() && !is_dumb_terminal() => Style::Bars,
            Verbosity::Normal => Style::Stages,
            Verbosity::Verbose => Style::Lines,
        }
    }
}

/// Whether `TERM` says the terminal cannot move its cursor; indicatif hides its bars there,
/// so plain lines are the only way to show anything.
fn is_dumb_terminal() -> bool {
    std::env::var_os("TERM").is_none_or(|term| term.is_empty() || term == "dumb")
}

/// The progress of one command.
#[derive(Debug, Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    style: Style,
    /// The bars, in [`Style::Bars`] only.
    bars: Option<Bars>,
}

/// The drawn bars: shared by every clone of a [`Progress`], and by each thread.
#[derive(Debug)]
struct Bars {
    multi: MultiProgress,
    /// The current stage's bar; `None` before the first stage and after [`Progress::finish`].
    overall: Mutex<Option<ProgressBar>>,
}

impl Progress {
    /// Progress shown in `style`.
    pub fn new(style: Style) -> Progress {
        let bars = (style == Style::Bars).then(|| Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            overall: Mutex::new(None),
        });
        Progress {
            inner: Arc::new(Inner { style, bars }),
        }
    }

    /// Progress that shows nothing (library callers, tests).
    pub fn hidden() -> Progress {
        Progress::new(Style::Quiet)
    }

    /// How this progress is shown.
    pub fn style(&self) -> Style {
        self.inner.style
    }

    /// Starts a stage of `files` files holding `bytes` bytes in all, e.g. `("tagging", 5, …)`.
    /// The overall bar now counts this stage's bytes.
    pub fn stage(&self, name: &str, files: u64, bytes: u64) {
        match (&self.inner.bars, self.inner.style) {
            (Some(bars), _) => bars.start_stage(name, files, bytes),
            (None, Style::Stages | Style::Lines) => {
                eprintln!("{}", stage_line(name, files, bytes));
            }
            (None, _) => {}
        }
    }

    /// Starts work on one file of the current stage; the task ends when dropped.
    pub fn file(&self, verb: &str, label: &str, bytes: u64) -> FileTask {
        let bars = match (&self.inner.bars, self.inner.style) {
            (Some(bars), _) => Some(bars.start_file(verb, label, bytes)),
            (None, Style::Lines) => {
                eprintln!("{}", file_line(verb, label, bytes));
                None
            }
            (None, _) => None,
        };
        FileTask { bars }
    }

    /// Prints a message (a warning, say) on its own line: above the bars, which are drawn
    /// again below it, or as a plain line. Nothing when quiet.
    pub fn line(&self, text: &str) {
        match (&self.inner.bars, self.inner.style) {
            (Some(bars), _) => bars.multi.suspend(|| eprintln!("{text}")),
            (None, Style::Stages | Style::Lines) => eprintln!("{text}"),
            (None, _) => {}
        }
    }

    /// Clears the bars before the summary is printed. Calling it again does nothing.
    pub fn finish(&self) {
        if let Some(bars) = &self.inner.bars {
            bars.finish();
        }
    }
}

impl Bars {
    fn start_stage(&self, name: &str, files: u64, bytes: u64) {
        let bar = ProgressBar::new(bytes)
            .with_style(bar_style(OVERALL_TEMPLATE))
            .with_prefix(printable(name).into_owned())
            .with_message(format!("{files} file{}", plural(files)));
        let mut overall = self.overall.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(previous) = overall.take() {
            previous.finish_and_clear();
            self.multi.remove(&previous);
        }
        // First in the list: the files' bars of this stage come below it.
        let bar = self.multi.insert(0, bar);
        // Drawn now, not when the ticker's thread first runs: a stage may be over before.
        bar.tick();
        bar.enable_steady_tick(TICK);
        *overall = Some(bar);
    }

    fn start_file(&self, verb: &str, label: &str, bytes: u64) -> TaskBars {
        let file = ProgressBar::new(bytes)
            .with_style(bar_style(FILE_TEMPLATE))
            .with_prefix(printable(verb).into_owned())
            .with_message(printable(label).into_owned());
        let file = self.multi.add(file);
        file.tick();
        let overall = self
            .overall
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        TaskBars {
            multi: self.multi.clone(),
            file,
            overall,
        }
    }

    fn finish(&self) {
        let overall = self
            .overall
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(bar) = overall {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        // A failed clear leaves stray bar lines above the summary; nothing worse.
        let _ = self.multi.clear();
    }
}

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("the bar templates are valid")
        .progress_chars("=> ")
}

/// Work on one file: advanced as its bytes go through.
#[derive(Debug)]
pub struct FileTask {
    /// The file's bar and the stage's, in [`Style::Bars`] only.
    bars: Option<TaskBars>,
}

#[derive(Debug)]
struct TaskBars {
    multi: MultiProgress,
    file: ProgressBar,
    /// The stage's bar when the task started, which this file's bytes count toward.
    overall: Option<ProgressBar>,
}

impl FileTask {
    /// `bytes` more bytes of the file were processed.
    pub fn advance(&self, bytes: u64) {
        if let Some(bars) = &self.bars {
            bars.file.inc(bytes);
            if let Some(overall) = &bars.overall {
                overall.inc(bytes);
            }
        }
    }

    /// Wraps a reader of the file so that reading it advances the task.
    pub fn reader<R: Read>(&self, inner: R) -> ProgressReader<'_, R> {
        ProgressReader { task: self, inner }
    }
}

impl Drop for FileTask {
    fn drop(&mut self) {
        if let Some(bars) = &self.bars {
            bars.file.finish_and_clear();
            bars.multi.remove(&bars.file);
        }
    }
}

/// A reader that advances a [`FileTask`] by what it reads.
#[derive(Debug)]
pub struct ProgressReader<'a, R> {
    task: &'a FileTask,
    inner: R,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.task.advance(n as u64);
        Ok(n)
    }
}

/// The plain line that starts a stage: `checking 5 files (1.6 MB)`.
fn stage_line(name: &str, files: u64, bytes: u64) -> String {
    format!(
        "{} {files} file{} ({})",
        printable(name),
        plural(files),
        human_size(bytes)
    )
}

/// The plain line that starts work on a file: `tagging episodes/01-x.mp3 (312 kB)`.
fn file_line(verb: &str, label: &str, bytes: u64) -> String {
    format!(
        "{} {} ({})",
        printable(verb),
        printable(label),
        human_size(bytes)
    )
}

/// A size in decimal units, three significant digits at most: `999 B`, `1.6 MB`, `312 kB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut text = String::new();
    for unit in UNITS {
        value /= 1000.0;
        text = if value < 9.95 {
            format!("{value:.1} {unit}")
        } else {
            format!("{value:.0} {unit}")
        };
        // 999 999 B rounds to `1000 kB`: say `1.0 MB` instead.
        if value < 999.5 {
            break;
        }
    }
    text
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_sizes_in_decimal_units_with_three_digits_at_most() {
        let cases = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (1_640, "1.6 kB"),
            (9_949, "9.9 kB"),
            (9_950, "10 kB"),
            (312_000, "312 kB"),
            (999_499, "999 kB"),
            (999_999, "1.0 MB"),
            (1_600_000, "1.6 MB"),
            (48_300_000, "48 MB"),
            (2_500_000_000, "2.5 GB"),
            (u64::MAX, "18 EB"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(human_size(bytes), expected, "{bytes} bytes");
        }
    }

    #[test]
    fn a_stage_line_counts_files_and_bytes() {
        assert_eq!(
            stage_line("checking", 5, 1_600_000),
            "checking 5 files (1.6 MB)"
        );
        assert_eq!(stage_line("hashing", 1, 312_000), "hashing 1 file (312 kB)");
        assert_eq!(stage_line("writing", 0, 0), "writing 0 files (0 B)");
    }

    #[test]
    fn a_file_line_names_the_file_and_its_size() {
        assert_eq!(
            file_line("tagging", "episodes/01-x.mp3", 312_000),
            "tagging episodes/01-x.mp3 (312 kB)"
        );
    }

    #[test]
    fn escapes_control_characters_in_a_file_name() {
        let line = file_line("probing", "recordings/a\rb\x1b[2Jc.mp3", 10);
        assert_eq!(line, "probing recordings/a\\rb\\u{1b}[2Jc.mp3 (10 B)");
        assert!(!line.contains(['\r', '\x1b']));
    }

    #[test]
    fn hidden_progress_accepts_every_call() {
        let progress = Progress::hidden();
        assert_eq!(progress.style(), Style::Quiet);
        progress.stage("hashing", 2, 10);
        let task = progress.file("hashing", "a.mp3", 10);
        let mut read = Vec::new();
        task.reader(&b"0123456789"[..])
            .read_to_end(&mut read)
            .unwrap();
        assert_eq!(read, b"0123456789");
        drop(task);
        progress.line("a warning");
        progress.finish();
    }

    #[test]
    fn bars_count_a_file_s_bytes_toward_the_stage_and_drop_the_file_s_bar() {
        // Off a terminal the draw target is hidden, but the bars still count.
        let progress = Progress::new(Style::Bars);
        progress.stage("hashing", 2, 30);
        let bars = progress.inner.bars.as_ref().unwrap();
        let overall = bars.overall.lock().unwrap().clone().unwrap();
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let progress = progress.clone();
                std::thread::spawn(move || {
                    let task = progress.file("hashing", &format!("{i}.mp3"), 15);
                    let mut sink = Vec::new();
                    task.reader(&[0u8; 15][..]).read_to_end(&mut sink).unwrap();
                    assert_eq!(task.bars.as_ref().unwrap().file.position(), 15);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(overall.position(), 30);
        progress.finish();
        assert!(overall.is_finished());
        assert!(bars.overall.lock().unwrap().is_none());
    }
}
