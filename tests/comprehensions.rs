use asyncgen::prelude::*;
use futures::executor::block_on;

#[test]
fn smoke() {
    let v = vec![1, 2, 3];
    let s = comp![x * 2 for x in v.iter()];
    let out: Vec<i32> = block_on(s.collect());
    assert_eq!(out, [2, 4, 6]);
    assert_eq!(v.len(), 3);
    let out: Vec<(i32, i32)> = block_on(
        comp![(x, y) for x in 0..3 for await y in futures::stream::iter(0..x) if (x + y) % 2 == 1]
            .collect(),
    );
    assert_eq!(out, [(1, 0), (2, 1)]);
}
