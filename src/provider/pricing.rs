//! What a request costs: USD per million tokens for the models taggenius is likely to be run
//! with. Prices change; `OpenAiConfig::price` overrides this table.

/// USD per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub cached_input: f64,
    pub output: f64,
}

impl Price {
    pub const FREE: Price = Price {
        input: 0.0,
        cached_input: 0.0,
        output: 0.0,
    };

    /// Dollars for one reply's usage. `cached` is part of `prompt`, billed at the cached rate.
    pub fn cost(&self, prompt: u64, cached: u64, completion: u64) -> f64 {
        let cached = cached.min(prompt);
        let fresh = prompt - cached;
        (fresh as f64 * self.input
            + cached as f64 * self.cached_input
            + completion as f64 * self.output)
            / 1_000_000.0
    }
}

const fn p(input: f64, cached_input: f64, output: f64) -> Price {
    Price {
        input,
        cached_input,
        output,
    }
}

/// Longer names first: "gpt-4o-mini" must be matched before "gpt-4o".
const TABLE: &[(&str, Price)] = &[
    ("gpt-4o-mini", p(0.15, 0.075, 0.60)),
    ("gpt-4o", p(2.50, 1.25, 10.00)),
    ("gpt-4.1-mini", p(0.40, 0.10, 1.60)),
    ("gpt-4.1-nano", p(0.10, 0.025, 0.40)),
    ("gpt-4.1", p(2.00, 0.50, 8.00)),
    ("gpt-5-mini", p(0.25, 0.025, 2.00)),
    ("gpt-5-nano", p(0.05, 0.005, 0.40)),
    ("gpt-5", p(1.25, 0.125, 10.00)),
];

/// The price of a known model, also under a dated snapshot name ("gpt-4o-mini-2024-07-18") or
/// a router prefix ("openai/gpt-4o"). Unknown models (local servers) are `None`.
pub fn price_for(model: &str) -> Option<Price> {
    let name = model.trim().to_ascii_lowercase();
    let name = name.rsplit('/').next().unwrap_or_default();
    TABLE
        .iter()
        .find(|(known, _)| {
            name == *known
                || name
                    .strip_prefix(known)
                    .is_some_and(|rest| rest.starts_with('-'))
        })
        .map(|(_, price)| *price)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_models_and_snapshots() {
        assert_eq!(price_for("gpt-4o-mini"), Some(p(0.15, 0.075, 0.60)));
        assert_eq!(
            price_for("gpt-4o-mini-2024-07-18"),
            Some(p(0.15, 0.075, 0.60))
        );
        assert_eq!(price_for("gpt-4o-2024-08-06"), Some(p(2.50, 1.25, 10.00)));
        assert_eq!(price_for("openai/gpt-4.1"), Some(p(2.00, 0.50, 8.00)));
        assert_eq!(price_for("gpt-5-nano"), Some(p(0.05, 0.005, 0.40)));
        assert_eq!(price_for("gpt-5"), Some(p(1.25, 0.125, 10.00)));
        assert_eq!(price_for("llama3.1:8b"), None);
        assert_eq!(price_for("gpt-4o1"), None);
    }

    #[test]
    fn cached_tokens_are_billed_at_the_cached_rate() {
        let price = p(0.15, 0.075, 0.60);
        let cost = price.cost(2_000_000, 1_000_000, 1_000_000);
        assert!((cost - (0.15 + 0.075 + 0.60)).abs() < 1e-9);
        assert_eq!(Price::FREE.cost(10, 5, 10), 0.0);
    }
}
