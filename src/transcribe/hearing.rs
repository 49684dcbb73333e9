//! Several windows heard at once, their words handed on in the master's order.
//!
//! On a few cores, one window per thread beats every thread on one window: greedy decoding
//! runs one token at a time, whose small products keep several threads waiting on each
//! other. So the engine holds one replica of the model per worker, each on one thread, and
//! each worker takes the next window as it finishes its own. Memory stays bounded: a worker
//! holds one window's samples; a window heard before an earlier one waits as its words only.

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
    let source = Mutex::new((next, 0_usize));
    let stop = AtomicBool::new(false);
    let take = || -> Result<Option<(usize, Window)>> {
        let mut source = source.lock().map_err(|_| anyhow!("a worker panicked"))?;
        let (next, count) = &mut *source;
        let Some(window) = next()? else {
            return Ok(None);
        };
        *count += 1;
        Ok(Some((*count - 1, window)))
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel::<Result<(usize, Range<u64>, Vec<Word>)>>();
        for _ in 0..workers.max(1) {
            let sender = sender.clone();
            let (take, hear, stop) = (&take, &hear, &stop);
            scope.spawn(move || {
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
                std::thread::sleep(std::time::Duration::from_millis(5));
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
        assert!(taken.load(Ordering::Relaxed) < 20, "the workers went on");
    }
}
