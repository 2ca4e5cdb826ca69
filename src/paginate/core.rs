//! The cursor-following engine shared by the item stream, the page stream and the
//! prefetching task: limits, repeated cursors and one [`Attempt`] per page.

use core::hash::Hash;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::attempt::Attempt;
use super::repeated_cursor::CursorLog;
use super::settings::RunSettings;
use super::{Checkpoint, FetchPage, Page, PaginateError, RepeatedCursor};

pub(crate) type PageResult<C, F> =
    Result<Page<<F as FetchPage<C>>::Item, C>, PaginateError<<F as FetchPage<C>>::Error>>;

pin_project! {
    #[project = StateProj]
    #[project_ref = StateProjRef]
    enum State<C, Fut> {
        // `Option` only so that the cursor can be moved out of the pinned state.
        Next { cursor: Option<C> },
        Fetching { #[pin] attempt: Attempt<C, Fut> },
        Repeated { cursor: Option<C> },
        Done,
    }
}

pin_project! {
    pub(crate) struct Core<C, F: FetchPage<C>> {
        fetch: F,
        settings: RunSettings<F::Error>,
        on_repeat: RepeatedCursor,
        log: CursorLog,
        page_index: usize,
        items: usize,
        #[pin]
        state: State<C, F::Future>,
    }
}

impl<C, F: FetchPage<C>> Core<C, F> {
    pub(crate) fn new(first_cursor: C, fetch: F) -> Self {
        Core {
            fetch,
            settings: RunSettings::default(),
            on_repeat: RepeatedCursor::default(),
            log: CursorLog::new(RepeatedCursor::default()),
            page_index: 0,
            items: 0,
            state: State::Next {
                cursor: Some(first_cursor),
            },
        }
    }

    pub(crate) fn set_on_repeat(self: Pin<&mut Self>, mode: RepeatedCursor) {
        let this = self.project();
        *this.on_repeat = mode;
        *this.log = CursorLog::new(mode);
    }

    /// Starts at `checkpoint` instead of the first cursor, counting its pages and
    /// items as already fetched.
    pub(crate) fn resume(self: Pin<&mut Self>, checkpoint: Checkpoint<C>)
    where
        C: Hash,
    {
        let mut this = self.project();
        *this.page_index = checkpoint.pages;
        *this.items = checkpoint.items;
        let state = match checkpoint.cursor {
            Some(cursor) => {
                this.log.insert(&cursor);
                State::Next {
                    cursor: Some(cursor),
                }
            }
            None => State::Done,
        };
        this.state.set(state);
    }

    /// The cursor of the next page to fetch, while none is being fetched.
    #[cfg(feature = "tokio")]
    pub(crate) fn next_cursor(self: Pin<&Self>) -> Option<&C> {
        match self.project_ref().state.project_ref() {
            StateProjRef::Next { cursor } => cursor.as_ref(),
            _ => None,
        }
    }

    /// Whether the listing is over: the next poll returns `None`. Right after a page,
    /// this says whether it was the last.
    #[cfg(feature = "tokio")]
    pub(crate) fn is_done(self: Pin<&Self>) -> bool {
        matches!(self.project_ref().state.project_ref(), StateProjRef::Done)
    }

    /// The fetcher, for the builder methods of adapters that name their own.
    #[cfg(feature = "http")]
    pub(crate) fn fetch_mut(self: Pin<&mut Self>) -> &mut F {
        self.project().fetch
    }

    pub(crate) fn settings_mut(self: Pin<&mut Self>) -> &mut RunSettings<F::Error> {
        self.project().settings
    }

    /// The next page, `Some(Err)` once and then `None` after a failure, `None` at the end.
    pub(crate) fn poll_page(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<PageResult<C, F>>>
    where
        C: Clone + Hash + Send + Sync + 'static,
    {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Next { cursor } => {
                    let cursor = match cursor.take() {
                        Some(cursor)
                            if !this.settings.limit_reached(*this.items, *this.page_index) =>
                        {
                            cursor
                        }
                        _ => {
                            this.state.set(State::Done);
                            return Poll::Ready(None);
                        }
                    };
                    if *this.page_index == 0 {
                        this.log.insert(&cursor);
                    }
                    this.state.set(State::Fetching {
                        attempt: Attempt::new(cursor, *this.page_index),
                    });
                }
                StateProj::Fetching { attempt } => {
                    let fetch = &mut *this.fetch;
                    let fetched = ready!(attempt.poll_fetch(
                        cx,
                        &mut |cursor| fetch.fetch_page(cursor),
                        &mut this.settings.fetch
                    ));
                    let mut page = match fetched {
                        Ok(page) => page,
                        Err(error) => {
                            this.state.set(State::Done);
                            return Poll::Ready(Some(Err(error)));
                        }
                    };
                    *this.page_index += 1;
                    if let Some(max) = this.settings.max_items {
                        page.items.truncate(max - *this.items);
                    }
                    *this.items += page.items.len();
                    let next_state = match &page.next {
                        None => State::Done,
                        Some(_) if this.settings.limit_reached(*this.items, *this.page_index) => {
                            State::Done
                        }
                        Some(next) if this.log.insert(next) => State::Next {
                            cursor: Some(next.clone()),
                        },
                        Some(next) => match this.on_repeat {
                            RepeatedCursor::Error => State::Repeated {
                                cursor: Some(next.clone()),
                            },
                            RepeatedCursor::Stop | RepeatedCursor::Continue => State::Done,
                        },
                    };
                    this.state.set(next_state);
                    return Poll::Ready(Some(Ok(page)));
                }
                StateProj::Repeated { cursor } => {
                    let cursor = cursor.take();
                    this.state.set(State::Done);
                    return Poll::Ready(cursor.map(|cursor| {
                        Err(PaginateError::repeated_cursor(*this.page_index, cursor))
                    }));
                }
                StateProj::Done => return Poll::Ready(None),
            }
        }
    }
}
