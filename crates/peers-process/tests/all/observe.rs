//! `run_observed`: live output to the observer, idle timeout, stop on request, stdin.

use std::time::Duration;

use peers_process::{Control, Ending, Observer, StdinSource, Stream, Watch, run_observed};

use crate::support::sh;

/// Records every chunk; stops when a chunk contains `stop_on`.
#[derive(Default)]
struct Recorder {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    stop_on: Option<&'static str>,
    ticks: usize,
}

impl Observer for Recorder {
    fn output(&mut self, stream: Stream, bytes: &[u8]) -> Control {
        match stream {
            Stream::Stdout => self.stdout.extend_from_slice(bytes),
            Stream::Stderr => self.stderr.extend_from_slice(bytes),
        }
        let text = String::from_utf8_lossy(bytes);
        match self.stop_on {
            Some(marker) if text.contains(marker) => Control::Stop,
            _ => Control::Continue,
        }
    }

    fn tick(&mut self) -> Control {
        self.ticks += 1;
        Control::Continue
    }
}

#[test]
fn observer_sees_both_streams_and_the_outcome_keeps_them() {
    let mut recorder = Recorder::default();
    let observed = run_observed(
        &sh("echo out; echo err >&2; sleep 0.3"),
        &Watch::default(),
        &mut recorder,
    )
    .unwrap();
    assert_eq!(observed.ending, Ending::Exited);
    assert_eq!(recorder.stdout, b"out\n");
    assert_eq!(recorder.stderr, b"err\n");
    assert_eq!(observed.outcome.stdout.to_string_lossy(), "out\n");
    assert!(observed.outcome.success());
    assert!(recorder.ticks >= 1, "ticks come while the child runs");
}

#[test]
fn silence_ends_as_idle() {
    let watch = Watch {
        idle: Some(Duration::from_millis(300)),
        ..Watch::default()
    };
    let observed =
        run_observed(&sh("echo hi; sleep 30"), &watch, &mut Recorder::default()).unwrap();
    assert_eq!(observed.ending, Ending::Idle);
    assert!(observed.outcome.timed_out);
    assert!(observed.outcome.duration < Duration::from_secs(3));
}

#[test]
fn observer_stop_terminates_the_group() {
    let mut recorder = Recorder {
        stop_on: Some("enough"),
        ..Recorder::default()
    };
    let observed = run_observed(
        &sh("echo enough; sleep 30"),
        &Watch::default(),
        &mut recorder,
    )
    .unwrap();
    assert_eq!(observed.ending, Ending::Stopped);
    assert_eq!(observed.outcome.exit.signal, Some(15));
}

#[test]
fn stdin_bytes_are_written_then_closed() {
    let mut spec = sh("cat");
    spec.stdin = StdinSource::Bytes(b"prompt".to_vec());
    let mut recorder = Recorder::default();
    let observed = run_observed(&spec, &Watch::default(), &mut recorder).unwrap();
    assert_eq!(observed.ending, Ending::Exited);
    assert_eq!(recorder.stdout, b"prompt");
}

#[test]
fn a_double_forked_setsid_daemon_is_reported_and_killed_after_a_normal_exit() {
    // The middle shell exits at once, so the daemon is re-parented to this test process (a
    // subreaper once a sweep is asked for) in its own session: neither the child's group nor
    // its session holds it any more.
    let watch = Watch {
        sweep_descendants: true,
        ..Watch::default()
    };
    let script = "sh -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!' ; sleep 0.2";
    let observed = run_observed(&sh(script), &watch, &mut Recorder::default()).unwrap();
    assert_eq!(observed.ending, Ending::Exited);
    let printed = crate::support::printed_pids(&crate::support::stdout_of(&observed.outcome));
    let daemon = printed[0];
    let left: Vec<u32> = observed.left_running.iter().map(|l| l.pid).collect();
    assert!(
        left.contains(&u32::try_from(daemon).unwrap()),
        "the daemon {daemon} is reported as left running: {:?}",
        observed.left_running
    );
    assert!(
        observed
            .left_running
            .iter()
            .any(|l| l.command.contains("sleep 300")),
        "{:?}",
        observed.left_running
    );
    let dead = crate::support::dies_within(daemon, Duration::from_secs(5));
    if !dead {
        crate::support::kill(daemon);
    }
    assert!(dead, "the daemon {daemon} was killed");
}
