use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        try {
            yield 1;
        }
    };
}
