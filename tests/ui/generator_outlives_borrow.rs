// The stream of a `#[generator]` method borrows `self`, as an async fn's future does.
use asyncgen::prelude::*;

struct Names(Vec<String>);

impl Names {
    #[generator]
    async fn lengths(&self, mut y: Yielder<usize>) {
        for name in &self.0 {
            y.yield_(name.len()).await;
        }
    }
}

fn main() {
    let names = Names(vec!["a".into()]);
    let lengths = names.lengths();
    drop(names);
    let _ = futures::executor::block_on(lengths.count());
}
