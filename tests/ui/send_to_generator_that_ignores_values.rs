use asyncgen::prelude::*;

fn main() {
    futures::executor::block_on(async {
        let mut g = std::pin::pin!(async_gen! {
            yield 1;
        });
        g.as_mut().send(5).await;
    });
}
