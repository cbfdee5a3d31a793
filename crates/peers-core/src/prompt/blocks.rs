//! The template-backed blocks of a prompt: identity, directive, project context, soft
//! reviews and the protocol blocks. Templates live in `templates/*.md`, embedded at build time.

use super::context::PromptContext;
use super::render::{clip_head, render};
use super::sections::{Cuts, MAX_NAME_BYTES, field};
use crate::config::PeerRole;

pub(crate) const SKEPTIC: &str = include_str!("../../templates/skeptic.md");
pub(crate) const IDENTITY: &str = include_str!("../../templates/identity.md");
pub(crate) const ROLE_RECOVERY: &str = include_str!("../../templates/role_recovery.md");
pub(crate) const ROLE_WITNESS: &str = include_str!("../../templates/role_witness.md");
pub(crate) const ROLE_DEBATER: &str = include_str!("../../templates/role_debater.md");
pub(crate) const CORE_DIRECTIVE: &str = include_str!("../../templates/core_directive.md");
pub(crate) const PROJECT_CONTEXT: &str = include_str!("../../templates/project_context.md");
pub(crate) const SOFT_REVIEW_FORMAT: &str = include_str!("../../templates/soft_review_format.md");
pub(crate) const THOROUGH_TESTING: &str = include_str!("../../templates/thorough_testing.md");
pub(crate) const BUG_HUNT: &str = include_str!("../../templates/bug_hunt.md");
pub(crate) const SELF_REVIEW: &str = include_str!("../../templates/self_review.md");
pub(crate) const CONVENTIONS: &str = include_str!("../../templates/conventions.md");

/// Requested soft reviews shown with their full prompt; more are asked again next turn.
pub const MAX_SOFT_REVIEWS: usize = 5;
pub(crate) const MAX_SOFT_PROMPT_BYTES: usize = 1200;
const MAX_SOFT_PROMPT_LINES: usize = 30;
const MAX_COUNTERPARTS: usize = 16;
pub(crate) const MAX_TASK_BYTES: usize = 1000;

/// The peer's names as the templates use them: its own, and the counterpart the
/// examples assign bugs to.
pub(crate) struct Names {
    pub(crate) peer: String,
    pub(crate) counterpart: String,
}

pub(crate) fn names(ctx: &PromptContext, cuts: &mut Cuts) -> Names {
    let peer = field(&ctx.peer, MAX_NAME_BYTES, "identity", cuts);
    let counterpart = match ctx.counterparts.first() {
        Some(other) => field(other, MAX_NAME_BYTES, "identity", cuts),
        None => peer.clone(),
    };
    Names { peer, counterpart }
}

pub(crate) fn identity(ctx: &PromptContext, names: &Names, cuts: &mut Cuts) -> String {
    let counterparts = counterparts_sentence(&ctx.counterparts, cuts);
    let iteration = ctx.iteration.to_string();
    let mut text = render(
        IDENTITY,
        &[
            ("peer", &names.peer),
            ("counterparts", &counterparts),
            ("iteration", &iteration),
        ],
    );
    let role_note = match ctx.role {
        PeerRole::Default => None,
        PeerRole::Recovery => Some(ROLE_RECOVERY),
        PeerRole::Witness => Some(ROLE_WITNESS),
        PeerRole::Debater => Some(ROLE_DEBATER),
    };
    if let Some(note) = role_note {
        text.push_str(note);
    }
    text
}

/// "Your counterpart is 'b'." for two peers; "Your counterparts in this loop are 'b',
/// 'c' and 'd'." for more.
fn counterparts_sentence(counterparts: &[String], cuts: &mut Cuts) -> String {
    let mut quoted: Vec<String> = counterparts
        .iter()
        .take(MAX_COUNTERPARTS)
        .map(|name| format!("'{}'", field(name, MAX_NAME_BYTES, "identity", cuts)))
        .collect();
    if counterparts.len() > MAX_COUNTERPARTS {
        cuts.mark("identity", true);
        quoted.push(format!("{} more", counterparts.len() - MAX_COUNTERPARTS));
    }
    match quoted.as_slice() {
        [] => "You have no counterpart in this loop.".to_owned(),
        [only] => format!("Your counterpart is {only}."),
        [init @ .., last] => {
            format!(
                "Your counterparts in this loop are {} and {last}.",
                init.join(", ")
            )
        }
    }
}

pub(crate) fn project_context(ctx: &PromptContext, cuts: &mut Cuts) -> Option<String> {
    let mut files = Vec::new();
    if let Some(path) = &ctx.recon_path {
        let path = field(path, 200, "project-context", cuts);
        files.push(format!(
            "  - {path}: languages, build files, entry points, key docs, top-level tree"
        ));
    }
    if let Some(path) = &ctx.codemap_path {
        let path = field(path, 200, "project-context", cuts);
        files.push(format!("  - {path}: public symbols, file by file"));
    }
    if files.is_empty() {
        return None;
    }
    Some(render(PROJECT_CONTEXT, &[("files", &files.join("\n"))]))
}

/// What the applied modes tell every peer (goals.yaml `instructions:`), one part per mode.
pub(crate) fn mode_instructions(ctx: &PromptContext, cuts: &mut Cuts) -> Option<String> {
    if ctx.mode_instructions.is_empty() {
        return None;
    }
    let mut text = String::from("MODE INSTRUCTIONS (from the applied modes; they bind you):");
    for entry in &ctx.mode_instructions {
        let mode = field(&entry.mode, MAX_NAME_BYTES, "mode-instructions", cuts);
        let (body, cut) = clip_head(
            &multi_line(&entry.text),
            crate::modes::MAX_INSTRUCTIONS_BYTES,
        );
        cuts.mark("mode-instructions", cut);
        text.push_str(&format!("\n[{mode}]\n{body}"));
    }
    Some(text)
}

/// The soft goals this peer is asked to review now, each with its prompt, followed by the
/// exact commit format (with the first goal's id, so the example can be copied as is).
pub(crate) fn soft_reviews(ctx: &PromptContext, peer: &str, cuts: &mut Cuts) -> Option<String> {
    let requested: Vec<_> = ctx
        .soft_goals
        .iter()
        .filter(|goal| goal.requested)
        .collect();
    let first = requested.first()?;
    let mut text = String::from("SOFT REVIEWS REQUESTED (answer each in this turn):");
    for goal in requested.iter().take(MAX_SOFT_REVIEWS) {
        let id = field(&goal.id, MAX_NAME_BYTES, "soft-reviews", cuts);
        let status = field(&goal.status, MAX_NAME_BYTES, "soft-reviews", cuts);
        let description = field(&goal.description, 300, "soft-reviews", cuts);
        text.push_str(&format!("\n  - {id} ({status} reviews): {description}"));
        for line in soft_prompt(&goal.prompt, cuts).lines() {
            text.push_str(&format!("\n    {line}"));
        }
    }
    if requested.len() > MAX_SOFT_REVIEWS {
        cuts.mark("soft-reviews", true);
        let omitted = requested.len() - MAX_SOFT_REVIEWS;
        text.push_str(&format!(
            "\n  … {omitted} more requested reviews omitted; they will be asked again"
        ));
    }
    let goal_id = field(&first.id, MAX_NAME_BYTES, "soft-reviews", cuts);
    let format = render(SOFT_REVIEW_FORMAT, &[("goal_id", &goal_id), ("peer", peer)]);
    Some(format!("{text}\n\n{format}"))
}

fn soft_prompt(prompt: &str, cuts: &mut Cuts) -> String {
    let clean = multi_line(prompt);
    let lines: Vec<&str> = clean.lines().collect();
    let kept = lines.len().min(MAX_SOFT_PROMPT_LINES);
    let (text, cut) = clip_head(&lines[..kept].join("\n"), MAX_SOFT_PROMPT_BYTES);
    cuts.mark("soft-reviews", cut || kept < lines.len());
    text
}

/// `text` with control characters other than newlines removed and trailing blanks trimmed.
pub(crate) fn multi_line(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

pub(crate) fn task(ctx: &PromptContext, cuts: &mut Cuts) -> String {
    let (task, cut) = clip_head(&multi_line(&ctx.task), MAX_TASK_BYTES);
    cuts.mark("task", cut);
    format!("TASK: {task}")
}

/// The fixed protocol blocks, in prompt order.
pub(crate) fn protocol(names: &Names, bug_id: &str) -> [String; 4] {
    let vars: [(&str, &str); 3] = [
        ("peer", &names.peer),
        ("counterpart", &names.counterpart),
        ("bug_id", bug_id),
    ];
    [
        THOROUGH_TESTING.to_owned(),
        render(BUG_HUNT, &vars),
        render(SELF_REVIEW, &vars),
        render(CONVENTIONS, &vars),
    ]
}
