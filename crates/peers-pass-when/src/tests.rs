//! Behaviour of `pass_when` through its public API: operators, precedence, truthiness, every
//! function and method, json navigation and run-time errors.

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{EvalError, EvalInput, JsonLoadError, JsonLoader, PassWhen, parse};

/// Serves fixed documents and counts reads.
struct FakeLoader {
    reads: Cell<usize>,
}

impl JsonLoader for FakeLoader {
    fn load(&self, relative_path: &str) -> Result<serde_json::Value, JsonLoadError> {
        self.reads.set(self.reads.get() + 1);
        match relative_path {
            "report.json" => Ok(json!({
                "totals": {"pass": 10, "fail": 0, "ratio": 0.5, "name": "suite", "ok": true,
                           "skipped": null, "big": 18446744073709551615u64},
                "items": [1, "two", {"three": 3}],
                "tags": {"slow": 1},
                "empty": [],
            })),
            "count.json" => Ok(json!(3)),
            other => Err(JsonLoadError::Unreadable(
                format!("no such file: {other}").into(),
            )),
        }
    }
}

const STDOUT: &str = "5 passed, 1 skipped\n  OK  \n";
const STDERR: &str = "warning: 2 deprecated\n";

fn evaluate_with(source: &str, exit_code: Option<i32>, stdout: &str) -> Result<bool, EvalError> {
    let when = parse(source).unwrap_or_else(|e| panic!("{source}: {e} ({:?})", e.hint));
    let loader = FakeLoader {
        reads: Cell::new(0),
    };
    let input = EvalInput {
        exit_code,
        stdout,
        stderr: STDERR,
        stdout_truncation: None,
        stderr_truncation: None,
        json_loader: &loader,
        deadline: None,
    };
    when.evaluate(&input)
}

fn holds(source: &str) -> bool {
    evaluate_with(source, Some(0), STDOUT).unwrap_or_else(|e| panic!("{source}: {e}"))
}

fn eval_error(source: &str) -> String {
    match evaluate_with(source, Some(0), STDOUT) {
        Err(error) => error.to_string(),
        Ok(result) => panic!("{source}: expected an error, got {result}"),
    }
}

#[test]
fn default_goals_of_the_original_tool() {
    assert!(holds("exit_code == 0"));
    assert!(holds("exit_code == 0 and 'passed' in stdout"));
    assert!(holds(r"regex(r'(\d+) passed', stdout) is not None"));
    assert!(!evaluate_with("exit_code == 0", Some(1), STDOUT).unwrap());
    assert!(!evaluate_with("exit_code == 0 and 'passed' in stdout", Some(0), "failed").unwrap());
    assert!(!evaluate_with(r"regex(r'(\d+) passed', stdout) is not None", Some(0), "").unwrap());
}

#[test]
fn every_comparison_operator() {
    for source in [
        "1 == 1",
        "1 != 2",
        "1 < 2",
        "2 <= 2",
        "3 > 2",
        "3 >= 3",
        "'a' < 'b'",
        "'ab' > 'a'",
        "'é' > 'z'",
        "1 == 1.0",
        "1 < 1.5",
        "True == 1",
        "None == None",
        "'ok' in 'token'",
        "'x' not in 'abc'",
        "None is None",
        "exit_code is not None",
        "True is True",
        "1 is not True",
        "'5' != 5",
        "stdout == stdout",
    ] {
        assert!(holds(source), "{source}");
    }
    for source in [
        "1 == 2",
        "2 < 1",
        "'b' <= 'a'",
        "None == 0",
        "'' in 'abc' and 1 > 2",
    ] {
        assert!(!holds(source), "{source}");
    }
}

#[test]
fn chained_comparisons_hold_only_when_every_link_does() {
    assert!(holds("0 <= exit_code < 3"));
    assert!(holds("1 < 2 < 3 < 4"));
    assert!(!holds("1 < 3 < 2"));
    assert!(holds("1 == 1.0 != 2"));
    // Python stops at the first false link, so the `None` is never ordered.
    assert!(!holds("1 > 2 < None"));
}

#[test]
fn truthiness_follows_python() {
    for source in [
        "not ''",
        "not 0",
        "not 0.0",
        "not None",
        "not regex('zzz', stdout)",
        "not ''.split()",
        "not json('report.json').empty",
        "('' or 'x') == 'x'",
        "(0 and 1) == 0",
        "(None or 0) == 0",
        "('a' and 'b') == 'b'",
        "not not stdout",
        "(regex('passed', stdout) and True) is True",
    ] {
        assert!(holds(source), "{source}");
    }
}

#[test]
fn and_or_short_circuit_before_errors() {
    assert!(holds("exit_code == 0 or int('x') == 1"));
    assert!(!holds("exit_code == 1 and int('x') == 1"));
}

#[test]
fn precedence_matches_python() {
    assert!(holds("not 1 == 2"), "not binds looser than ==");
    assert!(
        holds("True or False and False"),
        "and binds tighter than or"
    );
    assert!(holds("False and False or True"));
    assert!(holds("-1 + 2 == 1"));
    assert!(holds("-(1 + 2) == -3"));
    assert!(holds("not 'x' in stdout"));
    assert!(holds("1 + 2 == 3 and 'a' + 'b' == 'ab'"));
}

#[test]
fn addition_and_negation() {
    for source in [
        "'a' + 'b' == 'ab'",
        "1 + 2 == 3",
        "1 + 0.5 == 1.5",
        "True + 1 == 2",
        "-1 < 0",
        "-exit_code == 0",
        "-1.5 < -1",
        "- -1 == 1",
        "-True == -1",
        "len('a b'.split() + 'c'.split()) == 3",
        "stdout + '' == stdout",
    ] {
        assert!(holds(source), "{source}");
    }
    assert!(
        eval_error("json('report.json').totals.name + 1 == 1").contains("cannot add str and int")
    );
    assert!(
        eval_error("-json('report.json').totals.name == 1")
            .contains("unary '-' needs a number, not str")
    );
}

#[test]
fn regex_search_and_groups() {
    for source in [
        r"regex(r'(\d+) passed', stdout).group(1) == '5'",
        r"regex(r'(\d+) passed', stdout).group() == '5 passed'",
        r"regex(r'(\d+) passed', stdout).group(0) == '5 passed'",
        r"regex(r'(?P<count>\d+) skipped', stdout).group('count') == '1'",
        r"regex(r'(x)?OK', stdout).group(1) is None",
        r"regex('(\d+) ' + 'passed', stdout) is not None",
        r"regex('(?m)^  OK  $', stdout) is not None",
        r"int(regex(r'warning: (\d+)', stderr).group(1)) < 3",
    ] {
        assert!(holds(source), "{source}");
    }
    assert!(eval_error("regex('zzz', stdout).group(1) == 'a'").contains("found no match"));
    assert!(
        eval_error("regex('(a)', 'a').group(2) == 'a'")
            .contains("no such group: 2 (the pattern has 1 groups)")
    );
    assert!(eval_error("regex('a', 'a').group('x') == 'a'").contains("no group named \"x\""));
    assert!(eval_error("regex('(' + '', stdout) is None").contains("invalid regex"));
    assert!(
        eval_error("regex('a', exit_code) is None")
            .contains("regex() text must be a string, not int")
    );
}

#[test]
fn conversions() {
    for source in [
        "int('  42 ') == 42",
        "int('-7') == -7",
        "int('+7') == 7",
        "int('1_000') == 1000",
        "int(3.9) == 3",
        "int(-3.9) == -3",
        "int(True) == 1",
        "float('1.5') == 1.5",
        "float(2) == 2.0",
        "float(' 1e3 ') == 1000",
        "float('inf') > 1e308",
        "len('héllo') == 5",
        "len(stdout.splitlines()) == 2",
        "len('') == 0",
        "len(json('report.json').items) == 3",
        "len(json('report.json').totals) == 7",
    ] {
        assert!(holds(source), "{source}");
    }
    assert!(eval_error("int('4 2') == 42").contains("int() cannot parse \"4 2\" as an integer"));
    assert!(eval_error("int('99999999999999999999') == 1").contains("too large"));
    assert!(
        eval_error("int(exit_code) == 1 or int(None) == 1")
            .contains("int() needs a string or a number, not None")
    );
    assert!(eval_error("float('x') == 1").contains("float() cannot parse"));
    assert!(eval_error("len(exit_code) == 1").contains("len() needs a string"));
}

#[test]
fn string_methods() {
    for source in [
        "'  a  '.strip() == 'a'",
        "'xxaxx'.strip('x') == 'a'",
        "'  a'.lstrip() == 'a'",
        "'a  '.rstrip() == 'a'",
        "'--a'.lstrip('-') == 'a'",
        "'a--'.rstrip('-') == 'a'",
        "'AbC'.lower() == 'abc'",
        "'AbC'.upper() == 'ABC'",
        "'b' in 'a,b'.split(',')",
        "len('a,,b'.split(',')) == 3",
        "len(' a  b '.split()) == 2",
        "'a b'.split() == 'a  b'.split(None)",
        "stdout.startswith('5 passed')",
        "stdout.endswith('OK  \\n')",
        "stdout.splitlines() == stdout.rstrip('\\n').splitlines()",
        "'OK' in stdout.upper().split()",
        "'  OK  ' in stdout.splitlines()",
        "stderr.strip().endswith('deprecated')",
    ] {
        assert!(holds(source), "{source}");
    }
    assert!(eval_error("'a,b'.split('') == 1").contains("separator must not be empty"));
    assert!(
        eval_error("'a'.strip(1) == 'a'").contains(".strip() needs a string argument, not int")
    );
    assert!(
        eval_error("json('report.json').totals.pass.strip() == 'a'")
            .contains(".strip() needs a string, not int")
    );
}

#[test]
fn json_views_navigate_fields() {
    for source in [
        "json('report.json').totals.pass == 10",
        "json('report.json').totals.fail == 0",
        "json('report.json').totals.ratio < 1",
        "json('report.json').totals.ok",
        "json('report.json').totals.ok is True",
        "json('report.json').totals.skipped is None",
        "json('report.json').totals.big > 1e19",
        "json('report.json').totals.name.upper() == 'SUITE'",
        "'two' in json('report.json').items",
        "1 in json('report.json').items",
        "'slow' in json('report.json').tags",
        "'fast' not in json('report.json').tags",
        "json('report.json').totals == json('report.json').totals",
        "json('report.json').tags != json('report.json').totals",
        "json('count.json') == 3",
    ] {
        assert!(holds(source), "{source}");
    }
}

#[test]
fn json_errors_name_the_path_and_the_fix() {
    assert_eq!(
        eval_error("json('report.json').totals.passed == 10"),
        "column 28: '.totals' has no field 'passed'; did you mean 'pass'?"
    );
    assert_eq!(
        eval_error("json('report.json').nothing == 1"),
        "column 21: the json document has no field 'nothing'; fields: totals, items, tags, empty"
    );
    assert_eq!(
        eval_error("json('report.json').totals.pass.count == 1"),
        "column 33: cannot read '.count': '.totals.pass' is a number"
    );
    assert!(
        eval_error("json('report.json').items.first == 1").contains("arrays cannot be indexed")
    );
    assert_eq!(
        eval_error("json('missing.json').a == 1"),
        "column 1: json(\"missing.json\"): no such file: missing.json"
    );
    assert!(
        eval_error("json('count.json').a == 1")
            .contains("'.a' reads a json field, but the value is int 3")
    );
    assert!(eval_error("json('..' + '/x.json') == 1").contains("has .. component"));
}

#[test]
fn each_json_file_is_read_once_per_evaluation() {
    let when =
        parse("json('report.json').totals.pass == 10 and json('report.json').totals.fail == 0")
            .unwrap();
    let loader = FakeLoader {
        reads: Cell::new(0),
    };
    let input = EvalInput {
        exit_code: Some(0),
        stdout: "",
        stderr: "",
        stdout_truncation: None,
        stderr_truncation: None,
        json_loader: &loader,
        deadline: None,
    };
    assert!(when.evaluate(&input).unwrap());
    assert_eq!(loader.reads.get(), 1);
}

#[test]
fn killed_command_has_no_exit_code() {
    assert!(evaluate_with("exit_code is None", None, "").unwrap());
    assert!(!evaluate_with("exit_code == 0", None, "").unwrap());
    let error = evaluate_with("exit_code < 2", None, "").unwrap_err();
    assert_eq!(
        error.to_string(),
        "column 11: '<' is not supported between None and int (exit_code is None: the command was killed or timed out)"
    );
}

#[test]
fn non_bool_result_is_an_evaluation_error() {
    assert_eq!(
        eval_error("exit_code == 0 and stdout"),
        "pass_when must produce True or False, but produced str \"5 passed, 1 skipped\\n  OK  \\n\""
    );
    assert!(eval_error("json('report.json').totals.pass").contains("produced int 10"));
}

#[test]
fn expressions_may_span_lines() {
    assert!(holds("exit_code == 0\n  and 'passed'\n  in stdout"));
    assert!(holds("'5 passed, 1\n    skipped' in stdout"));
}

#[test]
fn adjacent_string_literals_join() {
    assert!(holds("'pa' 'ssed' in stdout"));
}

#[test]
fn large_output_is_searched_quickly() {
    let stdout = "y".repeat(1 << 20);
    let when = parse("'x' in stdout or regex(r'(\\d+) passed', stdout) is not None").unwrap();
    let loader = FakeLoader {
        reads: Cell::new(0),
    };
    let input = EvalInput {
        exit_code: Some(0),
        stdout: &stdout,
        stderr: "",
        stdout_truncation: None,
        stderr_truncation: None,
        json_loader: &loader,
        deadline: None,
    };
    let started = Instant::now();
    for _ in 0..20 {
        assert!(!when.evaluate(&input).unwrap());
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn parsed_expression_is_shareable_and_keeps_its_source() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PassWhen>();
    let when = parse("exit_code == 0").unwrap();
    assert_eq!(when.source(), "exit_code == 0");
    assert_eq!(when, parse("exit_code == 0").unwrap());
    assert_ne!(when, parse("exit_code == 1").unwrap());
}
