/// Item shape of an [`AsCompleted`](super::AsCompleted) stream: each item is the
/// future's output alone. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

/// Item shape of an [`AsCompleted`](super::AsCompleted) stream after
/// [`.indexed()`](super::AsCompleted::indexed): each item is
/// `(input_index, output)`, where `input_index` counts from 0 in the order the input
/// iterator produced the futures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Indexed;
