//! Panics never cross into a host language: a binding runs every core
//! future through [`catch_panic`], which turns a panic (a bug in Ticketry)
//! into [`Error::Internal`] instead of unwinding into Python's or Node's
//! runtime, which would abort the host process.

use crate::error::{Error, Result};
use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future whose panics become [`Error::Internal`]; see [`catch_panic`].
#[derive(Debug)]
pub struct CatchPanic<F>(Pin<Box<F>>);

/// Runs `fut`, turning a panic while it is polled into `Error::Internal`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use ticketry_core::panic::catch_panic;
/// assert_eq!(catch_panic(async { 7 }).await.unwrap(), 7);
/// let e = catch_panic(async { panic!("boom") as u8 }).await.unwrap_err();
/// assert_eq!((e.code(), e.to_string().contains("boom")), ("internal", true));
/// # });
/// ```
pub fn catch_panic<F: Future>(fut: F) -> CatchPanic<F> {
    CatchPanic(Box::pin(fut))
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(internal(payload.as_ref()))),
        }
    }
}

/// `Error::Internal` for a panic's payload (its message when it has one).
pub fn internal(payload: &(dyn Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    Error::Internal {
        message: format!("a bug in Ticketry: {}", crate::error::shown(&what)),
    }
}
