//! `no-stubs` on small repositories per language: placeholders added since the baseline fail
//! with file:line, the same placeholders already in the baseline do not.

use crate::verdict::Verdict;
use peers_core::goals::BuiltinGate;
use serde_json::json;

use super::*;
use crate::builtin::test_repo::{GateRepo, joined};

/// Marker words are spelt at run time so this file passes its own gate.
fn expand(text: &str) -> String {
    text.replace("@TD", &joined(&["TO", "DO"]))
        .replace("@FM", &joined(&["FIX", "ME"]))
        .replace("@tdm", &joined(&["to", "do"]))
        .replace("@unimpl", &joined(&["unimpl", "emented"]))
}

fn gate(repo: &GateRepo, params: serde_json::Value) -> Verdict {
    repo.run(BuiltinGate::NoStubs, params)
}

#[test]
fn rust_placeholders_added_since_the_baseline_fail_with_file_and_line() {
    let repo = GateRepo::new();
    repo.write("Cargo.toml", "[package]\nname = \"x\"\n")
        .write("src/lib.rs", &expand("pub fn old() { @tdm!() }\n"));
    repo.baseline();
    repo.write(
        "src/lib.rs",
        &expand("pub fn old() { @tdm!() }\npub fn new() -> u8 {\n    @unimpl!(\"later\")\n}\n// @TD: tidy\n"),
    );
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains("src/lib.rs:3: unimplemented! macro"),
        "{diagnostic}"
    );
    assert!(
        diagnostic.contains(&expand("src/lib.rs:5: @TD marker")),
        "{diagnostic}"
    );
    assert!(
        !diagnostic.contains("src/lib.rs:1:"),
        "the baseline's placeholder is not judged: {diagnostic}"
    );
}

#[test]
fn honest_rust_code_passes() {
    let repo = GateRepo::new();
    repo.write("src/lib.rs", "pub fn a() -> u8 { 1 }\n");
    repo.baseline();
    repo.write(
        "src/lib.rs",
        "pub fn a() -> u8 { 1 }\n/// Returns two; `TODOS` is a word.\npub fn b() -> u8 { 2 }\n",
    );
    repo.commit("add b\n\nPeer: claude\n");
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(pass, "{diagnostic}");
}

#[test]
fn python_stub_bodies_and_not_implemented_fail_but_abstract_methods_pass() {
    let repo = GateRepo::new();
    repo.write("pkg/mod.py", "def keep():\n    return 1\n");
    repo.baseline();
    repo.write(
        "pkg/mod.py",
        "import abc\n\ndef keep():\n    pass\n\nclass A(abc.ABC):\n    @abc.abstractmethod\n    def run(self):\n        raise NotImplementedError\n\ndef later():\n    raise NotImplementedError(\"soon\")\n",
    );
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains("pkg/mod.py:4: `def keep` (line 3) has an empty body"),
        "{diagnostic}"
    );
    assert!(
        diagnostic.contains("pkg/mod.py:12: raise NotImplementedError"),
        "{diagnostic}"
    );
    assert!(
        !diagnostic.contains("pkg/mod.py:9:"),
        "abstract method spared: {diagnostic}"
    );
}

#[test]
fn python_test_doubles_may_have_empty_bodies() {
    let repo = GateRepo::new();
    repo.write("tests/test_a.py", "def test_a():\n    assert True\n");
    repo.baseline();
    repo.write(
        "tests/test_a.py",
        "class FakeLog:\n    def write(self, line):\n        pass\n\ndef test_a():\n    assert FakeLog() is not None\n",
    );
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(pass, "{diagnostic}");
}

#[test]
fn js_and_go_placeholders_fail_in_untracked_files_too() {
    let repo = GateRepo::new();
    repo.write("README.md", "x\n");
    repo.baseline();
    repo.write(
        "web/app.ts",
        "export function f(): number {\n  throw new Error(\"Not implemented\");\n}\n",
    )
    .write(
        "main.go",
        &expand("package main\n\nfunc F() {\n\tpanic(\"@TD: write F\")\n}\n"),
    );
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains("web/app.ts:2: throw of a not-implemented Error"),
        "{diagnostic}"
    );
    assert!(
        diagnostic.contains("main.go:4: panic with a not-implemented message"),
        "{diagnostic}"
    );
}

#[test]
fn lang_and_exclude_params_narrow_the_scan() {
    let repo = GateRepo::new();
    repo.write("README.md", "x\n");
    repo.baseline();
    repo.write(
        "main.go",
        "package main\n\nfunc F() {\n\tpanic(\"not implemented\")\n}\n",
    )
    .write("fixtures/stub.py", "def f():\n    pass\n");
    let Verdict { pass, diagnostic } =
        gate(&repo, json!({"lang": ["python"], "exclude": ["fixtures/"]}));
    assert!(pass, "{diagnostic}");
    let Verdict { pass, diagnostic } = gate(&repo, json!({"lang": ["cobol"]}));
    assert!(!pass);
    assert!(
        diagnostic.contains("unknown language 'cobol'"),
        "{diagnostic}"
    );
}

#[test]
fn a_missing_baseline_fails_closed_with_the_fix() {
    let repo = GateRepo::new();
    repo.write("a.rs", "fn a() {}\n");
    repo.commit("a\n\nPeer: claude\n");
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(diagnostic.contains("`peers init` tags it"), "{diagnostic}");
}

#[test]
fn markers_count_in_comments_not_in_strings() {
    let repo = GateRepo::new();
    repo.write("src/lib.rs", "pub fn a() {}\n");
    repo.baseline();
    repo.write(
        "src/lib.rs",
        &expand("pub fn a() {}\npub const HELP: &str = \"@TD markers fail\";\n/* block\n   @FM later */\n"),
    );
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains(&expand("src/lib.rs:4: @FM marker")),
        "{diagnostic}"
    );
    assert!(!diagnostic.contains("src/lib.rs:2:"), "{diagnostic}");
}

#[test]
fn markers_are_whole_upper_case_words() {
    assert!(contains_word(&expand("// @TD: x"), &expand("@TD")));
    assert!(!contains_word(&expand("let @TDS = 1;"), &expand("@TD")));
    assert!(!contains_word(&expand("my_@TD"), &expand("@TD")));
    assert!(contains_word(&expand("x(@FM)"), &expand("@FM")));
}

/// A function whose logic was replaced by the value its test expects fails the gate in every
/// language, named with file, line and function.
#[test]
fn constant_stubs_fail_in_python_rust_js_and_go() {
    let cases = [
        (
            "calc/__init__.py",
            "def add(a, b):\n    return a + b\n",
            "def add(a, b):\n    return 5\n",
            "calc/__init__.py:1: `add` now returns only constants (5)",
        ),
        (
            "src/lib.rs",
            "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
            "pub fn add(a: i32, b: i32) -> i32 {\n    5\n}\n",
            "src/lib.rs:1: `add` now returns only constants (5)",
        ),
        (
            "src/calc.js",
            "export function add(a, b) {\n  return a + b;\n}\n",
            "export function add(a, b) {\n  return 5;\n}\n",
            "src/calc.js:1: `add` now returns only constants (5)",
        ),
        (
            "calc/calc.go",
            "package calc\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
            "package calc\n\nfunc Add(a, b int) int {\n\treturn 5\n}\n",
            "calc/calc.go:3: `Add` now returns only constants (5)",
        ),
    ];
    for (path, before, now, expected) in cases {
        let repo = GateRepo::new();
        repo.write(path, before);
        repo.baseline();
        repo.write(path, now);
        repo.commit("simplify\n\nPeer: claude\n");
        let Verdict { pass, diagnostic } = gate(&repo, json!({}));
        assert!(!pass, "{path}: {diagnostic}");
        assert!(diagnostic.contains(expected), "{path}: {diagnostic}");
    }
}

/// The gate judges the change: an existing no-op hook and a new function returning a constant
/// pass, and so does a stub left in a test double.
#[test]
fn existing_no_op_hooks_and_new_constant_functions_pass() {
    let repo = GateRepo::new();
    repo.write(
        "src/lib.rs",
        "pub fn on_event(_event: &str) {}\npub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    )
    .write(
        "tests/fake.py",
        "def fetch(url):\n    return download(url)\n",
    );
    repo.baseline();
    repo.write(
        "src/lib.rs",
        "pub fn on_event(_event: &str) {}\npub fn add(a: i32, b: i32) -> i32 {\n    a.wrapping_add(b)\n}\npub fn default_port() -> u16 {\n    8080\n}\n",
    )
    .write("tests/fake.py", "def fetch(url):\n    return \"<html/>\"\n");
    repo.commit("port\n\nPeer: claude\n");
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(pass, "{diagnostic}");
}
