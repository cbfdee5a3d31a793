//! The run's stderr while it works: plain lines from the loop, and between them either a live
//! line redrawn in place (a terminal) or a heartbeat line every interval (anything else), drawn
//! by one background thread so a silent peer still shows its elapsed time. Every write goes
//! through one lock, so the live line never mixes with another line.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::color::Terminal;
use peers_driver::live_file::cut;

use super::render::{self, LiveTick, RAW_LINE_CAP};

/// Least time between two redraws of the live line.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// The heartbeat interval when `PEERS_HEARTBEAT_S` does not set one.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(30);
/// The environment variable that sets the heartbeat interval (seconds, decimals allowed).
pub const HEARTBEAT_ENV: &str = "PEERS_HEARTBEAT_S";

/// The heartbeat interval: `PEERS_HEARTBEAT_S` when it is a number ≥ 0.1, else 30 s.
pub fn heartbeat_interval() -> Duration {
    std::env::var(HEARTBEAT_ENV)
        .ok()
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.1)
        .map_or(DEFAULT_HEARTBEAT, Duration::from_secs_f64)
}

struct State {
    term: Terminal,
    heartbeat: Duration,
    tick: Option<(LiveTick, Instant)>,
    /// A live line is on the screen and must be cleared before any other output.
    drawn: bool,
    /// The tick changed since the last redraw.
    dirty: bool,
    last_draw: Instant,
    /// The elapsed seconds the live line shows.
    drawn_second: u64,
    /// When the last plain line (or heartbeat) was written.
    last_print: Instant,
    stop: bool,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

pub struct Screen {
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.0.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Screen {
    /// Starts the display thread (none when `quiet`: nothing live is shown then).
    pub fn start(term: Terminal, heartbeat: Duration, quiet: bool) -> Screen {
        let now = Instant::now();
        let shared: Shared = Arc::new((
            Mutex::new(State {
                term,
                heartbeat,
                tick: None,
                drawn: false,
                dirty: false,
                last_draw: now,
                drawn_second: 0,
                last_print: now,
                stop: false,
            }),
            Condvar::new(),
        ));
        let thread = (!quiet).then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || display_loop(&shared))
        });
        Screen { shared, thread }
    }

    /// Writes one line to stderr, clearing the live line first.
    pub fn print(&self, line: &str) {
        let mut state = lock(&self.shared);
        let mut err = std::io::stderr().lock();
        clear(&mut state, &mut err);
        let _ = writeln!(err, "{line}");
        state.last_print = Instant::now();
        state.dirty = true;
    }

    pub fn begin_tick(&self, tick: LiveTick) {
        let mut state = lock(&self.shared);
        state.tick = Some((tick, Instant::now()));
        state.dirty = true;
    }

    /// The peer's newest output line. Per line on the supervisor's thread, so it never waits:
    /// while the display thread holds the lock (a slow or stopped stderr), the line is skipped
    /// and the next one shown.
    pub fn last_line(&self, line: &str) {
        let mut state = match self.shared.0.try_lock() {
            Ok(state) => state,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        if let Some((tick, _)) = state.tick.as_mut() {
            // Reuses the buffer: one bounded copy per line.
            tick.last_line.clear();
            tick.last_line.push_str(cut(line.trim(), RAW_LINE_CAP));
            state.dirty = true;
        }
    }

    /// Changes the tick in progress.
    pub fn update(&self, change: impl FnOnce(&mut LiveTick)) {
        let mut state = lock(&self.shared);
        if let Some((tick, _)) = state.tick.as_mut() {
            change(tick);
            state.dirty = true;
        }
    }

    pub fn end_tick(&self) {
        let mut state = lock(&self.shared);
        state.tick = None;
        let mut err = std::io::stderr().lock();
        clear(&mut state, &mut err);
    }

    /// Stops the thread and clears the live line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        {
            let mut state = lock(&self.shared);
            state.stop = true;
            state.tick = None;
            let mut err = std::io::stderr().lock();
            clear(&mut state, &mut err);
        }
        self.shared.1.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.stop();
    }
}

fn clear(state: &mut State, err: &mut std::io::StderrLock<'_>) {
    if state.drawn {
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
        state.drawn = false;
    }
}

fn display_loop(shared: &Shared) {
    let mut state = lock(shared);
    let period = if state.term.live {
        REDRAW_EVERY
    } else {
        (state.heartbeat / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
    };
    loop {
        state = shared
            .1
            .wait_timeout(state, period)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        if state.stop {
            return;
        }
        if state.term.live {
            redraw(&mut state);
        } else {
            heartbeat(&mut state);
        }
    }
}

fn redraw(state: &mut State) {
    let Some((tick, started)) = &state.tick else {
        return;
    };
    let elapsed = started.elapsed();
    let second_changed = elapsed.as_secs() != state.drawn_second;
    if !(state.dirty || second_changed) || state.last_draw.elapsed() < REDRAW_EVERY {
        return;
    }
    let line = render::live_line(tick, elapsed, state.term, width());
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
    state.drawn = true;
    state.dirty = false;
    state.drawn_second = elapsed.as_secs();
    state.last_draw = Instant::now();
}

fn heartbeat(state: &mut State) {
    let Some((tick, started)) = &state.tick else {
        return;
    };
    if state.last_print.elapsed() < state.heartbeat {
        return;
    }
    let line = render::heartbeat_line(tick, started.elapsed());
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    state.last_print = Instant::now();
}

/// Columns of the terminal on stderr; `COLUMNS`, then 80, when it cannot be asked.
fn width() -> usize {
    rustix::termios::tcgetwinsize(std::io::stderr())
        .ok()
        .map(|size| usize::from(size.ws_col))
        .filter(|cols| *cols > 0)
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .unwrap_or(80)
}
