//! The review loop: a blind pass, then debate rounds until the table converges (derived from
//! the issue states) or the round cap is reached; reviewers of one round run concurrently.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::rules::{
    Debate, RawFinding, ReviewVerdict, ReviewerReport, RoundResponse, StanceLine, build,
    render_markdown,
};
use peers_agent::{Launcher, PriceTable, SessionMeter};

use crate::archive::Archive;
use crate::call::{Answer, CallContext, CallLimits, RoundPrompt, answer};
use crate::error::{ReviewError, ReviewerFailure};
use crate::prompt;
use crate::reviewer::Reviewer;
use crate::scope::Material;

/// Everything a review runs with.
#[derive(Debug, Clone)]
pub struct ReviewSettings {
    /// Working directory of every reviewer (the repository root).
    pub repo: PathBuf,
    pub reviewers: Vec<Reviewer>,
    /// Rounds in total, the blind pass included (default 3: one blind pass, two debate rounds).
    pub max_rounds: u32,
    /// peers' own environment: each reviewer's is derived from it as a loop peer's is
    /// (`peers_agent::peer_environment`: the allowlist, its `env:` names, its overrides).
    pub parent_env: Vec<(OsString, OsString)>,
    /// Starts every reviewer call (the launch interface every agent process goes through).
    pub launcher: Arc<dyn Launcher>,
    pub limits: CallLimits,
    /// Prices for the CLIs that report tokens but no cost (codex, gemini).
    pub prices: PriceTable,
}

/// The result of a review.
#[derive(Debug, Clone)]
pub struct ReviewOutcome {
    pub verdict: ReviewVerdict,
    pub markdown: String,
    /// Where the prompts, raw outputs and the verdict were saved.
    pub archive: PathBuf,
    /// Some reviewer gave no usable answer in some round and was dropped.
    pub reviewer_failed: bool,
    /// Wall time of each round, blind pass first.
    pub round_times: Vec<Duration>,
}

/// Per-reviewer progress across rounds.
struct Seat {
    report: ReviewerReport,
    session: SessionMeter,
    active: bool,
}

/// Runs the whole review and saves it under `archive`. `progress` gets one line per event.
pub fn run_review(
    settings: &ReviewSettings,
    material: &Material,
    archive: &Archive,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ReviewOutcome, ReviewError> {
    if settings.reviewers.len() < 2 {
        return Err(ReviewError::TooFewReviewers {
            count: settings.reviewers.len(),
        });
    }
    let mut seats: Vec<Seat> = settings.reviewers.iter().map(seat).collect();
    let mut debate = Debate::new();
    let mut round_times = Vec::new();
    let max_rounds = settings.max_rounds.max(1);
    for round in 1..=max_rounds {
        if round > 1 && debate.converged() {
            break;
        }
        let active = seats.iter().filter(|s| s.active).count();
        if round > 1 && active < 2 {
            debate.note(format!(
                "round {round}: fewer than two reviewers left; the debate stopped"
            ));
            break;
        }
        progress(&format!("round {round}: {active} reviewer(s)…"));
        let started = Instant::now();
        let answers = run_round(settings, material, archive, &debate, &seats, round);
        round_times.push(started.elapsed());
        apply_round(&mut debate, &mut seats, answers, round);
    }
    let reviewer_failed = seats.iter().any(|s| s.report.failed.is_some());
    let reports = seats.into_iter().map(|s| s.report).collect();
    let verdict = build(&debate, &material.description, max_rounds, reports);
    let markdown = render_markdown(&verdict);
    let json = serde_json::to_string_pretty(&verdict).unwrap_or_default();
    archive.save_verdict(&markdown, &json)?;
    Ok(ReviewOutcome {
        verdict,
        markdown,
        archive: archive.dir().to_path_buf(),
        reviewer_failed,
        round_times,
    })
}

fn seat(reviewer: &Reviewer) -> Seat {
    Seat {
        report: ReviewerReport {
            name: reviewer.name.clone(),
            tool: reviewer.tool.as_str().to_owned(),
            read_only: reviewer.read_only.clone(),
            ..ReviewerReport::default()
        },
        session: SessionMeter::default(),
        active: true,
    }
}

/// Every active reviewer answers the round on its own thread; answers come back in seat order.
fn run_round(
    settings: &ReviewSettings,
    material: &Material,
    archive: &Archive,
    debate: &Debate,
    seats: &[Seat],
    round: u32,
) -> Vec<Option<Result<Answer, ReviewerFailure>>> {
    let blind = (round == 1).then(|| prompt::blind(material, settings.reviewers.len()));
    std::thread::scope(|scope| {
        let handles: Vec<_> = settings
            .reviewers
            .iter()
            .zip(seats)
            .map(|(reviewer, seat)| {
                if !seat.active {
                    return None;
                }
                let text = match &blind {
                    Some(text) => RoundPrompt {
                        fresh: text.clone(),
                        resumed: text.clone(),
                    },
                    None => RoundPrompt {
                        fresh: prompt::debate(material, debate, &reviewer.name, round, true),
                        resumed: prompt::debate(material, debate, &reviewer.name, round, false),
                    },
                };
                let ctx = CallContext {
                    reviewer,
                    repo: &settings.repo,
                    parent_env: &settings.parent_env,
                    launcher: settings.launcher.as_ref(),
                    limits: &settings.limits,
                    archive,
                    prices: &settings.prices,
                    round,
                };
                let session = seat.session.clone();
                Some(scope.spawn(move || answer(&ctx, &text, session, round > 1)))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.map(|h| h.join().unwrap_or(Err(ReviewerFailure::Panicked))))
            .collect()
    })
}

/// Books the answers (usage, failures, sessions) and moves the table.
fn apply_round(
    debate: &mut Debate,
    seats: &mut [Seat],
    answers: Vec<Option<Result<Answer, ReviewerFailure>>>,
    round: u32,
) {
    let mut answered: Vec<(String, Vec<StanceLine>, Vec<RawFinding>)> = Vec::new();
    for (seat, result) in seats.iter_mut().zip(answers) {
        let report = &mut seat.report;
        match result {
            None => {}
            Some(Err(why)) => {
                seat.active = false;
                report.failed = Some(format!("round {round}: {why}"));
            }
            Some(Ok(answer)) => {
                // The first answer's cost starts the sum; an unknown one keeps it unknown.
                report.usd = match report.rounds_answered {
                    0 => answer.stats.usage.usd,
                    _ => report.usd.zip(answer.stats.usage.usd).map(|(a, b)| a + b),
                };
                report.rounds_answered += 1;
                report.format_retries += answer.stats.format_retries;
                report.resumed += answer.stats.resumed;
                report.resume_fallbacks += answer.stats.resume_fallbacks;
                let usage = &answer.stats.usage;
                report.input_tokens += usage.input;
                report.cached_tokens += usage.cached;
                report.cache_write_tokens += usage.cache_write;
                report.output_tokens += usage.output + usage.reasoning;
                report.seconds += answer.stats.seconds;
                seat.session = answer.session;
                for problem in &answer.problems {
                    debate.note(format!("round {round}: {}: skipped {problem}", report.name));
                }
                answered.push((
                    report.name.clone(),
                    answer.stances.stances,
                    answer.findings.findings,
                ));
            }
        }
    }
    if round == 1 {
        let blind: Vec<(&str, &[RawFinding])> = answered
            .iter()
            .map(|(name, _, findings)| (name.as_str(), findings.as_slice()))
            .collect();
        debate.blind_pass(&blind);
    } else {
        let responses: Vec<RoundResponse<'_>> = answered
            .iter()
            .map(|(name, stances, findings)| RoundResponse {
                reviewer: name,
                stances,
                findings,
            })
            .collect();
        debate.debate_round(&responses);
    }
}
