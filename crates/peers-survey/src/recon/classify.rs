//! Which tracked files are source in which language, build files, entry points or key docs.

/// Source languages by file extension (lowercase). Markup and data formats are left out:
/// the survey answers "what is this project written in".
const LANGUAGES: &[(&str, &[&str])] = &[
    ("Rust", &["rs"]),
    ("Python", &["py", "pyi"]),
    ("JavaScript", &["js", "mjs", "cjs", "jsx"]),
    ("TypeScript", &["ts", "mts", "cts", "tsx"]),
    ("Go", &["go"]),
    ("C", &["c", "h"]),
    ("C++", &["cc", "cpp", "cxx", "hpp", "hh", "hxx"]),
    ("Java", &["java"]),
    ("Kotlin", &["kt", "kts"]),
    ("Swift", &["swift"]),
    ("C#", &["cs"]),
    ("Ruby", &["rb"]),
    ("PHP", &["php"]),
    ("Elixir", &["ex", "exs"]),
    ("Haskell", &["hs"]),
    ("Scala", &["scala"]),
    ("Zig", &["zig"]),
    ("Lua", &["lua"]),
    ("Dart", &["dart"]),
    ("Shell", &["sh", "bash"]),
];

/// Files that say how the project is built, matched by exact file name at any depth.
const BUILD_FILES: &[&str] = &[
    "Cargo.toml",
    "package.json",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    "go.mod",
    "Makefile",
    "GNUmakefile",
    "CMakeLists.txt",
    "meson.build",
    "build.gradle",
    "build.gradle.kts",
    "pom.xml",
    "Gemfile",
    "composer.json",
    "mix.exs",
    "stack.yaml",
    "Package.swift",
    "deno.json",
    "tsconfig.json",
    "justfile",
    "Dockerfile",
    "flake.nix",
    "BUILD.bazel",
];

/// Directories whose files are not the project's own entry points or docs.
const NOT_PROJECT_DIRS: &[&str] = &[
    "tests",
    "test",
    "fixtures",
    "examples",
    "vendor",
    "third_party",
    "node_modules",
];

const DOC_PREFIXES: &[&str] = &["README", "ARCHITECTURE", "CONTRIBUTING", "DESIGN", "SPEC"];
const DOC_DIRS: &[&str] = &["docs", "doc"];
const DOC_EXTENSIONS: &[&str] = &["md", "markdown", "rst", "txt", "adoc"];

/// The language of a source file, by extension.
pub fn language_of(path: &str) -> Option<&'static str> {
    let extension = extension(path)?.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(_, extensions)| extensions.contains(&extension.as_str()))
        .map(|(language, _)| *language)
}

/// Build and packaging files, shallowest first.
pub fn build_files(files: &[(String, u64)]) -> Vec<String> {
    shallowest_first(files, |path| BUILD_FILES.contains(&file_name(path)))
}

/// Likely program entry points, shallowest first: `main.rs`/`main.go`/`main.py`-style
/// files, `__main__.py`, `cli.*`, files directly in a `bin/` directory, and root or `src/`
/// `index.js|ts`. Test, fixture, example and vendored trees are skipped.
pub fn entry_points(files: &[(String, u64)]) -> Vec<String> {
    shallowest_first(files, |path| {
        !in_non_project_dir(path) && is_entry_point(path)
    })
}

fn is_entry_point(path: &str) -> bool {
    let name = file_name(path);
    let stem = name.split('.').next().unwrap_or(name);
    let parents: Vec<&str> = path.split('/').rev().skip(1).collect();
    let has_code_extension = language_of(path).is_some();
    let in_bin = parents.first().is_some_and(|dir| *dir == "bin");
    let index =
        matches!(name, "index.js" | "index.ts") && parents.first().is_none_or(|dir| *dir == "src");
    let main_like = matches!(stem, "main" | "app" | "manage" | "__main__" | "cli");
    (main_like && has_code_extension) || (in_bin && !name.starts_with('.')) || index
}

/// Key documentation, in the order a newcomer should read it: root docs, then files in a
/// top-level `docs/`, then the rest, each group by path. These are the files whose first
/// lines the driver should put in [`super::RepoSurvey::docs`].
pub fn key_docs(files: &[(String, u64)]) -> Vec<String> {
    let mut docs: Vec<(u8, &str)> = files
        .iter()
        .map(|(path, _)| path.as_str())
        .filter(|path| !in_non_project_dir(path))
        .filter_map(|path| doc_rank(path).map(|rank| (rank, path)))
        .collect();
    docs.sort();
    docs.into_iter().map(|(_, path)| path.to_owned()).collect()
}

fn doc_rank(path: &str) -> Option<u8> {
    let name = file_name(path).to_ascii_uppercase();
    let named = DOC_PREFIXES.iter().any(|prefix| name.starts_with(prefix));
    let depth = path.matches('/').count();
    let top = path.split('/').next().unwrap_or_default();
    let in_docs = depth >= 1
        && DOC_DIRS.contains(&top)
        && extension(path)
            .is_some_and(|ext| DOC_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
    match (named, in_docs, depth) {
        (true, _, 0) => Some(0),
        (_, true, _) => Some(1),
        (true, false, 1..=2) => Some(2),
        _ => None,
    }
}

fn shallowest_first(files: &[(String, u64)], keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found: Vec<&str> = files
        .iter()
        .map(|(path, _)| path.as_str())
        .filter(|path| keep(path))
        .collect();
    found.sort_by_key(|path| (path.matches('/').count(), *path));
    found.into_iter().map(str::to_owned).collect()
}

fn in_non_project_dir(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|dir| NOT_PROJECT_DIRS.contains(&dir))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn extension(path: &str) -> Option<&str> {
    let name = file_name(path);
    let (stem, extension) = name.rsplit_once('.')?;
    (!stem.is_empty()).then_some(extension)
}
