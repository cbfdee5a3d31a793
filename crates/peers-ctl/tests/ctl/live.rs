//! `dashboard --live` as a user sees it: the binary in a pseudo-terminal (80×24 and 200×60),
//! its output replayed through a small terminal emulator into a screen; keys pressed; the
//! screen follows a run as it advances. Without a terminal it prints the table once.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed setup step must stop the test"
)]

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::ctl::env::CtlEnv;

/// A screen fed with what the program wrote: cursor moves (`ESC[r;cH`), text, the rest ignored.
struct Screen {
    rows: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Screen {
    fn new(cols: usize, rows: usize) -> Self {
        Self {
            rows: vec![vec![' '; cols]; rows],
            row: 0,
            col: 0,
        }
    }

    fn feed(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\u{1b}' => {
                    if chars.peek() != Some(&'[') {
                        chars.next();
                        continue;
                    }
                    chars.next();
                    let mut params = String::new();
                    let mut last = ' ';
                    for p in chars.by_ref() {
                        if p.is_ascii_alphabetic() || p == '@' || p == '~' {
                            last = p;
                            break;
                        }
                        params.push(p);
                    }
                    if last == 'H' {
                        let mut parts = params.split(';').map(|n| n.parse::<usize>().unwrap_or(1));
                        self.row = parts.next().unwrap_or(1).saturating_sub(1);
                        self.col = parts.next().unwrap_or(1).saturating_sub(1);
                    } else if last == 'J' && params == "2" {
                        for line in &mut self.rows {
                            line.fill(' ');
                        }
                    }
                }
                '\r' => self.col = 0,
                '\n' => self.row += 1,
                c if !c.is_control() => {
                    if let Some(cell) = self
                        .rows
                        .get_mut(self.row)
                        .and_then(|r| r.get_mut(self.col))
                    {
                        *cell = c;
                    }
                    self.col += 1;
                }
                _ => {}
            }
        }
    }

    fn text(&self) -> String {
        self.rows
            .iter()
            .map(|r| r.iter().collect::<String>().trim_end().to_owned() + "\n")
            .collect()
    }
}

pub struct Live {
    child: Child,
    master: std::fs::File,
    output: Arc<Mutex<String>>,
    cols: usize,
    rows: usize,
}

impl Live {
    pub fn start(env: &CtlEnv, cols: u16, rows: u16, args: &[&str]) -> Self {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .unwrap();
        let mut size = rustix::termios::tcgetwinsize(&slave).unwrap();
        size.ws_col = cols;
        size.ws_row = rows;
        rustix::termios::tcsetwinsize(&slave, size).unwrap();
        let mut cmd = env.command(std::path::Path::new(env!("CARGO_BIN_EXE_peers-ctl")));
        cmd.args(["dashboard", "--live"])
            .args(args)
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        let child = cmd.spawn().unwrap();
        drop(cmd);
        let master = std::fs::File::from(master);
        let output = Arc::new(Mutex::new(String::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self {
            child,
            master,
            output,
            cols: usize::from(cols),
            rows: usize::from(rows),
        }
    }

    fn screen(&self) -> String {
        let mut screen = Screen::new(self.cols, self.rows);
        screen.feed(&self.output.lock().unwrap());
        screen.text()
    }

    pub fn wait_screen(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.screen();
            if want(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn press(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
    }

    fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the dashboard did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn seed(env: &CtlEnv) -> std::path::PathBuf {
    env.ok(&["new", "alpha"]);
    env.ok(&["new", "beta"]);
    env.projects_root().join("beta").canonicalize().unwrap()
}

#[test]
fn the_live_table_fits_80x24_follows_a_run_and_quits_on_q() {
    let env = CtlEnv::new();
    let beta = seed(&env);
    let mut live = Live::start(&env, 80, 24, &["--refresh-s", "0.2"]);
    let screen = live.wait_screen("both projects", |s| {
        s.contains("alpha") && s.contains("beta")
    });
    assert!(
        screen.contains("NAME") && screen.contains("STATE") && screen.contains("fresh"),
        "{screen}"
    );
    assert!(screen.contains("q quit"), "{screen}");
    assert!(screen.lines().all(|l| l.chars().count() <= 80));
    // The run advances: beta's state.json moves to tick 42.
    let state_path = beta.join(".peers/state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    state["iteration"] = serde_json::json!(42);
    std::fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    live.wait_screen("tick 42", |s| {
        s.lines()
            .any(|l| l.starts_with("beta") && l.contains(" 42 "))
    });
    // Drilldown and back, then quit.
    live.press("\x1b[B\r");
    live.wait_screen("the drilldown", |s| {
        s.contains("recent ticks") && s.contains("gate timeline")
    });
    live.press("\x1b");
    live.wait_screen("the table again", |s| s.contains("NAME"));
    live.press("q");
    assert_eq!(live.wait_exit(), 0);
}

#[test]
fn the_live_table_at_200x60_opens_a_project_and_asks_before_stopping() {
    let env = CtlEnv::new();
    seed(&env);
    let mut live = Live::start(&env, 200, 60, &["--project", "beta", "--refresh-s", "0.2"]);
    let screen = live.wait_screen("beta's drilldown", |s| s.contains("beta — fresh"));
    assert!(screen.contains("latest self-review"), "{screen}");
    live.press("s");
    live.wait_screen("a confirmation", |s| s.contains("stop beta? y to confirm"));
    live.press("n");
    live.wait_screen("the cancellation", |s| s.contains("stop beta: cancelled"));
    live.press("q");
    assert_eq!(live.wait_exit(), 0);
}

#[test]
fn without_a_terminal_live_prints_the_table_once() {
    let env = CtlEnv::new();
    seed(&env);
    let out = env.ok(&["dashboard", "--live"]);
    assert!(out.stdout.starts_with("NAME"), "{}", out.stdout);
    assert!(out.stdout.contains("alpha") && out.stdout.contains("beta"));
}

#[test]
fn timings_record_one_duration_per_refresh() {
    let env = CtlEnv::new();
    seed(&env);
    let timings = env.root().join("timings.txt");
    let mut live = Live::start(
        &env,
        80,
        24,
        &[
            "--refresh-s",
            "0.05",
            "--frames",
            "4",
            "--timings",
            timings.to_str().unwrap(),
        ],
    );
    assert_eq!(live.wait_exit(), 0);
    let text = std::fs::read_to_string(&timings).unwrap();
    let micros: Vec<u64> = text.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(micros.len(), 3, "the first frame is not a refresh: {text}");
    assert!(micros.iter().all(|us| *us < 10_000_000), "{micros:?}");
}
