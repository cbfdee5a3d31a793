//! The languages peers has gates for, and detecting them from a repository's tracked files.
//! Detection goes by build manifests first (they say how to test), then by source extensions.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    Js,
    Go,
}

impl Language {
    pub const ALL: &'static [Language] = &[Self::Rust, Self::Python, Self::Js, Self::Go];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Js => "js",
            Self::Go => "go",
        }
    }

    /// Accepts the names users type: `rs`, `py`, `ts`, `javascript`, `typescript`, `golang`.
    pub fn parse(name: &str) -> Option<Language> {
        match name.trim().to_ascii_lowercase().as_str() {
            "rust" | "rs" => Some(Self::Rust),
            "python" | "py" => Some(Self::Python),
            "js" | "ts" | "javascript" | "typescript" | "node" => Some(Self::Js),
            "go" | "golang" => Some(Self::Go),
            _ => None,
        }
    }

    fn manifest(self) -> &'static [&'static str] {
        match self {
            Self::Rust => &["Cargo.toml"],
            Self::Python => &["pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"],
            Self::Js => &["package.json"],
            Self::Go => &["go.mod"],
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Rust => &["rs"],
            Self::Python => &["py"],
            Self::Js => &["js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts"],
            Self::Go => &["go"],
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Files under these directories never decide the language (vendored or generated code).
const IGNORED_DIRS: &[&str] = &["node_modules/", "vendor/", "target/", "dist/", "build/", ".venv/", "third_party/"];

/// The languages of a repository from its tracked paths (relative, `/`-separated), in
/// `Language::ALL` order. A language counts when it has a build manifest, or at least
/// `min_sources` source files outside vendored directories.
pub fn detect<S: AsRef<str>>(paths: &[S], min_sources: usize) -> Vec<Language> {
    let ignored = |p: &str| IGNORED_DIRS.iter().any(|d| p.starts_with(d) || p.contains(&format!("/{d}")));
    Language::ALL
        .iter()
        .copied()
        .filter(|lang| {
            let mut sources = 0;
            for path in paths.iter().map(AsRef::as_ref).filter(|p| !ignored(p)) {
                let name = path.rsplit('/').next().unwrap_or(path);
                if lang.manifest().contains(&name) {
                    return true;
                }
                let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
                if lang.extensions().contains(&ext) {
                    sources += 1;
                }
            }
            sources >= min_sources.max(1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_decide_and_mixed_repositories_get_every_language() {
        let paths = ["Cargo.toml", "src/main.rs", "web/package.json", "web/app.ts", "tools/gen.py"];
        assert_eq!(detect(&paths, 2), vec![Language::Rust, Language::Js]);
        assert_eq!(detect(&paths, 1), vec![Language::Rust, Language::Python, Language::Js]);
    }

    #[test]
    fn vendored_code_does_not_count() {
        let paths = ["main.go", "go.sum", "node_modules/x/package.json", "vendor/lib/a.py", "vendor/lib/b.py"];
        assert_eq!(detect(&paths, 1), vec![Language::Go]);
    }

    #[test]
    fn names_users_type_parse() {
        for (name, lang) in [("rs", Language::Rust), ("TypeScript", Language::Js), ("golang", Language::Go), ("py", Language::Python)] {
            assert_eq!(Language::parse(name), Some(lang));
        }
        assert_eq!(Language::parse("cobol"), None);
    }
}
