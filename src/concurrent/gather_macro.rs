//! `gather!` and `try_gather!`: futures of different types, run together, outputs as a
//! tuple in argument order.
//!
//! Both poll each future in place, pinned on the stack of one `async` block (no
//! allocation, no runtime, no `unsafe`), through futures-util's `MaybeDone` and
//! `TryMaybeDone`, which keep each output until all are ready; `try_gather!` returns at
//! the first `Err`, which drops the others. futures-util's own `join!`/`try_join!` do the
//! same, but they are procedural macros from futures-macro, which brings a second major
//! version of `syn` into every build, generators-only ones included. The result is a
//! future to `.await` (Python's `await asyncio.gather(a(), b())`), the arguments are
//! evaluated at once, in order, where the macro is called (so borrows in them behave as
//! in a function call), and any `IntoFuture` is accepted.

/// Runs futures of any types concurrently and resolves to a tuple of their outputs in
/// argument order, like Python's `await asyncio.gather(a(), b())`.
///
/// `gather!(f1, f2, …)` is a future: `.await` it. The arguments are evaluated where the
/// macro is called, left to right, and may be anything that implements
/// [`IntoFuture`](core::future::IntoFuture). Any number of arguments is accepted
/// (a trailing comma too); `gather!()` resolves to `()` and `gather!(f)` to `(f_output,)`.
///
/// The futures run inside the task that awaits the `gather!`: no runtime is needed and
/// nothing is allocated. Dropping it before it completes drops the futures still
/// running. For many futures of one type (a `Vec`, an iterator), use
/// [`gather`](crate::gather()), which also has `.limit(n)`; for `Result` outputs that
/// should stop at the first error, [`try_gather!`](crate::try_gather!).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::prelude::*;
/// use tokio::time::{Instant, sleep};
///
/// async fn step_one() -> u32 {
///     sleep(Duration::from_millis(100)).await;
///     1
/// }
///
/// async fn step_two() -> &'static str {
///     sleep(Duration::from_millis(100)).await;
///     "two"
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // await asyncio.gather(step_one(), step_two())
/// let start = Instant::now();
/// let (one, two) = gather!(step_one(), step_two()).await;
/// assert_eq!((one, two), (1, "two"));
/// assert_eq!(start.elapsed(), Duration::from_millis(100)); // together, not 200 ms
/// # }
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),* $(,)?) => {
        $crate::__gather_internal!(@join [] $($future,)*)
    };
}

/// Runs fallible futures of any types concurrently: `Ok` with a tuple of their outputs
/// in argument order, or the first `Err`, like a Python `asyncio.TaskGroup` around
/// different coroutines.
///
/// Every argument's output is a `Result<_, E>` with the same `E`. When one of them
/// resolves to `Err`, the others are dropped (cancelled) at once, without being polled
/// again, and the error is returned. Otherwise it behaves as [`gather!`](crate::gather!):
/// a future, arguments evaluated at the call in order, any number of them, no runtime,
/// no allocation. [`try_gather`](crate::try_gather()) does the same for many futures of
/// one type.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::prelude::*;
/// use tokio::time::{Instant, sleep};
///
/// async fn user(id: u32) -> Result<String, String> {
///     sleep(Duration::from_millis(10)).await;
///     Ok(format!("user {id}"))
/// }
///
/// async fn quota(fail: bool) -> Result<u64, String> {
///     sleep(Duration::from_millis(20)).await;
///     if fail { Err("quota service is down".into()) } else { Ok(100) }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let both = try_gather!(user(7), quota(false)).await;
/// assert_eq!(both, Ok(("user 7".to_string(), 100)));
///
/// let start = Instant::now();
/// let slow = async {
///     sleep(Duration::from_secs(60)).await;
///     Ok::<_, String>(())
/// };
/// let failed = try_gather!(slow, quota(true)).await;
/// assert_eq!(failed, Err("quota service is down".to_string()));
/// assert_eq!(start.elapsed(), Duration::from_millis(20)); // `slow` was dropped
/// # }
/// ```
#[macro_export]
macro_rules! try_gather {
    ($($future:expr),* $(,)?) => {
        $crate::__gather_internal!(@try_join [] $($future,)*)
    };
}

/// The part of [`gather!`] and [`try_gather!`] that names each argument: every step of
/// the recursion introduces its own `future`, and macro hygiene keeps them apart.
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_internal {
    (@$join:ident [$($name:ident = $value:expr,)*] $head:expr, $($tail:expr,)*) => {
        $crate::__gather_internal!(@$join [$($name = $value,)* future = $head,] $($tail,)*)
    };
    (@join [$($name:ident = $value:expr,)*]) => {
        match ($($crate::__private::IntoFuture::into_future($value),)*) {
            ($($name,)*) => async move {
                $(let mut $name = $crate::__private::pin!($crate::__private::maybe_done($name));)*
                $crate::__private::poll_fn(move |_cx| {
                    let mut _all_done = true;
                    $(
                        _all_done &= $crate::__private::Future::poll($name.as_mut(), _cx).is_ready();
                    )*
                    if !_all_done {
                        return $crate::__private::Poll::Pending;
                    }
                    $crate::__private::Poll::Ready(($(
                        match $name.as_mut().take_output() {
                            ::core::option::Option::Some(output) => output,
                            // Every future reported ready just above, and each output is
                            // taken once, here.
                            ::core::option::Option::None => ::core::unreachable!(),
                        },
                    )*))
                })
                .await
            },
        }
    };
    (@try_join [$($name:ident = $value:expr,)*]) => {
        match ($($crate::__private::IntoFuture::into_future($value),)*) {
            ($($name,)*) => async move {
                $(let mut $name = $crate::__private::pin!($crate::__private::try_maybe_done($name));)*
                $crate::__private::poll_fn(move |_cx| {
                    let mut _all_done = true;
                    $(
                        match $crate::__private::Future::poll($name.as_mut(), _cx) {
                            $crate::__private::Poll::Ready(::core::result::Result::Ok(())) => {}
                            $crate::__private::Poll::Ready(::core::result::Result::Err(error)) => {
                                return $crate::__private::Poll::Ready(::core::result::Result::Err(error));
                            }
                            $crate::__private::Poll::Pending => _all_done = false,
                        }
                    )*
                    if !_all_done {
                        return $crate::__private::Poll::Pending;
                    }
                    $crate::__private::Poll::Ready(::core::result::Result::Ok(($(
                        match $name.as_mut().take_output() {
                            ::core::option::Option::Some(output) => output,
                            // As in `@join`: all are done, each output is taken once.
                            ::core::option::Option::None => ::core::unreachable!(),
                        },
                    )*)))
                })
                .await
            },
        }
    };
}
