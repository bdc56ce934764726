//! A profile of a bronze source: per column its null count, distinct count, range,
//! most frequent values, and what [`infer`] makes of its values. Two queries: one
//! aggregate over the whole source (one scan, as for checks) and one bounded sample
//! of rows as text for inference and top values.

use super::infer::{infer, Inferred};
use hallmark_checks::warehouse::{QueryKind, Warehouse, WarehouseError};
use serde::Serialize;
use std::collections::HashMap;

/// How many rows are read as text for inference and top values.
pub const SAMPLE_ROWS: usize = 10_000;

/// How many most-frequent values a column profile keeps.
const TOP_VALUES: usize = 5;

/// One column of the source.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnProfile {
    /// The name as the source spells it (`Order ID`).
    pub name: String,
    /// The source's own type (text for CSV).
    pub source_type: String,
    /// Null (or empty) values over the whole source.
    pub nulls: u64,
    /// Distinct non-null values over the whole source.
    pub distinct: u64,
    /// The smallest and largest value as text (text order for text columns).
    pub min: Option<String>,
    /// See `min`.
    pub max: Option<String>,
    /// The most frequent values of the sample, with their counts.
    pub top: Vec<(String, u64)>,
    /// What the values are, the silver type and tags.
    #[serde(skip)]
    pub inferred: Inferred,
}

impl ColumnProfile {
    /// The share of null values, 0.0 to 1.0.
    pub fn null_ratio(&self, rows: u64) -> f64 {
        if rows == 0 {
            0.0
        } else {
            self.nulls as f64 / rows as f64
        }
    }
}

/// A whole source.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// The source's name in product SQL (`bronze.orders`).
    pub source: String,
    /// Rows in the source.
    pub rows: u64,
    /// Rows read for inference.
    pub sampled: usize,
    /// The columns, in source order.
    pub columns: Vec<ColumnProfile>,
}

impl Profile {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Profiles `source`, already bound in `warehouse`.
pub fn profile(warehouse: &dyn Warehouse, source: &str) -> Result<Profile, WarehouseError> {
    let d = warehouse.dialect();
    let columns = warehouse.describe(source)?;
    if columns.is_empty() {
        return Err(WarehouseError::MissingRelation(source.to_string()));
    }
    let relation = d.quote_relation(source);
    let text = |c: &str| d.cast_text(&d.quote_ident(c));

    let mut select = vec!["count(*) AS hm_rows".to_string()];
    for (i, c) in columns.iter().enumerate() {
        let col = d.quote_ident(&c.name);
        select.push(format!(
            "{} AS hm_nulls_{i}",
            d.count_if(&format!("{col} IS NULL OR {} = ''", text(&c.name)))
        ));
        select.push(format!(
            "{} AS hm_distinct_{i}",
            d.count_distinct(std::slice::from_ref(&col))
        ));
        select.push(format!("min({}) AS hm_min_{i}", text(&c.name)));
        select.push(format!("max({}) AS hm_max_{i}", text(&c.name)));
    }
    let aggregate = warehouse.query(
        QueryKind::Profile,
        &format!("SELECT {} FROM {relation}", select.join(", ")),
    )?;
    let number = |alias: &str| aggregate.first(alias).and_then(|v| v.as_u64()).unwrap_or(0);
    let string = |alias: &str| aggregate.first(alias).and_then(|v| v.as_str()).map(str::to_string);

    let sample_select: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} AS hm_c{i}", text(&c.name)))
        .collect();
    let sample = warehouse.query(
        QueryKind::Profile,
        &format!(
            "SELECT {} FROM {relation} LIMIT {SAMPLE_ROWS}",
            sample_select.join(", ")
        ),
    )?;

    let profiles = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values: Vec<&str> = sample
                .rows
                .iter()
                .filter_map(|r| r.get(i).and_then(|v| v.as_str()))
                .collect();
            let distinct = number(&format!("hm_distinct_{i}"));
            ColumnProfile {
                name: c.name.clone(),
                source_type: c.type_name.clone(),
                nulls: number(&format!("hm_nulls_{i}")),
                distinct,
                min: string(&format!("hm_min_{i}")),
                max: string(&format!("hm_max_{i}")),
                top: top_values(&values),
                inferred: infer(&c.name, &values, distinct),
            }
        })
        .collect();
    Ok(Profile {
        source: source.to_string(),
        rows: number("hm_rows"),
        sampled: sample.rows.len(),
        columns: profiles,
    })
}

/// The most frequent non-empty values, most frequent first, ties in text order.
fn top_values(values: &[&str]) -> Vec<(String, u64)> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for v in values.iter().filter(|v| !v.trim().is_empty()) {
        *counts.entry(v).or_default() += 1;
    }
    let mut top: Vec<(&str, u64)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top.into_iter()
        .take(TOP_VALUES)
        .map(|(v, n)| (v.to_string(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_values_are_ordered_by_count_then_text() {
        let v = ["b", "a", "b", "c", "a", "b", " ", "d", "e", "f"];
        assert_eq!(
            top_values(&v),
            [
                ("b".to_string(), 3),
                ("a".to_string(), 2),
                ("c".to_string(), 1),
                ("d".to_string(), 1),
                ("e".to_string(), 1)
            ]
        );
    }
}
