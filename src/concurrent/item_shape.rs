/// Item shape of an [`AsCompleted`](super::AsCompleted) stream: each item is the
/// future's output alone. The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

/// Item shape of an [`AsCompleted`](super::AsCompleted) stream after
/// [`.indexed()`](super::AsCompleted::indexed): each item is
/// `(input_index, output)`, where `input_index` counts from 0 in the order the futures
/// started: the input iterator's first, then those added with
/// [`push`](super::AsCompleted::push).
#[derive(Debug, Clone, Copy, Default)]
pub struct Indexed;

/// What an item looks like for each shape, [`Plain`] or [`Indexed`]; sealed.
pub trait ItemShape: sealed::Sealed + Unpin {
    /// The item for a future's output `T`.
    type Item<T>;

    #[doc(hidden)]
    fn item<T>(index: usize, output: T) -> Self::Item<T>;
}

impl ItemShape for Plain {
    type Item<T> = T;

    #[inline]
    fn item<T>(_: usize, output: T) -> T {
        output
    }
}

impl ItemShape for Indexed {
    type Item<T> = (usize, T);

    #[inline]
    fn item<T>(index: usize, output: T) -> (usize, T) {
        (index, output)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Plain {}
    impl Sealed for super::Indexed {}
}
