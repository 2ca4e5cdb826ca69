use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 0u32;
        let sum = || {
            let mut total = 0;
            for await x in tokio_stream::iter([1u32, 2]) {
                total += x;
            }
            total
        };
        yield sum();
    };
}
