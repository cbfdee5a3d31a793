//! Constant stubs per language, and the changes that must not be taken for one.

use super::*;

fn found(path: &str, language: Language, before: &str, now: &str) -> Vec<String> {
    compare(path, language, before, now)
        .into_iter()
        .map(|f| format!("{}: {}", f.line, f.message))
        .collect()
}

#[test]
fn python_logic_replaced_by_a_literal_is_flagged() {
    let before = "class Calc:\n    def add(self, a, b):\n        return a + b\n";
    let now = "class Calc:\n    def add(self, a, b):\n        return 5\n";
    let got = found("calc.py", Language::Python, before, now);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("2: `Calc.add` now returns only constants (5)"),
        "{got:?}"
    );
}

#[test]
fn python_lookup_tables_and_case_analysis_are_constants() {
    let before = "def add(a, b):\n    return a + b\n";
    for now in [
        "def add(a, b):\n    return {(2, 3): 5}[(a, b)]\n",
        "def add(a, b):\n    return {2: 5}.get(a, 0)\n",
        "def add(a, b):\n    if a == 2 and b == 3:\n        return 5\n    return 0\n",
        "def add(a, b):\n    return 5 if a == 2 else -1\n",
    ] {
        let got = found("calc.py", Language::Python, before, now);
        assert_eq!(got.len(), 1, "{now}: {got:?}");
    }
}

#[test]
fn rust_tail_match_and_wrapped_constants_are_flagged() {
    let before = "impl Calc {\n    pub fn add(&self, a: i32, b: i32) -> Option<i32> {\n        a.checked_add(b)\n    }\n}\n";
    for now in [
        "impl Calc {\n    pub fn add(&self, a: i32, b: i32) -> Option<i32> {\n        Some(5)\n    }\n}\n",
        "impl Calc {\n    pub fn add(&self, a: i32, b: i32) -> Option<i32> {\n        match (a, b) {\n            (2, 3) => Some(5),\n            _ => None,\n        }\n    }\n}\n",
        "impl Calc {\n    pub fn add(&self, a: i32, b: i32) -> Option<i32> {\n        if a == 2 { return Some(5); }\n        None\n    }\n}\n",
    ] {
        let got = found("src/lib.rs", Language::Rust, before, now);
        assert_eq!(got.len(), 1, "{now}: {got:?}");
        assert!(got[0].contains("`Calc::add`"), "{got:?}");
    }
}

#[test]
fn js_and_ts_constant_stubs_are_flagged() {
    let before =
        "export function add(a, b) {\n  return a + b;\n}\nexport const mul = (a, b) => a * b;\n";
    let now = "export function add(a, b) {\n  return 5;\n}\nexport const mul = (a, b) => ({ '2,3': 6 })[`${a},${b}`];\n";
    let got = found("src/calc.js", Language::Js, before, now);
    assert_eq!(got.len(), 2, "{got:?}");
    let ts_before =
        "export class Calc {\n  add(a: number, b: number): number {\n    return a + b;\n  }\n}\n";
    let ts_now =
        "export class Calc {\n  add(a: number, b: number): number {\n    return 5;\n  }\n}\n";
    let got = found("src/calc.ts", Language::Js, ts_before, ts_now);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("`Calc.add`"), "{got:?}");
}

#[test]
fn go_constant_results_and_methods_are_flagged() {
    let before = "package calc\n\nfunc Add(a, b int) (int, error) {\n\treturn a + b, nil\n}\n\nfunc (c *Calc) Mul(a, b int) int {\n\treturn a * b\n}\n";
    let now = "package calc\n\nfunc Add(a, b int) (int, error) {\n\treturn 5, nil\n}\n\nfunc (c *Calc) Mul(a, b int) int {\n\treturn 6\n}\n";
    let got = found("calc.go", Language::Go, before, now);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().any(|g| g.contains("`Calc.Mul`")), "{got:?}");
}

#[test]
fn a_body_that_stops_using_its_parameters_is_flagged() {
    let before = "fn log(level: u8, line: &str) {\n    if level > 2 {\n        eprintln!(\"{}\", line);\n    }\n}\n";
    let now = "fn log(level: u8, line: &str) {\n    eprintln!(\"ok\");\n}\n";
    let got = found("src/lib.rs", Language::Rust, before, now);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("no longer uses any of its parameters (level, line)")
            || got[0].contains("no longer uses any of its parameters (line, level)"),
        "{got:?}"
    );
}

#[test]
fn honest_changes_are_not_stubs() {
    // A new function with a constant body, an unchanged no-op hook, a real refactor, a
    // constant that was already a constant, parameters used only in a format string.
    let before = "def on_event(event):\n    pass\n\ndef limit():\n    return 10\n\ndef add(a, b):\n    return a + b\n";
    let now = "def on_event(event):\n    pass\n\ndef limit():\n    return 20\n\ndef add(a, b):\n    total = a\n    total += b\n    return total\n\ndef default_port():\n    return 8080\n";
    assert!(found("calc.py", Language::Python, before, now).is_empty());
    let rust_before =
        "fn greet(name: &str) -> String {\n    format!(\"hi {}\", name)\n}\nfn noop(_x: u8) {}\n";
    let rust_now = "fn greet(name: &str) -> String {\n    format!(\"hello {name}\")\n}\nfn noop(_x: u8) {}\nfn default_port() -> u16 {\n    8080\n}\n";
    assert!(found("src/lib.rs", Language::Rust, rust_before, rust_now).is_empty());
    let js_before = "export function label(n) {\n  return `n=${n}`;\n}\n";
    let js_now = "export function label(n) {\n  return `value ${n}`;\n}\nexport function answer() {\n  return 42;\n}\n";
    assert!(found("src/a.js", Language::Js, js_before, js_now).is_empty());
    let go_before = "package a\n\nfunc Size(xs []int) int {\n\treturn len(xs)\n}\n";
    let go_now = "package a\n\nfunc Size(xs []int) int {\n\tn := 0\n\tfor range xs {\n\t\tn++\n\t}\n\treturn n\n}\n\nfunc Port() int {\n\treturn 8080\n}\n";
    assert!(found("a.go", Language::Go, go_before, go_now).is_empty());
}

#[test]
fn lookups_in_module_level_constant_tables_are_constants() {
    let py_before = "def add(a, b):\n    return a + b\n";
    let py_now =
        "_SEEN = {(2, 3): 5}\n_ALSO = _SEEN\n\n\ndef add(a, b):\n    return _ALSO[(a, b)]\n";
    assert_eq!(
        found("calc.py", Language::Python, py_before, py_now).len(),
        1
    );
    let js_before = "export function add(a, b) {\n  return a + b;\n}\n";
    let js_now = "const ANSWERS = { '2+3': 5 };\nexport function add(a, b) {\n  return ANSWERS[`${a}+${b}`];\n}\n";
    assert_eq!(found("calc.js", Language::Js, js_before, js_now).len(), 1);
    let rs_before = "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n";
    let rs_now = "const FIVE: i32 = 5;\npub fn add(a: i32, b: i32) -> i32 {\n    if a > 0 { FIVE } else { -FIVE }\n}\n";
    assert_eq!(
        found("src/lib.rs", Language::Rust, rs_before, rs_now).len(),
        1
    );
    let go_before = "package a\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n";
    let go_now = "package a\n\nvar answers = map[int]int{2: 5}\n\nfunc Add(a, b int) int {\n\treturn answers[a]\n}\n";
    assert_eq!(found("a.go", Language::Go, go_before, go_now).len(), 1);
    // A module variable computed at import time is not a constant.
    let computed = "_CACHE = build_table()\n\n\ndef add(a, b):\n    return _CACHE[(a, b)]\n";
    assert!(found("calc.py", Language::Python, py_before, computed).is_empty());
}
