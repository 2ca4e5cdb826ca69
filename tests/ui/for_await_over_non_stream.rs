use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        for await x in vec![1, 2, 3] {
            yield x;
        }
    };
}
