//! One reviewer answering one round: resume the session if it can (falling back to a fresh
//! call when that fails), parse the answer, and ask once more with a format reminder when the
//! answer is malformed. Every call's prompt and raw output is archived.

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::rules::{FindingsBlock, StancesBlock, parse_findings, parse_stances};
use peers_agent::resolve_command;
use peers_agent::{
    CallKind, CallOutput, Classification, Flow, Invocation, Launcher, Limits, Patterns, PriceTable,
    SessionMeter, Usage, invoke_with_prices, peer_environment, read_reply,
};
use peers_process::ExitInfo;

use crate::archive::{Archive, with_suffix};
use crate::error::{CallEnding, CallError, ReviewerFailure};
use crate::prompt::format_reminder;
use crate::reviewer::Reviewer;

/// Limits and environment shared by every call of a review.
#[derive(Debug, Clone)]
pub struct CallLimits {
    /// Absolute limit of one call.
    pub timeout: Duration,
    pub grace: Duration,
    pub capture_cap: usize,
}

/// Everything one call needs besides the prompt.
pub(crate) struct CallContext<'a> {
    pub reviewer: &'a Reviewer,
    pub repo: &'a Path,
    /// peers' own environment; the reviewer's is derived from it.
    pub parent_env: &'a [(OsString, OsString)],
    pub launcher: &'a dyn Launcher,
    pub limits: &'a CallLimits,
    pub archive: &'a Archive,
    pub prices: &'a PriceTable,
    pub round: u32,
}

/// What a reviewer answered in one round, and what it cost.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answer {
    pub findings: FindingsBlock,
    pub stances: StancesBlock,
    /// The session to resume next round, and what it reported so far.
    pub session: SessionMeter,
    pub stats: CallStats,
    /// Lines skipped in the accepted answer, for the process notes.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct CallStats {
    /// What the calls spent, each call counted once (resumed sessions' totals are turned into
    /// per-call figures by the adapter's [`SessionMeter`]).
    pub usage: Usage,
    pub seconds: f64,
    pub format_retries: u32,
    pub resumed: u32,
    pub resume_fallbacks: u32,
}

impl Default for CallStats {
    fn default() -> Self {
        Self {
            usage: Usage::nothing(),
            seconds: 0.0,
            format_retries: 0,
            resumed: 0,
            resume_fallbacks: 0,
        }
    }
}

/// One round's prompt for a fresh call, and the shorter one for a resumed session.
#[derive(Debug, Clone)]
pub(crate) struct RoundPrompt {
    pub fresh: String,
    pub resumed: String,
}

impl RoundPrompt {
    fn with_reminder(&self, reminder: &str) -> Self {
        Self {
            fresh: format!("{}{reminder}", self.fresh),
            resumed: format!("{}{reminder}", self.resumed),
        }
    }
}

/// Runs the round for one reviewer, continuing `session` where the CLI can. `Err` says why
/// the reviewer gave no usable answer.
pub(crate) fn answer(
    ctx: &CallContext<'_>,
    prompt: &RoundPrompt,
    mut session: SessionMeter,
    debate_round: bool,
) -> Result<Answer, ReviewerFailure> {
    let mut stats = CallStats::default();
    let text = call_with_fallback(ctx, prompt, &mut session, "", &mut stats)?;
    let first = parse(&text, debate_round);
    if first.problems.is_empty() {
        return Ok(first.into_answer(session, stats));
    }
    stats.format_retries += 1;
    let retry_prompt = prompt.with_reminder(&format_reminder(&first.problems, debate_round));
    let retried = call_with_fallback(ctx, &retry_prompt, &mut session, "retry", &mut stats);
    let failure = match retried {
        Ok(text) => {
            let second = parse(&text, debate_round);
            if second.usable(debate_round) {
                return Ok(second.into_answer(session, stats));
            }
            ReviewerFailure::MalformedTwice {
                problems: second.problems,
            }
        }
        Err(source) => ReviewerFailure::RetryFailed { source },
    };
    // The first answer had a block with some bad lines: keep its good lines.
    if first.usable(debate_round) {
        return Ok(first.into_answer(session, stats));
    }
    Err(failure)
}

/// The parsed blocks of one answer and what is wrong with it.
struct Parsed {
    findings: FindingsBlock,
    stances: StancesBlock,
    /// Empty when the answer is well-formed.
    problems: Vec<String>,
}

impl Parsed {
    /// The block the round needs is there (possibly with skipped lines).
    fn usable(&self, debate_round: bool) -> bool {
        if debate_round {
            self.stances.found
        } else {
            self.findings.found
        }
    }

    fn into_answer(self, session: SessionMeter, stats: CallStats) -> Answer {
        Answer {
            findings: self.findings,
            stances: self.stances,
            session,
            stats,
            problems: self.problems,
        }
    }
}

/// The blocks of an answer and what is wrong with it.
fn parse(text: &str, debate_round: bool) -> Parsed {
    let findings = parse_findings(text);
    let stances = if debate_round {
        parse_stances(text)
    } else {
        StancesBlock::default()
    };
    let mut problems = Vec::new();
    if debate_round && !stances.found {
        problems.push("no ```stances block was found".to_owned());
    }
    if !debate_round && !findings.found {
        problems.push("no ```findings block was found".to_owned());
    }
    for (block, list) in [
        ("findings", &findings.problems),
        ("stances", &stances.problems),
    ] {
        for problem in list {
            problems.push(format!("{block} line {}: {}", problem.line, problem.error));
        }
    }
    Parsed {
        findings,
        stances,
        problems,
    }
}

/// Resumes `session` when possible; a failed resume falls back to a fresh call with the same
/// prompt (it carries the whole table and the scope). Returns the reply text; `session` then
/// names the session to continue.
fn call_with_fallback(
    ctx: &CallContext<'_>,
    prompt: &RoundPrompt,
    session: &mut SessionMeter,
    label: &str,
    stats: &mut CallStats,
) -> Result<String, CallError> {
    let resumable = session
        .session()
        .filter(|_| ctx.reviewer.supports_resume())
        .map(str::to_owned);
    if let Some(id) = resumable {
        let resume_label = if label.is_empty() {
            "resume".to_owned()
        } else {
            format!("{label}.resume")
        };
        match call(
            ctx,
            &prompt.resumed,
            Some(&id),
            session,
            &resume_label,
            stats,
        ) {
            Ok(text) => {
                stats.resumed += 1;
                return Ok(text);
            }
            Err(_) => stats.resume_fallbacks += 1,
        }
    }
    call(ctx, &prompt.fresh, None, session, label, stats)
}

/// One process run: prepare the read-only command, launch it through the review's launcher
/// (the loop's supervisor, as every agent process), archive its output, read the reply through
/// the CLI's adapter and book what the call spent. `resume` is the session it continues.
/// `Err` when the process failed.
fn call(
    ctx: &CallContext<'_>,
    prompt: &str,
    resume: Option<&str>,
    session: &mut SessionMeter,
    label: &str,
    stats: &mut CallStats,
) -> Result<String, CallError> {
    let prefix = ctx
        .archive
        .call_prefix(ctx.round, &ctx.reviewer.name, label)
        .map_err(|error| CallError::Archive(Box::new(error)))?;
    let prompt_path = with_suffix(&prefix, "prompt.md");
    ctx.archive
        .write(&prompt_path, prompt.as_bytes())
        .map_err(|error| CallError::Archive(Box::new(error)))?;
    let command = ctx
        .reviewer
        .command(prompt, resume, &prompt_path)
        .map_err(|source| CallError::Command {
            source: Box::new(source),
        })?;
    let program = command.argv.first().cloned().unwrap_or_default();
    let invocation = Invocation {
        peer: ctx.reviewer.name.clone(),
        kind: CallKind::ReviewRound { round: ctx.round },
        tool: ctx.reviewer.tool.clone(),
        command,
        cwd: ctx.repo.to_path_buf(),
        env: environment(ctx.reviewer, ctx.parent_env, ctx.round),
        limits: Limits {
            // A review call has one limit: its whole duration.
            idle: ctx.limits.timeout,
            absolute: ctx.limits.timeout,
            grace: ctx.limits.grace,
            buf_cap: ctx.limits.capture_cap,
        },
        patterns: Patterns::none(),
    };
    let never = AtomicBool::new(false);
    let run = invoke_with_prices(&invocation, ctx.launcher, ctx.prices, &never, &mut |_| {
        Flow::Continue
    })
    .map_err(|source| CallError::Launch {
        source: Box::new(source),
    })?;
    stats.seconds += run.duration.as_secs_f64();
    let (stdout, stderr) = (run.stdout_log.log_bytes(), run.stderr_log.log_bytes());
    let saved = ctx
        .archive
        .write(&with_suffix(&prefix, "stdout"), &stdout)
        .and_then(|()| ctx.archive.write(&with_suffix(&prefix, "stderr"), &stderr));
    saved.map_err(|error| CallError::Archive(Box::new(error)))?;
    let reply = read_reply(
        &CallOutput {
            tool: &ctx.reviewer.tool,
            argv: &invocation.command.argv,
            env: &invocation.env,
            exit_code: run.exit_code,
            stdout: &stdout,
            stderr: &stderr,
        },
        ctx.prices,
    );
    let spent = session.per_call(
        &ctx.reviewer.tool,
        resume,
        reply.session_id.as_deref(),
        &reply.usage,
    );
    stats.usage.add(&spent);
    if run.classification != Classification::Success {
        let ending = match run.classification {
            Classification::AbsoluteTimeout | Classification::IdleTimeout => CallEnding::TimedOut,
            _ => CallEnding::Exited(ExitInfo {
                code: run.exit_code,
                signal: run.signal,
            }),
        };
        let stderr_tail: String = {
            let chars: Vec<char> = run.stderr_tail.chars().collect();
            chars[chars.len().saturating_sub(300)..].iter().collect()
        };
        return Err(CallError::Failed {
            program,
            ending,
            stderr_tail,
        });
    }
    Ok(reply.text)
}

/// The reviewer's environment, built as every agent process's is (the one allowlist, its
/// `env:` names and the tool's overrides, from peers' own environment `parent`), plus the
/// round markers scripted reviewers key on.
fn environment(
    reviewer: &Reviewer,
    parent: &[(OsString, OsString)],
    round: u32,
) -> Vec<(OsString, OsString)> {
    let peer = reviewer.peer();
    let mut env = peer_environment(
        parent.iter().cloned(),
        &resolve_command(peer),
        &peer.env,
        &peer.name,
    );
    env.push(("PEERS_REVIEW_ROUND".into(), round.to_string().into()));
    env.push(("PEERS_REVIEWER".into(), reviewer.name.clone().into()));
    env
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
