//! Reading one commit's bug filings: which ids it reports, resolves, defers or reproduces,
//! and what its JSON bodies say about them.

use serde_json::{Map, Value};

use super::{ResolutionStatus, Severity};
use crate::trailer::{json_objects, parse_trailers, values};

/// Trailer values of `Bug-Report` that flag an earlier fix instead of a new defect.
const FLAG_PREFIXES: &[&str] = &["weak-fix:", "shallow-fix:"];

/// Everything a commit files, in the order the ledger applies it.
#[derive(Debug, Default)]
pub(crate) struct Filings {
    pub(crate) reports: Vec<ReportFiling>,
    pub(crate) resolutions: Vec<ResolutionFiling>,
    pub(crate) defers: Vec<ResolutionFiling>,
    pub(crate) reproductions: Vec<String>,
    pub(crate) wontfix_agreements: Vec<String>,
    /// Trailer values that carried no bug id.
    pub(crate) unreadable: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct ReportFiling {
    pub(crate) id: String,
    pub(crate) flag: Option<String>,
    pub(crate) severity: Severity,
    /// Why the body could not be read; the severity is then `high` (fail closed).
    pub(crate) malformed: Option<String>,
    pub(crate) fields: ReportFields,
}

/// The descriptive, optional part of a Bug-Report body.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReportFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub fix_by: Option<String>,
    pub location: Option<String>,
    pub file: Option<String>,
    pub function: Option<String>,
    pub cwe: Option<String>,
}

impl ReportFields {
    /// Fields of `newer` where present, else these.
    pub(crate) fn overlaid_by(self, newer: ReportFields) -> ReportFields {
        ReportFields {
            title: newer.title.or(self.title),
            description: newer.description.or(self.description),
            fix_by: newer.fix_by.or(self.fix_by),
            location: newer.location.or(self.location),
            file: newer.file.or(self.file),
            function: newer.function.or(self.function),
            cwe: newer.cwe.or(self.cwe),
        }
    }
}

#[derive(Debug)]
pub(crate) struct ResolutionFiling {
    pub(crate) id: String,
    pub(crate) status: ResolutionStatus,
    pub(crate) note: Option<String>,
    /// Something the author should hear about, although the filing still counts.
    pub(crate) warning: Option<String>,
}

pub(crate) fn read_filings(message: &str) -> Filings {
    let trailers = parse_trailers(message);
    let objects = json_objects(message);
    let mut filings = Filings::default();
    for value in values(&trailers, "Bug-Report") {
        let (flag, rest) = split_flag(value);
        match bug_id(rest) {
            Some(id) => filings.reports.push(read_report(id, flag, &objects)),
            None => filings.unreadable.push(format!("Bug-Report: {value}")),
        }
    }
    let has_section = crate::trailer::has_section(message, "Bug-Resolution");
    for value in values(&trailers, "Bug-Resolves") {
        match bug_id(value) {
            Some(id) => filings
                .resolutions
                .push(read_resolution(id, &objects, has_section)),
            None => filings.unreadable.push(format!("Bug-Resolves: {value}")),
        }
    }
    for value in values(&trailers, "Bug-Defer") {
        match bug_id(value) {
            Some(id) => filings.defers.push(read_defer(id, &objects)),
            None => filings.unreadable.push(format!("Bug-Defer: {value}")),
        }
    }
    filings.reproductions = ids_of(&trailers, "Bug-Reproduce", &mut filings.unreadable);
    if let Some(id) = legacy_reproducer_subject(message) {
        filings.reproductions.push(id);
    }
    filings.wontfix_agreements = ids_of(&trailers, "Bug-Wontfix-Agree", &mut filings.unreadable);
    filings
}

fn ids_of(trailers: &[(String, String)], key: &str, unreadable: &mut Vec<String>) -> Vec<String> {
    let mut ids = Vec::new();
    for value in values(trailers, key) {
        match bug_id(value) {
            Some(id) => ids.push(id),
            None => unreadable.push(format!("{key}: {value}")),
        }
    }
    ids
}

/// `weak-fix: BUG-7` → (`weak-fix`, `BUG-7`); the prefix is matched case-insensitively.
fn split_flag(value: &str) -> (Option<String>, &str) {
    for prefix in FLAG_PREFIXES {
        let head = value.get(..prefix.len());
        if head.is_some_and(|head| head.eq_ignore_ascii_case(prefix)) {
            let flag = prefix.trim_end_matches(':').to_owned();
            return (Some(flag), &value[prefix.len()..]);
        }
    }
    (None, value)
}

/// The id is the first word of the value, so `BUG-7 (parser crash)` still names `BUG-7`.
fn bug_id(value: &str) -> Option<String> {
    let word = value.split_whitespace().next()?;
    let id = word.trim_end_matches([',', ';', '.']);
    (!id.is_empty()).then(|| id.to_owned())
}

fn legacy_reproducer_subject(message: &str) -> Option<String> {
    let subject = message.lines().next()?;
    bug_id(subject.strip_prefix("TDD: reproducer for ")?)
}

fn read_report(id: String, flag: Option<String>, objects: &[Value]) -> ReportFiling {
    // Anti-decoy: of all objects naming this id, the most severe one counts. An object with
    // an unreadable severity counts as `high`, so a broken body can never lower the stakes.
    let chosen = objects
        .iter()
        .filter_map(Value::as_object)
        .filter(|object| text(object, "id").as_deref() == Some(id.as_str()))
        .map(|object| (object_severity(object), object))
        .max_by_key(|(severity, _)| match severity {
            Ok(severity) => (*severity, true),
            Err(_) => (Severity::High, false),
        });
    let Some((severity, object)) = chosen else {
        return ReportFiling {
            malformed: Some(format!("its body has no JSON object with \"id\": \"{id}\"")),
            id,
            flag,
            severity: Severity::High,
            fields: ReportFields::default(),
        };
    };
    let (severity, malformed) = match severity {
        Ok(severity) => (severity, None),
        Err(reason) => (Severity::High, Some(reason)),
    };
    ReportFiling {
        id,
        flag,
        severity,
        malformed,
        fields: report_fields(object),
    }
}

fn object_severity(object: &Map<String, Value>) -> Result<Severity, String> {
    match object.get("severity") {
        None => Err("its JSON has no \"severity\"".to_owned()),
        Some(Value::String(word)) => Severity::parse(word)
            .ok_or_else(|| format!("severity \"{word}\" is not one of crit, high, med, low, info")),
        Some(other) => Err(format!("severity {other} is not a string")),
    }
}

fn report_fields(object: &Map<String, Value>) -> ReportFields {
    ReportFields {
        title: text(object, "title"),
        description: text(object, "description"),
        fix_by: text(object, "fix_by"),
        location: text(object, "location"),
        file: text(object, "file"),
        function: text(object, "function"),
        cwe: text(object, "cwe").or_else(|| text(object, "CWE")),
    }
}

fn read_resolution(id: String, objects: &[Value], has_section: bool) -> ResolutionFiling {
    let Some(object) = first_naming(objects, &["resolves", "id"], &id) else {
        let warning = has_section.then(|| {
            format!("its ## Bug-Resolution has no JSON object resolving {id}; treated as fixed")
        });
        return ResolutionFiling {
            id,
            status: ResolutionStatus::Fixed,
            note: None,
            warning,
        };
    };
    let note = text(object, "note");
    let (status, warning) = match text(object, "status") {
        None => (
            ResolutionStatus::Fixed,
            Some("its JSON has no \"status\"; treated as fixed".to_owned()),
        ),
        Some(word) => match ResolutionStatus::parse(&word) {
            Some(status) => (status, None),
            None => (
                ResolutionStatus::Invalid,
                Some(format!("status \"{word}\" is unknown; recorded as invalid")),
            ),
        },
    };
    ResolutionFiling {
        id,
        status,
        note,
        warning,
    }
}

fn read_defer(id: String, objects: &[Value]) -> ResolutionFiling {
    let note = first_naming(objects, &["defers", "id"], &id)
        .and_then(|object| text(object, "reason").or_else(|| text(object, "note")));
    let warning = note
        .is_none()
        .then(|| "the deferral gives no reason (JSON \"reason\" or \"note\")".to_owned());
    ResolutionFiling {
        id,
        status: ResolutionStatus::Deferred,
        note,
        warning,
    }
}

fn first_naming<'a>(
    objects: &'a [Value],
    keys: &[&str],
    id: &str,
) -> Option<&'a Map<String, Value>> {
    objects.iter().filter_map(Value::as_object).find(|object| {
        keys.iter()
            .any(|key| text(object, key).as_deref() == Some(id))
    })
}

/// A string field, or a number written without quotes (`"cwe": 79`), trimmed.
fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
