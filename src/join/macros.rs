//! `join!` and `try_join!`: a fixed set of futures of mixed types, run concurrently.

/// Awaits several futures concurrently and returns a tuple of their outputs, in argument
/// order: asyncio's `gather` for futures of different types.
///
/// Must be used inside an `async` context (it expands to an `.await`). The futures run in
/// the calling task; each time the task is woken, the futures not yet done are polled.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// evloop::run(async {
///     let (n, s) = evloop::join!(
///         async { evloop::sleep(Duration::from_millis(5)).await; 1 },
///         async { "two" },
///     );
///     assert_eq!((n, s), (1, "two"));
/// });
/// ```
#[macro_export]
macro_rules! join {
    ($($future:expr),+ $(,)?) => {
        $crate::__join_internal!(@name join [] $($future),+)
    };
}

/// Like [`join!`], for futures returning `Result`: `Ok` with the tuple of values, or the
/// first error as soon as it happens (the other futures are dropped).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let ok: Result<(i32, &str), String> = evloop::try_join!(async { Ok(1) }, async { Ok("a") });
///     assert_eq!(ok, Ok((1, "a")));
///     let err: Result<(i32, i32), &str> =
///         evloop::try_join!(async { Ok(1) }, async { Err("failed") });
///     assert_eq!(err, Err("failed"));
/// });
/// ```
#[macro_export]
macro_rules! try_join {
    ($($future:expr),+ $(,)?) => {
        $crate::__join_internal!(@name try [] $($future),+)
    };
}

/// Implementation of `join!` / `try_join!`. Each recursion step names one future; the names
/// (`future`, `output`) are distinct per step because each expansion has its own hygiene.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_internal {
    (@name $mode:ident [$($named:tt)*] $future:expr $(, $rest:expr)*) => {
        $crate::__join_internal!(@name $mode [$($named)* (future output $future)] $($rest),*)
    };
    (@name $mode:ident [$(($name:ident $out:ident $future:expr))*]) => {{
        $(
            let mut $name = ::core::pin::pin!(::core::future::IntoFuture::into_future($future));
            let mut $out = ::core::option::Option::None;
        )*
        ::core::future::poll_fn(|cx| {
            let mut pending = false;
            $(
                if $out.is_none() {
                    match ::core::future::Future::poll($name.as_mut(), cx) {
                        ::core::task::Poll::Ready(value) => {
                            $out = ::core::option::Option::Some($crate::__join_internal!(@value $mode value));
                        }
                        ::core::task::Poll::Pending => pending = true,
                    }
                }
            )*
            if pending {
                return ::core::task::Poll::Pending;
            }
            ::core::task::Poll::Ready($crate::__join_internal!(@output $mode ($($out.take().expect("joined once"),)*)))
        })
        .await
    }};
    // What a finished future contributes: its output, or (try mode) its `Ok` value, returning
    // the error from the enclosing `poll_fn` closure.
    (@value join $value:ident) => { $value };
    (@value try $value:ident) => {
        match $value {
            ::core::result::Result::Ok(value) => value,
            ::core::result::Result::Err(err) => {
                return ::core::task::Poll::Ready(::core::result::Result::Err(err));
            }
        }
    };
    (@output join $tuple:expr) => { $tuple };
    (@output try $tuple:expr) => { ::core::result::Result::Ok($tuple) };
}
