//! The frozen contract: an honest freeze/amend/ack chain verifies; every way a same-user
//! agent could change a pinned file or the chain without the key is named.

use super::*;

struct Fixture {
    _temp: peers_testkit::TempPeersDir,
    state: tempfile::TempDir,
    dir: PeersDir,
}

fn frozen() -> Fixture {
    let temp = peers_testkit::TempPeersDir::new();
    let dir = PeersDir::discover(temp.root()).unwrap();
    let state = tempfile::tempdir().unwrap();
    freeze(&dir, state.path(), b"# Plan\n", "cargo test", None, "t0").unwrap();
    Fixture {
        _temp: temp,
        state,
        dir,
    }
}

fn problems(f: &Fixture) -> Vec<String> {
    verify(&f.dir, f.state.path()).unwrap().unwrap().problems
}

fn force_write(f: &Fixture, name: &str, bytes: &[u8]) {
    let p = f.dir.path().join(name);
    let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644));
    std::fs::write(p, bytes).unwrap();
}

#[test]
fn a_fresh_freeze_is_intact_read_only_and_holds_the_script() {
    let f = frozen();
    assert_eq!(problems(&f), Vec::<String>::new());
    let script = std::fs::read_to_string(f.dir.path().join(ACCEPTANCE)).unwrap();
    assert_eq!(script, "#!/bin/sh\nset -e\ncargo test\n");
    let mode = std::fs::metadata(f.dir.path().join(ACCEPTANCE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444);
    assert!(!f.dir.path().join(E2E).exists());
    let key = std::fs::read_dir(f.state.path().join("contracts"))
        .unwrap()
        .count();
    assert_eq!(key, 1, "the key lives in the state dir, not in .peers/");
}

#[test]
fn no_contract_is_none_and_a_second_freeze_is_refused() {
    let temp = peers_testkit::TempPeersDir::new();
    let dir = PeersDir::discover(temp.root()).unwrap();
    let state = tempfile::tempdir().unwrap();
    assert_eq!(verify(&dir, state.path()).unwrap(), None);
    freeze(&dir, state.path(), b"# P\n", "true", Some("false"), "t").unwrap();
    let again = freeze(&dir, state.path(), b"# P\n", "true", None, "t").unwrap_err();
    assert!(again.to_string().contains("peers amend"), "{again}");
}

#[test]
fn amend_and_ack_extend_the_chain_and_keep_it_intact() {
    let f = frozen();
    amend_acceptance(
        &f.dir,
        f.state.path(),
        "cargo test --all",
        "flaky\nline",
        false,
        "t1",
    )
    .unwrap();
    record_ack_block(
        &f.dir,
        f.state.path(),
        "STEP-2",
        "needs a licence",
        true,
        "t2",
    )
    .unwrap();
    let check = verify(&f.dir, f.state.path()).unwrap().unwrap();
    assert_eq!(check.problems, Vec::<String>::new());
    assert_eq!(check.entries.len(), 3);
    assert_eq!(check.acknowledged_blocks(), vec!["STEP-2".to_owned()]);
    let log = std::fs::read_to_string(f.dir.path().join(LOG)).unwrap();
    assert_eq!(
        log.lines().count(),
        3,
        "a multi-line reason stays one entry"
    );
}

#[test]
fn an_edited_acceptance_script_is_named() {
    let f = frozen();
    force_write(&f, ACCEPTANCE, b"#!/bin/sh\nexit 0\n");
    assert_eq!(
        problems(&f),
        vec![format!(
            ".peers/{ACCEPTANCE} was changed after it was frozen"
        )]
    );
}

#[test]
fn a_deleted_or_added_pinned_file_is_named() {
    let f = frozen();
    std::fs::remove_file(f.dir.path().join(PLAN_ORIGINAL)).unwrap();
    force_write(&f, E2E, b"true\n");
    assert_eq!(
        problems(&f),
        vec![
            format!(".peers/{PLAN_ORIGINAL} was deleted"),
            format!(".peers/{E2E} was added after the freeze"),
        ]
    );
}

#[test]
fn a_re_pinned_chain_entry_without_the_key_fails_its_signature() {
    let f = frozen();
    force_write(&f, ACCEPTANCE, b"#!/bin/sh\nexit 0\n");
    let log = std::fs::read_to_string(f.dir.path().join(LOG)).unwrap();
    let mut entry: ContractEntry = serde_json::from_str(log.trim()).unwrap();
    entry.pins.insert(
        ACCEPTANCE.to_owned(),
        crate::goals_hash::goals_digest(b"#!/bin/sh\nexit 0\n"),
    );
    force_write(
        &f,
        LOG,
        format!("{}\n", serde_json::to_string(&entry).unwrap()).as_bytes(),
    );
    let found = problems(&f);
    assert!(found[0].contains("signature does not match"), "{found:?}");
}

#[test]
fn a_rolled_back_chain_is_refused_by_the_recorded_head() {
    let f = frozen();
    let before = std::fs::read(f.dir.path().join(LOG)).unwrap();
    amend_acceptance(
        &f.dir,
        f.state.path(),
        "cargo test --all",
        "wider",
        false,
        "t1",
    )
    .unwrap();
    force_write(&f, LOG, &before);
    force_write(&f, ACCEPTANCE, b"#!/bin/sh\nset -e\ncargo test\n");
    let found = problems(&f);
    assert!(found[0].contains("signed head"), "{found:?}");
}

#[test]
fn a_missing_key_is_a_problem_not_a_pass() {
    let f = frozen();
    std::fs::remove_dir_all(f.state.path().join("contracts")).unwrap();
    assert!(problems(&f)[0].contains("key is missing"));
    let refused = amend_acceptance(&f.dir, f.state.path(), "x", "y", false, "t").unwrap_err();
    assert!(refused.to_string().contains("broken"), "{refused}");
}

#[test]
fn a_hard_linked_pinned_file_is_refused() {
    let f = frozen();
    let outside = f.state.path().join("alias");
    std::fs::hard_link(f.dir.path().join(ACCEPTANCE), &outside).unwrap();
    assert!(problems(&f)[0].contains("hard link"), "{:?}", problems(&f));
}
