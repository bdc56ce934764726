//! Two versions of the standards compared standard by standard (by id): which were
//! added, which removed, and which changed — in their title, prose, rule, severity or
//! levels — each with a unified diff of the standard as written, so a reviewer sees
//! the rule that tightened, not a wall of moved lines.

use hallmark_checks::standards::Standard;
use serde::Serialize;
use similar::TextDiff;

/// How one standard changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// New at the head version.
    Added {
        /// The standard.
        id: String,
        /// Its title.
        title: String,
    },
    /// Gone at the head version: products are no longer held to it.
    Removed {
        /// The standard.
        id: String,
        /// Its title.
        title: String,
    },
    /// At both versions, but different.
    Changed {
        /// The standard.
        id: String,
        /// Its title at the head.
        title: String,
        /// What changed: `title`, `text`, `rule`, `severity`, `levels`.
        what: Vec<&'static str>,
        /// A unified diff of the standard as written.
        diff: String,
    },
}

impl Change {
    /// The standard's id.
    pub fn id(&self) -> &str {
        match self {
            Change::Added { id, .. } | Change::Removed { id, .. } | Change::Changed { id, .. } => id,
        }
    }

    /// True when products are no longer held to it.
    pub fn removed(&self) -> bool {
        matches!(self, Change::Removed { .. })
    }
}

/// One version of the standards: parsed, and the file's text they came from.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    /// The standards.
    pub standards: &'a [Standard],
    /// The file's text.
    pub text: &'a str,
}

impl Version<'_> {
    /// The standard as written: its lines from its heading to the next standard's.
    fn written(&self, s: &Standard) -> String {
        let next = self
            .standards
            .iter()
            .map(|o| o.line)
            .filter(|l| *l > s.line)
            .min()
            .unwrap_or(usize::MAX);
        let lines: Vec<&str> = self
            .text
            .lines()
            .enumerate()
            .filter(|(i, _)| i + 1 >= s.line && i + 1 < next)
            .map(|(_, l)| l)
            .collect();
        format!("{}\n", lines.join("\n").trim_end())
    }
}

/// What changed between `base` and `head`, in the head's order (removed ones last).
pub fn diff_standards(base: Version<'_>, head: Version<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    for h in head.standards {
        match base.standards.iter().find(|b| b.id == h.id) {
            None => out.push(Change::Added {
                id: h.id.clone(),
                title: h.title.clone(),
            }),
            Some(b) => {
                let mut what = Vec::new();
                if b.title != h.title {
                    what.push("title");
                }
                if b.prose.trim() != h.prose.trim() {
                    what.push("text");
                }
                let severity = |s: &Standard| s.rule.as_ref().map(|r| r.severity);
                let rule_of = |s: &Standard| {
                    s.rule.clone().map(|mut r| {
                        // Severity is reported on its own.
                        r.severity = Default::default();
                        r
                    })
                };
                if rule_of(b) != rule_of(h) {
                    what.push("rule");
                }
                if severity(b) != severity(h) {
                    what.push("severity");
                }
                if b.applies_to != h.applies_to {
                    what.push("levels");
                }
                if !what.is_empty() {
                    let (before, after) = (base.written(b), head.written(h));
                    let diff = TextDiff::from_lines(&before, &after)
                        .unified_diff()
                        .context_radius(3)
                        .header("base", "head")
                        .to_string();
                    out.push(Change::Changed {
                        id: h.id.clone(),
                        title: h.title.clone(),
                        what,
                        diff,
                    });
                }
            }
        }
    }
    for b in base
        .standards
        .iter()
        .filter(|b| !head.standards.iter().any(|h| h.id == b.id))
    {
        out.push(Change::Removed {
            id: b.id.clone(),
            title: b.title.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallmark_checks::standards::parse_standards;
    use std::path::Path;

    fn standards(text: &str) -> Vec<Standard> {
        parse_standards(text, Path::new("data_standards.md")).unwrap()
    }

    const BASE: &str = "# S\n\n### SLV-001 Keys hold\nApplies to: silver\n\nKeys.\n\n```rule\ncheck: primary_key\n```\n\n### SLV-003 Amounts are non-negative\nApplies to: silver, gold\n\nMoney.\n\n```rule\ncolumns: { tag: currency }\ncheck: { range: { min: 0 } }\nseverity: warn\n```\n\n### SLV-009 Documented\nApplies to: silver\n\nEvery column says what it is.\n";

    #[test]
    fn added_removed_and_changed_standards_are_told_apart() {
        let head = BASE
            .replace("min: 0", "min: 10")
            .replace("severity: warn", "severity: error")
            .replace(
                "### SLV-001 Keys hold\nApplies to: silver\n\nKeys.\n\n```rule\ncheck: primary_key\n```\n\n",
                "",
            )
            + "\n### SLV-012 Names are short\nApplies to: silver\n\nShort.\n";
        let (b, h) = (standards(BASE), standards(&head));
        let changes = diff_standards(
            Version {
                standards: &b,
                text: BASE,
            },
            Version {
                standards: &h,
                text: &head,
            },
        );
        let ids: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| {
                (
                    c.id(),
                    match c {
                        Change::Added { .. } => "added",
                        Change::Removed { .. } => "removed",
                        Change::Changed { .. } => "changed",
                    },
                )
            })
            .collect();
        assert_eq!(
            ids,
            [("SLV-003", "changed"), ("SLV-012", "added"), ("SLV-001", "removed")]
        );
        let Change::Changed { what, diff, .. } = &changes[0] else {
            panic!("not changed")
        };
        assert_eq!(what, &vec!["rule", "severity"]);
        assert!(
            diff.contains("-check: { range: { min: 0 } }") && diff.contains("+check: { range: { min: 10 } }"),
            "{diff}"
        );
        assert!(
            diff.contains("-severity: warn") && diff.contains("+severity: error"),
            "as written: {diff}"
        );
        assert!(!diff.contains("SLV-009"), "only this standard's lines: {diff}");
        let same = Version {
            standards: &b,
            text: BASE,
        };
        assert!(diff_standards(same, same).is_empty(), "no change, nothing listed");
    }
}
