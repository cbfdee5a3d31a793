//! lint-clean on the sample projects: clean, one finding, a missing linter.

use std::path::Path;

use super::*;
use crate::builtin::samples::{SampleRepo, tool_available};

fn lint(repo: &SampleRepo) -> (bool, String) {
    lint_clean(&repo.context())
}

#[test]
fn clippy_denies_warnings_and_names_the_line() {
    if !tool_available("cargo-clippy") {
        return;
    }
    let repo = SampleRepo::rust(false);
    let (pass, text) = lint(&repo);
    assert!(pass, "{text}");
    repo.write(
        "src/extra.rs",
        "pub fn total(values: &Vec<i32>) -> i32 {\n    values.iter().sum()\n}\n",
    );
    let lib = std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap();
    repo.write("src/lib.rs", &format!("pub mod extra;\n{lib}"));
    repo.commit("ptr arg");
    let (pass, text) = lint(&repo);
    assert!(!pass, "{text}");
    assert!(text.contains("src/extra.rs:1:"), "{text}");
}

#[test]
fn ruff_reports_an_unused_import_by_file_and_line() {
    if !tool_available("ruff") {
        return;
    }
    let repo = SampleRepo::python(false);
    assert!(lint(&repo).0, "{}", lint(&repo).1);
    repo.write(
        "calc.py",
        "import os\n\n\ndef add(a, b):\n    return a + b\n\n\ndef double(a):\n    return a * 2\n",
    );
    repo.commit("unused import");
    let (pass, text) = lint(&repo);
    assert!(!pass);
    assert!(text.contains("calc.py:1:8: F401"), "{text}");
}

#[test]
fn eslint_reports_findings_and_a_missing_configuration() {
    if !tool_available("eslint") {
        return;
    }
    let repo = SampleRepo::js_node(false);
    let (pass, text) = lint(&repo);
    assert!(!pass && text.contains("add an eslint.config.js"), "{text}");
    repo.write(
        "eslint.config.js",
        "module.exports = [{ rules: { 'no-unused-vars': 'error' } }];\n",
    );
    repo.commit("eslint config");
    let (pass, text) = lint(&repo);
    assert!(pass, "{text}");
    repo.write("extra.js", "const unused = 1;\n");
    repo.commit("unused");
    let (pass, text) = lint(&repo);
    assert!(!pass);
    assert!(
        text.contains("extra.js:1:7: 'unused' is assigned a value but never used"),
        "{text}"
    );
}

#[test]
fn go_vet_reports_a_bad_format_verb() {
    if !tool_available("go") {
        return;
    }
    let repo = SampleRepo::go(false);
    assert!(lint(&repo).0);
    repo.write(
        "print.go",
        "package sample\n\nimport \"fmt\"\n\nfunc Show() {\n\tfmt.Printf(\"%d\\n\", \"text\")\n}\n",
    );
    repo.commit("bad verb");
    let (pass, text) = lint(&repo);
    assert!(!pass);
    assert!(text.contains("print.go:6:"), "{text}");
}

#[test]
fn a_missing_linter_fails_with_its_install_command() {
    let mut repo = SampleRepo::python(false);
    repo.set_path(Path::new("/nonexistent"));
    let (pass, text) = lint(&repo);
    assert!(!pass);
    assert_eq!(text, "python: ruff is not installed: pip install ruff");
}

#[test]
fn location_lines_are_path_colon_number() {
    assert!(is_location_line("src/a.rs:3:5: error: x"));
    assert!(!is_location_line("error: could not compile `x`"));
    assert!(!is_location_line("note: see https://x:80"));
}
