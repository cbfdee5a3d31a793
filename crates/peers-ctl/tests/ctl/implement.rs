//! `peers-ctl new --modes=implement --plan` validates the plan before creating anything and
//! freezes it through `peers init`; `peers-ctl amend` and `ack-block` act through the
//! project's `peers`.

use crate::ctl::env::CtlEnv;

const PLAN: &str = "# Greeter\n\n## Meta\nsurfaces: [cli]\nacceptance: test -f hello.sh\n\n## Steps\n- [ ] [STEP-1] Print a greeting\n  - touches: [hello.sh, tests/hello_test.sh]\n";

#[test]
fn new_freezes_a_valid_plan_refuses_a_bad_one_and_amend_signs_the_change() {
    let env = CtlEnv::new();
    let bad = env.root().join("bad.md");
    std::fs::write(&bad, PLAN.replace("## Steps", "## Later")).unwrap();
    let out = env.ctl(&[
        "new",
        "bad",
        "--modes=implement",
        "--plan",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(
        out.stderr.contains("no `## Steps` section"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was created"), "{}", out.stderr);
    assert!(!env.projects_root().join("bad").exists());

    let plan = env.root().join("PLAN.md");
    std::fs::write(&plan, PLAN).unwrap();
    env.ok(&[
        "new",
        "app",
        "--modes=implement",
        "--plan",
        plan.to_str().unwrap(),
    ]);
    let repo = env.projects_root().join("app");
    let original = std::fs::read_to_string(repo.join(".peers/PLAN.original.md")).unwrap();
    assert_eq!(original, PLAN);
    assert!(
        std::fs::read_to_string(repo.join(".peers/contracts/acceptance.sh"))
            .unwrap()
            .ends_with("test -f hello.sh\n")
    );

    env.ok(&[
        "amend",
        "app",
        "--acceptance",
        "sh hello.sh",
        "--reason",
        "the operator widened it",
    ]);
    let log = std::fs::read_to_string(repo.join(".peers/contracts.log")).unwrap();
    assert_eq!(log.lines().count(), 2);
    assert!(log.contains("the operator widened it"), "{log}");

    let out = env.ctl(&[
        "ack-block",
        "app",
        "STEP-1",
        "--reason",
        "not blocked at all",
    ]);
    assert_eq!(out.code, 2, "{}", out.combined());
    assert!(out.stderr.contains("not [BLOCKED]"), "{}", out.stderr);
}
