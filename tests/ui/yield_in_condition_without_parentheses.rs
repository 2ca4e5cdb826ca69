use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        let n = 1u32;
        while let Some(m) = yield n {
            let _ = m + 1;
        }
    };
}
