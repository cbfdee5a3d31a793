//! Hostile input cannot crash, stall or fool the loop: crafted `pass_when` expressions are
//! errors at a column (exit 2, never an abort), and verdicts never rest on truncated output.

use std::path::Path;

use crate::test_env::TestEnv;

fn write_goals(repo: &Path, pass_when: &str) {
    let yaml = format!(
        "goals:\n  - id: t\n    type: hard\n    cmd: 'true'\n    pass_when: |-\n      {pass_when}\n"
    );
    std::fs::write(repo.join(".peers/goals.yaml"), yaml).unwrap();
}

/// Regression: about 5,000 nested `(`, 10,000 nested `len(` or 10,000 chained `.strip()`,
/// `stdout+` or `not` overflowed the stack and aborted `goals accept`, `verify` and `run`.
#[test]
fn crafted_pass_when_expressions_are_errors_at_a_column_never_aborts() {
    let env = TestEnv::new();
    let repo = env.initialised_repo("app");
    let crashers = [
        format!("{}exit_code == 0{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}stdout{} > 0", "len(".repeat(10_000), ")".repeat(10_000)),
        format!("stdout{} == ''", ".strip()".repeat(10_000)),
        format!("{}stdout == ''", "stdout+".repeat(10_000)),
        format!("{}True", "not ".repeat(10_000)),
        format!("stdout{} == ''", ".strip()".repeat(300)),
        format!("{}True", "not ".repeat(300)),
        r"regex(r'(a{1,100}){1,100}$', stdout) is not None".to_owned(),
    ];
    for pass_when in &crashers {
        write_goals(&repo, pass_when);
        for args in [&["goals", "accept"][..], &["verify"][..]] {
            let out = env.peers(&repo, args);
            let head: String = pass_when.chars().take(40).collect();
            assert_eq!(
                out.code,
                2,
                "{args:?} on {head}…: {}",
                out.stderr.lines().next().unwrap_or_default()
            );
            let first_line = out.stderr.lines().next().unwrap_or_default();
            assert!(
                first_line.starts_with("error: .peers/goals.yaml:6:")
                    && out.stderr.contains("hint:"),
                "{args:?} on {head}…: {first_line}"
            );
        }
    }
}

fn with_output_cap(env: &TestEnv, cap_mib: u32) -> std::path::PathBuf {
    let repo = env.initialised_repo("app");
    let path = repo.join(".peers/config.yaml");
    let config = std::fs::read_to_string(&path).unwrap();
    let config = config.replacen(
        "goals:\n",
        &format!("goals:\n  output_cap_mib: {cap_mib}\n"),
        1,
    );
    std::fs::write(&path, config).unwrap();
    repo
}

/// Regression: `pass_when` saw only the first 2 MiB of output, so an end-anchored pattern
/// over longer output gave a wrong verdict (pass).
#[test]
fn verdicts_over_truncated_output_see_the_tail_or_fail_closed() {
    let env = TestEnv::new();
    let repo = with_output_cap(&env, 1);
    env.set_goals(
        &repo,
        "goals:\n\
         - id: end-anchored\n    type: hard\n    cmd: 'seq 1 600000; echo FAILED'\n    pass_when: \"regex(r'FAILED\\\\n$', stdout) is None\"\n\
         - id: needs-the-middle\n    type: hard\n    cmd: 'seq 1 300000; echo FAILED; seq 1 300000'\n    pass_when: \"'FAILED' not in stdout\"\n\
         - id: summary-at-the-end\n    type: hard\n    cmd: 'seq 1 600000; echo 3 passed'\n    pass_when: \"exit_code == 0 and '3 passed' in stdout\"\n"
            .replace("\n- ", "\n  - ")
            .as_str(),
    );
    let out = env.peers(&repo, &["verify", "--json"]);
    assert_eq!(out.code, 1, "{}", out.combined());
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let gate = |id: &str| {
        value["hard"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    let end = gate("end-anchored");
    assert_eq!(end["pass"], false, "{end}");
    assert!(
        end["diagnostic"]
            .as_str()
            .unwrap()
            .contains("pass_when returned false"),
        "{end}"
    );
    let middle = gate("needs-the-middle");
    assert_eq!(middle["pass"], false, "{middle}");
    let diagnostic = middle["diagnostic"].as_str().unwrap();
    assert!(
        diagnostic.contains("stdout was truncated") && diagnostic.contains("goals.output_cap_mib"),
        "{diagnostic}"
    );
    assert_eq!(gate("summary-at-the-end")["pass"], true);
}
