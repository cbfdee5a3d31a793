//! The describe document gates on hermetic repositories: honest documents pass; missing,
//! padded, symlinked, heading-only, filler and copied bodies are refused with the place named.

use peers_core::goals::BuiltinGate;
use serde_json::json;

use crate::builtin::test_repo::GateRepo;

/// A body of substance about a different subject per section.
fn body(subject: &str) -> String {
    format!(
        "The {subject} part of the service is written down here from the code itself. Requests \
         enter through the listener, which checks their size before parsing; the parser keeps \
         at most one buffered line per client, and an oversized line is rejected with an error \
         that names the client, so {subject} can be verified against the tests in tests/.\n"
    )
}

pub(crate) fn honest_docs(repo: &GateRepo) {
    let spec = format!(
        "# Spec\n\n## Threat Model\n{}\n## Invariants\n{}\n## API\n{}",
        body("threat model"),
        body("invariant"),
        body("interface")
    );
    let arch = format!(
        "# Architecture\n\n## Components\n{}\n## Data Flow\n{}",
        body("component"),
        body("data flow")
    );
    let design = format!(
        "# Design\n\n## Decisions\n{}\n## Trade-offs\n{}",
        body("decision"),
        body("trade-off")
    );
    repo.write("SPEC.md", &spec)
        .write("ARCHITECTURE.md", &arch)
        .write("DESIGN.md", &design);
}

#[test]
fn honest_documents_pass_both_gates() {
    let repo = GateRepo::new();
    repo.write("src/main.rs", "fn main() {}\n").baseline();
    honest_docs(&repo);
    repo.commit("docs\n\nPeer: a\n");
    let present = repo.run(BuiltinGate::DescriptionFilesPresent, json!({}));
    assert!(present.pass, "{}", present.diagnostic);
    let sections = repo.run(BuiltinGate::DescriptionSections, json!({}));
    assert!(sections.pass, "{}", sections.diagnostic);
}

#[test]
fn missing_short_padded_and_symlinked_files_are_named() {
    let repo = GateRepo::new();
    repo.write("SPEC.md", "# Spec\n")
        .write("DESIGN.md", &format!("# D\n{}", " \n".repeat(600)));
    std::os::unix::fs::symlink("/etc/hostname", repo.path().join("ARCHITECTURE.md")).unwrap();
    let verdict = repo.run(BuiltinGate::DescriptionFilesPresent, json!({}));
    assert!(!verdict.pass);
    for expected in ["SPEC.md: ", "DESIGN.md: ", "ARCHITECTURE.md is a symlink"] {
        assert!(
            verdict.diagnostic.contains(expected),
            "{expected}: {}",
            verdict.diagnostic
        );
    }
}

#[test]
fn headings_over_filler_copies_and_placeholders_are_refused() {
    let repo = GateRepo::new();
    honest_docs(&repo);
    let spec = format!(
        "# Spec\n\n## Threat Model\nTBD\n\n## Invariants\n{}\n## API\n{}",
        "The system is safe. ".repeat(30),
        body("invariant").replace("invariant", "component")
    );
    let arch = format!(
        "# Architecture\n\n## Components\n{}\n## Data Flow\n<!-- {} -->\n",
        body("component"),
        body("hidden")
    );
    repo.write("SPEC.md", &spec).write("ARCHITECTURE.md", &arch);
    let verdict = repo.run(BuiltinGate::DescriptionSections, json!({}));
    assert!(!verdict.pass);
    let d = &verdict.diagnostic;
    assert!(
        d.contains("SPEC.md:3 `Threat Model`: the body is filler"),
        "{d}"
    );
    assert!(d.contains("`Invariants`: the body is filler"), "{d}");
    assert!(
        d.contains("`Components`: the body is a copy of SPEC.md"),
        "{d}"
    );
    assert!(d.contains("`Data Flow`: the body is filler"), "{d}");
    assert!(!d.contains("DESIGN.md"), "{d}");
}

#[test]
fn a_missing_section_lists_the_headings_found() {
    let repo = GateRepo::new();
    honest_docs(&repo);
    repo.write(
        "DESIGN.md",
        &format!("# Design\n\n## Decisions\n{}", body("decision")),
    );
    let verdict = repo.run(BuiltinGate::DescriptionSections, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("DESIGN.md: no `## Tradeoffs` section (headings found: Design, Decisions)"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn a_document_behind_a_symlinked_directory_is_not_read() {
    let repo = GateRepo::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("SPEC.md"), body("outside").repeat(10)).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("docs")).unwrap();
    let verdict = repo.run(
        BuiltinGate::DescriptionFilesPresent,
        json!({"files": ["docs/SPEC.md"], "min_bytes": 10}),
    );
    assert!(!verdict.pass, "{}", verdict.diagnostic);
    assert!(
        verdict
            .diagnostic
            .contains("docs/SPEC.md cannot be read safely"),
        "{}",
        verdict.diagnostic
    );
}
