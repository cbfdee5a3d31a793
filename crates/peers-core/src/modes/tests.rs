//! Modes: the embedded modes load, dependency order, cycles and unknown names, user modes
//! replacing built-in ones, language handling, and a merged goals.yaml that decodes.

use std::path::PathBuf;

use super::*;
use crate::goals::{BuiltinGate, GateCheck, GoalKind};

const BASE: &str = r#"goals:
  - id: self-review-on-handoff
    type: hard
    builtin: self-review-on-handoff
  - id: placeholder-replace-me
    type: hard
    cmd: "false"
    pass_when: "exit_code == 0"
"#;

fn user_mode(name: &str, requires: &str, goals: &str) -> Mode {
    parse_mode(
        name,
        &format!("name: {name}\ndescription: test mode\nrequires: {requires}\n"),
        goals,
        ModeSource::User(PathBuf::from(format!("/home/u/.config/peers/modes/{name}"))),
    )
    .unwrap()
}

#[test]
fn builtin_modes_load_and_name_only_known_gates() {
    let catalog = Catalog::builtin().unwrap();
    let names: Vec<&str> = catalog.modes().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["audit", "describe", "document", "implement", "thorough"]
    );
    for mode in catalog.modes() {
        for goal in &mode.goals {
            if let Some(gate) = goal.builtin() {
                assert!(
                    BuiltinGate::from_name(gate).is_some(),
                    "{}: unknown gate {gate}",
                    mode.name
                );
            }
        }
    }
    assert_eq!(catalog.get("thorough").unwrap().requires, ["audit"]);
}

#[test]
fn resolve_puts_requirements_first_once() {
    let catalog = Catalog::builtin().unwrap();
    let order: Vec<&str> = catalog
        .resolve(&["thorough", "audit"])
        .unwrap()
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(order, ["audit", "thorough"]);
}

#[test]
fn unknown_modes_get_a_did_you_mean_and_cycles_are_named() {
    let mut catalog = Catalog::builtin().unwrap();
    let error = catalog.resolve(&["thorogh"]).unwrap_err();
    assert_eq!(error.to_string(), "unknown mode 'thorogh'");
    assert_eq!(
        error.hint().unwrap(),
        "did you mean 'thorough'? (known modes: audit, describe, document, implement, thorough)"
    );
    catalog.add_user(user_mode("a", "[b]", ""));
    catalog.add_user(user_mode("b", "[a]", ""));
    let error = catalog.resolve(&["a"]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "modes require each other in a cycle: a -> b -> a"
    );
    catalog.add_user(user_mode("c", "[missing]", ""));
    let error = catalog.resolve(&["c"]).unwrap_err();
    assert!(
        error.hint().unwrap().starts_with("required by mode 'c'"),
        "{:?}",
        error.hint()
    );
}

#[test]
fn a_user_mode_replaces_a_builtin_one_with_a_notice() {
    let mut catalog = Catalog::builtin().unwrap();
    catalog.add_user(user_mode(
        "audit",
        "[]",
        "goals:\n  - id: no-stubs\n    type: hard\n    builtin: no-stubs\n",
    ));
    assert_eq!(catalog.get("audit").unwrap().goals.len(), 1);
    assert_eq!(
        catalog.notices,
        ["user mode 'audit' at /home/u/.config/peers/modes/audit replaces the built-in one"]
    );
}

#[test]
fn mode_files_are_checked() {
    let bad_key = parse_mode(
        "x",
        "name: x\ndescription: d\nrequire: []\n",
        "",
        ModeSource::Builtin,
    )
    .unwrap_err();
    assert!(bad_key.to_string().contains("require"), "{bad_key}");
    assert!(
        bad_key.hint().unwrap().contains("requires"),
        "{:?}",
        bad_key.hint()
    );
    let mismatch =
        parse_mode("x", "name: y\ndescription: d\n", "", ModeSource::Builtin).unwrap_err();
    assert!(matches!(mismatch, ModeError::NameMismatch { .. }));
    let bad_lang = parse_mode(
        "x",
        "name: x\ndescription: d\n",
        "goals:\n  - id: a\n    languages: [cobol]\n",
        ModeSource::Builtin,
    )
    .unwrap_err();
    assert!(
        bad_lang.to_string().contains("unknown language 'cobol'"),
        "{bad_lang}"
    );
}

#[test]
fn merged_goals_carry_language_params_and_decode() {
    let catalog = Catalog::builtin().unwrap();
    let modes = catalog.resolve(&["thorough"]).unwrap();
    let merged = merge(BASE, &modes, &[Language::Rust, Language::Js]).unwrap();
    assert!(
        !merged
            .goal_ids
            .contains(&"placeholder-replace-me".to_owned())
    );
    assert_eq!(merged.goal_ids[0], "self-review-on-handoff");
    assert!(
        merged.goal_ids.contains(&"type-clean".to_owned()),
        "js is present"
    );
    assert!(
        merged
            .yaml
            .contains("    params: {\"lang\":[\"rust\",\"js\"]}\n"),
        "{}",
        merged.yaml
    );
    let rust_only = merge(BASE, &modes, &[Language::Rust]).unwrap();
    assert!(
        !rust_only.goal_ids.contains(&"type-clean".to_owned()),
        "type-clean is for python and js only"
    );
    // The written file decodes, with every gate's params.
    let set = crate::goals_decode::decode_goals(&merged.yaml, ".peers/goals.yaml").unwrap();
    let no_stubs = set.goals.iter().find(|g| g.id == "no-stubs").unwrap();
    let GoalKind::Hard(hard) = &no_stubs.kind else {
        panic!()
    };
    let GateCheck::Builtin { params, .. } = &hard.check else {
        panic!()
    };
    assert_eq!(params["lang"], serde_json::json!(["rust", "js"]));
    let skeptic = set.goals.iter().find(|g| g.id == "skeptic-pass").unwrap();
    assert!(
        matches!(&skeptic.kind, GoalKind::Soft(soft) if soft.prompt.contains("five failure modes"))
    );
}

#[test]
fn language_specific_goals_need_a_language() {
    let catalog = Catalog::builtin().unwrap();
    let modes = catalog.resolve(&["audit"]).unwrap();
    let error = languages_for(&modes, &[], &[]).unwrap_err();
    assert!(matches!(error, ModeError::NoLanguage { .. }));
    assert_eq!(
        languages_for(&modes, &[Language::Go], &[Language::Rust]).unwrap(),
        [Language::Go]
    );
    assert_eq!(
        languages_for(&modes, &[], &[Language::Python]).unwrap(),
        [Language::Python]
    );
}

#[test]
fn conflicting_definitions_across_modes_are_an_error_identical_ones_merge() {
    let mut catalog = Catalog::default();
    let goal = "goals:\n  - id: no-stubs\n    type: hard\n    builtin: no-stubs\n";
    catalog.add_user(user_mode("one", "[]", goal));
    catalog.add_user(user_mode("two", "[one]", goal));
    let modes = catalog.resolve(&["two"]).unwrap();
    assert_eq!(
        merge(BASE, &modes, &[]).unwrap().goal_ids,
        ["self-review-on-handoff", "no-stubs"]
    );
    catalog.add_user(user_mode(
        "three",
        "[one]",
        &goal.replace(
            "builtin: no-stubs\n",
            "builtin: no-stubs\n    description: other\n",
        ),
    ));
    let modes = catalog.resolve(&["three"]).unwrap();
    let error = merge(BASE, &modes, &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "goal 'no-stubs' is defined differently by modes 'one' and 'three'"
    );
}

#[test]
fn the_applied_record_lists_modes_and_languages() {
    let catalog = Catalog::builtin().unwrap();
    let modes = catalog.resolve(&["thorough"]).unwrap();
    let merged = merge(BASE, &modes, &[Language::Go]).unwrap();
    assert!(
        applied_record(&merged)
            .ends_with("mode audit 1 built-in\nmode thorough 1 built-in\nlanguages go\n")
    );
}

#[test]
fn describe_and_document_refuse_audit_modes_with_the_reason_and_stack_together() {
    let catalog = Catalog::builtin().unwrap();
    for (first, second) in [
        ("describe", "audit"),
        ("thorough", "describe"),
        ("document", "thorough"),
    ] {
        let err = catalog.resolve(&[first, second]).unwrap_err();
        let ModeError::Incompatible { reason, .. } = &err else {
            panic!("{first}+{second}: {err}");
        };
        assert!(reason.contains("documentation only"), "{reason}");
        assert!(err.hint().unwrap().contains("one after the other"), "{err}");
    }
    assert!(catalog.resolve(&["describe", "document"]).is_ok());
    assert_eq!(catalog.stacks_with("describe"), ["document"]);
    assert_eq!(catalog.stacks_with("audit"), ["implement", "thorough"]);
    assert!(catalog.resolve(&["implement", "describe"]).is_err());
    assert!(catalog.resolve(&["document", "implement"]).is_err());
}

#[test]
fn instructions_reach_goals_yaml_and_decode_in_mode_order() {
    let catalog = Catalog::builtin().unwrap();
    let modes = catalog.resolve(&["describe", "document"]).unwrap();
    let merged = merge(BASE, &modes, &[]).unwrap();
    let set = crate::goals_decode::decode_goals(&merged.yaml, "goals.yaml").unwrap();
    let names: Vec<&str> = set.instructions.iter().map(|i| i.mode.as_str()).collect();
    assert_eq!(names, ["describe", "document"]);
    assert!(
        set.instructions[0]
            .text
            .starts_with("You write documentation, not code.")
    );
    assert!(set.hard().any(|(goal, _)| goal.id == "docs-only"));
    let none = merge(
        BASE,
        &catalog.resolve(&["audit"]).unwrap(),
        &[crate::language::Language::Rust],
    )
    .unwrap();
    assert!(!none.yaml.contains("instructions:"));
}

#[test]
fn a_user_mode_may_declare_conflicts_when_and_instructions() {
    let mode = parse_mode(
        "solo",
        "name: solo\ndescription: d\nwhen: alone\nconflicts: {audit: it judges code}\ninstructions: Write docs.\n",
        "",
        ModeSource::Builtin,
    )
    .unwrap();
    assert_eq!(mode.when.as_deref(), Some("alone"));
    assert_eq!(
        mode.conflicts,
        [("audit".to_owned(), "it judges code".to_owned())]
    );
    let big = format!(
        "name: big\ndescription: d\ninstructions: {}\n",
        "x".repeat(5000)
    );
    let err = parse_mode("big", &big, "", ModeSource::Builtin).unwrap_err();
    assert!(err.to_string().contains("at most 4096"), "{err}");
}
