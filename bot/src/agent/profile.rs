//! A profile of a bronze source: per column its null count, distinct count, range,
//! most frequent values, and how its values read. One aggregate over the whole source
//! (one scan, as for checks), one bounded sample of rows as text from which the
//! [`candidates`] readings are drawn, and — on DuckDB, whose SQL the drafter writes —
//! one more scan that measures every candidate on every row. A reading that leaves
//! values unread brings those values back to widen the readings (a time format the
//! sample did not hold), and is measured again; the chosen reading is the first, in
//! the drafter's order of preference, that reads at least [`MIN_SHARE`] of all values.

use super::infer::{candidates, Candidate, Inferred, Kind, MAX_CATEGORIES, MIN_SHARE};
use super::sentinels::{self, Placeholders, Sentinel};
use super::transform::reads_sql;
use hallmark_checks::guards::missing_markers_sql;
use hallmark_checks::scan::thousands;
use hallmark_checks::warehouse::{QueryKind, Warehouse, WarehouseError};
use serde::Serialize;
use std::collections::HashMap;

/// How many values a reading left unread are brought back to widen the readings.
const UNREAD_FETCHED: usize = 200;

/// How many times the readings are widened by unread values and measured again.
const WIDENINGS: usize = 2;

/// One way of reading a column, with what it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The kind, silver type, tags and doubt of the reading.
    pub inferred: Inferred,
    /// The share of the sampled values it reads.
    pub sampled_share: f64,
    /// What it reads on every row, where the warehouse measured it.
    pub measured: Option<Measured>,
    /// The placeholders for "no value" it could hold, counted in the same scan.
    pub placeholders: Option<Placeholders>,
}

/// A reading measured on every row of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// The values it reads.
    pub read: u64,
    /// The values there are: not blank, not a missing-value marker, not a repeated
    /// header.
    pub present: u64,
}

impl Reading {
    /// The share of the values the reading reads: measured on every row where it was,
    /// else on the sample.
    pub fn share(&self) -> f64 {
        match self.measured {
            Some(m) if m.present > 0 => m.read as f64 / m.present as f64,
            _ => self.sampled_share,
        }
    }

    /// `1,234 of 1,240 values (99.5%)`, or the share of the sample where the reading
    /// was not measured on every row.
    pub fn coverage(&self) -> String {
        if matches!(self.inferred.kind, Kind::Text | Kind::Category) {
            return "keeps every value".into();
        }
        match self.measured {
            Some(m) if m.present > 0 => format!(
                "{} of {} values ({:.1}%)",
                thousands(m.read),
                thousands(m.present),
                100.0 * m.read as f64 / m.present as f64
            ),
            Some(_) => "no values to read".into(),
            None => format!("{:.1}% of the sampled values", 100.0 * self.sampled_share),
        }
    }
}

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
    /// What the values are, the silver type and tags: the chosen reading.
    #[serde(skip)]
    pub inferred: Inferred,
    /// Every reading tried, in the order of preference, with what it reads.
    #[serde(skip)]
    pub readings: Vec<Reading>,
    /// The distinct values of the sample (trimmed, markers left out) when there are
    /// at most [`MAX_CATEGORIES`] of them (as many as make a column a category): the
    /// labels a request may name.
    #[serde(skip)]
    pub labels: Vec<String>,
    /// Values the chosen reading holds that stand for "no value" (`-999`,
    /// `1900-01-01`), measured on every row.
    #[serde(skip)]
    pub sentinels: Vec<Sentinel>,
}

/// The distinct trimmed values of `values`, markers and blanks left out, when there
/// are at most [`MAX_CATEGORIES`].
fn labels_of(values: &[&str]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for v in values.iter().map(|v| v.trim()) {
        if v.is_empty() || hallmark_checks::guards::is_missing_marker(v) || labels.iter().any(|l| l == v) {
            continue;
        }
        if labels.len() == MAX_CATEGORIES {
            return Vec::new();
        }
        labels.push(v.to_string());
    }
    labels
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

    let mut profiles: Vec<ColumnProfile> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values: Vec<&str> = sample
                .rows
                .iter()
                .filter_map(|r| r.get(i).and_then(|v| v.as_str()))
                .collect();
            let distinct = number(&format!("hm_distinct_{i}"));
            let readings = unmeasured(candidates(&c.name, &values, distinct));
            ColumnProfile {
                name: c.name.clone(),
                source_type: c.type_name.clone(),
                nulls: number(&format!("hm_nulls_{i}")),
                distinct,
                min: string(&format!("hm_min_{i}")),
                max: string(&format!("hm_max_{i}")),
                top: top_values(&values),
                inferred: choose(&readings),
                readings,
                labels: labels_of(&values),
                sentinels: Vec::new(),
            }
        })
        .collect();
    if d.name() == "duckdb" {
        let samples: Vec<Vec<String>> = (0..columns.len())
            .map(|i| {
                sample
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i).and_then(|v| v.as_str()).map(str::to_string))
                    .collect()
            })
            .collect();
        measure_readings(warehouse, &relation, &mut profiles, &samples)?;
        for c in &mut profiles {
            let chosen = c.readings.iter().find(|r| r.inferred.kind == c.inferred.kind);
            if let Some(p) = chosen.and_then(|r| r.placeholders.as_ref()) {
                c.sentinels = sentinels::found(warehouse, &relation, &c.name, &c.inferred.kind, p)?;
            }
        }
    }
    Ok(Profile {
        source: source.to_string(),
        rows: number("hm_rows"),
        sampled: sample.rows.len(),
        columns: profiles,
    })
}

fn unmeasured(found: Vec<Candidate>) -> Vec<Reading> {
    found
        .into_iter()
        .map(|c| Reading {
            inferred: c.inferred,
            sampled_share: c.share,
            measured: None,
            placeholders: None,
        })
        .collect()
}

/// The first reading, in the order of preference, that reads at least [`MIN_SHARE`]
/// of the values (text reads them all).
fn choose(readings: &[Reading]) -> Inferred {
    readings
        .iter()
        .find(|r| r.share() >= MIN_SHARE || r.inferred.kind == Kind::Text)
        .map(|r| r.inferred.clone())
        .unwrap_or_else(|| candidates("", &[], 0).remove(0).inferred)
}

/// Measures every reading of every column on every row of `relation` (one scan),
/// widens the readings of a column whose preferred reading leaves values unread by
/// those values, and measures again, then chooses each column's reading.
fn measure_readings(
    warehouse: &dyn Warehouse,
    relation: &str,
    profiles: &mut [ColumnProfile],
    samples: &[Vec<String>],
) -> Result<(), WarehouseError> {
    let mut pending: Vec<usize> = (0..profiles.len()).collect();
    for round in 0..=WIDENINGS {
        if pending.is_empty() {
            break;
        }
        measure(warehouse, relation, profiles, &pending)?;
        let mut widened = Vec::new();
        for &i in &pending {
            let c = &mut profiles[i];
            c.inferred = choose(&c.readings);
            // The reading the sample preferred, if every row does not bear it out.
            let preferred = c
                .readings
                .iter()
                .find(|r| r.sampled_share >= MIN_SHARE || r.inferred.kind == Kind::Text)
                .filter(|r| r.measured.is_some_and(|m| m.read < m.present));
            let Some(preferred) = preferred.filter(|_| round < WIDENINGS) else {
                continue;
            };
            let Some(test) = reads_sql(&c.name, &preferred.inferred.kind) else {
                continue;
            };
            let unread = warehouse.query(
                QueryKind::Profile,
                &format!(
                    "SELECT DISTINCT trim(CAST({col} AS VARCHAR)) AS hm_value FROM {relation} WHERE {present} AND NOT coalesce({test}, false) LIMIT {UNREAD_FETCHED}",
                    col = warehouse.dialect().quote_ident(&c.name),
                    present = present_sql(warehouse, &c.name),
                ),
            )?;
            let mut values: Vec<&str> = samples[i].iter().map(String::as_str).collect();
            values.extend(unread.rows.iter().filter_map(|r| r.first().and_then(|v| v.as_str())));
            // A reading's measure on every row does not depend on the sample: the
            // readings measured already keep theirs, and only the new ones are measured.
            let mut wider = unmeasured(candidates(&c.name, &values, c.distinct));
            let mut new = false;
            for r in &mut wider {
                match c.readings.iter().find(|k| k.inferred.kind == r.inferred.kind) {
                    Some(known) => {
                        r.measured = known.measured;
                        r.placeholders = known.placeholders.clone();
                    }
                    None => new = true,
                }
            }
            if new {
                c.readings = wider;
                widened.push(i);
            }
        }
        pending = widened;
    }
    Ok(())
}

/// Whether a bronze value is there to be read: not blank, not a missing-value marker
/// (`N/A`, `#N/A`, `-`), not the column's own name (a header repeated in the data).
fn present_sql(warehouse: &dyn Warehouse, column: &str) -> String {
    let d = warehouse.dialect();
    let text = format!("trim(CAST({} AS VARCHAR))", d.quote_ident(column));
    format!(
        "(coalesce({text}, '') <> '' AND lower({text}) NOT IN ({}) AND {text} <> {})",
        missing_markers_sql(d),
        d.string_literal(column.trim())
    )
}

/// One scan counting, for each of the `columns`, its present values and, for each of
/// its readings not measured yet, the values it leaves unread and the placeholders for
/// "no value" it holds.
fn measure(
    warehouse: &dyn Warehouse,
    relation: &str,
    profiles: &mut [ColumnProfile],
    columns: &[usize],
) -> Result<(), WarehouseError> {
    let d = warehouse.dialect();
    let mut select = Vec::new();
    for &i in columns {
        let c = &profiles[i];
        let present = present_sql(warehouse, &c.name);
        select.push(format!("{} AS hm_present_{i}", d.count_if(&present)));
        for (j, r) in c.readings.iter().enumerate().filter(|(_, r)| r.measured.is_none()) {
            if let Some(test) = reads_sql(&c.name, &r.inferred.kind) {
                select.push(format!(
                    "{} AS hm_unread_{i}_{j}",
                    d.count_if(&format!("{present} AND NOT coalesce({test}, false)"))
                ));
            }
            select.extend(sentinels::measures(
                d,
                &c.name,
                &r.inferred.kind,
                &format!("hm_p_{i}_{j}"),
            ));
        }
    }
    let counts = warehouse.query(
        QueryKind::Profile,
        &format!("SELECT {} FROM {relation}", select.join(", ")),
    )?;
    let number = |alias: &str| counts.first(alias).and_then(|v| v.as_u64());
    for &i in columns {
        let present = number(&format!("hm_present_{i}")).unwrap_or(0);
        for (j, r) in profiles[i]
            .readings
            .iter_mut()
            .enumerate()
            .filter(|(_, r)| r.measured.is_none())
        {
            let unread = number(&format!("hm_unread_{i}_{j}")).unwrap_or(0);
            r.measured = Some(Measured {
                read: present.saturating_sub(unread),
                present,
            });
            r.placeholders = sentinels::measured(&counts, &r.inferred.kind, &format!("hm_p_{i}_{j}"));
        }
    }
    Ok(())
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
    use crate::agent::infer::TimestampFormat;
    use hallmark_checks::warehouse::duckdb::DuckDbWarehouse;
    use hallmark_checks::warehouse::{Limits, SourceLocation};

    /// Profiles a one-file source of `csv` on DuckDB.
    fn profile_csv(csv: &str) -> Profile {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(&path, csv).unwrap();
        let wh = DuckDbWarehouse::in_memory(Limits::default()).unwrap();
        wh.bind_source(
            "bronze.events",
            &SourceLocation::File {
                path,
                root: dir.path().to_path_buf(),
            },
        )
        .unwrap();
        profile(&wh, "bronze.events").unwrap()
    }

    /// A reading the sample supports but every row does not is widened by the values
    /// it leaves unread (day-first dates that begin past the sampled rows), and a
    /// column whose later rows are not numbers at all is kept as text: the choice is
    /// the measure of every row, not of the sample.
    #[test]
    fn readings_are_measured_on_every_row_and_widened_by_what_they_miss() {
        let mut csv = String::from("id,seen,price\n");
        for i in 0..SAMPLE_ROWS + 1000 {
            let (seen, price) = if i < SAMPLE_ROWS {
                (
                    format!("2024-0{}-0{} 10:00:00", 1 + i % 9, 1 + i % 9),
                    format!("{}.50", i % 90),
                )
            } else {
                (
                    format!("{}/0{}/2024 10:00", 13 + i % 15, 1 + i % 9),
                    "ask sales".to_string(),
                )
            };
            csv.push_str(&format!("{i},{seen},{price}\n"));
        }
        let p = profile_csv(&csv);
        let seen = p.column("seen").unwrap();
        assert_eq!(
            seen.inferred.kind,
            Kind::Timestamp(vec![TimestampFormat::IsoSpace, TimestampFormat::DayFirstMinutes]),
            "{:?}",
            seen.readings
        );
        let chosen = seen
            .readings
            .iter()
            .find(|r| r.inferred.kind == seen.inferred.kind)
            .unwrap();
        let rows = (SAMPLE_ROWS + 1000) as u64;
        assert_eq!(
            chosen.measured,
            Some(Measured {
                read: rows,
                present: rows
            })
        );
        let price = p.column("price").unwrap();
        assert_eq!(price.inferred.kind, Kind::Text, "{:?}", price.readings);
        let number = &price.readings[0];
        assert_eq!(number.sampled_share, 1.0);
        assert_eq!(number.measured.unwrap().read, SAMPLE_ROWS as u64);
        assert_eq!(number.coverage(), "10,000 of 11,000 values (90.9%)");
    }

    /// Markers and blanks are not values: a column of numbers with `N/A` among them
    /// reads all of its values.
    #[test]
    fn markers_are_not_counted_as_unread() {
        let p = profile_csv("id,qty\n1,3\n2,N/A\n3,\n4,#N/A\n5,12\n");
        let qty = p.column("qty").unwrap();
        assert_eq!(qty.inferred.kind, Kind::Integer);
        assert_eq!(qty.readings[0].measured, Some(Measured { read: 2, present: 2 }));
    }

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
