//! What a change does to a product's rows: the product before (base) and after
//! (head), both in one warehouse, compared by key inside it. Keys only in base, only
//! in head, changed and unchanged; per column the values changed, NULLs, distinct
//! values, number ranges and frequent values on each side; a few sample rows of each
//! kind of change, with `pii` and `email` columns masked; and the schema's added,
//! removed and retyped columns. A key that is NULL or repeated on a side cannot be
//! matched to one row: its rows are counted as not compared, never as changed.
//!
//! Datafold's data-diff and Recce do this for dbt models; reviewers of SQL an agent
//! wrote need it most.

pub mod markdown;
pub mod sql;

use crate::plan::normalize_type;
use crate::values::{ColumnInfo, QueryKind, Rows};
use crate::warehouse::{Warehouse, WarehouseError};
use serde::Serialize;
use sql::{Layout, Profiled, SampleKind};

/// How many sample rows a diff shows of each kind of change, by default.
pub const DEFAULT_SAMPLES: usize = 5;

/// Columns with at most this many distinct values on a side show their most frequent
/// values (codes, statuses, countries).
const CODE_DISTINCT: u64 = 20;

/// How many frequent values a code column shows.
const TOP_VALUES: usize = 5;

/// What is compared: two relations of one warehouse.
#[derive(Debug, Clone)]
pub struct DiffRequest {
    /// The product before the change.
    pub base: String,
    /// The product after it.
    pub head: String,
    /// The product's key (its grain for a gold product); empty for none.
    pub key: Vec<String>,
    /// Columns whose values never leave the warehouse (tagged `pii` or `email`).
    pub masked: Vec<String>,
    /// Sample rows per kind of change.
    pub samples: usize,
    /// The fewest parts the grouping by key is made in: 1 for the whole at once, more
    /// for a product known to be too large for one (the engine's running out of
    /// memory also splits it).
    pub min_parts: u64,
}

/// A figure on each side of the change; `None` where the side lacks the column.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sides<T> {
    /// Before the change.
    pub base: Option<T>,
    /// After it.
    pub head: Option<T>,
}

/// Smallest, largest and mean of a number column on one side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NumberRange {
    /// The smallest value.
    pub min: Option<f64>,
    /// The largest value.
    pub max: Option<f64>,
    /// The mean.
    pub mean: Option<f64>,
}

/// One column on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDiff {
    /// The column.
    pub name: String,
    /// Its type on each side.
    pub types: Sides<String>,
    /// Rows matched by key whose value changed (NULL to a value and back count);
    /// `None` when the column is not on both sides or there is no key.
    pub values_changed: Option<u64>,
    /// NULL values.
    pub nulls: Sides<u64>,
    /// Distinct values.
    pub distinct: Sides<u64>,
    /// For numbers: range and mean.
    pub numbers: Sides<NumberRange>,
    /// For columns with few distinct values: the most frequent, with their rows.
    pub top: Sides<Vec<(String, u64)>>,
    /// True when its values are masked in samples and not listed.
    pub masked: bool,
}

/// A column whose type changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retyped {
    /// The column.
    pub name: String,
    /// Its type before.
    pub before: String,
    /// Its type after.
    pub after: String,
}

/// The schema change.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SchemaChange {
    /// Columns only in head.
    pub added: Vec<String>,
    /// Columns only in base.
    pub removed: Vec<String>,
    /// Columns in both whose type changed (their values are compared as text).
    pub retyped: Vec<Retyped>,
}

impl SchemaChange {
    /// True when the columns and their types are the same.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.retyped.is_empty()
    }
}

/// A cell of a sample row: its text, `None` for NULL; masked cells hold `None` and
/// the column says it is masked.
pub type Cell = Option<String>;

/// A sample row of a key on one side only: its key and compared values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleRow {
    /// The key's values.
    pub key: Vec<Cell>,
    /// The compared columns' values, in [`KeyedDiff::compared`] order.
    pub values: Vec<Cell>,
}

/// A sample of a changed key: the columns that changed, before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedRow {
    /// The key's values.
    pub key: Vec<Cell>,
    /// `(column, before, after)` for each changed column.
    pub changes: Vec<(String, Cell, Cell)>,
}

/// The comparison by key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyedDiff {
    /// The key columns.
    pub key: Vec<String>,
    /// The columns compared (in both, not in the key).
    pub compared: Vec<String>,
    /// Keys with one row in base and none in head.
    pub only_in_base: u64,
    /// Keys with one row in head and none in base.
    pub only_in_head: u64,
    /// Keys with one row on each side and a value changed.
    pub changed: u64,
    /// Keys with one row on each side and every value the same.
    pub unchanged: u64,
    /// Rows whose key has a NULL.
    pub null_keys: Sides<u64>,
    /// Keys with more than one row on a side.
    pub repeated_keys: Sides<u64>,
    /// The rows of those keys.
    pub repeated_rows: Sides<u64>,
    /// Rows not compared: a NULL key, a key repeated on either side.
    pub not_compared: Sides<u64>,
    /// Sample keys only in base.
    pub only_in_base_samples: Vec<SampleRow>,
    /// Sample keys only in head.
    pub only_in_head_samples: Vec<SampleRow>,
    /// Sample changed keys.
    pub changed_samples: Vec<ChangedRow>,
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataDiff {
    /// The relation before.
    pub base: String,
    /// The relation after.
    pub head: String,
    /// Rows on each side.
    pub rows: Sides<u64>,
    /// The columns' change.
    pub schema: SchemaChange,
    /// The comparison by key, or `None` with [`DataDiff::unkeyed`] saying why.
    pub keyed: Option<KeyedDiff>,
    /// Why rows were not compared by key (no key declared, a key column missing on a
    /// side).
    pub unkeyed: Option<String>,
    /// Every column of either side, head's order then the removed ones.
    pub columns: Vec<ColumnDiff>,
}

/// True for number types, whose range and mean are shown.
fn is_number(ty: &str) -> bool {
    let t = normalize_type(ty);
    let family = crate::plan::type_family(&t);
    crate::plan::INTEGER_TYPES.contains(&family) || ["float", "double", "decimal", "numeric"].contains(&family)
}

fn u64_of(rows: &Rows, alias: &str) -> u64 {
    rows.first(alias).and_then(|v| v.as_u64()).unwrap_or(0)
}

fn f64_of(rows: &Rows, alias: &str) -> Option<f64> {
    rows.first(alias).and_then(|v| match v {
        serde_json::Value::String(s) => s.parse().ok(),
        other => other.as_f64(),
    })
}

/// A cell as text.
fn cell(v: Option<&serde_json::Value>) -> Cell {
    match v? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// One column as one side's scan measured it.
#[derive(Clone)]
struct SideColumn {
    info: ColumnInfo,
    nulls: u64,
    distinct: u64,
    numbers: Option<NumberRange>,
    top: Option<Vec<(String, u64)>>,
}

/// What one side's scan measured.
struct SideProfile {
    rows: u64,
    keyed: u64,
    columns: Vec<SideColumn>,
}

fn profile_side(
    warehouse: &dyn Warehouse,
    relation: &str,
    key: &[String],
    columns: &[ColumnInfo],
    masked: &[String],
) -> Result<SideProfile, WarehouseError> {
    let d = warehouse.dialect();
    let asked: Vec<Profiled<'_>> = columns
        .iter()
        .map(|c| Profiled {
            name: &c.name,
            number: is_number(&c.type_name) && !masked.contains(&c.name),
        })
        .collect();
    let rows = match warehouse.query(QueryKind::Diff, &sql::profile(d, relation, key, &asked, false)) {
        Err(e) if e.is_out_of_memory() => {
            warehouse.query(QueryKind::Diff, &sql::profile(d, relation, key, &asked, true))?
        }
        other => other?,
    };
    let total = u64_of(&rows, "hm_rows");
    let mut out = Vec::new();
    for (i, (c, a)) in columns.iter().zip(&asked).enumerate() {
        let distinct = u64_of(&rows, &format!("hm_d{i}"));
        let numbers = a.number.then(|| NumberRange {
            min: f64_of(&rows, &format!("hm_min{i}")),
            max: f64_of(&rows, &format!("hm_max{i}")),
            mean: f64_of(&rows, &format!("hm_mean{i}")),
        });
        let top = if !a.number && !masked.contains(&c.name) && distinct > 0 && distinct <= CODE_DISTINCT {
            let found = warehouse.query(QueryKind::Diff, &sql::top_values(d, relation, &c.name, TOP_VALUES))?;
            Some(
                found
                    .rows
                    .iter()
                    .map(|r| {
                        let value = cell(r.first()).unwrap_or_default();
                        let n = r.get(1).and_then(|v| v.as_u64()).unwrap_or(0);
                        (value, n)
                    })
                    .collect(),
            )
        } else {
            None
        };
        out.push(SideColumn {
            info: c.clone(),
            nulls: u64_of(&rows, &format!("hm_n{i}")),
            distinct,
            numbers,
            top,
        });
    }
    Ok(SideProfile {
        rows: total,
        keyed: if key.is_empty() {
            total
        } else {
            u64_of(&rows, "hm_keyed")
        },
        columns: out,
    })
}

/// Compares `request.base` with `request.head` in `warehouse`.
pub fn compare(warehouse: &dyn Warehouse, request: &DiffRequest) -> Result<DataDiff, WarehouseError> {
    let base_cols = warehouse.describe(&request.base)?;
    let head_cols = warehouse.describe(&request.head)?;
    let find = |cols: &[ColumnInfo], name: &str| cols.iter().find(|c| c.name == name).cloned();
    let mut schema = SchemaChange::default();
    let mut compared: Vec<(String, bool)> = Vec::new();
    for h in &head_cols {
        match find(&base_cols, &h.name) {
            None => schema.added.push(h.name.clone()),
            Some(b) => {
                let retyped = normalize_type(&b.type_name) != normalize_type(&h.type_name);
                if retyped {
                    schema.retyped.push(Retyped {
                        name: h.name.clone(),
                        before: b.type_name.clone(),
                        after: h.type_name.clone(),
                    });
                }
                if !request.key.contains(&h.name) {
                    compared.push((h.name.clone(), retyped));
                }
            }
        }
    }
    schema.removed = base_cols
        .iter()
        .filter(|b| find(&head_cols, &b.name).is_none())
        .map(|b| b.name.clone())
        .collect();

    let missing_key: Vec<&String> = request
        .key
        .iter()
        .filter(|k| find(&base_cols, k).is_none() || find(&head_cols, k).is_none())
        .collect();
    let unkeyed = if request.key.is_empty() {
        Some("the product declares no primary key: counts and column profiles only".to_string())
    } else if !missing_key.is_empty() {
        Some(format!(
            "key column `{}` is not on both sides: counts and column profiles only",
            missing_key.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("`, `")
        ))
    } else {
        None
    };
    let key: &[String] = if unkeyed.is_none() { &request.key } else { &[] };

    let base = profile_side(warehouse, &request.base, key, &base_cols, &request.masked)?;
    let head = profile_side(warehouse, &request.head, key, &head_cols, &request.masked)?;

    let keyed = match unkeyed {
        Some(_) => None,
        None => Some(keyed_diff(warehouse, request, &compared, &base, &head)?),
    };
    let changed_of = |name: &str| {
        keyed.as_ref().and_then(|k| {
            let i = k.diff.compared.iter().position(|c| c == name)?;
            Some(k.changed_by_column[i])
        })
    };
    let side_of = |p: &SideProfile, name: &str| p.columns.iter().find(|c| c.info.name == name).cloned();
    let names: Vec<String> = head_cols
        .iter()
        .map(|c| c.name.clone())
        .chain(schema.removed.iter().cloned())
        .collect();
    let columns = names
        .iter()
        .map(|name| {
            let (b, h) = (side_of(&base, name), side_of(&head, name));
            ColumnDiff {
                name: name.clone(),
                types: Sides {
                    base: b.as_ref().map(|c| c.info.type_name.clone()),
                    head: h.as_ref().map(|c| c.info.type_name.clone()),
                },
                values_changed: changed_of(name),
                nulls: Sides {
                    base: b.as_ref().map(|c| c.nulls),
                    head: h.as_ref().map(|c| c.nulls),
                },
                distinct: Sides {
                    base: b.as_ref().map(|c| c.distinct),
                    head: h.as_ref().map(|c| c.distinct),
                },
                numbers: Sides {
                    base: b.as_ref().and_then(|c| c.numbers),
                    head: h.as_ref().and_then(|c| c.numbers),
                },
                top: Sides {
                    base: b.as_ref().and_then(|c| c.top.clone()),
                    head: h.as_ref().and_then(|c| c.top.clone()),
                },
                masked: request.masked.contains(name),
            }
        })
        .collect();
    Ok(DataDiff {
        base: request.base.clone(),
        head: request.head.clone(),
        rows: Sides {
            base: Some(base.rows),
            head: Some(head.rows),
        },
        schema,
        keyed: keyed.map(|k| k.diff),
        unkeyed,
        columns,
    })
}

/// A product new at the head: no base to compare with, so its own profile (rows,
/// NULLs, distinct values, ranges, frequent codes) on the head side.
pub fn profile_new(warehouse: &dyn Warehouse, head: &str, masked: &[String]) -> Result<DataDiff, WarehouseError> {
    let columns = warehouse.describe(head)?;
    let side = profile_side(warehouse, head, &[], &columns, masked)?;
    Ok(DataDiff {
        base: String::new(),
        head: head.to_string(),
        rows: Sides {
            base: None,
            head: Some(side.rows),
        },
        schema: SchemaChange {
            added: columns.iter().map(|c| c.name.clone()).collect(),
            ..SchemaChange::default()
        },
        keyed: None,
        unkeyed: Some("the product is new: there is no base to compare with, so this is its profile".into()),
        columns: side
            .columns
            .into_iter()
            .map(|c| ColumnDiff {
                masked: masked.contains(&c.info.name),
                name: c.info.name,
                types: Sides {
                    base: None,
                    head: Some(c.info.type_name),
                },
                values_changed: None,
                nulls: Sides {
                    base: None,
                    head: Some(c.nulls),
                },
                distinct: Sides {
                    base: None,
                    head: Some(c.distinct),
                },
                numbers: Sides {
                    base: None,
                    head: c.numbers,
                },
                top: Sides {
                    base: None,
                    head: c.top,
                },
            })
            .collect(),
    })
}

/// A keyed diff and its per-column counts, before they are spread over the columns.
struct Keyed {
    diff: KeyedDiff,
    changed_by_column: Vec<u64>,
}

fn keyed_diff(
    warehouse: &dyn Warehouse,
    request: &DiffRequest,
    compared: &[(String, bool)],
    base: &SideProfile,
    head: &SideProfile,
) -> Result<Keyed, WarehouseError> {
    let layout = Layout {
        dialect: warehouse.dialect(),
        base: &request.base,
        head: &request.head,
        key: &request.key,
        compared,
        part: None,
    };
    let (counts, parts) = counted(warehouse, layout, request.min_parts)?;
    let n = |alias: &str| counts.get(alias).copied().unwrap_or(0);
    let (only_base, only_head, matched, changed) =
        (n("hm_only_base"), n("hm_only_head"), n("hm_matched"), n("hm_changed"));
    // Rows whose key is set but repeated on a side: every keyed row less the keys
    // seen once there.
    let repeated_rows = Sides {
        base: Some(base.keyed.saturating_sub(n("hm_single_base"))),
        head: Some(head.keyed.saturating_sub(n("hm_single_head"))),
    };
    let compared_rows = |side_keyed: u64, only: u64| side_keyed.saturating_sub(only + matched);
    let not_compared = Sides {
        base: Some(base.rows - base.keyed + compared_rows(base.keyed, only_base)),
        head: Some(head.rows - head.keyed + compared_rows(head.keyed, only_head)),
    };
    let masked = |name: &str| request.masked.contains(&name.to_string());
    let key_cells = |r: &[serde_json::Value], cols: &[String]| -> Vec<Cell> {
        request
            .key
            .iter()
            .enumerate()
            .map(|(j, k)| {
                if masked(k) {
                    None
                } else {
                    cell(at(cols, r, &format!("hm_k{j}")))
                }
            })
            .collect()
    };
    let sample = |kind: SampleKind| sampled(warehouse, layout, parts, kind, request.samples);
    let one_side = |kind: SampleKind, prefix: &str| -> Result<Vec<SampleRow>, WarehouseError> {
        let rows = sample(kind)?;
        Ok(rows
            .rows
            .iter()
            .map(|r| SampleRow {
                key: key_cells(r, &rows.columns),
                values: compared
                    .iter()
                    .enumerate()
                    .map(|(i, (c, _))| {
                        if masked(c) {
                            None
                        } else {
                            cell(at(&rows.columns, r, &format!("{prefix}{i}")))
                        }
                    })
                    .collect(),
            })
            .collect())
    };
    let only_in_base_samples = if only_base > 0 {
        one_side(SampleKind::OnlyInBase, "hm_b")?
    } else {
        Vec::new()
    };
    let only_in_head_samples = if only_head > 0 {
        one_side(SampleKind::OnlyInHead, "hm_h")?
    } else {
        Vec::new()
    };
    let changed_samples = if changed > 0 {
        let rows = sample(SampleKind::Changed)?;
        rows.rows
            .iter()
            .map(|r| ChangedRow {
                key: key_cells(r, &rows.columns),
                changes: compared
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| at(&rows.columns, r, &format!("hm_c{i}")).and_then(|v| v.as_u64()) == Some(1))
                    .map(|(i, (c, _))| {
                        if masked(c) {
                            (c.clone(), None, None)
                        } else {
                            (
                                c.clone(),
                                cell(at(&rows.columns, r, &format!("hm_b{i}"))),
                                cell(at(&rows.columns, r, &format!("hm_h{i}"))),
                            )
                        }
                    })
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Keyed {
        diff: KeyedDiff {
            key: request.key.clone(),
            compared: compared.iter().map(|(c, _)| c.clone()).collect(),
            only_in_base: only_base,
            only_in_head: only_head,
            changed,
            unchanged: matched - changed,
            null_keys: Sides {
                base: Some(base.rows - base.keyed),
                head: Some(head.rows - head.keyed),
            },
            repeated_keys: Sides {
                base: Some(n("hm_repeated_base")),
                head: Some(n("hm_repeated_head")),
            },
            repeated_rows,
            not_compared,
            only_in_base_samples,
            only_in_head_samples,
            changed_samples,
        },
        changed_by_column: (0..compared.len()).map(|i| n(&format!("hm_changed_{i}"))).collect(),
    })
}

/// How many parts a grouping by key is tried in next, in turn, when the engine runs out
/// of memory for fewer (ClickHouse's `GROUP BY` spills, but its merge of many
/// aggregate states per key can still pass a per-query cap).
const PARTS: [u64; 3] = [8, 64, 512];

/// The counts of [`Layout::counts`] by alias, summed over as many parts as the engine
/// needed, and that number of parts.
fn counted(
    warehouse: &dyn Warehouse,
    layout: Layout<'_>,
    min_parts: u64,
) -> Result<(std::collections::BTreeMap<String, u64>, u64), WarehouseError> {
    let mut last = None;
    let tries = std::iter::once(min_parts.max(1)).chain(PARTS.into_iter().filter(|p| *p > min_parts));
    for parts in tries {
        let mut sums = std::collections::BTreeMap::new();
        let mut failed = None;
        for index in 0..parts {
            let part = Layout {
                part: (parts > 1).then_some((index, parts)),
                ..layout
            };
            match warehouse.query(QueryKind::Diff, &part.counts()) {
                Ok(rows) => {
                    for (i, alias) in rows.columns.iter().enumerate() {
                        let v = rows.rows.first().and_then(|r| r.get(i)).and_then(|v| v.as_u64());
                        *sums.entry(alias.clone()).or_insert(0) += v.unwrap_or(0);
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            None => return Ok((sums, parts)),
            Some(e) if e.is_out_of_memory() => {
                tracing::info!(parts, error = %e, "the grouping by key is made in more parts");
                last = Some(e);
            }
            Some(e) => return Err(e),
        }
    }
    Err(last.expect("at least one attempt"))
}

/// At most `limit` keys of `kind` in key order: the first of all, or, over `parts`
/// parts, the first of the first parts that hold as many (each part is a read of both
/// sides, so the reads stop once enough are found).
fn sampled(
    warehouse: &dyn Warehouse,
    layout: Layout<'_>,
    parts: u64,
    kind: SampleKind,
    limit: usize,
) -> Result<Rows, WarehouseError> {
    if parts == 1 {
        return warehouse.query(QueryKind::Diff, &layout.samples(kind, limit));
    }
    let mut all = Rows::default();
    for index in 0..parts {
        let part = Layout {
            part: Some((index, parts)),
            ..layout
        };
        let rows = warehouse.query(QueryKind::Diff, &part.samples(kind, limit))?;
        all.columns = rows.columns;
        all.rows.extend(rows.rows);
        if all.rows.len() >= limit {
            break;
        }
    }
    let keys: Vec<usize> = (0..layout.key.len())
        .filter_map(|j| all.columns.iter().position(|c| *c == format!("hm_k{j}")))
        .collect();
    all.rows.sort_by(|a, b| {
        keys.iter()
            .map(|&i| key_order(a.get(i), b.get(i)))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    all.rows.truncate(limit);
    Ok(all)
}

/// Keys in the order the engines sort them: numbers as numbers, text as text.
fn key_order(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> std::cmp::Ordering {
    let number = |v: Option<&serde_json::Value>| {
        v.and_then(|v| match v {
            serde_json::Value::String(s) => s.parse::<f64>().ok(),
            other => other.as_f64(),
        })
    };
    match (a, b, number(a), number(b)) {
        (Some(serde_json::Value::Number(_)), Some(serde_json::Value::Number(_)), Some(x), Some(y)) => x.total_cmp(&y),
        _ => cell(a).cmp(&cell(b)),
    }
}

/// The cell of `row` under `column`.
fn at<'r>(columns: &[String], row: &'r [serde_json::Value], column: &str) -> Option<&'r serde_json::Value> {
    row.get(columns.iter().position(|c| c == column)?)
}
