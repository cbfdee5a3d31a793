//! `no-secrets-committed`: each detector, false positives it must not raise, the allowlist,
//! and leaks found only in history. Every fake secret is assembled at run time so this file
//! passes the gate it tests.

use peers_core::goals::BuiltinGate;
use serde_json::json;

use super::detectors::{Detectors, high_entropy_tokens, redact, shannon_entropy};
use crate::builtin::test_repo::{GateRepo, joined};

fn aws() -> String {
    joined(&["AKIA", "Q3ZJ7T2W5NXR4LMB"])
}

fn labels(path: &str, line: &str) -> Vec<&'static str> {
    Detectors::new(true)
        .unwrap()
        .scan_line(path, line)
        .into_iter()
        .map(|hit| hit.label)
        .collect()
}

#[test]
fn every_provider_format_is_recognised() {
    let body = joined(&["a8K2mQ9xL4pR", "7vT1nB6cZ3w", "Y5sD0fG2hJ4kL"]);
    let cases = [
        (
            joined(&["-----BEGIN RSA PRIV", "ATE KEY-----"]),
            "private-key",
        ),
        (
            joined(&["-----BEGIN OPENSSH PRIV", "ATE KEY-----"]),
            "private-key",
        ),
        (format!("key = {}", aws()), "aws-access-key"),
        (joined(&["token: gh", "p_", &body]), "github-token"),
        (joined(&["github", "_pat_", &body]), "github-token"),
        (
            joined(&["glp", "at-", "x7Hq2LmZ9p", "R4vT1nB6cW"]),
            "gitlab-token",
        ),
        (
            joined(&["xo", "xb-", "1234567890-abcdefghij"]),
            "slack-token",
        ),
        (joined(&["s", "k-proj-", &body]), "openai-key"),
        (joined(&["s", "k-", &body]), "openai-key"),
        (joined(&["s", "k-ant-api03-", &body]), "anthropic-key"),
        (
            joined(&["AI", "za", "SyA1b2C3d4E5f6G7h8", "I9j0KlMnOpQrStUvW"]),
            "google-api-key",
        ),
        (
            joined(&["db_pass", "word = \"hunter22\""]),
            "password-assignment",
        ),
    ];
    for (line, label) in &cases {
        assert_eq!(labels("src/config.py", line).first(), Some(label), "{line}");
    }
    assert_eq!(
        labels(".env", &joined(&["STRIPE_API_", "KEY=rk_live_51Habc"])),
        ["password-assignment"]
    );
}

#[test]
fn placeholders_hashes_and_identifiers_are_not_secrets() {
    let quiet = [
        ("src/a.py", "password = os.environ[\"DB_PASSWORD\"]"),
        ("src/a.py", "api_key = \"<your-api-key>\""),
        ("src/a.py", "secret = \"changeme\""),
        (
            "fixtures/a.jsonl",
            "{\"apiKeySource\":\"ANTHROPIC_API_KEY\"}",
        ),
        (
            "src/goals.rs",
            "Self::NoSecretsCommitted => \"no-secrets-committed\",",
        ),
        ("src/a.py", "password_env = \"DB_PASS\""),
        ("README.md", "export AWS_KEY=AKIAIOSFODNN7EXAMPLE"),
        (
            "Cargo.lock",
            "checksum = \"4f8a1c2d9e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f\"",
        ),
        (
            "src/main.rs",
            "let commit = \"4f8a1c2d9e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f\";",
        ),
        (
            "src/lib.rs",
            "fn handleUserAccountRegistration2Request() {}",
        ),
        (
            "src/lib.rs",
            "let id = \"123e4567-e89b-12d3-a456-426614174000\";",
        ),
        (
            "web/app.js",
            "import x from \"https://cdn.example.org/lib/v2/Module.js\";",
        ),
    ];
    for (path, line) in quiet {
        assert!(
            labels(path, line).is_empty(),
            "{path}: {line} -> {:?}",
            labels(path, line)
        );
    }
}

#[test]
fn entropy_flags_random_tokens_and_long_hex_next_to_key_words() {
    let random = joined(&["q9X2mZ7vB4", "nL1kP8wR5t"]);
    let hex = joined(&["9f86d081884c7d659a2f", "eaa0c55ad015a3bf4f1b"]);
    assert_eq!(
        high_entropy_tokens(&format!("x = \"{random}\"")),
        std::slice::from_ref(&random)
    );
    assert!(high_entropy_tokens(&format!("sum = \"{hex}\"")).is_empty());
    assert_eq!(
        high_entropy_tokens(&format!("token = \"{}\"", &hex[..32])).len(),
        1
    );
    assert!(shannon_entropy("aaaaaaaa") < 0.01);
    let line = format!("x = \"{random}\"");
    let hits = Detectors::new(false).unwrap().scan_line("a.py", &line);
    assert!(!hits.iter().any(|h| h.label == "high-entropy-string"));
}

#[test]
fn redaction_shows_only_a_prefix_and_the_length() {
    assert_eq!(redact(&aws()), "AKIA… (20 chars)");
}

#[test]
fn a_secret_in_the_tree_fails_and_the_diagnostic_never_shows_it() {
    let repo = GateRepo::new();
    repo.write("src/app.py", "print(1)\n");
    repo.baseline();
    repo.write("src/app.py", &format!("print(1)\nKEY = \"{}\"\n", aws()));
    repo.commit("config\n\nPeer: claude\n");
    let verdict = repo.run(BuiltinGate::NoSecretsCommitted, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("src/app.py:2: aws-access-key AKIA… (20 chars)"),
        "{}",
        verdict.diagnostic
    );
    assert!(!verdict.diagnostic.contains(&aws()));
}

#[test]
fn a_secret_removed_again_is_still_in_history() {
    let repo = GateRepo::new();
    repo.write("README.md", "x\n");
    repo.baseline();
    repo.write(
        "deploy.sh",
        &format!("export AWS_ACCESS_KEY_ID={}\n", aws()),
    );
    let sha = repo.commit("deploy\n\nPeer: claude\n");
    repo.remove("deploy.sh");
    repo.commit("oops\n\nPeer: claude\n");
    let verdict = repo.run(BuiltinGate::NoSecretsCommitted, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict.diagnostic.contains(&format!(
            "deploy.sh:1 (added in {}, no longer in the tree): aws-access-key",
            &sha[..7]
        )),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn the_allowlist_under_peers_allows_exact_entries_only() {
    let repo = GateRepo::new();
    repo.write(".gitignore", ".peers/\n").write(
        "tests/fixtures/keys.txt",
        &format!("{}\n{}\n", aws(), aws().replace('Q', "P")),
    );
    repo.baseline();
    repo.write(
        ".peers/secrets-allowlist",
        "# fixtures\ntests/fixtures/keys.txt:1:aws-access-key\n",
    );
    let verdict = repo.run(BuiltinGate::NoSecretsCommitted, json!({}));
    assert!(!verdict.pass);
    assert!(
        !verdict.diagnostic.contains("keys.txt:1:"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        verdict.diagnostic.contains("keys.txt:2:"),
        "{}",
        verdict.diagnostic
    );
    repo.write(
        ".peers/secrets-allowlist",
        "tests/fixtures/keys.txt:*:aws-access-key\n",
    );
    let verdict = repo.run(BuiltinGate::NoSecretsCommitted, json!({}));
    assert!(verdict.pass, "{}", verdict.diagnostic);
    repo.write(".peers/secrets-allowlist", "keys.txt aws\n");
    let verdict = repo.run(BuiltinGate::NoSecretsCommitted, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains(".peers/secrets-allowlist:1: expected `path:line:label`"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn a_clean_repository_passes_and_exclude_skips_paths() {
    let repo = GateRepo::new();
    repo.write("src/lib.rs", "pub fn a() {}\n").write(
        "vendor/keys.pem",
        &joined(&["-----BEGIN EC PRIV", "ATE KEY-----\n"]),
    );
    repo.baseline();
    let verdict = repo.run(
        BuiltinGate::NoSecretsCommitted,
        json!({"exclude": ["vendor/"]}),
    );
    assert!(verdict.pass, "{}", verdict.diagnostic);
    let verdict = repo.run(BuiltinGate::NoSecretsCommitted, json!({}));
    assert!(
        !verdict.pass
            && verdict
                .diagnostic
                .contains("vendor/keys.pem:1: private-key"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn mangled_symbols_and_coverage_reports_are_not_secrets() {
    // Regression: peers' own LCOV fixture (Rust v0 symbol names) was flagged as a secret.
    assert!(super::detectors::high_entropy_tokens("FN:3,_RNvCs5eEpA1b2C3_4calc3add").is_empty());
    assert!(
        super::detectors::high_entropy_tokens("_ZN4core3fmt9Formatter3pad17h0a1B2c3D4e5F6g7E")
            .is_empty()
    );
    let random = "tok: AbC9xYz1QwErTy7UiOp3AsDf";
    assert!(
        !super::detectors::high_entropy_tokens(random).is_empty(),
        "a random token is still flagged"
    );
}
