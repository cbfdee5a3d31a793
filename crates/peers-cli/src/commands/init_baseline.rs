//! `peers init`'s look at the baseline: the built-in gates that judge the code as it stands
//! (`tests-pass`, and `lint-clean`/`type-clean` with `params: {mode: absolute}`) are run once,
//! so the user learns before a run which gates are already red — a run cannot complete until
//! they are green. The other gates compare with the baseline and start green by construction;
//! the default (non-audit) goals have none of these, so a default init runs nothing.

use std::time::Duration;

use peers_core::goals::{BuiltinGate, GateCheck};
use peers_gate::jobs::BuiltinSources;

use crate::error::CliResult;
use crate::project::LoadedProject;

/// A gate red at the baseline, with the first lines of its diagnostic.
#[derive(Debug, serde::Serialize)]
pub(crate) struct RedGate {
    pub gate: String,
    pub diagnostic: String,
}

/// Lines of a diagnostic shown in the init summary.
const DIAGNOSTIC_LINES: usize = 3;

/// Runs the gates that can be red on untouched code and returns those that are.
pub(crate) fn red_at_baseline(project: &LoadedProject) -> CliResult<Vec<RedGate>> {
    let goals = project.load_goals()?;
    let config = project.load_config()?;
    let judged: Vec<_> = goals
        .hard()
        .filter_map(|(goal, hard)| match &hard.check {
            GateCheck::Builtin { gate, params } if judges_the_code_as_it_stands(*gate, params) => {
                let timeout = hard.timeout_s.unwrap_or(config.goals.timeout_s);
                Some((goal.id.clone(), *gate, params.clone(), timeout))
            }
            _ => None,
        })
        .collect();
    if judged.is_empty() {
        return Ok(Vec::new());
    }
    let sources = BuiltinSources::from_history(&project.git, project.dir.cache_dir())?;
    let mut red = Vec::new();
    for (id, gate, params, timeout) in judged {
        let budget = peers_gate::budget::GateBudget::new(Duration::from_secs(timeout));
        let verdict = sources.verdict(gate, &params, budget);
        if !verdict.pass {
            let diagnostic: Vec<&str> = verdict.diagnostic.lines().take(DIAGNOSTIC_LINES).collect();
            red.push(RedGate {
                gate: id,
                diagnostic: diagnostic.join("\n"),
            });
        }
    }
    Ok(red)
}

fn judges_the_code_as_it_stands(
    gate: BuiltinGate,
    params: &std::collections::BTreeMap<String, serde_json::Value>,
) -> bool {
    let absolute = params.get("mode").and_then(|m| m.as_str()) == Some("absolute");
    match gate {
        BuiltinGate::TestsPass => true,
        BuiltinGate::LintClean | BuiltinGate::TypeClean => absolute,
        _ => false,
    }
}
