// A `Yielder<&'static str>` cannot be used as a `Yielder<&'a str>`: otherwise the body
// could yield a borrow of its own local into a stream that promises `&'static str`.
use asyncgen::prelude::*;
use asyncgen::{Generator, Yielder};

fn dangling() -> Generator<&'static str, impl Future<Output = ()>> {
    generate(|y: Yielder<&'static str>| async move {
        let s = String::from("lives inside the body");
        let mut short: Yielder<&str> = y;
        short.yield_(&s).await;
        drop(s);
    })
}

fn main() {
    let _ = dangling();
}
