//! Per-file work, several files at once: hashing, probing, scanning and writing recordings.
//!
//! The work is CPU- and disk-bound: it runs on at most `jobs` worker threads (`--jobs`), scoped
//! to the call, which take the items one after the other; so at most that many files are open
//! and in memory at once whatever the size of the cycle, and the work may borrow from the
//! caller. No async runtime is involved (tokio serves only `cyclecast serve`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many files to work on at once by default: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Applies `work` to every item, at most `jobs` at a time, and returns the results in the
/// items' order. A panic in `work` is resumed in the caller, once every worker has stopped.
pub fn map<T, R, F>(jobs: usize, items: Vec<T>, work: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    if jobs <= 1 || items.len() <= 1 {
        return items.into_iter().map(work).collect();
    }
    let count = items.len();
    // Each item is taken once: the next index to take says which.
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = slots.get(index) else {
                return Ok(done);
            };
            let item = slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
                .expect("each item is taken once");
            // Caught here rather than at the join, so that the other workers stop taking
            // items at once, not when the caller gets round to joining this one.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(item))) {
                Ok(result) => done.push((index, result)),
                Err(payload) => {
                    next.store(count, Ordering::Relaxed);
                    return Err(payload);
                }
            }
        }
    };
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(count).collect();
    let mut panicked = None;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(count)).map(|_| scope.spawn(worker)).collect();
        for worker in workers {
            match worker.join().unwrap_or_else(Err) {
                Ok(done) => {
                    for (index, result) in done {
                        results[index] = Some(result);
                    }
                }
                Err(payload) => {
                    panicked.get_or_insert(payload);
                }
            }
        }
    });
    if let Some(payload) = panicked {
        std::panic::resume_unwind(payload);
    }
    results
        .into_iter()
        .map(|result| result.expect("every item was worked on"))
        .collect()
}

/// [`map`] for items of which many need no work (a file unchanged since the last publish):
/// `ready` answers those at once in the caller's thread, and only the others go to the
/// workers, so that a run with nothing to do starts no thread. Results in the items' order.
pub fn map_unless_ready<T, R, F>(
    jobs: usize,
    items: Vec<T>,
    mut ready: impl FnMut(&T) -> Option<R>,
    work: F,
) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let mut answers = Vec::with_capacity(items.len());
    let mut rest = Vec::new();
    for item in items {
        let answer = ready(&item);
        if answer.is_none() {
            rest.push(item);
        }
        answers.push(answer);
    }
    let mut worked = map(jobs, rest, work).into_iter();
    answers
        .into_iter()
        .map(|answer| {
            answer
                .or_else(|| worked.next())
                .expect("one result per item")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn keeps_the_order_of_the_items() {
        let squares = map(3, (0..50u64).collect(), |n| n * n);
        assert_eq!(squares, (0..50u64).map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn never_runs_more_than_jobs_at_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (r, m) = (Arc::clone(&running), Arc::clone(&most));
        map(2, (0..12).collect(), move |_: i32| {
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(10));
            r.fetch_sub(1, Ordering::SeqCst);
        });
        let most = most.load(Ordering::SeqCst);
        assert!((1..=2).contains(&most), "{most} at once");
    }

    #[test]
    fn works_only_on_items_not_ready() {
        let worked = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&worked);
        let doubled = map_unless_ready(
            2,
            (0..10u32).collect(),
            |n| (n % 2 == 0).then_some(*n * 2),
            move |n| {
                count.fetch_add(1, Ordering::SeqCst);
                n * 2
            },
        );
        assert_eq!(doubled, (0..10u32).map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(worked.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn borrows_from_the_caller_and_starts_no_more_workers_than_items() {
        let base = [10u32, 20, 30];
        let threads = Mutex::new(std::collections::HashSet::new());
        let sums = map(8, vec![0usize, 1, 2], |i| {
            threads.lock().unwrap().insert(std::thread::current().id());
            std::thread::sleep(std::time::Duration::from_millis(10));
            base[i] + 1
        });
        assert_eq!(sums, [11, 21, 31]);
        assert!(threads.into_inner().unwrap().len() <= 3);
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn passes_a_panic_on_to_the_caller() {
        map(2, vec![1, 2, 3], |n| {
            if n == 2 {
                panic!("boom");
            }
        });
    }

    #[test]
    fn stops_taking_items_once_one_panicked() {
        let started = AtomicUsize::new(0);
        // The default hook prints a backtrace before the worker can catch the panic, which
        // takes most of a second in a debug build with RUST_BACKTRACE set: silenced here, so
        // that what is timed is the pool, not the printing.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            map(2, (0..40).collect(), |n: u32| {
                started.fetch_add(1, Ordering::SeqCst);
                match n {
                    // Still busy when the other worker panics, and joined first.
                    0 => std::thread::sleep(std::time::Duration::from_millis(100)),
                    1 => panic!("boom"),
                    _ => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            })
        }));
        std::panic::set_hook(hook);
        assert!(outcome.is_err());
        let started = started.load(Ordering::SeqCst);
        assert!(started <= 3, "{started} items started after the panic");
    }
}
