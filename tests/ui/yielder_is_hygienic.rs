// The yielder the expansion introduces cannot be named (or shadowed) by user code.
use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 1u32;
        __yielder.yield_(2u32).await;
    };
}
