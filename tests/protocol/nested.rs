//! Closing a generator suspended at a `yield` inside `for await` loops closes the
//! generators those loops iterate first, innermost first.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Wake;

use futures::channel::oneshot;
use futures::stream;

use super::*;

/// Counts up from 0; its cleanup awaits, then logs `"{name} cleanup"`.
fn counting<'a>(log: &'a Log, name: &'static str) -> impl AsyncGenerator<Item = u32> + 'a {
    async_gen! {
        try {
            for i in 0_u32.. {
                yield i;
            }
        } finally {
            YieldNow::default().await;
            push(log, format!("{name} cleanup"));
        }
    }
}

/// Forwards `inner`'s items from a `for await` loop; its cleanup logs "outer cleanup".
/// Generic, bound by `AsyncGenerator`: the loop knows `inner` to be a generator.
fn forwarding<'a, G: AsyncGenerator<Item = u32> + 'a>(
    log: &'a Log,
    inner: G,
) -> impl AsyncGenerator<Item = u32> + 'a {
    async_gen! {
        try {
            for await i in inner {
                yield i;
            }
        } finally {
            push(log, "outer cleanup");
        }
    }
}

#[test]
fn closing_at_a_yield_in_for_await_runs_the_inner_cleanup_then_the_outer() {
    let log = &Log::default();
    let mut outer = pin!(async_gen! {
        try {
            for await i in counting(log, "inner") {
                push(log, format!("got {i}"));
                yield i * 10;
            }
        } finally {
            YieldNow::default().await;
            push(log, "outer cleanup");
        }
    });
    block_on(async {
        assert_eq!(outer.next().await, Some(0));
        assert_eq!(outer.next().await, Some(10));
        outer.as_mut().close().await;
        assert_eq!(outer.next().await, None);
    });
    assert_eq!(
        *log.borrow(),
        ["got 0", "got 1", "inner cleanup", "outer cleanup"]
    );
}

#[test]
fn a_generator_pinned_in_the_body_and_iterated_by_as_mut_is_closed_before_the_cleanup() {
    let log = &Log::default();
    let mut outer = pin!(async_gen! {
        let mut inner = pin!(counting(log, "inner"));
        try {
            for await i in inner.as_mut() {
                yield i;
            }
        } finally {
            push(log, format!("outer cleanup, inner gives {:?}", inner.next().await));
        }
    });
    block_on(async {
        assert_eq!(outer.next().await, Some(0));
        outer.as_mut().close().await;
    });
    assert_eq!(
        *log.borrow(),
        ["inner cleanup", "outer cleanup, inner gives None"]
    );
}

#[test]
fn the_consumers_own_pinned_generator_is_closed_and_then_gives_none() {
    let log = &Log::default();
    let mut inner = pin!(counting(log, "inner"));
    {
        let mut borrowed = inner.as_mut();
        let mut outer = pin!(async_gen! {
            for await i in borrowed.as_mut() {
                yield i;
            }
        });
        block_on(async {
            assert_eq!(outer.next().await, Some(0));
            assert_eq!(outer.next().await, Some(1));
            outer.as_mut().close().await;
        });
    }
    assert_eq!(*log.borrow(), ["inner cleanup"]);
    assert_eq!(block_on(inner.next()), None);
}

#[test]
fn a_generator_iterated_through_mut_ref_is_closed() {
    let log = &Log::default();
    let mut boxed = Box::pin(counting(log, "inner"));
    {
        let boxed = &mut boxed;
        let mut outer = pin!(async_gen! {
            for await i in boxed {
                yield i;
            }
        });
        block_on(async {
            assert_eq!(outer.next().await, Some(0));
            outer.as_mut().close().await;
        });
    }
    assert_eq!(*log.borrow(), ["inner cleanup"]);
    assert_eq!(block_on(boxed.next()), None);
}

#[test]
fn three_levels_close_innermost_first() {
    let log = &Log::default();
    let middle = async_gen! {
        try {
            for await i in counting(log, "innermost") {
                yield i;
            }
        } finally {
            YieldNow::default().await;
            push(log, "middle cleanup");
        }
    };
    let mut outer = pin!(forwarding(log, middle));
    block_on(async {
        assert_eq!(outer.next().await, Some(0));
        assert_eq!(outer.next().await, Some(1));
        outer.as_mut().close().await;
        assert_eq!(outer.next().await, None);
    });
    assert_eq!(
        *log.borrow(),
        ["innermost cleanup", "middle cleanup", "outer cleanup"]
    );
}

#[test]
fn nested_loops_in_one_body_close_the_inner_loops_generator_first() {
    let log = &Log::default();
    let mut outer = pin!(async_gen! {
        try {
            for await row in counting(log, "rows") {
                for await column in counting(log, "columns") {
                    yield (row, column);
                }
            }
        } finally {
            push(log, "outer cleanup");
        }
    });
    block_on(async {
        assert_eq!(outer.next().await, Some((0, 0)));
        assert_eq!(outer.next().await, Some((0, 1)));
        outer.as_mut().close().await;
    });
    assert_eq!(
        *log.borrow(),
        ["columns cleanup", "rows cleanup", "outer cleanup"]
    );
}

#[test]
fn streams_that_are_not_generators_are_just_dropped() {
    let log = &Log::default();
    let mut outer = pin!(async_gen! {
        try {
            for await letter in stream::iter(["a", "b"]) {
                for await i in counting(log, "inner") {
                    yield format!("{letter}{i}");
                }
            }
        } finally {
            push(log, "outer cleanup");
        }
    });
    let mut plain = pin!(async_gen! {
        try {
            for await i in stream::iter(vec![1, 2, 3]) {
                yield i;
            }
        } finally {
            push(log, "plain cleanup");
        }
    });
    block_on(async {
        assert_eq!(outer.next().await.as_deref(), Some("a0"));
        outer.as_mut().close().await;
        assert_eq!(plain.next().await, Some(1));
        plain.as_mut().close().await;
        assert_eq!(plain.next().await, None);
    });
    assert_eq!(
        *log.borrow(),
        ["inner cleanup", "outer cleanup", "plain cleanup"]
    );
}

fn forward_any_stream<'a, S: Stream<Item = u32> + 'a>(
    s: S,
) -> impl AsyncGenerator<Item = u32> + 'a {
    async_gen! {
        for await i in s {
            yield i;
        }
    }
}

#[test]
fn generic_code_closes_what_it_knows_to_be_a_generator() {
    let log = &Log::default();
    block_on(async {
        let mut any = pin!(forward_any_stream(counting(log, "as a stream")));
        assert_eq!(any.next().await, Some(0));
        any.as_mut().close().await;
        let mut known = pin!(forwarding(log, counting(log, "as a generator")));
        assert_eq!(known.next().await, Some(0));
        known.as_mut().close().await;
    });
    // Over `S: Stream`, the inner generator is only dropped: its cleanup does not run.
    assert_eq!(*log.borrow(), ["as a generator cleanup", "outer cleanup"]);
}

#[test]
fn break_continue_and_labels_still_work_in_loops_over_generators() {
    let log = &Log::default();
    let g = async_gen! {
        'rows: for await row in counting(log, "rows") {
            if row == 1 {
                continue;
            }
            for await column in counting(log, "columns") {
                if column == 2 {
                    continue 'rows;
                }
                if row == 3 {
                    break 'rows;
                }
                yield (row, column);
            }
        }
        yield (9, 9);
    };
    assert_eq!(
        block_on(g.collect::<Vec<_>>()),
        [(0, 0), (0, 1), (2, 0), (2, 1), (9, 9)]
    );
    // Leaving a loop drops its generator without closing it, as before.
    assert!(log.borrow().is_empty());
}

#[test]
fn return_and_question_mark_still_end_a_try_generator_from_inside_the_loops() {
    let log = &Log::default();
    let failing = try_async_gen! {
        try {
            for await i in counting(log, "inner") {
                yield u8::try_from(i * 100).map_err(|e| e.to_string())?;
            }
        } finally {
            push(log, "cleanup after ?");
        }
    };
    let items: Vec<Result<u8, String>> = block_on(failing.collect());
    assert_eq!(items.len(), 4);
    assert_eq!(items[..3], [Ok(0), Ok(100), Ok(200)]);
    assert!(items[3].is_err());

    let returning = try_async_gen! {
        type Error = String;
        for await i in counting(log, "inner") {
            if i == 2 {
                return;
            }
            yield i;
        }
    };
    assert_eq!(block_on(returning.collect::<Vec<_>>()), [Ok(0), Ok(1)]);
    assert_eq!(*log.borrow(), ["cleanup after ?"]);
}

#[test]
fn try_generators_close_their_inner_try_generators_first() {
    let log = &Log::default();
    let inner = try_async_gen! {
        type Error = String;
        try {
            for i in 0_u32.. {
                yield i;
            }
        } finally {
            YieldNow::default().await;
            push(log, "inner cleanup");
        }
    };
    let mut outer = pin!(try_async_gen! {
        type Error = String;
        try {
            for await i in inner {
                yield i?;
            }
        } finally {
            push(log, "outer cleanup");
        }
    });
    block_on(async {
        assert_eq!(outer.next().await, Some(Ok(0)));
        outer.as_mut().close().await;
        assert_eq!(outer.next().await, None);
    });
    assert_eq!(*log.borrow(), ["inner cleanup", "outer cleanup"]);
}

#[test]
fn values_sent_to_a_yield_in_a_loop_still_arrive() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        let mut total = 0;
        for await i in counting(log, "inner") {
            if let Some(step) = (yield i + total) {
                total += step;
            }
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.as_mut().send(10).await, Some(11));
        assert_eq!(g.next().await, Some(12));
        g.as_mut().close().await;
    });
    assert_eq!(*log.borrow(), ["inner cleanup"]);
}

/// Counts the wakes it receives.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn close_completes_across_polls_while_the_inner_cleanup_waits() {
    let log = &Log::default();
    let (tx, rx) = oneshot::channel::<&str>();
    let inner = async_gen! {
        try {
            loop {
                yield 1;
            }
        } finally {
            push(log, "inner cleanup starts");
            push(log, rx.await.unwrap());
        }
    };
    let mut outer = pin!(forwarding(log, inner));
    assert_eq!(block_on(outer.next()), Some(1));
    let wakes = Arc::new(CountingWaker::default());
    let waker = Arc::clone(&wakes).into();
    let mut cx = Context::from_waker(&waker);
    let mut close = outer.as_mut().close();
    assert_eq!(Pin::new(&mut close).poll(&mut cx), Poll::Pending);
    assert_eq!(Pin::new(&mut close).poll(&mut cx), Poll::Pending);
    assert_eq!(*log.borrow(), ["inner cleanup starts"]);
    tx.send("inner cleanup ends").unwrap();
    assert!(
        wakes.0.load(Ordering::SeqCst) > 0,
        "the closing task is woken"
    );
    assert_eq!(Pin::new(&mut close).poll(&mut cx), Poll::Ready(()));
    assert_eq!(
        *log.borrow(),
        [
            "inner cleanup starts",
            "inner cleanup ends",
            "outer cleanup"
        ]
    );
    assert_eq!(block_on(outer.next()), None);
}

#[test]
fn a_panic_in_the_inner_cleanup_reaches_the_caller_of_the_outer_close() {
    let log = &Log::default();
    let mut inner = pin!(async_gen! {
        try {
            loop {
                yield 1;
            }
        } finally {
            YieldNow::default().await;
            panic!("inner cleanup failed");
        }
    });
    {
        let borrowed = inner.as_mut();
        let mut outer = pin!(forwarding(log, borrowed));
        assert_eq!(block_on(outer.next()), Some(1));
        let panic = block_on(AssertUnwindSafe(outer.as_mut().close()).catch_unwind()).unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"inner cleanup failed"));
        assert_eq!(block_on(outer.next()), None);
    }
    // The panic unwound through the outer body: its cleanup did not run.
    assert!(log.borrow().is_empty());
    assert_eq!(block_on(inner.next()), None);
}

#[test]
fn a_yield_in_a_loop_inside_another_macros_tokens_closes_too() {
    macro_rules! run {
        ($($body:tt)*) => { $($body)* };
    }
    let log = &Log::default();
    let mut outer = pin!(async_gen! {
        try {
            run! {
                for await i in counting(log, "inner") {
                    yield i;
                }
            }
        } finally {
            push(log, "outer cleanup");
        }
    });
    block_on(async {
        assert_eq!(outer.next().await, Some(0));
        outer.as_mut().close().await;
    });
    assert_eq!(*log.borrow(), ["inner cleanup", "outer cleanup"]);
}

#[test]
fn a_yield_after_the_loop_closes_nothing_more() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        for await i in counting(log, "inner") {
            if i == 1 {
                break;
            }
            yield i;
        }
        yield 100;
    });
    block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.next().await, Some(100));
        g.as_mut().close().await;
    });
    assert!(log.borrow().is_empty());
}

#[test]
fn a_comprehension_closes_the_generators_its_for_await_clauses_iterate() {
    let log = &Log::default();
    let mut pairs = pin!(comp![
        (row, column)
        for await row in counting(log, "rows")
        if row % 2 == 0
        for column in 0..2
        for await _ in counting(log, "ticks")
    ]);
    block_on(async {
        assert_eq!(pairs.next().await, Some((0, 0)));
        assert_eq!(pairs.next().await, Some((0, 0)));
        pairs.as_mut().close().await;
        assert_eq!(pairs.next().await, None);
    });
    assert_eq!(*log.borrow(), ["ticks cleanup", "rows cleanup"]);
}

#[test]
fn a_yield_in_the_inner_cleanup_is_not_delivered_to_anyone() {
    let log = &Log::default();
    let inner = async_gen! {
        try {
            loop {
                yield 1;
            }
        } finally {
            push(log, "inner cleanup");
            yield 99;
            push(log, "never reached");
        }
    };
    let mut outer = pin!(forwarding(log, inner));
    block_on(async {
        assert_eq!(outer.next().await, Some(1));
        outer.as_mut().close().await;
        assert_eq!(outer.next().await, None);
    });
    assert_eq!(*log.borrow(), ["inner cleanup", "outer cleanup"]);
}

#[test]
fn a_yield_reached_in_a_loop_of_the_cleanup_closes_that_loops_generator_and_ends_it() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        try {
            yield 1;
        } finally {
            for await i in counting(log, "cleanup's generator") {
                push(log, format!("cleanup got {i}"));
                yield i;
            }
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        g.as_mut().close().await;
    });
    assert_eq!(
        *log.borrow(),
        ["cleanup got 0", "cleanup's generator cleanup"]
    );
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn a_generator_that_yields_inside_loops_over_generators_is_send_when_they_are() {
    let inner = async_gen! {
        for i in 0_u32..3 {
            yield i;
        }
    };
    let outer = async_gen! {
        for await i in inner {
            for await j in stream::iter(0..i) {
                yield (i, j);
            }
        }
    };
    assert_send(&outer);
    assert_eq!(
        block_on(outer.collect::<Vec<_>>()),
        [(1, 0), (2, 0), (2, 1)]
    );
}
