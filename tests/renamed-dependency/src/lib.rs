//! Generators, fallible generators and comprehensions written against `asyncgen` under
//! the name `streams`: this crate has no `asyncgen` in scope, so each test compiles only
//! if the macros' expansion names the runtime crate as the caller does.

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use streams::prelude::*;

    fn numbers(n: u32) -> impl Stream<Item = u32> {
        streams::async_gen! {
            for i in 0..n {
                yield i;
            }
        }
    }

    #[test]
    fn async_gen_with_for_await_and_a_nested_generator() {
        let doubled = async_gen! {
            for await x in numbers(3) {
                let pair = async_gen! {
                    yield x;
                    yield x;
                };
                for await y in pair {
                    yield y * 2;
                }
            }
        };
        assert_eq!(block_on(doubled.collect::<Vec<_>>()), [0, 0, 2, 2, 4, 4]);
    }

    #[test]
    fn try_async_gen_ends_with_the_error() {
        let parsed = streams::try_async_gen! {
            for text in ["1", "2", "x", "4"] {
                let n: u32 = text.parse().map_err(|_| format!("not a number: {text}"))?;
                yield n;
            }
        };
        assert_eq!(
            block_on(parsed.collect::<Vec<_>>()),
            [Ok(1), Ok(2), Err("not a number: x".to_string())]
        );
    }

    #[test]
    fn comp_over_a_stream_hoisted_and_nested() {
        let words = ["ab", "", "c"];
        let letters = streams::comp![
            c for await w in futures::stream::iter(words) if !w.is_empty() for c in w.chars()
        ];
        assert_eq!(block_on(letters.collect::<String>()), "abc");
        let sums = comp![a + b for await a in numbers(2) for await b in numbers(2)];
        assert_eq!(block_on(sums.collect::<Vec<_>>()), [0, 1, 1, 2]);
    }
}
