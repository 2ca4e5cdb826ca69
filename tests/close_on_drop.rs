//! `CloseOnDrop`: a generator dropped unfinished is closed on a tokio task, so its
//! `finally` cleanup runs after all; finished, unstarted and taken-out generators spawn
//! nothing, and without a runtime the drop is an ordinary drop.
#![cfg(all(feature = "tokio", feature = "macros"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen::generators::CloseOnDrop;
use asyncgen::prelude::*;
use tokio::sync::oneshot;

type Log = Arc<Mutex<Vec<&'static str>>>;

/// Yields 0, 1, 2 inside `try`; its cleanup awaits a timer, then logs.
fn logged(log: Log) -> impl AsyncGenerator<Item = u32, Resume = ()> + Send + 'static {
    async_gen! {
        try {
            for i in 0..3 {
                yield i;
            }
        } finally {
            tokio::time::sleep(Duration::from_millis(10)).await;
            log.lock().unwrap().push("cleanup");
        }
    }
}

/// Lets spawned tasks and timers run: long enough for any cleanup to finish.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[tokio::test(start_paused = true)]
async fn dropped_while_suspended_at_a_yield_runs_its_async_cleanup_on_a_task() {
    let log = Log::default();
    let mut numbers = CloseOnDrop::new(logged(log.clone()));
    assert_eq!(numbers.next().await, Some(0));
    drop(numbers);
    // The cleanup runs after the drop, not inside it.
    assert!(log.lock().unwrap().is_empty());
    settle().await;
    assert_eq!(*log.lock().unwrap(), ["cleanup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_multi_thread_runtime_too() {
    let (done, cleaned) = oneshot::channel();
    let mut numbers = CloseOnDrop::new(async_gen! {
        try {
            yield 1;
            yield 2;
        } finally {
            tokio::task::yield_now().await;
            let _ = done.send("cleaned");
        }
    });
    let first = tokio::spawn(async move {
        let first = numbers.next().await;
        drop(numbers);
        first
    })
    .await
    .unwrap();
    assert_eq!(first, Some(1));
    assert_eq!(cleaned.await, Ok("cleaned"));
}

#[tokio::test(start_paused = true)]
async fn a_finished_generator_runs_its_cleanup_once() {
    let log = Log::default();
    let numbers = CloseOnDrop::new(logged(log.clone()));
    assert_eq!(numbers.collect::<Vec<_>>().await, [0, 1, 2]);
    settle().await;
    assert_eq!(*log.lock().unwrap(), ["cleanup"]);
}

#[tokio::test(start_paused = true)]
async fn a_generator_that_never_started_runs_nothing() {
    let log = Log::default();
    drop(CloseOnDrop::new(logged(log.clone())));
    settle().await;
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn closed_by_hand_it_is_not_closed_again() {
    let log = Log::default();
    let mut numbers = std::pin::pin!(CloseOnDrop::new(logged(log.clone())));
    assert_eq!(numbers.next().await, Some(0));
    numbers.as_mut().close().await;
    assert_eq!(*log.lock().unwrap(), ["cleanup"]);
    assert_eq!(numbers.next().await, None);
    settle().await;
    assert_eq!(*log.lock().unwrap(), ["cleanup"]);
}

#[tokio::test(start_paused = true)]
async fn send_goes_through_to_the_generator() {
    let mut totals = std::pin::pin!(CloseOnDrop::new(async_gen! {
        let mut total = 0;
        loop {
            if let Some(step) = (yield total) {
                total += step;
            }
        }
    }));
    assert_eq!(totals.next().await, Some(0));
    assert_eq!(totals.as_mut().send(5).await, Some(5));
    assert_eq!(totals.as_mut().send(2).await, Some(7));
}

#[tokio::test(start_paused = true)]
async fn into_inner_takes_the_generator_out_unguarded() {
    let log = Log::default();
    let mut guarded = CloseOnDrop::new(logged(log.clone()));
    assert_eq!(guarded.next().await, Some(0));
    let plain = guarded.into_inner();
    drop(plain);
    settle().await;
    assert!(
        log.lock().unwrap().is_empty(),
        "a plain drop runs no cleanup"
    );
}

#[test]
fn dropped_outside_a_runtime_is_an_ordinary_drop() {
    let log = Log::default();
    let dropped = Arc::new(());
    let witness = Arc::clone(&dropped);
    let cleanup_log = log.clone();
    let mut numbers = CloseOnDrop::new(async_gen! {
        let _witness = witness;
        let log = cleanup_log;
        try {
            yield 1;
            yield 2;
        } finally {
            log.lock().unwrap().push("cleanup");
        }
    });
    assert_eq!(futures::executor::block_on(numbers.next()), Some(1));
    drop(numbers);
    // The body's locals were dropped, no cleanup ran, and nothing panicked.
    assert_eq!(Arc::strong_count(&dropped), 1);
    assert!(log.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_cleanup_stays_in_its_task() {
    let mut numbers = CloseOnDrop::new(async_gen! {
        try {
            yield 1;
            yield 2;
        } finally {
            tokio::task::yield_now().await;
            panic!("cleanup failed");
        }
    });
    assert_eq!(numbers.next().await, Some(1));
    drop(numbers);
    settle().await;
    // The test task carries on: the panic ended only the cleanup's task.
    let after: Vec<u32> = async_gen! { yield 3; }.collect().await;
    assert_eq!(after, [3]);
}
