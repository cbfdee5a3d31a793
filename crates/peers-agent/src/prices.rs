//! USD per million tokens for the models whose CLIs report no cost (codex, gemini).
//!
//! Source: the vendors' public pricing pages (platform.openai.com/docs/pricing and
//! ai.google.dev/gemini-api/docs/pricing) as of 2025-10-01, standard tier, prompts under
//! 200k tokens. A model missing from the table has an unknown cost (`usd: None`), never 0.
//! The table is plain data so configuration can replace or extend it.

use peers_core::config::ModelPriceSettings;

use crate::usage::Usage;

/// The date the built-in prices were taken.
pub const BUILTIN_PRICES_AS_OF: &str = "2025-10-01";

/// Prices per million tokens of one model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPrice {
    /// The model id as the API knows it, lower case, without provider prefix or date suffix.
    pub model: String,
    pub input: f64,
    pub cached_input: f64,
    pub cache_write: f64,
    pub output: f64,
    /// Reasoning tokens; the vendors bill them as output, so the built-in table uses `output`.
    pub reasoning: f64,
}

/// A price list and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    /// Where and when the prices were taken, for reports.
    pub source: String,
    pub models: Vec<ModelPrice>,
}

/// (model, input, cached input, output) in USD per million tokens.
const BUILTIN: &[(&str, f64, f64, f64)] = &[
    ("gpt-5", 1.25, 0.125, 10.0),
    ("gpt-5-codex", 1.25, 0.125, 10.0),
    ("gpt-5.1", 1.25, 0.125, 10.0),
    ("gpt-5.1-codex", 1.25, 0.125, 10.0),
    ("gpt-5-mini", 0.25, 0.025, 2.0),
    ("gpt-5.1-codex-mini", 0.25, 0.025, 2.0),
    ("gpt-5-nano", 0.05, 0.005, 0.4),
    ("gpt-4.1", 2.0, 0.5, 8.0),
    ("gpt-4.1-mini", 0.4, 0.1, 1.6),
    ("gpt-4o", 2.5, 1.25, 10.0),
    ("o3", 2.0, 0.5, 8.0),
    ("o4-mini", 1.1, 0.275, 4.4),
    ("codex-mini-latest", 1.5, 0.375, 6.0),
    ("gemini-2.5-pro", 1.25, 0.125, 10.0),
    ("gemini-2.5-flash", 0.3, 0.03, 2.5),
    ("gemini-2.5-flash-lite", 0.1, 0.01, 0.4),
    ("gemini-2.0-flash", 0.1, 0.025, 0.4),
    ("gemini-2.0-flash-lite", 0.075, 0.075, 0.3),
];

impl PriceTable {
    /// The built-in table (see the module docs for its source and date).
    pub fn builtin() -> Self {
        Self {
            source: format!(
                "built-in: OpenAI and Google pricing pages as of {BUILTIN_PRICES_AS_OF}"
            ),
            models: BUILTIN
                .iter()
                .map(|&(model, input, cached_input, output)| ModelPrice {
                    model: model.to_owned(),
                    input,
                    cached_input,
                    // Neither vendor bills cache writes separately.
                    cache_write: input,
                    output,
                    reasoning: output,
                })
                .collect(),
        }
    }

    /// The built-in table with `overrides` (config.yaml `prices:`) replacing the entries of
    /// the same model and adding the others; the source names the overridden models.
    pub fn with_overrides(overrides: &[ModelPriceSettings]) -> Self {
        let mut table = Self::builtin();
        if overrides.is_empty() {
            return table;
        }
        for price in overrides {
            let model = normalise(&price.model);
            table.models.retain(|known| known.model != model);
            table.models.push(ModelPrice {
                model,
                input: price.input_per_mtok,
                cached_input: price.cached_per_mtok,
                cache_write: price.cache_write_per_mtok,
                output: price.output_per_mtok,
                reasoning: price.reasoning_per_mtok,
            });
        }
        let names: Vec<&str> = overrides.iter().map(|p| p.model.as_str()).collect();
        table.source = format!(
            "{}; config.yaml prices for {}",
            table.source,
            names.join(", ")
        );
        table
    }

    /// The price of `model`, matched exactly after normalising (`openai/gpt-5-2025-08-07`
    /// finds `gpt-5`); a near name such as `gpt-5.5` is NOT matched to `gpt-5`.
    pub fn lookup(&self, model: &str) -> Option<&ModelPrice> {
        let wanted = normalise(model);
        self.models.iter().find(|price| price.model == wanted)
    }

    /// What `usage` costs on `model`, or `None` when the model has no price.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        let price = self.lookup(model)?;
        let per_token = |count: u64, per_million: f64| count as f64 * per_million / 1e6;
        Some(
            per_token(usage.input, price.input)
                + per_token(usage.cached, price.cached_input)
                + per_token(usage.cache_write, price.cache_write)
                + per_token(usage.output, price.output)
                + per_token(usage.reasoning, price.reasoning),
        )
    }
}

/// Lower case, no `provider/` prefix, no `-YYYY-MM-DD` / `-YYYYMMDD` / `-latest` suffix
/// (except where `-latest` is part of the id itself, as in `codex-mini-latest`).
fn normalise(model: &str) -> String {
    let model = model.trim().to_ascii_lowercase();
    let model = model.rsplit('/').next().unwrap_or_default().to_owned();
    if model == "codex-mini-latest" {
        return model;
    }
    let is_date = |suffix: &str| {
        let digits: String = suffix.chars().filter(char::is_ascii_digit).collect();
        digits.len() == 8 && suffix.chars().all(|c| c.is_ascii_digit() || c == '-')
    };
    for (index, _) in model.match_indices('-') {
        let suffix = &model[index + 1..];
        if suffix == "latest" || is_date(suffix) {
            return model[..index].to_owned();
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_and_prefixed_names_find_the_base_model() {
        let table = PriceTable::builtin();
        assert_eq!(table.lookup("gpt-5-2025-08-07").unwrap().model, "gpt-5");
        assert_eq!(table.lookup("openai/GPT-5").unwrap().model, "gpt-5");
        assert_eq!(
            table.lookup("gemini-2.5-flash-latest").unwrap().model,
            "gemini-2.5-flash"
        );
        assert_eq!(
            table.lookup("codex-mini-latest").unwrap().model,
            "codex-mini-latest"
        );
    }

    #[test]
    fn unknown_models_have_no_price_rather_than_a_near_one() {
        let table = PriceTable::builtin();
        for unknown in ["gpt-5.5", "mock-model", "gemini-3.8-flash", "gemini-2.5"] {
            assert!(table.lookup(unknown).is_none(), "{unknown}");
            assert_eq!(table.cost(unknown, &Usage::default()), None);
        }
    }

    #[test]
    fn config_prices_replace_and_extend_the_builtin_table() {
        let setting = |model: &str, reasoning: f64| ModelPriceSettings {
            model: model.to_owned(),
            input_per_mtok: 2.0,
            cached_per_mtok: 0.5,
            cache_write_per_mtok: 3.0,
            output_per_mtok: 8.0,
            reasoning_per_mtok: reasoning,
            span: peers_core::location::Span::new(1, 1),
        };
        let table =
            PriceTable::with_overrides(&[setting("GPT-5", 8.0), setting("mock-model", 16.0)]);
        assert_eq!(table.lookup("gpt-5").unwrap().input, 2.0);
        assert_eq!(
            table.models.iter().filter(|p| p.model == "gpt-5").count(),
            1,
            "replaced, not duplicated"
        );
        assert!(
            table
                .source
                .ends_with("config.yaml prices for GPT-5, mock-model")
        );
        let usage = Usage {
            input: 1_000_000,
            cached: 1_000_000,
            cache_write: 1_000_000,
            output: 1_000_000,
            reasoning: 1_000_000,
            usd: None,
        };
        let usd = table.cost("mock-model", &usage).unwrap();
        assert!((usd - (2.0 + 0.5 + 3.0 + 8.0 + 16.0)).abs() < 1e-9, "{usd}");
        assert_eq!(PriceTable::with_overrides(&[]), PriceTable::builtin());
    }

    #[test]
    fn cost_bills_reasoning_as_output() {
        let table = PriceTable::builtin();
        let usage = Usage {
            input: 1_000_000,
            cached: 1_000_000,
            cache_write: 0,
            output: 500_000,
            reasoning: 500_000,
            usd: None,
        };
        let usd = table.cost("gpt-5", &usage).unwrap();
        assert!((usd - (1.25 + 0.125 + 10.0)).abs() < 1e-9, "{usd}");
    }
}
