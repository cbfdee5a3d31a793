//! Tests of the size limits (crafted expressions that used to overflow the stack), the regex
//! size limit, the evaluation deadline and verdicts over truncated output.

use std::time::{Duration, Instant};

use super::limits::{MAX_HEIGHT, MAX_NESTING};
use super::{DslError, EvalError, EvalInput, JsonLoadError, JsonLoader, Truncation, parse};

struct NoFiles;

impl JsonLoader for NoFiles {
    fn load(&self, relative_path: &str) -> Result<serde_json::Value, JsonLoadError> {
        Err(JsonLoadError::Unreadable(
            format!("no file {relative_path}").into(),
        ))
    }
}

fn rejected(source: &str) -> DslError {
    match parse(source) {
        Err(error) => error,
        Ok(_) => panic!("accepted an expression of {} characters", source.len()),
    }
}

fn input<'a>(stdout: &'a str, truncation: Option<Truncation<'a>>) -> EvalInput<'a> {
    EvalInput {
        exit_code: Some(0),
        stdout,
        stderr: "",
        stdout_truncation: truncation,
        stderr_truncation: None,
        json_loader: &NoFiles,
        deadline: None,
    }
}

#[test]
fn crasher_classes_are_errors_at_a_column() {
    let crashers = [
        format!("{}exit_code == 0{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}stdout{} > 0", "len(".repeat(10_000), ")".repeat(10_000)),
        format!("stdout{} == ''", ".strip()".repeat(10_000)),
        format!("{}stdout == ''", "stdout+".repeat(10_000)),
        format!("{}True", "not ".repeat(10_000)),
        format!("{}1 == 1", "-".repeat(10_000)),
        format!("{}1", "- ".repeat(10_000)),
        format!("'{}' in stdout", "a".repeat(40_000)),
    ];
    for source in crashers {
        let error = rejected(&source);
        assert!(error.column >= 1, "{error}");
        assert!(error.hint.is_some(), "{error}");
    }
}

#[test]
fn nesting_and_chains_stop_at_their_limits() {
    let parens = |n: usize| format!("{}exit_code == 0{}", "(".repeat(n), ")".repeat(n));
    assert!(parse(&parens(MAX_NESTING - 2)).is_ok());
    let error = rejected(&parens(MAX_NESTING + 1));
    assert!(error.message.contains("nesting is deeper"), "{error}");
    assert!(
        (MAX_NESTING - 1..=MAX_NESTING + 1).contains(&error.column),
        "{error}"
    );

    let strips = |n: usize| format!("stdout{} == ''", ".strip()".repeat(n));
    assert!(parse(&strips(MAX_HEIGHT - 3)).is_ok());
    let error = rejected(&strips(MAX_HEIGHT + 1));
    assert!(error.message.contains("chained more than"), "{error}");

    let sums = |n: usize| format!("{}stdout == ''", "stdout+".repeat(n));
    assert!(parse(&sums(MAX_HEIGHT - 3)).is_ok());
    assert!(rejected(&sums(MAX_HEIGHT + 1)).message.contains("chained"));

    let nots = |n: usize| format!("{}True", "not ".repeat(n));
    assert!(parse(&nots(MAX_NESTING - 2)).is_ok());
    assert!(rejected(&nots(MAX_NESTING + 1)).message.contains("nesting"));
}

/// Half the default stack of a spawned thread.
const STACK: usize = 1024 * 1024;

/// Anything the parser accepts evaluates within a small stack: recursion is bounded by the
/// tree height the parser allowed.
#[test]
fn the_deepest_accepted_expressions_evaluate_on_a_small_stack() {
    let sources = [
        format!(
            "{}exit_code == 0{}",
            "(".repeat(MAX_NESTING - 2),
            ")".repeat(MAX_NESTING - 2)
        ),
        format!("stdout{} == 'x'", ".strip()".repeat(MAX_HEIGHT - 3)),
        format!("{}stdout != ''", "stdout+".repeat(MAX_HEIGHT - 3)),
        format!("{}True", "not ".repeat(MAX_NESTING - 2)),
    ];
    let expressions: Vec<_> = sources
        .iter()
        .map(|source| parse(source).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            expressions
                .iter()
                .map(|expression| expression.evaluate(&input("x", None)).is_ok())
                .collect::<Vec<bool>>()
        })
        .unwrap();
    assert_eq!(worker.join().unwrap(), vec![true; 4]);
}

#[test]
fn a_regex_over_the_size_limit_is_refused_when_accepted() {
    let error = rejected(r"regex(r'(a{1,100}){1,100}$', stdout) is not None");
    assert!(error.message.contains("compiles to more than"), "{error}");
    assert!(error.hint.unwrap().contains("counted repetitions"));
    assert!(parse(r"regex(r'(a{1,20}){1,5}$', stdout) is not None").is_ok());
    let dynamic = parse("regex('(a{1,100}){1,100}' + stdout, 'a') is None").unwrap();
    let error = dynamic.evaluate(&input("$", None)).unwrap_err();
    assert!(
        error.to_string().contains("compiles to more than"),
        "{error}"
    );
}

#[test]
fn evaluation_stops_at_the_deadline() {
    let expression = parse("'x' in stdout").unwrap();
    let mut late = input("x", None);
    late.deadline = Some(Instant::now() - Duration::from_millis(1));
    let error = expression.evaluate(&late).unwrap_err();
    assert!(error.to_string().contains("time budget"), "{error}");
    let mut early = input("x", None);
    early.deadline = Some(Instant::now() + Duration::from_secs(60));
    assert!(expression.evaluate(&early).unwrap());
}

const MARKER: &str = "\n… [5000000 bytes omitted] …\n";

fn truncated(source: &str) -> Result<bool, EvalError> {
    let stdout = format!("collected 900 items\nstart{MARKER}tail\n3 passed, 0 failed\ndone\n");
    let cut = Truncation {
        marker: MARKER,
        omitted_bytes: 5_000_000,
        cap_mib: 2,
    };
    parse(source).unwrap().evaluate(&input(&stdout, Some(cut)))
}

/// The verdict over truncated output, which must not be an error.
fn decides(source: &str) -> bool {
    truncated(source).unwrap_or_else(|error| panic!("{source}: {error}"))
}

fn fails_closed(source: &str) {
    let error = truncated(source).unwrap_err().to_string();
    assert!(
        error.contains("stdout was truncated") && error.contains("goals.output_cap_mib"),
        "{source}: {error}"
    );
}

#[test]
fn truncated_output_decides_only_what_the_kept_parts_prove() {
    assert!(decides("'3 passed' in stdout"));
    assert!(!decides("'FAILED' not in stdout.lower().upper()"));
    assert!(decides(r"regex(r'done\n$', stdout) is not None"));
    assert!(decides(
        r"regex(r'^collected (\d+)', stdout).group(1) == '900'"
    ));
    assert!(decides("stdout.endswith('done\\n')"));
    assert!(decides("stdout.startswith('collected')"));
    assert!(decides("stdout is not None"));
    assert!(decides("exit_code == 0 or len(stdout) == 0"));
}

#[test]
fn truncated_output_fails_closed_when_the_middle_could_matter() {
    fails_closed("'FAILED' not in stdout");
    fails_closed("'FAILED' in stdout");
    fails_closed(r"regex(r'x{3}$', stdout) is None");
    fails_closed(r"regex(r'(\d+) passed', stdout).group(1) == '3'");
    fails_closed("len(stdout) > 10");
    fails_closed("stdout == 'x'");
    fails_closed("'omitted' in stdout");
    fails_closed("'start\\n…' in stdout");
    fails_closed(r"regex(r'(?m)start$', stdout) is not None");
    fails_closed("'3 passed, 0 failed' in stdout.splitlines()");
    fails_closed("stdout.strip().endswith('0 failed\\ndone\\n' + stdout)");
    fails_closed("int(stdout.strip()) == 0");
    fails_closed(r"regex(r'(\d+) skipped', stdout).group(1) == '0'");
}
