//! Turns a product's value checks into ONE aggregate query, reads each check's verdict
//! back out of that single row, and writes the bounded sample queries for the checks
//! that failed.
//!
//! Every value check contributes one or more named measures (`count_if(...)`,
//! `count(DISTINCT ...)`, `max(...)`) to the same `SELECT ... FROM product`, so a
//! product with thirty checks costs one scan. Duplicates are counted in that scan too
//! (`count(x) - count(DISTINCT x)`).

use crate::catalogue::{parse_duration_secs, CheckKind, Literal};
use crate::dialect::Dialect;
use crate::plan::PlannedCheck;
use crate::values::Rows;
use std::collections::HashMap;

/// What the scan compiler needs to know about the built product.
#[derive(Clone, Copy)]
pub struct ScanContext<'a> {
    /// The warehouse's spelling.
    pub dialect: &'a dyn Dialect,
    /// The product's relation, unquoted (`silver.orders`).
    pub relation: &'a str,
    /// Count distinct values by grouping, which the engine can spill to disk, rather
    /// than in one in-memory set: the retry after a distinct count ran out of memory.
    pub spill_distinct: bool,
    /// The built table's columns, in order.
    pub table_columns: &'a [String],
    /// Their types, normalized (`timestamp`, `decimal(18,2)`), in the same order, so a
    /// bound can be spelled as a value of the column's type.
    pub column_types: &'a [String],
    /// The spec's primary key, used to identify sample rows.
    pub primary_key: &'a [String],
    /// The run's reference time, `YYYY-MM-DD HH:MM:SS` UTC.
    pub reference_time: &'a str,
    /// The same, in seconds since the epoch.
    pub reference_epoch: i64,
    /// At most this many sample rows per failed check.
    pub sample_limit: usize,
}

/// One named expression of the aggregate query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// The column alias in the result row, unique within the query.
    pub alias: String,
    /// The aggregate expression.
    pub expr: String,
}

/// The alias of the shared row count.
pub const ROWS_ALIAS: &str = "hm_rows";

/// The measures that check number `index` adds to the scan.
pub fn measures(check: &PlannedCheck, index: usize, ctx: &ScanContext<'_>) -> Vec<Measure> {
    let d = ctx.dialect;
    let m = |name: &str, expr: String| Measure {
        alias: format!("hm_{index}_{name}"),
        expr,
    };
    let col = check.columns.first().map(|c| d.quote_ident(c)).unwrap_or_default();
    let relation = d.quote_relation(ctx.relation);
    let spilling = |exprs: &[String], rows: bool| {
        ctx.spill_distinct
            .then(|| d.count_distinct_spilling(&relation, exprs, rows))
            .flatten()
    };
    let distinct = |exprs: &[String]| spilling(exprs, false).unwrap_or_else(|| d.count_distinct(exprs));
    let distinct_rows = |exprs: &[String]| spilling(exprs, true).unwrap_or_else(|| d.count_distinct_rows(exprs));
    match &check.kind {
        CheckKind::PrimaryKey => {
            if check.columns.is_empty() {
                return Vec::new();
            }
            let keys: Vec<String> = check.columns.iter().map(|c| d.quote_ident(c)).collect();
            let any_null = keys
                .iter()
                .map(|k| format!("{k} IS NULL"))
                .collect::<Vec<_>>()
                .join(" OR ");
            let all_set = keys
                .iter()
                .map(|k| format!("{k} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" AND ");
            vec![
                m("nulls", d.count_if(&any_null)),
                m("dups", format!("{} - {}", d.count_if(&all_set), distinct(&keys))),
            ]
        }
        CheckKind::Unique => vec![
            m(
                "fail",
                format!("count({col}) - {}", distinct(std::slice::from_ref(&col))),
            ),
            m("nonnull", format!("count({col})")),
        ],
        CheckKind::Range(_) => vec![
            m("fail", d.count_if(&failure_predicate(check, ctx).unwrap_or_default())),
            m("min", d.cast_text(&format!("min({col})"))),
            m("max", d.cast_text(&format!("max({col})"))),
        ],
        // At least one distinct value is at least one value: no set to build.
        CheckKind::DistinctCount(b) if settled_by_presence(b) => vec![m("value", format!("count({col})"))],
        CheckKind::DistinctCount(_) => vec![m("value", distinct(std::slice::from_ref(&col)))],
        CheckKind::Freshness(_) => vec![
            m("newest", d.cast_text(&format!("max({col})"))),
            m("epoch", d.epoch_seconds(&format!("max({col})"))),
        ],
        CheckKind::DuplicateRows => {
            let cols: Vec<String> = columns_or_all(check, ctx).iter().map(|c| d.quote_ident(c)).collect();
            vec![m("fail", format!("count(*) - {}", distinct_rows(&cols)))]
        }
        CheckKind::RowCount(_) => Vec::new(),
        _ => match failure_predicate(check, ctx) {
            Some(pred) => vec![m("fail", d.count_if(&pred))],
            None => Vec::new(),
        },
    }
}

/// The most characters a value of (normalized) type `ty` takes as text, for the types
/// whose text has a bound: integers by their widest value with its sign, decimals by
/// precision plus sign, point and a leading zero, booleans, floats (shortest
/// round-trip form), dates, times and timestamps (six-digit years, ` (BC)`). `None`
/// for text and anything else: the types that are not text, as far as Hallmark knows.
pub fn longest_text(ty: &str) -> Option<u64> {
    let (head, args) = ty.split_once('(').unwrap_or((ty, ""));
    Some(match head {
        "tinyint" => 4,
        "smallint" => 6,
        "integer" => 11,
        "bigint" => 20,
        "hugeint" => 40,
        "utinyint" => 3,
        "usmallint" => 5,
        "uinteger" => 10,
        "ubigint" => 20,
        "uhugeint" => 39,
        "boolean" => 5,
        "float" | "real" | "double" => 25,
        "date" => 18,
        "time" => 18,
        "timestamp" | "datetime" | "timestamptz" | "datetime64" => 40,
        "decimal" | "numeric" => {
            args.trim_start_matches('(')
                .split(',')
                .next()?
                .trim()
                .parse::<u64>()
                .ok()?
                + 3
        }
        _ => return None,
    })
}

/// True when a distinct count's bounds are decided by whether any value is present:
/// no upper bound and a lower one of at most 1.
fn settled_by_presence(b: &crate::catalogue::CountBounds) -> bool {
    b.max.is_none() && b.min.unwrap_or(0) <= 1
}

/// The columns a check reads: its own, or every column of the table.
pub fn columns_or_all<'a>(check: &'a PlannedCheck, ctx: &'a ScanContext<'_>) -> &'a [String] {
    if check.columns.is_empty() {
        ctx.table_columns
    } else {
        &check.columns
    }
}

impl ScanContext<'_> {
    /// The normalized type of a built column, when the catalogue listed it.
    fn type_of(&self, column: &str) -> Option<&str> {
        let i = self.table_columns.iter().position(|c| c == column)?;
        self.column_types.get(i).map(String::as_str)
    }
}

/// The row-level condition that makes a row fail the check, for checks that have one.
/// Used both in the scan (`count_if`) and to fetch samples.
pub fn failure_predicate(check: &PlannedCheck, ctx: &ScanContext<'_>) -> Option<String> {
    let d = ctx.dialect;
    let name = check.columns.first()?;
    let col = d.quote_ident(name);
    if let Some(p) = value_failure(&check.kind, &col, ctx.type_of(name), d) {
        return Some(p);
    }
    Some(match &check.kind {
        CheckKind::Relationships(r) => format!(
            "{col} IS NOT NULL AND {col} NOT IN (SELECT {f} FROM {t} WHERE {f} IS NOT NULL)",
            f = d.quote_ident(&r.field),
            t = d.quote_relation(&r.to)
        ),
        CheckKind::NoFutureTimestamps => format!("{col} > {}", d.timestamp_literal(ctx.reference_time)),
        _ => return None,
    })
}

/// The condition under which one value `col` (an expression of type `col_type`) fails
/// a check that judges each value on its own: null, accepted values, range, pattern
/// and length. The promotion agent uses it to set aside values a standard rejects.
pub fn value_failure(kind: &CheckKind, col: &str, col_type: Option<&str>, d: &dyn Dialect) -> Option<String> {
    Some(match kind {
        CheckKind::NotNull | CheckKind::NullRatio(_) => format!("{col} IS NULL"),
        CheckKind::AcceptedValues(v) => {
            let list = v.values.iter().map(|l| d.literal(l)).collect::<Vec<_>>().join(", ");
            format!("{col} IS NOT NULL AND {col} NOT IN ({list})")
        }
        CheckKind::Range(b) => {
            let mut parts = Vec::new();
            if let Some(lo) = &b.min {
                parts.push(format!("{col} < {}", d.bound_literal(lo, col_type)));
            }
            if let Some(hi) = &b.max {
                parts.push(format!("{col} > {}", d.bound_literal(hi, col_type)));
            }
            format!("({})", parts.join(" OR "))
        }
        CheckKind::Pattern(p) => format!(
            "{col} IS NOT NULL AND NOT {}",
            d.regex_full_match(&d.cast_text(col), &p.regex)
        ),
        CheckKind::Length(b) => {
            let len = d.char_length(&d.cast_text(col));
            // A number, date or time column's text has a known longest length, and is
            // never empty: a bound it cannot cross needs no text made of each row.
            let longest = col_type.and_then(longest_text);
            let mut parts = Vec::new();
            if let Some(lo) = b.min.filter(|lo| longest.is_none() || *lo > 1) {
                parts.push(format!("{len} < {lo}"));
            }
            if let Some(hi) = b.max.filter(|hi| longest.is_none_or(|l| l > *hi)) {
                parts.push(format!("{len} > {hi}"));
            }
            if parts.is_empty() {
                parts.push("1 = 0".into());
            }
            format!("{col} IS NOT NULL AND ({})", parts.join(" OR "))
        }
        _ => return None,
    })
}

/// The single aggregate query over the product for all `measures`. Checks often ask
/// for the same aggregate (`not_null` and `null_ratio` both count nulls; `unique`,
/// `primary_key` and `distinct_count` all count distinct keys), and not every warehouse
/// merges them (ClickHouse 18.16 builds one hash set per `uniqExact`), so each distinct
/// expression is computed once and `read` hands its value to every alias that asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanQuery {
    /// The SQL to run.
    pub sql: String,
    /// Aliases left out of the SELECT, each with the alias that carries its value.
    repeats: Vec<(String, String)>,
}

impl ScanQuery {
    /// Builds the query for `measures` (plus the row count).
    pub fn new(measures: &[Measure], ctx: &ScanContext<'_>) -> ScanQuery {
        let d = ctx.dialect;
        let mut select = vec![format!("count(*) AS {}", d.quote_ident(ROWS_ALIAS))];
        let mut first_alias: HashMap<&str, &str> = HashMap::new();
        let mut repeats = Vec::new();
        for m in measures {
            match first_alias.get(m.expr.as_str()) {
                Some(carrier) => repeats.push((m.alias.clone(), carrier.to_string())),
                None => {
                    first_alias.insert(&m.expr, &m.alias);
                    select.push(format!("{} AS {}", m.expr, d.quote_ident(&m.alias)));
                }
            }
        }
        ScanQuery {
            sql: format!(
                "SELECT\n  {}\nFROM {}",
                select.join(",\n  "),
                d.quote_relation(ctx.relation)
            ),
            repeats,
        }
    }

    /// The query's answer with a column for every measure's alias.
    pub fn read(&self, mut rows: Rows) -> Rows {
        for (alias, carrier) in &self.repeats {
            let Some(i) = rows.columns.iter().position(|c| c == carrier) else {
                continue;
            };
            rows.columns.push(alias.clone());
            for row in &mut rows.rows {
                let value = row.get(i).cloned().unwrap_or(serde_json::Value::Null);
                row.push(value);
            }
        }
        rows
    }
}

/// The verdict of one check, read from the scan's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// True when the check is met.
    pub passed: bool,
    /// The measured figure in words.
    pub figure: String,
    /// Failing rows or values, when counted.
    pub failing: Option<u64>,
    /// Rows or values considered, when counted.
    pub total: Option<u64>,
}

/// Reads a measure as a count.
fn count(row: &Rows, alias: &str) -> Result<u64, String> {
    match row.first(alias) {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
            .ok_or_else(|| format!("measure {alias} is not a count: {n}")),
        Some(serde_json::Value::String(s)) => s.parse().map_err(|_| format!("measure {alias} is not a count: {s}")),
        Some(serde_json::Value::Null) => Ok(0),
        other => Err(format!("measure {alias} missing from the scan result ({other:?})")),
    }
}

fn text(row: &Rows, alias: &str) -> Option<String> {
    match row.first(alias)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    }
}

fn number(row: &Rows, alias: &str) -> Option<f64> {
    match row.first(alias)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Formats a count with thousands separators: `10,000`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn rows_word(n: u64) -> &'static str {
    if n == 1 {
        "row"
    } else {
        "rows"
    }
}

/// A duration in seconds as `3d 4h`, `5h 12m`, `42s`.
pub fn human_duration(secs: i64) -> String {
    let neg = secs < 0;
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let body = if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {}s", s % 60)
    } else {
        format!("{s}s")
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

fn bounds_text<T: std::fmt::Display>(min: &Option<T>, max: &Option<T>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
        (Some(lo), None) => format!("at least {lo}"),
        (None, Some(hi)) => format!("at most {hi}"),
        (None, None) => "unbounded".into(),
    }
}

/// How a value falls outside bounds: `below 0`, `above 100`, `outside 1 to 5`, or
/// `other than 2` when both bounds are the same.
fn outside_phrase<T: std::fmt::Display + PartialEq>(min: &Option<T>, max: &Option<T>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) if lo == hi => format!("other than {lo}"),
        (Some(lo), Some(hi)) => format!("outside {lo} to {hi}"),
        (Some(lo), None) => format!("below {lo}"),
        (None, Some(hi)) => format!("above {hi}"),
        (None, None) => "out of bounds".into(),
    }
}

fn within<T: PartialOrd>(v: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|lo| v >= lo) && max.is_none_or(|hi| v <= hi)
}

/// Reads the verdict of check number `index` from the scan's result row.
pub fn evaluate(check: &PlannedCheck, index: usize, row: &Rows, ctx: &ScanContext<'_>) -> Result<Verdict, String> {
    let a = |name: &str| format!("hm_{index}_{name}");
    let rows = count(row, ROWS_ALIAS)?;
    let of_rows = |fail: u64, what: &str| Verdict {
        passed: fail == 0,
        figure: format!("{} of {} {} {what}", thousands(fail), thousands(rows), rows_word(rows)),
        failing: Some(fail),
        total: Some(rows),
    };
    Ok(match &check.kind {
        CheckKind::NotNull => of_rows(count(row, &a("fail"))?, "are null"),
        CheckKind::Unique => {
            let (fail, nonnull) = (count(row, &a("fail"))?, count(row, &a("nonnull"))?);
            Verdict {
                passed: fail == 0,
                figure: format!(
                    "{} duplicate values among {} non-null {}",
                    thousands(fail),
                    thousands(nonnull),
                    rows_word(nonnull)
                ),
                failing: Some(fail),
                total: Some(nonnull),
            }
        }
        CheckKind::PrimaryKey => {
            if check.columns.is_empty() {
                return Ok(Verdict {
                    passed: false,
                    figure: "the spec declares no primary key".into(),
                    failing: None,
                    total: None,
                });
            }
            let (nulls, dups) = (count(row, &a("nulls"))?, count(row, &a("dups"))?);
            Verdict {
                passed: nulls == 0 && dups == 0,
                figure: format!(
                    "{} null and {} duplicate keys in {} {}",
                    thousands(nulls),
                    thousands(dups),
                    thousands(rows),
                    rows_word(rows)
                ),
                failing: Some(nulls + dups),
                total: Some(rows),
            }
        }
        CheckKind::AcceptedValues(v) => of_rows(
            count(row, &a("fail"))?,
            &format!("have a value outside [{}]", literal_list(&v.values)),
        ),
        CheckKind::Range(b) => {
            let fail = count(row, &a("fail"))?;
            let mut v = of_rows(fail, &format!("are {}", outside_phrase(&b.min, &b.max)));
            let (lo, hi) = (text(row, &a("min")), text(row, &a("max")));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                v.figure.push_str(&format!(" (min {lo}, max {hi})"));
            }
            v
        }
        CheckKind::Pattern(p) => of_rows(count(row, &a("fail"))?, &format!("do not match `{}`", p.regex)),
        CheckKind::Length(b) => of_rows(
            count(row, &a("fail"))?,
            &format!("have a length {}", outside_phrase(&b.min, &b.max)),
        ),
        CheckKind::NullRatio(p) => {
            let nulls = count(row, &a("fail"))?;
            let ratio = if rows == 0 { 0.0 } else { nulls as f64 / rows as f64 };
            Verdict {
                passed: ratio <= p.max,
                figure: format!(
                    "{:.2}% null ({} of {} {}), at most {:.2}% allowed",
                    ratio * 100.0,
                    thousands(nulls),
                    thousands(rows),
                    rows_word(rows),
                    p.max * 100.0
                ),
                failing: Some(nulls),
                total: Some(rows),
            }
        }
        CheckKind::DistinctCount(b) if settled_by_presence(b) => {
            let present = count(row, &a("value"))?;
            let distinct = present.min(1);
            Verdict {
                passed: within(distinct, b.min, b.max),
                figure: match present {
                    0 => format!(
                        "0 distinct values (every value is null), expected {}",
                        bounds_text(&b.min, &b.max)
                    ),
                    n => format!(
                        "at least 1 distinct value ({} non-null), expected {}",
                        thousands(n),
                        bounds_text(&b.min, &b.max)
                    ),
                },
                failing: None,
                total: None,
            }
        }
        CheckKind::DistinctCount(b) => {
            let n = count(row, &a("value"))?;
            Verdict {
                passed: within(n, b.min, b.max),
                figure: format!(
                    "{} distinct values, expected {}",
                    thousands(n),
                    bounds_text(&b.min, &b.max)
                ),
                failing: None,
                total: Some(n),
            }
        }
        CheckKind::RowCount(b) => Verdict {
            passed: within(rows, b.min, b.max),
            figure: format!(
                "{} {}, expected {}",
                thousands(rows),
                rows_word(rows),
                bounds_text(&b.min, &b.max)
            ),
            failing: None,
            total: Some(rows),
        },
        CheckKind::Freshness(p) => {
            let max_age = parse_duration_secs(&p.max_age)? as i64;
            match (text(row, &a("newest")), number(row, &a("epoch"))) {
                (Some(newest), Some(epoch)) => {
                    let age = ctx.reference_epoch - epoch as i64;
                    Verdict {
                        passed: age <= max_age,
                        figure: format!(
                            "newest value {newest} is {} old at {} UTC, at most {} allowed",
                            human_duration(age),
                            ctx.reference_time,
                            p.max_age
                        ),
                        failing: None,
                        total: None,
                    }
                }
                _ => Verdict {
                    passed: false,
                    figure: "no non-null value, so no freshness to measure".into(),
                    failing: None,
                    total: None,
                },
            }
        }
        CheckKind::Relationships(r) => of_rows(
            count(row, &a("fail"))?,
            &format!("reference a {}.{} that does not exist", r.to, r.field),
        ),
        CheckKind::DuplicateRows => {
            let fail = count(row, &a("fail"))?;
            Verdict {
                passed: fail == 0,
                figure: format!(
                    "{} duplicate {} among {}",
                    thousands(fail),
                    rows_word(fail),
                    thousands(rows)
                ),
                failing: Some(fail),
                total: Some(rows),
            }
        }
        CheckKind::NoFutureTimestamps => of_rows(
            count(row, &a("fail"))?,
            &format!("are later than {} UTC", ctx.reference_time),
        ),
        other => return Err(format!("`{}` is not measured in the scan", other.name())),
    })
}

/// A query that measures this check alone: shown in results, and run on its own to
/// isolate the culprit when the combined scan fails.
pub fn standalone_query(check: &PlannedCheck, index: usize, ctx: &ScanContext<'_>) -> ScanQuery {
    ScanQuery::new(&measures(check, index, ctx), ctx)
}

/// A bounded query for the rows that made `check` fail, or `None` when the check has
/// no rows to show (row counts, distinct counts, freshness).
pub fn sample_query(check: &PlannedCheck, ctx: &ScanContext<'_>) -> Option<String> {
    let d = ctx.dialect;
    let rel = d.quote_relation(ctx.relation);
    let limit = ctx.sample_limit;
    // The failing rows are picked in an inner query under positional aliases (`hm_c0`)
    // and shown as text by the outer one, ordered by their native values: ClickHouse
    // lets a select alias shadow the column of the same name in WHERE, GROUP BY and
    // ORDER BY, and before 21.x takes `ORDER BY 1` as a constant.
    let inner = |cols: &[String]| {
        let picked = cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} AS hm_c{i}", d.quote_ident(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let by = (0..cols.len())
            .map(|i| format!("hm_c{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let shown = cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} AS {}", d.cast_text(&format!("hm_c{i}")), d.quote_ident(c)))
            .collect::<Vec<_>>()
            .join(", ");
        (picked, by, shown)
    };
    match &check.kind {
        CheckKind::Unique | CheckKind::PrimaryKey | CheckKind::DuplicateRows => {
            let cols: Vec<String> = match check.kind {
                CheckKind::DuplicateRows => columns_or_all(check, ctx).to_vec(),
                _ => check.columns.clone(),
            };
            if cols.is_empty() {
                return None;
            }
            let (picked, by, shown) = inner(&cols);
            let having = match check.kind {
                CheckKind::PrimaryKey => {
                    let nulls = (0..cols.len())
                        .map(|i| format!(" OR hm_c{i} IS NULL"))
                        .collect::<String>();
                    format!("count(*) > 1{nulls}")
                }
                _ => "count(*) > 1".into(),
            };
            let filter = match check.kind {
                CheckKind::Unique => format!(" WHERE {} IS NOT NULL", d.quote_ident(&cols[0])),
                _ => String::new(),
            };
            Some(format!(
                "SELECT {shown}, hm_n AS {} FROM (SELECT {picked}, count(*) AS hm_n FROM {rel}{filter} GROUP BY {by} \
                 HAVING {having} ORDER BY hm_n DESC, {by} LIMIT {limit}) AS hm_sample ORDER BY hm_n DESC, {by}",
                d.quote_ident("rows"),
            ))
        }
        _ => {
            let pred = failure_predicate(check, ctx)?;
            let mut cols: Vec<String> = ctx
                .primary_key
                .iter()
                .filter(|k| !check.columns.contains(k))
                .cloned()
                .collect();
            cols.extend(check.columns.iter().cloned());
            let (picked, by, shown) = inner(&cols);
            Some(format!(
                "SELECT {shown} FROM (SELECT {picked} FROM {rel} WHERE {pred} ORDER BY {by} LIMIT {limit}) AS hm_sample \
                 ORDER BY {by}"
            ))
        }
    }
}

/// Renders a literal list for messages.
pub fn literal_list(values: &[Literal]) -> String {
    values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_text_of_a_type_covers_its_widest_value() {
        // The widest values, as DuckDB writes them.
        for (ty, widest) in [
            ("bigint", "-9223372036854775808"),
            ("integer", "-2147483648"),
            ("ubigint", "18446744073709551615"),
            ("decimal(2,2)", "-0.50"),
            ("decimal(18,2)", "-9999999999999999.99"),
            ("boolean", "false"),
            ("timestamp", "290309-12-22 (BC) 00:00:00.123456"),
        ] {
            assert!(
                longest_text(ty).unwrap() >= widest.chars().count() as u64,
                "{ty}: {widest}"
            );
        }
        assert_eq!(longest_text("varchar"), None);
        assert_eq!(longest_text("json"), None);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn a_repeated_aggregate_is_computed_once_and_read_under_every_alias() {
        let columns = ["id".to_string()];
        let ctx = ScanContext {
            dialect: &crate::dialect::DuckDbDialect,
            relation: "silver.t",
            spill_distinct: false,
            table_columns: &columns,
            column_types: &[],
            primary_key: &[],
            reference_time: "2024-01-01 00:00:00",
            reference_epoch: 0,
            sample_limit: 5,
        };
        let m = |alias: &str, expr: &str| Measure {
            alias: alias.into(),
            expr: expr.into(),
        };
        let measures = [
            m("hm_0_fail", "count_if(\"id\" IS NULL)"),
            m("hm_1_value", "count(DISTINCT \"id\")"),
            m("hm_2_fail", "count_if(\"id\" IS NULL)"),
        ];
        let q = ScanQuery::new(&measures, &ctx);
        assert_eq!(q.sql.matches("count_if").count(), 1, "{}", q.sql);
        assert!(!q.sql.contains("hm_2_fail"), "{}", q.sql);
        let rows = Rows {
            columns: vec!["hm_rows".into(), "hm_0_fail".into(), "hm_1_value".into()],
            rows: vec![vec![10.into(), 3.into(), 7.into()]],
        };
        let read = q.read(rows);
        assert_eq!(read.first("hm_2_fail"), Some(&serde_json::Value::from(3)));
        assert_eq!(read.first("hm_1_value"), Some(&serde_json::Value::from(7)));
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(42), "42s");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3600 + 59), "3d 4h");
        assert_eq!(human_duration(-3600), "-1h 0m");
    }
}
