//! A resumed session's figures turned into per-call deltas. Codex reports the tokens of the
//! whole thread on `exec resume` (and its cost is priced from them); claude reports per-call
//! tokens but `total_cost_usd` for the whole session. Summing such reports per call counts
//! every earlier call again, so the caller keeps a [`SessionMeter`] per session.

use peers_core::config::ToolKind;

use crate::usage::Usage;

/// Which of a tool's figures cover the whole session rather than the one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cumulative {
    tokens: bool,
    cost: bool,
}

fn cumulative(tool: &ToolKind) -> Cumulative {
    match tool {
        ToolKind::Codex => Cumulative {
            tokens: true,
            cost: true,
        },
        ToolKind::Claude => Cumulative {
            tokens: false,
            cost: true,
        },
        ToolKind::Opencode | ToolKind::Gemini | ToolKind::Generic(_) => Cumulative {
            tokens: false,
            cost: false,
        },
    }
}

/// What one call spent, given what it `reported` and what the previous call of the same
/// session reported (`None` for a fresh session). A cumulative counter that goes backwards
/// means the CLI started over (a new or reset session): the report is then the call's own.
pub fn per_call(tool: &ToolKind, previous: Option<&Usage>, reported: &Usage) -> Usage {
    let Some(previous) = previous else {
        return *reported;
    };
    let kind = cumulative(tool);
    let mut call = *reported;
    if kind.tokens {
        let fields = |usage: &Usage| {
            [
                usage.input,
                usage.cached,
                usage.cache_write,
                usage.output,
                usage.reasoning,
            ]
        };
        let went_back = fields(reported)
            .iter()
            .zip(fields(previous))
            .any(|(now, before)| *now < before);
        if went_back {
            return *reported;
        }
        call.input = reported.input - previous.input;
        call.cached = reported.cached - previous.cached;
        call.cache_write = reported.cache_write - previous.cache_write;
        call.output = reported.output - previous.output;
        call.reasoning = reported.reasoning - previous.reasoning;
    }
    if kind.cost {
        call.usd = match (reported.usd, previous.usd) {
            (Some(now), Some(before)) if now >= before => Some(now - before),
            // The session's cost went down: it started over, and this is the call's own.
            (Some(now), Some(_)) => Some(now),
            // The earlier total is unknown, so this call's share is too.
            _ => None,
        };
    }
    call
}

/// The figures last reported in one session, so the next resumed call's report becomes a
/// delta.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionMeter {
    session: Option<String>,
    reported: Option<Usage>,
}

impl SessionMeter {
    /// The session to resume, when there is one.
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// What one call spent. `resumed` is the session the call continued (`None` for a fresh
    /// call), `reply_session` the session its output names, `reported` what it reported.
    pub fn per_call(
        &mut self,
        tool: &ToolKind,
        resumed: Option<&str>,
        reply_session: Option<&str>,
        reported: &Usage,
    ) -> Usage {
        let same_session = resumed.is_some() && resumed == self.session.as_deref();
        let previous = self.reported.filter(|_| same_session);
        let call = per_call(tool, previous.as_ref(), reported);
        self.session = reply_session.or(resumed).map(str::to_owned);
        self.reported = Some(*reported);
        call
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, cached: u64, output: u64, usd: Option<f64>) -> Usage {
        Usage {
            input,
            cached,
            cache_write: 0,
            output,
            reasoning: 0,
            usd,
        }
    }

    #[test]
    fn codex_cumulative_tokens_become_the_calls_own() {
        let first = usage(2667, 666, 6, Some(0.01));
        let second = usage(5334, 1332, 12, Some(0.025));
        let call = per_call(&ToolKind::Codex, Some(&first), &second);
        assert_eq!((call.input, call.cached, call.output), (2667, 666, 6));
        assert!((call.usd.unwrap() - 0.015).abs() < 1e-12);
    }

    #[test]
    fn claude_cumulative_cost_becomes_the_calls_own_and_keeps_its_tokens() {
        let mut first = usage(10, 5, 3, Some(0.0212));
        first.cache_write = 999;
        let mut second = usage(10, 5, 3, Some(0.0425));
        second.cache_write = 999;
        let call = per_call(&ToolKind::Claude, Some(&first), &second);
        assert_eq!(
            (call.input, call.cached, call.cache_write, call.output),
            (10, 5, 999, 3)
        );
        assert!((call.usd.unwrap() - 0.0213).abs() < 1e-12);
    }

    #[test]
    fn a_fresh_session_is_taken_as_reported() {
        let report = usage(100, 0, 1, Some(0.5));
        assert_eq!(per_call(&ToolKind::Codex, None, &report), report);
        assert_eq!(per_call(&ToolKind::Claude, None, &report), report);
    }

    #[test]
    fn a_counter_that_goes_backwards_means_the_session_started_over() {
        let before = usage(5000, 1000, 50, Some(0.2));
        let after = usage(4000, 1200, 60, Some(0.1));
        assert_eq!(per_call(&ToolKind::Codex, Some(&before), &after), after);
        let claude = per_call(&ToolKind::Claude, Some(&before), &after);
        assert_eq!(claude.usd, Some(0.1));
    }

    #[test]
    fn an_unknown_earlier_cost_leaves_the_calls_cost_unknown() {
        let before = usage(1, 0, 1, None);
        let after = usage(2, 0, 2, Some(0.3));
        assert_eq!(per_call(&ToolKind::Codex, Some(&before), &after).usd, None);
    }

    #[test]
    fn per_call_tools_are_never_subtracted() {
        let before = usage(100, 0, 10, Some(0.1));
        let after = usage(100, 0, 10, Some(0.1));
        assert_eq!(per_call(&ToolKind::Gemini, Some(&before), &after), after);
        assert_eq!(per_call(&ToolKind::Opencode, Some(&before), &after), after);
    }

    #[test]
    fn the_meter_subtracts_only_within_the_session_it_saw() {
        let mut meter = SessionMeter::default();
        let first = usage(100, 0, 10, None);
        assert_eq!(
            meter.per_call(&ToolKind::Codex, None, Some("t-1"), &first),
            first
        );
        assert_eq!(meter.session(), Some("t-1"));
        let second = usage(250, 0, 25, None);
        let call = meter.per_call(&ToolKind::Codex, Some("t-1"), Some("t-1"), &second);
        assert_eq!((call.input, call.output), (150, 15));
        // A fresh call (a failed resume fell back) starts a new session: no subtraction.
        let fresh = usage(120, 0, 12, None);
        assert_eq!(
            meter.per_call(&ToolKind::Codex, None, Some("t-2"), &fresh),
            fresh
        );
        // Resuming a session the meter never saw: no subtraction either.
        let other = usage(300, 0, 30, None);
        assert_eq!(
            meter.per_call(&ToolKind::Codex, Some("t-9"), None, &other),
            other
        );
        assert_eq!(meter.session(), Some("t-9"));
    }
}
