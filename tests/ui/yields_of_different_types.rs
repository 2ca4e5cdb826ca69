use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 1u32;
        yield "two";
    };
}
