//! Property tests of every peers-core parser: whatever the bytes, a value or an error comes
//! back (never a panic), and what a parser accepts behaves consistently. Case counts are modest
//! (`CASES`) so `cargo test` stays fast; `scripts/fuzz` runs the long mutation campaigns.

use peers_core::config_decode::decode_config;
use peers_core::goals_decode::decode_goals;
use peers_core::ledger::{Ledger, LedgerCommit};
use peers_core::trailer;
use proptest::prelude::*;

const CASES: u32 = 96;
const CONFIG: &str = include_str!("../fixtures/original-config.yaml");
const GOALS: &str = "goals:\n  - {id: builds, type: hard, cmd: 'cargo build', pass_when: 'exit_code == 0 and \"ok\" in stdout'}\n  - id: review\n    type: soft\n    reviewer: any\n    description: the code reads well\n  - {id: clean, type: hard, builtin: bug-hunt-clean, timeout_s: 5}\n";

/// `text` with up to 8 edits: a byte range deleted, replaced or duplicated (char-aligned).
fn mutated(text: &'static str) -> impl Strategy<Value = String> {
    let edits = prop::collection::vec(
        (any::<prop::sample::Index>(), 0usize..24, 0u8..3, ".{0,6}"),
        1..8,
    );
    edits.prop_map(move |edits| {
        let mut out = text.to_owned();
        for (at, span, kind, insert) in edits {
            let start = floor_char(&out, at.index(out.len() + 1));
            let end = floor_char(&out, (start + span).min(out.len()));
            let piece = out[start..end].to_owned();
            match kind {
                0 => out.replace_range(start..end, ""),
                1 => out.replace_range(start..end, &insert),
                _ => out.insert_str(start, &piece),
            }
        }
        out
    })
}

fn floor_char(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn config_decoding_never_panics_on_mutations(source in mutated(CONFIG)) {
        let _ = decode_config(&source, ".peers/config.yaml");
    }

    #[test]
    fn config_decoding_never_panics_on_any_text(source in "\\PC{0,200}") {
        let _ = decode_config(&source, ".peers/config.yaml");
    }

    #[test]
    fn goals_decoding_never_panics_on_mutations(source in mutated(GOALS)) {
        let _ = decode_goals(&source, ".peers/goals.yaml");
    }

    #[test]
    fn trailers_never_panic_and_a_final_block_is_read(
        body in "\\PC{0,120}",
        key in "[A-Z][a-z]{1,8}(-[A-Z][a-z]{1,8})?",
        value in "[a-zA-Z0-9_.-]{1,20}",
    ) {
        let _ = trailer::parse_trailers(&body);
        let _ = trailer::is_handoff(&body);
        let _ = trailer::peer(&body);
        // `Ws: x`, `Http: x`…: a URL-scheme key ends the trailer block by design.
        let url_schemes = ["http", "https", "ftp", "ftps", "ssh", "file", "ws", "wss"];
        prop_assume!(!url_schemes.iter().any(|s| key.eq_ignore_ascii_case(s)));
        let message = format!("subject\n\n{}\n\n{key}: {value}\n", body.replace(':', " "));
        let trailers = trailer::parse_trailers(&message);
        prop_assert_eq!(trailer::last_value(&trailers, &key), Some(value.as_str()));
    }

    #[test]
    fn the_ledger_is_consistent_whatever_the_commits_say(
        messages in prop::collection::vec(
            prop_oneof![
                "\\PC{0,80}",
                (1u32..5, "(crit|high|med|low|bogus)", "(fixed|deferred|wontfix|open)").prop_map(
                    |(id, severity, status)| format!(
                        "BUG-00{id}: found\n\n## Bug-Report\n{{\"id\": \"BUG-00{id}\", \"severity\": \"{severity}\"}}\n\nPeer: a\nBug-Report: BUG-00{id}\nBug-Resolution: BUG-00{id} {status}"
                    )
                ),
            ],
            0..12,
        ),
    ) {
        let commits: Vec<LedgerCommit> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| LedgerCommit::from_message(format!("{i:040x}"), m.clone()))
            .collect();
        let ledger = Ledger::build(&commits);
        let summary = ledger.summary();
        prop_assert!(summary.fixed + summary.deferred <= summary.total);
        prop_assert!(ledger.open_blocking().len() <= summary.total);
    }

    #[test]
    fn state_migration_never_panics_and_round_trips(
        // Distinct names: a state never holds the same peer twice (`DuplicatePeer`).
        names in prop::collection::btree_set("[a-z]{1,6}", 1..4)
            .prop_map(|names| names.into_iter().collect::<Vec<_>>()),
        junk in prop_oneof![
            Just(serde_json::json!(null)),
            any::<i64>().prop_map(serde_json::Value::from),
            "\\PC{0,20}".prop_map(serde_json::Value::from),
        ],
        key in "(iteration|peers|turn_index|schema_version|budget|goals_status|x)",
    ) {
        let state = peers_core::state::State::for_peers(&names);
        let value = state.to_json_value().unwrap();
        let (back, _) = peers_core::state::migrate(value.clone()).unwrap();
        prop_assert_eq!(&back, &state);
        let mut broken = value;
        broken[key.as_str()] = junk;
        let _ = peers_core::state::migrate(broken);
    }
}
