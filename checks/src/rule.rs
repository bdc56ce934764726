//! The machine-readable part of a standard: which columns it selects, which checks it
//! runs on them, and how much a failure matters.

use crate::catalogue::{CheckKind, Scope, TypeParams, YamlCheck};
use serde::{Deserialize, Serialize};

/// How much a failed check matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure fails the product (and the CLI's exit code).
    #[default]
    Error,
    /// A failure is reported but does not fail the product.
    #[serde(alias = "warning")]
    Warn,
}

/// Selects a product's columns without naming them, so one standard can apply to every
/// product. Every field that is set must match (they are ANDed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSelector {
    /// A tag the column carries in the spec (`pii`, `currency`, `event_time`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A name or glob (`*_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A regular expression the whole name must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_pattern: Option<String>,
    /// A type family or exact type from the spec (`timestamp`, `decimal`, `varchar`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// A role: `primary_key` for the spec's key columns, `any` for every column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ColumnRole>,
}

/// The roles a column can be selected by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// A column of the spec's `primary_key`.
    PrimaryKey,
    /// Every column.
    Any,
}

impl ColumnSelector {
    /// True when no field is set, which selects nothing and is a mistake.
    pub fn is_empty(&self) -> bool {
        self.tag.is_none()
            && self.name.is_none()
            && self.name_pattern.is_none()
            && self.type_name.is_none()
            && self.role.is_none()
    }

    /// A short human form such as `tag=currency`, used in "not applicable" figures.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.tag {
            parts.push(format!("tag={t}"));
        }
        if let Some(n) = &self.name {
            parts.push(format!("name={n}"));
        }
        if let Some(p) = &self.name_pattern {
            parts.push(format!("name_pattern={p}"));
        }
        if let Some(t) = &self.type_name {
            parts.push(format!("type={t}"));
        }
        if let Some(r) = &self.role {
            parts.push(match r {
                ColumnRole::PrimaryKey => "role=primary_key".into(),
                ColumnRole::Any => "role=any".into(),
            });
        }
        parts.join(", ")
    }
}

/// One check or a list of them, so `check: not_null` and `check: [not_null, unique]`
/// both read naturally. Deserialized by hand (not `untagged`) so that a misspelt check
/// is reported as such, with its line, rather than as "did not match any variant".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single check.
    One(CheckKind),
    /// Several checks on the same columns.
    Many(Vec<CheckKind>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, SeqAccess, Visitor};
        struct OneOrManyVisitor;
        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a check (`not_null`, `{ range: { min: 0 } }`) or a list of checks")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                CheckKind::deserialize(de::value::StrDeserializer::<E>::new(v)).map(OneOrMany::One)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany, A::Error> {
                CheckKind::deserialize(de::value::MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(YamlCheck(k)) = seq.next_element()? {
                    out.push(k);
                }
                Ok(OneOrMany::Many(out))
            }
        }
        d.deserialize_any(OneOrManyVisitor)
    }
}

/// A rule block as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Which columns the checks run on; required for column checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<ColumnSelector>,
    /// Shorthand for a `type` check on the selected columns.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The check or checks to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<OneOrMany>,
    /// How much a failure matters; `error` when absent.
    #[serde(default)]
    pub severity: Severity,
    /// Rows whose selected values fail the checks must not reach this level: the
    /// checks still run on the product (and must find no such row), and a product
    /// that holds such rows back puts them in `<level>.<name>_quarantine`, built from
    /// its `<level>.quarantine.sql` and counted on the checklist.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quarantine: bool,
}

impl Rule {
    /// Every check the rule runs, the `type:` shorthand first.
    pub fn checks(&self) -> Vec<CheckKind> {
        let mut out = Vec::new();
        if let Some(t) = &self.type_name {
            out.push(CheckKind::Type(TypeParams { expected: t.clone() }));
        }
        match &self.check {
            Some(OneOrMany::One(c)) => out.push(c.clone()),
            Some(OneOrMany::Many(cs)) => out.extend(cs.iter().cloned()),
            None => {}
        }
        out
    }

    /// Finds what is wrong with the rule beyond its shape: no checks, a column check
    /// without a selector, a table check with one, an empty selector, bad parameters.
    /// Each problem comes with a word to look for in the block, so the caller can
    /// point at its line.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let checks = self.checks();
        if checks.is_empty() {
            out.push((
                "rule has no `check:` (or `type:`); say what to verify".to_string(),
                "rule".to_string(),
            ));
        }
        if let Some(sel) = &self.columns {
            if sel.is_empty() {
                out.push((
                    "`columns:` selects nothing; give a tag, name, name_pattern, type or role".into(),
                    "columns".into(),
                ));
            }
            if let Some(p) = &sel.name_pattern {
                if let Err(e) = regex::Regex::new(p) {
                    out.push((
                        format!(
                            "bad regex `{p}` in `columns.name_pattern`: {}",
                            crate::catalogue::regex_error_gist(&e.to_string())
                        ),
                        "name_pattern".into(),
                    ));
                }
            }
        }
        if self.quarantine && checks.iter().any(|c| c.scope() != Scope::Column) {
            out.push((
                "`quarantine: true` holds back rows by the values of columns: use it with column checks only".into(),
                "quarantine".into(),
            ));
        }
        for c in &checks {
            match (c.scope(), &self.columns) {
                (Scope::Column, None) => out.push((
                    format!(
                        "check `{}` needs a `columns:` selector (by tag, name, name_pattern, type or role)",
                        c.name()
                    ),
                    c.name().to_string(),
                )),
                (Scope::Table, Some(_)) => out.push((
                    format!(
                        "check `{}` applies to the whole table and takes no `columns:` selector",
                        c.name()
                    ),
                    "columns".into(),
                )),
                _ => {}
            }
            if let Err(e) = c.validate() {
                out.push((e, c.name().to_string()));
            }
        }
        out
    }
}
