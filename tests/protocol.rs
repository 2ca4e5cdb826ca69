//! Python's whole async generator protocol: `send` (`asend`), `close` (`aclose`) and
//! async cleanup with `try { … } finally { … }` or `until_close`.

use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use asyncgen::generators::until_close;
use asyncgen::prelude::*;
use asyncgen::{AsyncGenerator, Yielder};
use futures::FutureExt;
use futures::executor::block_on;
use futures::task::noop_waker_ref;

/// Returns `Pending` once (waking itself), then `Ready`: an await that really suspends.
#[derive(Default)]
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    f.poll_unpin(&mut Context::from_waker(noop_waker_ref()))
}

type Log = RefCell<Vec<String>>;

fn push(log: &Log, entry: impl Into<String>) {
    log.borrow_mut().push(entry.into());
}

// ---- send ----

#[test]
fn a_yield_is_none_after_next_and_the_value_after_send() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        let mut n = 0;
        loop {
            let got = yield n;
            push(log, format!("{got:?}"));
            n += 1;
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.as_mut().send("a").await, Some(1));
        assert_eq!(g.next().await, Some(2));
        assert_eq!(g.as_mut().send("b").await, Some(3));
    });
    assert_eq!(*log.borrow(), ["Some(\"a\")", "None", "Some(\"b\")"]);
}

#[test]
fn a_generator_that_ignores_its_yields_values_needs_no_annotation_and_takes_unit() {
    let mut g = pin!(async_gen! {
        yield 1;
        match 2 {
            2 => yield 2,
            _ => yield 3,
        };
    });
    block_on(async {
        assert_eq!(g.as_mut().send(()).await, Some(1));
        assert_eq!(g.as_mut().send(()).await, Some(2));
        assert_eq!(g.next().await, None);
    });
}

#[test]
fn unit_is_sent_as_some_unit() {
    let seen = &RefCell::new(Vec::new());
    let mut g = pin!(generate_with_send(|mut y: Yielder<u8, ()>| async move {
        let first = y.yield_(1).await;
        seen.borrow_mut().push(first);
        let second = y.yield_(2).await;
        seen.borrow_mut().push(second);
    }));
    block_on(async {
        g.next().await;
        g.as_mut().send(()).await;
        g.next().await;
    });
    assert_eq!(*seen.borrow(), [Some(()), None]);
}

#[test]
fn a_value_sent_before_the_first_yield_is_dropped_and_the_body_starts() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        type Resume = String;
        push(log, "started");
        let first = yield 1;
        push(log, format!("{first:?}"));
    });
    block_on(async {
        assert_eq!(g.as_mut().send("lost".to_string()).await, Some(1));
        assert_eq!(g.next().await, None);
    });
    assert_eq!(*log.borrow(), ["started", "None"]);
}

#[test]
fn a_sent_value_is_delivered_once_even_if_the_body_then_waits() {
    let seen = &RefCell::new(Vec::new());
    let mut g = pin!(generate_with_send(|mut y: Yielder<u8, u8>| async move {
        y.yield_(0).await;
        let got = y.yield_(1).await;
        seen.borrow_mut().push(got);
        YieldNow::default().await;
        let got = y.yield_(2).await;
        seen.borrow_mut().push(got);
    }));
    block_on(async {
        g.next().await;
        g.next().await;
        let mut send = g.as_mut().send(9);
        assert_eq!(poll_once(&mut send), Poll::Pending);
        assert_eq!(poll_once(&mut send), Poll::Ready(Some(2)));
        assert_eq!(g.next().await, None);
    });
    assert_eq!(*seen.borrow(), [Some(9), None]);
}

#[test]
fn try_generators_take_values_and_fail_with_question_mark() {
    let mut g = pin!(try_async_gen! {
        type Error = std::num::ParseIntError;
        let mut total = 0i64;
        while let Some(text) = (yield total) {
            total += str::parse::<i64>(text)?;
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(Ok(0)));
        assert_eq!(g.as_mut().send("40").await, Some(Ok(40)));
        assert_eq!(g.as_mut().send("2").await, Some(Ok(42)));
        assert!(matches!(g.as_mut().send("x").await, Some(Err(_))));
        assert_eq!(g.next().await, None);
    });
}

fn accumulator() -> impl AsyncGenerator<Item = u32, Resume = u32> {
    generate_with_send(|mut y| async move {
        let mut sum = 0;
        while let Some(n) = y.yield_(sum).await {
            sum += n;
        }
    })
}

#[test]
fn the_trait_names_a_generator_that_an_impl_return_type_would_hide() {
    block_on(async {
        let mut g = pin!(accumulator());
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.as_mut().send(3).await, Some(3));
        assert_eq!(g.as_mut().send(4).await, Some(7));
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
        // Through `&mut` and `Pin<Box<_>>` too.
        let mut boxed = Box::pin(accumulator());
        let mut by_ref = &mut boxed;
        assert_eq!(Pin::new(&mut by_ref).next().await, Some(0));
        assert_eq!(Pin::new(&mut by_ref).send(5).await, Some(5));
    });
}

// ---- cleanup and close ----

#[test]
fn cleanup_runs_when_the_body_ends_normally() {
    let log = &Log::default();
    let g = async_gen! {
        try {
            yield 1;
            yield 2;
        } finally {
            YieldNow::default().await;
            push(log, "cleanup");
        }
    };
    assert_eq!(block_on(g.collect::<Vec<_>>()), [1, 2]);
    assert_eq!(*log.borrow(), ["cleanup"]);
}

#[test]
fn cleanup_runs_after_an_early_return_and_the_generator_ends() {
    let log = &Log::default();
    let g = async_gen! {
        try {
            yield 1;
            if log.borrow().is_empty() {
                return;
            }
            yield 2;
        } finally {
            YieldNow::default().await;
            push(log, "cleanup");
        }
    };
    assert_eq!(block_on(g.collect::<Vec<_>>()), [1]);
    assert_eq!(*log.borrow(), ["cleanup"]);
}

#[test]
fn cleanup_runs_after_question_mark_and_the_error_is_the_last_item() {
    let log = &Log::default();
    let g = try_async_gen! {
        try {
            yield 1;
            Err("broken")?;
            yield 2;
        } finally {
            YieldNow::default().await;
            push(log, "cleanup");
        }
    };
    assert_eq!(block_on(g.collect::<Vec<_>>()), [Ok(1), Err("broken")]);
    assert_eq!(*log.borrow(), ["cleanup"]);
}

#[test]
fn close_at_a_yield_stops_the_body_there_and_runs_the_async_cleanup_inside_close() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        try {
            for i in 0.. {
                yield i;
                push(log, format!("after {i}"));
            }
        } finally {
            push(log, "cleanup starts");
            YieldNow::default().await;
            push(log, "cleanup ends");
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(0));
        assert_eq!(g.next().await, Some(1));
    });
    let mut close = g.as_mut().close();
    assert_eq!(poll_once(&mut close), Poll::Pending);
    assert_eq!(*log.borrow(), ["after 0", "cleanup starts"]);
    assert_eq!(poll_once(&mut close), Poll::Ready(()));
    assert_eq!(*log.borrow(), ["after 0", "cleanup starts", "cleanup ends"]);
    assert!(g.is_terminated());
    assert_eq!(block_on(g.next()), None);
}

#[test]
fn a_yield_during_cleanup_on_close_is_not_delivered_and_ends_the_cleanup() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        try {
            yield 1;
        } finally {
            push(log, "before");
            yield 99;
            push(log, "after");
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
    });
    assert_eq!(*log.borrow(), ["before"]);
}

#[test]
fn a_yield_in_cleanup_on_a_normal_end_is_delivered() {
    let g = async_gen! {
        try {
            yield 1;
        } finally {
            yield 2;
        }
    };
    assert_eq!(block_on(g.collect::<Vec<_>>()), [1, 2]);
}

#[test]
fn close_on_an_unstarted_generator_runs_nothing_and_ends_it() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        try {
            push(log, "body");
            yield 1;
        } finally {
            push(log, "cleanup");
        }
    });
    block_on(async {
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
    });
    assert!(log.borrow().is_empty());
}

#[test]
fn close_on_a_finished_generator_is_a_no_op() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        try {
            yield 1;
        } finally {
            push(log, "cleanup");
        }
    });
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        assert_eq!(g.next().await, None);
        g.as_mut().close().await;
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
    });
    assert_eq!(*log.borrow(), ["cleanup"]);
}

#[test]
fn a_panic_in_cleanup_reaches_the_caller_of_close_and_the_generator_is_done() {
    let mut g = pin!(async_gen! {
        try {
            yield 1;
        } finally {
            YieldNow::default().await;
            panic!("cleanup failed");
        }
    });
    assert_eq!(block_on(g.next()), Some(1));
    let panic = block_on(AssertUnwindSafe(g.as_mut().close()).catch_unwind()).unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"cleanup failed"));
    assert_eq!(block_on(g.next()), None);
    block_on(g.as_mut().close());
}

struct DropLog<'a>(&'a Log, &'static str);

impl Drop for DropLog<'_> {
    fn drop(&mut self) {
        push(self.0, self.1);
    }
}

#[test]
fn dropping_without_close_runs_only_the_locals_drop() {
    let log = &Log::default();
    {
        let mut g = pin!(async_gen! {
            let _outer = DropLog(log, "outer dropped");
            try {
                let _inner = DropLog(log, "inner dropped");
                yield 1;
            } finally {
                push(log, "cleanup");
            }
        });
        assert_eq!(block_on(g.next()), Some(1));
    }
    assert_eq!(*log.borrow(), ["inner dropped", "outer dropped"]);
}

#[test]
fn on_close_the_try_parts_locals_drop_before_the_cleanup_runs() {
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        let _outer = DropLog(log, "outer dropped");
        try {
            let _inner = DropLog(log, "inner dropped");
            yield 1;
        } finally {
            push(log, "cleanup");
        }
    });
    block_on(async {
        g.next().await;
        g.as_mut().close().await;
    });
    // The body then ends, inside `close()`, so its other locals drop too.
    assert_eq!(*log.borrow(), ["inner dropped", "cleanup", "outer dropped"]);
}

#[test]
fn nested_cleanups_run_innermost_first_on_close_and_on_the_normal_end() {
    for close in [true, false] {
        let log = &Log::default();
        let mut g = pin!(async_gen! {
            try {
                yield 1;
                try {
                    yield 2;
                } finally {
                    YieldNow::default().await;
                    push(log, "inner");
                }
            } finally {
                YieldNow::default().await;
                push(log, "outer");
            }
        });
        block_on(async {
            assert_eq!(g.next().await, Some(1));
            assert_eq!(g.next().await, Some(2));
            if close {
                g.as_mut().close().await;
            }
            assert_eq!(g.next().await, None);
        });
        assert_eq!(*log.borrow(), ["inner", "outer"], "close: {close}");
    }
}

#[test]
fn closing_a_generator_that_iterates_another_closes_the_inner_one_first() {
    let log = &Log::default();
    let inner = async_gen! {
        try {
            for i in 0.. {
                yield i;
            }
        } finally {
            YieldNow::default().await;
            push(log, "inner cleanup");
        }
    };
    let mut outer = pin!(async_gen! {
        let mut inner = pin!(inner);
        try {
            for await i in inner.as_mut() {
                yield i * 10;
            }
        } finally {
            inner.as_mut().close().await;
            push(log, "outer cleanup");
        }
    });
    block_on(async {
        assert_eq!(outer.next().await, Some(0));
        assert_eq!(outer.next().await, Some(10));
        outer.as_mut().close().await;
    });
    assert_eq!(*log.borrow(), ["inner cleanup", "outer cleanup"]);
}

#[test]
fn until_close_is_the_function_form_of_try_finally() {
    let log = &Log::default();
    let mut g = pin!(try_generate(|mut y: Yielder<u8>| async move {
        let outcome = until_close(async {
            y.yield_(1).await;
            y.yield_(2).await;
            Ok::<(), String>(())
        })
        .await;
        YieldNow::default().await;
        push(log, format!("cleanup after {outcome:?}"));
        outcome.unwrap_or(Ok(()))
    }));
    block_on(async {
        assert_eq!(g.next().await, Some(Ok(1)));
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
    });
    assert_eq!(*log.borrow(), ["cleanup after None"]);
}

#[test]
fn until_close_outside_a_generator_just_awaits() {
    assert_eq!(block_on(until_close(async { 5 })), Some(5));
}

#[test]
fn close_without_cleanup_ends_the_generator() {
    let mut g = pin!(generate(|mut y| async move {
        y.yield_(1).await;
        y.yield_(2).await;
    }));
    block_on(async {
        assert_eq!(g.next().await, Some(1));
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
    });
}

#[test]
fn the_inner_generator_of_a_closing_one_is_not_affected_by_its_close() {
    // A generator polled inside a closing body runs as usual: only the closed one stops.
    let log = &Log::default();
    let mut g = pin!(async_gen! {
        try {
            yield 1;
        } finally {
            let cleanup_items: Vec<u8> = async_gen! { yield 7; yield 8; }.collect().await;
            push(log, format!("{cleanup_items:?}"));
        }
    });
    block_on(async {
        g.next().await;
        g.as_mut().close().await;
    });
    assert_eq!(*log.borrow(), ["[7, 8]"]);
}

// ---- the attribute form ----

/// A `#[generator]` fn whose `Yielder<T, R>` names the resume type returns an
/// `impl AsyncGenerator` that takes `send` and `close`.
#[asyncgen::generator]
async fn echo(log: &Log, mut y: Yielder<String, String>) {
    let outcome = until_close(async {
        let mut heard = String::from("ready");
        while let Some(said) = y.yield_(heard).await {
            heard = said.to_uppercase();
        }
    })
    .await;
    YieldNow::default().await;
    push(log, format!("cleanup after {outcome:?}"));
}

#[test]
fn the_attribute_form_takes_send_and_close() {
    let log = &Log::default();
    block_on(async {
        let mut g = pin!(echo(log));
        assert_eq!(g.next().await.as_deref(), Some("ready"));
        assert_eq!(g.as_mut().send("hi".into()).await.as_deref(), Some("HI"));
        g.as_mut().close().await;
        assert_eq!(g.next().await, None);
    });
    assert_eq!(*log.borrow(), ["cleanup after None"]);
}

// ---- nested generators ----

#[path = "protocol/nested.rs"]
mod nested;
