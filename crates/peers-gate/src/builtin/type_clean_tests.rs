//! type-clean on sample projects: mypy and tsc clean and failing, languages not applicable.

use super::*;
use crate::builtin::samples::{SampleRepo, tool_available};
use crate::verdict::Verdict;

#[test]
fn mypy_reports_a_wrong_return_type() {
    if !tool_available("mypy") {
        return;
    }
    let repo = SampleRepo::python(false);
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(pass, "{text}");
    repo.write("typed.py", "def name() -> int:\n    return \"peers\"\n");
    repo.commit("wrong type");
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(!pass);
    assert!(
        text.contains("typed.py:2:12: error: Incompatible return value type"),
        "{text}"
    );
}

#[test]
fn tsc_reports_a_type_error_and_plain_js_is_not_applicable() {
    if !tool_available("tsc") {
        return;
    }
    let repo = SampleRepo::js_node(false);
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(
        pass && text.contains("not applicable: plain JavaScript"),
        "{text}"
    );
    repo.write(
        "tsconfig.json",
        "{\"compilerOptions\": {\"strict\": true, \"noEmit\": true, \"skipLibCheck\": true, \"lib\": [\"es2020\"], \"types\": []}, \"files\": [\"app.ts\"]}\n",
    )
    .write("app.ts", "export const count: number = 1;\n");
    repo.commit("typescript");
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(pass, "{text}");
    repo.write("app.ts", "export const count: number = \"one\";\n");
    repo.commit("wrong type");
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(!pass);
    assert!(text.contains("app.ts(1,14): error TS2322"), "{text}");
}

#[test]
fn rust_and_go_are_not_applicable_and_a_bad_checker_is_rejected() {
    let repo = SampleRepo::new().with_param("lang", serde_json::json!(["rust", "go"]));
    repo.write("README.md", "x\n");
    repo.commit("x");
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(pass, "{text}");
    assert!(text.starts_with("rust: not applicable"), "{text}");
    let repo = repo.with_param("checker", serde_json::json!("pytype"));
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(!pass && text.contains("params.checker must be"), "{text}");
}

/// A type error already at the baseline does not count; a new one does.
#[test]
fn mypy_counts_only_errors_new_since_the_baseline() {
    if !tool_available("mypy") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "mypy must be on PATH in CI"
        );
        eprintln!("!!! SKIPPED: mypy is not on PATH");
        return;
    }
    let repo = SampleRepo::python(false);
    repo.write("typed.py", "def name() -> int:\n    return \"peers\"\n");
    repo.commit("an old type error");
    repo.tag_baseline();
    repo.write(
        "typed.py",
        "def size() -> int:\n    return 3\n\n\ndef name() -> int:\n    return \"peers\"\n",
    );
    repo.commit("lines move");
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(pass, "{text}");
    repo.write(
        "typed.py",
        "def size() -> int:\n    return \"three\"\n\n\ndef name() -> int:\n    return \"peers\"\n",
    );
    repo.commit("a new type error");
    let Verdict {
        pass,
        diagnostic: text,
    } = type_clean(&repo.context());
    assert!(!pass, "{text}");
    assert!(text.contains("1 new finding(s)"), "{text}");
    assert!(text.contains("typed.py:2:12"), "{text}");
}
