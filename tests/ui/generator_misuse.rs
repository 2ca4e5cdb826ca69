use asyncgen::prelude::*;

#[generator]
fn not_async(mut y: Yielder<u32>) {
    let _ = &mut y;
}

#[generator]
async fn no_yielder(n: u32) {
    let _ = n;
}

#[generator]
async fn two_yielders(mut y: Yielder<u32>, mut z: Yielder<u32>) {
    y.yield_(1).await;
    z.yield_(2).await;
}

#[generator]
async fn returns_a_value(mut y: Yielder<u32>) -> u32 {
    y.yield_(1).await;
    2
}

#[generator]
async fn unnamed_item(mut y: Yielder<_>) {
    y.yield_(1).await;
}

#[try_generator]
async fn no_result(mut y: Yielder<u32>) {
    y.yield_(1).await;
}

#[generator(krate = asyncgen)]
async fn unknown_argument(mut y: Yielder<u32>) {
    y.yield_(1).await;
}

fn main() {}
