//! Generators written with `async_gen!` and `try_async_gen!`.

use asyncgen::prelude::*;
use futures::executor::block_on;

#[test]
fn yields_in_order() {
    let s = async_gen! {
        yield 1;
        yield 2;
        for i in 3..5 {
            yield i;
        }
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [1, 2, 3, 4]);
}

#[test]
fn for_await_smoke() {
    let inner = async_gen! { yield 1; yield 2; };
    let s = async_gen! {
        'outer: for await x in inner {
            if x == 2 { continue 'outer; }
            yield x * 10;
        }
        yield 99;
    };
    assert_eq!(block_on(s.collect::<Vec<_>>()), [10, 99]);
}

#[test]
fn try_smoke() {
    #[derive(Debug, PartialEq)]
    struct E;
    impl From<std::num::ParseIntError> for E {
        fn from(_: std::num::ParseIntError) -> Self {
            E
        }
    }
    fn parse() -> impl Stream<Item = Result<u32, E>> {
        try_async_gen! {
            for t in ["1", "x", "3"] {
                yield t.parse::<u32>()?;
            }
            return;
        }
    }
    assert_eq!(block_on(parse().collect::<Vec<_>>()), [Ok(1), Err(E)]);
}
