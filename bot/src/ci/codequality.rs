//! GitLab's Code Quality report (`artifacts:reports:codequality`): a JSON array of
//! issues, each with a description, a check name, a fingerprint that stays the same
//! for the same finding across pipelines (so the widget shows what is new and what
//! was fixed), a severity, and the file and line. Built from the same annotations as
//! GitHub's check run.

use crate::github::check_runs::Annotation;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The report for `annotations`.
pub fn report(annotations: &[Annotation]) -> Value {
    Value::Array(
        annotations
            .iter()
            .map(|a| {
                // The title names the standard, product and columns, never a figure,
                // so the fingerprint survives a changed count.
                let fingerprint = hex::encode(Sha256::digest(format!("{}\n{}\n{}", a.path, a.start_line, a.title)));
                json!({
                    "description": format!("{}: {}", a.title, a.message),
                    "check_name": a.title.split_whitespace().next().unwrap_or("hallmark"),
                    "fingerprint": fingerprint,
                    "severity": if a.annotation_level == "failure" { "major" } else { "minor" },
                    "location": {"path": a.path, "lines": {"begin": a.start_line}},
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotation(line: usize, level: &'static str, message: &str) -> Annotation {
        Annotation {
            path: "data_standards.md".into(),
            start_line: line,
            end_line: line,
            annotation_level: level,
            title: format!("SLV-00{line} fail on silver.orders (amount)"),
            message: message.into(),
        }
    }

    #[test]
    fn issues_have_gitlabs_fields_and_fingerprints_that_ignore_the_figure() {
        let first = report(&[annotation(3, "failure", "3 rows"), annotation(4, "warning", "1 row")]);
        let again = report(&[annotation(3, "failure", "5 rows")]);
        let issues = first.as_array().unwrap();
        assert_eq!(issues.len(), 2);
        assert_eq!(
            issues[0]["fingerprint"], again[0]["fingerprint"],
            "same finding, new figure"
        );
        assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
        assert_eq!(
            (issues[0]["severity"].as_str(), issues[1]["severity"].as_str()),
            (Some("major"), Some("minor"))
        );
        assert_eq!(
            issues[0]["location"],
            json!({"path": "data_standards.md", "lines": {"begin": 3}})
        );
        assert_eq!(issues[0]["check_name"], "SLV-003");
    }
}
