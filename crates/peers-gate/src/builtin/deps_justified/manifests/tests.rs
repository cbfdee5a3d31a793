//! Tests of the manifest readers: each format, awkward but valid TOML, malformed and huge input.

use super::*;

fn names(manifest: Manifest, text: &str) -> Vec<String> {
    manifest.dependencies(text).unwrap().into_iter().collect()
}

#[test]
fn cargo_tables_workspace_and_local_entries() {
    let text = "[package]\nname = \"x\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nregex.workspace = true\nlocal = { path = \"../local\" }\n# old = \"1\"\n\n[dev-dependencies]\ntempfile = \"3\"\n\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\n[workspace.dependencies]\nstrsim = \"0.11\"\n\n[dependencies.tokio]\nversion = \"1\"\n\n[dependencies.sibling]\npath = \"../sibling\"\n";
    assert_eq!(
        names(Manifest::Cargo, text),
        ["libc", "serde", "strsim", "tempfile", "tokio"]
    );
}

#[test]
fn pyproject_pep621_groups_and_poetry() {
    let text = "[project]\nname = \"x\"\ndependencies = [\n  \"Requests>=2\",  # http\n  \"typing_extensions; python_version<'3.11'\",\n]\n\n[project.optional-dependencies]\ncli = [\"click\"]\n\n[dependency-groups]\ndev = [\"pytest>=8\"]\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nnumpy = \"^2\"\n";
    assert_eq!(
        names(Manifest::Pyproject, text),
        ["click", "numpy", "pytest", "requests", "typing-extensions"]
    );
}

#[test]
fn requirements_package_json_and_go_mod() {
    assert_eq!(
        names(
            Manifest::Requirements,
            "# pinned\nflask==3.0\n-r base.txt\nzope.interface\n"
        ),
        ["flask", "zope-interface"]
    );
    assert_eq!(
        names(
            Manifest::PackageJson,
            "{\"dependencies\":{\"left-pad\":\"1\"},\"devDependencies\":{\"vitest\":\"2\"}}"
        ),
        ["left-pad", "vitest"]
    );
    assert!(Manifest::PackageJson.dependencies("{").is_err());
    let go = "module x\n\ngo 1.22\n\nrequire github.com/pkg/errors v0.9.1\n\nrequire (\n\tgolang.org/x/sync v0.7.0\n\tgithub.com/davecgh/go-spew v1.1.1 // indirect\n)\n";
    assert_eq!(
        names(Manifest::GoMod, go),
        ["github.com/pkg/errors", "golang.org/x/sync"]
    );
}

#[test]
fn cargo_awkward_but_valid_toml() {
    // Dotted keys, quoted keys, an inline table spread over a multi-line array, comments
    // holding `[dependencies]` and `=`, a `#` inside a string, a multi-line string that
    // looks like a table header, and a cfg target whose quotes hold dots and brackets.
    let text = r#"
[package]
name = "x"
description = """
[dependencies]
fake = "1"
"""

[dependencies] # [dev-dependencies]
"quoted-name" = "1"
dotted.version = "2"
dotted.features = [
"a", # comment = "x"
"b",
]
hash = { version = "1", registry = "my#registry" }
sib.path = "../sib"
ws = { workspace = true, features = [
"x",
] }
'spaced' = { version = "1" }

[target.'cfg(all(unix, target_arch = "x86.64"))'.build-dependencies]
cc = "1"

[target."x86_64-pc-windows-gnu".dev-dependencies.winapi]
version = "0.3"

[workspace]
members = ["a"]
dependencies = { anyhow = "1", local = { path = "crates/local" } }
"#;
    assert_eq!(
        names(Manifest::Cargo, text),
        [
            "anyhow",
            "cc",
            "dotted",
            "hash",
            "quoted-name",
            "spaced",
            "winapi"
        ]
    );
}

#[test]
fn pyproject_awkward_but_valid_toml() {
    let text = r#"
project.name = "x"
project.dependencies = [ # inline comment
'single_quoted>=1',
"""multi
""",
"Zope.Interface ; sys_platform == 'linux'",
]
[project.optional-dependencies]
docs = [
  "sphinx",  # "not-a-dep"
]
[dependency-groups]
test = ["pytest", { include-group = "docs" }]
[tool.poetry.group.lint.dependencies]
ruff = "*"
[tool.poetry.dev-dependencies]
black = { version = "*" }
"#;
    assert_eq!(
        names(Manifest::Pyproject, text),
        [
            "black",
            "multi",
            "pytest",
            "ruff",
            "single-quoted",
            "sphinx",
            "zope-interface"
        ]
    );
}

#[test]
fn malformed_and_huge_manifests_are_errors_not_panics() {
    for (manifest, text) in [
        (Manifest::Cargo, "[dependencies\nserde = \"1\"\n"),
        (
            Manifest::Cargo,
            "[dependencies]\nserde = { version = \"1\"\n",
        ),
        (Manifest::Cargo, "[dependencies]\na = \"1\"\na = \"2\"\n"),
        (Manifest::Pyproject, "[project]\ndependencies = [\"a\",\n"),
        (Manifest::Cargo, "a = \"\u{0}\"\n"),
    ] {
        let error = manifest.dependencies(text).unwrap_err().describe();
        assert!(error.starts_with("is not valid TOML"), "{error}");
        assert!(error.contains("hint:"), "{error}");
    }
    let huge = format!(
        "[dependencies]\n{}",
        "# padding\n".repeat(MAX_MANIFEST_BYTES / 10 + 1)
    );
    let error = Manifest::Cargo.dependencies(&huge).unwrap_err().describe();
    assert!(error.contains("over the 4 MiB limit"), "{error}");
    let deep = format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Manifest::Cargo.dependencies(&deep).is_err());
}

#[test]
fn a_dependency_under_a_non_dependency_table_is_not_counted() {
    let text = "[package.metadata.dependencies]\nnot-a-dep = \"1\"\n[patch.crates-io]\nserde = { path = \"x\" }\n";
    assert!(names(Manifest::Cargo, text).is_empty());
}

#[test]
fn manifests_are_recognised_by_name() {
    assert_eq!(Manifest::of("crates/a/Cargo.toml"), Some(Manifest::Cargo));
    assert_eq!(
        Manifest::of("requirements-dev.txt"),
        Some(Manifest::Requirements)
    );
    assert_eq!(
        Manifest::of("requirements/test.txt"),
        Some(Manifest::Requirements)
    );
    assert_eq!(Manifest::of("notes.txt"), None);
}

/// One dependency written in one of the ways Cargo accepts: a line of the `[dependencies]`
/// table (`None` header) or a table of its own.
fn cargo_entry(name: &str, style: u8) -> (Option<String>, String) {
    match style % 5 {
        0 => (None, format!("{name} = \"1\" # pinned\n")),
        1 => (
            None,
            format!("\"{name}\" = {{ version = \"1\", features = [\n  \"a\",\n] }}\n"),
        ),
        2 => (None, format!("{name}.version = \"1\"\n")),
        3 => (
            Some(format!("[dependencies.{name}]")),
            "version = \"1\"\n".to_owned(),
        ),
        _ => (
            Some(format!(
                "[target.'cfg(feature = \"{name}\")'.dev-dependencies]"
            )),
            format!("{name} = '1'\n"),
        ),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(64))]

    #[test]
    fn any_spelling_of_a_cargo_dependency_reads_the_same(
        entries in proptest::collection::btree_map("[a-z][a-z0-9_-]{0,12}", 0u8..5, 0..6),
    ) {
        let mut lines = "[package]\nname = \"x\"\n[dependencies]\n".to_owned();
        let mut tables = String::new();
        for (name, style) in &entries {
            match cargo_entry(name, *style) {
                (None, line) => lines.push_str(&line),
                (Some(header), body) => tables.push_str(&format!("{header}\n{body}")),
            }
        }
        let found = Manifest::Cargo.dependencies(&format!("{lines}{tables}")).unwrap();
        let expected: BTreeSet<String> = entries.keys().map(|name| normalize(name)).collect();
        proptest::prop_assert_eq!(found, expected);
    }

    #[test]
    fn arbitrary_text_never_panics_a_manifest_reader(text in "\\PC{0,200}") {
        for manifest in [Manifest::Cargo, Manifest::Pyproject, Manifest::PackageJson] {
            let _ = manifest.dependencies(&text);
        }
    }
}
