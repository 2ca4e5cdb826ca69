use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 0u32;
        let later = async {
            yield 1u32;
        };
        later.await;
        // Also inside the tokens of another macro call.
        let _futures = vec![async move { yield 2u32 }];
    };
}
