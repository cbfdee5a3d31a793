//! The reviewers' strict output format: fenced ```` ```findings ```` and ```` ```stances ````
//! blocks of JSON lines, found among whatever chatter surrounds them.
//!
//! The last block with a tag wins (a reviewer may quote the format example before answering).
//! A line that is not a JSON object with the required fields is reported with its line number
//! and skipped; callers decide whether that is worth a retry.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::finding::{Category, FindingSeverity, RawFinding};

/// One line of a block that could not be used.
#[derive(Debug, Clone)]
pub struct LineProblem {
    /// 1-based line number in the whole reviewer output.
    pub line: usize,
    pub error: LineError,
}

/// Why a line of a block could not be used; the reviewer reads it in the format reminder.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LineError {
    #[error("not valid JSON: {source}")]
    NotJson {
        #[source]
        source: Arc<serde_json::Error>,
    },
    #[error("not a JSON object")]
    NotObject,
    #[error("\"{key}\" is missing")]
    Missing { key: &'static str },
    #[error("\"{key}\" is not a string")]
    NotString { key: &'static str },
    #[error("\"{key}\" is empty")]
    Empty { key: &'static str },
    #[error("severity \"{value}\" is not one of critical|high|medium|low|style")]
    Severity { value: String },
    #[error(
        "category \"{value}\" is not one of \
         security|correctness|performance|maintainability|style"
    )]
    Category { value: String },
    #[error("stance \"{value}\" is not one of concede|defend|dismiss|accept")]
    Stance { value: String },
}

/// What a reviewer's `findings` block held.
#[derive(Debug, Clone, Default)]
pub struct FindingsBlock {
    /// False when the output has no `findings` block at all.
    pub found: bool,
    pub findings: Vec<RawFinding>,
    pub problems: Vec<LineProblem>,
}

/// A reviewer's position on one open issue in a debate round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// "I no longer believe this issue is real."
    Concede,
    /// "I maintain this issue." Past round 2 it needs new evidence to stay alive.
    Defend,
    /// "The claim is wrong."
    Dismiss,
    /// "I accept the other side's view" (the seed's `accept / push` column).
    Accept,
}

impl Stance {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "concede" => Self::Concede,
            "defend" | "push" => Self::Defend,
            "dismiss" => Self::Dismiss,
            "accept" => Self::Accept,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Concede => "concede",
            Self::Defend => "defend",
            Self::Dismiss => "dismiss",
            Self::Accept => "accept",
        }
    }
}

/// One line of a `stances` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StanceLine {
    /// The issue id as written: the full id or a prefix of at least 8 characters.
    pub id: String,
    pub stance: Stance,
    pub reasoning: String,
    /// Empty when the reviewer brought nothing new.
    pub new_evidence: String,
}

/// What a reviewer's `stances` block held.
#[derive(Debug, Clone, Default)]
pub struct StancesBlock {
    pub found: bool,
    pub stances: Vec<StanceLine>,
    pub problems: Vec<LineProblem>,
}

/// Parses the last `findings` block of `text`.
pub fn parse_findings(text: &str) -> FindingsBlock {
    let mut block = FindingsBlock::default();
    let Some(lines) = last_block(text, "findings") else {
        return block;
    };
    block.found = true;
    for (line, content) in lines {
        match object(content).and_then(|fields| finding(&fields)) {
            Ok(found) => block.findings.push(found),
            Err(error) => block.problems.push(LineProblem { line, error }),
        }
    }
    block
}

/// Parses the last `stances` block of `text`.
pub fn parse_stances(text: &str) -> StancesBlock {
    let mut block = StancesBlock::default();
    let Some(lines) = last_block(text, "stances") else {
        return block;
    };
    block.found = true;
    for (line, content) in lines {
        match object(content).and_then(|fields| stance(&fields)) {
            Ok(found) => block.stances.push(found),
            Err(error) => block.problems.push(LineProblem { line, error }),
        }
    }
    block
}

/// The non-blank lines (with 1-based line numbers) of the last block fenced with ```` ```tag ````.
/// An unclosed last block runs to the end of the text.
fn last_block<'t>(text: &'t str, tag: &str) -> Option<Vec<(usize, &'t str)>> {
    let mut found = None;
    let mut current: Option<Vec<(usize, &str)>> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(lines) = current.as_mut() {
            if trimmed.starts_with("```") {
                found = current.take();
            } else if !trimmed.is_empty() {
                lines.push((index + 1, trimmed));
            }
        } else if let Some(info) = trimmed.strip_prefix("```") {
            if info.trim().eq_ignore_ascii_case(tag) {
                current = Some(Vec::new());
            }
        }
    }
    current.or(found)
}

fn object(line: &str) -> Result<Map<String, Value>, LineError> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(LineError::NotObject),
        Err(source) => Err(LineError::NotJson {
            source: Arc::new(source),
        }),
    }
}

fn text_field(fields: &Map<String, Value>, key: &'static str) -> Result<String, LineError> {
    match fields.get(key) {
        Some(Value::String(value)) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        Some(Value::String(_)) => Err(LineError::Empty { key }),
        Some(_) => Err(LineError::NotString { key }),
        None => Err(LineError::Missing { key }),
    }
}

fn optional_text(fields: &Map<String, Value>, key: &str) -> String {
    match fields.get(key) {
        Some(Value::String(value)) => value.trim().to_owned(),
        _ => String::new(),
    }
}

fn finding(fields: &Map<String, Value>) -> Result<RawFinding, LineError> {
    let severity_text = text_field(fields, "severity")?;
    let severity = FindingSeverity::parse(&severity_text).ok_or(LineError::Severity {
        value: severity_text,
    })?;
    let category_text = text_field(fields, "category")?;
    let category = Category::parse(&category_text).ok_or(LineError::Category {
        value: category_text,
    })?;
    let merges = Some(optional_text(fields, "merges")).filter(|id| !id.is_empty());
    Ok(RawFinding {
        location: text_field(fields, "file")?,
        severity,
        claim: text_field(fields, "claim")?,
        evidence: text_field(fields, "evidence")?,
        category,
        merges,
    })
}

fn stance(fields: &Map<String, Value>) -> Result<StanceLine, LineError> {
    let stance_text = text_field(fields, "stance")?;
    let stance = Stance::parse(&stance_text).ok_or(LineError::Stance { value: stance_text })?;
    Ok(StanceLine {
        id: text_field(fields, "id")?,
        stance,
        reasoning: optional_text(fields, "reasoning"),
        new_evidence: optional_text(fields, "new_evidence"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"x","file":"src/a.rs:3","severity":"high","claim":"Overflow on add","evidence":"u8 255+1 panics","category":"correctness"}"#;

    #[test]
    fn findings_block_is_found_among_chatter() {
        let text = format!("Sure, here you go.\n```findings\n{GOOD}\n```\nOverall fine.");
        let block = parse_findings(&text);
        assert!(block.found);
        assert_eq!(block.findings.len(), 1);
        assert_eq!(block.findings[0].severity, FindingSeverity::High);
        assert!(block.problems.is_empty());
    }

    #[test]
    fn last_findings_block_wins_over_a_quoted_example() {
        let text = format!("```findings\n{{\"id\":\"...\"}}\n```\nreal:\n```findings\n{GOOD}\n```");
        let block = parse_findings(&text);
        assert_eq!(block.findings.len(), 1);
        assert!(block.problems.is_empty());
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line_number() {
        let text = format!(
            "```findings\n{GOOD}\nnot json\n{{\"file\":\"a\",\"severity\":\"huge\",\"claim\":\"c\",\"evidence\":\"e\",\"category\":\"style\"}}\n```"
        );
        let block = parse_findings(&text);
        assert_eq!(block.findings.len(), 1);
        assert_eq!(block.problems.len(), 2);
        assert_eq!(block.problems[0].line, 3);
        assert!(
            block.problems[1].error.to_string().contains("huge"),
            "{:?}",
            block.problems
        );
    }

    #[test]
    fn empty_block_is_found_and_missing_block_is_not() {
        assert!(parse_findings("```findings\n```\nLooks good.").found);
        assert!(!parse_findings("no issues at all").found);
        assert!(!parse_findings("```json\n{}\n```").found);
    }

    #[test]
    fn unclosed_block_runs_to_the_end() {
        let block = parse_findings(&format!("```findings\n{GOOD}\n"));
        assert_eq!(block.findings.len(), 1);
    }

    #[test]
    fn stances_parse_and_push_means_defend() {
        let text = "```stances\n{\"id\":\"abcdef12\",\"stance\":\"push\",\"reasoning\":\"r\"}\n{\"id\":\"x\",\"stance\":\"maybe\"}\n```";
        let block = parse_stances(text);
        assert_eq!(block.stances.len(), 1);
        assert_eq!(block.stances[0].stance, Stance::Defend);
        assert_eq!(block.stances[0].new_evidence, "");
        assert_eq!(block.problems.len(), 1);
    }
}
