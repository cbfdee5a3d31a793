//! Decodes `.peers/goals.yaml` into a [`GoalSet`]: hard gates (a command judged by
//! `pass_when`, or a built-in check) and soft goals (peer reviews), with the original tool's
//! default commands mapped to the built-in gates that replace them.

mod hard;

use crate::config::ConfigNotice;
use crate::decode_error::DecodeError;
use crate::goals::{Goal, GoalKind, GoalSet, ModeInstructions, Quorum, ReviewerMode, SoftGoal};
use crate::suggest;
use crate::yaml::fields::{Field, Map};
use crate::yaml::{self, Value};

const TOP_KEYS: &[&str] = &["goals", "budget", "instructions"];
const COMMON_KEYS: &[&str] = &["id", "type", "description"];
const HARD_KEYS: &[&str] = &[
    "cmd",
    "pass_when",
    "builtin",
    "params",
    "timeout_s",
    "cacheable",
    "retry_on_fail",
    "expensive",
];
const SOFT_KEYS: &[&str] = &[
    "prompt",
    "reviewer",
    "consensus_needed",
    "review_interval",
    "quorum",
];

const MAX_ID_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoalType {
    Hard,
    Soft,
}

/// A goal set peers can run against has at least one hard goal: soft goals are peer
/// opinions, so with none (an empty or all-soft goals.yaml) nothing could prove "done".
pub fn require_hard_goal(set: &GoalSet, file: &str) -> Result<(), DecodeError> {
    if set.hard().next().is_some() {
        return Ok(());
    }
    let found = match set.goals.len() {
        0 => "no goal at all".to_owned(),
        n => format!("only soft goals ({n})"),
    };
    Err(DecodeError::new(
        file,
        None,
        Some("goals"),
        format!("{found}: without a hard goal nothing could prove the work is done"),
    )
    .with_hint("add at least one hard goal, e.g. `- {id: tests-pass, type: hard, builtin: tests-pass}` or a command gate with `cmd:` and `pass_when:`; `peers init --force` writes the commented template"))
}

/// Decodes goals.yaml. `file` is the path shown in messages. An empty file has no goals.
pub fn decode_goals(source: &str, file: &str) -> Result<GoalSet, DecodeError> {
    let mut set = GoalSet::default();
    let root = match yaml::parse_document(source, file)? {
        Some(root) if !root.is_null() => root,
        _ => return Ok(set),
    };
    let top = Field::new(file, "", &root).map().map_err(|_| {
        DecodeError::new(
            file,
            Some(root.span),
            None,
            format!(
                "expected a mapping with a goals: list, found {}",
                root.describe()
            ),
        )
        .with_hint("goals.yaml starts with `goals:` followed by a list of goals")
    })?;
    top.check_keys(TOP_KEYS)?;
    if let Some(budget) = top.field("budget") {
        set.notices.push(ConfigNotice {
            key: budget.path.clone(),
            span: budget.node.span,
            message: "ignored: peers reads budget only from config.yaml".to_owned(),
        });
    }
    if let Some(list) = top.field("instructions").filter(|f| !f.is_null()) {
        set.instructions = instructions(&list)?;
    }
    let Some(list) = top.field("goals").filter(|f| !f.is_null()) else {
        return Ok(set);
    };
    for item in list.list()? {
        let goal = decode_goal(&item.map()?, &mut set.notices)?;
        if let Some(first) = set.goals.iter().find(|g| g.id == goal.id) {
            let id_field = item.map()?.required("id")?;
            return Err(id_field.err(format!(
                "duplicate goal id '{}' (first on line {})",
                goal.id, first.span.line
            )));
        }
        set.goals.push(goal);
    }
    Ok(set)
}

/// `instructions: [{mode, text}]`: each applied mode's prompt overlay.
fn instructions(list: &Field<'_>) -> Result<Vec<ModeInstructions>, DecodeError> {
    list.list()?
        .iter()
        .map(|item| {
            let map = item.map()?;
            map.check_keys(&["mode", "text"])?;
            let text = map.required("text")?;
            let size = text.non_empty_string()?.len();
            if size > crate::modes::MAX_INSTRUCTIONS_BYTES {
                return Err(text
                    .err(format!(
                        "instructions are {size} bytes; at most {} go into a prompt",
                        crate::modes::MAX_INSTRUCTIONS_BYTES
                    ))
                    .with_hint("shorten them"));
            }
            Ok(ModeInstructions {
                mode: map.required("mode")?.non_empty_string()?.to_owned(),
                text: text.non_empty_string()?.to_owned(),
            })
        })
        .collect()
}

fn decode_goal(map: &Map<'_>, notices: &mut Vec<ConfigNotice>) -> Result<Goal, DecodeError> {
    let goal_type = map
        .required("type")
        .map_err(|e| {
            e.with_hint(
                "type: hard (a command or built-in check) or type: soft (a review by peers)",
            )
        })?
        .choice(&[("hard", GoalType::Hard), ("soft", GoalType::Soft)])?;
    check_goal_keys(map, goal_type)?;
    let id = goal_id(&map.required("id")?)?;
    let description = map
        .opt("description", Field::string)?
        .unwrap_or_default()
        .to_owned();
    let kind = match goal_type {
        GoalType::Hard => GoalKind::Hard(hard::decode(map, notices)?),
        GoalType::Soft => GoalKind::Soft(soft(map)?),
    };
    Ok(Goal {
        id,
        description,
        kind,
        span: map.span,
    })
}

/// A key of the other goal type gets its own message: the usual cause is a wrong `type:`.
fn check_goal_keys(map: &Map<'_>, goal_type: GoalType) -> Result<(), DecodeError> {
    let (own, other, own_name, other_name) = match goal_type {
        GoalType::Hard => (HARD_KEYS, SOFT_KEYS, "hard", "soft"),
        GoalType::Soft => (SOFT_KEYS, HARD_KEYS, "soft", "hard"),
    };
    let valid: Vec<&str> = COMMON_KEYS.iter().chain(own).copied().collect();
    for (key, _) in map.entries {
        if other.contains(&key.text.as_str()) {
            return Err(DecodeError::new(
                map.file,
                Some(key.span),
                Some(&map.path_of(&key.text)),
                format!(
                    "'{}' belongs to {other_name} goals, but this goal is {own_name}",
                    key.text
                ),
            )
            .with_hint(format!(
                "remove it, or set `type: {other_name}` if this goal is meant to be {other_name}"
            )));
        }
    }
    map.check_keys(&valid)
}

fn goal_id(field: &Field<'_>) -> Result<String, DecodeError> {
    let id = field.non_empty_string()?;
    let mut chars = id.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !well_formed {
        return Err(field
            .err(format!("invalid goal id {id:?}"))
            .with_hint("use letters, digits, '.', '_' or '-', starting with a letter or digit"));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Err(field.err(format!("goal id is longer than {MAX_ID_CHARS} characters")));
    }
    Ok(id.to_owned())
}

fn soft(map: &Map<'_>) -> Result<SoftGoal, DecodeError> {
    let prompt = map.required("prompt")?.non_empty_string()?.to_owned();
    let reviewer = map.required("reviewer")?.choice(&[
        ("other", ReviewerMode::Other),
        ("both", ReviewerMode::Both),
        ("alternating", ReviewerMode::Alternating),
        ("quorum", ReviewerMode::Quorum),
    ])?;
    let consensus_needed = map.opt("consensus_needed", Field::pos_u32)?.unwrap_or(2);
    let review_interval = map.opt("review_interval", Field::pos_u32)?.unwrap_or(1);
    let quorum = match (reviewer, map.field("quorum")) {
        (ReviewerMode::Quorum, Some(field)) => Some(quorum(&field)?),
        (ReviewerMode::Quorum, None) => {
            return Err(map
                .err_here("reviewer: quorum needs a quorum: \"N/M\" setting")
                .with_hint(
                    "e.g. quorum: \"2/3\" passes when 2 of the 3 most recent reviews pass",
                ));
        }
        (_, Some(field)) => {
            return Err(field
                .err(format!(
                    "quorum applies only with reviewer: quorum (this goal uses {})",
                    reviewer.as_str()
                ))
                .with_hint("remove quorum, or set reviewer: quorum"));
        }
        (_, None) => None,
    };
    Ok(SoftGoal {
        prompt,
        reviewer,
        consensus_needed,
        review_interval,
        quorum,
    })
}

/// `"N/M"` with `0 < N <= M`.
fn quorum(field: &Field<'_>) -> Result<Quorum, DecodeError> {
    let bad = || {
        field.err(format!(
            "expected \"N/M\" with 0 < N <= M, found {}",
            field.node.describe()
        ))
    };
    let Value::Str { text, .. } = &field.node.value else {
        return Err(bad());
    };
    let (needed, window) = text.split_once('/').ok_or_else(bad)?;
    let needed: u32 = needed.trim().parse().map_err(|_| bad())?;
    let window: u32 = window.trim().parse().map_err(|_| bad())?;
    if needed == 0 || needed > window {
        return Err(bad());
    }
    Ok(Quorum { needed, window })
}

/// A did-you-mean over the built-in gate names, or the list of them.
fn builtin_hint(name: &str) -> String {
    let names: Vec<&str> = crate::goals::BuiltinGate::ALL
        .iter()
        .map(|g| g.as_str())
        .collect();
    suggest::hint_for(name, &names)
        .unwrap_or_else(|| format!("built-in gates: {}", names.join(", ")))
}

#[cfg(test)]
mod tests;
