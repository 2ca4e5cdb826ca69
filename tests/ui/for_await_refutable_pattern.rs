// As in a `for` loop, the pattern must match every item.
use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        for await Some(x) in tokio_stream::iter([Some(1), None, Some(3)]) {
            yield x;
        }
    };
}
