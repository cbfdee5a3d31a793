//! Hard goals: `cmd` + `pass_when`, or `builtin` + `params`, and the original tool's default
//! commands mapped to the built-in gates that replace them.

use std::collections::BTreeMap;

use crate::config::ConfigNotice;
use crate::decode_error::DecodeError;
use crate::goals::{BuiltinGate, GateCheck, HardGoal};
use crate::yaml::fields::{Field, Map};

/// Most extra attempts a failing gate gets; more would hide a flaky gate behind retries.
const MAX_RETRY_ON_FAIL: u64 = 5;

/// Commands of the original's default goals.yaml, which called into its Python package. The
/// built-in gates do the same checks, so a `.peers/` written by the original keeps working.
const LEGACY_COMMANDS: &[(&str, BuiltinGate)] = &[
    (
        "python3 -m peers.cli run-check verify_self_review",
        BuiltinGate::SelfReviewOnHandoff,
    ),
    (
        "python3 -m peers.bug_hunt gate .",
        BuiltinGate::BugHuntClean,
    ),
];

pub(super) fn decode(
    map: &Map<'_>,
    notices: &mut Vec<ConfigNotice>,
) -> Result<HardGoal, DecodeError> {
    let check = check(map, notices)?;
    let timeout_s = map.opt_or_null("timeout_s", Field::pos_int)?.flatten();
    let cacheable = map.opt("cacheable", Field::bool)?.unwrap_or(false);
    let retry_on_fail = match map.field("retry_on_fail") {
        Some(field) => retry_on_fail(&field)?,
        None => 0,
    };
    if let Some(field) = map.field("expensive") {
        field.bool()?;
        notices.push(ConfigNotice {
            key: field.path.clone(),
            span: field.node.span,
            message: "ignored: peers runs all hard gates in parallel, so expensive gates need no special handling"
                .to_owned(),
        });
    }
    Ok(HardGoal {
        check,
        timeout_s,
        cacheable,
        retry_on_fail,
    })
}

fn retry_on_fail(field: &Field<'_>) -> Result<u32, DecodeError> {
    let n = field.non_neg_int()?;
    if n > MAX_RETRY_ON_FAIL {
        return Err(field
            .err(format!(
                "retry_on_fail is at most {MAX_RETRY_ON_FAIL}, found {n}"
            ))
            .with_hint("a gate that needs more retries is flaky: fix the command instead"));
    }
    // n <= 5, so the conversion cannot truncate.
    Ok(n as u32)
}

fn check(map: &Map<'_>, notices: &mut Vec<ConfigNotice>) -> Result<GateCheck, DecodeError> {
    let cmd = map.field("cmd");
    let builtin = map.field("builtin");
    match (cmd, builtin) {
        (Some(_), Some(builtin)) => Err(builtin
            .err("`cmd` and `builtin` cannot both be set")
            .with_hint("a hard goal either runs cmd (judged by pass_when) or names a built-in check")),
        (None, None) => Err(map
            .err_here("a hard goal needs cmd (with pass_when) or builtin")
            .with_hint("e.g. cmd: \"cargo test\" with pass_when: \"exit_code == 0\", or builtin: bug-hunt-clean")),
        (Some(cmd), None) => command(map, &cmd, notices),
        (None, Some(builtin)) => builtin_check(map, &builtin),
    }
}

fn command(
    map: &Map<'_>,
    cmd_field: &Field<'_>,
    notices: &mut Vec<ConfigNotice>,
) -> Result<GateCheck, DecodeError> {
    let cmd = cmd_field.non_empty_string()?;
    if let Some(params) = map.field("params") {
        return Err(params
            .err("params applies only to builtin gates")
            .with_hint("remove params, or use builtin:"));
    }
    let normalized = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((legacy, gate)) = LEGACY_COMMANDS
        .iter()
        .find(|(legacy, _)| *legacy == normalized)
    {
        if let Some(pass_when) = map.field("pass_when") {
            pass_when.string()?;
        }
        notices.push(ConfigNotice {
            key: cmd_field.path.clone(),
            span: cmd_field.node.span,
            message: format!(
                "legacy command `{legacy}` mapped to the built-in gate {}; write `builtin: {}` to silence this",
                gate.as_str(),
                gate.as_str()
            ),
        });
        return Ok(GateCheck::Builtin {
            gate: *gate,
            params: BTreeMap::new(),
        });
    }
    let pass_when = map.required("pass_when").map_err(|e| {
        e.with_hint("say when the command passes, e.g. pass_when: \"exit_code == 0\"")
    })?;
    let expression = pass_when.non_empty_string()?;
    Ok(GateCheck::Command {
        cmd: cmd.to_owned(),
        pass_when: expression.to_owned(),
        pass_when_span: pass_when.node.content_span(),
    })
}

fn builtin_check(map: &Map<'_>, field: &Field<'_>) -> Result<GateCheck, DecodeError> {
    let name = field.non_empty_string()?;
    let gate = BuiltinGate::from_name(name).ok_or_else(|| {
        field
            .err(format!("unknown built-in gate '{name}'"))
            .with_hint(super::builtin_hint(name))
    })?;
    if let Some(pass_when) = map.field("pass_when") {
        return Err(pass_when
            .err("pass_when applies only to cmd gates; a built-in gate decides pass or fail itself")
            .with_hint("remove pass_when"));
    }
    let params = match map.field("params").filter(|f| !f.is_null()) {
        Some(params) => {
            let params = params.map()?;
            check_params(&params, gate)?;
            params
                .entries
                .iter()
                .map(|(key, node)| {
                    Ok((
                        key.text.clone(),
                        crate::yaml::to_json(&Field::new(
                            map.file,
                            params.path_of(&key.text),
                            node,
                        ))?,
                    ))
                })
                .collect::<Result<_, DecodeError>>()?
        }
        None => BTreeMap::new(),
    };
    Ok(GateCheck::Builtin { gate, params })
}

/// Every key must be one the gate documents, so a misspelt parameter is never silently inert.
fn check_params(params: &Map<'_>, gate: BuiltinGate) -> Result<(), DecodeError> {
    let accepted = gate.params();
    for (key, _) in params.entries {
        if accepted.contains(&key.text.as_str()) {
            continue;
        }
        let hint = match crate::suggest::hint_for(&key.text, accepted) {
            Some(hint) => hint,
            None if accepted.is_empty() => format!("{} takes no parameters", gate.as_str()),
            None => format!("{} accepts: {}", gate.as_str(), accepted.join(", ")),
        };
        return Err(DecodeError::new(
            params.file,
            Some(key.span),
            Some(&params.path_of(&key.text)),
            format!("unknown parameter '{}' for {}", key.text, gate.as_str()),
        )
        .with_hint(hint));
    }
    Ok(())
}
