//! [`run_cancellable`]: [`crate::run`] that also stops the child's whole group as soon as a
//! shared flag is set (Ctrl-C in `peers run` or `peers verify`), instead of waiting for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::error::SpawnError;
use crate::observe::{Control, Ending, Observer, Stream, Watch, run_observed};
use crate::run::Outcome;
use crate::spec::CommandSpec;

/// How often a running child checks the flag.
const POLL: Duration = Duration::from_millis(50);

struct CancelWatch<'a>(&'a AtomicBool);

impl Observer for CancelWatch<'_> {
    fn output(&mut self, _stream: Stream, _bytes: &[u8]) -> Control {
        self.tick()
    }

    fn tick(&mut self) -> Control {
        if self.0.load(Ordering::SeqCst) {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

/// Runs `spec` like [`crate::run`]; when `cancel` becomes true the child's group gets SIGTERM,
/// then SIGKILL after `spec.grace`, and the result is `Ok(None)`: an interrupted command has
/// no outcome to judge. A flag already set stops the child at once.
pub fn run_cancellable(
    spec: &CommandSpec,
    cancel: &AtomicBool,
) -> Result<Option<Outcome>, SpawnError> {
    let watch = Watch {
        idle: None,
        tick: POLL,
        sweep_descendants: false,
    };
    let observed = run_observed(spec, &watch, &mut CancelWatch(cancel))?;
    Ok((observed.ending != Ending::Stopped).then_some(observed.outcome))
}
