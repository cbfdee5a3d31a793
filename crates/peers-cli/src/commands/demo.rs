//! `peers demo`: the whole loop on a sample repository with two built-in simulated peers — no
//! network, no API keys. One implements and hands off, the other files a bug, the first fixes it,
//! both review, the skeptic tick passes, the run completes; then the report.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use clap::Args;

use crate::error::{CliError, CliResult};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to create the sample repository (must not exist or be empty). Default: a new
    /// directory under the system temp dir.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

const DEMO_GOALS: &str = r#"# The demo's goals: the sample's tests, the self-review and the bug ledger, and two reviews.
goals:
  - id: tests-pass
    type: hard
    cmd: "sh tests/run.sh"
    pass_when: "exit_code == 0 and ', 0 failed' in stdout"
    timeout_s: 30
    description: The calculator's test suite passes.
  - id: self-review-on-handoff
    type: hard
    builtin: self-review-on-handoff
    description: Every handoff carries a real self-review.
  - id: bug-hunt-clean
    type: hard
    builtin: bug-hunt-clean
    description: No open crit/high/med bug.
  - id: bug-hunt-round-1
    type: soft
    reviewer: other
    consensus_needed: 1
    review_interval: 1
    description: The code was hunted for bugs by the peer who did not write it.
    prompt: Hunt for bugs in the code you did not write; pass only when nothing blocking is left.
  - id: test-coverage-3-class
    type: soft
    reviewer: other
    consensus_needed: 1
    review_interval: 1
    description: Tests cover happy, edge and failure paths.
    prompt: Do the tests cover the happy path, the edges and the failure paths?
"#;

fn demo_config(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\'', "''");
    format!(
        r#"# The demo's peers: two simulated agents built into peers (deterministic scripts).
peers:
  - name: alice
    tool: sim
    argv: ['{exe}', 'sim-agent', '--builtin', 'demo-implementer']
    prompt_mode: stdin
  - name: bob
    tool: sim
    argv: ['{exe}', 'sim-agent', '--builtin', 'demo-reviewer']
    prompt_mode: stdin
budget:
  max_iterations: 40
  max_runtime_s: 600
health:
  idle_timeout_s: 60
  absolute_max_runtime_s: 120
  grace_s: 2
goals:
  timeout_s: 30
  convergence_n: 2
"#
    )
}

fn git(dir: &Path, args: &[&str]) -> CliResult<()> {
    let identity = peers_git::Identity {
        name: "peers-demo".to_owned(),
        email: "peers-demo@local".to_owned(),
    };
    let status = peers_git::inert::isolated(dir, args, &identity)
        .stdout(Stdio::null())
        .status()
        .map_err(|err| CliError::failed(format!("cannot run git: {err}")).hint("install git"))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::failed(format!(
            "git {} failed in {}",
            args.join(" "),
            dir.display()
        )))
    }
}

fn target_dir(args: &DemoArgs) -> CliResult<PathBuf> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            let stamp = peers_store::timestamp::now_iso_utc().replace(['-', ':'], "");
            std::env::temp_dir().join(format!("peers-demo-{stamp}-{}", std::process::id()))
        }
    };
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(
            CliError::usage(format!("{} exists and is not empty", dir.display()))
                .hint("pass --dir with a new directory"),
        );
    }
    std::fs::create_dir_all(&dir)
        .map_err(|err| CliError::failed(format!("cannot create {}: {err}", dir.display())))?;
    Ok(dir)
}

pub fn run(args: &DemoArgs) -> CliResult<u8> {
    let dir = target_dir(args)?;
    let exe = std::env::current_exe()
        .map_err(|err| CliError::failed(format!("cannot locate the peers binary: {err}")))?;
    println!("peers demo: sample repository in {}", dir.display());
    git(&dir, &["init", "-q", "-b", "main"])?;
    peers_sim::write_demo_repository(&dir)
        .map_err(|err| CliError::failed(format!("cannot write the sample: {err}")))?;
    git(&dir, &["add", "-A"])?;
    git(
        &dir,
        &["commit", "-q", "-m", "calc: a small calculator with tests"],
    )?;
    crate::commands::init::run(
        Some(&dir),
        &crate::commands::init::InitArgs {
            force: false,
            json: false,
            quiet: true,
            modes: Vec::new(),
            lang: Vec::new(),
            plan: None,
            no_baseline_check: true,
            driver: crate::commands::init::DriverChoice::Orchestrator,
            install: false,
        },
    )?;
    let peers_dir = dir.join(".peers");
    std::fs::write(peers_dir.join("config.yaml"), demo_config(&exe))
        .and_then(|()| std::fs::write(peers_dir.join("goals.yaml"), DEMO_GOALS))
        .map_err(|err| CliError::failed(format!("cannot write the demo configuration: {err}")))?;
    let project = crate::project::LoadedProject::open_initialised(Some(&dir))?;
    project.load_config()?;
    project.load_goals()?;
    peers_store::goals_hash::write_goals_hash(&project.dir)?;
    println!(
        "peers demo: alice implements, bob reviews; the run ends when the gates are green and the skeptic tick is clean\n"
    );
    let run_args = crate::commands::run::RunArgs {
        max_ticks: Some(20),
        max_usd: None,
        max_tokens: None,
        max_runtime: None,
        without_recon: false,
        no_codemap: false,
        without_post_convergence_skeptic: false,
        allow_dirty: false,
        checkpoint: false,
        quiet: false,
        color: crate::live::color::ColorChoice::Auto,
        json: false,
        skip_preflight: false,
        sandbox: crate::sandbox_launcher::SandboxChoice::None,
        container: false,
        push_state: None,
    };
    let code = crate::commands::run::run(Some(&dir), &run_args)?;
    crate::commands::report::run(
        Some(&dir),
        &crate::commands::report::ReportArgs {
            print: true,
            json: false,
        },
    )?;
    println!(
        "\npeers demo: the repository is {} — try `peers -C {} replay 2`",
        dir.display(),
        dir.display()
    );
    Ok(code)
}
