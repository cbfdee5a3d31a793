//! PLAN.md text → `Plan`: title, sections, meta lines, step lines and their sub-keys. The
//! rules across lines (ids in order, dependencies, required keys) are in `validate`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::validate::{Sections, validate};
use super::{MAX_PLAN_BYTES, PLAN_FILE, Plan, Step, StepMark};
use crate::decode_error::DecodeError;
use crate::location::Span;

static STEP_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^- \[([^\]]*)\] \[STEP-([0-9]{1,6})\][ \t]+(.*?)(?:[ \t]+\(([0-9a-fA-F]{7,40})\))?[ \t]*$",
    )
    .ok()
});
static SUB_KEY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[ \t]+- ([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$").ok());
static META_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(?:- )?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*)$").ok());

pub(super) fn error(line: u32, key: Option<&str>, message: impl Into<String>) -> DecodeError {
    DecodeError::new(PLAN_FILE, Some(Span::new(line, 1)), key, message)
}

/// Parses and validates a plan; the first problem wins.
pub fn parse(bytes: &[u8]) -> Result<Plan, DecodeError> {
    if bytes.len() > MAX_PLAN_BYTES {
        return Err(error(
            1,
            None,
            format!("the plan is {} bytes; at most 2 MiB is read", bytes.len()),
        )
        .with_hint("keep PLAN.md to the steps and their keys; move long prose elsewhere"));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        error(line_number(line), None, "the plan is not valid UTF-8")
            .with_hint("save PLAN.md as UTF-8")
    })?;
    let sections = split_sections(text)?;
    validate(sections)
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// One `## Name` section: its heading line and its body lines (line number, text) outside
/// code fences.
pub(super) struct Section<'a> {
    pub line: u32,
    pub body: Vec<(u32, &'a str)>,
}

fn split_sections(text: &str) -> Result<Sections<'_>, DecodeError> {
    let mut title: Option<(u32, String)> = None;
    let mut sections: BTreeMap<String, Section<'_>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_fence = false;
    for (index, line) in text.lines().enumerate() {
        let number = line_number(index + 1);
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if title.is_none() {
            if line.trim().is_empty() {
                continue;
            }
            let name = line.strip_prefix("# ").map(str::trim).unwrap_or_default();
            if name.is_empty() {
                return Err(
                    error(number, None, "the plan must start with `# <Feature name>`")
                        .with_hint("make the first line a level-1 heading naming the feature"),
                );
            }
            title = Some((number, name.to_owned()));
            continue;
        }
        if let Some(name) = line.strip_prefix("## ") {
            let key = name.trim().to_ascii_lowercase();
            if let Some(first) = sections.get(&key) {
                return Err(error(
                    number,
                    None,
                    format!(
                        "section `## {}` appears twice (first on line {})",
                        name.trim(),
                        first.line
                    ),
                )
                .with_hint("merge the two sections into one"));
            }
            sections.insert(
                key.clone(),
                Section {
                    line: number,
                    body: Vec::new(),
                },
            );
            current = Some(key);
            continue;
        }
        if let Some(section) = current.as_ref().and_then(|key| sections.get_mut(key)) {
            section.body.push((number, line));
        }
    }
    let Some((_, title)) = title else {
        return Err(error(1, None, "the plan is empty")
            .with_hint("start with `# <Feature name>`, then `## Meta` and `## Steps`"));
    };
    Ok(Sections { title, sections })
}

/// `## Meta` lines → key → (line, value). Comments (` # …`) are stripped except from the
/// command keys, whose value is taken verbatim.
pub(super) fn meta_lines(
    section: &Section<'_>,
) -> Result<BTreeMap<String, (u32, String)>, DecodeError> {
    let mut out: BTreeMap<String, (u32, String)> = BTreeMap::new();
    for (number, line) in &section.body {
        if line.trim().is_empty() || line.trim_start().starts_with("<!--") {
            continue;
        }
        let captures = META_LINE.as_ref().and_then(|re| re.captures(line));
        let Some(captures) = captures else {
            return Err(error(*number, Some("meta"), "expected a `key: value` line")
                .with_hint("write meta as `acceptance: cargo test`, one key per line"));
        };
        let key = captures[1].to_ascii_lowercase();
        let raw = captures[2].trim();
        let value = if key == "acceptance" || key == "e2e" {
            raw.to_owned()
        } else {
            strip_comment(raw)
        };
        if let Some((first, _)) = out.get(&key) {
            return Err(error(
                *number,
                Some(&format!("meta.{key}")),
                format!("`{key}` is set twice (first on line {first})"),
            )
            .with_hint("keep one of the two lines"));
        }
        out.insert(key, (*number, value));
    }
    Ok(out)
}

/// `value # comment` → `value`; a `#` inside brackets or not after a blank is kept.
fn strip_comment(value: &str) -> String {
    let mut depth = 0i32;
    let mut previous_blank = true;
    for (index, c) in value.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '#' if depth <= 0 && previous_blank => return value[..index].trim().to_owned(),
            _ => {}
        }
        previous_blank = c == ' ' || c == '\t';
    }
    value.trim().to_owned()
}

/// `## Steps` lines → steps with their sub-keys, in file order.
pub(super) fn step_lines(section: &Section<'_>) -> Result<Vec<Step>, DecodeError> {
    let mut steps: Vec<Step> = Vec::new();
    let mut seen_keys: Vec<String> = Vec::new();
    for (number, line) in &section.body {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with("- [") {
            steps.push(step_line(*number, line)?);
            seen_keys.clear();
            continue;
        }
        if let Some(captures) = SUB_KEY.as_ref().and_then(|re| re.captures(line)) {
            let Some(step) = steps.last_mut() else {
                return Err(
                    error(*number, Some("steps"), "a step key before the first step").with_hint(
                        "indented `- key: value` lines belong under a `- [ ] [STEP-N]` line",
                    ),
                );
            };
            let key = captures[1].to_ascii_lowercase();
            if seen_keys.contains(&key) {
                return Err(error(
                    *number,
                    Some(&format!("{}.{key}", step.id())),
                    format!("`{key}` is set twice for {}", step.id()),
                )
                .with_hint("keep one of the two lines"));
            }
            seen_keys.push(key.clone());
            sub_key(step, *number, &key, captures[2].trim())?;
            continue;
        }
        if line.contains("[STEP-") {
            return Err(error(
                *number,
                Some("steps"),
                "a line names a step but is not a step line",
            )
            .with_hint(
                "write each step at column 0 as `- [ ] [STEP-N] what it does`; marks are \
                 ` `, `x`, `PARTIAL`, `BLOCKED`, `BLOCKED-ACK`",
            ));
        }
    }
    Ok(steps)
}

fn step_line(number: u32, line: &str) -> Result<Step, DecodeError> {
    let Some(captures) = STEP_LINE.as_ref().and_then(|re| re.captures(line)) else {
        return Err(
            error(number, Some("steps"), "malformed step line").with_hint(
                "write `- [ ] [STEP-N] what it does`, optionally ending in `(<commit sha>)`",
            ),
        );
    };
    let mark_text = &captures[1];
    let Some(mark) = StepMark::from_mark(mark_text) else {
        return Err(error(
            number,
            Some("steps"),
            format!("unknown step mark `[{mark_text}]`"),
        )
        .with_hint("use `[ ]`, `[x]`, `[PARTIAL]`, `[BLOCKED]` or `[BLOCKED-ACK]`"));
    };
    let step_number: u32 = captures[2].parse().unwrap_or(0);
    let text = captures[3].trim();
    if text.is_empty() {
        return Err(error(
            number,
            Some(&format!("STEP-{step_number}")),
            "the step has no text",
        )
        .with_hint("say what the step delivers after `[STEP-N]`"));
    }
    Ok(Step {
        number: step_number,
        line: number,
        mark,
        text: text.to_owned(),
        sha: captures.get(4).map(|m| m.as_str().to_ascii_lowercase()),
        touches: Vec::new(),
        depends: Vec::new(),
        rationale: None,
        trivial: false,
        pure_refactor: false,
        pure_documentation: false,
    })
}

fn sub_key(step: &mut Step, line: u32, key: &str, value: &str) -> Result<(), DecodeError> {
    let dotted = format!("{}.{key}", step.id());
    match key {
        "touches" => step.touches = list(value),
        "depends" => {
            for item in list(value) {
                let digits = item.strip_prefix("STEP-").unwrap_or(&item);
                let Ok(n) = digits.parse::<u32>() else {
                    return Err(
                        error(line, Some(&dotted), format!("`{item}` is not a step id"))
                            .with_hint("list step ids: `depends: [STEP-1, STEP-2]`"),
                    );
                };
                step.depends.push(n);
            }
        }
        "rationale" => step.rationale = Some(value.to_owned()),
        "trivial" | "trivial_step" => step.trivial = boolean(line, &dotted, value)?,
        "pure_refactor" => step.pure_refactor = boolean(line, &dotted, value)?,
        "pure_documentation" => step.pure_documentation = boolean(line, &dotted, value)?,
        _ => {}
    }
    Ok(())
}

/// `a, b` or `[a, b]` → items, blanks dropped.
pub(super) fn list(value: &str) -> Vec<String> {
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value);
    inner
        .split(',')
        .map(|item| {
            item.trim()
                .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        })
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn boolean(line: u32, key: &str, value: &str) -> Result<bool, DecodeError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(
            error(line, Some(key), format!("`{value}` is not true or false"))
                .with_hint("write `true` or `false`"),
        ),
    }
}
