//! `tests-no-unjustified-skip-or-fail` on small repositories per language.

use crate::verdict::Verdict;
use peers_core::goals::BuiltinGate;
use serde_json::json;

use crate::builtin::test_repo::GateRepo;

fn gate(repo: &GateRepo, params: serde_json::Value) -> Verdict {
    repo.run(BuiltinGate::TestsNoUnjustifiedSkipOrFail, params)
}

fn with_baseline(files: &[(&str, &str)]) -> GateRepo {
    let repo = GateRepo::new();
    repo.write("README.md", "x\n");
    repo.baseline();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo
}

#[test]
fn rust_ignore_needs_a_reason_string_or_a_comment_of_substance() {
    let repo = with_baseline(&[(
        "tests/it.rs",
        "#[test]\n#[ignore]\nfn a() {}\n\n#[test]\n#[ignore = \"flaky\"]\nfn b() {}\n\n\
         // Needs a running Postgres server; CI runs it with --ignored.\n#[test]\n#[ignore]\nfn c() {}\n\n\
         #[test]\n#[ignore = \"downloads the 2 GB fixture corpus from the release bucket\"]\nfn d() {}\n",
    )]);
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains("tests/it.rs:2: #[ignore] without a reason"),
        "{diagnostic}"
    );
    assert!(
        diagnostic
            .contains("tests/it.rs:6: #[ignore] with a reason that explains nothing: \"flaky\""),
        "{diagnostic}"
    );
    assert!(
        !diagnostic.contains("tests/it.rs:11:") && !diagnostic.contains("tests/it.rs:15:"),
        "{diagnostic}"
    );
}

#[test]
fn python_markers_read_reason_keywords_positional_strings_and_comments() {
    let repo = with_baseline(&[(
        "tests/test_a.py",
        "import pytest, sys\n\n@pytest.mark.skip\ndef test_a(): assert 1\n\n\
         @pytest.mark.xfail(reason=\"wip, fix later\")\ndef test_b(): assert 1\n\n\
         @pytest.mark.skipif(sys.platform == \"win32\", reason=\"uses fork(), which Windows lacks\")\ndef test_c(): assert 1\n\n\
         def test_d():\n    pytest.skip(\"the vendor sandbox API is down until their March migration\")\n\n\
         @pytest.mark.xfail(\n    reason=\"upstream parser bug #123 rejects nested arrays; pinned until 2.1\",\n)\ndef test_e(): assert 1\n",
    )]);
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains("tests/test_a.py:3: skip/xfail marker without a reason"),
        "{diagnostic}"
    );
    assert!(
        diagnostic
            .contains("tests/test_a.py:6: skip/xfail marker with a reason that explains nothing"),
        "{diagnostic}"
    );
    for line in [9, 13, 15] {
        assert!(
            !diagnostic.contains(&format!("tests/test_a.py:{line}:")),
            "{line}: {diagnostic}"
        );
    }
}

#[test]
fn js_skips_need_a_comment_and_only_is_never_allowed() {
    let repo = with_baseline(&[(
        "web/app.test.ts",
        "it.skip('adds numbers', () => {});\n\
         // Safari-only layout bug; tracked upstream as webkit#1234 and re-enabled after their fix.\n\
         xit('renders on Safari', () => {});\n\
         describe.only('parser', () => {});\n\
         test.todo('handles unicode');\n",
    )]);
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic.contains("web/app.test.ts:1: skipped test without a reason"),
        "{diagnostic}"
    );
    assert!(!diagnostic.contains("web/app.test.ts:3:"), "{diagnostic}");
    assert!(
        diagnostic.contains("web/app.test.ts:4: .only/fit/fdescribe runs only this test"),
        "{diagnostic}"
    );
    assert!(
        diagnostic.contains("web/app.test.ts:5: skipped test"),
        "{diagnostic}"
    );
}

#[test]
fn go_skip_reads_its_message() {
    let repo = with_baseline(&[(
        "pkg/a_test.go",
        "package pkg\n\nimport \"testing\"\n\nfunc TestA(t *testing.T) {\n\tt.Skip(\"todo\")\n}\n\n\
         func TestB(t *testing.T) {\n\tif testing.Short() {\n\t\tt.Skipf(\"spins up %d containers; skipped in -short mode\", 3)\n\t}\n}\n",
    )]);
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(!pass);
    assert!(
        diagnostic
            .contains("pkg/a_test.go:6: t.Skip with a reason that explains nothing: \"todo\""),
        "{diagnostic}"
    );
    assert!(!diagnostic.contains("pkg/a_test.go:11:"), "{diagnostic}");
}

#[test]
fn justified_and_preexisting_markers_pass_unless_scope_is_all() {
    let repo = GateRepo::new();
    repo.write("tests/old.rs", "#[test]\n#[ignore]\nfn old() {}\n");
    repo.baseline();
    repo.write(
        "tests/new.rs",
        "#[test]\n#[ignore = \"exercises the real network; run manually before a release\"]\nfn new() {}\n",
    );
    let Verdict { pass, diagnostic } = gate(&repo, json!({}));
    assert!(pass, "{diagnostic}");
    let Verdict { pass, diagnostic } = gate(&repo, json!({"scope": "all"}));
    assert!(!pass);
    assert!(diagnostic.contains("tests/old.rs:2:"), "{diagnostic}");
    let Verdict { pass, diagnostic } = gate(&repo, json!({"scope": "everything"}));
    assert!(!pass && diagnostic.contains("params.scope"), "{diagnostic}");
}
