use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 0u32;
        let items = [1u32, 2, 3];
        items.iter().for_each(|&x| {
            yield x;
        });
    };
}
