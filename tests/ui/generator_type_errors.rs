// Errors in the body of an attribute generator point at the user's tokens.
use asyncgen::prelude::*;

#[generator]
async fn wrong_item(mut y: Yielder<u32>) {
    y.yield_("one").await;
}

#[generator]
async fn not_mut(y: Yielder<u32>) {
    y.yield_(1).await;
}

#[generator]
async fn trailing_value(mut y: Yielder<u32>) {
    y.yield_(1).await;
    7
}

#[derive(Debug)]
struct NotANumber;

#[try_generator]
async fn wrong_error(mut y: Yielder<u32>) -> Result<(), NotANumber> {
    y.yield_("1".parse::<u32>()?).await;
    Ok(())
}

#[try_generator]
async fn not_a_result(mut y: Yielder<u32>) -> Option<()> {
    y.yield_(1).await;
    Some(())
}

fn main() {}
