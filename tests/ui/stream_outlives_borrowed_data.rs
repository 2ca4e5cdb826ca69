use asyncgen::prelude::*;

fn main() {
    let v = vec![1, 2, 3];
    let borrowed = &v;
    let s = async_gen! {
        for x in borrowed {
            yield x;
        }
    };
    drop(v);
    let _ = futures::executor::block_on(s.collect::<Vec<&i32>>());
}
