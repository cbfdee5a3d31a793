//! Tokens and money one peer invocation spent, normalised across the four CLIs.

/// Token counts that never overlap, and the cost in US dollars.
///
/// Each CLI counts differently (OpenAI and Gemini include cached tokens in `input`, OpenAI
/// includes reasoning in `output`, opencode and Gemini subtract them); the adapters convert
/// so that every field here is disjoint and [`Usage::total_tokens`] double-counts nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Fresh input tokens: neither read from nor written to the prompt cache.
    pub input: u64,
    /// Input tokens read from the prompt cache.
    pub cached: u64,
    /// Input tokens written to the prompt cache (Anthropic's cache creation).
    pub cache_write: u64,
    /// Output tokens, not counting reasoning.
    pub output: u64,
    /// Reasoning ("thinking") tokens, when the CLI reports them apart from output.
    pub reasoning: u64,
    /// `None` when the cost is unknown (no cost reported and no price for the model); never a
    /// made-up zero.
    pub usd: Option<f64>,
}

impl Usage {
    pub fn total_tokens(&self) -> u64 {
        self.input
            .saturating_add(self.cached)
            .saturating_add(self.cache_write)
            .saturating_add(self.output)
            .saturating_add(self.reasoning)
    }

    /// Nothing spent yet, at a known cost of zero: the start of a sum.
    pub fn nothing() -> Self {
        Self {
            usd: Some(0.0),
            ..Self::default()
        }
    }

    /// Adds `other`: its tokens, and its cost while both costs are known (an unknown part
    /// makes the whole sum unknown, never a smaller number).
    pub fn add(&mut self, other: &Usage) {
        self.add_tokens(other);
        self.usd = self.usd.zip(other.usd).map(|(a, b)| a + b);
    }

    /// Adds the tokens of `other` only; the caller decides the cost.
    pub(crate) fn add_tokens(&mut self, other: &Usage) {
        self.input = self.input.saturating_add(other.input);
        self.cached = self.cached.saturating_add(other.cached);
        self.cache_write = self.cache_write.saturating_add(other.cache_write);
        self.output = self.output.saturating_add(other.output);
        self.reasoning = self.reasoning.saturating_add(other.reasoning);
    }
}

/// A non-negative integer field of a JSON object (negative, fractional or other → 0).
pub(crate) fn count(value: &serde_json::Value, key: &str) -> u64 {
    value
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0)
}

/// A finite, non-negative number field of a JSON object; anything else is unknown.
pub(crate) fn dollars(value: &serde_json::Value, key: &str) -> Option<f64> {
    value
        .get(key)
        .and_then(serde_json::Value::as_f64)
        .filter(|usd| usd.is_finite() && *usd >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_sums_every_disjoint_field() {
        let usage = Usage {
            input: 1,
            cached: 2,
            cache_write: 4,
            output: 8,
            reasoning: 16,
            usd: None,
        };
        assert_eq!(usage.total_tokens(), 31);
    }

    #[test]
    fn an_unknown_cost_makes_the_sum_unknown() {
        let mut sum = Usage::nothing();
        sum.add(&Usage {
            output: 2,
            usd: Some(0.5),
            ..Usage::default()
        });
        assert_eq!((sum.output, sum.usd), (2, Some(0.5)));
        sum.add(&Usage {
            output: 3,
            ..Usage::default()
        });
        assert_eq!((sum.output, sum.usd), (5, None));
    }

    #[test]
    fn json_numbers_that_are_not_counts_are_rejected() {
        let value = serde_json::json!({"a": -3, "b": 1.5, "c": true, "d": 7, "usd": -1.0});
        assert_eq!(count(&value, "a"), 0);
        assert_eq!(count(&value, "b"), 0);
        assert_eq!(count(&value, "c"), 0);
        assert_eq!(count(&value, "d"), 7);
        assert_eq!(dollars(&value, "usd"), None);
        assert_eq!(dollars(&value, "missing"), None);
    }
}
