//! A gate every solve passes after it takes its solver slot and before it
//! starts: open unless a caller ([`Extras::gate`](super::Extras)) closes
//! it. Tests of queues, deadlines, drains and cancellation hold the work
//! with it deterministically, instead of guessing with a sleep how long a
//! large request takes on this machine.

use std::sync::Arc;

use tokio::sync::watch;

/// A gate for solves: closed when made, opened once by [`Gate::open`].
#[derive(Debug, Clone)]
pub struct Gate {
    open: Arc<watch::Sender<bool>>,
    held: Arc<watch::Sender<usize>>,
}

impl Gate {
    /// A closed gate: every solve waits at it, holding its slot.
    pub fn closed() -> Gate {
        Gate {
            open: Arc::new(watch::channel(false).0),
            held: Arc::new(watch::channel(0).0),
        }
    }

    /// Lets every solve held, and every later one, through.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    /// Waits until at least `n` solves are held at the gate.
    pub async fn holding(&self, n: usize) {
        let mut held = self.held.subscribe();
        // The sender lives as long as `self`.
        let _ = held.wait_for(|&h| h >= n).await;
    }

    /// How many solves wait at the gate now.
    pub fn held(&self) -> usize {
        *self.held.borrow()
    }

    /// Waits until the gate is open, counted as held meanwhile (also when
    /// the waiting call is dropped: its caller went away).
    pub(super) async fn pass(&self) {
        struct Held<'a>(&'a watch::Sender<usize>);
        impl Drop for Held<'_> {
            fn drop(&mut self) {
                self.0.send_modify(|h| *h -= 1);
            }
        }
        let mut open = self.open.subscribe();
        if *open.borrow() {
            return;
        }
        self.held.send_modify(|h| *h += 1);
        let _held = Held(&self.held);
        let _ = open.wait_for(|&o| o).await;
    }
}
