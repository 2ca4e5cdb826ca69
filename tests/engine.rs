//! The macro-free generator engine: `generate`, `try_generate`, `Yielder`.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use asyncgen::prelude::*;
use asyncgen::{Generator, Yielder};
use futures::FutureExt;
use futures::executor::block_on;
use futures::task::noop_waker_ref;

fn poll_once<S: Stream + Unpin>(s: &mut S) -> Poll<Option<S::Item>> {
    let mut cx = Context::from_waker(noop_waker_ref());
    s.poll_next_unpin(&mut cx)
}

#[test]
fn yields_items_in_order_then_ends() {
    let s = generate(|mut y| async move {
        for i in 0..5 {
            y.yield_(i).await;
        }
    });
    assert_eq!(block_on(s.collect::<Vec<_>>()), [0, 1, 2, 3, 4]);
}

#[test]
fn body_runs_only_when_polled_one_step_per_item() {
    let steps = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&steps);
    let mut s = Box::pin(generate(move |mut y| async move {
        for i in 0..3 {
            seen.fetch_add(1, Ordering::SeqCst);
            y.yield_(i).await;
        }
    }));
    assert_eq!(steps.load(Ordering::SeqCst), 0, "lazy until the first poll");
    assert_eq!(poll_once(&mut s), Poll::Ready(Some(0)));
    assert_eq!(steps.load(Ordering::SeqCst), 1);
    assert_eq!(poll_once(&mut s), Poll::Ready(Some(1)));
    assert_eq!(steps.load(Ordering::SeqCst), 2);
}

#[test]
fn after_the_end_next_keeps_returning_none() {
    let mut s = Box::pin(generate(|mut y| async move {
        y.yield_(1).await;
    }));
    assert!(!s.is_terminated());
    assert_eq!(block_on(s.next()), Some(1));
    assert_eq!(block_on(s.next()), None);
    assert!(s.is_terminated());
    assert_eq!(block_on(s.next()), None);
    assert_eq!(block_on(s.next()), None);
}

#[test]
fn pending_body_gives_pending_and_resumes_on_wake() {
    let (tx, rx) = futures::channel::oneshot::channel::<u8>();
    let mut s = Box::pin(generate(|mut y| async move {
        let v = rx.await.unwrap();
        y.yield_(v).await;
    }));
    assert_eq!(poll_once(&mut s), Poll::Pending);
    tx.send(9).unwrap();
    assert_eq!(poll_once(&mut s), Poll::Ready(Some(9)));
    assert_eq!(poll_once(&mut s), Poll::Ready(None));
}

#[test]
fn panic_in_body_reaches_the_poller_then_none_forever() {
    let mut s = Box::pin(generate(|mut y| async move {
        y.yield_(1).await;
        panic!("boom");
    }));
    assert_eq!(poll_once(&mut s), Poll::Ready(Some(1)));
    let err = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(&mut s))).unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"boom"));
    assert!(s.is_terminated());
    assert_eq!(poll_once(&mut s), Poll::Ready(None));
    assert_eq!(poll_once(&mut s), Poll::Ready(None));
}

struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn dropping_mid_way_drops_the_body_locals_and_unread_items() {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&drops);
    let mut s = Box::pin(generate(move |mut y| async move {
        let _local_a = DropCounter(Arc::clone(&d));
        let _local_b = DropCounter(Arc::clone(&d));
        for _ in 0..10 {
            y.yield_(DropCounter(Arc::clone(&d))).await;
        }
    }));
    let first = block_on(s.next()).unwrap();
    drop(first);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(s);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "both locals dropped with the stream"
    );
}

#[test]
fn size_hint_is_honest() {
    let mut s = Box::pin(generate(|mut y| async move {
        y.yield_(()).await;
    }));
    assert_eq!(s.size_hint(), (0, None));
    assert_eq!(block_on(s.next()), Some(()));
    assert_eq!(s.size_hint(), (0, None));
    assert_eq!(block_on(s.next()), None);
    assert_eq!(s.size_hint(), (0, Some(0)));

    let mut t = Box::pin(try_generate(|mut y| async move {
        y.yield_(1).await;
        Err("bad")
    }));
    assert_eq!(t.size_hint(), (0, None));
    assert_eq!(block_on(t.next()), Some(Ok(1)));
    assert_eq!(block_on(t.next()), Some(Err("bad")));
    assert_eq!(t.size_hint(), (0, Some(0)));
    assert_eq!(block_on(t.next()), None);
}

#[test]
fn try_generate_question_mark_converts_with_from_and_ends() {
    #[derive(Debug, PartialEq)]
    struct MyErr(String);
    impl From<std::num::ParseIntError> for MyErr {
        fn from(e: std::num::ParseIntError) -> Self {
            MyErr(e.to_string())
        }
    }
    let s = try_generate(|mut y| async move {
        for t in ["1", "x", "3"] {
            y.yield_(t.parse::<i32>()?).await;
        }
        Ok::<(), MyErr>(())
    });
    let got: Vec<_> = block_on(s.collect());
    assert_eq!(
        got,
        [Ok(1), Err(MyErr("invalid digit found in string".into()))]
    );
}

#[test]
fn borrows_non_static_data() {
    let words = vec![String::from("a"), String::from("bb")];
    let lens = {
        let words = &words;
        generate(move |mut y| async move {
            for w in words {
                y.yield_(w.as_str()).await;
            }
        })
    };
    assert_eq!(block_on(lens.collect::<Vec<&str>>()), ["a", "bb"]);
}

#[test]
fn generator_polled_inside_another_generator() {
    let outer = generate(|mut y| async move {
        let mut inner = Box::pin(generate(|mut y2| async move {
            for i in 0..3 {
                y2.yield_(i).await;
            }
        }));
        while let Some(i) = inner.next().await {
            y.yield_(i * 10).await;
        }
    });
    assert_eq!(block_on(outer.collect::<Vec<_>>()), [0, 10, 20]);
}

#[test]
fn moved_between_threads_between_polls() {
    let mut s = Box::pin(generate(|mut y| async move {
        for i in 0..4 {
            y.yield_(i).await;
        }
    }));
    let mut got = vec![];
    for _ in 0..5 {
        let (next, back) = std::thread::spawn(move || (block_on(s.next()), s))
            .join()
            .unwrap();
        s = back;
        got.extend(next);
    }
    assert_eq!(got, [0, 1, 2, 3]);
}

#[test]
fn yielder_moved_out_of_its_body_panics_cleanly() {
    let mut escaped: Option<Yielder<u32>> = None;
    let mut s = Box::pin(generate(|y| {
        escaped = Some(y);
        async {}
    }));
    let mut y = escaped.take().unwrap();
    let other = std::panic::catch_unwind(AssertUnwindSafe(|| {
        block_on(async {
            y.yield_(5).await;
        });
    }));
    let msg = other.unwrap_err();
    assert!(
        msg.downcast_ref::<&str>()
            .is_some_and(|m| m.contains("outside the body")),
    );
    assert_eq!(poll_once(&mut s), Poll::Ready(None));
}

#[test]
fn yielder_sent_to_another_thread_panics_there() {
    let s = generate(|mut y: Yielder<u32>| async move {
        y.yield_(1).await;
        let handle = std::thread::spawn(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| block_on(y.yield_(2)))).is_err()
        });
        assert!(
            handle.join().unwrap(),
            "yield from another thread must panic"
        );
    });
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1]);
}

#[test]
fn yield_inside_a_nested_generator_targets_the_inner_stream() {
    let outer = generate(|mut y: Yielder<String>| async move {
        let inner = generate(|mut y2: Yielder<u8>| async move {
            y2.yield_(1).await;
            y2.yield_(2).await;
        });
        let sum: u8 = inner.fold(0, |a, b| async move { a + b }).await;
        y.yield_(format!("sum={sum}")).await;
    });
    assert_eq!(block_on(outer.collect::<Vec<_>>()), ["sum=3"]);
}

#[test]
fn item_yielded_by_a_dropped_yield_future_is_still_delivered() {
    // The yield loses a `select` against a ready future, then the body returns.
    let s = generate(|mut y| async move {
        let yield_one = y.yield_(1);
        let ready = std::future::ready(());
        futures::pin_mut!(ready);
        let _ = futures::future::select(yield_one, ready).await;
    });
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1]);
}

#[test]
fn is_send_and_sync_when_the_state_is() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let s = generate(|mut y| async move {
        y.yield_(1u8).await;
    });
    assert_send_sync(&s);
    let _boxed: std::pin::Pin<Box<dyn Stream<Item = u8> + Send>> = Box::pin(s);
    fn named(_: Generator<u8, impl Future<Output = ()>>) {}
    named(generate(|mut y| async move {
        y.yield_(2u8).await;
    }));
}

#[test]
fn panicking_poll_catch_is_unwind_safe_with_futures_catch_unwind() {
    let s = generate(|mut y| async move {
        y.yield_(1).await;
        panic!("late");
    });
    let mut s = Box::pin(s);
    assert_eq!(block_on(s.next()), Some(1));
    let r = block_on(AssertUnwindSafe(s.next()).catch_unwind());
    assert!(r.is_err());
    assert_eq!(block_on(s.next()), None);
}

/// A waker that counts its wakes, to see that wakes inside a body reach the task.
fn counting_waker() -> (std::task::Waker, Arc<AtomicUsize>) {
    struct Count(Arc<AtomicUsize>);
    impl futures::task::ArcWake for Count {
        fn wake_by_ref(arc_self: &Arc<Self>) {
            arc_self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let count = Arc::new(AtomicUsize::new(0));
    let waker = futures::task::waker(Arc::new(Count(Arc::clone(&count))));
    (waker, count)
}

#[test]
fn wakes_from_inside_the_body_reach_the_consumer_task_through_nesting() {
    let (tx, rx) = futures::channel::oneshot::channel::<u8>();
    let inner = generate(|mut y| async move {
        let v = rx.await.unwrap();
        y.yield_(v).await;
    });
    let mut outer = Box::pin(generate(|mut y| async move {
        let mut inner = std::pin::pin!(inner);
        while let Some(v) = inner.next().await {
            y.yield_(v + 1).await;
        }
    }));
    let (waker, wakes) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(outer.poll_next_unpin(&mut cx), Poll::Pending);
    // The oneshot keeps a clone of the waker it was polled with; sending wakes it from
    // another thread, long after the poll that made the clone has returned.
    std::thread::spawn(move || tx.send(41).unwrap())
        .join()
        .unwrap();
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    assert_eq!(outer.poll_next_unpin(&mut cx), Poll::Ready(Some(42)));
}

#[test]
fn a_waker_cloned_in_the_body_is_the_consumers_waker() {
    let (waker, _) = counting_waker();
    let expected = waker.clone();
    let mut s = Box::pin(generate(move |mut y| async move {
        let cloned = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
        y.yield_(cloned.will_wake(&expected)).await;
    }));
    let mut cx = Context::from_waker(&waker);
    assert_eq!(s.poll_next_unpin(&mut cx), Poll::Ready(Some(true)));
}

/// Polls `s` once, expecting the panic of a yield polled outside its body, then sees
/// that the stream has ended.
fn assert_misplaced_yield_panics_then_ends<S: Stream + Unpin>(s: &mut S)
where
    S::Item: std::fmt::Debug,
{
    let err = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(s))).unwrap_err();
    assert!(
        err.downcast_ref::<&str>()
            .is_some_and(|m| m.contains("outside the body"))
    );
    assert!(matches!(poll_once(s), Poll::Ready(None)));
}

#[test]
fn yield_polled_by_a_combinator_with_its_own_waker_panics() {
    let s = generate(|mut y| async move {
        let mut unordered = futures::stream::FuturesUnordered::new();
        unordered.push(y.yield_(1));
        unordered.next().await;
    });
    let mut s = Box::pin(s);
    assert_misplaced_yield_panics_then_ends(&mut s);
}

#[test]
fn outer_yield_awaited_inside_an_inner_generator_panics_instead_of_crossing_streams() {
    let outer = generate(|mut y: Yielder<&'static str>| async move {
        let smuggled = y.yield_("outer item");
        let inner = generate(move |_y: Yielder<u64>| async move {
            smuggled.await;
        });
        let mut inner = std::pin::pin!(inner);
        inner.next().await;
    });
    let mut outer = Box::pin(outer);
    let err = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(&mut outer))).unwrap_err();
    assert!(
        err.downcast_ref::<&str>()
            .is_some_and(|m| m.contains("outside the body"))
    );
}

#[test]
fn yield_inside_select_and_join_in_the_body() {
    let s = generate(|mut y| async move {
        let (a, b) = futures::join!(std::future::ready(1), std::future::ready(2));
        y.yield_(a + b).await;
        let ready = std::future::ready(());
        let yield_ten = y.yield_(10);
        futures::pin_mut!(ready);
        match futures::future::select(yield_ten, ready).await {
            futures::future::Either::Left(_) => {}
            futures::future::Either::Right(_) => {}
        }
        y.yield_(20).await;
    });
    assert_eq!(block_on(s.collect::<Vec<_>>()), [3, 10, 20]);
}

#[test]
fn a_yield_that_loses_a_race_is_delivered_only_if_it_was_handed_over() {
    // The rule: a yield hands its item over at its first poll when no other item is
    // waiting in this poll of the stream; once handed over, the item is delivered even
    // if the yield's future then loses a race and is dropped. A yield polled while an
    // item is waiting keeps its item until a later poll, and drops it if it is dropped.
    let s = generate(|mut y| async move {
        let ready = std::future::ready(());
        // First in this poll: handed over, loses, delivered.
        let _ = futures::future::select(y.yield_(1), ready).await;
        let ready = std::future::ready(());
        // Second in the same poll: not handed over, loses, dropped.
        let _ = futures::future::select(y.yield_(2), ready).await;
        // Awaited: waits for the next poll, then delivered.
        y.yield_(3).await;
    });
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1, 3]);
}

/// A waker whose vtable is this test's own, standing in for an executor that reads its
/// waker back from the context (embassy's `task_from_waker`).
fn executor_waker() -> std::task::Waker {
    use std::task::{RawWaker, RawWakerVTable, Waker};
    static VTABLE: RawWakerVTable =
        RawWakerVTable::new(|data| RawWaker::new(data, &VTABLE), |_| {}, |_| {}, |_| {});
    // SAFETY: the vtable's functions do nothing and `data` is never read.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

fn polled_by_the_task(task: &std::task::Waker) -> impl Future<Output = bool> + use<'_> {
    std::future::poll_fn(move |cx| Poll::Ready(cx.waker().will_wake(task)))
}

#[test]
fn with_task_waker_polls_with_the_tasks_own_waker_through_nesting() {
    let task = executor_waker();
    let task_ref = &task;
    let inner = generate(move |mut y| async move {
        y.yield_((
            polled_by_the_task(task_ref).await,
            asyncgen::with_task_waker(polled_by_the_task(task_ref)).await,
        ))
        .await;
    });
    let outer = generate(move |mut y| async move {
        let mut inner = std::pin::pin!(inner);
        while let Some(seen) = inner.next().await {
            y.yield_(seen).await;
        }
    });
    let mut outer = std::pin::pin!(outer);
    let mut cx = Context::from_waker(&task);
    assert_eq!(
        outer.as_mut().poll_next(&mut cx),
        Poll::Ready(Some((false, true)))
    );
    // Outside a generator it changes nothing.
    let mut outside = std::pin::pin!(asyncgen::with_task_waker(polled_by_the_task(&task)));
    assert_eq!(outside.as_mut().poll(&mut cx), Poll::Ready(true));
}

#[test]
fn a_yield_inside_with_task_waker_panics() {
    let s = generate(|mut y| async move {
        asyncgen::with_task_waker(y.yield_(1)).await;
    });
    let mut s = Box::pin(s);
    assert_misplaced_yield_panics_then_ends(&mut s);
}
