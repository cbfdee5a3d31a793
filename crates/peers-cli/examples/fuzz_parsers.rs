//! In-process mutation fuzzing of every parser peers feeds with bytes it does not control:
//! config.yaml, goals.yaml, `pass_when`, state.json, commit trailers and the bug ledger,
//! runs.jsonl lines, each agent CLI's output. Hundreds of thousands of inputs per parser in
//! minutes (the whole-binary campaign of `scripts/fuzz` does a few per second). A panic is
//! caught and its input saved; an input that runs past the hang limit is saved and ends the
//! campaign (a stuck thread cannot be stopped). Run through `scripts/fuzz --in-process`.
//!
//! Usage: fuzz_parsers [--inputs N] [--seed N] [--targets a,b] [--out DIR] [--hang-ms N]
#![expect(
    clippy::expect_used,
    reason = "a fuzzing harness: a failed setup step must stop it loudly"
)]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peers_core::config::ToolKind;
use peers_core::config_decode::decode_config;
use peers_core::goals_decode::decode_goals;
use peers_core::ledger::{Ledger, LedgerCommit};
use peers_core::trailer;
use peers_pass_when::{self as pass_when, EvalInput, JsonLoadError, JsonLoader};

const TARGETS: &[&str] = &[
    "config",
    "goals",
    "pass_when",
    "state",
    "ledger",
    "runs_jsonl",
    "agent_output",
    "plan",
];
const PLAN_SEED: &str = include_str!("../../peers-core/modes/implement/PLAN.example.md");
const CONFIG_SEED: &str = include_str!("../../peers-core/tests/fixtures/original-config.yaml");
const GOALS_SEED: &str = "goals:\n  - {id: builds, type: hard, cmd: 'printf \"test result: ok. 3 passed\\n\"', pass_when: 'exit_code == 0 and \"ok\" in stdout'}\n  - {id: clean, type: hard, builtin: bug-hunt-clean, timeout_s: 5}\n  - id: review\n    type: soft\n    reviewer: other\n    prompt: does the code read well?\n";
const PASS_WHEN_SEEDS: &[&str] = &[
    "exit_code == 0",
    "exit_code == 0 and 'ok' in stdout",
    "len(stdout.splitlines()) > 0 or not stderr",
    "re.search('([0-9]+) passed', stdout) and int(re.search('([0-9]+) passed', stdout).group(1)) >= 3",
    "stdout.strip().lower().endswith('passed') or exit_code in [0, 1]",
    "json('report.json')['total'] > 0",
    "(exit_code == 0) and (stdout.count('ok') >= 1) and not ('FAIL' in stderr)",
];
const LEDGER_SEEDS: &[&str] = &[
    "BUG-001: crash on empty input\n\n## Bug-Report\n{\"id\": \"BUG-001\", \"severity\": \"high\", \"location\": \"src/lib.rs:10\", \"description\": \"panics\"}\n\nPeer: alice\nBug-Report: BUG-001\n",
    "fix BUG-001\n\nPeer: bob\nBug-Resolution: BUG-001 fixed\nBug-Reproduce: BUG-001\n",
    "defer\n\nPeer: bob\nBug-Resolution: BUG-002 wontfix because out of scope\n",
    "Work\n\n## Self-Review\n- Checked: the parser on empty input.\n- Not verified: Windows paths.\n- Risks: none found.\n\nPeer: alice\nPeer-Status: handoff\nSelf-Review: pass\nTest-Change-Agree: bob\n",
];
const RUNS_SEED: &str = concat!(
    r#"{"v":1,"event":"tick","ts":"2026-01-01T00:00:00Z","iteration":1,"peer":"alice","tool":"claude","classification":"success","success":true,"tokens_this_tick":1234,"usd_this_tick":0.0123,"integrity":["x"],"gates":{"hard":{"builds":"pass","tests":"fail"},"soft":{}}}"#,
    "\n",
    r#"{"v":1,"event":"exit","ts":"2026-01-01T00:00:00Z","reason":"max_ticks","ticks_in_run":1,"iteration":1}"#,
    "\n",
    r#"{"v":1,"event":"log_repaired","ts":"t","quarantined_bytes":12,"quarantine":"runs.jsonl.torn"}"#,
    "\n",
);
const INTERESTING: &[&[u8]] = &[
    b"((((((((((((((((((((",
    b"len(len(len(len(",
    b".strip().strip()",
    b"not not not not ",
    b"\x00",
    b"\xff\xfe",
    b"99999999999999999999999999999999999999",
    b"-1",
    b"1e309",
    b"'",
    b"\"",
    b"\\",
    b"\n",
    b"{",
    b"[",
    b"}}}}}}}}",
    "é漢😀".as_bytes(),
    b"Bug-Report: BUG-001\n",
    b"\t",
    b": ",
    b"- ",
    b"&a",
    b"*a",
    b"!!binary",
    b"~",
    b"null",
    b"true",
    b"\"usage\":{\"input_tokens\":18446744073709551615}",
    b"\"total_cost_usd\":-1e308",
];

/// xorshift64*: reproducible from `--seed`, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Up to five edits: a bit flipped, a range deleted or repeated, random or interesting bytes
/// inserted, a splice from another seed.
fn mutate(rng: &mut Rng, seed: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..*rng.pick(&[1, 1, 1, 2, 2, 3, 5]) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + 1 + rng.below(32)).min(data.len());
                data.drain(at..end);
            }
            2 if !data.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                let piece = data[at..end].repeat(1 + rng.below(8));
                data.splice(at..at, piece);
            }
            3 => {
                let bytes: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            4 => {
                let piece = rng
                    .pick(INTERESTING)
                    .repeat(1 + rng.below(3) * rng.below(200));
                data.splice(at..at, piece);
            }
            5 if !pool.is_empty() => {
                let other = rng.pick(pool);
                let cut = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[cut..]);
            }
            _ => {
                let piece = *rng.pick(&[
                    &b"0"[..],
                    b"-",
                    b"(",
                    b")",
                    b"'",
                    b"\n",
                    b" and ",
                    b"[",
                    b"]",
                ]);
                data.splice(at..at, piece.iter().copied());
            }
        }
    }
    data.truncate(2_000_000);
    data
}

struct NoJson;

impl JsonLoader for NoJson {
    fn load(&self, name: &str) -> Result<serde_json::Value, JsonLoadError> {
        if name.len() % 2 == 0 {
            Ok(serde_json::json!({"total": 3, "name": name}))
        } else {
            Err(JsonLoadError::Unreadable("no such file".into()))
        }
    }
}

/// Feeds one input to a target's parsers; true when it was accepted (for the tally).
fn feed(target: &str, data: &[u8], tool: Option<&ToolKind>) -> bool {
    let text = String::from_utf8_lossy(data);
    match target {
        "config" => decode_config(&text, ".peers/config.yaml").is_ok(),
        "goals" => decode_goals(&text, ".peers/goals.yaml").is_ok(),
        "plan" => peers_core::plan::parse(data).is_ok(),
        "pass_when" => match pass_when::parse(&text) {
            Ok(parsed) => {
                for (stdout, code) in [
                    ("test result: ok. 3 passed\n", Some(0)),
                    ("", None),
                    ("FAIL\n\u{0}é", Some(-9)),
                ] {
                    let input = EvalInput {
                        exit_code: code,
                        stdout,
                        stderr: "warning",
                        stdout_truncation: None,
                        stderr_truncation: None,
                        json_loader: &NoJson,
                        deadline: Some(Instant::now() + Duration::from_secs(2)),
                    };
                    let _ = parsed.evaluate(&input);
                }
                true
            }
            Err(_) => false,
        },
        "state" => match serde_json::from_slice::<serde_json::Value>(data) {
            Ok(value) => match peers_core::state::migrate(value) {
                Ok((state, _)) => state.validate().is_ok(),
                Err(_) => false,
            },
            Err(_) => false,
        },
        "ledger" => {
            let _ = trailer::parse_trailers(&text);
            let _ = trailer::is_handoff(&text);
            let _ = trailer::peer(&text);
            let _ = peers_core::trailer::section_substance(&text, "Self-Review");
            let commits: Vec<LedgerCommit> = LEDGER_SEEDS
                .iter()
                .map(|m| (*m).to_owned())
                .chain([text.clone().into_owned()])
                .enumerate()
                .map(|(i, m)| LedgerCommit::from_message(format!("{i:040x}"), m))
                .collect();
            let ledger = Ledger::build(&commits);
            let _ = ledger.summary();
            true
        }
        "runs_jsonl" => {
            let mut summary = peers_driver::record_summary::LogSummary::default();
            let mut reader = peers_store::jsonl_lines::LineReader::with_cap(data, 0, 64 * 1024);
            let mut all = true;
            while let Ok(Some(located)) = reader.next_line() {
                if let peers_store::jsonl_lines::Line::Complete(bytes)
                | peers_store::jsonl_lines::Line::Unterminated(bytes) = located.line
                {
                    all &= summary.add_line(bytes);
                    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
                        let _ = peers_store::run_index::tick_iteration(&value);
                    }
                }
            }
            all
        }
        "agent_output" => {
            let tool = tool.expect("agent_output inputs carry a tool");
            let argv = ["cli".to_owned(), "-p".to_owned()];
            let env: [(OsString, OsString); 0] = [];
            let prices = peers_agent::PriceTable::builtin();
            let (stdout, stderr) = data.split_at(data.len() / 4 * 3);
            let reply = peers_agent::read_reply(
                &peers_agent::CallOutput {
                    tool,
                    argv: &argv,
                    env: &env,
                    exit_code: Some(0),
                    stdout,
                    stderr,
                },
                &prices,
            );
            let _ = format!("{reply:?}");
            true
        }
        other => panic!("unknown target {other}"),
    }
}

struct Seeds {
    plain: Vec<Vec<u8>>,
    /// For agent_output: each fixture's tool and its name (crashers are saved as
    /// `<tool>-<kind>-…`, the name the regression test reads the tool from).
    tools: Vec<(ToolKind, String)>,
}

fn seeds(target: &str) -> Seeds {
    let plain: Vec<Vec<u8>> = match target {
        "config" => vec![
            CONFIG_SEED.into(),
            b"peers:\n  - {name: a, tool: claude}\n  - {name: b, tool: codex}\n".to_vec(),
        ],
        "goals" => vec![GOALS_SEED.into()],
        "plan" => vec![PLAN_SEED.into()],
        "pass_when" => PASS_WHEN_SEEDS
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
        "state" => {
            let state =
                peers_core::state::State::for_peers(&["alice".to_owned(), "bob".to_owned()]);
            vec![
                state
                    .to_json_value()
                    .expect("state json")
                    .to_string()
                    .into_bytes(),
            ]
        }
        "ledger" => LEDGER_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect(),
        "runs_jsonl" => vec![RUNS_SEED.into()],
        "agent_output" => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../peers-agent/tests/fixtures");
            let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
                .expect("agent fixtures")
                .flatten()
                .map(|e| e.path())
                .collect();
            names.sort();
            let mut plain = Vec::new();
            let mut tools = Vec::new();
            for path in names {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let tool = name.split('_').next().unwrap_or("generic").to_owned();
                plain.push(std::fs::read(&path).expect("fixture"));
                tools.push((ToolKind::from_name(&tool), tool));
            }
            return Seeds { plain, tools };
        }
        other => panic!("unknown target {other}"),
    };
    Seeds {
        plain,
        tools: Vec::new(),
    }
}

#[derive(Default)]
struct Tally {
    inputs: u64,
    accepted: u64,
    rejected: u64,
    panics: u64,
}

/// The input being fed, for the watchdog: target, number, bytes, when it started.
struct Current {
    target: String,
    prefix: String,
    number: u64,
    data: Vec<u8>,
    started: Instant,
}

fn save(out: &Path, target: &str, name: &str, data: &[u8], note: &str) -> PathBuf {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir).expect("crasher dir");
    let path = dir.join(format!("{name}.input"));
    std::fs::write(&path, data).expect("save crasher");
    std::fs::write(path.with_extension("txt"), note).expect("save note");
    path
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let inputs: u64 = arg(&args, "--inputs").map_or(100_000, |v| v.parse().expect("--inputs N"));
    let seed: u64 = arg(&args, "--seed").map_or(17, |v| v.parse().expect("--seed N"));
    let hang = Duration::from_millis(
        arg(&args, "--hang-ms").map_or(5_000, |v| v.parse().expect("--hang-ms N")),
    );
    let out =
        PathBuf::from(arg(&args, "--out").unwrap_or_else(|| "target/fuzz/in-process".to_owned()));
    let targets: Vec<String> = arg(&args, "--targets").map_or_else(
        || TARGETS.iter().map(|t| (*t).to_owned()).collect(),
        |v| {
            v.split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        },
    );
    for target in &targets {
        assert!(
            TARGETS.contains(&target.as_str()),
            "unknown target {target}; known: {}",
            TARGETS.join(",")
        );
    }

    let last_panic: Arc<Mutex<String>> = Arc::default();
    let hook_panic = Arc::clone(&last_panic);
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut slot) = hook_panic.lock() {
            *slot = info.to_string();
        }
    }));
    let current: Arc<Mutex<Option<Current>>> = Arc::default();
    let done = Arc::new(AtomicU64::new(0));
    {
        let (current, out, done) = (Arc::clone(&current), out.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                if done.load(Ordering::Relaxed) == 1 {
                    return;
                }
                let Ok(slot) = current.lock() else { return };
                if let Some(now) = slot.as_ref().filter(|c| c.started.elapsed() > hang) {
                    let name = format!("{}hang-inproc-{}", now.prefix, now.number);
                    let path = save(
                        &out,
                        &now.target,
                        &name,
                        &now.data,
                        "ran past the hang limit",
                    );
                    eprintln!(
                        "fuzz: HANG in {} (input {}), saved {}",
                        now.target,
                        now.number,
                        path.display()
                    );
                    std::process::exit(1);
                }
            }
        });
    }

    let started = Instant::now();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for target in &targets {
        let seeds = seeds(target);
        let tally = tallies.entry(target.clone()).or_default();
        let target_started = Instant::now();
        for number in 0..inputs {
            let pick = rng.below(seeds.plain.len());
            let data = mutate(&mut rng, &seeds.plain[pick], &seeds.plain);
            let tool = seeds.tools.get(pick);
            let prefix = tool.map_or(String::new(), |(_, name)| format!("{name}-"));
            if let Ok(mut slot) = current.lock() {
                *slot = Some(Current {
                    target: target.clone(),
                    prefix: prefix.clone(),
                    number,
                    data: data.clone(),
                    started: Instant::now(),
                });
            }
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                feed(target, &data, tool.map(|(kind, _)| kind))
            }));
            if let Ok(mut slot) = current.lock() {
                *slot = None;
            }
            tally.inputs += 1;
            match result {
                Ok(true) => tally.accepted += 1,
                Ok(false) => tally.rejected += 1,
                Err(_) => {
                    tally.panics += 1;
                    let message = last_panic.lock().map(|m| m.clone()).unwrap_or_default();
                    let path = save(
                        &out,
                        target,
                        &format!("{prefix}panic-inproc-{number}"),
                        &data,
                        &message,
                    );
                    eprintln!(
                        "fuzz: PANIC in {target} (input {number}): {message}\n      saved {}",
                        path.display()
                    );
                }
            }
        }
        println!(
            "  {target:<13} inputs {:>7}  accepted {:>7}  rejected {:>7}  panics {}  hangs 0  ({:.1} s)",
            tally.inputs,
            tally.accepted,
            tally.rejected,
            tally.panics,
            target_started.elapsed().as_secs_f64()
        );
        let _ = std::io::stdout().flush();
    }
    done.store(1, Ordering::Relaxed);
    let panics: u64 = tallies.values().map(|t| t.panics).sum();
    let total: u64 = tallies.values().map(|t| t.inputs).sum();
    println!(
        "fuzz (in process): {total} inputs in {:.0} s, seed {seed}, {panics} panics, 0 hangs (limit {} ms); crashers under {}",
        started.elapsed().as_secs_f64(),
        hang.as_millis(),
        out.display()
    );
    std::process::exit(i32::from(panics > 0));
}
