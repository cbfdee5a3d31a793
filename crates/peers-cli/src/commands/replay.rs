//! `peers replay <iter>`: what the peer saw and did in one tick — its record, the prompt it was
//! given, the commits it made, and where its output logs are.

use std::path::Path;

use clap::Args;
use peers_driver::record::Record;

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The iteration (tick number) to show.
    pub iteration: u64,
    /// Print the record as JSON only.
    #[arg(long)]
    pub json: bool,
}

pub fn run(directory: Option<&Path>, args: &ReplayArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    // Found through runs.jsonl.idx: the log is never read whole.
    let record =
        peers_store::run_log::find_tick(&project.dir, args.iteration)?.map(Record::from_value);
    let Some(Record::Tick(tick)) = record else {
        return Err(CliError::failed(format!(
            "no tick {} in .peers/log/runs.jsonl",
            args.iteration
        ))
        .hint("`peers report` lists the recorded ticks"));
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&tick.to_value()).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut out = format!(
        "tick {} — peer {} ({}) — {}{}\n",
        tick.iteration,
        tick.peer,
        tick.tool,
        if tick.success {
            "handoff".to_owned()
        } else {
            tick.classification.to_string()
        },
        tick.soft_fail_reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    out.push_str(&format!(
        "at {}, {} ms, prompt by {}\n",
        tick.ts, tick.duration_ms, tick.prompt_delivery
    ));
    let prompt = project
        .dir
        .log_dir()
        .join("prompts")
        .join(format!("tick-{:05}-{}.txt", tick.iteration, tick.peer));
    match std::fs::read_to_string(&prompt) {
        Ok(text) => out.push_str(&format!(
            "\n--- prompt ({} bytes, {})\n{}\n",
            text.len(),
            prompt.display(),
            text.trim_end()
        )),
        Err(_) => out.push_str(&format!(
            "\n--- prompt: not kept ({} missing)\n",
            prompt.display()
        )),
    }
    out.push_str("\n--- commits\n");
    for sha in &tick.commits {
        let subject = project
            .git
            .commits(&format!("{sha}^!"))?
            .first()
            .map(|c| c.message.lines().next().unwrap_or("").to_owned())
            .unwrap_or_default();
        out.push_str(&format!("{} {subject}\n", sha.get(..8).unwrap_or(sha)));
    }
    if tick.commits.is_empty() {
        out.push_str("(none)\n");
    }
    for (label, items) in [
        ("warnings", &tick.warnings_emitted),
        ("integrity", &tick.integrity),
        ("identity", &tick.identity_violations),
    ] {
        for item in items.iter() {
            out.push_str(&format!("{label}: {item}\n"));
        }
    }
    let logs = project.dir.log_dir().join("peers");
    out.push_str(&format!(
        "\n--- output tails (full logs: {}/tick-{:05}-{}.stdout.log, .stderr.log)\nstdout: {}\nstderr: {}\n",
        logs.display(),
        tick.iteration,
        tick.peer,
        tick.stdout_tail.trim_end(),
        tick.stderr_tail.trim_end()
    ));
    print!("{out}");
    Ok(0)
}
