use core::future::Future;
use std::collections::VecDeque;

use super::driver::Starter;
use super::item_shape::ItemShape;

/// The input of an [`AsCompleted`](super::AsCompleted): the iterator it was made from,
/// then the futures added since, in the order they were added.
///
/// Unlike a plain iterator, it may return `None` and later `Some` again (after
/// [`push`](Self::push)); the driver asks it again only when told more was added.
/// The iterator itself is dropped at its first `None` and never called after it.
pub(crate) struct Extendable<I: Iterator> {
    input: Option<I>,
    added: VecDeque<I::Item>,
}

impl<I: Iterator> Extendable<I> {
    pub(crate) fn new(input: I) -> Self {
        Self {
            input: Some(input),
            added: VecDeque::new(),
        }
    }

    pub(crate) fn push(&mut self, item: I::Item) {
        self.added.push_back(item);
    }

    /// How many added items wait for their turn.
    pub(crate) fn waiting(&self) -> usize {
        self.added.len()
    }
}

impl<I> Extendable<I>
where
    I: Iterator,
    I::Item: Future,
{
    /// Starts every item, in order, by internal iteration: what is left of the iterator
    /// (dropped at its end, as [`next`](Iterator::next) does), then the added ones.
    #[inline]
    pub(crate) fn drain<K: ItemShape>(&mut self, starter: &mut Starter<'_, I::Item, K>) {
        if let Some(input) = &mut self.input {
            input.for_each(|item| starter.start(item));
            self.input = None;
        }
        self.added.drain(..).for_each(|item| starter.start(item));
    }
}

impl<I: Iterator> Iterator for Extendable<I> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        if let Some(input) = &mut self.input {
            match input.next() {
                Some(item) => return Some(item),
                None => self.input = None,
            }
        }
        self.added.pop_front()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let waiting = self.added.len();
        match &self.input {
            None => (waiting, Some(waiting)),
            Some(input) => {
                let (low, high) = input.size_hint();
                (
                    low.saturating_add(waiting),
                    high.and_then(|high| high.checked_add(waiting)),
                )
            }
        }
    }
}
