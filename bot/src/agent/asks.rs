//! What the standards of a level ask of a column that carries a tag: the type it must
//! have, whether it must be non-negative, the case its values must be in. The rules
//! drafter reads these instead of hard-coding one team's standards, so a team that
//! writes `accepted_values: [PENDING, SHIPPED]` gets upper case, and one that asks
//! for `decimal(38,4)` gets that type.

use hallmark_checks::catalogue::{CheckKind, Literal};
use hallmark_checks::plan::selects;
use hallmark_checks::rule::ColumnSelector;
use hallmark_checks::spec::{ColumnSpec, ProductSpec};
use hallmark_checks::standards::Standard;
use hallmark_checks::Level;

/// The case a column's values must be in, read from `accepted_values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Every accepted value is lower case.
    Lower,
    /// Every accepted value is upper case.
    Upper,
}

/// What the standards ask of columns with one tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asks {
    /// A `type:` the column must have (`decimal(18,2)`).
    pub type_name: Option<String>,
    /// A `range` minimum, when one applies.
    pub min: Option<f64>,
    /// The case of `accepted_values`, when they agree on one.
    pub case: Option<Case>,
    /// The accepted values, when a standard lists them.
    pub accepted: Vec<String>,
    /// The standards that select the tag, by id.
    pub standards: Vec<String>,
}

/// What the standards applying to `level` ask of columns tagged `tag`.
pub fn asks_for_tag(standards: &[Standard], level: Level, tag: &str) -> Asks {
    asks_where(standards, level, |sel| sel.tag.as_deref() == Some(tag))
}

/// What the standards applying to the spec's level ask of `column`, whatever their
/// selector picks it by: a tag, its name, a name pattern, its type or its role.
pub fn asks_for_column(standards: &[Standard], column: &ColumnSpec, spec: &ProductSpec) -> Asks {
    asks_where(standards, spec.level, |sel| selects(sel, column, spec))
}

/// What the standards whose selector satisfies `picks` ask.
fn asks_where(standards: &[Standard], level: Level, picks: impl Fn(&ColumnSelector) -> bool) -> Asks {
    let mut asks = Asks::default();
    for s in standards.iter().filter(|s| s.applies_to(level)) {
        let Some(rule) = &s.rule else { continue };
        if !rule.columns.as_ref().is_some_and(&picks) {
            continue;
        }
        asks.standards.push(s.id.clone());
        if let Some(t) = &rule.type_name {
            asks.type_name = Some(t.clone());
        }
        for check in rule.checks() {
            match check {
                CheckKind::Range(b) => {
                    if let Some(min) = b.min.as_ref().and_then(number) {
                        asks.min = Some(asks.min.map_or(min, |m: f64| m.max(min)));
                    }
                }
                CheckKind::AcceptedValues(v) => {
                    let texts: Vec<String> = v
                        .values
                        .iter()
                        .filter_map(|l| match l {
                            Literal::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect();
                    asks.case = case_of(&texts);
                    asks.accepted = texts;
                }
                CheckKind::Type(t) => asks.type_name = Some(t.expected),
                _ => {}
            }
        }
    }
    asks
}

fn number(l: &Literal) -> Option<f64> {
    match l {
        Literal::Int(i) => Some(*i as f64),
        Literal::Float(f) => Some(*f),
        _ => None,
    }
}

/// The case every value is written in, if they agree.
fn case_of(values: &[String]) -> Option<Case> {
    let letters = |v: &String| v.chars().any(|c| c.is_alphabetic());
    if values.is_empty() || !values.iter().any(letters) {
        None
    } else if values.iter().all(|v| v.to_lowercase() == *v) {
        Some(Case::Lower)
    } else if values.iter().all(|v| v.to_uppercase() == *v) {
        Some(Case::Upper)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallmark_checks::standards::parse_standards;
    use std::path::Path;

    const STANDARDS: &str = "## S-1 Money\nApplies to: silver\n```rule\ncolumns: { tag: currency }\ntype: decimal(18,2)\ncheck: { range: { min: 0 } }\n```\n\n## S-2 Statuses\nApplies to: silver\n```rule\ncolumns: { tag: status }\ncheck: { accepted_values: { values: [PENDING, SHIPPED] } }\n```\n\n## G-1 Gold only\nApplies to: gold\n```rule\ncolumns: { tag: currency }\ncheck: { range: { min: 5 } }\n```\n";

    #[test]
    fn tags_collect_what_their_standards_ask() {
        let s = parse_standards(STANDARDS, Path::new("data_standards.md")).unwrap();
        let money = asks_for_tag(&s, Level::Silver, "currency");
        assert_eq!(money.type_name.as_deref(), Some("decimal(18,2)"));
        assert_eq!(money.min, Some(0.0));
        assert_eq!(money.standards, ["S-1"]);
        let status = asks_for_tag(&s, Level::Silver, "status");
        assert_eq!(status.case, Some(Case::Upper));
        assert_eq!(status.accepted, ["PENDING", "SHIPPED"]);
        assert_eq!(asks_for_tag(&s, Level::Gold, "currency").min, Some(5.0));
        assert_eq!(asks_for_tag(&s, Level::Silver, "email"), Asks::default());
    }
}
