//! `acceptance-pass` and `e2e-pass`: the frozen contract is verified, then its script runs
//! with `/bin/sh` in the judged tree (its own process group, the gate's timeout and
//! environment). The script lives in `.peers/contracts/`, outside the tree the peers edit.

use std::path::Path;

use super::GateContext;
use super::plan::{exists, script, verified_contract};
use crate::verdict::Verdict;

/// Lines of the script's output a failing verdict shows.
const TAIL_LINES: usize = 20;

pub(crate) fn acceptance_pass(ctx: &GateContext<'_>) -> Verdict {
    run_contract(ctx, "acceptance-pass", false)
}

pub(crate) fn e2e_pass(ctx: &GateContext<'_>) -> Verdict {
    run_contract(ctx, "e2e-pass", true)
}

fn run_contract(ctx: &GateContext<'_>, name: &str, e2e: bool) -> Verdict {
    let (dir, _) = match verified_contract(ctx) {
        Ok(found) => found,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let path = script(&dir, e2e);
    if e2e && !exists(&path) {
        return Verdict::pass(format!(
            "{name}: the plan has no e2e contract (its surfaces need none)"
        ));
    }
    let (tools, _scratch) = match super::runners::toolbox(ctx.env, &ctx.budget, ctx.cache_dir) {
        Ok(found) => found,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let args = [path.display().to_string()];
    let outcome = match tools.run(Path::new("/bin/sh"), &args, ctx.git.root()) {
        Ok(outcome) => outcome,
        Err(error) => return Verdict::fail(format!("{name}: {}", error.describe())),
    };
    let shown = format!(
        "`sh .peers/contracts/{}`",
        if e2e { "e2e.sh" } else { "acceptance.sh" }
    );
    if outcome.exit.code == Some(0) && !outcome.timed_out {
        return Verdict::pass(format!(
            "{name}: {shown} passed in {:.1} s",
            outcome.duration.as_secs_f64()
        ));
    }
    let mut output = outcome.stdout.tail_lossy(8 * 1024);
    output.push_str(&outcome.stderr.tail_lossy(8 * 1024));
    let lines: Vec<&str> = output.lines().collect();
    let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    let status = if outcome.timed_out {
        "timed out".to_owned()
    } else {
        outcome.exit.to_string()
    };
    Verdict::fail(format!(
        "{name}: {shown} failed ({status}); last lines:\n{tail}"
    ))
}
