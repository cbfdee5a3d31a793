//! PLAN.md parsing: the example parses to what it says, and every error has a snapshot of the
//! exact message, line and hint a user sees.

use super::*;

const EXAMPLE: &str = include_str!("../../modes/implement/PLAN.example.md");

fn shown(text: &str) -> String {
    shown_bytes(text.as_bytes())
}

fn shown_bytes(bytes: &[u8]) -> String {
    match parse(bytes) {
        Ok(plan) => format!("parsed: {} steps", plan.steps.len()),
        Err(error) => format!(
            "error: {error}\nhint: {}",
            error.hint.as_deref().unwrap_or("(none)")
        ),
    }
}

/// The example with `from` replaced by `to` (once), to make one error at a time.
fn broken(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "example lacks {from:?}");
    EXAMPLE.replacen(from, to, 1)
}

#[test]
fn the_example_parses_to_its_steps_and_meta() {
    let plan = parse(EXAMPLE.as_bytes()).unwrap();
    assert_eq!(plan.title, "Word count for the notes CLI");
    assert_eq!(plan.meta.surfaces, vec![Surface::Cli]);
    assert_eq!(plan.meta.acceptance, "./scripts/accept.sh");
    assert_eq!(plan.meta.convergence_n, 3);
    assert_eq!(plan.steps.len(), 3);
    assert_eq!(
        plan.steps[0].touches,
        vec!["src/count.rs", "tests/count.rs"]
    );
    assert_eq!(plan.steps[1].depends, vec![1]);
    assert_eq!(plan.steps[1].line, 18);
    assert!(plan.steps[2].pure_documentation);
    assert_eq!(plan.architecture.len(), 1);
    assert_eq!(plan.input_domains.len(), 1);
    assert_eq!(plan.done_count(), 0);
}

/// The README shows the example verbatim; a changed example must still validate.
#[test]
fn the_readme_example_is_the_example_and_parses() {
    let readme = include_str!("../../../../README.md");
    let block = readme
        .split("<!-- plan-example -->\n```markdown\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n").next())
        .expect("the README has the plan example");
    assert_eq!(block, EXAMPLE);
    assert!(parse(block.as_bytes()).is_ok());
}

#[test]
fn marks_and_shas_are_read_and_only_x_is_done() {
    let text = EXAMPLE
        .replace(
            "- [ ] [STEP-1] Count words in a string",
            "- [X] [STEP-1] Count words in a string (ABCDEF1)",
        )
        .replace("- [ ] [STEP-2]", "- [PARTIAL] [STEP-2]")
        .replace("- [ ] [STEP-3]", "- [BLOCKED-ACK] [STEP-3]");
    let plan = parse(text.as_bytes()).unwrap();
    assert_eq!(plan.steps[0].mark, StepMark::Done);
    assert_eq!(plan.steps[0].sha.as_deref(), Some("abcdef1"));
    assert_eq!(plan.steps[0].text, "Count words in a string");
    assert_eq!(plan.steps[1].mark, StepMark::Partial);
    assert_eq!(plan.steps[2].mark, StepMark::BlockedAck);
    assert_eq!(plan.done_count(), 1, "PARTIAL and BLOCKED-ACK are not done");
    assert_eq!(done_steps(text.as_bytes()), Some(1));
}

#[test]
fn a_hash_in_the_acceptance_command_is_kept() {
    let text = broken(
        "acceptance: ./scripts/accept.sh",
        "acceptance: test \"$(cat out)\" = '#1' # not a comment",
    );
    let plan = parse(text.as_bytes()).unwrap();
    assert_eq!(
        plan.meta.acceptance,
        "test \"$(cat out)\" = '#1' # not a comment"
    );
}

#[test]
fn comments_are_stripped_from_other_meta_keys_but_not_inside_brackets() {
    let text = broken(
        "convergence_n: 3",
        "convergence_n: 4 # fewer is fine\nowner: [a#b] # c",
    );
    let plan = parse(text.as_bytes()).unwrap();
    assert_eq!(plan.meta.convergence_n, 4);
    assert_eq!(
        plan.meta.extra.get("owner").map(String::as_str),
        Some("[a#b]")
    );
}

#[test]
fn steps_inside_code_fences_are_not_steps() {
    let text = format!("{EXAMPLE}\n```\n- [ ] [STEP-9] shown as an example\n```\n");
    assert_eq!(parse(text.as_bytes()).unwrap().steps.len(), 3);
}

#[test]
fn set_mark_flips_one_step_and_keeps_the_rest() {
    let text = EXAMPLE.replace("- [ ] [STEP-2]", "- [BLOCKED] [STEP-2]");
    let acked = set_mark(&text, 2, StepMark::Blocked, StepMark::BlockedAck).unwrap();
    assert_eq!(
        acked,
        EXAMPLE.replace("- [ ] [STEP-2]", "- [BLOCKED-ACK] [STEP-2]")
    );
    assert!(set_mark(&text, 1, StepMark::Blocked, StepMark::BlockedAck).is_none());
}

#[test]
fn error_not_utf8() {
    let mut bytes = EXAMPLE.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n- note \xff\xfe\n");
    insta::assert_snapshot!(shown_bytes(&bytes));
}

macro_rules! error_snapshot {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(shown(&$text));
        }
    };
}

error_snapshot!(error_too_large, "# T\n".repeat(600_000));
error_snapshot!(error_empty, "\n\n");
error_snapshot!(
    error_no_title,
    broken("# Word count for the notes CLI", "Word count")
);
error_snapshot!(
    error_duplicate_section,
    format!("{EXAMPLE}\n## Meta\nx: y\n")
);
error_snapshot!(error_no_meta, broken("## Meta", "## Notes"));
error_snapshot!(error_no_steps, broken("## Steps", "## Later"));
error_snapshot!(
    error_meta_not_key_value,
    broken("convergence_n: 3", "converge after three")
);
error_snapshot!(
    error_meta_key_twice,
    broken("convergence_n: 3", "convergence_n: 3\nconvergence_n: 4")
);
error_snapshot!(error_no_surfaces, broken("surfaces: [cli]\n", ""));
error_snapshot!(
    error_empty_surfaces,
    broken("surfaces: [cli]", "surfaces: []")
);
error_snapshot!(
    error_unknown_surface,
    broken("surfaces: [cli]", "surfaces: [cli, tui]")
);
error_snapshot!(
    error_no_acceptance,
    broken("acceptance: ./scripts/accept.sh\n", "")
);
error_snapshot!(
    error_empty_acceptance,
    broken("acceptance: ./scripts/accept.sh", "acceptance:")
);
error_snapshot!(
    error_control_in_acceptance,
    broken("./scripts/accept.sh", "./a\u{7}b")
);
error_snapshot!(
    error_web_needs_e2e,
    broken("surfaces: [cli]", "surfaces: [cli, web]")
);
error_snapshot!(
    error_bad_convergence_n,
    broken("convergence_n: 3", "convergence_n: three")
);
error_snapshot!(
    error_bad_bool,
    broken("convergence_n: 3", "mutation_testing: maybe")
);
error_snapshot!(
    error_steps_empty,
    broken("- [ ] [STEP-1]", "* [ ] first")
        .split("## Steps")
        .next()
        .unwrap_or_default()
        .to_owned()
        + "## Steps\n"
);
error_snapshot!(
    error_malformed_step,
    broken("- [ ] [STEP-1] Count", "- [ ] STEP-1 Count")
);
error_snapshot!(
    error_unknown_mark,
    broken("- [ ] [STEP-1]", "- [done] [STEP-1]")
);
error_snapshot!(
    error_step_without_text,
    broken("- [ ] [STEP-1] Count words in a string", "- [ ] [STEP-1] ")
);
error_snapshot!(
    error_indented_step,
    broken("- [ ] [STEP-3]", "  * [ ] [STEP-3]")
);
error_snapshot!(
    error_key_before_step,
    broken("## Steps\n", "## Steps\n  - touches: a\n")
);
error_snapshot!(
    error_step_key_twice,
    broken(
        "  - rationale: the core",
        "  - touches: x\n  - rationale: the core"
    )
);
error_snapshot!(error_step_gap, broken("[STEP-3]", "[STEP-4]"));
error_snapshot!(
    error_unknown_dependency,
    broken("depends: [STEP-2]", "depends: [STEP-7]")
);
error_snapshot!(
    error_self_dependency,
    broken("depends: [STEP-2]", "depends: [STEP-3]")
);
error_snapshot!(
    error_bad_dependency,
    broken("depends: [STEP-2]", "depends: [soon]")
);
error_snapshot!(
    error_dependency_cycle,
    broken(
        "  - rationale: the core",
        "  - depends: [STEP-3]\n  - rationale: the core"
    )
);
error_snapshot!(
    error_missing_touches,
    broken("  - touches: [src/main.rs, tests/cli.rs]\n", "")
);
error_snapshot!(
    error_bad_step_bool,
    broken("pure_documentation: true", "pure_documentation: often")
);

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Whatever the bytes, parsing returns (no panic), and an error points at a real line.
    #[test]
    fn any_bytes_parse_or_fail_with_a_line(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
    ) {
        if let Err(error) = parse(&bytes) {
            let lines = bytes.split(|b| *b == b'\n').count().max(1);
            let line = error.span.map_or(0, |s| s.line) as usize;
            proptest::prop_assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        }
    }

    /// The example with one line replaced by arbitrary text either still parses or names a
    /// line of the file; its steps never gain a done mark they did not have.
    #[test]
    fn one_changed_line_of_the_example_is_judged(index in 0usize..26, text in "[ -~]{0,40}") {
        let mut lines: Vec<&str> = EXAMPLE.lines().collect();
        let at = index % lines.len();
        lines[at] = &text;
        let changed = lines.join("\n");
        match parse(changed.as_bytes()) {
            Ok(plan) => proptest::prop_assert!(plan.done_count() <= 1),
            Err(error) => proptest::prop_assert!(error.span.is_some()),
        }
    }
}
