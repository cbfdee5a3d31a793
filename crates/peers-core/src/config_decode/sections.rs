//! The settings sections of config.yaml: `budget`, `health`, `goals`, `turns` and `verify`.

use super::legacy::notice;
use crate::config::{
    BudgetSettings, ConfigNotice, GoalRunSettings, HealthSettings, MAX_OUTPUT_CAP_MIB, MaxUsdMode,
    SandboxSettings, TurnSettings, VerifyCommand, VerifySettings,
};
use crate::decode_error::DecodeError;
use crate::yaml::fields::{Field, Map};

const BUDGET_KEYS: &[&str] = &[
    "max_iterations",
    "max_runtime_s",
    "max_consecutive_failures",
    "max_tokens",
    "max_usd",
    "max_usd_mode",
];
const HEALTH_KEYS: &[&str] = &[
    "idle_timeout_s",
    "absolute_max_runtime_s",
    "grace_s",
    "buf_cap_bytes",
    "error_patterns",
    "halt_patterns",
    "hang_kill_s",
];
const GOALS_KEYS: &[&str] = &[
    "timeout_s",
    "concurrency",
    "convergence_n",
    "stuck_halt_after",
    "stuck_halt_gates",
    "soft_consensus_required",
    "describe_convergence_n",
    "stuck_progress_reset_gates",
    "output_cap_mib",
];
const TURNS_KEYS: &[&str] = &["max_retries", "recovery_interval"];
const VERIFY_KEYS: &[&str] = &["timeout_s", "commands"];
const SANDBOX_KEYS: &[&str] = &[
    "allow_hosts",
    "egress_max_mib",
    "egress_max_seconds",
    "egress_max_connections",
];
const VERIFY_COMMAND_KEYS: &[&str] = &["name", "cmd", "timeout_s"];

/// The original's limits on pattern lists, kept so a pasted list cannot slow every output line.
const MAX_PATTERNS: usize = 50;
const MAX_PATTERN_BYTES: usize = 1024;

pub(super) fn budget(map: Option<&Map<'_>>) -> Result<BudgetSettings, DecodeError> {
    let mut budget = BudgetSettings::default();
    let Some(map) = map else { return Ok(budget) };
    map.check_keys(BUDGET_KEYS)?;
    if let Some(v) = map.opt("max_iterations", Field::pos_int)? {
        budget.max_iterations = v;
    }
    if let Some(v) = map.opt("max_runtime_s", Field::pos_int)? {
        budget.max_runtime_s = v;
    }
    if let Some(v) = map.opt("max_consecutive_failures", Field::pos_u32)? {
        budget.max_consecutive_failures = v;
    }
    if let Some(v) = map.opt_or_null("max_tokens", Field::pos_int)? {
        budget.max_tokens = v;
    }
    if let Some(v) = map.opt_or_null("max_usd", Field::pos_number)? {
        budget.max_usd = v;
    }
    let modes = [
        ("auto", MaxUsdMode::Auto),
        ("hard", MaxUsdMode::Hard),
        ("warn", MaxUsdMode::Warn),
        ("off", MaxUsdMode::Off),
    ];
    if let Some(v) = map.opt("max_usd_mode", |f| f.choice(&modes))? {
        budget.max_usd_mode = v;
    }
    Ok(budget)
}

pub(super) fn health(
    map: Option<&Map<'_>>,
    notices: &mut Vec<ConfigNotice>,
) -> Result<HealthSettings, DecodeError> {
    let mut health = HealthSettings::default();
    let Some(map) = map else { return Ok(health) };
    map.check_keys(HEALTH_KEYS)?;
    let idle = map.opt("idle_timeout_s", Field::pos_int)?;
    let absolute = map.opt("absolute_max_runtime_s", Field::pos_int)?;
    health.idle_timeout_s = idle.unwrap_or(health.idle_timeout_s);
    health.absolute_max_runtime_s = absolute.unwrap_or(health.absolute_max_runtime_s);
    if health.absolute_max_runtime_s < health.idle_timeout_s {
        let at = map
            .field("absolute_max_runtime_s")
            .or_else(|| map.field("idle_timeout_s"));
        let message = format!(
            "absolute_max_runtime_s ({}) is shorter than idle_timeout_s ({})",
            health.absolute_max_runtime_s, health.idle_timeout_s
        );
        let err = match at {
            Some(field) => field.err(message),
            None => map.err_here(message),
        };
        return Err(err.with_hint(
            "raise absolute_max_runtime_s or lower idle_timeout_s: the idle limit could never fire before the hard one",
        ));
    }
    if let Some(v) = map.opt("grace_s", Field::pos_int)? {
        health.grace_s = v;
    }
    if let Some(v) = map.opt("buf_cap_bytes", Field::pos_int)? {
        health.buf_cap_bytes = v;
    }
    if let Some(v) = map.opt("error_patterns", patterns)? {
        health.error_patterns = v;
    }
    if let Some(v) = map.opt("halt_patterns", patterns)? {
        health.halt_patterns = v;
    }
    if let Some(field) = map.field("hang_kill_s") {
        notices.push(notice(
            &field,
            "peers stops hung peers through idle_timeout_s and absolute_max_runtime_s; hang_kill_s has no effect",
        ));
    }
    Ok(health)
}

/// A list of regexes, each checked to compile so a typo fails at load, not mid-run.
fn patterns(field: &Field<'_>) -> Result<Vec<String>, DecodeError> {
    let items = field.list()?;
    if items.len() > MAX_PATTERNS {
        return Err(field.err(format!(
            "at most {MAX_PATTERNS} patterns are allowed, found {}",
            items.len()
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let pattern = item.non_empty_string()?;
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(item.err(format!(
                "pattern is {} bytes; at most {MAX_PATTERN_BYTES} are allowed",
                pattern.len()
            )));
        }
        if let Err(err) = regex::Regex::new(pattern) {
            return Err(regex_error(&item, pattern, &err));
        }
        out.push(pattern.to_owned());
    }
    Ok(out)
}

fn regex_error(item: &Field<'_>, pattern: &str, err: &regex::Error) -> DecodeError {
    let detail = err.to_string();
    // regex's syntax errors end with an `error: …` line under a caret drawing of the pattern.
    let summary = detail
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| detail.lines().last().unwrap_or(&detail));
    let lookaround = ["(?=", "(?!", "(?<=", "(?<!"]
        .iter()
        .any(|s| pattern.contains(s));
    let hint = if lookaround {
        "the regex crate has no look-ahead or look-behind; rewrite the pattern without them"
            .to_owned()
    } else {
        detail.trim_end().to_owned()
    };
    item.err(format!("invalid regular expression: {summary}"))
        .with_hint(hint)
}

pub(super) fn goals(
    map: &Map<'_>,
    notices: &mut Vec<ConfigNotice>,
) -> Result<GoalRunSettings, DecodeError> {
    map.check_keys(GOALS_KEYS)?;
    let mut goals = GoalRunSettings::default();
    if let Some(v) = map.opt("timeout_s", Field::pos_int)? {
        goals.timeout_s = v;
    }
    if let Some(v) = map.opt_or_null("concurrency", |f| f.pos_u32().map(|n| n as usize))? {
        goals.concurrency = v;
    }
    if let Some(v) = map.opt("convergence_n", Field::pos_u32)? {
        goals.convergence_n = v;
    }
    if let Some(v) = map.opt("stuck_halt_after", Field::pos_u32)? {
        goals.stuck_halt_after = v;
    }
    if let Some(v) = map.opt("stuck_halt_gates", Field::string_list)? {
        goals.stuck_halt_gates = v;
    }
    if let Some(v) = map.opt("soft_consensus_required", Field::bool)? {
        goals.soft_consensus_required = v;
    }
    if let Some(v) = map.opt("output_cap_mib", |f| f.pos_int_up_to(MAX_OUTPUT_CAP_MIB))? {
        goals.output_cap_mib = v;
    }
    if let Some(field) = map.field("describe_convergence_n") {
        notices.push(notice(
            &field,
            "it belonged to the original's describe mode, which peers does not have",
        ));
    }
    if let Some(field) = map.field("stuck_progress_reset_gates") {
        notices.push(notice(
            &field,
            "peers counts a gate as stuck only by stuck_halt_after and stuck_halt_gates",
        ));
    }
    Ok(goals)
}

pub(super) fn turns(map: &Map<'_>) -> Result<TurnSettings, DecodeError> {
    map.check_keys(TURNS_KEYS)?;
    let mut turns = TurnSettings::default();
    if let Some(v) = map.opt("max_retries", |f| {
        let n = f.non_neg_int()?;
        u32::try_from(n).map_err(|_| f.err(format!("expected at most 4294967295, found {n}")))
    })? {
        turns.max_retries = v;
    }
    if let Some(v) = map.opt("recovery_interval", Field::pos_int)? {
        turns.recovery_interval = v;
    }
    Ok(turns)
}

/// `sandbox:`; the host patterns themselves are checked where they are used (peers-proxy).
pub(super) fn sandbox(map: Option<&Map<'_>>) -> Result<SandboxSettings, DecodeError> {
    let mut sandbox = SandboxSettings::default();
    let Some(map) = map else { return Ok(sandbox) };
    map.check_keys(SANDBOX_KEYS)?;
    if let Some(list) = map.field("allow_hosts") {
        if !list.is_null() {
            sandbox.allow_hosts = list.string_list()?;
        }
    }
    if let Some(v) = map.opt("egress_max_mib", |field| {
        field.pos_int_up_to(SandboxSettings::MAX_EGRESS_MIB)
    })? {
        sandbox.egress_max_mib = v;
    }
    if let Some(v) = map.opt("egress_max_seconds", |field| {
        field.pos_int_up_to(SandboxSettings::MAX_EGRESS_SECONDS)
    })? {
        sandbox.egress_max_seconds = v;
    }
    if let Some(v) = map.opt("egress_max_connections", |field| {
        field.pos_int_up_to(SandboxSettings::MAX_EGRESS_CONNECTIONS)
    })? {
        sandbox.egress_max_connections = v;
    }
    Ok(sandbox)
}

pub(super) fn verify(map: Option<&Map<'_>>) -> Result<VerifySettings, DecodeError> {
    let mut verify = VerifySettings::default();
    let Some(map) = map else { return Ok(verify) };
    map.check_keys(VERIFY_KEYS)?;
    verify.timeout_s = map.opt("timeout_s", Field::pos_int)?;
    let Some(list) = map.field("commands") else {
        return Ok(verify);
    };
    for item in list.list()? {
        let command = verify_command(&item.map()?)?;
        if let Some(first) = verify.commands.iter().position(|c| c.name == command.name) {
            return Err(item
                .err(format!(
                    "duplicate verify command name '{}' (also {}[{first}])",
                    command.name, list.path
                ))
                .with_hint("give each command a distinct `name:`"));
        }
        verify.commands.push(command);
    }
    Ok(verify)
}

fn verify_command(map: &Map<'_>) -> Result<VerifyCommand, DecodeError> {
    map.check_keys(VERIFY_COMMAND_KEYS)?;
    let cmd = map.required("cmd")?.non_empty_string()?.to_owned();
    let name = map
        .opt("name", Field::non_empty_string)?
        .map_or_else(|| cmd.clone(), str::to_owned);
    let timeout_s = map.opt("timeout_s", Field::pos_int)?;
    Ok(VerifyCommand {
        name,
        cmd,
        timeout_s,
    })
}
