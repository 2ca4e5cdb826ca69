use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        for text in ["1", "x"] {
            let n: u32 = text.parse()?;
            yield n;
        }
    };
}
