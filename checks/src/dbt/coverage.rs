//! Which of Hallmark's checks dbt's own data tests already make: a team adding
//! Hallmark to a dbt project sees where the two overlap (and where its standards ask
//! for more than its tests do). The overlap is by kind and column; the parameters
//! (an accepted-values list, say) may still differ, so it says "also tested by dbt",
//! never "covered".

use super::DbtTest;
use crate::Checklist;
use serde::Serialize;

/// One Hallmark check that dbt tests too.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlsoTested {
    /// `silver.orders`.
    pub product: String,
    /// `SLV-001`.
    pub standard_id: String,
    /// `primary_key`.
    pub check: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// The dbt tests that test the same (`unique_orders_order_id`).
    pub dbt_tests: Vec<String>,
}

/// The dbt test kinds that, together, test what a Hallmark check of `check` on one
/// column tests.
fn kinds_for(check: &str) -> &'static [&'static str] {
    match check {
        "not_null" => &["not_null"],
        "unique" => &["unique"],
        "primary_key" => &["unique", "not_null"],
        "accepted_values" => &["accepted_values"],
        "relationships" => &["relationships"],
        _ => &[],
    }
}

/// Every result of `checklist` on one column whose every needed dbt test kind exists
/// on that column of that product.
pub fn also_tested(checklist: &Checklist, tests: &[DbtTest]) -> Vec<AlsoTested> {
    let mut out = Vec::new();
    for product in &checklist.products {
        for r in &product.results {
            let [column] = r.columns.as_slice() else { continue };
            let kinds = kinds_for(&r.check);
            let matching: Vec<&DbtTest> = tests
                .iter()
                .filter(|t| t.product == product.product && t.column.as_deref() == Some(column.as_str()))
                .filter(|t| kinds.contains(&t.kind.as_str()))
                .collect();
            let all_kinds = !kinds.is_empty() && kinds.iter().all(|k| matching.iter().any(|t| t.kind == *k));
            if all_kinds {
                out.push(AlsoTested {
                    product: product.product.clone(),
                    standard_id: r.standard_id.clone(),
                    check: r.check.clone(),
                    columns: r.columns.clone(),
                    dbt_tests: matching.iter().map(|t| t.name.clone()).collect(),
                });
            }
        }
    }
    out
}

/// The overlap as a markdown section for the checklist's end.
pub fn markdown(also: &[AlsoTested], tests: usize) -> String {
    let mut out = format!(
        "\n#### dbt's own tests\n\n{tests} dbt data test(s) on these products; dbt runs them, Hallmark does not. "
    );
    if also.is_empty() {
        out.push_str("None of them tests what a standard here checks.\n");
        return out;
    }
    out.push_str("These checks are also made by dbt tests (by kind and column; their parameters may differ):\n\n");
    for a in also {
        out.push_str(&format!(
            "- `{}` **{}** `{}({})`: {}\n",
            a.product,
            a.standard_id,
            a.check,
            a.columns.join(", "),
            a.dbt_tests
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}
