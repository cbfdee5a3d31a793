//! The `prices:` section of config.yaml: per-model USD per million tokens, overriding or
//! extending the built-in price table (used for codex and gemini, which report no cost).
//!
//! ```yaml
//! prices:
//!   gpt-5.5: {input_per_mtok: 2.5, cached_per_mtok: 0.25, output_per_mtok: 20}
//! ```

use crate::config::ModelPriceSettings;
use crate::decode_error::DecodeError;
use crate::yaml::Value;
use crate::yaml::fields::{Field, Map};

const PRICE_KEYS: &[&str] = &[
    "input_per_mtok",
    "cached_per_mtok",
    "cache_write_per_mtok",
    "output_per_mtok",
    "reasoning_per_mtok",
];

/// Every model of the section, in file order.
pub(super) fn prices(map: &Map<'_>) -> Result<Vec<ModelPriceSettings>, DecodeError> {
    let mut out = Vec::with_capacity(map.entries.len());
    for (key, _) in map.entries {
        let field = map
            .field(&key.text)
            .ok_or_else(|| map.err_here("missing entry"))?;
        if key.text.trim().is_empty() {
            return Err(field
                .err("a model name is empty")
                .with_hint("write the model id as the CLI names it, e.g. `gpt-5:`"));
        }
        out.push(model_price(&key.text, &field)?);
    }
    Ok(out)
}

fn model_price(model: &str, field: &Field<'_>) -> Result<ModelPriceSettings, DecodeError> {
    let map = field.map().map_err(|err| {
        err.with_hint(format!(
            "give the model's prices, e.g. `{model}: {{input_per_mtok: 1.25, output_per_mtok: 10}}`"
        ))
    })?;
    map.check_keys(PRICE_KEYS)?;
    let input = usd_per_mtok(&map.required("input_per_mtok")?)?;
    let output = usd_per_mtok(&map.required("output_per_mtok")?)?;
    Ok(ModelPriceSettings {
        model: model.to_owned(),
        input_per_mtok: input,
        cached_per_mtok: map.opt("cached_per_mtok", usd_per_mtok)?.unwrap_or(input),
        cache_write_per_mtok: map
            .opt("cache_write_per_mtok", usd_per_mtok)?
            .unwrap_or(input),
        output_per_mtok: output,
        reasoning_per_mtok: map
            .opt("reasoning_per_mtok", usd_per_mtok)?
            .unwrap_or(output),
        span: field.node.span,
    })
}

/// A finite number ≥ 0 (a free tier or free cache reads are real prices).
fn usd_per_mtok(field: &Field<'_>) -> Result<f64, DecodeError> {
    let value = match field.node.value {
        // Prices are far below 2^53, where the conversion is exact.
        Value::Int(i) => i as f64,
        Value::Float(x) => x,
        _ => f64::NAN,
    };
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(field
            .err(format!(
                "expected a price in USD per million tokens (a number ≥ 0), found {}",
                field.node.describe()
            ))
            .with_hint("e.g. `input_per_mtok: 1.25` for $1.25 per million input tokens"))
    }
}

#[cfg(test)]
mod tests {
    use crate::config_decode::decode_config;

    const FILE: &str = ".peers/config.yaml";
    const PEERS: &str = "peers:\n  - name: claude\n  - name: codex\n";

    fn decode(
        rest: &str,
    ) -> Result<crate::config::ConfigSettings, crate::decode_error::DecodeError> {
        decode_config(&format!("{PEERS}{rest}"), FILE)
    }

    #[test]
    fn prices_fill_defaults_from_input_and_output() {
        let config = decode(
            "prices:\n  mock-model: {input_per_mtok: 2, output_per_mtok: 8.5}\n  gpt-5.5:\n    input_per_mtok: 1\n    cached_per_mtok: 0\n    cache_write_per_mtok: 1.5\n    output_per_mtok: 10\n    reasoning_per_mtok: 12\n",
        )
        .unwrap();
        let first = &config.prices[0];
        assert_eq!(first.model, "mock-model");
        assert_eq!(
            (
                first.input_per_mtok,
                first.cached_per_mtok,
                first.cache_write_per_mtok
            ),
            (2.0, 2.0, 2.0)
        );
        assert_eq!(
            (first.output_per_mtok, first.reasoning_per_mtok),
            (8.5, 8.5)
        );
        assert_eq!(first.span.line, 5);
        let second = &config.prices[1];
        assert_eq!(
            (
                second.cached_per_mtok,
                second.cache_write_per_mtok,
                second.reasoning_per_mtok
            ),
            (0.0, 1.5, 12.0)
        );
    }

    #[test]
    fn no_section_means_no_overrides() {
        assert!(decode("").unwrap().prices.is_empty());
        assert!(decode("prices:\n").unwrap().prices.is_empty());
    }

    #[test]
    fn a_misspelt_price_key_gets_a_did_you_mean() {
        let err = decode("prices:\n  gpt-5: {input_per_mtok: 1, output_per_mtk: 2}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            ".peers/config.yaml:5:30: prices.gpt-5.output_per_mtk: unknown key"
        );
        assert!(err.hint.unwrap().contains("output_per_mtok"));
    }

    #[test]
    fn missing_and_negative_prices_are_located() {
        let err = decode("prices:\n  gpt-5: {input_per_mtok: 1}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            ".peers/config.yaml:5:10: prices.gpt-5: missing required key 'output_per_mtok'"
        );
        let err = decode("prices:\n  gpt-5:\n    input_per_mtok: -1\n    output_per_mtok: 2\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            ".peers/config.yaml:6:21: prices.gpt-5.input_per_mtok: expected a price in USD per million tokens (a number ≥ 0), found -1"
        );
        let err = decode("prices:\n  gpt-5: 3\n").unwrap_err();
        assert!(
            err.to_string().contains("prices.gpt-5: expected a mapping"),
            "{err}"
        );
        assert!(err.hint.unwrap().contains("input_per_mtok"));
    }

    #[test]
    fn prices_at_the_top_is_a_known_key_and_a_typo_of_it_is_suggested() {
        let err = decode("price:\n  gpt-5: {input_per_mtok: 1, output_per_mtok: 2}\n").unwrap_err();
        assert!(err.hint.unwrap().contains("prices"));
    }
}
