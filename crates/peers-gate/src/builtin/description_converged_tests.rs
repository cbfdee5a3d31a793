//! `description-converged` and `docs-only` over commit histories: small refinements converge;
//! a new section, file, pseudo-heading or a large paragraph each commit never does; a commit
//! touching code is named.

use peers_core::goals::BuiltinGate;
use serde_json::json;

use crate::builtin::describe::tests::honest_docs;
use crate::builtin::test_repo::GateRepo;

fn documented() -> GateRepo {
    let repo = GateRepo::new();
    repo.write("src/lib.rs", "pub fn a() {}\n").baseline();
    honest_docs(&repo);
    repo.commit("docs\n\nPeer: a\n");
    repo
}

fn append(repo: &GateRepo, path: &str, text: &str) {
    let full = repo.path().join(path);
    let mut old = std::fs::read_to_string(&full).unwrap_or_default();
    old.push_str(text);
    repo.write(path, &old);
}

fn converged(repo: &GateRepo) -> crate::runner::Verdict {
    repo.run(BuiltinGate::DescriptionConverged, json!({"n": 2}))
}

#[test]
fn two_small_refinements_converge_but_one_is_not_enough() {
    let repo = documented();
    let first = converged(&repo);
    assert!(!first.pass);
    append(&repo, "SPEC.md", "One more clarifying sentence.\n");
    repo.commit("wording\n\nPeer: b\n");
    let one = converged(&repo);
    assert!(!one.pass, "{}", one.diagnostic);
    append(&repo, "DESIGN.md", "A typo fixed nearby.\n");
    repo.commit("review notes only touch docs\n\nPeer: a\n");
    repo.commit("an empty review commit does not count\n\nPeer: b\n");
    let verdict = converged(&repo);
    assert!(verdict.pass, "{}", verdict.diagnostic);
}

#[test]
fn docs_that_grow_every_commit_never_converge_however_spelt() {
    let growths = [
        ("SPEC.md", "\n## Performance\nFast enough.\n"),
        ("SPEC.md", "\n#### Deep subsection\nMore.\n"),
        ("DESIGN.md", "\n**Caching**\nWe cache.\n"),
        ("ARCHITECTURE.md", "\nStorage\n-------\nFiles.\n"),
        ("docs/extra.md", "A new file.\n"),
        ("SPEC.md", &"A long new paragraph line.\n".repeat(13)),
    ];
    for (path, growth) in growths {
        let repo = documented();
        for round in 0..3 {
            append(
                &repo,
                path,
                &growth.replace("Fast", &format!("Fast {round}")),
            );
            if round > 0 && path == "docs/extra.md" {
                repo.write(&format!("docs/extra{round}.md"), "Another new file.\n");
            }
            repo.commit(&format!("grow {round}\n\nPeer: a\n"));
            let verdict = converged(&repo);
            assert!(
                !verdict.pass,
                "{path} round {round}: {}",
                verdict.diagnostic
            );
        }
        let verdict = converged(&repo);
        assert!(
            verdict.diagnostic.contains("substantive"),
            "{path}: {}",
            verdict.diagnostic
        );
    }
}

#[test]
fn docs_only_names_the_commit_that_touched_code_and_allows_listed_files() {
    let repo = documented();
    let clean = repo.run(BuiltinGate::DocsOnly, json!({}));
    assert!(clean.pass, "{}", clean.diagnostic);
    repo.write("CODEMAP.yaml", "entries: []\n");
    repo.commit("map\n\nPeer: a\n");
    assert!(!repo.run(BuiltinGate::DocsOnly, json!({})).pass);
    assert!(
        repo.run(BuiltinGate::DocsOnly, json!({"allow": ["CODEMAP.yaml"]}))
            .pass
    );
    repo.write("src/lib.rs", "pub fn a() { let _ = 1; }\n");
    let sha = repo.commit("tidy the code while documenting\n\nPeer: b\n");
    let verdict = repo.run(BuiltinGate::DocsOnly, json!({"allow": ["CODEMAP.yaml"]}));
    assert!(!verdict.pass);
    assert!(
        verdict.diagnostic.contains(&format!(
            "{} \"tidy the code while documenting\" changes src/lib.rs",
            &sha[..7]
        )),
        "{}",
        verdict.diagnostic
    );
    repo.write("src/lib.rs", "pub fn a() {}\n");
    repo.commit("put the code back\n\nPeer: b\n");
    let verdict = repo.run(BuiltinGate::DocsOnly, json!({"allow": ["CODEMAP.yaml"]}));
    assert!(verdict.pass, "{}", verdict.diagnostic);
    assert!(
        verdict
            .diagnostic
            .contains("2 commits touched code, and it was put back"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn docs_only_sees_code_slipped_in_through_a_merge() {
    let repo = documented();
    let main = repo.git.head().unwrap().unwrap();
    peers_testkit::git(repo.path(), &["checkout", "-q", "-b", "side"]);
    append(&repo, "SPEC.md", "Side note.\n");
    repo.commit("side docs\n\nPeer: a\n");
    peers_testkit::git(repo.path(), &["checkout", "-q", &main]);
    append(&repo, "DESIGN.md", "Main note.\n");
    repo.commit("main docs\n\nPeer: b\n");
    peers_testkit::git(
        repo.path(),
        &["merge", "-q", "--no-commit", "--no-ff", "side"],
    );
    repo.write("src/lib.rs", "pub fn a() { evil(); }\n");
    repo.commit("merge side\n\nPeer: a\n");
    let verdict = repo.run(BuiltinGate::DocsOnly, json!({}));
    assert!(!verdict.pass, "{}", verdict.diagnostic);
    assert!(
        verdict.diagnostic.contains("src/lib.rs"),
        "{}",
        verdict.diagnostic
    );
}
