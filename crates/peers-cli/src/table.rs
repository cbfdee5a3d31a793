//! Rendering gate results: the terminal table and the `.peers/VERIFY.md` document.

use peers_gate::runner::GateResult;

/// A gate only a run can judge (convergence-reached, all-peers-healthy): `peers verify` shows
/// the last run's verdict instead of running it.
#[derive(Debug, Clone)]
pub struct RunJudged {
    pub id: String,
    /// `None` when no run has judged it under the current goals.
    pub verdict: Option<bool>,
    pub diagnostic: String,
}

impl RunJudged {
    pub fn state(&self) -> &'static str {
        match self.verdict {
            Some(true) => "pass (last run)",
            Some(false) => "FAIL (last run)",
            None => "not yet judged",
        }
    }
}

const RUN_JUDGED_NOTE: &str =
    "judged in a run: the last run's verdict counts; with none yet, the exit code ignores the gate";

fn flatten(text: &str, max: usize) -> String {
    let flat: String = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn state(result: &GateResult) -> &'static str {
    if result.pass { "pass" } else { "FAIL" }
}

fn duration_ms(result: &GateResult) -> u128 {
    result.duration.as_millis()
}

pub fn verify_markdown(
    name: &str,
    hard: &[GateResult],
    verify: &[GateResult],
    in_run: &[RunJudged],
) -> String {
    let hard_pass = hard.iter().filter(|r| r.pass).count();
    let verify_pass = verify.iter().filter(|r| r.pass).count();
    let run_failed = in_run.iter().any(|r| r.verdict == Some(false));
    let overall = if hard_pass == hard.len() && verify_pass == verify.len() && !run_failed {
        "PASS"
    } else {
        "FAIL"
    };
    let mut out = format!(
        "# peers verify — {name}\n\n**Result:** {overall} (hard {hard_pass}/{}, verify {verify_pass}/{})\n",
        hard.len(),
        verify.len()
    );
    if !in_run.is_empty() {
        out.push_str(&format!(
            "\n## Judged in a run\n\n{RUN_JUDGED_NOTE}.\n\n| id | last run | diagnostic |\n|---|---|---|\n"
        ));
        for r in in_run {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                flatten(&r.id, 200),
                r.state(),
                flatten(&r.diagnostic, 200)
            ));
        }
    }
    if hard.is_empty() && verify.is_empty() {
        out.push_str(
            "\nNothing to check: goals.yaml has no hard goal and config.yaml no verify command.\n",
        );
        return out;
    }
    for (title, rows) in [("Hard goals", hard), ("Verify commands", verify)] {
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {title}\n\n| id | state | duration ms | diagnostic |\n|---|---|---|---|\n"
        ));
        for r in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                flatten(&r.id, 200),
                state(r),
                duration_ms(r),
                flatten(&r.diagnostic, 200)
            ));
        }
    }
    out
}

pub fn verify_terminal(hard: &[GateResult], verify: &[GateResult], in_run: &[RunJudged]) -> String {
    let width = hard
        .iter()
        .chain(verify)
        .map(|r| r.id.chars().count())
        .chain(in_run.iter().map(|r| r.id.chars().count()))
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = String::new();
    for (title, rows) in [("hard goals", hard), ("verify commands", verify)] {
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}:\n"));
        for r in rows {
            let detail = if r.pass && !r.cached {
                String::new()
            } else {
                format!("  {}", flatten(&r.diagnostic, 160))
            };
            out.push_str(&format!(
                "  {:<width$}  {}  {:>6} ms{detail}\n",
                r.id,
                state(r),
                duration_ms(r)
            ));
        }
    }
    if !in_run.is_empty() {
        out.push_str(&format!("{RUN_JUDGED_NOTE}:\n"));
        for r in in_run {
            out.push_str(&format!(
                "  {:<width$}  {}  {}\n",
                r.id,
                r.state(),
                flatten(&r.diagnostic, 160)
            ));
        }
    }
    let total = hard.len() + verify.len();
    let passed = hard.iter().chain(verify).filter(|r| r.pass).count();
    if total == 0 {
        out.push_str("nothing to check: no hard goal and no verify command\n");
    } else {
        out.push_str(&format!("{passed}/{total} passed\n"));
    }
    out
}
