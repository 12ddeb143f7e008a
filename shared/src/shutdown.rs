//! One shutdown signal for a whole server: Ctrl-C and SIGTERM set it, every thread sees it.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Something that wakes a blocked thread, run once at shutdown.
type Waker = Box<dyn FnOnce() + Send>;

// ANCHOR: shutdown
/// A shutdown signal shared by a server's threads: set once, seen by all.
///
/// Cloning is cheap (it is an `Arc`). [`Shutdown::on_signals`] sets it on Ctrl-C
/// (SIGINT) and SIGTERM; tests create one with [`Shutdown::new`] and call
/// [`Shutdown::trigger`] themselves.
#[derive(Clone, Default)]
pub struct Shutdown {
    /// The flag, and a condition variable to wake threads waiting on it at once.
    state: Arc<(Mutex<bool>, Condvar)>,
    /// Run once by `trigger`: ways to wake threads blocked in system calls.
    wakers: Arc<Mutex<Vec<Waker>>>,
}

impl Shutdown {
    /// A signal that only [`Shutdown::trigger`] sets.
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// A signal set by Ctrl-C or SIGTERM. Call once per process.
    pub fn on_signals() -> anyhow::Result<Shutdown> {
        let shutdown = Shutdown::new();
        let handle = shutdown.clone();
        ctrlc::set_handler(move || handle.trigger())
            .map_err(|e| anyhow::anyhow!("cannot install the Ctrl-C handler: {e}"))?;
        Ok(shutdown)
    }

    /// Asks every thread to stop: sets the flag, wakes those sleeping in
    /// [`Shutdown::wait_timeout`], and runs the wakers (see [`Shutdown::on_trigger`]).
    pub fn trigger(&self) {
        let (flag, wake) = &*self.state;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        let wakers =
            std::mem::take(&mut *self.wakers.lock().unwrap_or_else(PoisonError::into_inner));
        for waker in wakers {
            waker();
        }
    }

    /// Runs `waker` when shutdown is triggered (at once if it already was): a way to
    /// interrupt a thread blocked in a call that no flag can reach.
    pub fn on_trigger(&self, waker: impl FnOnce() + Send + 'static) {
        let mut wakers = self.wakers.lock().unwrap_or_else(PoisonError::into_inner);
        if self.is_triggered() {
            drop(wakers);
            waker();
        } else {
            wakers.push(Box::new(waker));
        }
    }

    /// Has shutdown been asked for?
    pub fn is_triggered(&self) -> bool {
        *self.state.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps up to `timeout`, waking early on shutdown. Returns whether shutdown was asked.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let (flag, wake) = &*self.state;
        let guard = flag.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = wake
            .wait_timeout_while(guard, timeout, |stop| !*stop)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown")
            .field("triggered", &self.is_triggered())
            .finish()
    }
}
// ANCHOR_END: shutdown

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn wait_timeout_wakes_on_trigger() {
        let shutdown = Shutdown::new();
        let waiter = {
            let shutdown = shutdown.clone();
            thread::spawn(move || shutdown.wait_timeout(Duration::from_secs(30)))
        };
        shutdown.trigger();
        assert!(waiter.join().unwrap(), "the waiter should see the shutdown");
    }

    #[test]
    fn wait_timeout_without_trigger_returns_false() {
        assert!(!Shutdown::new().wait_timeout(Duration::from_millis(1)));
    }
}
