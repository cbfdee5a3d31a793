//! Rendering gate results: the terminal table and the `.peers/VERIFY.md` document.

use peers_gate::runner::GateResult;

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

pub fn verify_markdown(name: &str, hard: &[GateResult], verify: &[GateResult]) -> String {
    let hard_pass = hard.iter().filter(|r| r.pass).count();
    let verify_pass = verify.iter().filter(|r| r.pass).count();
    let overall = if hard_pass == hard.len() && verify_pass == verify.len() {
        "PASS"
    } else {
        "FAIL"
    };
    let mut out = format!(
        "# peers verify — {name}\n\n**Result:** {overall} (hard {hard_pass}/{}, verify {verify_pass}/{})\n",
        hard.len(),
        verify.len()
    );
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

pub fn verify_terminal(hard: &[GateResult], verify: &[GateResult]) -> String {
    let width = hard
        .iter()
        .chain(verify)
        .map(|r| r.id.chars().count())
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
    let total = hard.len() + verify.len();
    let passed = hard.iter().chain(verify).filter(|r| r.pass).count();
    if total == 0 {
        out.push_str("nothing to check: no hard goal and no verify command\n");
    } else {
        out.push_str(&format!("{passed}/{total} passed\n"));
    }
    out
}
