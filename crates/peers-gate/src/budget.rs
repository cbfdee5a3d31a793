//! The time one gate attempt may take, and what it is doing: shared between the thread that
//! runs a built-in gate and the runner that waits for it, so a gate that overruns its
//! `timeout_s` is reported by name, time and activity instead of stalling the loop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A gate attempt's deadline and its current activity.
#[derive(Debug, Clone)]
pub struct GateBudget {
    timeout: Duration,
    deadline: Instant,
    activity: Arc<Mutex<String>>,
    /// Set by Ctrl-C: the tools of this attempt are stopped at once.
    cancel: Option<Arc<AtomicBool>>,
}

impl GateBudget {
    /// A budget of `timeout` from now.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            deadline: Instant::now() + timeout,
            activity: Arc::new(Mutex::new("starting".to_owned())),
            cancel: None,
        }
    }

    /// This budget, with the run's (or verify's) interrupt flag.
    #[must_use]
    pub fn with_cancel(mut self, cancel: Option<Arc<AtomicBool>>) -> Self {
        self.cancel = cancel;
        self
    }

    /// The interrupt flag tools of this attempt watch, if any.
    pub fn cancel_flag(&self) -> Option<&AtomicBool> {
        self.cancel.as_deref()
    }

    /// Ctrl-C was pressed: stop, the verdict will not count.
    pub fn cancelled(&self) -> bool {
        self.cancel_flag()
            .is_some_and(|cancel| cancel.load(Ordering::SeqCst))
    }

    /// The goal's `timeout_s`.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Time left before the deadline (zero once it passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Records what the gate is doing now ("reading the ledger", "running `cargo test`"),
    /// for the timeout diagnostic.
    pub fn doing(&self, activity: impl Into<String>) {
        *self.activity.lock().unwrap_or_else(PoisonError::into_inner) = activity.into();
    }

    pub fn activity(&self) -> String {
        self.activity
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The diagnostic of a gate that ran out of time.
    pub fn timed_out(&self, gate: &str) -> String {
        format!(
            "built-in gate `{gate}` timed out after {}s (timeout_s) while {}; hint: raise the \
             goal's timeout_s in goals.yaml if this work is legitimately slow",
            self.timeout.as_secs_f64(),
            self.activity()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_is_shared_between_clones_and_named_in_the_timeout() {
        let budget = GateBudget::new(Duration::from_secs(2));
        let on_the_gate_thread = budget.clone();
        on_the_gate_thread.doing("scanning src/big.rs");
        assert_eq!(
            budget.timed_out("no-stubs"),
            "built-in gate `no-stubs` timed out after 2s (timeout_s) while scanning \
             src/big.rs; hint: raise the goal's timeout_s in goals.yaml if this work is \
             legitimately slow"
        );
        assert!(!budget.expired());
        assert!(GateBudget::new(Duration::ZERO).expired());
    }
}
