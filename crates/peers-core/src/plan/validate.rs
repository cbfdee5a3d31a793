//! The rules of a valid plan across lines: required sections and meta keys, surfaces,
//! step ids `STEP-1..n` in order, known and acyclic dependencies, `touches` on every step
//! that changes code.

use std::collections::BTreeMap;

use super::parse::{Section, boolean, error, list, meta_lines, step_lines};
use super::{DEFAULT_CONVERGENCE_N, Plan, PlanMeta, Step, Surface};
use crate::decode_error::DecodeError;

/// The title and the `##` sections by lowercase name.
pub(super) struct Sections<'a> {
    pub title: String,
    pub sections: BTreeMap<String, Section<'a>>,
}

pub(super) fn validate(parsed: Sections<'_>) -> Result<Plan, DecodeError> {
    let Sections { title, sections } = parsed;
    let last_line = sections
        .values()
        .flat_map(|s| s.body.last().map(|(n, _)| *n).or(Some(s.line)))
        .max()
        .unwrap_or(1);
    let Some(meta_section) = sections.get("meta") else {
        return Err(
            error(last_line, Some("meta"), "the plan has no `## Meta` section")
                .with_hint("add `## Meta` with `surfaces: [cli]` and `acceptance: <command>`"),
        );
    };
    let meta = meta(meta_section)?;
    let Some(steps_section) = sections.get("steps") else {
        return Err(error(
            last_line,
            Some("steps"),
            "the plan has no `## Steps` section",
        )
        .with_hint("add `## Steps` with `- [ ] [STEP-1] …` lines"));
    };
    let steps = step_lines(steps_section)?;
    check_steps(steps_section.line, &steps)?;
    Ok(Plan {
        title,
        meta,
        architecture: bullets(sections.get("architecture")),
        input_domains: bullets(sections.get("input domains")),
        steps,
    })
}

fn bullets(section: Option<&Section<'_>>) -> Vec<String> {
    section
        .map(|s| {
            s.body
                .iter()
                .filter_map(|(_, line)| line.trim_start().strip_prefix("- "))
                .map(|item| item.trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn meta(section: &Section<'_>) -> Result<PlanMeta, DecodeError> {
    let mut lines = meta_lines(section)?;
    let key_lines = lines
        .iter()
        .map(|(key, (line, _))| (key.clone(), *line))
        .collect();
    let Some((surfaces_line, surfaces_value)) = lines.remove("surfaces") else {
        return Err(error(
            section.line,
            Some("meta.surfaces"),
            "`surfaces:` is missing",
        )
        .with_hint("say where the feature is used: `surfaces: [cli]` (cli, web, lib, gui)"));
    };
    let mut surfaces = Vec::new();
    for name in list(&surfaces_value) {
        let Some(surface) = Surface::from_name(&name.to_ascii_lowercase()) else {
            return Err(error(
                surfaces_line,
                Some("meta.surfaces"),
                format!("unknown surface `{name}`"),
            )
            .with_hint("surfaces are cli, web, lib and gui"));
        };
        if !surfaces.contains(&surface) {
            surfaces.push(surface);
        }
    }
    if surfaces.is_empty() {
        return Err(
            error(surfaces_line, Some("meta.surfaces"), "`surfaces:` is empty")
                .with_hint("name at least one: `surfaces: [cli]`"),
        );
    }
    let acceptance = match lines.remove("acceptance") {
        Some((line, value)) => command(line, "acceptance", value)?,
        None => {
            return Err(error(section.line, Some("meta.acceptance"), "`acceptance:` is missing")
                .with_hint(
                    "give the command that proves the feature works, e.g. `acceptance: ./scripts/accept`",
                ));
        }
    };
    let e2e = match lines.remove("e2e") {
        Some((line, value)) => Some(command(line, "e2e", value)?),
        None => None,
    };
    if e2e.is_none()
        && let Some(surface) = surfaces.iter().find(|s| s.needs_e2e())
    {
        return Err(error(
            surfaces_line,
            Some("meta.e2e"),
            format!("surface `{}` needs an `e2e:` command", surface.as_str()),
        )
        .with_hint("add `e2e: <command>` that drives the feature end to end"));
    }
    let convergence_n = match lines.remove("convergence_n") {
        Some((line, value)) => match value.parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(error(
                    line,
                    Some("meta.convergence_n"),
                    format!("`{value}` is not a whole number from 1 to 1000"),
                )
                .with_hint(format!(
                    "leave it out for the default {DEFAULT_CONVERGENCE_N}"
                )));
            }
        },
        None => DEFAULT_CONVERGENCE_N,
    };
    let mutation_testing = match lines.remove("mutation_testing") {
        Some((line, value)) => boolean(line, "meta.mutation_testing", &value)?,
        None => false,
    };
    let confidence_calibration = match lines.remove("confidence_calibration") {
        Some((line, value)) => boolean(line, "meta.confidence_calibration", &value)?,
        None => false,
    };
    let honesty_audit_peer = lines
        .remove("honesty_audit_peer")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty());
    Ok(PlanMeta {
        surfaces,
        acceptance,
        e2e,
        convergence_n,
        mutation_testing,
        honesty_audit_peer,
        confidence_calibration,
        lines: key_lines,
        extra: lines.into_iter().map(|(k, (_, v))| (k, v)).collect(),
    })
}

fn command(line: u32, key: &str, value: String) -> Result<String, DecodeError> {
    if value.is_empty() {
        return Err(error(
            line,
            Some(&format!("meta.{key}")),
            format!("`{key}:` is empty"),
        )
        .with_hint("give the shell command to run, e.g. `acceptance: cargo test --test accept`"));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(error(
            line,
            Some(&format!("meta.{key}")),
            format!("`{key}:` holds a control character"),
        )
        .with_hint("write the command on one line of printable text"));
    }
    Ok(value)
}

fn check_steps(section_line: u32, steps: &[Step]) -> Result<(), DecodeError> {
    if steps.is_empty() {
        return Err(
            error(section_line, Some("steps"), "`## Steps` lists no step")
                .with_hint("add `- [ ] [STEP-1] what it delivers` with `  - touches: <paths>`"),
        );
    }
    for (index, step) in steps.iter().enumerate() {
        let expected = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if step.number != expected {
            return Err(error(
                step.line,
                Some(&step.id()),
                format!("expected STEP-{expected} here, found {}", step.id()),
            )
            .with_hint("number the steps STEP-1, STEP-2, … in order, without gaps"));
        }
    }
    for step in steps {
        for dependency in &step.depends {
            if *dependency == step.number || *dependency == 0 || *dependency as usize > steps.len()
            {
                let what = if *dependency == step.number {
                    "depends on itself".to_owned()
                } else {
                    format!("depends on STEP-{dependency}, which is not in the plan")
                };
                return Err(
                    error(step.line, Some(&format!("{}.depends", step.id())), what)
                        .with_hint("list only other steps of this plan under `depends:`"),
                );
            }
        }
        if step.touches.is_empty() && !step.trivial && !step.pure_documentation {
            return Err(error(
                step.line,
                Some(&format!("{}.touches", step.id())),
                format!("{} says no files it touches", step.id()),
            )
            .with_hint(
                "add `  - touches: [src/x.rs, tests/x.rs]` under the step (or `  - trivial: true`)",
            ));
        }
    }
    if let Some(cycle) = find_cycle(steps) {
        let first = cycle.first().and_then(|n| steps.get(*n as usize - 1));
        let names: Vec<String> = cycle.iter().map(|n| format!("STEP-{n}")).collect();
        return Err(error(
            first.map_or(section_line, |s| s.line),
            Some("steps.depends"),
            format!(
                "steps depend on each other in a cycle: {}",
                names.join(" -> ")
            ),
        )
        .with_hint("remove one `depends:` entry of the cycle"));
    }
    Ok(())
}

/// Kahn's algorithm; on a cycle, one closed path through the steps left over.
fn find_cycle(steps: &[Step]) -> Option<Vec<u32>> {
    let n = steps.len();
    let mut indegree = vec![0usize; n + 1];
    for step in steps {
        indegree[step.number as usize] = step.depends.len();
    }
    let mut ready: Vec<u32> = steps
        .iter()
        .filter(|s| s.depends.is_empty())
        .map(|s| s.number)
        .collect();
    let mut removed = vec![false; n + 1];
    while let Some(done) = ready.pop() {
        removed[done as usize] = true;
        for step in steps {
            let count = step.depends.iter().filter(|d| **d == done).count();
            if count > 0 && !removed[step.number as usize] {
                indegree[step.number as usize] -= count;
                if indegree[step.number as usize] == 0 {
                    ready.push(step.number);
                }
            }
        }
    }
    let start = steps.iter().find(|s| !removed[s.number as usize])?;
    let mut path = vec![start.number];
    let mut at = start.number;
    loop {
        let step = &steps[at as usize - 1];
        let next = *step.depends.iter().find(|d| !removed[**d as usize])?;
        if let Some(position) = path.iter().position(|p| *p == next) {
            let mut cycle = path.split_off(position);
            cycle.push(next);
            return Some(cycle);
        }
        path.push(next);
        at = next;
    }
}
