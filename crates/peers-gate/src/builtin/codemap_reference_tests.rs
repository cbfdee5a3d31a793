//! The document gates on a small Rust + Python library: an honest reference passes all four;
//! a shifted line, an edited signature, an invented symbol, a missing entry, an unanchored
//! file and a stale AGENTS.md are each refused by the gate that owns the rule.

use peers_core::goals::BuiltinGate;
use peers_core::reference::{render_block, with_block};
use serde_json::json;

use crate::builtin::test_repo::GateRepo;

const LIB_RS: &str = "/// A parsed document.\npub struct Doc {\n    pub lines: Vec<String>,\n}\n\n/// Splits text into lines.\npub fn parse(text: &str) -> Doc {\n    Doc { lines: text.lines().map(str::to_owned).collect() }\n}\n";
const UTIL_PY: &str = "def shout(text, times=1):\n    \"\"\"Upper-cases text.\"\"\"\n    return text.upper() * times\n\n\nclass Counter:\n    def bump(self, by):\n        return by + 1\n";

fn summary_for(id: &str) -> String {
    format!(
        "Documented behaviour of {} explained for readers in plain words.",
        id.len()
    )
    .replace(
        "Documented",
        match id.len() % 3 {
            0 => "Careful",
            1 => "Precise",
            _ => "Honest",
        },
    ) + &format!(" Entry number {}.", id.len())
}

/// The reference an honest peer writes: the code map's entries, each with its own summary.
fn honest_reference(repo: &GateRepo) -> String {
    let files: Vec<(String, Vec<peers_survey::symbols::Symbol>)> =
        [("src/lib.rs", LIB_RS), ("pkg/util.py", UTIL_PY)]
            .iter()
            .map(|(path, text)| ((*path).to_owned(), peers_survey::codemap::scan(path, text)))
            .collect();
    let yaml = peers_survey::codemap::render_yaml(&files);
    let mut out = String::new();
    let mut id = String::new();
    for line in yaml.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(rest) = line.trim().strip_prefix("- id: ") {
            id = rest.trim_matches('"').to_owned();
        }
        if line.trim_start().starts_with("signature:") {
            out.push_str(&format!("    summary: \"{} {id}\"\n", summary_for(&id)));
        }
    }
    repo.write("CODEMAP.yaml", &out);
    out
}

fn documented_library() -> GateRepo {
    let repo = GateRepo::new();
    repo.write("src/lib.rs", LIB_RS)
        .write("pkg/util.py", UTIL_PY)
        .baseline();
    let reference = honest_reference(&repo);
    let entries = peers_core::reference::parse(&reference, "CODEMAP.yaml").unwrap();
    repo.write(
        "AGENTS.md",
        &with_block(
            Some("# Agents\n\nRun the tests.\n"),
            &render_block(&entries),
        ),
    );
    repo.write(
        "ARCHITECTURE.md",
        "# Architecture\n\n## Components\nParsing lives in [[src/lib.rs::parse]] producing [[src/lib.rs::Doc]].\n\n## Data Flow\nText goes through [[pkg/util.py::shout]].\n",
    );
    repo.commit("reference\n\nPeer: a\n");
    repo
}

const GATES: [BuiltinGate; 4] = [
    BuiltinGate::CodemapGrounded,
    BuiltinGate::CodemapComplete,
    BuiltinGate::ArchitectureGrounded,
    BuiltinGate::AgentsInSync,
];

#[test]
fn an_honest_reference_passes_every_document_gate() {
    let repo = documented_library();
    for gate in GATES {
        let verdict = repo.run(gate, json!({}));
        assert!(verdict.pass, "{}: {}", gate.as_str(), verdict.diagnostic);
    }
}

fn edit_reference(repo: &GateRepo, from: &str, to: &str) {
    let text = std::fs::read_to_string(repo.path().join("CODEMAP.yaml")).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    repo.write("CODEMAP.yaml", &text.replacen(from, to, 1));
}

#[test]
fn a_shifted_line_or_an_edited_signature_is_refused_by_codemap_grounded() {
    let repo = documented_library();
    edit_reference(
        &repo,
        "file: \"src/lib.rs\"\n    line: 7\n",
        "file: \"src/lib.rs\"\n    line: 8\n",
    );
    let verdict = repo.run(BuiltinGate::CodemapGrounded, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("`src/lib.rs::parse`: line 8, but `parse` is declared at line 7"),
        "{}",
        verdict.diagnostic
    );
    let repo = documented_library();
    edit_reference(&repo, "def shout(text, times=1)", "def shout(text)");
    let verdict = repo.run(BuiltinGate::CodemapGrounded, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict.diagnostic.contains("signature `def shout(text)"),
        "{}",
        verdict.diagnostic
    );
}

#[test]
fn an_invented_symbol_and_a_missing_entry_are_refused() {
    let repo = documented_library();
    edit_reference(&repo, "src/lib.rs::parse\"", "src/lib.rs::parse_all\"");
    let grounded = repo.run(BuiltinGate::CodemapGrounded, json!({}));
    assert!(
        grounded
            .diagnostic
            .contains("has no public symbol `parse_all`"),
        "{}",
        grounded.diagnostic
    );
    let complete = repo.run(BuiltinGate::CodemapComplete, json!({}));
    assert!(!complete.pass);
    assert!(
        complete
            .diagnostic
            .contains("src/lib.rs::parse (fn, src/lib.rs:7)"),
        "{}",
        complete.diagnostic
    );
}

#[test]
fn unanchored_files_unknown_anchors_and_a_stale_agents_md_are_refused() {
    let repo = documented_library();
    repo.write(
        "ARCHITECTURE.md",
        "# Architecture\n\n## Components\nSee [[src/lib.rs::parse]] and [[src/lib.rs::gone]].\n\n## Data Flow\nLines.\n",
    );
    let verdict = repo.run(BuiltinGate::ArchitectureGrounded, json!({}));
    assert!(!verdict.pass);
    assert!(
        verdict
            .diagnostic
            .contains("[[src/lib.rs::gone]] is not an entry"),
        "{}",
        verdict.diagnostic
    );
    assert!(
        verdict.diagnostic.contains("never anchored: pkg/util.py"),
        "{}",
        verdict.diagnostic
    );
    edit_reference(&repo, "Entry number", "Entry no.");
    let stale = repo.run(BuiltinGate::AgentsInSync, json!({}));
    assert!(!stale.pass);
    assert!(
        stale.diagnostic.contains("run `peers agents-md`"),
        "{}",
        stale.diagnostic
    );
}
