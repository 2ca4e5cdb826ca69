//! `#[generator]` and `#[try_generator]`: async fns that yield through a `Yielder`
//! parameter, as streams.

#![deny(warnings)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asyncgen::prelude::*;
use futures::executor::block_on;

#[generator]
async fn numbers(n: u32, mut y: Yielder<u32>) {
    for i in 0..n {
        y.yield_(i).await;
    }
}

#[test]
fn an_async_fn_with_a_yielder_is_a_stream() {
    assert_eq!(block_on(numbers(3).collect::<Vec<_>>()), [0, 1, 2]);
}

// The yielder may sit anywhere among the parameters; generics and `where` clauses stay.
#[generator]
async fn labelled<S, L>(mut y: Yielder<String>, items: S, label: L)
where
    S: Stream<Item = u32>,
    L: std::fmt::Display,
{
    let mut items = std::pin::pin!(items);
    while let Some(item) = items.next().await {
        y.yield_(format!("{label} {item}")).await;
    }
}

#[test]
fn generics_where_clauses_and_a_yielder_first() {
    let got: Vec<String> = block_on(labelled(numbers(2), "item").collect());
    assert_eq!(got, ["item 0", "item 1"]);
}

struct Inventory {
    items: Vec<(String, u32)>,
}

impl Inventory {
    // `&self` and a borrowed argument, both elided: the stream borrows them.
    #[generator]
    async fn in_stock<'a>(&'a self, prefix: &str, mut y: Yielder<&'a str>) {
        for (name, count) in &self.items {
            if *count > 0 && name.starts_with(prefix) {
                y.yield_(name).await;
            }
        }
    }

    #[generator]
    async fn counts(&self, mut y: Yielder<u32>) {
        for (_, count) in &self.items {
            y.yield_(*count).await;
        }
    }
}

#[test]
fn methods_borrow_self_and_their_arguments() {
    let inventory = Inventory {
        items: vec![
            ("apple".into(), 3),
            ("apricot".into(), 0),
            ("avocado".into(), 1),
        ],
    };
    let prefix = String::from("a");
    let got: Vec<&str> = block_on(inventory.in_stock(&prefix).collect());
    assert_eq!(got, ["apple", "avocado"]);
    assert_eq!(block_on(inventory.counts().collect::<Vec<_>>()), [3, 0, 1]);
}

trait Source {
    fn values(&self) -> impl Stream<Item = u8> + '_;
}

struct Fixed(Vec<u8>);

impl Source for Fixed {
    #[generator]
    async fn values(&self, mut y: Yielder<u8>) {
        for v in &self.0 {
            y.yield_(*v).await;
        }
    }
}

#[test]
fn implements_a_trait_method_that_returns_impl_stream() {
    assert_eq!(
        block_on(Fixed(vec![4, 5]).values().collect::<Vec<_>>()),
        [4, 5]
    );
}

#[derive(Debug, PartialEq)]
enum ImportError {
    BadNumber,
    Negative(i64),
}

impl From<std::num::ParseIntError> for ImportError {
    fn from(_: std::num::ParseIntError) -> Self {
        ImportError::BadNumber
    }
}

#[try_generator]
async fn import(lines: Vec<&str>, mut y: Yielder<i64>) -> Result<(), ImportError> {
    for line in lines {
        if line.is_empty() {
            return Ok(());
        }
        let n: i64 = line.parse()?;
        if n < 0 {
            return Err(ImportError::Negative(n));
        }
        y.yield_(n).await;
    }
    Ok(())
}

#[test]
fn try_generator_ends_with_the_error_converted_by_from() {
    let got: Vec<_> = block_on(import(vec!["1", "x", "3"]).collect());
    assert_eq!(got, [Ok(1), Err(ImportError::BadNumber)]);
    let got: Vec<_> = block_on(import(vec!["1", "-2", "3"]).collect());
    assert_eq!(got, [Ok(1), Err(ImportError::Negative(-2))]);
    let got: Vec<_> = block_on(import(vec!["1", "", "3"]).collect());
    assert_eq!(
        got,
        [Ok(1)],
        "`return Ok(())` ends the stream without an error"
    );
}

#[try_generator]
async fn lines_of(text: &str, mut y: Yielder<String>) -> std::io::Result<()> {
    for line in text.lines() {
        if line == "!" {
            return Err(std::io::Error::other("bang"));
        }
        y.yield_(line.to_uppercase()).await;
    }
    Ok(())
}

#[test]
fn try_generator_accepts_a_result_alias() {
    let got: Vec<std::io::Result<String>> = block_on(lines_of("a\nb\n!\nc").collect());
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].as_ref().unwrap(), "B");
    assert_eq!(got[2].as_ref().unwrap_err().to_string(), "bang");
}

struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[generator]
async fn holding(_guard: Guard, unused: Guard, mut y: Yielder<()>) {
    y.yield_(()).await;
}

#[test]
fn parameters_move_into_the_stream_as_into_an_async_fns_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let s = holding(Guard(Arc::clone(&drops)), Guard(Arc::clone(&drops)));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "nothing is dropped before the stream"
    );
    assert_eq!(block_on(s.count()), 1);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn the_stream_is_send_when_its_state_is_and_runs_lazily() {
    fn assert_send<T: Send>(_: &T) {}
    let s = numbers(2);
    assert_send(&s);
    let started = Arc::new(AtomicUsize::new(0));
    #[generator]
    async fn counted(started: Arc<AtomicUsize>, mut y: Yielder<usize>) {
        y.yield_(started.fetch_add(1, Ordering::SeqCst)).await;
    }
    let s = counted(Arc::clone(&started));
    assert_eq!(started.load(Ordering::SeqCst), 0);
    assert_eq!(block_on(s.collect::<Vec<_>>()), [0]);
}
