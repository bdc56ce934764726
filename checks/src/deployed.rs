//! Where a product is deployed, for checks that read it in place instead of building
//! it (`hallmark check --deployed`, or `deployed:` in `.hallmark.yml`): the normal case
//! for scheduled checks of production data, where copying a large product into a
//! scratch table first would cost a full write and could not fit in memory.
//!
//! The location is a template over the product's level and name: `{level}.{name}` (the
//! default: the warehouse holds `silver.orders` itself), `prod_{level}.{name}`, or
//! `analytics.{level}_{name}`. A plain schema or database name (`analytics`) means
//! `analytics.{name}`.

use crate::spec::ProductSpec;

/// The template when none is configured: each product under its own relation name.
pub const DEFAULT_TEMPLATE: &str = "{level}.{name}";

/// A validated location template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    template: String,
    /// Products whose relation is known one by one (a dbt model's `schema.alias`),
    /// by product relation; the template places the others.
    exact: std::collections::BTreeMap<String, String>,
}

impl Deployed {
    /// Reads a template (or a plain schema name), refusing what could not name one
    /// relation: anything but `schema.table` built of letters, digits, `_` and the two
    /// placeholders.
    pub fn parse(value: &str) -> Result<Deployed, String> {
        let value = value.trim();
        let template = if value.contains('.') || value.contains('{') {
            value.to_string()
        } else {
            format!("{value}.{{name}}")
        };
        let probe = template.replace("{level}", "silver").replace("{name}", "orders");
        let parts: Vec<&str> = probe.split('.').collect();
        let well_formed = parts.len() == 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if !well_formed {
            return Err(format!(
                "`{value}` is not a deployed location: give a schema (`analytics`) or a template like `{DEFAULT_TEMPLATE}` or `prod_{{level}}.{{name}}` (letters, digits, `_`, one dot)"
            ));
        }
        if !template.contains("{name}") {
            return Err(format!(
                "`{value}` names one relation for every product: the template needs `{{name}}`"
            ));
        }
        Ok(Deployed {
            template,
            exact: Default::default(),
        })
    }

    /// Where a check in place reads: `given` (a `--deployed=` value; empty means
    /// "not given"), else the configuration's `deployed:`, else each product under its
    /// own name. `hallmark check` and the MCP server's `check` agree on it.
    pub fn choose(given: &str, configured: Option<&str>) -> Result<Deployed, String> {
        match given.trim() {
            "" => configured.map_or_else(|| Ok(Deployed::default()), Deployed::parse),
            value => Deployed::parse(value),
        }
    }

    /// Places each product of `exact` (`silver.orders` → `main.orders`) where it says.
    pub fn with_exact(mut self, exact: std::collections::BTreeMap<String, String>) -> Deployed {
        self.exact = exact;
        self
    }

    /// The deployed relation of `spec`.
    pub fn relation(&self, spec: &ProductSpec) -> String {
        match self.exact.get(&spec.relation()) {
            Some(at) => at.clone(),
            None => self.of(spec.level.as_str(), &spec.name),
        }
    }

    /// The deployed relation of `spec`'s quarantine (rows it holds back).
    pub fn quarantine(&self, spec: &ProductSpec) -> String {
        self.of(spec.level.as_str(), &format!("{}_quarantine", spec.name))
    }

    fn of(&self, level: &str, name: &str) -> String {
        self.template.replace("{level}", level).replace("{name}", name)
    }
}

impl Default for Deployed {
    fn default() -> Self {
        Deployed {
            template: DEFAULT_TEMPLATE.into(),
            exact: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(template: &str) -> (String, String) {
        let d = Deployed::parse(template).unwrap();
        (d.of("silver", "orders"), d.of("gold", "daily_sales"))
    }

    #[test]
    fn templates_and_plain_schemas_name_one_relation_per_product() {
        assert_eq!(
            at("{level}.{name}"),
            ("silver.orders".into(), "gold.daily_sales".into())
        );
        assert_eq!(
            at("prod_{level}.{name}"),
            ("prod_silver.orders".into(), "prod_gold.daily_sales".into())
        );
        assert_eq!(
            at("analytics.{level}_{name}"),
            ("analytics.silver_orders".into(), "analytics.gold_daily_sales".into())
        );
        assert_eq!(
            at(" analytics "),
            ("analytics.orders".into(), "analytics.daily_sales".into())
        );
    }

    #[test]
    fn what_cannot_name_a_relation_is_refused_with_the_reason() {
        for bad in [
            "",
            "a.b.{name}",
            "prod; DROP TABLE x",
            "`prod`.{name}",
            "{level}.{nam}",
            "x.{level}",
        ] {
            let e = Deployed::parse(bad).unwrap_err();
            assert!(e.contains("deployed location") || e.contains("{name}"), "{bad}: {e}");
        }
        assert!(Deployed::parse("x.{level}").unwrap_err().contains("needs `{name}`"));
    }
}
