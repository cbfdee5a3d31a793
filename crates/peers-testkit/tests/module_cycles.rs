//! No crate's top-level modules import each other in a circle (ARCHITECTURE.md: each crate
//! reads bottom-up). An edge is a `crate::<module>` path in a module's code (comments, test
//! files and `#[cfg(test)]` tails are not code the crate ships); a cycle fails with its edges
//! named by file and line, so whoever adds one sees what to move.
#![allow(
    clippy::expect_used,
    reason = "integration test helpers: a failed step must stop the test with its message"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use peers_testkit::{is_test_file, rust_files, workspace_crates};

/// `module -> (imported module -> where)`, for one crate's `src/`.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// The top-level module a file of `src` belongs to (`None` for the crate root).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first.as_os_str().to_str()?;
    let name = name.strip_suffix(".rs").unwrap_or(name);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Every `crate::<name>` in `line`.
fn imported(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `peers_crate::…`, not this crate
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    found
}

fn graph_of(krate: &Path) -> Graph {
    let src = krate.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut graph = Graph::new();
    for file in files {
        let Some(module) = top_module(&src, &file) else {
            continue;
        };
        let edges = graph.entry(module.clone()).or_default();
        if is_test_file(&file) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("#[cfg(test)]") {
                break;
            }
            if line.starts_with("//") {
                continue;
            }
            for name in imported(line) {
                if name != module {
                    let shown = file.strip_prefix(&src).unwrap_or(&file).display();
                    edges
                        .entry(name)
                        .or_insert_with(|| format!("src/{shown}:{}", number + 1));
                }
            }
        }
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let next = self.index.len();
            self.index.insert(node, next);
            self.low.insert(node, next);
            self.stack.push(node);
            self.on_stack.insert(node);
            for target in self.graph[node].keys() {
                let Some((target, _)) = self.graph.get_key_value(target.as_str()) else {
                    continue; // an item of the crate root, not a module
                };
                let target = target.as_str();
                if !self.index.contains_key(target) {
                    self.visit(target);
                    let low = self.low[node].min(self.low[target]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(target) {
                    let low = self.low[node].min(self.index[target]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = BTreeSet::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.insert(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found
}

#[test]
fn no_crate_has_modules_that_import_each_other_in_a_circle() {
    let crates = workspace_crates();
    assert!(crates.len() > 10, "found only {crates:?}");
    let mut report = String::new();
    for krate in &crates {
        let graph = graph_of(krate);
        for component in cycles(&graph) {
            report.push_str(&format!("{}: {component:?}\n", krate.display()));
            for from in &component {
                for (to, at) in &graph[from] {
                    if component.contains(to) {
                        report.push_str(&format!("  {from} -> {to} ({at})\n"));
                    }
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "modules import each other in a circle; move what both need into a module below them:\n{report}"
    );
}

#[test]
fn the_check_sees_a_circle_and_ignores_comments_tests_and_other_crates() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a; mod b; mod c;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::x;\n").unwrap();
    std::fs::write(src.join("b/mod.rs"), "mod inner;\n").unwrap();
    std::fs::write(src.join("b/inner.rs"), "fn f() { crate::a::g() }\n").unwrap();
    std::fs::write(
        src.join("c.rs"),
        "// crate::a in a comment\nuse peers_crate::a;\n#[cfg(test)]\nmod t { use crate::a; }\n",
    )
    .unwrap();
    std::fs::write(src.join("c_tests.rs"), "use crate::c;\n").unwrap();
    let graph = graph_of(dir.path());
    let found = cycles(&graph);
    assert_eq!(found.len(), 1, "{graph:?}");
    assert_eq!(
        found[0],
        BTreeSet::from(["a".to_owned(), "b".to_owned()]),
        "{graph:?}"
    );
    assert!(graph["c"].is_empty(), "{graph:?}");
    assert_eq!(graph["b"]["a"], "src/b/inner.rs:1");
}
