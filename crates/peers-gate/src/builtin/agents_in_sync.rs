//! `agents-in-sync` (document): AGENTS.md holds exactly one generated reference block, byte
//! for byte the one the reference (CODEMAP.yaml) renders to; text around it is the authors'.

use peers_core::reference::{AGENTS_FILE, BLOCK_START, block_range, render_block};

use super::GateContext;
use super::codemap_reference::read_reference;
use super::describe::read_document;
use crate::verdict::Verdict;

pub(crate) fn agents_in_sync(ctx: &GateContext<'_>) -> Verdict {
    let gate = "agents-in-sync";
    let (codemap, entries) = match read_reference(ctx, gate) {
        Ok(read) => read,
        Err(error) => return Verdict::fail(error.describe()),
    };
    let fix = format!("run `peers agents-md` to write it from {codemap}");
    let text = match read_document(ctx, AGENTS_FILE) {
        Ok(text) => text,
        Err(problem) => {
            return Verdict::fail(format!("{gate}: {}; {fix}", problem.describe()));
        }
    };
    let Some((start, end)) = block_range(&text) else {
        let count = text.matches(BLOCK_START).count();
        let why = if count > 1 {
            format!("{count} generated blocks (one expected)")
        } else {
            "no complete generated block".to_owned()
        };
        return Verdict::fail(format!("{gate}: {AGENTS_FILE} has {why}; {fix}"));
    };
    let expected = render_block(&entries);
    let found = &text[start..end];
    if found == expected {
        return Verdict::pass(format!(
            "{gate}: {AGENTS_FILE}'s reference block matches {codemap} ({} entries)",
            entries.len()
        ));
    }
    let first_line = text[..start].lines().count() + 1;
    let differs = found
        .lines()
        .zip(expected.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| found.lines().count().min(expected.lines().count()));
    let wanted = expected
        .lines()
        .nth(differs)
        .unwrap_or("(the block ends here)");
    Verdict::fail(format!(
        "{gate}: {AGENTS_FILE}'s reference block differs from what {codemap} renders to, first \
         at line {}: expected `{}`; {fix}",
        first_line + differs,
        wanted.chars().take(120).collect::<String>()
    ))
}
