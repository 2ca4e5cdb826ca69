// A `yield` smuggled out of its generator through an `async` block that a
// `macro_rules!` macro builds, then awaited inside a different (nested) generator, in
// an attempt to make a stream of `String`s carry a `u32`. The yield stays bound to the
// generator it is written in, whose items are `String`s, so this does not compile.
use asyncgen::prelude::*;

macro_rules! deferred {
    ($e:expr) => {
        async { $e }
    };
}

fn main() {
    let _outer = async_gen! {
        yield String::from("outer");
        let smuggled = deferred!(yield 7u32);
        let inner = async_gen! {
            smuggled.await;
            yield String::from("inner");
        };
        for await text in inner {
            yield text;
        }
    };
}
