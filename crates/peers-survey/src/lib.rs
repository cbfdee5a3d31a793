//! peers-survey: what a repository is, read before the first tick so a peer does not start
//! blind. The survey of its files (`.peers/recon.md`), the code map of its public symbols
//! (`.peers/codemap.md`, `.peers/CODEMAP.yaml`), and the one public-symbol reader built on
//! tree-sitter that the `api-stable` gate shares. The repository is hostile input: reads
//! never follow a symlink and every size and count is capped.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod codemap;
pub mod context;
pub mod recon;
pub mod symbols;
