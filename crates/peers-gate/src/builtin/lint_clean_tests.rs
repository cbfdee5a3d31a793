//! lint-clean on the sample projects: clean, one finding, a missing linter.

use crate::verdict::Verdict;
use std::path::Path;

use super::*;
use crate::builtin::GateContext;
use crate::builtin::samples::{SampleRepo, tool_available};

fn lint(repo: &SampleRepo) -> Verdict {
    lint_clean(&repo.context())
}

#[test]
fn clippy_denies_warnings_and_names_the_line() {
    if !tool_available("cargo-clippy") {
        return;
    }
    let repo = SampleRepo::rust(false);
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(pass, "{text}");
    repo.write(
        "src/extra.rs",
        "pub fn total(values: &Vec<i32>) -> i32 {\n    values.iter().sum()\n}\n",
    );
    let lib = std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap();
    repo.write("src/lib.rs", &format!("pub mod extra;\n{lib}"));
    repo.commit("ptr arg");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass, "{text}");
    assert!(text.contains("src/extra.rs:1:"), "{text}");
}

#[test]
fn ruff_reports_an_unused_import_by_file_and_line() {
    if !tool_available("ruff") {
        return;
    }
    let repo = SampleRepo::python(false);
    assert!(lint(&repo).pass, "{}", lint(&repo).diagnostic);
    repo.write(
        "calc.py",
        "import os\n\n\ndef add(a, b):\n    return a + b\n\n\ndef double(a):\n    return a * 2\n",
    );
    repo.commit("unused import");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass);
    assert!(text.contains("calc.py:1:8: F401"), "{text}");
}

#[test]
fn eslint_reports_findings_and_a_missing_configuration() {
    if !tool_available("eslint") {
        return;
    }
    let repo = SampleRepo::js_node(false);
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass && text.contains("add an eslint.config.js"), "{text}");
    repo.write(
        "eslint.config.js",
        "module.exports = [{ rules: { 'no-unused-vars': 'error' } }];\n",
    );
    repo.commit("eslint config");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(pass, "{text}");
    repo.write("extra.js", "const unused = 1;\n");
    repo.commit("unused");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
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
    assert!(lint(&repo).pass);
    repo.write(
        "print.go",
        "package sample\n\nimport \"fmt\"\n\nfunc Show() {\n\tfmt.Printf(\"%d\\n\", \"text\")\n}\n",
    );
    repo.commit("bad verb");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass);
    assert!(text.contains("print.go:6:"), "{text}");
}

#[test]
fn a_missing_linter_fails_with_its_install_command() {
    let mut repo = SampleRepo::python(false);
    repo.set_path(Path::new("/nonexistent"));
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass);
    assert_eq!(text, "python: ruff is not installed: pip install ruff");
}

#[test]
fn location_lines_are_path_colon_number() {
    assert!(is_location_line("src/a.rs:3:5: error: x"));
    assert!(!is_location_line("error: could not compile `x`"));
    assert!(!is_location_line("note: see https://x:80"));
}

fn skip_loudly(tool: &str) -> bool {
    !tool_available(tool)
}

fn absolute(repo: &SampleRepo) -> Verdict {
    let mut params = repo.params.clone();
    params.insert("mode".to_owned(), serde_json::json!("absolute"));
    lint_clean(&GateContext {
        params: &params,
        ..repo.context()
    })
}

/// Existing code starts green: a finding already at the baseline is not counted even when
/// lines above it move; a new one fails alone; `mode: absolute` counts them all.
#[test]
fn ruff_counts_only_findings_new_since_the_baseline() {
    if skip_loudly("ruff") {
        return;
    }
    let repo = SampleRepo::python(false);
    let calc =
        "import os\n\n\ndef add(a, b):\n    return a + b\n\n\ndef double(a):\n    return a * 2\n";
    repo.write("calc.py", calc);
    repo.commit("an old unused import");
    repo.tag_baseline();
    repo.write("calc.py", &format!("\"\"\"Calculator.\"\"\"\n\n{calc}"));
    repo.commit("docstring");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(pass, "{text}");
    assert!(text.contains("no new finding since the baseline"), "{text}");
    assert!(text.contains("1 already there"), "{text}");
    let Verdict {
        pass,
        diagnostic: text,
    } = absolute(&repo);
    assert!(!pass && text.contains("F401"), "{text}");
    repo.write(
        "calc.py",
        &format!(
            "\"\"\"Calculator.\"\"\"\n\n{}",
            calc.replace("    return a * 2", "    import sys\n    return a * 2")
        ),
    );
    repo.commit("a new unused import");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass, "{text}");
    assert!(text.contains("1 new finding(s)"), "{text}");
    assert!(text.contains("`sys` imported but unused"), "{text}");
    assert!(!text.contains("`os` imported but unused"), "{text}");
    let mut params = repo.params.clone();
    params.insert("mode".to_owned(), serde_json::json!("everything"));
    let Verdict {
        pass,
        diagnostic: text,
    } = lint_clean(&GateContext {
        params: &params,
        ..repo.context()
    });
    assert!(!pass && text.contains("params.mode must be"), "{text}");
}

#[test]
fn clippy_counts_only_lints_new_since_the_baseline() {
    if skip_loudly("cargo-clippy") {
        return;
    }
    let repo = SampleRepo::rust(false);
    let extra = "pub fn total(values: &Vec<i32>) -> i32 {\n    values.iter().sum()\n}\n";
    repo.write("src/extra.rs", extra);
    let lib = std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap();
    repo.write("src/lib.rs", &format!("pub mod extra;\n{lib}"));
    repo.commit("an old lint");
    repo.tag_baseline();
    repo.write(
        "src/extra.rs",
        &format!("/// Three.\npub fn three() -> i32 {{\n    3\n}}\n\n{extra}"),
    );
    repo.commit("lines move");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(pass, "{text}");
    repo.write(
        "src/extra.rs",
        &format!("{extra}\npub fn count(values: &Vec<u8>) -> usize {{\n    values.len()\n}}\n"),
    );
    repo.commit("a new lint");
    let Verdict {
        pass,
        diagnostic: text,
    } = lint(&repo);
    assert!(!pass, "{text}");
    assert!(text.contains("1 new finding(s)"), "{text}");
    assert!(text.contains("src/extra.rs:5:"), "{text}");
}
