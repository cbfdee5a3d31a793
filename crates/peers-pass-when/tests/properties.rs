//! Property tests of the `pass_when` parser and evaluator through the public API: whatever the
//! source and the output, a value or an error comes back (never a panic). Case counts are modest
//! (`CASES`) so `cargo test` stays fast; `scripts/fuzz` runs the long mutation campaigns.

use peers_pass_when::{self as pass_when, EvalInput, JsonLoadError, JsonLoader};
use proptest::prelude::*;

const CASES: u32 = 96;

struct NoJson;

impl JsonLoader for NoJson {
    fn load(&self, _: &str) -> Result<serde_json::Value, JsonLoadError> {
        Err(JsonLoadError::Unreadable(
            "no files in property tests".into(),
        ))
    }
}

/// Short expressions from the DSL's own vocabulary (deep nesting is `pass_when`'s own tests').
fn dsl_expression() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "exit_code",
        "stdout",
        "stderr",
        "==",
        "!=",
        "<",
        ">=",
        "and",
        "or",
        "not",
        "in",
        "(",
        ")",
        "[",
        "]",
        ",",
        ".",
        "0",
        "1",
        "-1",
        "2.5",
        "'ok'",
        "\"x\"",
        "len",
        "re",
        "search",
        "strip",
        "lower",
        "splitlines",
        "json",
        "True",
        "False",
        "None",
        "+",
        "*",
        "%",
        "'a\\'b'",
        "contains",
        "count",
        "[0]",
        "[-1]",
        "[1:]",
    ]);
    prop::collection::vec(token, 0..14).prop_map(|tokens| tokens.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn pass_when_parses_or_errs_and_what_parses_evaluates(
        source in prop_oneof![dsl_expression(), "\\PC{0,60}"],
        stdout in "\\PC{0,80}",
        exit_code in prop::option::of(-3i32..300),
    ) {
        if let Ok(parsed) = pass_when::parse(&source) {
            let input = EvalInput {
                exit_code,
                stdout: &stdout,
                stderr: "",
                stdout_truncation: None,
                stderr_truncation: None,
                json_loader: &NoJson,
                deadline: None,
            };
            let _ = parsed.evaluate(&input);
        }
    }
}
