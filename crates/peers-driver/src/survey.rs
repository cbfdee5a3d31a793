//! Before the first tick: `.peers/recon.md` (what the repository is) and `.peers/codemap.md` +
//! `.peers/CODEMAP.yaml` (its public symbols), so tick 1 does not start blind. No model call.

use peers_core::codemap;
use peers_core::recon::{self, RepoSurvey};

use crate::progress::{Progress, ProgressSink};
use crate::session::Session;

/// Files larger than this are not scanned for symbols.
const SCAN_CAP: u64 = 512 * 1024;
const DIGEST_CAP: usize = 16 * 1024;

pub fn write_context_files(session: &Session, progress: &mut dyn ProgressSink) {
    let options = &session.inputs.options;
    if !options.recon && !options.codemap {
        return;
    }
    let root = session.inputs.git.root();
    let files = match session.inputs.git.tracked_files() {
        Ok(files) => files,
        Err(err) => {
            progress.event(Progress::Note(format!("recon/codemap skipped: {err}")));
            return;
        }
    };
    let sized: Vec<(String, u64)> = files
        .iter()
        .filter_map(|f| {
            std::fs::symlink_metadata(root.join(f))
                .ok()
                .filter(|m| m.is_file())
                .map(|m| (f.clone(), m.len()))
        })
        .collect();
    let dir = &session.inputs.dir;
    if options.recon {
        let docs = recon::key_docs(&sized)
            .into_iter()
            .take(recon::MAX_DOC_EXCERPTS)
            .filter_map(|f| {
                let text = std::fs::read_to_string(root.join(&f)).ok()?;
                let excerpt: String = text
                    .lines()
                    .take(recon::DOC_EXCERPT_LINES)
                    .collect::<Vec<_>>()
                    .join("\n");
                let mut cut = excerpt.len().min(recon::DOC_EXCERPT_BYTES);
                while !excerpt.is_char_boundary(cut) {
                    cut -= 1;
                }
                Some((f, excerpt[..cut].to_owned()))
            })
            .collect();
        let text = recon::render(&RepoSurvey {
            files: sized.clone(),
            docs,
        });
        if let Err(err) =
            peers_store::safe_fs::write_atomic(&dir.path().join("recon.md"), text.as_bytes())
        {
            progress.event(Progress::Note(format!(
                "cannot write .peers/recon.md: {err}"
            )));
        }
    }
    if options.codemap {
        let mut symbols = Vec::new();
        for (file, size) in &sized {
            if *size > SCAN_CAP || !codemap::is_scanned(file) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(root.join(file)) {
                let found = codemap::scan(file, &text);
                if !found.is_empty() {
                    symbols.push((file.clone(), found));
                }
            }
        }
        let digest = codemap::render_digest(&symbols, DIGEST_CAP);
        let yaml = codemap::render_yaml(&symbols);
        for (name, text) in [("codemap.md", digest), ("CODEMAP.yaml", yaml)] {
            if let Err(err) =
                peers_store::safe_fs::write_atomic(&dir.path().join(name), text.as_bytes())
            {
                progress.event(Progress::Note(format!("cannot write .peers/{name}: {err}")));
            }
        }
    }
}
