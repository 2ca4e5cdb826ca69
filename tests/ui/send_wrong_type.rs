use asyncgen::prelude::*;

fn main() {
    futures::executor::block_on(async {
        let mut g = std::pin::pin!(async_gen! {
            let mut total = 0u32;
            loop {
                if let Some(step) = (yield total) {
                    total += step;
                }
            }
        });
        g.as_mut().send("one").await;
    });
}
