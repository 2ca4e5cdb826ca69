use asyncgen::async_gen;

fn main() {
    let _s = async_gen! {
        let s = String::from("local");
        yield &s;
    };
}
