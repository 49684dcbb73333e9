//! Several windows heard at once, their words handed on in the master's order.
//!
//! On a few cores, one window per thread beats every thread on one window: greedy decoding
//! runs one token at a time, whose small products keep several threads waiting on each
//! other. So the engine holds one replica of the model per worker, each on one thread, and
//! each worker takes the next window as it finishes its own. A worker holds one window's
//! samples; a window heard before an earlier one waits as its words only (a few hundred
//! bytes), however far ahead the other workers get. On a failure, windows heard but still
//! waiting are dropped: the journal keeps only windows whose earlier ones are all in it.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use anyhow::{Result, anyhow};

use super::cues::Word;
use super::windows::Window;

/// Takes the windows of `next` (until it gives `None` or fails) on `workers` threads, hears
/// each through `hear`, and gives `heard` each window's samples (counted from the master's
/// start) with its words, in the windows' order.
/// The first failure (of `next`, `hear` or `heard`) stops the workers taking windows, and is
/// returned once they stop.
pub fn in_order<N, H, F>(workers: usize, next: N, hear: H, mut heard: F) -> Result<()>
where
    N: FnMut() -> Result<Option<Window>> + Send,
    H: Fn(&Window) -> Result<Vec<Word>> + Sync,
    F: FnMut(Range<u64>, Vec<Word>) -> Result<()>,
{
    // `next`, until it ended or failed; and how many windows it gave.
    let source = Mutex::new((Some(next), 0_usize));
    let stop = AtomicBool::new(false);
    let take = || -> Result<Option<(usize, Window)>> {
        let mut source = source.lock().map_err(|_| anyhow!("a worker panicked"))?;
        let (next, count) = &mut *source;
        let Some(taking) = next else {
            return Ok(None);
        };
        match taking() {
            Ok(Some(window)) => {
                *count += 1;
                Ok(Some((*count - 1, window)))
            }
            ended => {
                *next = None;
                ended.map(|_| None)
            }
        }
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel::<Result<(usize, Range<u64>, Vec<Word>)>>();
        for _ in 0..workers.max(1) {
            let sender = sender.clone();
            let (take, hear, stop) = (&take, &hear, &stop);
            scope.spawn(move || {
                let _panicking = StopOnPanic(stop);
                while !stop.load(Ordering::Relaxed) {
                    let result = match take() {
                        Ok(None) => break,
                        Ok(Some((index, window))) => {
                            hear(&window).map(|words| (index, window.start..window.end(), words))
                        }
                        Err(e) => Err(e),
                    };
                    let failed = result.is_err();
                    if failed {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if sender.send(result).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        let mut handed = || -> Result<()> {
            for message in &receiver {
                let (index, span, words) = message?;
                waiting.insert(index, (span, words));
                while let Some((span, words)) = waiting.remove(&expected) {
                    heard(span, words)?;
                    expected += 1;
                }
            }
            Ok(())
        };
        let outcome = handed();
        // On a failure the workers finish the window they hold, and take no other.
        stop.store(true, Ordering::Relaxed);
        outcome
    })
}

/// Stops the other workers when the one holding it panics: the panic reaches the caller
/// once they stop, not after they heard the rest of the recording.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: u64) -> Window {
        Window {
            start,
            samples: vec![0.0; 10],
        }
    }

    fn word(window: &Window) -> Vec<Word> {
        vec![Word {
            text: format!("w{}", window.start),
            start_ms: window.start,
            end_ms: window.start + 1,
        }]
    }

    /// Windows that take longer to hear the earlier they come still reach `heard` in order.
    #[test]
    fn windows_are_handed_on_in_order_whatever_finishes_first() {
        let mut starts = (0..12).map(|i| i * 10);
        let mut seen = Vec::new();
        in_order(
            3,
            || Ok(starts.next().map(window)),
            |w| {
                std::thread::sleep(std::time::Duration::from_millis(30 - w.start / 5));
                Ok(word(w))
            },
            |span, words| {
                seen.push((span.start, words[0].text.clone()));
                Ok(())
            },
        )
        .unwrap();
        let expected: Vec<_> = (0..12).map(|i| (i * 10, format!("w{}", i * 10))).collect();
        assert_eq!(seen, expected);
    }

    /// A failure to hear one window stops the run: the failure is returned, no window after
    /// it is handed on, and the workers stop taking windows.
    #[test]
    fn a_failure_stops_the_workers_and_is_returned() {
        let taken = std::sync::atomic::AtomicUsize::new(0);
        let mut seen = Vec::new();
        let result = in_order(
            2,
            || {
                let i = taken.fetch_add(1, Ordering::Relaxed) as u64;
                Ok((i < 1000).then(|| window(i)))
            },
            |w| {
                if w.start == 3 {
                    anyhow::bail!("the model failed on window 3")
                }
                // A window takes a while to hear, as with a model.
                std::thread::sleep(std::time::Duration::from_millis(10));
                Ok(word(w))
            },
            |span, _| {
                seen.push(span.start);
                Ok(())
            },
        );
        assert_eq!(
            result.unwrap_err().to_string(),
            "the model failed on window 3"
        );
        // The failure is returned as it comes: windows before it may not all have been handed
        // on yet, but those that were came in order, and none after it.
        assert!(seen.len() <= 3, "{seen:?}");
        assert!(seen.iter().copied().eq(0..seen.len() as u64), "{seen:?}");
        assert!(taken.load(Ordering::Relaxed) < 100, "the workers went on");
    }

    /// Windows that stop coming with a failure, or a panic while hearing one: the failure
    /// is returned (the panic resumed) once the workers stopped, having taken few windows
    /// more, and `next` is never asked again once it failed.
    #[test]
    fn a_failing_source_or_a_panic_stops_the_workers() {
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let result = in_order(
            2,
            || {
                let i = asked.fetch_add(1, Ordering::Relaxed) as u64;
                if i >= 5 {
                    anyhow::bail!("the master is damaged at window {i}")
                }
                Ok(Some(window(i)))
            },
            |w| Ok(word(w)),
            |_, _| Ok(()),
        );
        assert_eq!(
            result.unwrap_err().to_string(),
            "the master is damaged at window 5"
        );
        assert_eq!(
            asked.load(Ordering::Relaxed),
            6,
            "asked again after failing"
        );

        let taken = std::sync::atomic::AtomicUsize::new(0);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            in_order(
                2,
                || {
                    let i = taken.fetch_add(1, Ordering::Relaxed) as u64;
                    Ok((i < 10_000).then(|| window(i)))
                },
                |w| {
                    assert!(w.start != 3, "a bug while hearing window 3");
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    Ok(word(w))
                },
                |_, _| Ok(()),
            )
        }));
        assert!(panicked.is_err(), "the panic was not resumed");
        // The workers stop once the panic unwinds, after the panic hook (which may print a
        // backtrace, slowly): well before the 10,000 windows, 50 s of hearing.
        assert!(
            taken.load(Ordering::Relaxed) < 10_000,
            "the workers went on"
        );
    }
}
