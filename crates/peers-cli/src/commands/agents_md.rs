//! `peers agents-md`: write (or `--check`) the generated reference block of AGENTS.md from the
//! reference the document mode's peers write (CODEMAP.yaml). Text around the block is kept.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use clap::Args;
use peers_core::reference::{
    AGENTS_FILE, MAX_REFERENCE_BYTES, REFERENCE_FILE, block_range, parse, render_block, with_block,
};

use crate::error::{CliError, CliResult};
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct AgentsMdArgs {
    /// Change nothing: exit 1 when AGENTS.md's block differs from what CODEMAP.yaml renders to.
    #[arg(long)]
    pub check: bool,
}

pub fn run(directory: Option<&Path>, args: &AgentsMdArgs) -> CliResult<u8> {
    let project = LoadedProject::open(directory)?;
    let root = project.root();
    let bytes = peers_store::safe_fs::read_repo_file(root, REFERENCE_FILE, MAX_REFERENCE_BYTES)
        .map_err(|err| {
            CliError::usage(format!("cannot read {REFERENCE_FILE}: {err}")).hint(
                "the document mode's peers write CODEMAP.yaml at the repository root, starting \
                 from .peers/CODEMAP.yaml (`peers survey --codemap-only` writes that)",
            )
        })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{REFERENCE_FILE} is not UTF-8")))?;
    let entries = parse(&text, REFERENCE_FILE)?;
    let block = render_block(&entries);
    let existing =
        match peers_store::safe_fs::read_repo_file(root, AGENTS_FILE, MAX_REFERENCE_BYTES) {
            Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
                CliError::usage(format!("{AGENTS_FILE} is not UTF-8")).hint("fix or remove it")
            })?),
            Err(_) if !root.join(AGENTS_FILE).exists() => None,
            Err(err) => {
                return Err(CliError::usage(format!("cannot read {AGENTS_FILE}: {err}"))
                    .hint("AGENTS.md must be a regular file inside the repository"));
            }
        };
    let in_sync = existing
        .as_deref()
        .and_then(|text| block_range(text).map(|(start, end)| text[start..end] == block))
        .unwrap_or(false);
    if args.check {
        if in_sync {
            println!(
                "{AGENTS_FILE} is in sync with {REFERENCE_FILE} ({} entries)",
                entries.len()
            );
            return Ok(0);
        }
        eprintln!("{AGENTS_FILE} is out of date with {REFERENCE_FILE}; run `peers agents-md`");
        return Ok(1);
    }
    if in_sync {
        println!("{AGENTS_FILE} already in sync ({} entries)", entries.len());
        return Ok(0);
    }
    let updated = with_block(existing.as_deref(), &block);
    let path = root.join(AGENTS_FILE);
    peers_store::safe_fs::write_atomic(&path, updated.as_bytes())
        .map_err(|err| CliError::failed(format!("cannot write {AGENTS_FILE}: {err}")))?;
    // A documentation file others read: owner-writable, world-readable like any other.
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644));
    println!(
        "wrote the reference block of {AGENTS_FILE} ({} entries from {REFERENCE_FILE})",
        entries.len()
    );
    Ok(0)
}
