use asyncgen::async_gen;

struct Callback<F> {
    call: F,
}

fn main() {
    let _s = async_gen! {
        let _callbacks = vec![Callback { call: |x: u32| { yield x; } }];
    };
}
