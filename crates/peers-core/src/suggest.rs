//! "Did you mean …?" for misspelt keys and values.

/// Below this Jaro-Winkler similarity a candidate is more likely noise than the intended word.
const MIN_SIMILARITY: f64 = 0.8;

/// The candidate closest to `input`, if any is close enough to be a plausible typo.
///
/// Jaro-Winkler favours a shared prefix, which is how config keys are usually misspelt
/// (`max_usd_mod`, `idle_timeout`); ties go to the earlier candidate.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for &candidate in candidates {
        let score = strsim::jaro_winkler(&input, &candidate.to_ascii_lowercase());
        if score >= MIN_SIMILARITY && best.is_none_or(|(_, b)| score > b) {
            best = Some((candidate, score));
        }
    }
    best.map(|(candidate, _)| candidate)
}

/// `did you mean 'x'?` for a hint line.
pub fn hint_for(input: &str, candidates: &[&str]) -> Option<String> {
    did_you_mean(input, candidates).map(|c| format!("did you mean '{c}'?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET: &[&str] = &[
        "max_iterations",
        "max_runtime_s",
        "max_consecutive_failures",
        "max_tokens",
        "max_usd",
        "max_usd_mode",
    ];

    #[test]
    fn suggests_the_nearest_key() {
        assert_eq!(did_you_mean("max_usd_mod", BUDGET), Some("max_usd_mode"));
        assert_eq!(
            did_you_mean("max_iteration", BUDGET),
            Some("max_iterations")
        );
        assert_eq!(did_you_mean("max_runtime", BUDGET), Some("max_runtime_s"));
        assert_eq!(did_you_mean("MAX_TOKENS", BUDGET), Some("max_tokens"));
    }

    #[test]
    fn suggests_values() {
        assert_eq!(
            did_you_mean("argv-subsitute", &["stdin", "argv-substitute", "file"]),
            Some("argv-substitute")
        );
        assert_eq!(
            did_you_mean("hgih", &["low", "medium", "high"]),
            Some("high")
        );
    }

    #[test]
    fn stays_silent_for_unrelated_words() {
        assert_eq!(did_you_mean("colour", BUDGET), None);
        assert_eq!(did_you_mean("peers", &["budget", "health", "verify"]), None);
        assert_eq!(did_you_mean("x", &[]), None);
    }

    #[test]
    fn hint_wraps_the_suggestion() {
        assert_eq!(
            hint_for("max_usd_mod", BUDGET).as_deref(),
            Some("did you mean 'max_usd_mode'?")
        );
        assert_eq!(hint_for("zzz", BUDGET), None);
    }
}
