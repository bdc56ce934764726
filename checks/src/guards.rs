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
//! - **Kinds hidden in text.** When a standard selects a tag, a text column that
//!   holds that kind anyway (its name says event times and 90 % of its values are
//!   timestamps) fails: the standard cannot see a column that should carry its tag.
//!
//! They run in the checks engine, so `hallmark check` on a hand-written product and
//! every drafter's promotion are held to them alike.

use crate::plan::normalize_type;
use crate::result::{CheckResult, Status};
use crate::rule::Severity;
use crate::scan::thousands;
use crate::spec::Product;
use crate::values::{ColumnInfo, QueryKind, Rows};
use crate::warehouse::Warehouse;
use crate::Level;

/// The standard id the guards report under.
pub const GUARD_ID: &str = "hallmark";

/// How exports write "no value" where a number, a time or a flag stands: spreadsheets'
/// `#N/A`, database dumps' `NULL`, and what people type (`N/A`, `-`, `TBD`, `?`),
/// compared lower-cased and trimmed. The same words are pandas' and OpenRefine's
/// default missing-value lists. In a column whose product type is a number, a time or
/// a flag none of them can be a value, so bronze holds no value there either: the
/// kept-values guard does not count them as lost, and the drafter reads them as NULL.
/// (In a text column they may be data — `NA` is Namibia — and are counted as values.)
pub const MISSING_MARKERS: &[&str] = &["n/a", "na", "#n/a", "null", "none", "nil", "-", "--", "tbd", "?", "nan"];

/// True when `value` is one of the [`MISSING_MARKERS`].
pub fn is_missing_marker(value: &str) -> bool {
    let v = value.trim().to_lowercase();
    MISSING_MARKERS.contains(&v.as_str())
}

/// The [`MISSING_MARKERS`] as a list of SQL string literals, for `lower(x) IN (...)`.
pub fn missing_markers_sql(d: &dyn crate::dialect::Dialect) -> String {
    MISSING_MARKERS
        .iter()
        .map(|m| d.string_literal(m))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A name reduced to its lowercase letters and digits, so `Order ID`, `order_id` and
/// `OrderId` are one name: how a product column is matched to its bronze column.
pub fn bare(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// True when no value of a column of (normalized) type `ty` can read as `name`, or as
/// empty text: a number, date, time or boolean column whose name has a character no
/// such value is written with (`amount`, `ordered_at`), so none of its values is a
/// repeated header or a blank.
fn cannot_spell_its_name(ty: &str, name: &str) -> bool {
    let typed = crate::scan::longest_text(ty).is_some();
    let lowered = name.trim().to_ascii_lowercase();
    let spelled = ["nan", "inf", "infinity", "true", "false"]
        .iter()
        .any(|w| lowered.trim_start_matches(['+', '-']) == *w);
    typed && !spelled && lowered.chars().any(|c| !"0123456789.-+: etz".contains(c))
}

/// The kept-values comparison of one product, planned before the product is read:
/// the product's side (its row count and a count of each compared column) rides in
/// the product's one scan, so a product built as a view is not read a second time.
pub struct KeptValues {
    /// (bronze column, product column) pairs, in measure order.
    pairs: Vec<(String, String)>,
    /// Per pair, the values the spec declares bronze writes for "no value" in that
    /// column (`sources[].missing_values`), lower case: not counted as values.
    declared: Vec<Vec<String>>,
    /// The query that counts bronze's values.
    bronze_sql: String,
    /// The product's side as a query of its own, shown with the result and run only
    /// when the scan did not answer.
    product_sql: String,
    /// The product's side as measures of the scan.
    measures: Vec<crate::scan::Measure>,
    /// Where the product's key pairs with a bronze column, the count by key: per pair,
    /// the product rows whose key has a value in every bronze row of it, and the ones
    /// among them the product left NULL. Exact where the estimate (bronze's share of
    /// present values over all its rows, replays and held-back rows included) is not.
    keyed: Option<KeyedCount>,
}

/// The keyed count: bronze grouped by its key, each pair's value present in every row
/// of the key or not, joined to the product on the key. Where both keys have one
/// type whose values are equal exactly when their texts are (integers, decimals,
/// dates, UUIDs), they are joined as they are; else on their trimmed text, which
/// finds `007` and ` 007` to be one key but costs three times as much.
struct KeyedCount {
    /// The product's key column.
    key: String,
    /// The bronze column it pairs with.
    bronze_key: String,
    /// True when the keys are joined as they are, not as text.
    raw: bool,
    /// Per pair, the bronze expression whose NULL is "no value".
    bronze_exprs: Vec<String>,
    /// The bronze source.
    source: String,
    /// The product's relation.
    relation: String,
}

/// Normalized key types whose values are equal exactly when their texts are.
fn joins_as_is(ty: &str) -> bool {
    let family = crate::plan::type_family(ty);
    crate::plan::INTEGER_TYPES.contains(&family) || ["decimal", "date", "uuid"].contains(&family)
}

impl KeyedCount {
    /// The keyed count of `spec`, when its one key column pairs with a bronze column.
    fn plan(
        spec: &crate::spec::ProductSpec,
        pairs: &[(String, String)],
        bronze_exprs: &[String],
        source: &str,
        bronze: &[ColumnInfo],
        columns: &[ColumnInfo],
    ) -> Option<KeyedCount> {
        let [key] = spec.primary_key.as_slice() else {
            return None;
        };
        let (bronze_key, _) = pairs.iter().find(|(_, p)| p == key)?;
        let type_of = |cols: &[ColumnInfo], name: &str| {
            cols.iter()
                .find(|c| c.name == name)
                .map(|c| normalize_type(&c.type_name))
        };
        let (bt, pt) = (type_of(bronze, bronze_key), type_of(columns, key));
        Some(KeyedCount {
            key: key.clone(),
            bronze_key: bronze_key.clone(),
            raw: bt.is_some() && bt == pt && bt.as_deref().is_some_and(joins_as_is),
            bronze_exprs: bronze_exprs.to_vec(),
            source: source.to_string(),
            relation: spec.relation(),
        })
    }

    /// The key of `expr` as the join compares it.
    fn join_key(&self, expr: &str, d: &dyn crate::dialect::Dialect) -> String {
        if self.raw {
            expr.to_string()
        } else {
            d.key_text(expr)
        }
    }

    /// Per pair in `which`, whether every bronze row of the key has a value.
    fn always(&self, which: &[usize]) -> Vec<String> {
        which
            .iter()
            .map(|i| {
                format!(
                    "min(CASE WHEN ({}) IS NULL THEN 0 ELSE 1 END) AS hm_always_{i}",
                    self.bronze_exprs[*i]
                )
            })
            .collect()
    }

    /// Per pair in `which`, the joined product rows left NULL whose key always has a
    /// value in bronze.
    fn lost(&self, pairs: &[(String, String)], which: &[usize], d: &dyn crate::dialect::Dialect) -> Vec<String> {
        which
            .iter()
            .map(|i| {
                let p = d.quote_ident(&pairs[*i].1);
                format!(
                    "{} AS hm_lost_{i}",
                    d.count_if(&format!("b.hm_always_{i} = 1 AND p.{p} IS NULL"))
                )
            })
            .collect()
    }

    /// The whole count: the product rows matched, and per pair those whose key
    /// always has a value (`hm_expected_<i>`) and those of them the product left NULL
    /// (`hm_lost_<i>`).
    fn sql(&self, pairs: &[(String, String)], d: &dyn crate::dialect::Dialect) -> String {
        let all: Vec<usize> = (0..pairs.len()).collect();
        let mut counts = vec!["count(*) AS hm_matched".to_string()];
        for (i, lost) in all.iter().zip(self.lost(pairs, &all, d)) {
            counts.push(format!(
                "{} AS hm_expected_{i}",
                d.count_if(&format!("b.hm_always_{i} = 1"))
            ));
            counts.push(lost);
        }
        let bronze_key = self.join_key(&d.quote_ident(&self.bronze_key), d);
        format!(
            "SELECT {} FROM {} AS p INNER JOIN (SELECT {bronze_key} AS hm_key, {} FROM {} GROUP BY {bronze_key}) AS b ON {} = b.hm_key",
            counts.join(", "),
            d.quote_relation(&self.relation),
            self.always(&all).join(", "),
            d.quote_relation(&self.source),
            self.join_key(&format!("p.{}", d.quote_ident(&self.key)), d),
        )
    }

    /// Only `hm_lost_<i>` of the pairs in `which` (the product columns that have
    /// NULLs), as in the whole count: only the product's rows with such a NULL are
    /// joined, and only bronze's rows of their keys are grouped.
    fn lost_sql(&self, pairs: &[(String, String)], which: &[usize], d: &dyn crate::dialect::Dialect) -> String {
        let any_null = which
            .iter()
            .map(|i| format!("{} IS NULL", d.quote_ident(&pairs[*i].1)))
            .collect::<Vec<_>>()
            .join(" OR ");
        let relation = d.quote_relation(&self.relation);
        let bronze_key = self.join_key(&d.quote_ident(&self.bronze_key), d);
        format!(
            "SELECT {} FROM (SELECT * FROM {relation} WHERE {any_null}) AS p INNER JOIN (SELECT {bronze_key} AS hm_key, {} FROM {} WHERE {bronze_key} IN (SELECT {} FROM {relation} WHERE {any_null}) GROUP BY {bronze_key}) AS b ON {} = b.hm_key",
            self.lost(pairs, which, d).join(", "),
            self.always(which).join(", "),
            d.quote_relation(&self.source),
            self.join_key(&d.quote_ident(&self.key), d),
            self.join_key(&format!("p.{}", d.quote_ident(&self.key)), d),
        )
    }
}

/// The read the keyed count makes of the product, as a view rebuilt for it says.
const KEYED_READ: &str = "the kept-values count by key";

/// Share of the product's rows whose key must be found among bronze's keys for the
/// keyed count to stand for the product (the drafter may have rewritten keys).
const KEYED_MIN_MATCH: f64 = 0.95;

/// The alias of the product-side count of pair `i` in the scan.
fn kept_alias(i: usize) -> String {
    format!("hm_kept_{i}")
}

impl KeptValues {
    /// The comparison for `product` (built, with catalogue `columns`), or `None` when
    /// the product is not silver over one bronze source or no column pairs with one.
    pub fn plan(product: &Product, columns: &[ColumnInfo], warehouse: &dyn Warehouse) -> Option<KeptValues> {
        let spec = &product.spec;
        let [source] = spec.sources.as_slice() else {
            return None;
        };
        if spec.level != Level::Silver || source.is_product() {
            return None;
        }
        let bronze = warehouse.describe(&source.name).ok()?;
        let pairs: Vec<(String, String)> = columns
            .iter()
            .filter_map(|c| {
                bronze
                    .iter()
                    .find(|b| bare(&b.name) == bare(&c.name) && !bare(&c.name).is_empty())
                    .map(|b| (b.name.clone(), c.name.clone()))
            })
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let d = warehouse.dialect();
        let present = |exprs: Vec<String>, relation: &str, extra: Vec<String>| {
            let counts: Vec<String> = exprs
                .iter()
                .enumerate()
                .map(|(i, e)| format!("count({e}) AS hm_{i}"))
                .chain(extra)
                .collect();
            format!(
                "SELECT count(*) AS hm_rows, {} FROM {}",
                counts.join(", "),
                d.quote_relation(relation)
            )
        };
        // A value that is its column's name is a repeated header row, not a value; a
        // typed column whose name no value of its type can spell has neither, and its
        // values are counted as they are (no text to make of each). Where the product
        // column is a number, a time or a flag, a missing-value marker is no value
        // either.
        let markers = missing_markers_sql(d);
        let declared: Vec<Vec<String>> = pairs
            .iter()
            .map(|(b, _)| {
                let mut own: Vec<String> = source
                    .missing_values
                    .get(b)
                    .into_iter()
                    .flatten()
                    .map(|v| v.trim().to_lowercase())
                    .collect();
                own.sort();
                own.dedup();
                own
            })
            .collect();
        let list = |values: &[String]| {
            values
                .iter()
                .map(|v| d.string_literal(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let bronze_exprs: Vec<String> = pairs
            .iter()
            .zip(&declared)
            .map(|((b, p), own)| {
                let typed = bronze
                    .iter()
                    .find(|c| c.name == *b)
                    .is_some_and(|c| cannot_spell_its_name(&crate::plan::normalize_type(&c.type_name), b));
                let product_typed = columns
                    .iter()
                    .find(|c| c.name == *p)
                    .is_some_and(|c| crate::scan::longest_text(&normalize_type(&c.type_name)).is_some());
                let text = d.key_text(&d.quote_ident(b));
                let counted = match (typed, product_typed) {
                    (true, _) => d.quote_ident(b),
                    (false, false) => format!("nullif({text}, {})", d.string_literal(b.trim())),
                    (false, true) => format!(
                        "CASE WHEN lower({text}) IN ({markers}) THEN NULL ELSE nullif({text}, {}) END",
                        d.string_literal(b.trim())
                    ),
                };
                if own.is_empty() {
                    counted
                } else {
                    format!(
                        "CASE WHEN lower({text}) IN ({}) THEN NULL ELSE {counted} END",
                        list(own)
                    )
                }
            })
            .collect();
        let keyed = KeyedCount::plan(spec, &pairs, &bronze_exprs, &source.name, &bronze, columns);
        // How many values each declared list held back, for the line that says so.
        let declared_counts: Vec<String> = pairs
            .iter()
            .zip(&declared)
            .enumerate()
            .filter(|(_, (_, own))| !own.is_empty())
            .map(|(i, ((b, _), own))| {
                format!(
                    "{} AS hm_declared_{i}",
                    d.count_if(&format!("lower({}) IN ({})", d.key_text(&d.quote_ident(b)), list(own)))
                )
            })
            .collect();
        let bronze_sql = present(bronze_exprs, &source.name, declared_counts);
        let product_exprs: Vec<String> = pairs
            .iter()
            .map(|(_, p)| format!("count({})", d.quote_ident(p)))
            .collect();
        let measures = product_exprs
            .iter()
            .enumerate()
            .map(|(i, expr)| crate::scan::Measure {
                alias: kept_alias(i),
                expr: expr.clone(),
            })
            .collect();
        let product_sql = present(
            pairs.iter().map(|(_, p)| d.quote_ident(p)).collect(),
            &spec.relation(),
            Vec::new(),
        );
        Some(KeptValues {
            pairs,
            declared,
            bronze_sql,
            product_sql,
            measures,
            keyed,
        })
    }

    /// The product-side measures, for the product's scan.
    pub fn measures(&self) -> &[crate::scan::Measure] {
        &self.measures
    }

    /// True when the keyed count would find no value lost: no product column has a
    /// NULL (a lost value is a NULL in the product), or the count narrowed to the
    /// columns that have one finds none; true without a key, where the estimate alone
    /// decides. False when the narrowed count fails (the whole count then decides, as
    /// it would have).
    fn keyed_finds_no_loss(&self, with_nulls: &[usize], holding: &crate::holding::Holding<'_>) -> bool {
        let Some(k) = &self.keyed else {
            return true;
        };
        if with_nulls.is_empty() {
            return true;
        }
        let warehouse = holding.warehouse;
        // The count reads the product twice: a view that runs SQL is built as a table
        // first.
        holding.before_optional_reads(KEYED_READ);
        let sql = k.lost_sql(&self.pairs, with_nulls, warehouse.dialect());
        warehouse.query(QueryKind::Guard, &sql).is_ok_and(|rows| {
            with_nulls
                .iter()
                .all(|i| rows.first(&format!("hm_lost_{i}")).and_then(|v| v.as_u64()) == Some(0))
        })
    }

    /// One line per column that lost values its bronze source had, failing beyond
    /// `max_set_aside`; empty when nothing was lost. `scan` is the product's scan
    /// row with [`KeptValues::measures`] in it, or `None` when the scan failed (the
    /// product's side is then counted on its own).
    pub fn results(
        &self,
        scan: Option<&Rows>,
        holding: &crate::holding::Holding<'_>,
        max_set_aside: f64,
    ) -> Vec<CheckResult> {
        let warehouse = holding.warehouse;
        let get = |rows: &Rows, name: &str| rows.first(name).and_then(|v| v.as_u64()).unwrap_or(0);
        let (p_total, p_present): (u64, Vec<u64>) = match scan {
            Some(row) => (
                get(row, crate::scan::ROWS_ALIAS),
                (0..self.pairs.len()).map(|i| get(row, &kept_alias(i))).collect(),
            ),
            None => match warehouse.query(QueryKind::Guard, &self.product_sql) {
                Ok(row) => (
                    get(&row, "hm_rows"),
                    (0..self.pairs.len()).map(|i| get(&row, &format!("hm_{i}"))).collect(),
                ),
                Err(_) => return Vec::new(),
            },
        };
        // A lost value is a NULL in the product: where the product has none and no
        // declared missing value needs its line, there is nothing to say and bronze is
        // not read.
        let with_nulls: Vec<usize> = (0..self.pairs.len()).filter(|i| p_present[*i] < p_total).collect();
        if p_total == 0 || (with_nulls.is_empty() && self.declared.iter().all(Vec::is_empty)) {
            return Vec::new();
        }
        let Ok(b_rows) = warehouse.query(QueryKind::Guard, &self.bronze_sql) else {
            return Vec::new();
        };
        let b_total = get(&b_rows, "hm_rows");
        if b_total == 0 {
            return Vec::new();
        }
        // Where the product's keys are bronze's, the count by key decides. It reads the
        // product a second time: the estimate can hide a loss as well as invent one
        // (replays whose older rows have fewer values), and a green line on a lost
        // value is the worse error. But when the estimate finds no loss, no declared
        // missing value needs its line, and the keyed count narrowed to the columns
        // with NULLs finds none either, every line would be skipped whichever count
        // decided, and the whole count is not run.
        let estimate = |i: usize| {
            let expected = (get(&b_rows, &format!("hm_{i}")) as f64 / b_total as f64 * p_total as f64).round() as u64;
            (expected, expected.saturating_sub(p_present[i]))
        };
        let quiet = (0..self.pairs.len()).all(|i| {
            let (expected, lost) = estimate(i);
            (lost == 0 || expected == 0) && get(&b_rows, &format!("hm_declared_{i}")) == 0
        });
        if quiet && self.keyed_finds_no_loss(&with_nulls, holding) {
            return Vec::new();
        }
        let keyed_sql = self.keyed.as_ref().map(|k| k.sql(&self.pairs, warehouse.dialect()));
        if keyed_sql.is_some() {
            holding.before_optional_reads(KEYED_READ);
        }
        let keyed = keyed_sql
            .as_ref()
            .and_then(|sql| warehouse.query(QueryKind::Guard, sql).ok())
            .filter(|rows| get(rows, "hm_matched") as f64 >= KEYED_MIN_MATCH * p_total as f64);
        let mut out = Vec::new();
        for (i, (bronze_name, product_name)) in self.pairs.iter().enumerate() {
            let (b_present, p_present) = (get(&b_rows, &format!("hm_{i}")), p_present[i]);
            let share = b_present as f64 / b_total as f64;
            let (expected, lost, measured) = match &keyed {
                Some(rows) => (
                    get(rows, &format!("hm_expected_{i}")),
                    get(rows, &format!("hm_lost_{i}")),
                    "counted on the product rows whose key has a value in every bronze row".to_string(),
                ),
                None => {
                    let (expected, lost) = estimate(i);
                    (
                        expected,
                        lost,
                        format!(
                            "bronze has a value in {:.2}% of its rows, the product in {:.2}%",
                            share * 100.0,
                            p_present as f64 / p_total as f64 * 100.0
                        ),
                    )
                }
            };
            let held = get(&b_rows, &format!("hm_declared_{i}"));
            if (lost == 0 || expected == 0) && held == 0 {
                continue;
            }
            let declared_note = if held > 0 {
                format!(
                    "; {} bronze values written `{}` are declared missing in the spec (`missing_values`) and are not counted",
                    thousands(held),
                    self.declared[i].join("`, `")
                )
            } else {
                String::new()
            };
            let lost_share = if expected == 0 {
                0.0
            } else {
                lost as f64 / expected as f64
            };
            let passed = lost_share <= max_set_aside;
            out.push(CheckResult {
                standard_id: GUARD_ID.into(),
                title: "Values present in bronze are kept".into(),
                check: "kept_values".into(),
                columns: vec![product_name.to_string()],
                severity: Severity::Error,
                status: if passed { Status::Pass } else { Status::Fail },
                figure: format!(
                    "{} of {}{} values of bronze `{bronze_name}` are NULL in the product ({:.2}%; {measured}), at most {:.2}% may be set aside{declared_note}",
                    thousands(lost),
                    if keyed.is_some() { "" } else { "about " },
                    thousands(expected),
                    lost_share * 100.0,
                    max_set_aside * 100.0
                ),
                failing: Some(lost),
                total: Some(expected),
                sql: Some(match (&keyed, &keyed_sql) {
                    (Some(_), Some(sql)) => sql.clone(),
                    _ => format!("{};\n{}", self.bronze_sql, self.product_sql),
                }),
                samples: None,
                reason: (!passed).then(|| {
                    "more values were set aside (or failed to parse) than `promotion.max_set_aside` allows; keep them, or fix what rejects them".to_string()
                }),
            });
        }
        out
    }
}

/// The lowercase words of a column name, split at every character that is not a
/// letter or digit (`delivered_on` → delivered, on).
fn words_of(name: &str) -> Vec<String> {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A kind a standard's tag stands for, recognized in text columns by name and values.
struct HiddenKind {
    tag: &'static str,
    what: &'static str,
    /// Words of a column name that suggest the kind.
    words: &'static [&'static str],
    /// The last word of a name that suggests it.
    last_words: &'static [&'static str],
    /// An RE2 pattern most values of such a column match (trimmed).
    pattern: &'static str,
}

const HIDDEN_KINDS: &[HiddenKind] = &[
    HiddenKind {
        tag: "event_time",
        what: "event times",
        words: &[
            "date",
            "time",
            "timestamp",
            "datetime",
            "when",
            "created",
            "updated",
            "modified",
            "changed",
            "opened",
            "closed",
            "delivered",
            "shipped",
        ],
        last_words: &["at", "on", "ts"],
        pattern: r"\d{4}-\d{2}-\d{2}([ T].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( .*)?|\d{9,10}|\d{12,13}",
    },
    HiddenKind {
        tag: "currency",
        what: "amounts of money",
        words: &[
            "amount", "price", "revenue", "total", "cost", "fee", "paid", "balance", "subtotal",
        ],
        last_words: &[],
        pattern: r"([$€£¥]|[A-Z]{3})?\s*[-+]?\d[\d.,' ]*\s*([$€£¥]|[A-Za-z]{3})?",
    },
];

/// The share of values a text column must have of a kind to be said to hold it.
const HIDDEN_SHARE: f64 = 0.9;

/// The lines for text columns of the built product that hold a kind some standard
/// selects by tag (`event_time`, `currency`) without carrying the tag.
pub fn hidden_kinds(
    standards: &[crate::standards::Standard],
    product: &Product,
    columns: &[ColumnInfo],
    holding: &crate::holding::Holding<'_>,
) -> Vec<CheckResult> {
    let warehouse = holding.warehouse;
    let spec = &product.spec;
    let d = warehouse.dialect();
    let mut candidates: Vec<(&HiddenKind, &ColumnInfo, Vec<String>)> = Vec::new();
    for kind in HIDDEN_KINDS {
        let selecting: Vec<String> = standards
            .iter()
            .filter(|s| s.applies_to(spec.level))
            .filter(|s| {
                s.rule
                    .as_ref()
                    .and_then(|r| r.columns.as_ref())
                    .and_then(|c| c.tag.as_deref())
                    .is_some_and(|t| t.eq_ignore_ascii_case(kind.tag))
            })
            .map(|s| s.id.clone())
            .collect();
        if selecting.is_empty() {
            continue;
        }
        for c in columns {
            let t = normalize_type(&c.type_name);
            let text = t.starts_with("varchar") || t.starts_with("string") || t.starts_with("text");
            let tagged = spec
                .columns
                .iter()
                .any(|s| s.name == c.name && s.tags.iter().any(|g| g.eq_ignore_ascii_case(kind.tag)));
            let words = words_of(&c.name);
            let named = words.iter().any(|w| kind.words.contains(&w.as_str()))
                || words.last().is_some_and(|w| kind.last_words.contains(&w.as_str()));
            if text && !tagged && named {
                candidates.push((kind, c, selecting.clone()));
            }
        }
    }
    if candidates.is_empty() {
        return Vec::new();
    }
    holding.before_optional_reads("text columns that may hold a tagged kind");
    let measures: Vec<String> = candidates
        .iter()
        .enumerate()
        .flat_map(|(i, (kind, c, _))| {
            let value = d.key_text(&d.quote_ident(&c.name));
            [
                format!("count({value}) AS hm_n_{i}"),
                format!("{} AS hm_k_{i}", d.count_if(&d.regex_full_match(&value, kind.pattern))),
            ]
        })
        .collect();
    let sql = format!(
        "SELECT {} FROM {}",
        measures.join(", "),
        d.quote_relation(&spec.relation())
    );
    let Ok(rows) = warehouse.query(QueryKind::Guard, &sql) else {
        return Vec::new();
    };
    let get = |name: &str| rows.first(name).and_then(|v| v.as_u64()).unwrap_or(0);
    candidates
        .iter()
        .enumerate()
        .filter_map(|(i, (kind, c, selecting))| {
            let (n, k) = (get(&format!("hm_n_{i}")), get(&format!("hm_k_{i}")));
            (n > 0 && k as f64 / n as f64 >= HIDDEN_SHARE).then(|| CheckResult {
                standard_id: GUARD_ID.into(),
                title: format!("Columns that hold {} are typed and tagged", kind.what),
                check: "hidden_kind".into(),
                columns: vec![c.name.clone()],
                severity: Severity::Error,
                status: Status::Fail,
                figure: format!(
                    "`{}` is text, but {} of its {} values look like {}; it carries no `{}`, so {} cannot see it",
                    c.name,
                    thousands(k),
                    thousands(n),
                    kind.what,
                    kind.tag,
                    selecting.join(", ")
                ),
                failing: Some(k),
                total: Some(n),
                sql: Some(sql.clone()),
                samples: None,
                reason: Some(format!(
                    "type the column and tag it `{}`, or rename it if it does not hold {}",
                    kind.tag, kind.what
                )),
            })
        })
        .collect()
}

/// How a quarantine row's `quarantine_reason` begins when the row was left out on
/// purpose (the source deleted it, the request excludes it) rather than failed a
/// standard: such rows are counted and reconciled, but not held against
/// `promotion.max_quarantine`.
pub const EXCLUDED_PREFIX: &str = "excluded: ";

/// The line that counts the rows `product` holds back in its quarantine relation,
/// when it has one (built with the product). Holding back more than `max_share` of
/// the rows that reached the level (the product's `product_rows` and the held ones)
/// fails: a quarantine that large says the product is wrong, not its rows.
pub fn quarantine_count(
    product: &Product,
    warehouse: &dyn Warehouse,
    product_rows: Option<u64>,
    max_share: f64,
) -> Option<CheckResult> {
    product.quarantine.as_ref()?;
    let rel = product.quarantine_relation();
    let d = warehouse.dialect();
    let plain = format!("SELECT count(*) AS n FROM {}", d.quote_relation(&rel));
    // Rows left out on purpose say so in their reason; a quarantine without a reason
    // column has none such.
    let with_reasons = format!(
        "SELECT count(*) AS n, {} AS excluded FROM {}",
        d.count_if(&format!(
            "{} LIKE {}",
            d.cast_text(&d.quote_ident("quarantine_reason")),
            d.string_literal(&format!("{EXCLUDED_PREFIX}%"))
        )),
        d.quote_relation(&rel)
    );
    let (sql, answer) = match warehouse.query(QueryKind::Guard, &with_reasons) {
        Ok(rows) => (with_reasons, Ok(rows)),
        Err(_) => {
            let answer = warehouse.query(QueryKind::Guard, &plain);
            (plain, answer)
        }
    };
    let mut reason = None;
    let (status, figure, failing) = match answer {
        Ok(rows) => {
            let n = rows.first("n").and_then(|v| v.as_u64()).unwrap_or(0);
            let excluded = rows.first("excluded").and_then(|v| v.as_u64()).unwrap_or(0);
            let mut held = format!(
                "{} {} held back in `{rel}`",
                thousands(n),
                if n == 1 { "row is" } else { "rows are" }
            );
            if excluded > 0 {
                held.push_str(&format!(
                    " ({} left out on purpose: deleted in the source or excluded by the request)",
                    thousands(excluded)
                ));
            }
            match product_rows.map(|p| p + n).filter(|all| *all > 0) {
                Some(all) => {
                    let share = (n - excluded.min(n)) as f64 / all as f64;
                    let passed = share <= max_share;
                    if !passed {
                        reason = Some(
                            "more rows are held back than `promotion.max_quarantine` allows; read or normalize the values that hold them back, or change the standard".to_string(),
                        );
                    }
                    (
                        if passed { Status::Pass } else { Status::Fail },
                        format!(
                            "{held}; {:.2}% of the {} rows that reached it failed a standard, at most {:.2}% may",
                            share * 100.0,
                            thousands(all),
                            max_share * 100.0
                        ),
                        Some(n),
                    )
                }
                None => (Status::Pass, held, Some(n)),
            }
        }
        Err(e) => (Status::Error, format!("not counted: {e}"), None),
    };
    Some(CheckResult {
        standard_id: GUARD_ID.into(),
        title: "Rows the standards keep out of this level are held back and counted".into(),
        check: "quarantine".into(),
        columns: Vec::new(),
        severity: Severity::Error,
        status,
        figure,
        failing,
        total: None,
        sql: Some(sql),
        samples: None,
        reason,
    })
}

/// A column of the built product that looks like it should carry `tag`, with what it
/// looks like; `None` when nothing does or the tag is not one Hallmark recognizes.
pub fn untagged_evidence(tag: &str, columns: &[ColumnInfo]) -> Option<(String, &'static str)> {
    // Whole words of the name, so `is_at_risk` is no timestamp and `lifetime` no time.
    let words = |name: &str, list: &[&str]| words_of(name).iter().any(|w| list.contains(&w.as_str()));
    let last_word = |name: &str, list: &[&str]| words_of(name).last().is_some_and(|w| list.contains(&w.as_str()));
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

/// What a standard that matched no column selected by.
#[derive(Debug, Clone, Copy)]
pub struct Unmatched<'a> {
    /// The tag it selects by, if any.
    pub tag: Option<&'a str>,
    /// It selects the key's columns, and the product declares no key.
    pub keyless: bool,
}

/// The result of a standard whose selector matched nothing: a failure when the
/// product names no key and the standard selects the key (a product deduplicated by
/// nothing would otherwise pass a key standard), or when a column looks like it should
/// carry the tag selected by; else not applicable.
pub fn unmatched(
    id: &str,
    title: &str,
    reason: &str,
    selected_by: Unmatched<'_>,
    severity: Severity,
    columns: &[ColumnInfo],
) -> CheckResult {
    let failed = if severity == Severity::Error {
        Status::Fail
    } else {
        Status::Warn
    };
    let evidence = selected_by
        .tag
        .and_then(|t| untagged_evidence(t, columns).map(|e| (t, e)));
    let (status, severity, check, figure) = match evidence {
        _ if selected_by.keyless => (
            failed,
            severity,
            "key_missing",
            "the product declares no primary key, and this standard is about the key's columns; declare `primary_key` in the spec".to_string(),
        ),
        Some((tag, (column, what))) => (
            failed,
            severity,
            "tag_missing",
            format!("no column carries `{tag}`, but `{column}` looks like {what}; tag it, or rename it if it is not"),
        ),
        None => (Status::NotApplicable, Severity::Warn, "not_applicable", reason.to_string()),
    };
    CheckResult {
        standard_id: id.to_string(),
        title: title.to_string(),
        check: check.into(),
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
        let r = unmatched(
            "S-1",
            "t",
            "no column",
            Unmatched {
                tag: Some("event_time"),
                keyless: false,
            },
            Severity::Error,
            &cols,
        );
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.figure.contains("`delivered_on` looks like event times"),
            "{}",
            r.figure
        );
        let r = unmatched(
            "S-1",
            "t",
            "no column",
            Unmatched {
                tag: Some("email"),
                keyless: false,
            },
            Severity::Error,
            &cols,
        );
        assert_eq!(r.status, Status::NotApplicable);
    }
}

#[cfg(test)]
mod spelling_tests {
    use super::cannot_spell_its_name;

    #[test]
    fn only_typed_columns_whose_names_no_value_spells_are_counted_as_they_are() {
        assert!(cannot_spell_its_name("bigint", "id"));
        assert!(cannot_spell_its_name("decimal(18,2)", "amount"));
        assert!(cannot_spell_its_name("timestamp", "ordered_at"));
        // Text can hold anything, including its header and blanks.
        assert!(!cannot_spell_its_name("varchar", "id"));
        // Names a value of the type could be written as.
        assert!(!cannot_spell_its_name("integer", "2024"));
        assert!(!cannot_spell_its_name("double", "NaN"));
        assert!(!cannot_spell_its_name("double", "-inf"));
        assert!(!cannot_spell_its_name("boolean", "true"));
        assert!(!cannot_spell_its_name("date", "2024-01-01"));
        assert!(!cannot_spell_its_name("timestamp", "2024-01-01T00:00:00Z"));
    }
}
