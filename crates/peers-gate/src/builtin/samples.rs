//! Tiny sample projects in temporary git repositories for the runner gates' tests: a crate,
//! a Python package, a JS package (node's runner or jest) and a Go module, each with three
//! tests, a passing and a failing variant, and the gate context to evaluate them in.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use peers_core::ledger::Ledger;
use peers_git::{Git, Identity};

use super::GateContext;

pub struct SampleRepo {
    pub dir: tempfile::TempDir,
    pub git: Git,
    pub cache: tempfile::TempDir,
    pub env: Vec<(OsString, OsString)>,
    pub params: BTreeMap<String, serde_json::Value>,
    ledger: Ledger,
}

/// Whether `tool` is on PATH; missing fails in CI and skips loudly elsewhere (peers-testkit).
pub use peers_testkit::tool_or_skip as tool_available;

/// A directory holding links to only `programs` (found on PATH), to run a gate with a PATH
/// that lacks a given tool whatever this machine has installed. `None` when one is missing.
pub fn path_with_only(programs: &[&str]) -> Option<tempfile::TempDir> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let bin = tempfile::tempdir().unwrap();
    for program in programs {
        let found = std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())?;
        std::os::unix::fs::symlink(found, bin.path().join(program)).unwrap();
    }
    Some(bin)
}

impl SampleRepo {
    pub fn new() -> SampleRepo {
        let dir = tempfile::tempdir().unwrap();
        peers_testkit::git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
        let git = Git::discover(dir.path()).unwrap();
        // Cargo sets CARGO_* for this test process; the sample's own cargo must not see them.
        let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(key, _)| {
                let key = key.to_string_lossy();
                !(key.starts_with("RUSTC") || (key.starts_with("CARGO_") && key != "CARGO_HOME"))
            })
            .collect();
        // A target directory per sample, outside the worktree: cargo judges freshness by
        // mtimes, so samples of one crate name sharing a target would run each other's code.
        let cache = tempfile::tempdir().unwrap();
        env.push((
            "CARGO_TARGET_DIR".into(),
            cache.path().join("target").into(),
        ));
        env.push(("GIT_CONFIG_NOSYSTEM".into(), "1".into()));
        env.push((
            "GIT_CONFIG_GLOBAL".into(),
            peers_core::git_env::NO_GLOBAL_GIT_CONFIG.into(),
        ));
        SampleRepo {
            dir,
            git,
            cache,
            env,
            params: BTreeMap::new(),
            ledger: Ledger::default(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, text: &str) -> &Self {
        let file = self.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
        self
    }

    pub fn remove(&self, path: &str) -> &Self {
        std::fs::remove_file(self.path().join(path)).unwrap();
        self
    }

    /// Stages everything and commits.
    pub fn commit(&self, message: &str) -> String {
        peers_testkit::git(self.path(), &["add", "--all"]);
        let identity = Identity {
            name: "tester".to_owned(),
            email: "tester@peers.invalid".to_owned(),
        };
        self.git.commit(message, &identity).unwrap()
    }

    /// Replaces the tool PATH.
    pub fn set_path(&mut self, path: &Path) {
        self.env.retain(|(key, _)| key != "PATH");
        self.env.push(("PATH".into(), path.as_os_str().to_owned()));
    }

    /// Fails when a gate left files in (or changed) the worktree.
    pub fn assert_clean(&self) {
        let status = self.git.status_porcelain().unwrap();
        assert!(
            status.is_empty(),
            "the gate left the worktree dirty: {status:?}"
        );
    }

    pub fn tag_baseline(&self) {
        let head = self.git.head().unwrap().unwrap();
        self.git.tag_force("peers-baseline", &head).unwrap();
    }

    pub fn with_param(mut self, key: &str, value: serde_json::Value) -> Self {
        self.params.insert(key.to_owned(), value);
        self
    }

    pub fn context(&self) -> GateContext<'_> {
        GateContext {
            git: &self.git,
            judged_commit: None,
            params: &self.params,
            baseline: "peers-baseline",
            timeout: Duration::from_secs(300),
            budget: crate::budget::GateBudget::new(Duration::from_secs(300)),
            env: &self.env,
            cache_dir: self.cache.path(),
            ledger: &self.ledger,
            last_handoff: None,
            run: None,
        }
    }

    /// A crate `sample` with two unit tests and one integration test; `broken` breaks `add`.
    pub fn rust(broken: bool) -> SampleRepo {
        let repo = SampleRepo::new();
        repo.write(
            "Cargo.toml",
            "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .write(".gitignore", "Cargo.lock\n")
        .write("src/lib.rs", &rust_lib(broken))
        .write(
            "tests/it.rs",
            "#[test]\nfn integration_adds() {\n    assert_eq!(sample::double(2), 4);\n}\n",
        );
        repo.commit("sample crate");
        repo
    }

    /// A package `calc` with three pytest tests.
    pub fn python(broken: bool) -> SampleRepo {
        let repo = SampleRepo::new();
        repo.write("pyproject.toml", "[project]\nname = \"calc\"\nversion = \"0.1.0\"\n\n[tool.pytest.ini_options]\npythonpath = [\".\"]\n")
            .write("calc.py", &python_lib(broken))
            .write("tests/test_calc.py", PYTHON_TESTS);
        repo.commit("sample package");
        repo
    }

    /// A JS package whose `test` script is node's built-in runner (no install needed).
    pub fn js_node(broken: bool) -> SampleRepo {
        let repo = SampleRepo::new();
        repo.write("package.json", "{\"name\": \"sample\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"node --test\"}}\n")
            .write("sum.js", &js_lib(broken))
            .write("sum.test.js", JS_NODE_TESTS);
        repo.commit("sample package");
        repo
    }

    /// The same package tested by jest (from PATH, installed by the setup script).
    pub fn js_jest(broken: bool) -> SampleRepo {
        let repo = SampleRepo::new();
        repo.write(
            "package.json",
            "{\"name\": \"sample\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"jest\"}}\n",
        )
        .write("sum.js", &js_lib(broken))
        .write("sum.test.js", JS_JEST_TESTS);
        repo.commit("sample package");
        repo
    }

    /// A module with three Go tests.
    pub fn go(broken: bool) -> SampleRepo {
        let repo = SampleRepo::new();
        repo.write("go.mod", "module example.com/sample\n\ngo 1.19\n")
            .write("sum.go", &go_lib(broken))
            .write("sum_test.go", GO_TESTS);
        repo.commit("sample module");
        repo
    }
}

impl Default for SampleRepo {
    fn default() -> Self {
        Self::new()
    }
}

pub fn rust_lib(broken: bool) -> String {
    let body = if broken { "a - b" } else { "a + b" };
    format!(
        "pub fn add(a: i32, b: i32) -> i32 {{\n    {body}\n}}\n\npub fn double(a: i32) -> i32 {{\n    a * 2\n}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn adds() {{\n        assert_eq!(super::add(1, 2), 3, \"add is wrong\");\n    }}\n\n    #[test]\n    fn doubles() {{\n        assert_eq!(super::double(3), 6);\n    }}\n}}\n"
    )
}

pub fn python_lib(broken: bool) -> String {
    let body = if broken { "a - b" } else { "a + b" };
    format!("def add(a, b):\n    return {body}\n\n\ndef double(a):\n    return a * 2\n")
}

const PYTHON_TESTS: &str = "from calc import add, double\n\n\ndef test_adds():\n    assert add(1, 2) == 3, \"add is wrong\"\n\n\ndef test_doubles():\n    assert double(3) == 6\n\n\nclass TestMore:\n    def test_zero(self):\n        assert add(0, 0) == 0\n";

pub fn js_lib(broken: bool) -> String {
    let body = if broken { "a - b" } else { "a + b" };
    format!("exports.add = (a, b) => {body};\nexports.double = (a) => a * 2;\n")
}

const JS_NODE_TESTS: &str = "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst { add, double } = require('./sum');\n\ntest('adds', () => { assert.strictEqual(add(1, 2), 3); });\ntest('doubles', () => { assert.strictEqual(double(3), 6); });\ntest('zero', () => { assert.strictEqual(add(0, 0), 0); });\n";

const JS_JEST_TESTS: &str = "const { add, double } = require('./sum');\n\ntest('adds', () => { expect(add(1, 2)).toBe(3); });\ntest('doubles', () => { expect(double(3)).toBe(6); });\ntest('zero', () => { expect(add(0, 0)).toBe(0); });\n";

pub fn go_lib(broken: bool) -> String {
    let body = if broken { "a - b" } else { "a + b" };
    format!(
        "package sample\n\nfunc Add(a, b int) int {{\n\treturn {body}\n}}\n\nfunc Double(a int) int {{\n\treturn a * 2\n}}\n"
    )
}

const GO_TESTS: &str = "package sample\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif got := Add(1, 2); got != 3 {\n\t\tt.Fatalf(\"Add(1, 2) = %d, want 3\", got)\n\t}\n}\n\nfunc TestDouble(t *testing.T) {\n\tif Double(3) != 6 {\n\t\tt.Fatal(\"Double(3) != 6\")\n\t}\n}\n\nfunc TestZero(t *testing.T) {\n\tif Add(0, 0) != 0 {\n\t\tt.Fatal(\"Add(0, 0) != 0\")\n\t}\n}\n";
