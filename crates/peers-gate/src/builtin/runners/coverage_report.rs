//! Line coverage read from the reports the coverage tools write: LCOV (cargo-llvm-cov,
//! coverage.py, c8, jest/istanbul, vitest) and Go's cover profile. Paths are made relative
//! to the project so a baseline worktree and the current tree compare.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::builtin::error::BuiltinError;

/// Hit counts per instrumented line, per file (relative path).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineCoverage {
    pub files: BTreeMap<String, BTreeMap<u32, u64>>,
}

/// Covered and instrumented line counts: what a baseline keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageTotals {
    pub covered: u64,
    pub instrumented: u64,
}

impl CoverageTotals {
    /// Percent of instrumented lines covered; `None` when nothing is instrumented.
    pub fn percent(self) -> Option<f64> {
        (self.instrumented > 0).then(|| self.covered as f64 * 100.0 / self.instrumented as f64)
    }
}

/// Coverage of a set of lines (the changed code), with the lines left uncovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedCoverage {
    pub totals: CoverageTotals,
    pub uncovered: Vec<(String, u32)>,
}

impl LineCoverage {
    /// Reads LCOV (`SF:` / `DA:line,hits` / `end_of_record`).
    pub fn parse_lcov(text: &str, project: &Path) -> Result<LineCoverage, BuiltinError> {
        let mut coverage = LineCoverage::default();
        let mut current: Option<String> = None;
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if let Some(path) = line.strip_prefix("SF:") {
                current = Some(relative(path, project));
            } else if let Some(data) = line.strip_prefix("DA:") {
                let file = current
                    .as_ref()
                    .ok_or(BuiltinError::LcovDataBeforeFile { line: number + 1 })?;
                let mut fields = data.split(',');
                let (Some(Ok(line_no)), Some(Ok(hits))) = (
                    fields.next().map(str::parse::<u32>),
                    fields.next().map(|hits| hits.parse::<f64>()),
                ) else {
                    return Err(BuiltinError::ReportLine {
                        format: "LCOV",
                        line: number + 1,
                        text: line.to_owned(),
                    });
                };
                let entry = coverage.files.entry(file.clone()).or_default();
                let slot = entry.entry(line_no).or_default();
                *slot = (*slot).max(hits.max(0.0) as u64);
            } else if line == "end_of_record" {
                current = None;
            }
        }
        Ok(coverage)
    }

    /// Reads a Go cover profile (`mode: set` then `pkg/file.go:l.c,l.c statements count`);
    /// `module` (from go.mod) is stripped so paths are relative to the module root.
    pub fn parse_go_profile(text: &str, module: &str) -> Result<LineCoverage, BuiltinError> {
        let mut coverage = LineCoverage::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with("mode:") {
                continue;
            }
            let bad = || BuiltinError::ReportLine {
                format: "cover profile",
                line: number + 1,
                text: line.to_owned(),
            };
            let (location, counts) = line.rsplit_once(':').ok_or_else(bad)?;
            let mut parts = counts.split_whitespace();
            let (Some(range), Some(_statements), Some(Ok(hits))) = (
                parts.next(),
                parts.next(),
                parts.next().map(str::parse::<u64>),
            ) else {
                return Err(bad());
            };
            let (start, end) = range.split_once(',').ok_or_else(bad)?;
            let line_of = |position: &str| {
                position
                    .split('.')
                    .next()
                    .and_then(|l| l.parse::<u32>().ok())
            };
            let (Some(start), Some(end)) = (line_of(start), line_of(end)) else {
                return Err(bad());
            };
            let file = location
                .strip_prefix(module)
                .map(|rest| rest.trim_start_matches('/'))
                .unwrap_or(location)
                .to_owned();
            let entry = coverage.files.entry(file).or_default();
            for line_no in start..=end {
                let slot = entry.entry(line_no).or_default();
                *slot = (*slot).max(hits);
            }
        }
        Ok(coverage)
    }

    pub fn totals(&self) -> CoverageTotals {
        let lines = self.files.values().flat_map(BTreeMap::values);
        CoverageTotals {
            covered: lines.clone().filter(|hits| **hits > 0).count() as u64,
            instrumented: lines.count() as u64,
        }
    }

    /// Coverage of `changed` lines (path → line numbers); lines no tool instruments (blank,
    /// comments, declarations) do not count either way.
    pub fn of_lines(&self, changed: &BTreeMap<String, BTreeSet<u32>>) -> ChangedCoverage {
        let mut result = ChangedCoverage::default();
        for (file, lines) in changed {
            let Some(hits) = self.files.get(file) else {
                continue;
            };
            for line in lines {
                match hits.get(line) {
                    Some(0) => {
                        result.totals.instrumented += 1;
                        result.uncovered.push((file.clone(), *line));
                    }
                    Some(_) => {
                        result.totals.instrumented += 1;
                        result.totals.covered += 1;
                    }
                    None => {}
                }
            }
        }
        result
    }
}

fn relative(path: &str, project: &Path) -> String {
    let path = Path::new(path);
    path.strip_prefix(project)
        .unwrap_or(path)
        .to_string_lossy()
        .trim_start_matches("./")
        .to_owned()
}

/// `a.rs:3-5, 9` — uncovered lines grouped into ranges per file, at most `max` ranges.
pub fn describe_lines(lines: &[(String, u32)], max: usize) -> String {
    let mut ranges: Vec<(String, u32, u32)> = Vec::new();
    for (file, line) in lines {
        match ranges.last_mut() {
            Some((last_file, _, end)) if last_file == file && *end + 1 == *line => *end = *line,
            _ => ranges.push((file.clone(), *line, *line)),
        }
    }
    let shown: Vec<String> = ranges
        .iter()
        .take(max)
        .map(|(file, start, end)| {
            if start == end {
                format!("{file}:{start}")
            } else {
                format!("{file}:{start}-{end}")
            }
        })
        .collect();
    let mut text = shown.join(", ");
    if ranges.len() > max {
        text.push_str(&format!(" and {} more", ranges.len() - max));
    }
    text
}

#[cfg(test)]
#[path = "coverage_report_tests.rs"]
mod tests;
