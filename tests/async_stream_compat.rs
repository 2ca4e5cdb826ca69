//! What async-stream documents and tests for `stream!` and `try_stream!`, written with
//! `async_gen!` and `try_async_gen!`: code that switches crates by renaming the macro
//! keeps its behaviour. Each test names the async-stream behaviour it checks.

use std::pin::pin;

use asyncgen::prelude::*;
use futures::executor::block_on;

#[test]
fn yield_single_value() {
    let s = async_gen! {
        yield "hello";
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), ["hello"]);
}

#[test]
fn yield_multi_value_then_fused() {
    let mut s = pin!(async_gen! {
        yield "hello";
        yield "world";
        yield "dizzy";
    });
    block_on(async {
        assert_eq!(s.next().await, Some("hello"));
        assert_eq!(s.next().await, Some("world"));
        assert_eq!(s.next().await, Some("dizzy"));
        assert!(!s.is_terminated());
        assert_eq!(s.next().await, None);
        assert!(s.is_terminated());
        assert_eq!(s.next().await, None);
    });
}

#[test]
fn return_ends_the_stream() {
    let s = async_gen! {
        for i in 0.. {
            if i == 2 {
                return;
            }
            yield i;
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [0, 1]);
}

#[test]
fn yield_in_nested_blocks() {
    let s = async_gen! {
        {
            {
                yield 1;
            }
        }
        let mut n = 2;
        while n < 4 {
            if n % 2 == 0 {
                yield n;
            } else if let Some(m) = Some(n) {
                match m {
                    3 => yield 3,
                    _ => unreachable!(),
                }
            }
            n += 1;
        }
        'outer: loop {
            for i in 4.. {
                yield i;
                if i == 5 {
                    break 'outer;
                }
            }
        }
        // A nested async block without a yield is left alone.
        yield async { 6 }.await;
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1, 2, 3, 4, 5, 6]);
}

#[test]
fn yield_inside_other_macros() {
    let s = async_gen! {
        let text = format!("{}-{}", { yield 1; 10 }, { yield 2; 20 });
        assert!({ yield 3; text == "10-20" });
        yield text.len();
    };
    assert_eq!(block_on(s.collect::<Vec<usize>>()), [1, 2, 3, 5]);
}

#[tokio::test]
async fn unit_yield_in_select() {
    async fn do_stuff_async() {}

    let s = async_gen! {
        tokio::select! {
            _ = do_stuff_async() => yield,
            else => yield,
        }
    };
    assert_eq!(s.collect::<Vec<()>>().await, [()]);
}

#[tokio::test]
async fn yield_with_select() {
    async fn do_stuff_async() {}
    async fn more_async_work() {}

    let s = async_gen! {
        tokio::select! {
            _ = do_stuff_async() => yield "hey",
            _ = more_async_work() => yield "hey",
            else => yield "test",
        }
    };
    assert_eq!(s.collect::<Vec<_>>().await, ["hey"]);
}

#[tokio::test]
async fn consume_channel() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(10);
    let mut s = pin!(async_gen! {
        while let Some(v) = rx.recv().await {
            yield v;
        }
    });
    for i in 0..3 {
        tx.send(i).await.unwrap();
        assert_eq!(s.next().await, Some(i));
    }
    drop(tx);
    assert_eq!(s.next().await, None);
}

#[test]
fn borrow_self() {
    struct Data(String);

    impl Data {
        fn stream(&self) -> impl Stream<Item = &str> + '_ {
            async_gen! {
                yield &self.0[..];
            }
        }
    }

    let data = Data("hello".to_string());
    assert_eq!(block_on(data.stream().collect::<Vec<_>>()), ["hello"]);
}

#[test]
fn stream_in_stream() {
    let s = async_gen! {
        let inner = async_gen! {
            for i in 0..3 {
                yield i;
            }
        };
        let mut inner = pin!(inner);
        while let Some(v) = inner.next().await {
            yield v * 10;
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [0, 10, 20]);
}

#[test]
fn yield_non_unpin_value() {
    let s = async_gen! {
        for i in 0..3 {
            yield async move { i };
        }
    };
    assert_eq!(block_on(s.buffered(1).collect::<Vec<_>>()), [0, 1, 2]);
}

#[test]
fn inner_try_stream_in_select() {
    async fn do_stuff_async() {}

    let s = async_gen! {
        tokio::select! {
            _ = do_stuff_async() => {
                let another = try_async_gen! {
                    yield;
                    Err("no")?;
                };
                let items: Vec<Result<(), &str>> = another.collect().await;
                assert_eq!(items, [Ok(()), Err("no")]);
            },
            else => {},
        }
        yield
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(rt.block_on(s.count()), 1);
}

#[test]
fn for_await_over_a_generator() {
    let words = async_gen! {
        yield "hello";
        yield "world";
    };
    let s = async_gen! {
        for await x in words {
            yield x.to_owned() + "!";
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), ["hello!", "world!"]);
}

#[test]
fn for_await_over_borrowed_streams() {
    let s = async_gen! {
        // A `!Unpin` generator, pinned here and borrowed by two loops in turn.
        let mut numbers = pin!(async_gen! {
            for i in 0..4 {
                yield i;
            }
        });
        for await x in &mut numbers {
            yield x;
            if x == 1 {
                break;
            }
        }
        for await x in numbers.as_mut() {
            yield x * 100;
        }
        // An `Unpin` stream borrowed mutably.
        let mut letters = futures::stream::iter(['a', 'b']);
        for await c in &mut letters {
            yield c as i32;
        }
        assert_eq!(letters.next().await, None);
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [0, 1, 200, 300, 97, 98]);
}

#[test]
fn for_await_over_a_not_unpin_stream_by_value() {
    fn not_unpin() -> impl Stream<Item = u8> {
        futures::stream::iter([1, 2]).then(|x| async move { x })
    }
    let s = async_gen! {
        for await (i, x) in not_unpin().enumerate() {
            yield (i, x);
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [(0, 1), (1, 2)]);
}

#[test]
fn spans_preserved() {
    let expected = line!() + 2;
    let s = async_gen! {
        yield line!();
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [expected]);
}

#[test]
fn try_single_err() {
    let s = try_async_gen! {
        if true {
            Err("hello")?;
        } else {
            yield "world";
        }
        unreachable!();
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [Err("hello")]);
}

#[test]
fn try_yield_then_err() {
    let s = try_async_gen! {
        yield "hello";
        Err("world")?;
        unreachable!();
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [Ok("hello"), Err("world")]);
}

#[test]
fn try_convert_err_with_from() {
    struct ErrorA(u8);
    #[derive(PartialEq, Debug)]
    struct ErrorB(u8);
    impl From<ErrorA> for ErrorB {
        fn from(a: ErrorA) -> ErrorB {
            ErrorB(a.0)
        }
    }

    fn test() -> impl Stream<Item = Result<&'static str, ErrorB>> {
        try_async_gen! {
            if true {
                Err(ErrorA(1))?;
            } else {
                Err(ErrorB(2))?;
            }
            yield "unreachable";
        }
    }

    assert_eq!(block_on(test().collect::<Vec<_>>()), [Err(ErrorB(1))]);
}

#[test]
fn try_multi_try() {
    fn test() -> impl Stream<Item = Result<i32, String>> {
        try_async_gen! {
            let a = Ok::<_, String>(Ok::<_, String>(123))??;
            for _ in 1..10 {
                yield a;
            }
        }
    }
    assert_eq!(block_on(test().collect::<Vec<_>>()), vec![Ok(123); 9]);
}

#[test]
fn try_yield_question_mark_in_one_expression() {
    fn test(r: Result<u32, ()>) -> impl Stream<Item = Result<u32, ()>> {
        try_async_gen! {
            yield r?;
        }
    }
    assert_eq!(block_on(test(Ok(1)).collect::<Vec<_>>()), [Ok(1)]);
    assert_eq!(block_on(test(Err(())).collect::<Vec<_>>()), [Err(())]);
}
