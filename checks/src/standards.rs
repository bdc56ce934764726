//! Reads `data_standards.md`: headings with an id are standards, an `Applies to:` line
//! says at which levels, the prose is for people, and an optional fenced `rule` block
//! makes the standard machine-checkable.

use crate::error::{line_of, yaml_error_line, yaml_error_message, SourceError, SourceErrors};
use crate::level::Level;
use crate::rule::Rule;
use regex::Regex;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// One standard of the team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standard {
    /// The id from the heading, e.g. `SLV-003`; unique in the file.
    pub id: String,
    /// The rest of the heading.
    pub title: String,
    /// The levels the standard applies to.
    pub applies_to: Vec<Level>,
    /// The text for people, without the `Applies to:` line and the rule block.
    pub prose: String,
    /// The machine-checkable rule; `None` means "needs human review".
    pub rule: Option<Rule>,
    /// The 1-based line of the heading.
    pub line: usize,
}

impl Standard {
    /// True when the standard is meant for products of `level`.
    pub fn applies_to(&self, level: Level) -> bool {
        self.applies_to.contains(&level)
    }

    /// The standard for a person or an agent asking what it means: its id, title and
    /// levels, its prose, and how Hallmark checks it (the rule, or "a person reviews
    /// it"). `/hallmark explain` and the MCP server's `explain` both answer with it.
    pub fn explanation(&self) -> String {
        let levels: Vec<String> = self.applies_to.iter().map(|l| l.to_string()).collect();
        let how = match &self.rule {
            Some(rule) => format!(
                "Hallmark checks it with this rule:\n\n```yaml\n{}```",
                serde_norway::to_string(rule).unwrap_or_default()
            ),
            None => "It has no rule block, so a person reviews it: it is listed as \"needs human review\" on every checklist."
                .into(),
        };
        format!(
            "**{} {}** — applies to {}\n\n{}\n\n{how}",
            self.id,
            self.title,
            levels.join(", "),
            self.prose.trim()
        )
    }
}

fn heading_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(#{1,6})\s+([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-[0-9]+)\b[\s:.\-–—]*(.*?)\s*#*\s*$")
            .expect("static regex")
    })
}

fn any_heading_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(#{1,6})\s").expect("static regex"))
}

fn applies_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*(?:[*_]{1,2})?applies\s+to\s*:?(?:[*_]{1,2})?\s*:?\s*(.*)$").expect("static regex")
    })
}

/// A standard while its lines are being read.
struct Draft {
    id: String,
    title: String,
    depth: usize,
    line: usize,
    applies: Option<(Vec<Level>, usize)>,
    prose: Vec<String>,
    rule: Option<(String, usize)>,
}

/// Parses the text of a standards file. `file` is only used in messages.
/// Every problem in the file is returned, not just the first.
pub fn parse_standards(text: &str, file: &Path) -> Result<Vec<Standard>, SourceErrors> {
    let mut errors = Vec::new();
    let mut standards = Vec::new();
    let mut current: Option<Draft> = None;
    let mut fence: Option<(String, usize, bool, Vec<String>)> = None; // (marker, start line, is rule, lines)

    let finish = |d: Draft, errors: &mut Vec<SourceError>, standards: &mut Vec<Standard>| {
        if let Some(s) = finish_standard(d, file, errors) {
            standards.push(s);
        }
    };

    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let trimmed = raw.trim_start();
        if let Some((marker, start, is_rule, lines)) = fence.as_mut() {
            if trimmed.starts_with(marker.as_str())
                && trimmed
                    .trim_end()
                    .chars()
                    .all(|c| c == marker.chars().next().unwrap_or('`'))
            {
                let (marker, start, is_rule, lines) = (marker.clone(), *start, *is_rule, std::mem::take(lines));
                fence = None;
                let body = lines.join("\n");
                if is_rule {
                    match current.as_mut() {
                        None => errors.push(SourceError::new(
                            file,
                            start,
                            "a `rule` block outside any standard; put it under a heading like `## SLV-001 Title`",
                        )),
                        Some(d) if d.rule.is_some() => errors.push(SourceError::new(
                            file,
                            start,
                            format!("standard {} has more than one `rule` block; merge them into one", d.id),
                        )),
                        Some(d) => d.rule = Some((body, start + 1)),
                    }
                } else if let Some(d) = current.as_mut() {
                    d.prose.push(format!("{marker}\n{body}\n{marker}"));
                }
            } else {
                lines.push(raw.to_string());
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let ch = trimmed.chars().next().unwrap_or('`');
            let marker: String = trimmed.chars().take_while(|c| *c == ch).collect();
            let info = trimmed[marker.len()..].trim();
            let is_rule = info
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("rule"));
            fence = Some((marker, line_no, is_rule, Vec::new()));
            continue;
        }
        if let Some(caps) = heading_re().captures(raw) {
            let depth = caps[1].len();
            if let Some(d) = current.take() {
                finish(d, &mut errors, &mut standards);
            }
            current = Some(Draft {
                id: caps[2].to_ascii_uppercase(),
                title: caps[3].trim().to_string(),
                depth,
                line: line_no,
                applies: None,
                prose: Vec::new(),
                rule: None,
            });
            continue;
        }
        if let Some(caps) = any_heading_re().captures(raw) {
            // A heading without an id ends a standard if it is at the same or a higher level.
            if current.as_ref().is_some_and(|d| caps[1].len() <= d.depth) {
                if let Some(d) = current.take() {
                    finish(d, &mut errors, &mut standards);
                }
            } else if let Some(d) = current.as_mut() {
                d.prose.push(raw.to_string());
            }
            continue;
        }
        if let Some(d) = current.as_mut() {
            if let Some(caps) = applies_re().captures(raw) {
                if d.applies.is_some() {
                    errors.push(SourceError::new(
                        file,
                        line_no,
                        format!("standard {} has a second `Applies to:` line", d.id),
                    ));
                    continue;
                }
                match parse_levels(&caps[1]) {
                    Ok(levels) => d.applies = Some((levels, line_no)),
                    Err(e) => {
                        errors.push(SourceError::new(file, line_no, format!("standard {}: {e}", d.id)));
                        d.applies = Some((Vec::new(), line_no));
                    }
                }
                continue;
            }
            d.prose.push(raw.to_string());
        }
    }
    if let Some((_, start, _, _)) = fence {
        errors.push(SourceError::new(file, start, "code block is never closed"));
    }
    if let Some(d) = current.take() {
        finish(d, &mut errors, &mut standards);
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in &standards {
        if let Some(first) = seen.insert(s.id.clone(), s.line) {
            errors.push(SourceError::new(
                file,
                s.line,
                format!("duplicate standard id {} (first defined on line {first})", s.id),
            ));
        }
    }
    if errors.is_empty() {
        Ok(standards)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(SourceErrors(errors))
    }
}

fn parse_levels(text: &str) -> Result<Vec<Level>, String> {
    let mut levels = Vec::new();
    for part in text.split([',', '/', '&']).flat_map(|p| p.split(" and ")) {
        let word = part
            .trim()
            .trim_matches(|c: char| c == '*' || c == '_' || c == '`' || c == '.');
        if word.is_empty() {
            continue;
        }
        let level: Level = word.parse()?;
        if !levels.contains(&level) {
            levels.push(level);
        }
    }
    if levels.is_empty() {
        return Err("`Applies to:` names no level; write e.g. `Applies to: silver, gold`".into());
    }
    Ok(levels)
}

fn finish_standard(d: Draft, file: &Path, errors: &mut Vec<SourceError>) -> Option<Standard> {
    let before = errors.len();
    if d.title.is_empty() {
        errors.push(SourceError::new(
            file,
            d.line,
            format!("standard {} has no title after its id", d.id),
        ));
    }
    let applies_to = match d.applies {
        Some((levels, _)) => levels,
        None => {
            errors.push(SourceError::new(
                file,
                d.line,
                format!(
                    "standard {} has no `Applies to:` line; add e.g. `Applies to: silver, gold`",
                    d.id
                ),
            ));
            Vec::new()
        }
    };
    let rule = match d.rule {
        None => None,
        Some((body, first_line)) if body.trim().is_empty() => {
            errors.push(SourceError::new(
                file,
                first_line - 1,
                format!("standard {}: the `rule` block is empty", d.id),
            ));
            None
        }
        Some((body, first_line)) => match serde_norway::from_str::<Rule>(&body) {
            Ok(rule) => {
                for (msg, needle) in rule.problems() {
                    errors.push(SourceError::new(
                        file,
                        line_of(&body, &needle, first_line),
                        format!("standard {}: {msg}", d.id),
                    ));
                }
                Some(rule)
            }
            Err(e) => {
                // A block that ends too early is reported at its last line, not the fence.
                let last_line = first_line + body.lines().count().saturating_sub(1);
                errors.push(SourceError::new(
                    file,
                    yaml_error_line(&e, first_line).min(last_line),
                    format!("standard {}: {}", d.id, explain_yaml(&yaml_error_message(&e))),
                ));
                None
            }
        },
    };
    if errors.len() > before {
        return None;
    }
    let prose = d.prose.join("\n").trim().to_string();
    Some(Standard {
        id: d.id,
        title: d.title,
        applies_to,
        prose,
        rule,
        line: d.line,
    })
}

/// Rephrases serde's enum messages in the catalogue's words: an unknown variant under
/// a `check`/`checks` key is an unknown check.
pub(crate) fn explain_yaml(msg: &str) -> String {
    if let Some((path, rest)) = msg.split_once(": ") {
        let under_check = path.split(['.', '[']).any(|p| p == "check" || p == "checks");
        if let Some(tail) = rest.strip_prefix("unknown variant") {
            if under_check {
                return format!("{path}: unknown check{tail} (see `hallmark checks`)");
            }
        }
    }
    msg.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str) -> Vec<(usize, String)> {
        parse_standards(text, Path::new("data_standards.md"))
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect()
    }

    #[test]
    fn reads_a_standard_with_rule_and_one_without() {
        let text = "# Standards\n\n## SLV-003 Amounts are non-negative decimals\nApplies to: silver, gold\n\nMoney is never negative.\n```rule\ncolumns: { tag: currency }\ntype: decimal(18,2)\ncheck: { range: { min: 0 } }\nseverity: warn\n```\n\n## GLD-001 Metrics have an owner who answers questions\nApplies to: gold\nAsk them.\n";
        let s = parse_standards(text, Path::new("x.md")).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].id, "SLV-003");
        assert_eq!(s[0].title, "Amounts are non-negative decimals");
        assert_eq!(s[0].applies_to, vec![Level::Silver, Level::Gold]);
        assert_eq!(s[0].prose, "Money is never negative.");
        let rule = s[0].rule.as_ref().unwrap();
        assert_eq!(rule.checks().len(), 2);
        assert_eq!(rule.severity, crate::rule::Severity::Warn);
        assert!(s[1].rule.is_none());
        assert_eq!(s[1].line, 14);
    }

    #[test]
    fn unknown_check_points_at_its_line() {
        let e = errs("## SLV-001 X\nApplies to: silver\n```rule\ncolumns: { tag: pii }\ncheck: not_nul\n```\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, 5);
        assert!(e[0].1.contains("SLV-001"), "{}", e[0].1);
        assert!(e[0].1.contains("not_nul"), "{}", e[0].1);
    }
}
