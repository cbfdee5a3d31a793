//! Before the first tick: `.peers/recon.md` (what the repository is) and `.peers/codemap.md` +
//! `.peers/CODEMAP.yaml` (its public symbols), so tick 1 does not start blind. No model call.
//! The survey itself (and its rules for a hostile repository) lives in `peers-survey`.

use peers_survey::context::{Wanted, write_context_files as write_survey};

use crate::progress::{Progress, ProgressSink};
use crate::session::RunContext;

pub fn write_context_files(ctx: &RunContext, progress: &mut dyn ProgressSink) {
    let options = &ctx.inputs.options;
    let wanted = Wanted {
        recon: options.recon,
        codemap: options.codemap,
    };
    if !wanted.recon && !wanted.codemap {
        return;
    }
    let tracked = match ctx.inputs.git.tracked_files() {
        Ok(files) => files,
        Err(err) => {
            progress.event(Progress::Note(format!("recon/codemap skipped: {err}")));
            return;
        }
    };
    let written = write_survey(
        ctx.inputs.git.root(),
        &tracked,
        ctx.inputs.dir.path(),
        wanted,
    );
    for note in written.notes {
        progress.event(Progress::Note(note));
    }
}
