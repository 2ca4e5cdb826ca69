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

    struct Shelf {
        books: Vec<String>,
    }

    impl Shelf {
        // An elided lifetime (`&self`) and a borrowed item: the stream captures both,
        // under this crate's edition.
        #[streams::generator(crate = streams)]
        async fn titles(&self, min_len: usize, mut y: streams::Yielder<&str>) {
            for book in &self.books {
                if book.len() >= min_len {
                    y.yield_(book).await;
                }
            }
        }

        // Nothing borrowed in the item type: only the capture rules keep `&self`.
        #[streams::generator(crate = streams)]
        async fn lengths(&self, mut y: streams::Yielder<usize>) {
            for book in &self.books {
                y.yield_(book.len()).await;
            }
        }
    }

    #[streams::try_generator(crate = streams)]
    async fn parsed(texts: &[&str], mut y: streams::Yielder<u32>) -> Result<(), String> {
        for text in texts {
            y.yield_(text.parse().map_err(|_| format!("not a number: {text}"))?)
                .await;
        }
        Ok(())
    }

    #[test]
    fn the_attribute_forms_name_the_crate_they_are_given() {
        let shelf = Shelf {
            books: vec!["Dune".into(), "It".into(), "Emma".into()],
        };
        assert_eq!(
            block_on(shelf.titles(3).collect::<Vec<_>>()),
            ["Dune", "Emma"]
        );
        assert_eq!(block_on(shelf.lengths().collect::<Vec<_>>()), [4, 2, 4]);
        assert_eq!(
            block_on(parsed(&["1", "x", "3"]).collect::<Vec<_>>()),
            [Ok(1), Err("not a number: x".to_string())]
        );
    }
}
