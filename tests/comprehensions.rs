//! `comp!`: async comprehensions with Python's (PEP 530) clause semantics.
//!
//! Every expected result is computed by the plain nested loops Python's semantics
//! prescribe for the comprehension under test.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::marker::PhantomPinned;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asyncgen::prelude::*;
use futures::executor::block_on;
use futures::stream;
use tokio::time::Instant;

fn collect<S: Stream>(s: S) -> Vec<S::Item> {
    block_on(s.collect())
}

async fn double(x: u32) -> u32 {
    futures::future::ready(x * 2).await
}

async fn is_even(x: u32) -> bool {
    futures::future::ready(x.is_multiple_of(2)).await
}

async fn range(n: u32) -> std::ops::Range<u32> {
    futures::future::ready(0..n).await
}

/// A stream that is not `Unpin` (checked below by `assert_not_unpin`).
fn pinned_stream<I: IntoIterator>(items: I) -> impl Stream<Item = I::Item> {
    let marker = PhantomPinned;
    let items: Vec<_> = items.into_iter().collect();
    generate(move |mut y| async move {
        let _marker = marker;
        for item in items {
            y.yield_(item).await;
        }
    })
}

/// Compiles only for a type that is not `Unpin`: for an `Unpin` type both impls
/// apply and `A` cannot be inferred.
fn assert_not_unpin<T: AmbiguousIfUnpin<A>, A>(_: &T) {}

trait AmbiguousIfUnpin<A> {}
impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

// ---- single clauses ----------------------------------------------------------------

#[test]
fn for_over_a_plain_iterator() {
    // [x * 2 for x in range(5)]
    assert_eq!(collect(comp![x * 2 for x in 0..5]), [0, 2, 4, 6, 8]);
}

#[test]
fn for_await_over_a_stream() {
    // [x + 1 async for x in s]
    let s = stream::iter(vec![10, 20, 30]);
    assert_eq!(collect(comp![x + 1 for await x in s]), [11, 21, 31]);
}

#[test]
fn empty_sources_give_an_empty_stream() {
    assert_eq!(
        collect(comp![x for x in Vec::<u8>::new()]),
        Vec::<u8>::new()
    );
    assert_eq!(
        collect(comp![x for await x in stream::empty::<u8>()]),
        Vec::<u8>::new()
    );
    assert_eq!(
        collect(comp![(x, y) for x in 0..3 for y in 0..x.min(0)]),
        Vec::<(i32, i32)>::new()
    );
}

// ---- clause combinations against Python's nesting ----------------------------------

#[test]
fn for_for_if_nests_like_python() {
    // [(x, y) for x in range(3) for y in range(x) if (x + y) % 2]
    let got = collect(comp![(x, y) for x in 0..3 for y in 0..x if (x + y) % 2 == 1]);
    let mut want = Vec::new();
    for x in 0..3 {
        for y in 0..x {
            if (x + y) % 2 == 1 {
                want.push((x, y));
            }
        }
    }
    assert_eq!(got, want);
    assert_eq!(got, [(1, 0), (2, 1)]);
}

#[test]
fn every_pair_of_clauses_after_the_first_for() {
    let xs = || stream::iter(0..4u32);

    // for, for
    let got = collect(comp![(x, y) for x in 0..4u32 for y in x..4]);
    let mut want = Vec::new();
    for x in 0..4u32 {
        for y in x..4 {
            want.push((x, y));
        }
    }
    assert_eq!(got, want);

    // for, for await (the inner stream is made anew for each x)
    let got = collect(comp![(x, y) for x in 0..4u32 for await y in stream::iter(0..x)]);
    let mut want = Vec::new();
    for x in 0..4u32 {
        for y in 0..x {
            want.push((x, y));
        }
    }
    assert_eq!(got, want);

    // for await, for
    let got = collect(comp![(x, y) for await x in xs() for y in 0..x]);
    assert_eq!(got, want);

    // for await, for await
    let got = collect(comp![(x, y) for await x in xs() for await y in stream::iter(0..x)]);
    assert_eq!(got, want);

    // for, if / for await, if
    let want: Vec<u32> = (0..4).filter(|x| x % 2 == 1).collect();
    assert_eq!(collect(comp![x for x in 0..4u32 if x % 2 == 1]), want);
    assert_eq!(collect(comp![x for await x in xs() if x % 2 == 1]), want);

    // for, if, if: both conditions must hold
    let got = collect(comp![x for x in 0..30u32 if x % 2 == 0 if x % 3 == 0]);
    let want: Vec<u32> = (0..30).filter(|x| x % 2 == 0 && x % 3 == 0).collect();
    assert_eq!(got, want);
    assert_eq!(got, [0, 6, 12, 18, 24]);

    // for, if, for: the condition filters the outer variable before the inner loop
    let got = collect(comp![(x, y) for x in 0..4u32 if x != 2 for y in 0..2u32]);
    let mut want = Vec::new();
    for x in 0..4u32 {
        if x != 2 {
            for y in 0..2u32 {
                want.push((x, y));
            }
        }
    }
    assert_eq!(got, want);

    // for await, if, for await
    let got = collect(
        comp![(x, y) for await x in xs() if x > 0 for await y in stream::iter([x, x * 10])],
    );
    let mut want = Vec::new();
    for x in 0..4u32 {
        if x > 0 {
            for y in [x, x * 10] {
                want.push((x, y));
            }
        }
    }
    assert_eq!(got, want);
}

#[test]
fn long_mixed_chain_matches_nested_loops() {
    // [(a, b, c) async for a in s if a != 1 for b in range(a) if (a * b) % 2 == 0
    //            async for c in t(b) if c > b]
    let got = collect(comp![
        (a, b, c)
        for await a in stream::iter(0..5u32)
        if a != 1
        for b in 0..a
        if (a * b) % 2 == 0
        for await c in stream::iter(b..b + 3)
        if c > b
    ]);
    let mut want = Vec::new();
    for a in 0..5u32 {
        if a != 1 {
            for b in 0..a {
                if (a * b) % 2 == 0 {
                    for c in b..b + 3 {
                        if c > b {
                            want.push((a, b, c));
                        }
                    }
                }
            }
        }
    }
    assert!(!want.is_empty());
    assert_eq!(got, want);
}

#[test]
fn later_clauses_see_earlier_variables_and_shadow_them() {
    // [x for x in range(3) for x in range(x, x + 2)]: the inner x shadows the outer.
    let got = collect(comp![x for x in 0..3 for x in x..x + 2]);
    let mut want = Vec::new();
    for x in 0..3 {
        for x in x..x + 2 {
            want.push(x);
        }
    }
    assert_eq!(got, want);
}

// ---- `.await` in every position ----------------------------------------------------

#[test]
fn await_in_the_element() {
    assert_eq!(collect(comp![double(x).await for x in 0..4]), [0, 2, 4, 6]);
}

#[test]
fn await_in_a_condition() {
    assert_eq!(
        collect(comp![x for x in 0..6 if is_even(x).await]),
        [0, 2, 4]
    );
}

#[test]
fn await_in_the_outermost_iterable() {
    // [x async for x in await make_stream()], [x for x in await range(3)]
    assert_eq!(collect(comp![x for x in range(3).await]), [0, 1, 2]);
    let make_stream = || async { stream::iter([7, 8]) };
    assert_eq!(collect(comp![x for await x in make_stream().await]), [7, 8]);
}

#[test]
fn await_in_inner_iterables() {
    let got = collect(comp![(x, y) for x in 0..3 for y in range(x).await]);
    let got_streamed =
        collect(comp![(x, y) for x in 0..3 for await y in async { stream::iter(0..x) }.await]);
    let mut want = Vec::new();
    for x in 0..3 {
        for y in 0..x {
            want.push((x, y));
        }
    }
    assert_eq!(got, want);
    assert_eq!(got_streamed, want);
}

#[test]
fn await_everywhere_at_once() {
    let got = collect(comp![
        double(x + y).await
        for x in range(4).await
        if is_even(x).await
        for await y in async { stream::iter(0..x) }.await
        if !is_even(y).await
    ]);
    let mut want = Vec::new();
    for x in 0..4 {
        if x % 2 == 0 {
            for y in 0..x {
                if y % 2 == 1 {
                    want.push((x + y) * 2);
                }
            }
        }
    }
    assert_eq!(got, want);
    assert_eq!(got, [6]);
}

#[tokio::test(start_paused = true)]
async fn element_awaits_run_one_after_another_like_python() {
    // [await fetch(i) for i in range(3)] awaits each fetch before starting the next.
    let start = Instant::now();
    let mut finished_at = Vec::new();
    let mut s = std::pin::pin!(comp![
        {
            tokio::time::sleep(Duration::from_millis(10 * (i + 1))).await;
            i
        }
        for i in 0..3u64
    ]);
    while let Some(i) = s.next().await {
        finished_at.push((i, start.elapsed()));
    }
    assert_eq!(
        finished_at,
        [
            (0, Duration::from_millis(10)),
            (1, Duration::from_millis(30)),
            (2, Duration::from_millis(60)),
        ]
    );
}

// ---- patterns ----------------------------------------------------------------------

#[test]
fn patterns_destructure() {
    // {k: v async for k, v in pairs}
    let pairs = stream::iter([("a", 1), ("b", 2)]);
    let got = collect(comp![format!("{k}={v}") for await (k, v) in pairs]);
    assert_eq!(got, ["a=1", "b=2"]);

    struct Point {
        x: i32,
        y: i32,
    }
    let points = vec![Point { x: 1, y: 2 }, Point { x: 3, y: 4 }];
    assert_eq!(collect(comp![x * y for Point { x, y } in points]), [2, 12]);

    let nested = stream::iter([(1, (2, 3)), (4, (5, 6))]);
    assert_eq!(
        collect(comp![a + b + c for await (a, (b, c)) in nested]),
        [6, 15]
    );

    let refs = [1, 2, 3];
    assert_eq!(collect(comp![x * 10 for &x in refs.iter()]), [10, 20, 30]);

    let results: Vec<Result<u8, u8>> = vec![Ok(1), Err(2), Ok(3)];
    assert_eq!(
        collect(comp![v for await Ok(v) | Err(v) in stream::iter(results)]),
        [1, 2, 3]
    );

    let mut_binding = collect(comp![{ v.push(0); v } for await mut v in stream::iter([vec![1]])]);
    assert_eq!(mut_binding, [vec![1, 0]]);

    assert_eq!(collect(comp![() for _ in 0..3]), [(), (), ()]);
}

#[test]
fn iterables_may_be_struct_literals_and_patterns_may_be_or_patterns() {
    struct Bag {
        items: Vec<u8>,
    }
    impl IntoIterator for Bag {
        type Item = u8;
        type IntoIter = std::vec::IntoIter<u8>;
        fn into_iter(self) -> Self::IntoIter {
            self.items.into_iter()
        }
    }
    // A struct literal where a `for` loop head would need parentheses, both as the
    // outermost iterable and as an inner one.
    let got = collect(comp![
        (a, b)
        for a in Bag { items: vec![1, 2] }
        for b in Bag { items: vec![a * 10] }
    ]);
    assert_eq!(got, [(1, 10), (2, 20)]);

    let either: Vec<Result<u8, u8>> = vec![Ok(1), Err(2)];
    assert_eq!(collect(comp![v for Ok(v) | Err(v) in either]), [1, 2]);
}

// ---- streams that are not Unpin ----------------------------------------------------

#[test]
fn for_await_accepts_streams_that_are_not_unpin() {
    let outer = pinned_stream([1, 2]);
    assert_not_unpin(&outer);
    let got = collect(comp![(x, y) for await x in outer for await y in pinned_stream(0..x)]);
    assert_eq!(got, [(1, 0), (2, 0), (2, 1)]);

    let from_async_stream = async_stream::stream! {
        for i in 0..3 {
            yield i;
        }
    };
    assert_not_unpin(&from_async_stream);
    assert_eq!(
        collect(comp![i for await i in from_async_stream]),
        [0, 1, 2]
    );
}

#[test]
fn the_comprehension_itself_can_be_iterated_by_another() {
    let inner = comp![x * x for x in 1..4];
    assert_eq!(collect(comp![y + 1 for await y in inner]), [2, 5, 10]);

    // A comprehension inside the element is left to itself: its items are collected
    // there and only the outer one yields to the outer stream.
    let got = collect(comp![
        comp![x * y for y in 0..3].collect::<Vec<_>>().await
        for x in 1..3
    ]);
    assert_eq!(got, [vec![0, 1, 2], vec![0, 2, 4]]);
}

// ---- collecting: list, dict, set and string comprehensions --------------------------

#[test]
fn collect_into_a_hash_map() {
    // {word: len(word) async for word in words}
    let words = stream::iter(["pear", "fig", "plum"]);
    let got: HashMap<&str, usize> = block_on(comp![(w, w.len()) for await w in words].collect());
    assert_eq!(got, HashMap::from([("pear", 4), ("fig", 3), ("plum", 4)]));

    // Later keys win, as in Python: {x % 3: x for x in range(7)}
    let got: HashMap<u32, u32> = block_on(comp![(x % 3, x) for x in 0..7].collect());
    let mut want = HashMap::new();
    for x in 0..7 {
        want.insert(x % 3, x);
    }
    assert_eq!(got, want);
    assert_eq!(got, HashMap::from([(0, 6), (1, 4), (2, 5)]));
}

#[test]
fn collect_into_a_hash_set() {
    // {x % 4 async for x in s}
    let got: HashSet<u32> = block_on(comp![x % 4 for await x in stream::iter(0..10)].collect());
    assert_eq!(got, HashSet::from([0, 1, 2, 3]));
}

#[test]
fn collect_into_a_string() {
    // "".join(c.upper() for c in "comprehension" if c not in "aeiou")
    let got: String = block_on(
        comp![c.to_ascii_uppercase() for c in "comprehension".chars() if !"aeiou".contains(c)]
            .collect(),
    );
    assert_eq!(got, "CMPRHNSN");

    // ", ".join([name async for name in names]) through `String` pieces
    let names = stream::iter(["ann", "bob"]);
    let got: String = block_on(comp![format!("<{n}>") for await n in names].collect());
    assert_eq!(got, "<ann><bob>");
}

// ---- evaluation order and laziness --------------------------------------------------

#[test]
fn outermost_iterable_is_evaluated_at_once_and_the_rest_lazily() {
    let calls = Rc::new(Cell::new(Vec::<&str>::new()));
    let log = |what: &'static str| {
        let calls = Rc::clone(&calls);
        move || {
            let mut v = calls.take();
            v.push(what);
            calls.set(v);
        }
    };
    let (outer, inner, element) = (log("outer"), log("inner"), log("element"));
    let s = comp![
        { element(); x + y }
        for x in { outer(); 0..2 }
        for y in { inner(); 0..1 }
    ];
    // Python evaluates the outermost iterable when the comprehension is created.
    assert_eq!(calls.take(), ["outer"]);
    assert_eq!(collect(s), [0, 1]);
    // The inner iterable is evaluated anew for each outer item.
    assert_eq!(calls.take(), ["inner", "element", "inner", "element"]);
}

#[test]
fn an_awaiting_outermost_iterable_waits_for_the_first_poll() {
    let evaluated = Rc::new(Cell::new(false));
    let flag = Rc::clone(&evaluated);
    let s = comp![x for x in async { flag.set(true); 0..2 }.await];
    assert!(!evaluated.get());
    assert_eq!(collect(s), [0, 1]);
    assert!(evaluated.get());
}

#[test]
fn the_outermost_iterable_may_borrow_locals() {
    let urls = [String::from("a"), String::from("bb")];
    let lengths = collect(comp![u.len() for u in urls.iter()]);
    assert_eq!(lengths, [1, 2]);
    // `urls` was only borrowed.
    assert_eq!(urls.len(), 2);
}

#[test]
fn nothing_runs_until_polled_and_one_item_per_poll() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let mut s = Box::pin(comp![
        counter.fetch_add(1, Ordering::SeqCst)
        for _ in 0..3
    ]);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert_eq!(block_on(s.next()), Some(0));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(block_on(s.next()), Some(1));
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[test]
fn stream_is_fused_after_the_end() {
    let mut s = Box::pin(comp![x for x in 0..1]);
    assert!(!s.is_terminated());
    assert_eq!(block_on(s.next()), Some(0));
    assert_eq!(block_on(s.next()), None);
    assert!(s.is_terminated());
    assert_eq!(block_on(s.next()), None);
}

#[test]
fn dropping_the_comprehension_early_drops_the_streams_it_holds() {
    struct DropFlag(Arc<AtomicUsize>);
    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = DropFlag(Arc::clone(&dropped));
    let inner = stream::iter(0..100).map(move |x| {
        let _keep = &flag;
        x
    });
    let taken = collect(comp![x for await x in inner].take(2));
    assert_eq!(taken, [0, 1]);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn comprehension_is_send_when_its_state_is() {
    let s = comp![x * 2 for await x in stream::iter(0..3) if x > 0];
    let got = tokio::spawn(async move { s.collect::<Vec<_>>().await })
        .await
        .unwrap();
    assert_eq!(got, [2, 4]);
}

#[test]
fn user_names_do_not_clash_with_the_expansion() {
    let __asyncgen_yielder = 5;
    let __asyncgen_item = 1;
    let __asyncgen_source0 = 0..2;
    let __asyncgen_condition = true;
    let got = collect(comp![
        x + __asyncgen_yielder + __asyncgen_item
        for x in __asyncgen_source0
        for await _y in stream::iter([()])
        if __asyncgen_condition
    ]);
    assert_eq!(got, [6, 7]);
}
