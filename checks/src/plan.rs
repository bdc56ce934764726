//! Compiles standards × a product spec into concrete checks on concrete columns.
//!
//! This step reads no data, so `hallmark lint` runs it too: a selector that matches
//! nothing is known before the warehouse is touched.

use crate::catalogue::{CheckKind, Scope};
use crate::rule::{ColumnRole, ColumnSelector, Severity};
use crate::spec::{ColumnSpec, ProductSpec};
use crate::standards::Standard;
use regex::Regex;
use serde::Serialize;

/// Where a planned check comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The standard's id, or `spec` for a check the product spec declares itself.
    pub id: String,
    /// The standard's title, or a description of the spec check.
    pub title: String,
}

/// The id used for checks declared in the product spec itself.
pub const SPEC_ORIGIN: &str = "spec";

/// A check bound to a product's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCheck {
    /// The standard (or spec) that asked for it.
    pub origin: Origin,
    /// What to verify.
    pub kind: CheckKind,
    /// The columns it runs on; empty for table checks, and for `duplicate_rows`,
    /// `documented` and `column_name_pattern` it means every column of the built table.
    pub columns: Vec<String>,
    /// How much a failure matters.
    pub severity: Severity,
}

impl PlannedCheck {
    /// A short label such as `range(amount)` or `row_count`.
    pub fn label(&self) -> String {
        if self.columns.is_empty() {
            self.kind.name().to_string()
        } else {
            format!("{}({})", self.kind.name(), self.columns.join(", "))
        }
    }
}

/// One line of a product's plan.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanItem {
    /// A check to run.
    Check(PlannedCheck),
    /// A standard without a rule: a person must judge it.
    Manual {
        /// The standard.
        origin: Origin,
        /// Its prose, which tells the reviewer what to look at.
        prose: String,
    },
    /// A standard whose rule selects no column of this product.
    NotApplicable {
        /// The standard.
        origin: Origin,
        /// Which selector matched nothing.
        reason: String,
        /// The tag the selector asked for, if it selects by tag: the checks engine
        /// then looks for a column that looks like it should carry the tag, and fails
        /// the standard rather than calling it not applicable.
        tag: Option<String>,
        /// The rule's severity, for that failure.
        severity: Severity,
        /// The selector asks for the key's columns and the spec declares no key: a
        /// standard about keys is then unmet (nothing is unique by a key nobody
        /// named), not inapplicable.
        keyless: bool,
    },
}

/// Plans every standard for `level` plus the spec's own checks.
pub fn plan_product(standards: &[Standard], spec: &ProductSpec) -> Vec<PlanItem> {
    let mut items = Vec::new();
    for s in standards.iter().filter(|s| s.applies_to(spec.level)) {
        let origin = Origin {
            id: s.id.clone(),
            title: s.title.clone(),
        };
        let Some(rule) = &s.rule else {
            items.push(PlanItem::Manual {
                origin,
                prose: s.prose.clone(),
            });
            continue;
        };
        let selected: Option<Vec<&ColumnSpec>> = rule
            .columns
            .as_ref()
            .map(|sel| spec.columns.iter().filter(|c| selects(sel, c, spec)).collect());
        if let (Some(sel), Some(cols)) = (&rule.columns, &selected) {
            if cols.is_empty() {
                items.push(PlanItem::NotApplicable {
                    origin,
                    reason: format!("no column matches {}", sel.describe()),
                    tag: sel.tag.clone(),
                    severity: rule.severity,
                    keyless: sel.role == Some(ColumnRole::PrimaryKey) && spec.primary_key.is_empty(),
                });
                continue;
            }
        }
        for kind in rule.checks() {
            let names: Vec<String> = selected.iter().flatten().map(|c| c.name.clone()).collect();
            let per_column = kind.scope() == Scope::Column;
            let groups: Vec<Vec<String>> = if per_column {
                names.into_iter().map(|n| vec![n]).collect()
            } else {
                vec![default_columns(&kind, names, spec)]
            };
            for columns in groups {
                items.push(PlanItem::Check(PlannedCheck {
                    origin: origin.clone(),
                    kind: kind.clone(),
                    columns,
                    severity: rule.severity,
                }));
            }
        }
    }
    let own = |title: String| Origin {
        id: SPEC_ORIGIN.into(),
        title,
    };
    for c in &spec.columns {
        for kind in &c.checks {
            items.push(PlanItem::Check(PlannedCheck {
                origin: own(format!("{} declares {} on {}", spec.relation(), kind.name(), c.name)),
                kind: kind.clone(),
                columns: vec![c.name.clone()],
                severity: Severity::Error,
            }));
        }
    }
    for kind in &spec.checks {
        items.push(PlanItem::Check(PlannedCheck {
            origin: own(format!("{} declares {}", spec.relation(), kind.name())),
            kind: kind.clone(),
            columns: default_columns(kind, Vec::new(), spec),
            severity: Severity::Error,
        }));
    }
    items
}

/// The columns a check without a selector runs on.
fn default_columns(kind: &CheckKind, selected: Vec<String>, spec: &ProductSpec) -> Vec<String> {
    if !selected.is_empty() {
        return selected;
    }
    match kind {
        CheckKind::PrimaryKey => spec.primary_key.clone(),
        _ => Vec::new(),
    }
}

/// True when `column` of `spec` satisfies every field set in `sel`.
pub fn selects(sel: &ColumnSelector, column: &ColumnSpec, spec: &ProductSpec) -> bool {
    if sel.is_empty() {
        return false;
    }
    if let Some(tag) = &sel.tag {
        if !column.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            return false;
        }
    }
    if let Some(glob) = &sel.name {
        if !glob_matches(glob, &column.name) {
            return false;
        }
    }
    if let Some(p) = &sel.name_pattern {
        if !full_match(p, &column.name) {
            return false;
        }
    }
    if let Some(t) = &sel.type_name {
        if !type_family_matches(t, &column.type_name) {
            return false;
        }
    }
    match sel.role {
        Some(ColumnRole::PrimaryKey) => spec.primary_key.contains(&column.name),
        Some(ColumnRole::Any) | None => true,
    }
}

/// Shell-style glob (`*`, `?`) over a whole name, case-insensitive. Matched by hand,
/// not as a regular expression: a selector is tried on every column of every product,
/// and building (or even cloning) a regex per try cost more than all the matching.
pub fn glob_matches(glob: &str, name: &str) -> bool {
    let g: Vec<char> = glob.chars().flat_map(char::to_lowercase).collect();
    let n: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    // The classic two-pointer match: on a mismatch, go back to the last `*` and let it
    // take one more character.
    let (mut gi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match g.get(gi) {
            Some('*') => {
                star = Some((gi, ni));
                gi += 1;
            }
            Some(c) if *c == '?' || *c == n[ni] => {
                gi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sg, sn)) => {
                    gi = sg + 1;
                    ni = sn + 1;
                    star = Some((sg, sn + 1));
                }
                None => return false,
            },
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

/// True when regular expression `pattern` matches all of `text`; false when it does
/// not compile. Each pattern is compiled once per process and matched under the
/// cache's lock: a selector is matched against every column of every product, and
/// compiling (or cloning, which builds a new match cache) its regex each time cost
/// more than the matching.
fn full_match(pattern: &str, text: &str) -> bool {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Option<Regex>>>> =
        std::sync::OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(&format!("^(?:{pattern})$")).ok())
        .as_ref()
        .is_some_and(|re| re.is_match(text))
}

/// Normalises a type name for comparison across warehouses: lowercase, no spaces,
/// ClickHouse's `Nullable(...)` and `LowCardinality(...)` wrappers dropped (nullability
/// is a check of its own), and each warehouse's name of one type mapped to one
/// spelling (`String` and `text` are `varchar`, `Int64` is `bigint`, `DateTime` is
/// `timestamp`), so a standard says `type: varchar` once for every backend.
pub fn normalize_type(t: &str) -> String {
    let mut s: String = t
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    loop {
        let unwrapped = ["nullable(", "lowcardinality("]
            .iter()
            .find_map(|w| s.strip_prefix(w).and_then(|rest| rest.strip_suffix(')')));
        match unwrapped {
            Some(inner) => s = inner.to_string(),
            None => break,
        }
    }
    let (head, args) = match s.find('(') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let canonical = match head {
        "string" | "text" | "char" | "bpchar" => "varchar",
        "int8" => "tinyint",
        "int16" | "int2" => "smallint",
        "int32" | "int4" | "int" => "integer",
        "int64" | "long" => "bigint",
        "uint8" => "utinyint",
        "uint16" => "usmallint",
        "uint32" => "uinteger",
        "uint64" => "ubigint",
        "float32" | "float4" | "real" => "float",
        "float64" | "float8" => "double",
        "datetime" | "datetime64" => "timestamp",
        "date32" => "date",
        "bool" => "boolean",
        other => other,
    };
    match (canonical, args) {
        // ClickHouse `DateTime('UTC')` and `DateTime64(3)`: still a timestamp.
        ("timestamp", _) => "timestamp".to_string(),
        _ => format!("{canonical}{args}"),
    }
}

/// The integer types as [`normalize_type`] names them: signed and unsigned, 8 to 128
/// bits.
pub const INTEGER_TYPES: [&str; 10] = [
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
];

/// The family of a normalized type: its name without arguments (`decimal(18,2)` →
/// `decimal`).
pub fn type_family(ty: &str) -> &str {
    ty.split('(').next().unwrap_or(ty)
}

/// True when `declared` is of the family `family` (`decimal` matches `decimal(18,2)`).
pub fn type_family_matches(family: &str, declared: &str) -> bool {
    let (f, d) = (normalize_type(family), normalize_type(declared));
    d == f || d.starts_with(&format!("{f}(")) || (d.starts_with(&f) && !f.contains('('))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The glob as a regular expression, as it was matched before the hand-written
    /// matcher: the reference the matcher must agree with.
    fn glob_by_regex(glob: &str, name: &str) -> bool {
        let mut re = String::from("(?i)^");
        for ch in glob.chars() {
            match ch {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        Regex::new(&re).expect("an escaped glob compiles").is_match(name)
    }

    proptest::proptest! {
        #[test]
        fn a_glob_matches_as_its_regular_expression_does(glob in "[aB_*?.]{0,8}", name in "[abAB_.]{0,10}") {
            proptest::prop_assert_eq!(glob_matches(&glob, &name), glob_by_regex(&glob, &name));
        }
    }

    #[test]
    fn globs_and_types() {
        assert!(glob_matches("*_id", "customer_id"));
        assert!(!glob_matches("*_id", "customer_identity"));
        assert!(glob_matches("Customer_*", "customer_ID"));
        assert!(glob_matches("a*b*c", "aXbYbZc"));
        assert!(!glob_matches("a?c", "ac"));
        assert!(type_family_matches("decimal", "DECIMAL(18, 2)"));
        assert!(type_family_matches("decimal(18,2)", "decimal(18, 2)"));
        assert!(!type_family_matches("decimal(18,2)", "decimal(10,2)"));
        assert!(type_family_matches("timestamp", "timestamp with time zone"));
        assert_eq!(normalize_type("Nullable(Decimal(18, 2))"), "decimal(18,2)");
        assert_eq!(normalize_type("LowCardinality(Nullable(String))"), "varchar");
        assert_eq!(normalize_type("DateTime('UTC')"), "timestamp");
        assert_eq!(normalize_type("Int32"), normalize_type("INTEGER"));
        assert_eq!(normalize_type("Float64"), normalize_type("DOUBLE"));
    }
}
