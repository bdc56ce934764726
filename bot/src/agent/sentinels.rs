//! Values that stand for "no value" in a typed column: `-999` among temperatures,
//! `9999` among quantities, `1900-01-01` among hire dates. Quartz's Bad Data Guide
//! lists both ("Spreadsheet has dates in 1900, 1904, 1969, or 1970"; "-1 or 9999 as
//! missing values"), and every survey and sensor export has them. A value is taken for
//! one only on evidence from every row: it is one of the well-known placeholders, it
//! repeats, and it lies far outside every other value of the column (a negative among
//! values that are never negative, or more than five spreads beyond their range; a
//! date at midnight more than a year beyond the others). Anything less stays a value.

use super::infer::Kind;
use super::transform::silver_expr;
use chrono::NaiveDate;
use hallmark_checks::dialect::Dialect;
use hallmark_checks::values::Rows;
use hallmark_checks::warehouse::{QueryKind, Warehouse, WarehouseError};

/// A value a column writes for "no value".
#[derive(Debug, Clone, PartialEq)]
pub struct Sentinel {
    /// The value as silver would hold it, in SQL (`-999`, `TIMESTAMP '1900-01-01'`).
    pub sql: String,
    /// How people read it (`-999`, `1900-01-01`).
    pub label: String,
    /// How many bronze rows hold it.
    pub rows: u64,
    /// Its spellings in bronze, trimmed (`-999`, `-999.00`), for the spec's
    /// `missing_values`.
    pub spellings: Vec<String>,
    /// The smallest and largest of the column's other values, for the plan.
    pub others: (f64, f64),
}

impl Sentinel {
    /// True when the placeholder is one of a column read as `kind` (a revision may
    /// read the column another way).
    pub fn fits(&self, kind: &Kind) -> bool {
        match kind {
            Kind::Timestamp(_) => self.sql.starts_with("TIMESTAMP"),
            Kind::Integer | Kind::Decimal { .. } => !self.sql.starts_with("TIMESTAMP"),
            _ => false,
        }
    }
}

/// Numbers that teams and instruments write for "no value".
const NUMBERS: &[i64] = &[
    -99, -999, -9_999, -99_999, -999_999, 999, 9_999, 99_999, 999_999, 9_999_999,
];

/// Dates that systems write for "no date": spreadsheet and database epochs and
/// minimums, and far-future "open end" dates.
const DATES: &[(i32, u32, u32)] = &[
    (1, 1, 1),
    (1753, 1, 1),
    (1899, 12, 30),
    (1899, 12, 31),
    (1900, 1, 1),
    (1901, 1, 1),
    (1904, 1, 1),
    (1970, 1, 1),
    (2099, 12, 31),
    (2999, 12, 31),
    (9999, 12, 31),
];

/// A placeholder must repeat: one odd value is an outlier, not a convention.
const MIN_ROWS: u64 = 2;

/// How many spreads beyond the other values' range a number must lie.
const FAR_SPREADS: f64 = 5.0;

/// How far beyond the other dates a placeholder date must lie, in seconds.
const FAR_SECONDS: f64 = 366.0 * 86_400.0;

/// A placeholder a column of `kind` could hold, with its position on the number line
/// (epoch seconds for dates).
struct Candidate {
    sql: String,
    label: String,
    at: f64,
    date: bool,
}

fn candidates(kind: &Kind) -> Vec<Candidate> {
    match kind {
        Kind::Integer | Kind::Decimal { .. } => NUMBERS
            .iter()
            .map(|n| Candidate {
                sql: n.to_string(),
                label: n.to_string(),
                at: *n as f64,
                date: false,
            })
            .collect(),
        Kind::Timestamp(_) => DATES
            .iter()
            .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d))
            .map(|date| Candidate {
                sql: format!("TIMESTAMP '{} 00:00:00'", date.format("%Y-%m-%d")),
                label: date.format("%Y-%m-%d").to_string(),
                at: date
                    .and_hms_opt(0, 0, 0)
                    .map_or(0.0, |t| t.and_utc().timestamp() as f64),
                date: true,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// True when `c` lies far outside `lo..=hi`, the column's other values.
fn far(c: &Candidate, lo: f64, hi: f64) -> bool {
    if c.date {
        c.at < lo - FAR_SECONDS || c.at > hi + FAR_SECONDS
    } else {
        let spread = hi - lo;
        (c.at < 0.0 && lo >= 0.0) || c.at < lo - FAR_SPREADS * spread || c.at > hi + FAR_SPREADS * spread
    }
}

/// What a scan of every row measured of the placeholders a reading could hold: the
/// rows holding each candidate (in [`candidates`] order) and the range of the other
/// values, or `None` where no other value was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholders {
    rows: Vec<u64>,
    others: Option<(f64, f64)>,
}

/// The aggregates, aliased under `prefix`, that measure the placeholders of `column`
/// read as `kind`: none for kinds that have none. They compare the reading's own
/// silver expression, so in the scan that measures the reading (its `IS NOT NULL`)
/// the engine computes the expression once for both.
pub fn measures(d: &dyn Dialect, column: &str, kind: &Kind, prefix: &str) -> Vec<String> {
    let cands = candidates(kind);
    if cands.is_empty() {
        return Vec::new();
    }
    let e = silver_expr(column, kind);
    let mut select: Vec<String> = cands
        .iter()
        .enumerate()
        .map(|(j, c)| format!("{} AS {prefix}_s{j}", d.count_if(&format!("({e}) = {}", c.sql))))
        .collect();
    let list = cands.iter().map(|c| c.sql.as_str()).collect::<Vec<_>>().join(", ");
    let others = format!("CASE WHEN ({e}) IN ({list}) THEN NULL ELSE ({e}) END");
    let position = |agg: &str| {
        if matches!(kind, Kind::Timestamp(_)) {
            format!("epoch({agg}({others}))")
        } else {
            format!("CAST({agg}({others}) AS DOUBLE)")
        }
    };
    select.push(format!("{} AS {prefix}_lo", position("min")));
    select.push(format!("{} AS {prefix}_hi", position("max")));
    select
}

/// The placeholders [`measures`] under `prefix` counted in `rows`, or `None` for a
/// kind that has none.
pub fn measured(rows: &Rows, kind: &Kind, prefix: &str) -> Option<Placeholders> {
    let cands = candidates(kind);
    if cands.is_empty() {
        return None;
    }
    let float = |alias: &str| rows.first(alias).and_then(|v| v.as_f64());
    Some(Placeholders {
        rows: (0..cands.len())
            .map(|j| {
                rows.first(&format!("{prefix}_s{j}"))
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0)
            })
            .collect(),
        others: float(&format!("{prefix}_lo")).zip(float(&format!("{prefix}_hi"))),
    })
}

/// The placeholders `column` of `relation` holds read as `kind`, from what was
/// `measured` on every row: each one that repeats and lies far outside the other
/// values, with its spellings in bronze (one small query each).
pub fn found(
    warehouse: &dyn Warehouse,
    relation: &str,
    column: &str,
    kind: &Kind,
    measured: &Placeholders,
) -> Result<Vec<Sentinel>, WarehouseError> {
    let Some((lo, hi)) = measured.others else {
        return Ok(Vec::new());
    };
    let d = warehouse.dialect();
    let mut found = Vec::new();
    for (c, &n) in candidates(kind).iter().zip(&measured.rows) {
        if n < MIN_ROWS || !far(c, lo, hi) {
            continue;
        }
        let spelled = warehouse.query(
            QueryKind::Profile,
            &format!(
                "SELECT DISTINCT trim(CAST({} AS VARCHAR)) AS v FROM {relation} WHERE ({}) = {} ORDER BY 1 LIMIT 20",
                d.quote_ident(column),
                silver_expr(column, kind),
                c.sql
            ),
        )?;
        found.push(Sentinel {
            sql: c.sql.clone(),
            label: c.label.clone(),
            rows: n,
            spellings: spelled
                .rows
                .iter()
                .filter_map(|r| r.first().and_then(|v| v.as_str()).map(str::to_string))
                .collect(),
            others: (lo, hi),
        });
    }
    Ok(found)
}

/// `others` as people read them: numbers as they are, epoch seconds as dates.
pub fn range_label(s: &Sentinel) -> String {
    let date = |secs: f64| {
        chrono::DateTime::from_timestamp(secs as i64, 0).map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
    };
    if s.sql.starts_with("TIMESTAMP") {
        format!("{}..{}", date(s.others.0), date(s.others.1))
    } else {
        format!("{}..{}", s.others.0, s.others.1)
    }
}
