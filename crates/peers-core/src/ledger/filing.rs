//! Reading one commit's bug filings: which ids it reports, resolves, defers or reproduces,
//! and what its JSON bodies say about them.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{ResolutionStatus, Severity};
use crate::trailer::{json_objects, parse_trailers, values};

/// Trailer values of `Bug-Report` that flag an earlier fix instead of a new defect.
const FLAG_PREFIXES: &[&str] = &["weak-fix:", "shallow-fix:"];

/// Most filings of one kind (reports, resolutions, deferrals, …) one commit may make. Any agent
/// can write a commit, so a flood must cost bounded time: more reports than this are one
/// malformed (blocking) filing, and further filings of the other kinds are ignored, each with
/// a warning to the author.
pub const MAX_FILINGS_PER_COMMIT: usize = 500;

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
    /// Filings over `MAX_FILINGS_PER_COMMIT` that were not read, as messages to the author.
    pub(crate) over_cap: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct ReportFiling {
    pub(crate) id: String,
    pub(crate) flag: Option<String>,
    pub(crate) severity: Severity,
    /// Why the body could not be read; the severity is then `high` (fail closed).
    pub(crate) malformed: Option<Malformed>,
    pub(crate) fields: ReportFields,
}

/// Why a Bug-Report's body could not be read; the ledger warns the author with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum Malformed {
    #[error(
        "the commit files {count} Bug-Reports and at most {MAX_FILINGS_PER_COMMIT} per commit \
         are read, so none of them was; file them in several commits"
    )]
    Flood { count: usize },
    #[error("its body has no JSON object with \"id\": \"{id}\"")]
    NoObject { id: String },
    #[error("its JSON has no \"severity\"")]
    NoSeverity,
    #[error("severity \"{word}\" is not one of crit, high, med, low, info")]
    UnknownSeverity { word: String },
    /// `found` is the JSON value written instead of a string.
    #[error("severity {found} is not a string")]
    SeverityNotString { found: Value },
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

/// Reads every filing of one commit in time linear in the message: JSON bodies are indexed
/// by the id they name once, instead of scanned once per trailer.
pub(crate) fn read_filings(message: &str) -> Filings {
    let trailers = parse_trailers(message);
    let mut filings = Filings::default();
    let objects = json_objects(message);
    let index = ObjectIndex::new(&objects);
    let reports: Vec<&str> = values(&trailers, "Bug-Report").collect();
    if reports.len() > MAX_FILINGS_PER_COMMIT {
        filings.reports.push(flood(&reports));
    }
    for value in reports
        .iter()
        .filter(|_| reports.len() <= MAX_FILINGS_PER_COMMIT)
    {
        let (flag, rest) = split_flag(value);
        match bug_id(rest) {
            Some(id) => filings.reports.push(read_report(id, flag, &index)),
            None => filings.unreadable.push(format!("Bug-Report: {value}")),
        }
    }
    let has_section = crate::trailer::has_section(message, "Bug-Resolution");
    for value in capped(&trailers, "Bug-Resolves", &mut filings.over_cap) {
        match bug_id(value) {
            Some(id) => filings
                .resolutions
                .push(read_resolution(id, &index, has_section)),
            None => filings.unreadable.push(format!("Bug-Resolves: {value}")),
        }
    }
    for value in capped(&trailers, "Bug-Defer", &mut filings.over_cap) {
        match bug_id(value) {
            Some(id) => filings.defers.push(read_defer(id, &index)),
            None => filings.unreadable.push(format!("Bug-Defer: {value}")),
        }
    }
    filings.reproductions = ids_of(&trailers, "Bug-Reproduce", &mut filings);
    if let Some(id) = legacy_reproducer_subject(message) {
        filings.reproductions.push(id);
    }
    filings.wontfix_agreements = ids_of(&trailers, "Bug-Wontfix-Agree", &mut filings);
    filings
}

/// A commit with more Bug-Reports than the cap: one malformed, blocking filing under the
/// first id, so the flood is neither read nor silently dropped.
fn flood(reports: &[&str]) -> ReportFiling {
    let id = reports
        .iter()
        .find_map(|value| bug_id(split_flag(value).1))
        .unwrap_or_else(|| "BUG-FLOOD".to_owned());
    ReportFiling {
        malformed: Some(Malformed::Flood {
            count: reports.len(),
        }),
        id,
        flag: None,
        severity: Severity::High,
        fields: ReportFields::default(),
    }
}

/// The values of `key`, at most `MAX_FILINGS_PER_COMMIT` of them; the rest become a note.
fn capped<'a>(
    trailers: &'a [(String, String)],
    key: &'a str,
    over_cap: &mut Vec<String>,
) -> Vec<&'a str> {
    let mut all: Vec<&str> = values(trailers, key).collect();
    if all.len() > MAX_FILINGS_PER_COMMIT {
        over_cap.push(format!(
            "the commit has {} `{key}` trailers; only the first {MAX_FILINGS_PER_COMMIT} were read",
            all.len()
        ));
        all.truncate(MAX_FILINGS_PER_COMMIT);
    }
    all
}

fn ids_of(trailers: &[(String, String)], key: &str, filings: &mut Filings) -> Vec<String> {
    let mut ids = Vec::new();
    for value in capped(trailers, key, &mut filings.over_cap) {
        match bug_id(value) {
            Some(id) => ids.push(id),
            None => filings.unreadable.push(format!("{key}: {value}")),
        }
    }
    ids
}

/// The JSON objects of a message by the id each names under `id`, `resolves` and `defers`,
/// with their position so "the first object naming it" keeps its meaning.
struct ObjectIndex<'a> {
    by_name: HashMap<(&'static str, String), Vec<Positioned<'a>>>,
}

/// An object and its place among the message's objects.
type Positioned<'a> = (usize, &'a Map<String, Value>);

impl<'a> ObjectIndex<'a> {
    const KEYS: [&'static str; 3] = ["id", "resolves", "defers"];

    fn new(objects: &'a [Value]) -> Self {
        let mut by_name: HashMap<_, Vec<_>> = HashMap::new();
        for (position, object) in objects.iter().filter_map(Value::as_object).enumerate() {
            for key in Self::KEYS {
                if let Some(name) = text(object, key) {
                    by_name
                        .entry((key, name))
                        .or_default()
                        .push((position, object));
                }
            }
        }
        Self { by_name }
    }

    /// Objects whose `key` names `id`, in message order.
    fn naming(&self, key: &'static str, id: &str) -> &[Positioned<'a>] {
        self.by_name
            .get(&(key, id.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// The first object in message order whose value under any of `keys` is `id`.
    fn first_naming(&self, keys: &[&'static str], id: &str) -> Option<&'a Map<String, Value>> {
        keys.iter()
            .filter_map(|key| self.naming(key, id).first())
            .min_by_key(|(position, _)| *position)
            .map(|(_, object)| *object)
    }
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

fn read_report(id: String, flag: Option<String>, index: &ObjectIndex<'_>) -> ReportFiling {
    // Anti-decoy: of all objects naming this id, the most severe one counts. An object with
    // an unreadable severity counts as `high`, so a broken body can never lower the stakes.
    let chosen = index
        .naming("id", &id)
        .iter()
        .map(|(_, object)| (object_severity(object), *object))
        .max_by_key(|(severity, _)| match severity {
            Ok(severity) => (*severity, true),
            Err(_) => (Severity::High, false),
        });
    let Some((severity, object)) = chosen else {
        return ReportFiling {
            malformed: Some(Malformed::NoObject { id: id.clone() }),
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

fn object_severity(object: &Map<String, Value>) -> Result<Severity, Malformed> {
    match object.get("severity") {
        None => Err(Malformed::NoSeverity),
        Some(Value::String(word)) => {
            Severity::parse(word).ok_or_else(|| Malformed::UnknownSeverity { word: word.clone() })
        }
        Some(other) => Err(Malformed::SeverityNotString {
            found: other.clone(),
        }),
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

fn read_resolution(id: String, index: &ObjectIndex<'_>, has_section: bool) -> ResolutionFiling {
    let Some(object) = index.first_naming(&["resolves", "id"], &id) else {
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

fn read_defer(id: String, index: &ObjectIndex<'_>) -> ResolutionFiling {
    let note = index
        .first_naming(&["defers", "id"], &id)
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

/// A string field, or a number written without quotes (`"cwe": 79`), trimmed.
fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
