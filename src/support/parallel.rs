//! Per-file work, several files at once: hashing, probing, scanning and writing recordings.
//!
//! The work is CPU- and disk-bound, so it runs on tokio's blocking threads; the number of
//! blocking threads is the bound (`--jobs`), so at most that many files are open and in
//! memory at once whatever the size of the cycle.

use std::sync::Arc;

/// How many files to work on at once by default: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Applies `work` to every item, at most `jobs` at a time, and returns the results in the
/// items' order. A panic in `work` is resumed in the caller.
pub fn map<T, R, F>(jobs: usize, items: Vec<T>, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
{
    if jobs <= 1 || items.len() <= 1 {
        return items.into_iter().map(work).collect();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(jobs)
        .build()
        .expect("a tokio runtime without IO or timers always builds");
    let work = Arc::new(work);
    runtime.block_on(async move {
        let tasks: Vec<_> = items
            .into_iter()
            .map(|item| {
                let work = Arc::clone(&work);
                tokio::task::spawn_blocking(move || work(item))
            })
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            match task.await {
                Ok(result) => results.push(result),
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        results
    })
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
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Send + Sync + 'static,
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
    use std::sync::atomic::{AtomicUsize, Ordering};

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
    #[should_panic(expected = "boom")]
    fn passes_a_panic_on_to_the_caller() {
        map(2, vec![1, 2, 3], |n| {
            if n == 2 {
                panic!("boom");
            }
        });
    }
}
