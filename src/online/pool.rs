//! A bounded pool of requests under one time limit, which the link and deployed checks share.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Runs `work` on every item, at most `jobs` at once, until all are done or `limit` has
/// passed; returns each item's result in the order of `items`, `None` for those not done in
/// time (their requests are dropped).
pub async fn run_all<I, T, F, Fut>(
    items: Vec<I>,
    jobs: usize,
    limit: Duration,
    work: F,
) -> Vec<Option<T>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let deadline = tokio::time::Instant::now() + limit;
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let mut results: Vec<Option<T>> = (0..items.len()).map(|_| None).collect();
    let mut set = JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let future = work(item);
        set.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            (index, future.await)
        });
    }
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, set.join_next()).await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    set.abort_all();
    results
}
