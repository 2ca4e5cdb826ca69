use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        if true {
            try {
                yield 1;
            } finally {
                println!("cleanup");
            }
        }
    };
}
