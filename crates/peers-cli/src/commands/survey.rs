//! `peers survey`: write `.peers/recon.md`, `.peers/codemap.md` and `.peers/CODEMAP.yaml` now,
//! as `peers run` does before its first tick, and say what the code map found.

use clap::Args;
use peers_survey::context::{Wanted, write_context_files};

use crate::error::CliResult;
use crate::project::LoadedProject;

#[derive(Debug, Args)]
pub struct SurveyArgs {
    /// Write only the code map (.peers/codemap.md and .peers/CODEMAP.yaml).
    #[arg(long, conflicts_with = "recon_only")]
    pub codemap_only: bool,
    /// Write only the repository survey (.peers/recon.md).
    #[arg(long)]
    pub recon_only: bool,
    /// Print what was written as JSON: files, the code map's counts, notes.
    #[arg(long)]
    pub json: bool,
}

pub fn run(directory: Option<&std::path::Path>, args: &SurveyArgs) -> CliResult<u8> {
    let project = LoadedProject::open_initialised(directory)?;
    let tracked = project.git.tracked_files()?;
    let wanted = Wanted {
        recon: !args.codemap_only,
        codemap: !args.recon_only,
    };
    let written = write_context_files(project.root(), &tracked, project.dir.path(), wanted);
    let symbols: Option<usize> = written
        .scan
        .as_ref()
        .map(|scan| scan.files.iter().map(|(_, symbols)| symbols.len()).sum());
    if args.json {
        let scan = written.scan.as_ref().map(|scan| {
            serde_json::json!({
                "symbols": symbols,
                "files_with_symbols": scan.files.len(),
                "read": scan.scanned,
                "skipped": scan.skipped,
                "too_large": scan.too_large,
                "over_cap": scan.over_cap,
            })
        });
        let files: Vec<String> = written
            .files
            .iter()
            .map(|f| format!(".peers/{f}"))
            .collect();
        let value = serde_json::json!({"written": files, "codemap": scan, "notes": written.notes});
        println!("{value}");
    } else {
        for name in &written.files {
            println!("wrote .peers/{name}");
        }
        if let (Some(scan), Some(symbols)) = (&written.scan, symbols) {
            println!(
                "code map: {symbols} public symbols in {} files ({} source files read, {} skipped: \
                 binary, generated, not UTF-8 or behind a symlink)",
                scan.files.len(),
                scan.scanned,
                scan.skipped
            );
        }
        for note in &written.notes {
            eprintln!("note: {note}");
        }
    }
    let expected = usize::from(wanted.recon) + 2 * usize::from(wanted.codemap);
    Ok(if written.files.len() == expected {
        0
    } else {
        1
    })
}
