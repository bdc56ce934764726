//! The deterministic, offline drafter's silver half: from a bronze profile and the
//! standards of the level, a product spec and the SQL that builds it. Every choice it
//! makes is written down in `notes`, which become the promotion plan, so a reviewer
//! sees why a column got its type or why rows were dropped.

use super::super::asks::{asks_for_column, Case};
use super::super::context::Context;
use super::super::infer::{name_words, Kind};
use super::super::profile::{ColumnProfile, Profile};
use super::super::request_filters::{excluded_phrases, names_value};
use super::super::sentinels::{range_label, Sentinel};
use super::super::synonyms::synonyms_of;
use super::super::transform::{
    converted_sql, ident, json_field_expr, literal, silver_expr, silver_select, snake_case, OutputColumn, Quarantine,
    SetAside, SilverSql,
};
use super::super::units::{unit_named, unit_of, Family, Unit};
use super::markers::{EVENT_TIME_MARKERS, LATEST_MARKERS};
use super::revisions::Revisions;
use hallmark_checks::catalogue::CheckKind;
use hallmark_checks::dialect::{Dialect, DuckDbDialect};
use hallmark_checks::plan::{normalize_type, selects};
use hallmark_checks::scan::value_failure;
use hallmark_checks::spec::{ColumnSpec, ProductSpec};
use hallmark_checks::Level;

/// A drafted silver product.
#[derive(Debug, Clone, PartialEq)]
pub struct SilverDraft {
    /// The spec, ready to be written as `silver.yml`.
    pub spec: ProductSpec,
    /// The SELECTs, ready to be written as `silver.sql` and `silver.quarantine.sql`.
    pub sql: SilverSql,
    /// What the drafter decided and why, one line each.
    pub notes: Vec<String>,
    /// Each silver column's expression over the bronze row, for measuring a revision.
    pub outputs: Vec<OutputColumn>,
    /// The value checks of the standards that hold rows back (`quarantine: true`).
    pub held_by: Vec<ValueCheck>,
}

/// A check a standard makes of each value of one silver column.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueCheck {
    /// The standard's id.
    pub standard: String,
    /// The check.
    pub kind: CheckKind,
    /// The silver column.
    pub column: String,
    /// Its silver type.
    pub type_name: String,
}

/// Drafts the silver target of `ctx` from its bronze source, with what earlier
/// rounds taught (`revisions`: other readings, normalized spellings, values set aside).
pub fn draft_silver(ctx: &Context<'_>, revisions: &Revisions) -> SilverDraft {
    let product = ctx.target.name.as_str();
    let profile = &with_readings(&ctx.profile, revisions);
    let set_aside = &revisions.set_aside;
    let standards = &ctx.project.standards;
    let mut source = ctx.source.spec.clone();
    let mut notes: Vec<String> = revisions
        .readings
        .iter()
        .map(|(column, _, why)| format!("Bronze `{column}` is {why}."))
        .collect();
    let names = unique_names(&profile.columns);
    let versioned =
        !times_named(profile, LATEST_MARKERS).is_empty() || !times_named(profile, EVENT_TIME_MARKERS).is_empty();
    let key = choose_key(product, profile, &names, versioned);
    match &key {
        Some(i) => {
            let c = &profile.columns[*i];
            notes.push(format!(
                "Key: `{}` from bronze `{}` ({} distinct of {} rows; rows with a null key are dropped: {}).",
                names[*i], c.name, c.distinct, profile.rows, c.nulls
            ));
            if distinct_share(profile, *i) < MIN_KEY_SHARE {
                notes.push(format!(
                    "Doubt: only {:.0}% of `{}`'s values are distinct; its name makes it the identifier of `{product}` and a time column orders its rows, so the rows sharing a value are read as versions of one record (the latest wins). If they are not versions (lines of one order), the key is wrong.",
                    distinct_share(profile, *i) * 100.0,
                    names[*i]
                ));
            }
            source.key = vec![c.name.clone()];
        }
        None => notes.push(
            "Key: none found (no column named like an identifier, `*_id`, `*_no` or `Record #`, with mostly distinct values); rows are deduplicated whole.".into(),
        ),
    }

    let measured_in = unit_pairs(profile, &names);
    let mut outputs = Vec::new();
    let mut columns = Vec::new();
    let key_name = key.map(|i| names[i].clone());
    for (i, c) in profile.columns.iter().enumerate() {
        let name = names[i].clone();
        if is_trailing_empty(c, profile.rows) {
            notes.push(format!(
                "Bronze column `{}` holds no value in any row and has no name of its own (a trailing delimiter): left out.",
                c.name
            ));
            continue;
        }
        if let Some(doubt) = &c.inferred.doubt {
            notes.push(format!("`{name}`: {doubt}."));
        }
        let mut tags: Vec<String> = c.inferred.tags.iter().map(|t| t.to_string()).collect();
        if Some(i) != key {
            if let Some(stem) = name.strip_suffix("_id") {
                tags.push(format!("{stem}_ref"));
            }
        }
        let mut type_name = c.inferred.silver_type.to_string();
        let mut expr = silver_expr(&c.name, &c.inferred.kind);
        let sentinels: Vec<&Sentinel> = c.sentinels.iter().filter(|s| s.fits(&c.inferred.kind)).collect();
        for s in &sentinels {
            expr = format!("nullif({expr}, {})", s.sql);
            notes.push(format!(
                "`{name}`: `{}` ({} rows) stands for no value: it repeats and lies far outside every other value ({}). It is NULL in silver, and the spec declares it in `missing_values` so the kept-values guard does not count it as lost.",
                s.label,
                s.rows,
                range_label(s)
            ));
        }
        if !sentinels.is_empty() {
            source.missing_values.insert(
                c.name.clone(),
                sentinels.iter().flat_map(|s| s.spellings.iter().cloned()).collect(),
            );
        }
        let mut extra = None;
        if let Some(pair) = measured_in.iter().find(|p| p.measure == i) {
            let unit = &profile.columns[pair.unit];
            notes.push(format!(
                "`{name}` is in {}, {}: rows whose `{}` names another {} unit are converted, a row with no unit is taken to be in {} already, and `{}` reads {} wherever `{name}` has a value.",
                pair.target.symbol,
                if pair.stated { "as its name says" } else { "the unit most rows have (no name or standard states one)" },
                names[pair.unit],
                format!("{:?}", pair.family).to_lowercase(),
                pair.target.symbol,
                names[pair.unit],
                pair.target.symbol,
            ));
            expr = converted_sql(&expr, &unit.name, pair.family, pair.target);
            type_name = "decimal(18,4)".into();
        }
        if let Some(pair) = measured_in.iter().find(|p| p.unit == i) {
            let measure = &profile.columns[pair.measure];
            expr = format!(
                "CASE WHEN ({}) IS NOT NULL THEN {} ELSE {expr} END",
                silver_expr(&measure.name, &measure.inferred.kind),
                literal(pair.target.symbol)
            );
        }
        // Whatever a standard selects the column by (tag, name, pattern, type, role),
        // what it asks of the column shapes the draft.
        let provisional = ColumnSpec {
            name: name.clone(),
            type_name: type_name.clone(),
            description: None,
            tags: tags.clone(),
            checks: Vec::new(),
        };
        let shape = silver_shape(product, key_name.as_deref(), Vec::new());
        let asks = asks_for_column(standards, &provisional, &shape);
        if let Some(t) = &asks.type_name {
            if *t != type_name {
                notes.push(format!("`{name}` is typed {t}, as {} ask.", asks.standards.join(", ")));
                type_name = t.clone();
                expr = format!("TRY_CAST({expr} AS {})", t.to_uppercase());
            }
        }
        if asks.min == Some(0.0) && matches!(c.inferred.kind, Kind::Decimal { .. } | Kind::Integer) {
            let flag = format!("{name}_was_negative");
            notes.push(format!(
                    "`{name}` must be non-negative ({}): it holds the absolute value, and `{flag}` marks the rows whose bronze value was negative (refunds, reversals), so nothing is lost.",
                    asks.standards.join(", ")
                ));
            extra = Some(OutputColumn {
                source: c.name.clone(),
                name: flag.clone(),
                expr: format!("coalesce({expr} < 0, false)"),
            });
            expr = format!("abs({expr})");
        }
        let spelled = match &c.inferred.kind {
            Kind::Category | Kind::Text => spelling_map(&asks.accepted),
            _ => None,
        };
        if let Some(map) = spelled {
            let trimmed = silver_expr(&c.name, &Kind::Text);
            notes.push(format!(
                "`{name}` takes the spelling of the values {} accept (`{}`), matched without case, spaces, `_` or `-`, and in Spanish, German, French, Portuguese, Italian or Dutch where a value is a status word (`activo`, `aktiv` for `active`); other values are kept as written.",
                asks.standards.join(", "),
                asks.accepted.join("`, `")
            ));
            let d = DuckDbDialect;
            let arms: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("WHEN {} THEN {}", d.string_literal(key), d.string_literal(value)))
                .collect();
            expr = format!(
                "CASE trim(regexp_replace(lower({trimmed}), '[\\s_-]+', ' ', 'g')) {} ELSE {trimmed} END",
                arms.join(" ")
            );
        } else if let (Some(case), Kind::Category | Kind::Text) = (asks.case, &c.inferred.kind) {
            let trimmed = silver_expr(&c.name, &Kind::Text);
            notes.push(format!(
                "`{name}` is {} case, as the values {} accept are.",
                match case {
                    Case::Lower => "lower",
                    Case::Upper => "upper",
                },
                asks.standards.join(", ")
            ));
            expr = match case {
                Case::Lower => format!("lower({trimmed})"),
                Case::Upper => format!("upper({trimmed})"),
            };
        }
        if let Some(n) = revisions.normalizing(&name) {
            expr = n.steps.iter().fold(expr, |e, step| step.apply(&e));
            notes.push(format!(
                "`{name}` is normalized ({}): {}.",
                n.steps.iter().map(|s| s.label()).collect::<Vec<_>>().join(", then "),
                n.why
            ));
        }
        columns.push(ColumnSpec {
            name: name.clone(),
            type_name: type_name.clone(),
            description: Some(describe(c, &type_name)),
            tags,
            checks: Vec::new(),
        });
        outputs.push(OutputColumn {
            source: c.name.clone(),
            name: name.clone(),
            expr,
        });
        if let Kind::Json { fields } = &c.inferred.kind {
            let mut flattened = Vec::new();
            let mut skipped = Vec::new();
            for field in fields {
                let field_name = format!("{name}_{}", snake_case(&field.path.join(" ")));
                if names.contains(&field_name) || columns.iter().any(|c: &ColumnSpec| c.name == field_name) {
                    skipped.push(field.path.join("."));
                    continue;
                }
                columns.push(ColumnSpec {
                    name: field_name.clone(),
                    type_name: field.type_name.to_string(),
                    description: Some(format!(
                        "From bronze {}'s JSON field `{}` (NULL where it is missing or JSON null).",
                        ident(&c.name).replace('"', "`"),
                        field.path.join(".")
                    )),
                    tags: Vec::new(),
                    checks: Vec::new(),
                });
                outputs.push(OutputColumn {
                    source: c.name.clone(),
                    name: field_name.clone(),
                    expr: json_field_expr(&c.name, field),
                });
                flattened.push(format!("`{field_name}` {}", field.type_name));
            }
            notes.push(format!(
                "`{name}` holds JSON objects: kept as text, and flattened into {} (missing fields and JSON null are NULL; nested objects one level down){}.",
                flattened.join(", "),
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; not flattened, their names being taken: `{}`",
                        skipped.join("`, `")
                    )
                }
            ));
        }
        if let Some((aside, why)) = set_aside.iter().find(|(s, _)| s.column == name) {
            notes.push(format!(
                "`{name}`: {why}; those values are NULL in silver and `{}` marks their rows for a person to follow up.",
                aside.flag
            ));
            columns.push(ColumnSpec {
                name: aside.flag.clone(),
                type_name: "boolean".into(),
                description: Some(format!("True when the row's `{name}` was set aside: {why}.")),
                tags: Vec::new(),
                checks: Vec::new(),
            });
        }
        if let Some(flag) = extra {
            columns.push(ColumnSpec {
                name: flag.name.clone(),
                type_name: "boolean".into(),
                description: Some(format!("True when bronze `{}` was negative.", c.name)),
                tags: Vec::new(),
                checks: Vec::new(),
            });
            outputs.push(flag);
        }
    }

    // A key's latest version: by the time it last changed, else (an event log) by the
    // time of its event.
    let changed = times_named(profile, LATEST_MARKERS);
    let (recency, why) = if changed.is_empty() {
        (
            times_named(profile, EVENT_TIME_MARKERS),
            "the time of its event, as in an event log",
        )
    } else {
        (changed, "the time it last changed")
    };
    let latest = recency.first().map(|i| names[*i].clone());
    if key.is_some() {
        notes.push(match &latest {
            Some(l) => format!("Duplicates: one row per key, the latest by `{l}` ({why}); ties broken by every column, so the result is deterministic."),
            None => "Duplicates: one row per key; no timestamp says when a row changed or happened (`updated_at`, `event_at`), so ties are broken by every column.".into(),
        });
        if recency.len() > 1 {
            notes.push(format!(
                "Doubt: {} could each order a key's versions; the first, `{}`, does.",
                recency
                    .iter()
                    .map(|i| format!("`{}`", names[*i]))
                    .collect::<Vec<_>>()
                    .join(", "),
                names[recency[0]]
            ));
        }
    }
    let asides: Vec<SetAside> = set_aside.iter().map(|(s, _)| s.clone()).collect();
    let held_by = quarantine_checks(standards, &columns, key_name.as_deref(), product);
    let mut held: Vec<Quarantine> = held_by
        .iter()
        .filter_map(|check| {
            let condition = value_failure(
                &check.kind,
                &ident(&check.column),
                Some(&normalize_type(&check.type_name)),
                &DuckDbDialect,
            )?;
            Some(Quarantine {
                condition,
                reason: format!("`{}` fails {} ({})", check.column, check.standard, check.kind.name()),
                excluded: false,
            })
        })
        .collect();
    held.extend(soft_deletes(profile, &names));
    held.extend(request_exclusions(&ctx.request.text, profile, &names, key));
    for q in &held {
        notes.push(if q.excluded {
            format!(
                "Rows where {} are left out on purpose: they are held back in `silver.{product}_quarantine` with the reason, so reconciliation counts them, and do not count against `promotion.max_quarantine`.",
                q.reason
            )
        } else {
            format!(
                "Rows where {} do not reach silver: they are held back in `silver.{product}_quarantine`, with the reason.",
                q.reason
            )
        });
    }
    let sql = silver_select(
        &source.name,
        &outputs,
        key_name.as_deref(),
        latest.as_deref(),
        &asides,
        &held,
    );
    let entity = product.strip_suffix('s').unwrap_or(product);
    let spec = ProductSpec {
        name: product.to_string(),
        level: Level::Silver,
        description: Some(format!(
            "One row per {entity} from {}, typed, trimmed and deduplicated; PROMOTION.md explains each decision.",
            source.name
        )),
        owner: ctx.owner.clone(),
        sources: vec![source],
        primary_key: key_name.into_iter().collect(),
        columns,
        checks: Vec::new(),
    };
    SilverDraft {
        spec,
        sql,
        notes,
        outputs,
        held_by,
    }
}

/// A silver spec with just what a selector can look at (name, key, columns), for
/// asking which standards select a column before the whole spec exists.
fn silver_shape(product: &str, key: Option<&str>, columns: Vec<ColumnSpec>) -> ProductSpec {
    ProductSpec {
        name: product.to_string(),
        level: Level::Silver,
        description: None,
        owner: None,
        sources: Vec::new(),
        primary_key: key.map(str::to_string).into_iter().collect(),
        columns,
        checks: Vec::new(),
    }
}

/// The value checks by which a standard with `quarantine: true` keeps a row out of
/// silver: each of its checks that judge values one by one, on each column it selects.
fn quarantine_checks(
    standards: &[hallmark_checks::standards::Standard],
    columns: &[ColumnSpec],
    key: Option<&str>,
    product: &str,
) -> Vec<ValueCheck> {
    let shape = silver_shape(product, key, columns.to_vec());
    let mut out = Vec::new();
    for s in standards.iter().filter(|s| s.applies_to(Level::Silver)) {
        let Some(rule) = s.rule.as_ref().filter(|r| r.quarantine) else {
            continue;
        };
        let Some(sel) = &rule.columns else { continue };
        for c in columns.iter().filter(|c| selects(sel, c, &shape)) {
            for kind in rule.checks() {
                let col_type = normalize_type(&c.type_name);
                if value_failure(&kind, "x", Some(&col_type), &DuckDbDialect).is_some() {
                    out.push(ValueCheck {
                        standard: s.id.clone(),
                        kind,
                        column: c.name.clone(),
                        type_name: c.type_name.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The profile with the readings revisions chose in place of its own.
fn with_readings(profile: &Profile, revisions: &Revisions) -> Profile {
    let mut profile = profile.clone();
    for c in &mut profile.columns {
        if let Some(r) = revisions.reading_of(&c.name).and_then(|k| c.readings.get(k)) {
            c.inferred = r.inferred.clone();
        }
    }
    profile
}

/// A measure and the column naming its unit on each row, with the unit silver
/// holds it in.
struct UnitPair {
    measure: usize,
    unit: usize,
    family: Family,
    target: &'static Unit,
    /// The measure's name states the target (`temperature_c`); else it is the unit
    /// most rows have.
    stated: bool,
}

/// Pairs each unit column with its measure: a number column named like it
/// (`temp_unit` → `temp`), else the nearest number column (before it, then after it)
/// whose name says it measures the unit's family (`temperature`, `weight_kg`,
/// `height`). A number that says nothing of what it measures is never converted. The
/// target is the unit the measure's name states, else the most frequent.
fn unit_pairs(profile: &Profile, names: &[String]) -> Vec<UnitPair> {
    let numeric = |i: usize| matches!(profile.columns[i].inferred.kind, Kind::Integer | Kind::Decimal { .. });
    let measures_family = |i: usize, family: Family| {
        let words = name_words(&profile.columns[i].name);
        unit_named(&words, family).is_some() || words.iter().any(|w| family.measure_words().contains(&w.as_str()))
    };
    let mut pairs = Vec::new();
    for (u, c) in profile.columns.iter().enumerate() {
        let Kind::UnitOfMeasure { family } = c.inferred.kind else {
            continue;
        };
        let stem: Vec<String> = name_words(&c.name)
            .into_iter()
            .filter(|w| !["unit", "units", "uom", "scale", "measure", "of"].contains(&w.as_str()))
            .collect();
        let named = (0..names.len()).find(|&m| {
            numeric(m) && !stem.is_empty() && stem.iter().all(|w| name_words(&profile.columns[m].name).contains(w))
        });
        let measure = named
            .or_else(|| (0..u).rev().find(|&m| numeric(m) && measures_family(m, family)))
            .or_else(|| (u + 1..names.len()).find(|&m| numeric(m) && measures_family(m, family)));
        let Some(measure) = measure.filter(|m| !pairs.iter().any(|p: &UnitPair| p.measure == *m)) else {
            continue;
        };
        let stated = unit_named(&name_words(&profile.columns[measure].name), family);
        let common = c
            .top
            .iter()
            .find_map(|(v, _)| unit_of(v).filter(|u| u.family == family));
        let Some(target) = stated.or(common) else {
            continue;
        };
        pairs.push(UnitPair {
            measure,
            unit: u,
            family,
            target,
            stated: stated.is_some(),
        });
    }
    pairs
}

/// The rows the request leaves out ("without contractors"): those whose label column
/// holds a value an excluding phrase names. The key is never a label to exclude by.
fn request_exclusions(text: &str, profile: &Profile, names: &[String], key: Option<usize>) -> Vec<Quarantine> {
    let mut out = Vec::new();
    for phrase in excluded_phrases(text) {
        for (i, c) in profile.columns.iter().enumerate() {
            if Some(i) == key || !matches!(c.inferred.kind, Kind::Category | Kind::Text) {
                continue;
            }
            let named: Vec<String> = c
                .labels
                .iter()
                .filter(|v| names_value(&phrase, v))
                .map(|v| v.to_lowercase())
                .collect();
            if named.is_empty() {
                continue;
            }
            let mut values = named.clone();
            values.sort();
            values.dedup();
            let name = &names[i];
            out.push(Quarantine {
                condition: format!(
                    "coalesce(lower(CAST({} AS VARCHAR)) IN ({}), false)",
                    ident(name),
                    values.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", ")
                ),
                reason: format!(
                    "the request excludes them (\"{}\": `{name}` is {})",
                    phrase.join(" "),
                    values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or ")
                ),
                excluded: true,
            });
        }
    }
    out
}

/// Words of a column name that say a row was deleted in the source.
const DELETE_MARKERS: &[&str] = &["deleted", "removed", "tombstone", "purged"];

/// Rows the source marks as deleted (`is_deleted = Y`, a `deleted_at` time): they are
/// no longer the entity's rows, so they do not reach silver, and the quarantine keeps
/// them with the reason, so every bronze key is still accounted for. The mark is read
/// on the latest version of a key: a key deleted and then restored is kept.
fn soft_deletes(profile: &Profile, names: &[String]) -> Vec<Quarantine> {
    profile
        .columns
        .iter()
        .zip(names)
        .filter(|(c, _)| name_words(&c.name).iter().any(|w| DELETE_MARKERS.contains(&w.as_str())))
        .filter_map(|(c, name)| match &c.inferred.kind {
            Kind::Boolean => Some(Quarantine {
                condition: format!("coalesce({}, false)", ident(name)),
                reason: format!("the source marks the row deleted (`{name}` is true)"),
                excluded: true,
            }),
            Kind::Timestamp(_) => Some(Quarantine {
                condition: format!("{} IS NOT NULL", ident(name)),
                reason: format!("the source marks the row deleted (`{name}` is set)"),
                excluded: true,
            }),
            _ => None,
        })
        .collect()
}

/// A column with no value in any row whose name DuckDB made up (`column05`) or that
/// has none: what a trailing delimiter leaves.
fn is_trailing_empty(c: &ColumnProfile, rows: u64) -> bool {
    let generated = c.name.trim().is_empty()
        || c.name
            .strip_prefix("column")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    generated && c.nulls >= rows
}

/// snake_case names for every column, made unique with a numeric suffix.
pub(super) fn unique_names(columns: &[ColumnProfile]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    columns
        .iter()
        .map(|c| {
            let base = snake_case(&c.name);
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            name
        })
        .collect()
}

/// Name endings of an identifier: `order_id`, `order_no`, `invoice_number`.
const KEY_SUFFIXES: &[&str] = &["_id", "_no", "_nr", "_num", "_number"];

/// The share of a column's non-null values that are distinct (1.0 for a key with no
/// replays).
fn distinct_share(profile: &Profile, i: usize) -> f64 {
    let c = &profile.columns[i];
    c.distinct as f64 / profile.rows.saturating_sub(c.nulls).max(1) as f64
}

/// How distinct an identifier-named column must be to be the key, unless its name
/// makes it the product's own and a time column orders versions.
const MIN_KEY_SHARE: f64 = 0.5;

/// How distinct the product's own identifier must still be when its rows are versions
/// (a change-data export replays every record several times).
const MIN_VERSIONED_KEY_SHARE: f64 = 0.1;

/// The key: a column named like an identifier (`*_id`, `*_no`, `*_number`, `id`, or
/// `Record #`) whose values are mostly distinct, preferring the one named after the
/// product (`orders` → `order_id`, `order_no`) or a record number. The product's own
/// identifier is the key however often it repeats when a time column (`updated_at`,
/// an event time) can order the repeats as versions: a change-data export replays
/// each record, and a foreign key (`customer_id` in orders) has another name.
fn choose_key(product: &str, profile: &Profile, names: &[String], versioned: bool) -> Option<usize> {
    let singular = product.strip_suffix('s').unwrap_or(product);
    let numbered = |i: usize| profile.columns[i].name.trim_end().ends_with('#');
    let preferred = |i: usize| {
        numbered(i)
            || KEY_SUFFIXES
                .iter()
                .any(|s| names[i] == format!("{singular}{s}") || names[i] == format!("record{s}"))
    };
    let candidates: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(i, n)| {
            let share = distinct_share(profile, *i);
            (*n == "id" || KEY_SUFFIXES.iter().any(|s| n.ends_with(s)) || numbered(*i))
                && (share >= MIN_KEY_SHARE || (versioned && preferred(*i) && share >= MIN_VERSIONED_KEY_SHARE))
        })
        .map(|(i, _)| i)
        .collect();
    candidates.iter().copied().find(|i| preferred(*i)).or_else(|| {
        candidates
            .iter()
            .copied()
            .max_by_key(|i| (profile.columns[*i].distinct, std::cmp::Reverse(*i)))
    })
}

/// The timestamp columns whose name has one of `markers` (`updated`, `event`), in
/// the order of the source.
fn times_named(profile: &Profile, markers: &[&str]) -> Vec<usize> {
    profile
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let words = name_words(&c.name);
            matches!(c.inferred.kind, Kind::Timestamp(_))
                && markers.iter().any(|m| words.iter().any(|w| w.starts_with(m)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// A description of where the column comes from and what was done to it.
fn describe(c: &ColumnProfile, type_name: &str) -> String {
    let what = match &c.inferred.kind {
        Kind::Integer => "a whole number, thousands separators removed".to_string(),
        Kind::Decimal { currency: true, .. } => {
            "an amount; currency symbols, codes and thousands separators removed".into()
        }
        Kind::Decimal { currency: false, .. } => "a decimal number; units and thousands separators removed".into(),
        Kind::Percent { .. } => "a percentage in percent points (12.5 is 12.5 %)".into(),
        Kind::Boolean => "true or false, from yes/no, y/n, true/false or 1/0 (and sí/no, ja/nein, oui/non...)".into(),
        Kind::Timestamp(f) => format!("a point in time in UTC, parsed from {} spelling(s) in bronze", f.len()),
        Kind::Code { width } => format!("a code of {width} digits, leading zeros a spreadsheet stripped put back"),
        Kind::Email => "an email address, lower case, taken out of a display name where it had one".into(),
        Kind::Phone { calling_code } => {
            format!("a phone number as E.164 (+{calling_code} before national numbers)")
        }
        Kind::PersonName => "a person's name, `Last, First` turned to `First Last`".into(),
        Kind::Json { .. } => "JSON objects as text; each field is a column of its own beside it".into(),
        Kind::UnitOfMeasure { .. } => "the unit of the measure beside it, as its symbol".into(),
        Kind::Country => "an ISO 3166-1 alpha-2 country code, mapped from names and codes".into(),
        Kind::CurrencyCode => "an ISO 4217 currency code, upper case".into(),
        Kind::Category => "a label from a short list, normalized case".into(),
        Kind::Text => "text, trimmed".into(),
    };
    format!(
        "From bronze {}: {what} ({type_name}).",
        ident(&c.name).replace('"', "`")
    )
}

/// Each accepted value under its spelling key (lower case, runs of spaces, `_` and `-`
/// as one space): `On Hold`, `ON_HOLD` and ` on-hold ` are one code. `None` when
/// nothing is accepted or two accepted values share a key, which the key cannot tell
/// apart.
fn spelling_map(accepted: &[String]) -> Option<Vec<(String, String)>> {
    let mut map: Vec<(String, String)> = Vec::new();
    for value in accepted {
        let key = spelling_key(value);
        if key.is_empty() || map.iter().any(|(k, _)| *k == key) {
            return None;
        }
        map.push((key, value.clone()));
    }
    // The accepted values' words in other languages, where no accepted value already
    // claims them.
    let mut foreign: Vec<(String, String)> = Vec::new();
    for (key, value) in &map {
        for word in synonyms_of(key) {
            if !map.iter().any(|(k, _)| k == word) && !foreign.iter().any(|(k, _)| k == word) {
                foreign.push((word.to_string(), value.clone()));
            }
        }
    }
    map.extend(foreign);
    (!map.is_empty()).then_some(map)
}

/// What [`spelling_map`] matches on, as the SQL computes it.
fn spelling_key(value: &str) -> String {
    value
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod spelling_tests {
    use super::*;

    #[test]
    fn codes_match_their_list_without_case_spaces_or_separators() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let map = spelling_map(&list(&["Open", "On Hold"])).unwrap();
        assert_eq!(
            map[..2],
            [("open".into(), "Open".into()), ("on hold".into(), "On Hold".into())]
        );
        // Their words in other languages follow, toward the list's spelling.
        let value_of = |key: &str| map.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(value_of("abierto"), Some("Open"));
        assert_eq!(value_of("en espera"), Some("On Hold"));
        assert_eq!(value_of("cerrado"), None, "closed is not on the list");
        assert_eq!(spelling_key(" ON_HOLD "), "on hold");
        assert_eq!(spelling_key("on--hold"), "on hold");
        // Two codes the key cannot tell apart leave the column to the case rule.
        assert_eq!(spelling_map(&list(&["ON_HOLD", "on hold"])), None);
        assert_eq!(spelling_map(&[]), None);
    }
}
