//! Property tests of the `pass_when` parser and evaluator: for any input, `parse` returns (no
//! panic, no stack overflow) with an error column inside the expression, and whatever it
//! accepts evaluates without panicking on a small stack.

use proptest::prelude::*;

use super::{EvalInput, JsonLoadError, JsonLoader, parse};

struct NoFiles;

impl JsonLoader for NoFiles {
    fn load(&self, _: &str) -> Result<serde_json::Value, JsonLoadError> {
        Ok(serde_json::json!({"totals": {"failed": 0}}))
    }
}

/// Fragments of the language (and of Python it rejects), so random joins reach deep into
/// the grammar instead of failing at the first character.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "not ",
    " and ",
    " or ",
    "len(",
    "int(",
    "float(",
    "json('r.json')",
    ".totals",
    ".failed",
    "regex(r'(\\d+) passed', ",
    "regex('a{1,3}', ",
    ".group(1)",
    ".strip()",
    ".lower()",
    ".split()",
    ".splitlines()",
    ".startswith('a')",
    ".endswith('\\n')",
    "stdout",
    "stderr",
    "exit_code",
    " == ",
    " != ",
    " < ",
    " <= ",
    " in ",
    " not in ",
    " is ",
    " is not ",
    "None",
    "True",
    "False",
    "0",
    "-1",
    "1.5",
    "'x'",
    "\"y\"",
    " + ",
    "-",
    ",",
    "[",
    "]",
    "*",
    "#",
    "\n",
    " ",
];

fn expression() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(FRAGMENTS);
    let repeated = (fragment.clone(), 1usize..400).prop_map(|(f, n)| f.repeat(n));
    prop::collection::vec(
        prop_oneof![4 => fragment.prop_map(str::to_owned), 1 => repeated],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn evaluates_on_a_small_stack(source: String) -> bool {
    let worker = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let Ok(expression) = parse(&source) else {
                return true;
            };
            let input = EvalInput {
                exit_code: Some(0),
                stdout: "3 passed\nok\n",
                stderr: "",
                stdout_truncation: None,
                stderr_truncation: None,
                json_loader: &NoFiles,
                deadline: None,
            };
            let _ = expression.evaluate(&input);
            true
        });
    worker.is_ok_and(|handle| handle.join().unwrap_or(false))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_reports_a_column_inside_the_expression(source in expression()) {
        if let Err(error) = parse(&source) {
            let chars = source.chars().count();
            prop_assert!(
                (1..=chars + 1).contains(&error.column),
                "column {} of {} characters: {}", error.column, chars, error.message
            );
        }
    }

    #[test]
    fn whatever_parses_evaluates_without_panicking(source in expression()) {
        prop_assert!(evaluates_on_a_small_stack(source));
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(source in "\\PC{0,200}") {
        let _ = parse(&source);
    }
}
