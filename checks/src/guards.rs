//! The guards against a vacuous pass: results no standard asks for, which every
//! product gets so that a green checklist cannot hide a wrong product.
//!
//! - **Kept values.** A silver product built from one bronze source is compared with
//!   it column by column (a product column maps to the bronze column whose name is the
//!   same once case and punctuation are dropped, `Order ID` ↔ `order_id`): values that
//!   bronze has and the product lost (set aside, or failed to parse) may be at most
//!   `promotion.max_set_aside` of the values, and any loss is shown as its own line.
//!   The comparison is of shares, not of aligned rows (the product is deduplicated and
//!   drops rows without a key, so its rows are not bronze's): a column present in 98 %
//!   of bronze rows and 60 % of product rows lost about 39 % of its values.
//! - **Kinds without their tag.** A standard that selects a tag (`event_time`) and
//!   matches no column fails when a column looks like it should carry the tag (a
//!   timestamp, or a name that says it holds event times), instead of passing as not
//!   applicable.
//!
//! They run in the checks engine, so `hallmark check` on a hand-written product and
//! every drafter's promotion are held to them alike.

use crate::plan::normalize_type;
use crate::result::{CheckResult, Status};
use crate::rule::Severity;
use crate::scan::thousands;
use crate::spec::Product;
use crate::warehouse::{ColumnInfo, QueryKind, Warehouse};
use crate::Level;

/// The standard id the guards report under.
pub const GUARD_ID: &str = "hallmark";

/// The default share of a column's bronze values that may be set aside.
pub const DEFAULT_MAX_SET_ASIDE: f64 = 0.01;

/// A name reduced to its lowercase letters and digits, so `Order ID`, `order_id` and
/// `OrderId` are one name.
fn bare(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The kept-values lines of `product` (built, with catalogue `columns`): one per
/// column that lost values its bronze source had, failing beyond `max_set_aside`.
/// Empty when the product is not silver over one bronze source, or nothing was lost.
pub fn kept_values(
    product: &Product,
    columns: &[ColumnInfo],
    warehouse: &dyn Warehouse,
    max_set_aside: f64,
) -> Vec<CheckResult> {
    let spec = &product.spec;
    let [source] = spec.sources.as_slice() else {
        return Vec::new();
    };
    if spec.level != Level::Silver || source.is_product() {
        return Vec::new();
    }
    let Ok(bronze) = warehouse.describe(&source.name) else {
        return Vec::new();
    };
    let pairs: Vec<(&str, &str)> = columns
        .iter()
        .filter_map(|c| {
            bronze
                .iter()
                .find(|b| bare(&b.name) == bare(&c.name) && !bare(&c.name).is_empty())
                .map(|b| (b.name.as_str(), c.name.as_str()))
        })
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    let d = warehouse.dialect();
    let present = |exprs: Vec<String>, relation: &str| {
        let counts: Vec<String> = exprs
            .iter()
            .enumerate()
            .map(|(i, e)| format!("count({e}) AS hm_{i}"))
            .collect();
        format!(
            "SELECT count(*) AS hm_rows, {} FROM {}",
            counts.join(", "),
            d.quote_relation(relation)
        )
    };
    // A value that is its column's name is a repeated header row, not a value.
    let bronze_sql = present(
        pairs
            .iter()
            .map(|(b, _)| {
                format!(
                    "nullif({}, {})",
                    d.key_text(&d.quote_ident(b)),
                    d.string_literal(b.trim())
                )
            })
            .collect(),
        &source.name,
    );
    let product_sql = present(pairs.iter().map(|(_, p)| d.quote_ident(p)).collect(), &spec.relation());
    let (Ok(b_rows), Ok(p_rows)) = (
        warehouse.query(QueryKind::Guard, &bronze_sql),
        warehouse.query(QueryKind::Guard, &product_sql),
    ) else {
        return Vec::new();
    };
    let get = |rows: &crate::warehouse::Rows, name: &str| rows.first(name).and_then(|v| v.as_u64()).unwrap_or(0);
    let (b_total, p_total) = (get(&b_rows, "hm_rows"), get(&p_rows, "hm_rows"));
    if b_total == 0 || p_total == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, (bronze_name, product_name)) in pairs.iter().enumerate() {
        let alias = format!("hm_{i}");
        let (b_present, p_present) = (get(&b_rows, &alias), get(&p_rows, &alias));
        let share = b_present as f64 / b_total as f64;
        let expected = (share * p_total as f64).round() as u64;
        let lost = expected.saturating_sub(p_present);
        if lost == 0 || expected == 0 {
            continue;
        }
        let lost_share = lost as f64 / expected as f64;
        let passed = lost_share <= max_set_aside;
        out.push(CheckResult {
            standard_id: GUARD_ID.into(),
            title: "Values present in bronze are kept".into(),
            check: "kept_values".into(),
            columns: vec![product_name.to_string()],
            severity: Severity::Error,
            status: if passed { Status::Pass } else { Status::Fail },
            figure: format!(
                "{} of about {} values of bronze `{bronze_name}` are NULL in the product ({:.2}%; bronze has a value in {:.2}% of its rows, the product in {:.2}%), at most {:.2}% may be set aside",
                thousands(lost),
                thousands(expected),
                lost_share * 100.0,
                share * 100.0,
                p_present as f64 / p_total as f64 * 100.0,
                max_set_aside * 100.0
            ),
            failing: Some(lost),
            total: Some(expected),
            sql: Some(format!("{bronze_sql};\n{product_sql}")),
            samples: None,
            reason: (!passed).then(|| {
                "more values were set aside (or failed to parse) than `promotion.max_set_aside` allows; keep them, or fix what rejects them".to_string()
            }),
        });
    }
    out
}

/// A column of the built product that looks like it should carry `tag`, with what it
/// looks like; `None` when nothing does or the tag is not one Hallmark recognizes.
pub fn untagged_evidence(tag: &str, columns: &[ColumnInfo]) -> Option<(String, &'static str)> {
    // Whole words of the name (`delivered_on` → delivered, on), so `is_at_risk` is
    // no timestamp and `lifetime` no time.
    let words = |name: &str, list: &[&str]| {
        let lower = name.to_ascii_lowercase();
        let parts: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        list.iter().any(|w| parts.contains(w))
    };
    let last_word = |name: &str, list: &[&str]| {
        let lower = name.to_ascii_lowercase();
        lower
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .find(|w| !w.is_empty())
            .is_some_and(|w| list.contains(&w))
    };
    let found = |what: &'static str, ok: &dyn Fn(&ColumnInfo) -> bool| {
        columns.iter().find(|c| ok(c)).map(|c| (c.name.clone(), what))
    };
    match tag.to_ascii_lowercase().as_str() {
        "event_time" => found("event times", &|c| {
            let t = normalize_type(&c.type_name);
            t.starts_with("timestamp")
                || t.starts_with("date")
                || words(&c.name, &["date", "time", "timestamp", "datetime", "when"])
                || last_word(&c.name, &["at", "on", "ts"])
        }),
        "currency" => found("amounts of money", &|c| {
            words(
                &c.name,
                &[
                    "amount", "price", "revenue", "total", "cost", "fee", "paid", "balance", "subtotal",
                ],
            )
        }),
        "email" => found("e-mail addresses", &|c| {
            words(&c.name, &["email", "mail"]) || c.name.to_ascii_lowercase().contains("e_mail")
        }),
        "country" => found("countries", &|c| words(&c.name, &["country"])),
        "currency_code" => found("currency codes", &|c| words(&c.name, &["currency"])),
        "pii" => found("personal data", &|c| {
            words(
                &c.name,
                &["email", "mail", "phone", "address", "birth", "ssn", "passport"],
            )
        }),
        _ => None,
    }
}

/// The result of a standard that selects `tag` and matched nothing: a failure when a
/// column looks like it should carry the tag, else not applicable.
pub fn unmatched_tag(
    id: &str,
    title: &str,
    reason: &str,
    tag: Option<&str>,
    severity: Severity,
    columns: &[ColumnInfo],
) -> CheckResult {
    let evidence = tag.and_then(|t| untagged_evidence(t, columns).map(|e| (t, e)));
    let (status, severity, figure) = match evidence {
        Some((tag, (column, what))) => (
            if severity == Severity::Error {
                Status::Fail
            } else {
                Status::Warn
            },
            severity,
            format!("no column carries `{tag}`, but `{column}` looks like {what}; tag it, or rename it if it is not"),
        ),
        None => (Status::NotApplicable, Severity::Warn, reason.to_string()),
    };
    CheckResult {
        standard_id: id.to_string(),
        title: title.to_string(),
        check: if status == Status::NotApplicable {
            "not_applicable"
        } else {
            "tag_missing"
        }
        .into(),
        columns: Vec::new(),
        severity,
        status,
        figure,
        failing: None,
        total: None,
        sql: None,
        samples: None,
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, t: &str) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            type_name: t.into(),
        }
    }

    #[test]
    fn names_match_without_case_and_punctuation() {
        assert_eq!(bare("Order ID"), bare("order_id"));
        assert_eq!(bare("OrderId"), "orderid");
    }

    #[test]
    fn an_untagged_kind_is_found_by_type_or_name() {
        let cols = [col("id", "BIGINT"), col("delivered_on", "VARCHAR")];
        assert_eq!(
            untagged_evidence("event_time", &cols),
            Some(("delivered_on".into(), "event times"))
        );
        assert_eq!(
            untagged_evidence("event_time", &[col("x", "TIMESTAMP")]),
            Some(("x".into(), "event times"))
        );
        assert_eq!(untagged_evidence("event_time", &[col("id", "BIGINT")]), None);
        assert_eq!(
            untagged_evidence("event_time", &[col("is_at_risk", "BOOLEAN"), col("lifetime", "BIGINT")]),
            None
        );
        assert_eq!(untagged_evidence("custom_tag", &cols), None);
        let r = unmatched_tag("S-1", "t", "no column", Some("event_time"), Severity::Error, &cols);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.figure.contains("`delivered_on` looks like event times"),
            "{}",
            r.figure
        );
        let r = unmatched_tag("S-1", "t", "no column", Some("email"), Severity::Error, &cols);
        assert_eq!(r.status, Status::NotApplicable);
    }
}
