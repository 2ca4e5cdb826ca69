use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 0u32;
        fn helper() {
            yield 1u32;
        }
        helper();
    };
}
