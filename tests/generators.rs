//! Generators written with `async_gen!` and `try_async_gen!`.

// A warning that the expansion leaks into user code (such as `unreachable_code` after a
// final `return;`) fails this file's build.
#![deny(warnings)]

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asyncgen::prelude::*;
use futures::executor::block_on;
use tokio::time::Instant;

#[test]
fn yields_items_in_order_then_ends() {
    let s = async_gen! {
        yield "a";
        yield "b";
        for word in ["c", "d"] {
            yield word;
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), ["a", "b", "c", "d"]);
}

#[test]
fn bare_yield_yields_unit() {
    let s = async_gen! {
        yield;
        yield ();
        yield;
    };
    assert_eq!(block_on(s.count()), 3);
}

#[test]
fn a_body_that_never_yields_is_an_empty_stream_of_unit() {
    let runs = Arc::new(AtomicUsize::new(0));
    let in_body = Arc::clone(&runs);
    // As with async-stream's `stream!`: with no `yield`, the items are `()`.
    let s = async_gen! {
        in_body.fetch_add(1, Ordering::SeqCst);
    };
    assert_eq!(block_on(s.collect::<Vec<()>>()), []);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let empty = async_gen! {};
    assert_eq!(block_on(empty.collect::<Vec<()>>()), []);
    let t = try_async_gen! {
        Err("nothing to yield")?;
    };
    assert_eq!(
        block_on(t.collect::<Vec<_>>()),
        [Err::<(), _>("nothing to yield")]
    );
}

#[test]
fn the_header_names_the_item_type_where_nothing_else_does() {
    let s = async_gen! {
        type Item = u32;
    };
    assert_eq!(block_on(s.collect::<Vec<u32>>()), Vec::<u32>::new());
    fn never() -> impl Stream<Item = String> {
        async_gen! {
            type Item = String;
            std::future::ready(()).await;
        }
    }
    assert_eq!(block_on(never().count()), 0);
    // The header also fixes the type for yields that would otherwise infer another.
    let widened = async_gen! {
        type Item = u64;
        yield 1;
        yield 2;
    };
    let widened: Vec<u64> = block_on(widened.collect());
    assert_eq!(widened, [1, 2]);
}

#[test]
fn the_header_names_the_error_type_of_a_fallible_generator() {
    let t = "12";
    let s = try_async_gen! {
        type Error = std::num::ParseIntError;
        yield t.parse::<i32>()?;
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [Ok(12)]);

    let texts = ["1", "x"];
    let s = try_async_gen! {
        type Ok = u8;
        type Error = AppError;
        for text in texts {
            yield text.parse()?;
        }
    };
    let got = block_on(s.collect::<Vec<_>>());
    assert_eq!(got[0], Ok(1));
    assert!(matches!(got[1], Err(AppError::BadNumber(_))));

    let silent = try_async_gen! {
        type Ok = u8;
        type Error = std::io::Error;
    };
    assert_eq!(block_on(silent.count()), 0);
}

#[test]
fn return_ends_the_stream() {
    let s = async_gen! {
        for i in 0.. {
            if i == 3 {
                return;
            }
            yield i;
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [0, 1, 2]);
}

#[test]
fn body_ending_with_return_compiles_without_warnings() {
    let plain = async_gen! {
        yield 1;
        return;
    };
    let fallible = try_async_gen! {
        yield 1;
        Err("stop")?;
        return;
    };
    let endless = try_async_gen! {
        let mut n = 0;
        loop {
            n += 1;
            yield n;
            if n == 2 {
                Err("stop")?;
            }
        }
    };
    assert_eq!(block_on(plain.collect::<Vec<_>>()), [1]);
    assert_eq!(
        block_on(fallible.collect::<Vec<Result<i32, &str>>>()),
        [Ok(1), Err("stop")]
    );
    assert_eq!(
        block_on(endless.collect::<Vec<Result<i32, &str>>>()),
        [Ok(1), Ok(2), Err("stop")]
    );
}

#[test]
fn yields_inside_match_arms_if_else_and_loops() {
    let s = async_gen! {
        for n in 0..6 {
            match n % 3 {
                0 => yield format!("fizz {n}"),
                1 => {
                    if n > 2 {
                        yield format!("big {n}");
                    } else {
                        yield format!("small {n}");
                    }
                }
                _ => {}
            }
        }
        let mut countdown = 2;
        while countdown > 0 {
            yield format!("countdown {countdown}");
            countdown -= 1;
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts == 2 {
                yield "liftoff".to_string();
                break;
            }
        }
        if let Some(last) = Some("end") {
            yield last.to_string();
        }
    };
    assert_eq!(
        block_on(s.collect::<Vec<_>>()),
        [
            "fizz 0",
            "small 1",
            "fizz 3",
            "big 4",
            "countdown 2",
            "countdown 1",
            "liftoff",
            "end"
        ]
    );
}

#[test]
fn yields_inside_the_arguments_of_other_macros() {
    let s = async_gen! {
        let mut units = vec![yield 1, yield 2];
        units.push(());
        assert_eq!(units.len(), 3);
        let shown = format!("{:?}", yield 3);
        yield shown.len() as i32 * 100;
        assert!(matches!(yield 4, ()));
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1, 2, 3, 200, 4]);
}

#[test]
fn yields_from_a_macro_rules_defined_in_the_body() {
    let s = async_gen! {
        macro_rules! twice {
            ($value:expr) => {
                yield $value;
                yield $value;
            };
        }
        twice!(7);
        twice!(8);
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [7, 7, 8, 8]);
}

#[test]
fn for_await_over_a_generator_with_labels_break_and_continue() {
    let numbers = || {
        async_gen! {
            for i in 1..=10 {
                yield i;
            }
        }
    };
    let s = async_gen! {
        'rows: for await row in numbers() {
            if row % 2 == 0 {
                continue 'rows;
            }
            for await column in numbers() {
                if column > row {
                    continue 'rows;
                }
                if row * column > 20 {
                    break 'rows;
                }
                yield (row, column);
            }
        }
    };
    let pairs = block_on(s.collect::<Vec<_>>());
    assert_eq!(
        pairs,
        [
            (1, 1),
            (3, 1),
            (3, 2),
            (3, 3),
            (5, 1),
            (5, 2),
            (5, 3),
            (5, 4)
        ]
    );
}

#[test]
fn for_await_over_tokio_stream_iter_with_patterns() {
    let s = async_gen! {
        for await (name, score) in tokio_stream::iter([("ann", 3), ("bob", 5)]) {
            yield format!("{name}={score}");
        }
        for await Ok(x) | Err(x) in tokio_stream::iter([Ok(1), Err(2)]) {
            yield x.to_string();
        }
    };
    assert_eq!(
        block_on(s.collect::<Vec<_>>()),
        ["ann=3", "bob=5", "1", "2"]
    );
}

#[test]
fn for_await_inside_a_nested_async_block_is_plain_iteration() {
    let s = async_gen! {
        let total = async {
            let mut sum = 0;
            for await x in tokio_stream::iter([1, 2, 3]) {
                sum += x;
            }
            sum
        }
        .await;
        yield total;
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [6]);
}

#[tokio::test(start_paused = true)]
async fn yields_inside_select_arms() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let start = Instant::now();
    let s = async_gen! {
        loop {
            tokio::select! {
                biased;
                Some(message) = rx.recv() => yield (message * 10, start.elapsed()),
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    yield (0, start.elapsed());
                    break;
                }
            }
        }
        yield (-1, start.elapsed());
    };
    let got: Vec<_> = s.collect().await;
    assert_eq!(
        got,
        [
            (10, Duration::ZERO),
            (20, Duration::ZERO),
            (0, Duration::from_secs(1)),
            (-1, Duration::from_secs(1))
        ]
    );
    drop(tx);
}

#[tokio::test(start_paused = true)]
async fn await_in_the_body_suspends_the_stream() {
    // async def generate_numbers():
    //     for i in range(5):
    //         await asyncio.sleep(0.5)
    //         yield i
    fn generate_numbers() -> impl Stream<Item = u32> {
        async_gen! {
            for i in 0..5 {
                tokio::time::sleep(Duration::from_millis(500)).await;
                yield i;
            }
        }
    }
    // async for number in generate_numbers(): print(f"Received: {number}")
    let start = Instant::now();
    let mut received = Vec::new();
    let mut numbers = std::pin::pin!(generate_numbers());
    while let Some(number) = numbers.next().await {
        received.push((number, start.elapsed()));
    }
    let expected: Vec<_> = (0..5)
        .map(|i| (i, Duration::from_millis(500 * (u64::from(i) + 1))))
        .collect();
    assert_eq!(received, expected);
    // results = [x async for x in generate_numbers()]
    let results: Vec<u32> = generate_numbers().collect().await;
    assert_eq!(results, [0, 1, 2, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn periodic_generator_paced_by_the_consumer() {
    // async def periodic_task(): while True: ...; await asyncio.sleep(60)
    let start = Instant::now();
    let ticks = async_gen! {
        let mut n = 0u32;
        loop {
            yield (n, start.elapsed());
            n += 1;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    };
    let got: Vec<_> = ticks.take(3).collect().await;
    assert_eq!(
        got,
        [
            (0, Duration::ZERO),
            (1, Duration::from_secs(60)),
            (2, Duration::from_secs(120))
        ]
    );
}

#[test]
fn nested_generators_yield_to_their_own_stream() {
    let outer = async_gen! {
        let inner = async_gen! {
            yield 1u8;
            yield 2u8;
        };
        let sum: u8 = inner.fold(0, |a, b| async move { a + b }).await;
        yield format!("sum={sum}");
        let qualified = asyncgen::async_gen! {
            yield 'x';
        };
        for await c in qualified {
            yield c.to_string();
        }
        let fallible = try_async_gen! {
            yield 5u32;
            Err("bad")?;
        };
        let results: Vec<Result<u32, &str>> = fallible.collect().await;
        yield format!("{results:?}");
    };
    assert_eq!(
        block_on(outer.collect::<Vec<_>>()),
        ["sum=3", "x", r#"[Ok(5), Err("bad")]"#]
    );
}

#[test]
fn question_mark_in_closures_inside_async_gen_is_fine() {
    let s = async_gen! {
        let double = |t: &str| -> Result<u32, std::num::ParseIntError> { Ok(t.parse::<u32>()? * 2) };
        let checked = async { Ok::<u32, std::num::ParseIntError>("4".parse::<u32>()? + 1) };
        for t in ["1", "x"] {
            yield double(t).ok();
        }
        yield checked.await.ok();
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [Some(2), None, Some(5)]);
}

#[derive(Debug, PartialEq)]
enum AppError {
    BadNumber(String),
    TooBig(u32),
}

impl From<std::num::ParseIntError> for AppError {
    fn from(e: std::num::ParseIntError) -> Self {
        AppError::BadNumber(e.to_string())
    }
}

fn parse_all(texts: Vec<&'static str>) -> impl Stream<Item = Result<u32, AppError>> {
    try_async_gen! {
        for text in texts {
            let n: u32 = text.parse()?;
            if n > 100 {
                Err(AppError::TooBig(n))?;
            }
            if n == 0 {
                return;
            }
            yield n;
        }
    }
}

#[test]
fn try_async_gen_converts_errors_with_from_and_ends() {
    assert_eq!(
        block_on(parse_all(vec!["1", "2", "x", "4"]).collect::<Vec<_>>()),
        [
            Ok(1),
            Ok(2),
            Err(AppError::BadNumber(
                "invalid digit found in string".to_string()
            ))
        ]
    );
    assert_eq!(
        block_on(parse_all(vec!["7", "500", "8"]).collect::<Vec<_>>()),
        [Ok(7), Err(AppError::TooBig(500))]
    );
    assert_eq!(
        block_on(parse_all(vec!["7", "0", "8"]).collect::<Vec<_>>()),
        [Ok(7)],
        "`return;` ends the stream without an error"
    );
}

#[test]
fn try_async_gen_yield_question_mark_on_one_line() {
    fn lengths() -> impl Stream<Item = Result<usize, AppError>> {
        try_async_gen! {
            for text in ["12", "345", "z"] {
                yield text.parse::<u32>()?.to_string().len();
            }
        }
    }
    let got = block_on(lengths().collect::<Vec<_>>());
    assert_eq!(got.len(), 3);
    assert_eq!(got[..2], [Ok(2), Ok(3)]);
    assert!(matches!(got[2], Err(AppError::BadNumber(_))));
}

#[tokio::test]
async fn try_async_gen_return_inside_select_arms_and_closures() {
    let s = try_async_gen! {
        // A `return;` inside a closure returns from the closure, not the stream.
        let skip_odd = |n: u32| {
            if n % 2 == 1 {
                return;
            }
            assert_eq!(n % 2, 0);
        };
        for n in 0..4u32 {
            skip_odd(n);
            tokio::select! {
                biased;
                _ = std::future::ready(()), if n == 2 => return,
                _ = std::future::ready(()) => yield n,
            }
        }
    };
    let got: Vec<Result<u32, std::io::Error>> = s.collect().await;
    assert_eq!(
        got.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        [0, 1]
    );
}

#[test]
fn borrows_local_data() {
    let words = vec!["alpha".to_string(), "beta".to_string()];
    let borrowed = &words;
    let s = async_gen! {
        for word in borrowed {
            yield word.as_str();
        }
    };
    let lengths: Vec<usize> = block_on(s.map(str::len).collect());
    assert_eq!(lengths, [5, 4]);
    assert_eq!(words.len(), 2, "still owned by the caller");
}

#[test]
fn is_send_and_sync_when_the_state_is() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let s = async_gen! {
        let label = String::from("n");
        for await n in tokio_stream::iter([1, 2]) {
            yield format!("{label}{n}");
        }
    };
    assert_send_sync(&s);
    fn io_stream<S: Stream<Item = std::io::Result<u8>>>(s: S) -> S {
        s
    }
    let t = io_stream(try_async_gen! {
        yield 1u8;
        Err(std::io::Error::other("x"))?;
    });
    assert_send_sync(&t);
    assert_eq!(block_on(s.collect::<Vec<_>>()), ["n1", "n2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_a_spawned_task_on_a_multi_threaded_runtime() {
    let words = async_gen! {
        for await word in tokio_stream::iter(["a", "b"]) {
            tokio::task::yield_now().await;
            yield word.to_uppercase();
        }
    };
    let collected = tokio::spawn(words.collect::<Vec<_>>()).await.unwrap();
    assert_eq!(collected, ["A", "B"]);
}

#[test]
fn a_yield_smuggled_into_another_generator_panics_instead_of_crossing_streams() {
    // The `async` block comes from a macro, so the expansion cannot see it and rewrites
    // the `yield` for the outer generator; awaited inside the inner one, it finds a
    // generator that is not its own.
    macro_rules! deferred {
        ($e:expr) => {
            async { $e }
        };
    }
    let mut outer = Box::pin(async_gen! {
        let smuggled = deferred!(yield 1u32);
        let inner = async_gen! {
            smuggled.await;
            yield 2u32;
        };
        let from_inner: Vec<u32> = inner.collect().await;
        yield from_inner.len() as u32;
    });
    let panic = std::panic::catch_unwind(AssertUnwindSafe(|| block_on(outer.next()))).unwrap_err();
    let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("outside the body"), "{message}");
    assert_eq!(block_on(outer.next()), None);
}

#[test]
fn a_panic_reaches_the_poller_then_next_gives_none_forever() {
    let mut s = Box::pin(async_gen! {
        yield 1;
        panic!("boom");
    });
    assert_eq!(block_on(s.next()), Some(1));
    let panic = std::panic::catch_unwind(AssertUnwindSafe(|| block_on(s.next()))).unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"boom"));
    assert!(s.is_terminated());
    assert_eq!(block_on(s.next()), None);
    assert_eq!(block_on(s.next()), None);
}

#[test]
fn is_a_fused_stream() {
    let mut s = Box::pin(async_gen! {
        yield 1;
    });
    assert!(!s.is_terminated());
    assert_eq!(block_on(s.next()), Some(1));
    assert!(!s.is_terminated());
    assert_eq!(block_on(s.next()), None);
    assert!(s.is_terminated());
    assert_eq!(block_on(s.next()), None);

    let mut t = Box::pin(try_async_gen! {
        Err("no")?;
    });
    assert_eq!(block_on(t.next()), Some(Err::<(), _>("no")));
    assert_eq!(block_on(t.next()), None);
    assert!(t.is_terminated());
}

struct CountDrops(Arc<AtomicUsize>);

impl Drop for CountDrops {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn dropping_mid_way_drops_the_locals() {
    let drops = Arc::new(AtomicUsize::new(0));
    let captured = CountDrops(Arc::clone(&drops));
    let in_body = Arc::clone(&drops);
    let mut s = Box::pin(async_gen! {
        let _captured = captured;
        let _local = CountDrops(in_body);
        for i in 0.. {
            yield i;
        }
    });
    assert_eq!(block_on(s.next()), Some(0));
    assert_eq!(block_on(s.next()), Some(1));
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(s);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn dropping_before_the_first_poll_drops_the_captures() {
    let drops = Arc::new(AtomicUsize::new(0));
    let captured = CountDrops(Arc::clone(&drops));
    let s = async_gen! {
        let _captured = captured;
        yield 1;
    };
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(s);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
#[allow(deprecated)]
fn the_module_is_still_reachable_under_its_former_name() {
    let s: asyncgen::r#gen::Generator<u8, _> = asyncgen::r#gen::generate(|mut y| async move {
        y.yield_(1).await;
    });
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1]);
    let t: asyncgen::generators::Generator<u8, _> =
        asyncgen::generators::generate(|mut y| async move {
            y.yield_(2).await;
        });
    assert_eq!(block_on(t.collect::<Vec<_>>()), [2]);
}
