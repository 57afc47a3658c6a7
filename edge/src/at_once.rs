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
    match first_poll(future) {
        Ok(outcome) => outcome,
        Err(rest) => Ok(future_to_promise(rest).into()),
    }
}

/// Polls `future` once: its output, or the rest to hand to a task.
fn first_poll<T, F>(future: F) -> Result<T, TakenOver<T>>
where
    F: Future<Output = T> + 'static,
{
    let mut future: Pin<Box<dyn Future<Output = T>>> = Box::pin(future);
    let handoff = Arc::new(Handoff::default());
    let waker = Waker::from(handoff.clone());
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => Err(TakenOver { future, handoff }),
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
struct TakenOver<T> {
    future: Pin<Box<dyn Future<Output = T>>>,
    handoff: Arc<Handoff>,
}

impl<T> Future for TakenOver<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if let Ok(mut task) = self.handoff.task.lock() {
            *task = Some(cx.waker().clone());
        }
        self.future.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A task's waker that counts its wakes.
    #[derive(Default)]
    struct Counted(AtomicUsize);

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Pending until `ready` is set; keeps only the waker of its first poll, as
    /// `worker::Delay` does.
    struct KeepsFirstWaker {
        ready: Rc<Cell<bool>>,
        first: Rc<RefCell<Option<Waker>>>,
    }

    impl Future for KeepsFirstWaker {
        type Output = u32;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            if self.ready.get() {
                return Poll::Ready(7);
            }
            let mut first = self.first.borrow_mut();
            if first.is_none() {
                *first = Some(cx.waker().clone());
            }
            Poll::Pending
        }
    }

    #[test]
    fn a_future_that_never_waits_is_done_within_the_call() {
        assert!(matches!(first_poll(async { 5 }), Ok(5)));
    }

    #[test]
    fn a_wake_through_the_first_waker_reaches_the_task_that_took_over() {
        let ready = Rc::new(Cell::new(false));
        let first = Rc::new(RefCell::new(None));
        let future = KeepsFirstWaker {
            ready: ready.clone(),
            first: first.clone(),
        };
        let Err(mut rest) = first_poll(future) else {
            panic!("a pending future is handed over");
        };
        let task = Arc::new(Counted::default());
        let task_waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&task_waker);
        assert!(Pin::new(&mut rest).poll(&mut cx).is_pending());
        // The future wakes the waker it kept from the first poll, not the task's.
        first.borrow().as_ref().expect("kept").wake_by_ref();
        assert_eq!(task.0.load(Ordering::Relaxed), 1);
        ready.set(true);
        assert_eq!(Pin::new(&mut rest).poll(&mut cx), Poll::Ready(7));
    }
}
