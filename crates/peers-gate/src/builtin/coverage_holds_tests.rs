//! coverage-holds: the rule on recorded numbers, and real runs on the Python, JS (c8) and Go
//! samples; Rust's missing cargo-llvm-cov diagnostic for real (this machine cannot install
//! the llvm-tools component, so Rust coverage itself is covered by the LCOV parser tests).

use crate::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::builtin::samples::{SampleRepo, path_with_only, tool_available};

fn lcov(files: &[(&str, &[(u32, u64)])]) -> LineCoverage {
    LineCoverage {
        files: files
            .iter()
            .map(|(file, lines)| ((*file).to_owned(), lines.iter().copied().collect()))
            .collect(),
    }
}

#[test]
fn uncovered_changed_lines_fail_even_when_the_project_holds() {
    let baseline = CoverageTotals {
        covered: 8,
        instrumented: 10,
    };
    let current = lcov(&[(
        "a.py",
        &[
            (1, 1),
            (2, 1),
            (3, 1),
            (4, 1),
            (5, 1),
            (6, 1),
            (7, 1),
            (8, 1),
            (9, 1),
            (10, 0),
            (11, 0),
        ],
    )]);
    let changed = BTreeMap::from([("a.py".to_owned(), BTreeSet::from([10, 11]))]);
    let Verdict {
        pass,
        diagnostic: text,
    } = judge(&baseline, &current, &changed, 0.0);
    assert!(!pass, "{text}");
    assert!(
        text.contains(
            "changed code is covered below the floor 80.0%; add tests that run: a.py:10-11"
        ),
        "{text}"
    );
    let Verdict { pass, .. } = judge(&baseline, &current, &BTreeMap::new(), 0.0);
    assert!(pass, "project 81.8% holds 80%");
}

#[test]
fn a_project_drop_beyond_the_tolerance_fails() {
    let baseline = CoverageTotals {
        covered: 9,
        instrumented: 10,
    };
    let current = lcov(&[(
        "a.go",
        &[
            (1, 1),
            (2, 1),
            (3, 1),
            (4, 1),
            (5, 1),
            (6, 1),
            (7, 1),
            (8, 1),
            (9, 0),
            (10, 0),
        ],
    )]);
    assert!(!judge(&baseline, &current, &BTreeMap::new(), 5.0).pass);
    assert!(judge(&baseline, &current, &BTreeMap::new(), 10.0).pass);
}

const PYTHON_EXTRA: &str = "\n\ndef triple(a):\n    return a * 3\n";

#[test]
fn python_uncovered_new_code_fails_and_tested_new_code_holds() {
    if !tool_available("pytest") {
        return;
    }
    let repo = SampleRepo::python(false);
    repo.tag_baseline();
    let lib = std::fs::read_to_string(repo.path().join("calc.py")).unwrap();
    repo.write("calc.py", &format!("{lib}{PYTHON_EXTRA}"));
    repo.commit("untested triple");
    let Verdict {
        pass,
        diagnostic: text,
    } = coverage_holds(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("add tests that run: calc.py:10"), "{text}");
    repo.write(
        "tests/test_triple.py",
        "from calc import triple\n\n\ndef test_triple():\n    assert triple(2) == 6\n",
    );
    repo.commit("test triple");
    let Verdict {
        pass,
        diagnostic: text,
    } = coverage_holds(&repo.context());
    assert!(pass, "{text}");
}

#[test]
fn python_coverage_exclusions_are_reported_by_line() {
    if !tool_available("pytest") {
        return;
    }
    let repo = SampleRepo::python(false);
    repo.tag_baseline();
    let lib = std::fs::read_to_string(repo.path().join("calc.py")).unwrap();
    repo.write(
        "calc.py",
        &format!("{lib}\n\ndef triple(a):  # pragma: no cover\n    return a * 3\n"),
    );
    repo.commit("hide triple");
    let Verdict {
        pass,
        diagnostic: text,
    } = coverage_holds(&repo.context());
    assert!(!pass, "{text}");
    assert!(
        text.contains("coverage exclusions added since the baseline"),
        "{text}"
    );
    assert!(
        text.contains("calc.py:9: def triple(a):  # pragma: no cover"),
        "{text}"
    );
}

#[test]
fn go_uncovered_new_code_fails() {
    if !tool_available("go") {
        return;
    }
    let repo = SampleRepo::go(false);
    repo.tag_baseline();
    let lib = std::fs::read_to_string(repo.path().join("sum.go")).unwrap();
    repo.write(
        "sum.go",
        &format!("{lib}\nfunc Triple(a int) int {{\n\treturn a * 3\n}}\n"),
    );
    repo.commit("untested Triple");
    let Verdict {
        pass,
        diagnostic: text,
    } = coverage_holds(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("add tests that run: sum.go:"), "{text}");
}

#[test]
fn js_uncovered_new_code_fails_under_c8() {
    if !tool_available("c8") {
        return;
    }
    let repo = SampleRepo::js_node(false);
    repo.tag_baseline();
    let lib = std::fs::read_to_string(repo.path().join("sum.js")).unwrap();
    repo.write(
        "sum.js",
        &format!(
            "{lib}exports.triple = (a) => {{\n  const result = a * 3;\n  return result;\n}};\n"
        ),
    );
    repo.commit("untested triple");
    let Verdict {
        pass,
        diagnostic: text,
    } = coverage_holds(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("add tests that run: sum.js:"), "{text}");
}

#[test]
fn rust_without_cargo_llvm_cov_fails_with_the_install_commands() {
    // A PATH holding cargo and git but no cargo-llvm-cov, whatever this machine has installed.
    let Some(bin) = path_with_only(&["cargo", "git"]) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cargo and git must be on PATH in CI"
        );
        return;
    };
    let mut repo = SampleRepo::rust(false);
    repo.tag_baseline();
    repo.set_path(bin.path());
    let Verdict {
        pass,
        diagnostic: text,
    } = coverage_holds(&repo.context());
    assert!(!pass);
    assert_eq!(
        text,
        "rust: cargo-llvm-cov is not installed: cargo install cargo-llvm-cov && rustup component add llvm-tools-preview"
    );
}
