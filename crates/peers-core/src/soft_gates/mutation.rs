//! Mutation sampling, the pure part: the mutants one changed source line admits (a comparison
//! flipped, a condition negated, `&&`/`||` swapped, a boolean or integer constant changed, a
//! returned value replaced), a seeded sample of them, and the report of a sampled run.
//! Operators are textual and skip string literals; `<`/`>` only count between spaces, so a
//! generic such as `Vec<u8>` is never mistaken for a comparison.

use serde::{Deserialize, Serialize};

/// What a mutant changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MutationKind {
    FlipComparison,
    NegateCondition,
    SwapLogic,
    FlipBoolean,
    ShiftConstant,
    ReplaceReturn,
}

impl MutationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FlipComparison => "flip comparison",
            Self::NegateCondition => "negate condition",
            Self::SwapLogic => "swap logic operator",
            Self::FlipBoolean => "flip boolean",
            Self::ShiftConstant => "shift constant",
            Self::ReplaceReturn => "replace return value",
        }
    }
}

/// One mutant: a whole line replaced.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mutant {
    pub path: String,
    /// 1-based line number in the file.
    pub line: u32,
    pub kind: MutationKind,
    pub original: String,
    pub mutated: String,
}

impl Mutant {
    pub fn describe(&self) -> String {
        format!(
            "{}:{}: {}: `{}` → `{}`",
            self.path,
            self.line,
            self.kind.as_str(),
            self.original.trim(),
            self.mutated.trim()
        )
    }
}

/// Whether `path` is a test file, whose lines are not mutated (the tests judge the mutants).
pub fn is_test_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.split('/').any(|part| {
        matches!(
            part,
            "tests" | "test" | "__tests__" | "testdata" | "spec" | "benches"
        )
    }) || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_test.go")
        || name.ends_with("_tests.rs")
        || name.contains(".test.")
        || name.contains(".spec.")
}

/// Source files whose lines are mutated, by extension.
fn language(path: &str) -> Option<Lang> {
    let ext = path.rsplit_once('.')?.1;
    match ext {
        "py" => Some(Lang::Python),
        "rs" => Some(Lang::Rust),
        "go" => Some(Lang::Go),
        "js" | "mjs" | "cjs" | "ts" | "jsx" | "tsx" => Some(Lang::Js),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    Rust,
    Go,
    Js,
}

/// Every mutant of one line of `path` (none for tests, comments, unknown languages).
pub fn candidates(path: &str, line_no: u32, line: &str) -> Vec<Mutant> {
    let Some(lang) = language(path) else {
        return Vec::new();
    };
    if is_test_path(path) {
        return Vec::new();
    }
    let trimmed = line.trim_start();
    if trimmed.is_empty()
        || trimmed.starts_with("//")
        || trimmed.starts_with('#')
        || trimmed.starts_with("/*")
        || trimmed.starts_with('*')
    {
        return Vec::new();
    }
    let code = code_mask(line);
    let mut out = Vec::new();
    let mut push = |kind: MutationKind, mutated: String| {
        if mutated != line {
            out.push(Mutant {
                path: path.to_owned(),
                line: line_no,
                kind,
                original: line.to_owned(),
                mutated,
            });
        }
    };
    for (from, to) in [
        ("==", "!="),
        ("!=", "=="),
        ("<=", ">"),
        (">=", "<"),
        (" < ", " >= "),
        (" > ", " <= "),
    ] {
        for at in occurrences(line, &code, from) {
            // Part of a longer operator (`===`, `!==`, `<<=`, `>>=`): left alone.
            let before = at.checked_sub(1).map(|i| line.as_bytes()[i]);
            if !from.starts_with(' ')
                && (before.is_some_and(|b| b"=!<>".contains(&b))
                    || line[at + from.len()..].starts_with('='))
            {
                continue;
            }
            push(MutationKind::FlipComparison, replace_at(line, at, from, to));
        }
    }
    let logic: &[(&str, &str)] = if lang == Lang::Python {
        &[(" and ", " or "), (" or ", " and ")]
    } else {
        &[("&&", "||"), ("||", "&&")]
    };
    for (from, to) in logic {
        for at in occurrences(line, &code, from) {
            push(MutationKind::SwapLogic, replace_at(line, at, from, to));
        }
    }
    let booleans: &[(&str, &str)] = if lang == Lang::Python {
        &[("True", "False"), ("False", "True")]
    } else {
        &[("true", "false"), ("false", "true")]
    };
    for (from, to) in booleans {
        for at in words(line, &code, from) {
            push(MutationKind::FlipBoolean, replace_at(line, at, from, to));
        }
    }
    for (at, digits) in integers(line, &code) {
        if let Ok(value) = digits.parse::<u64>() {
            let shifted = value.saturating_add(1).to_string();
            push(
                MutationKind::ShiftConstant,
                replace_at(line, at, digits, &shifted),
            );
        }
    }
    if let Some(mutated) = negate_condition(line, lang) {
        push(MutationKind::NegateCondition, mutated);
    }
    if let Some(mutated) = replace_return(line, lang) {
        push(MutationKind::ReplaceReturn, mutated);
    }
    out
}

/// `true` for each byte of `line` outside string literals (double quotes; single quotes in
/// Python and JS are strings too, but in Rust they start lifetimes and chars, so they are
/// left alone there: a lone `'` would hide the rest of the line).
fn code_mask(line: &str) -> Vec<bool> {
    let mut mask = Vec::with_capacity(line.len());
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for byte in line.bytes() {
        match quote {
            Some(q) => {
                mask.push(false);
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == q {
                    quote = None;
                }
            }
            None => {
                if byte == b'"' || byte == b'`' {
                    quote = Some(byte);
                    mask.push(false);
                } else {
                    mask.push(true);
                }
            }
        }
    }
    mask
}

fn occurrences(line: &str, code: &[bool], needle: &str) -> Vec<usize> {
    line.match_indices(needle)
        .map(|(at, _)| at)
        .filter(|at| code[*at..*at + needle.len()].iter().all(|c| *c))
        .collect()
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn words(line: &str, code: &[bool], word: &str) -> Vec<usize> {
    let bytes = line.as_bytes();
    occurrences(line, code, word)
        .into_iter()
        .filter(|at| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + word.len()).copied();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        })
        .collect()
}

/// Decimal integer literals standing alone (not part of a name, a float or a hex literal).
fn integers<'a>(line: &'a str, code: &[bool]) -> Vec<(usize, &'a str)> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() || !code[at] {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at).copied();
        let standalone = !before.is_some_and(|b| is_ident(b) || b == b'.')
            && !after.is_some_and(|b| is_ident(b) || b == b'.');
        if standalone {
            out.push((start, &line[start..at]));
        }
    }
    out
}

fn replace_at(line: &str, at: usize, from: &str, to: &str) -> String {
    format!("{}{to}{}", &line[..at], &line[at + from.len()..])
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

fn negate_condition(line: &str, lang: Lang) -> Option<String> {
    let body = line.trim();
    let lead = indent(line);
    if lang == Lang::Python {
        for keyword in ["if ", "elif ", "while "] {
            if let Some(rest) = body.strip_prefix(keyword) {
                let cond = rest.strip_suffix(':')?.trim();
                return Some(format!("{lead}{keyword}not ({cond}):"));
            }
        }
        return None;
    }
    for keyword in ["if ", "} else if ", "while "] {
        let Some(rest) = body.strip_prefix(keyword) else {
            continue;
        };
        let cond = rest.strip_suffix('{')?.trim_end();
        if cond.is_empty() || cond.starts_with("let ") {
            return None;
        }
        let negated = match cond.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
            Some(inner) if lang == Lang::Js => format!("(!({inner}))"),
            _ if lang == Lang::Js => return None,
            _ => format!("!({cond})"),
        };
        return Some(format!("{lead}{keyword}{negated} {{"));
    }
    None
}

fn replace_return(line: &str, lang: Lang) -> Option<String> {
    let body = line.trim();
    let lead = indent(line);
    let value = body.strip_prefix("return ")?;
    match lang {
        Lang::Python if !value.is_empty() && value != "None" => Some(format!("{lead}return None")),
        Lang::Js => {
            let value = value.strip_suffix(';').unwrap_or(value).trim();
            (!value.is_empty() && value != "undefined").then(|| format!("{lead}return undefined;"))
        }
        // Rust and Go: a typed return has no value that fits every type.
        _ => None,
    }
}

/// `count` mutants drawn from `candidates` without replacement, the same for the same seed
/// and candidates (their order is normalised first). Fewer when there are fewer candidates.
pub fn sample(mut candidates: Vec<Mutant>, count: usize, seed: u64) -> Vec<Mutant> {
    candidates.sort();
    candidates.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.mutated == b.mutated);
    let mut rng = SplitMix64(seed);
    let take = count.min(candidates.len());
    for i in 0..take {
        let left = (candidates.len() - i) as u64;
        let pick = i + usize::try_from(rng.next() % left).unwrap_or(0);
        candidates.swap(i, pick);
    }
    candidates.truncate(take);
    candidates
}

/// The splitmix64 generator: small, and the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// One sampled run of the mutants of a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationReport {
    /// The judged commit.
    pub head: String,
    /// The commit the changed lines were read against.
    pub base: String,
    pub seed: u64,
    /// Mutants the changed lines admit.
    pub candidates: usize,
    /// Mutants run to an outcome.
    pub run: usize,
    /// Mutants some test caught (the command failed or timed out).
    pub killed: usize,
    /// Sampled mutants left unrun when the time budget ran out.
    pub not_run: usize,
    /// The survivors, described (`path:line: kind: \`old\` → \`new\``).
    pub survivors: Vec<String>,
    /// Why nothing could be judged (the unmutated tests fail, the tree could not be made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    pub pass: bool,
}

impl MutationReport {
    /// The kill ratio, `None` when no mutant ran.
    pub fn kill_ratio(&self) -> Option<f64> {
        (self.run > 0).then(|| self.killed as f64 / self.run as f64)
    }

    /// Decides `pass` from the counts: at least `min_kill_ratio` killed; nothing to mutate
    /// passes (there is nothing to judge); a problem fails.
    pub fn decide(&mut self, min_kill_ratio: f64) {
        self.pass = self.problem.is_none()
            && match self.kill_ratio() {
                Some(ratio) => ratio >= min_kill_ratio,
                None => self.candidates == 0,
            };
    }

    pub fn line(&self) -> String {
        let short = self.head.get(..8).unwrap_or(&self.head);
        if let Some(problem) = &self.problem {
            return format!("{short}: {problem}");
        }
        if self.candidates == 0 {
            return format!("{short}: no mutable source line changed since the base");
        }
        let mut line = format!(
            "{short}: killed {}/{} sampled mutants (seed {}, {} candidates)",
            self.killed, self.run, self.seed, self.candidates
        );
        if self.not_run > 0 {
            line.push_str(&format!("; {} not run (time budget)", self.not_run));
        }
        if !self.survivors.is_empty() {
            line.push_str("; survived: ");
            line.push_str(&self.survivors.join("; "));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutated(path: &str, line: &str) -> Vec<String> {
        candidates(path, 1, line)
            .into_iter()
            .map(|m| m.mutated)
            .collect()
    }

    #[test]
    fn comparisons_conditions_logic_constants_and_returns_are_mutated() {
        assert_eq!(
            mutated("src/a.py", "    if n > 10 and ok:"),
            [
                "    if n <= 10 and ok:",
                "    if n > 10 or ok:",
                "    if n > 11 and ok:",
                "    if not (n > 10 and ok):",
            ]
        );
        assert_eq!(mutated("src/a.py", "    return total"), ["    return None"]);
        assert_eq!(
            mutated("src/lib.rs", "    if a == b || done {"),
            [
                "    if a != b || done {",
                "    if a == b && done {",
                "    if !(a == b || done) {"
            ]
        );
        assert_eq!(
            mutated("web/x.js", "  if (x >= 0) {"),
            ["  if (x < 0) {", "  if (x >= 1) {", "  if (!(x >= 0)) {"]
        );
        assert_eq!(mutated("main.go", "\tok := true"), ["\tok := false"]);
    }

    #[test]
    fn generics_strings_comments_tests_and_unknown_files_are_left_alone() {
        assert_eq!(
            mutated("src/lib.rs", "let v: Vec<u8> = Vec::new();"),
            Vec::<String>::new()
        );
        assert_eq!(
            mutated("src/lib.rs", r#"let s = "a == b";"#),
            Vec::<String>::new()
        );
        assert_eq!(
            mutated("src/lib.rs", "// if a == b {"),
            Vec::<String>::new()
        );
        assert_eq!(
            mutated("tests/t.rs", "assert!(a == b);"),
            Vec::<String>::new()
        );
        assert_eq!(mutated("src/test_x.py", "x = 1"), Vec::<String>::new());
        assert_eq!(mutated("README.md", "a == b"), Vec::<String>::new());
        assert_eq!(
            mutated("src/a.rs", "let x = 1.5 + v2 + 0x10;"),
            Vec::<String>::new()
        );
        assert_eq!(mutated("src/a.js", "if (a === b) {"), ["if (!(a === b)) {"]);
    }

    #[test]
    fn sampling_is_deterministic_for_a_seed_and_independent_of_input_order() {
        let mut all: Vec<Mutant> = (1..=20)
            .flat_map(|n| candidates("src/a.py", n, &format!("x = {n} == y")))
            .collect();
        let one = sample(all.clone(), 5, 7);
        all.reverse();
        assert_eq!(sample(all.clone(), 5, 7), one);
        assert_eq!(one.len(), 5);
        assert_ne!(
            sample(all.clone(), 5, 8),
            one,
            "another seed, another sample"
        );
        assert_eq!(sample(all.clone(), 100, 7).len(), all.len());
    }

    #[test]
    fn the_report_passes_at_the_kill_ratio_and_fails_on_a_problem() {
        let mut report = MutationReport {
            head: "abcdef0123".to_owned(),
            base: "base".to_owned(),
            seed: 1,
            candidates: 9,
            run: 4,
            killed: 2,
            not_run: 1,
            survivors: vec!["src/a.py:3: flip boolean: `x = True` → `x = False`".to_owned()],
            problem: None,
            pass: false,
        };
        report.decide(0.5);
        assert!(report.pass);
        report.decide(0.75);
        assert!(!report.pass);
        assert_eq!(
            report.line(),
            "abcdef01: killed 2/4 sampled mutants (seed 1, 9 candidates); 1 not run (time budget); survived: src/a.py:3: flip boolean: `x = True` → `x = False`"
        );
        report.problem = Some("the tests fail without any mutation".to_owned());
        report.decide(0.0);
        assert!(!report.pass);
    }
}
