// The smuggled yield of `smuggled_yield.rs` with matching types: the `async` block
// holds the outer generator's yielder, so the outer body cannot yield while the inner
// generator that awaits it is alive.
use asyncgen::prelude::*;

macro_rules! deferred {
    ($e:expr) => {
        async { $e }
    };
}

fn main() {
    let _outer = async_gen! {
        let smuggled = deferred!(yield String::from("smuggled"));
        let inner = async_gen! {
            smuggled.await;
            yield String::from("inner");
        };
        for await text in inner {
            yield text;
        }
    };
}
