//! Load-time errors of `pass_when`: each one points at the offending column and says what
//! was expected.

use super::parse;

/// `column N: message`, as the user sees it.
fn error(source: &str) -> String {
    match parse(source) {
        Err(error) => error.to_string(),
        Ok(_) => panic!("{source}: expected a parse error"),
    }
}

fn hint(source: &str) -> String {
    match parse(source) {
        Err(error) => error.hint.unwrap_or_default(),
        Ok(_) => panic!("{source}: expected a parse error"),
    }
}

#[test]
fn empty_expression() {
    assert_eq!(error(""), "column 1: expression is empty");
    assert_eq!(error("  \n  "), "column 1: expression is empty");
}

#[test]
fn unknown_name_with_suggestion() {
    assert_eq!(
        error("exit_code == 0 and exitcode == 1"),
        "column 20: unknown name 'exitcode'"
    );
    assert_eq!(
        hint("exit_code == 0 and exitcode == 1"),
        "did you mean 'exit_code'?"
    );
    assert_eq!(hint("stdout == null"), "did you mean 'None'?");
    assert_eq!(
        error("'a' in cwd"),
        "column 8: 'cwd' is not available in pass_when"
    );
}

#[test]
fn unknown_function_and_misused_names() {
    assert_eq!(
        error("regx('a', stdout) is None"),
        "column 1: unknown function 'regx'"
    );
    assert_eq!(hint("regx('a', stdout) is None"), "did you mean 'regex'?");
    assert_eq!(
        error("regex is None"),
        "column 1: 'regex' is a function; call it as regex(pattern, text)"
    );
    assert_eq!(
        error("stdout() == ''"),
        "column 1: 'stdout' is a value, not a function"
    );
    assert_eq!(
        error("(stdout)('a')"),
        "column 9: only regex, json, int, float and len can be called"
    );
    assert_eq!(
        error("re.search('a', stdout)"),
        "column 1: the 're' module is not available"
    );
}

#[test]
fn wrong_arity() {
    assert_eq!(
        error("regex('a') is None"),
        "column 1: regex() takes 2 arguments but 1 was given"
    );
    assert_eq!(
        hint("regex('a') is None"),
        "call it as regex(pattern, text)"
    );
    assert_eq!(
        error("int() == 1"),
        "column 1: int() takes 1 argument but none were given"
    );
    assert_eq!(
        error("len(stdout, stderr) == 1"),
        "column 1: len() takes 1 argument but 2 were given"
    );
    assert_eq!(
        error("stdout.strip('a', 'b') == ''"),
        "column 8: .strip() takes 0 or 1 arguments but 2 were given"
    );
    assert_eq!(
        error("stdout.lower('a') == ''"),
        "column 8: .lower() takes 0 arguments but 1 was given"
    );
    assert_eq!(
        error("stdout.startswith()"),
        "column 8: .startswith() takes 1 argument but none were given"
    );
    assert_eq!(
        error("regex('a', stdout).group(1, 2) == 'a'"),
        "column 20: .group() takes 0 or 1 arguments but 2 were given"
    );
}

#[test]
fn keyword_arguments() {
    assert_eq!(
        error("regex(pattern='a', text=stdout) is None"),
        "column 7: keyword arguments are not allowed in pass_when"
    );
    assert_eq!(
        hint("regex(pattern='a', text=stdout) is None"),
        "pass 'pattern' by position"
    );
}

#[test]
fn methods_on_the_wrong_type() {
    assert_eq!(
        error("stdout.group(1) == 'a'"),
        "column 8: method '.group()' is not available on a string"
    );
    assert_eq!(
        error("regex('a', stdout).strip() == 'a'"),
        "column 20: method '.strip()' is not available on a regex match or None"
    );
    assert_eq!(
        hint("regex('a', stdout).strip() == 'a'"),
        "take the matched text with .group() or .group(n) first"
    );
    assert_eq!(
        error("exit_code.strip() == ''"),
        "column 11: method '.strip()' is not available on an int or None"
    );
    assert_eq!(
        error("stdout.strp() == ''"),
        "column 8: unknown method '.strp()'"
    );
    assert_eq!(hint("stdout.strp() == ''"), "did you mean '.strip()'?");
    assert!(hint("stdout.replace('a', 'b') == ''").starts_with("available: strip, lstrip"));
    assert_eq!(
        error("stdout.length == 1"),
        "column 8: '.length' reads a json field, but this is a string"
    );
    assert_eq!(
        error("json('a.json')._secret == 1"),
        "column 16: names starting with '_' are not allowed in pass_when"
    );
    assert_eq!(
        error("json('a.json').(1)"),
        "column 16: expected a field or method name after '.', found '('"
    );
}

#[test]
fn subscripts_and_collection_literals() {
    assert_eq!(
        error("len(stdout[0]) == 1"),
        "column 11: subscripts like x[0] are not allowed in pass_when"
    );
    assert_eq!(
        error("'a' in ['a', 'b']"),
        "column 8: list literals are not allowed in pass_when"
    );
    assert_eq!(
        error("'a' in {'a': 1}"),
        "column 8: dict and set literals are not allowed in pass_when"
    );
    assert_eq!(
        error("'a' in ('a', 'b')"),
        "column 12: tuples are not allowed in pass_when"
    );
    assert_eq!(
        error("exit_code == 0, 1"),
        "column 15: tuples are not allowed in pass_when"
    );
}

#[test]
fn parentheses() {
    assert_eq!(
        error("exit_code == 0 and (stdout != ''"),
        "column 33: expected ')' to close '(' at column 20"
    );
    assert_eq!(
        error("int(stdout.strip() == 1"),
        "column 24: expected ')' to close '(' at column 4"
    );
    assert_eq!(
        error("regex('a' stdout)"),
        "column 11: expected ')' to close '(' at column 6"
    );
    assert_eq!(error("exit_code == 0)"), "column 15: unmatched ')'");
    assert_eq!(error("() == 1"), "column 2: expected a value, found ')'");
}

#[test]
fn incomplete_and_run_on_expressions() {
    assert_eq!(
        error("exit_code =="),
        "column 13: expected a value after '=='"
    );
    assert_eq!(
        error("exit_code == 0 and"),
        "column 19: expected a value after 'and'"
    );
    assert_eq!(
        error("exit_code 0"),
        "column 11: expected an operator or the end of the expression, found a number"
    );
    assert_eq!(
        error("exit_code == 0 stdout"),
        "column 16: expected an operator or the end of the expression, found 'stdout'"
    );
    assert_eq!(
        error("not in stdout"),
        "column 5: expected a value, found 'in'"
    );
}

#[test]
fn python_operators_that_are_not_allowed() {
    assert_eq!(
        error("exit_code = 0"),
        "column 11: '=' assigns; use '==' to compare"
    );
    assert_eq!(
        error("exit_code == 0 && 'a' in stdout"),
        "column 16: '&&' is not an operator here; use 'and'"
    );
    assert_eq!(
        error("exit_code == 0 || True"),
        "column 16: '||' is not an operator here; use 'or'"
    );
    assert_eq!(
        error("!stdout"),
        "column 1: '!' is not an operator here; use 'not'"
    );
    assert_eq!(
        error("exit_code - 1 == 0"),
        "column 11: operator '-' is not allowed in pass_when"
    );
    assert_eq!(
        error("exit_code * 2 == 0"),
        "column 11: operator '*' is not allowed in pass_when"
    );
    assert_eq!(
        error("exit_code ** 2 == 0"),
        "column 11: operator '**' is not allowed in pass_when"
    );
    assert_eq!(
        error("+1 == 1"),
        "column 1: unary '+' is not allowed in pass_when"
    );
    assert_eq!(error("(x := 1)"), "column 2: unknown name 'x'");
    assert_eq!(
        error("exit_code := 1"),
        "column 11: assignment expressions (:=) are not allowed in pass_when"
    );
}

#[test]
fn python_constructs_that_are_not_allowed() {
    assert_eq!(
        error("lambda: True"),
        "column 1: 'lambda' is not allowed in pass_when"
    );
    assert_eq!(
        error("True if exit_code == 0 else False"),
        "column 6: conditional expressions are not allowed in pass_when"
    );
    assert_eq!(
        error("f'{stdout}' == ''"),
        "column 1: f-strings are not allowed in pass_when"
    );
    assert_eq!(
        error("stdout == b''"),
        "column 11: bytes literals are not allowed in pass_when"
    );
    assert_eq!(
        error("exit_code == 0 # ok"),
        "column 16: comments ('#') are not allowed in pass_when"
    );
}

#[test]
fn is_compares_only_with_singletons() {
    assert_eq!(
        error("exit_code is 0"),
        "column 11: 'is' only compares with None, True or False"
    );
    assert_eq!(
        error("stdout is not ''"),
        "column 8: 'is not' only compares with None, True or False"
    );
    assert!(parse("None is exit_code").is_ok());
}

#[test]
fn result_must_be_bool() {
    assert_eq!(
        error("exit_code"),
        "column 1: pass_when must produce True or False, but this produces an int or None"
    );
    assert_eq!(hint("exit_code"), "compare it: exit_code == 0");
    assert_eq!(
        error("regex('passed', stdout)"),
        "column 1: pass_when must produce True or False, but this produces a regex match or None"
    );
    assert_eq!(
        hint("regex('passed', stdout)"),
        "compare it: regex(...) is not None"
    );
    assert_eq!(
        error("stdout.strip()"),
        "column 8: pass_when must produce True or False, but this produces a string"
    );
    assert!(parse("stdout.startswith('a')").is_ok());
    assert!(parse("json('r.json').ok").is_ok());
}

#[test]
fn static_type_errors_in_arithmetic() {
    assert_eq!(
        error("stdout + 1 == 'a'"),
        "column 8: cannot add a string and an int"
    );
    assert_eq!(
        error("-stdout == 'a'"),
        "column 1: unary '-' needs a number, but this is a string"
    );
    assert_eq!(
        error("regex('a', stdout) + 1 == 2"),
        "column 20: cannot add a regex match or None and an int"
    );
    assert!(parse("exit_code + 1 == 1").is_ok());
    assert!(parse("json('r.json').a + 'x' == 'y'").is_ok());
}

#[test]
fn literal_limits_and_lexical_errors() {
    assert_eq!(error("stdout == 'abc"), "column 11: unterminated string");
    assert_eq!(hint("stdout == 'abc"), "close the string with '");
    assert_eq!(
        error("exit_code == 1234567890123456789"),
        "column 14: integer literal has 19 digits; at most 18 are allowed"
    );
    let long = format!("'{}' in stdout", "a".repeat(5000));
    let joined = format!("'{}' '{}' in stdout", "a".repeat(5000), "b".repeat(5000));
    assert!(parse(&long).is_ok());
    assert_eq!(
        error(&joined),
        "column 1: string literal is 10000 bytes; at most 8192 are allowed"
    );
}

#[test]
fn regex_patterns_are_checked_at_load_time() {
    assert!(
        error("regex('(unclosed', stdout) is None")
            .starts_with("column 7: invalid regex: regex parse error:")
    );
    assert!(error("regex('(unclosed', stdout) is None").contains("unclosed group"));
    assert_eq!(
        hint("regex('a(?=b)', stdout) is None"),
        "look-around and backreferences are not supported (matching runs in linear time)"
    );
    let pattern = "a".repeat(1025);
    assert_eq!(
        error(&format!("regex('{pattern}', stdout) is None")),
        "column 7: regex pattern is 1025 bytes; at most 1024 are allowed"
    );
    assert!(parse(&format!("regex('{}', stdout) is None", "a".repeat(1024))).is_ok());
}

#[test]
fn json_paths_are_checked_at_load_time() {
    assert_eq!(
        error("json('/etc/passwd').a == 1"),
        "column 6: json() path '/etc/passwd' must be relative to the repository, not absolute"
    );
    assert_eq!(
        error("json('a/../../b.json').a == 1"),
        "column 6: json() path 'a/../../b.json' has .. component; use a plain relative path"
    );
    assert_eq!(
        error("json('a//b.json').a == 1"),
        "column 6: json() path 'a//b.json' has an empty component; use a plain relative path"
    );
    assert_eq!(
        error("json('./b.json').a == 1"),
        "column 6: json() path './b.json' has . component; use a plain relative path"
    );
    assert_eq!(
        error("json('').a == 1"),
        "column 6: json() needs a file path relative to the repository"
    );
}

#[test]
fn columns_count_characters_across_lines() {
    assert_eq!(
        error("exit_code == 0\n  and stdot"),
        "column 22: unknown name 'stdot'"
    );
    assert_eq!(error("'é' == stdot"), "column 8: unknown name 'stdot'");
}
