//! The checks that need a query of their own: a team's custom SQL, and the row-count
//! reconciliation of a product with its source (its product side measured in the
//! product's one scan when it can be).

use super::results::{error_result, samples_of, verdict_result};
use crate::catalogue::CheckKind;
use crate::plan::PlannedCheck;
use crate::result::CheckResult;
use crate::scan::{self, thousands, ScanContext, Verdict};
use crate::spec::Product;
use crate::values::QueryKind;
use crate::warehouse::Warehouse;

/// The product's side of a row-count reconciliation: its rows with a whole primary
/// key (every row when it has none), as a measure of the product's one scan.
pub(super) fn reconciliation_measure(index: usize, product: &Product, ctx: &ScanContext<'_>) -> scan::Measure {
    let d = ctx.dialect;
    let expr = match product.spec.primary_key.as_slice() {
        [] => "count(*)".to_string(),
        pk => d.count_if(
            &pk.iter()
                .map(|k| format!("{} IS NOT NULL", d.key_text(&d.quote_ident(k))))
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    };
    scan::Measure {
        alias: reconciliation_alias(index),
        expr,
    }
}

/// The scan alias of reconciliation check number `index`.
pub(super) fn reconciliation_alias(index: usize) -> String {
    format!("hm_{index}_product_rows")
}

/// A row-count reconciliation's verdict. `in_scan` is the product's side when the
/// product's scan measured it ([`reconciliation_measure`]); without it the product
/// is counted in the same query as the source. The result shows that whole query
/// either way, so it can be run on its own.
pub(super) fn reconciliation_result(
    check: &PlannedCheck,
    p: &crate::catalogue::ReconciliationParams,
    product: &Product,
    ctx: &ScanContext<'_>,
    warehouse: &dyn Warehouse,
    in_scan: Option<u64>,
) -> CheckResult {
    let d = ctx.dialect;
    let rel = d.quote_relation(ctx.relation);
    let source = match &p.source {
        Some(name) => product.spec.sources.iter().find(|s| &s.name == name),
        None => product.spec.sources.first(),
    };
    let Some(source) = source else {
        return error_result(
            check,
            format!("no source `{}` in the spec", p.source.as_deref().unwrap_or("?")),
        );
    };
    // A key that is NULL, empty or only whitespace is no key, on either side;
    // keys are compared trimmed. Nor is a key that is the key column's own
    // name: a header repeated where files were concatenated.
    let keys: Vec<String> = source
        .key
        .iter()
        .map(|k| {
            format!(
                "nullif({}, {})",
                d.key_text(&d.quote_ident(k)),
                d.string_literal(k.trim())
            )
        })
        .collect();
    let distinct = if keys.is_empty() {
        "count(*)".to_string()
    } else {
        d.count_distinct(&keys)
    };
    let counted = |relation: &str| {
        format!(
            "(SELECT {} FROM {relation})",
            reconciliation_measure(0, product, ctx).expr
        )
    };
    // Rows held back in the quarantine reached silver's door: they count.
    let quarantine = product
        .quarantine
        .as_ref()
        .map(|_| counted(&d.quote_relation(&product.quarantine_relation())));
    let product_rows = match &quarantine {
        None => counted(&rel),
        Some(q) => format!("({} + {q})", counted(&rel)),
    };
    let from_source = format!(
        "count(*) AS source_rows, {distinct} AS source_keys FROM {}",
        d.quote_relation(&source.name)
    );
    let sql = format!("SELECT {product_rows} AS product_rows, {from_source}");
    // With the product's side from its scan, only the source (and the quarantine)
    // is read here.
    let run = match in_scan {
        None => sql.clone(),
        Some(_) => format!(
            "SELECT {} AS quarantined, {from_source}",
            quarantine.as_deref().unwrap_or("0")
        ),
    };
    match warehouse.query(QueryKind::Source, &run) {
        Err(e) => CheckResult {
            sql: Some(sql),
            ..error_result(check, e.to_string())
        },
        Ok(row) => {
            let get = |a: &str| row.first(a).and_then(|v| v.as_u64()).unwrap_or(0);
            let prod = match in_scan {
                None => get("product_rows"),
                Some(n) => n + get("quarantined"),
            };
            let (src_rows, src_keys) = (get("source_rows"), get("source_keys"));
            let diff = if src_keys == 0 {
                if prod == 0 {
                    0.0
                } else {
                    1.0
                }
            } else {
                (prod as f64 - src_keys as f64).abs() / src_keys as f64
            };
            let key_text = if keys.is_empty() {
                "rows".to_string()
            } else {
                format!("distinct keys ({})", source.key.join(", "))
            };
            let v = Verdict {
                passed: diff <= p.tolerance,
                figure: format!(
                    "{} rows vs {} source {key_text} ({} source rows): {:.2}% apart, tolerance {:.2}%",
                    thousands(prod),
                    thousands(src_keys),
                    thousands(src_rows),
                    diff * 100.0,
                    p.tolerance * 100.0
                ),
                failing: Some(prod.abs_diff(src_keys)),
                total: Some(src_keys),
            };
            verdict_result(check, v, Some(sql))
        }
    }
}

/// Checks that need a query of their own: custom SQL, and a reconciliation whose
/// product side the scan could not measure.
pub(super) fn own_query_result(
    check: &PlannedCheck,
    product: &Product,
    ctx: &ScanContext<'_>,
    warehouse: &dyn Warehouse,
) -> CheckResult {
    let d = ctx.dialect;
    // `{table}` is the product's logical name, the one relation the screen lets the
    // check name; the warehouse points it at where the product really is.
    let rel = crate::dialect::quote_dotted(d, ctx.relation);
    match &check.kind {
        CheckKind::RowCountReconciliation(p) => reconciliation_result(check, p, product, ctx, warehouse, None),
        CheckKind::CustomSql(p) => {
            let body = match warehouse.screen(&p.sql.replace("{table}", &rel)) {
                Ok(b) => b,
                Err(e) => return error_result(check, format!("custom SQL refused: {e}")),
            };
            let sql = format!("SELECT count(*) AS failures FROM (\n{body}\n) AS hm_failures");
            match warehouse.query_untrusted(QueryKind::Custom, &sql) {
                Err(e) => CheckResult {
                    sql: Some(sql),
                    ..error_result(check, e.to_string())
                },
                Ok(row) => {
                    let n = row.first("failures").and_then(|v| v.as_u64()).unwrap_or(0);
                    let v = Verdict {
                        passed: n == 0,
                        figure: format!("{} failing {}", thousands(n), if n == 1 { "row" } else { "rows" }),
                        failing: Some(n),
                        total: None,
                    };
                    let mut r = verdict_result(check, v, Some(sql));
                    if n > 0 {
                        r.samples = samples_of(warehouse.query_untrusted(
                            QueryKind::Sample,
                            &format!("SELECT * FROM (\n{body}\n) AS hm_failures LIMIT {}", ctx.sample_limit),
                        ));
                    }
                    r
                }
            }
        }
        other => error_result(check, format!("`{}` has no query of its own", other.name())),
    }
}
