// The yielder the expansion introduces cannot be named (or shadowed) by user code.
use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 1u32;
        r#yield.yield_(2u32).await;
        __asyncgen_yielder.yield_(3u32).await;
    };
}
