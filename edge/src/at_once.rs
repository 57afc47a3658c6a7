//! A handler's future run within the call when it never waits, and handed to a promise only
//! when it does.
//!
//! The framework exports every handler as an async method: each call makes a promise, queues
//! a microtask and runs the future from the task queue, and workerd keeps a platform object
//! awaiting the promise. A chat message never waits (SQL is synchronous, sends are queued), so
//! for it all that is pure cost. [`at_once`] polls the future once, in the call; only if it is
//! still pending (a call to the workspace, setting the alarm) does it become a promise, which
//! workerd awaits as before.
//!
//! The first poll's waker forwards to the task that takes the future over, so a future that
//! keeps the waker of its first poll (as `worker::Delay` does) still wakes the right task; the
//! task polls the future as soon as it starts, so a wake before then is not lost either.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::future_to_promise;

type Outcome = Result<JsValue, JsValue>;

/// Runs `future` now if it completes without waiting (its value, or its error thrown);
/// otherwise returns a promise of the rest.
pub fn at_once<F>(future: F) -> Outcome
where
    F: Future<Output = Outcome> + 'static,
{
    let mut future = Box::pin(future);
    let handoff = Arc::new(Handoff::default());
    let waker = Waker::from(handoff.clone());
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(outcome) => outcome,
        Poll::Pending => Ok(future_to_promise(TakenOver { future, handoff }).into()),
    }
}

/// The first poll's waker: forwards to the waker of the task that took the future over.
#[derive(Default)]
struct Handoff {
    task: Mutex<Option<Waker>>,
}

impl Wake for Handoff {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Ok(task) = self.task.lock() {
            if let Some(task) = task.as_ref() {
                task.wake_by_ref();
            }
        }
    }
}

/// The pending future, polled by the promise's task from then on.
struct TakenOver {
    future: Pin<Box<dyn Future<Output = Outcome>>>,
    handoff: Arc<Handoff>,
}

impl Future for TakenOver {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        if let Ok(mut task) = self.handoff.task.lock() {
            *task = Some(cx.waker().clone());
        }
        self.future.as_mut().poll(cx)
    }
}
