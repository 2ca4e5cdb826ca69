// A syntax error in the body is reported at its token; the body still reaches the
// compiler (rewritten token by token), so IDEs can check the rest of it.
use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        yield 1u32;
        let x = ;
        yield x;
    };
}
