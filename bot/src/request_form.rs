//! The "Request a data product" issue form, read back from the issue body: GitHub's
//! issue form renders `### <label>` then the answer (`_No response_` when left
//! empty); GitLab's issue template has the same headings with hints in HTML comments,
//! which are not answers. The body is untrusted: values are checked, and what is
//! missing or wrong is listed so the bot can ask for it in a comment instead of
//! guessing.

use crate::commands::is_source;
use hallmark_checks::Level;

/// The issue form, in the form `hallmark init` writes to
/// `.github/ISSUE_TEMPLATE/request-data-product.yml`.
pub const ISSUE_FORM: &str = include_str!("../../deploy/github/request-data-product.yml");

/// GitLab's issue template, for `.gitlab/issue_templates/Request a data product.md`.
pub const GITLAB_ISSUE_TEMPLATE: &str = include_str!("../../deploy/gitlab/issue_templates/Request a data product.md");

/// `text` without its HTML comments (an unclosed one runs to the end).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => &rest[start + end + 3..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// What the request says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestForm {
    /// The bronze source (a file or table), or for gold a silver product.
    pub source: Option<String>,
    /// The level to promote to.
    pub level: Option<Level>,
    /// The product's name.
    pub product: Option<String>,
    /// Who will own the product (an e-mail or a team handle).
    pub owner: Option<String>,
    /// What the consumer needs and why.
    pub description: Option<String>,
    /// Answers that were given but cannot be used, with the reason.
    pub problems: Vec<String>,
}

impl RequestForm {
    /// The required answers that are missing.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.source.is_none() {
            out.push("source");
        }
        if self.level.is_none() {
            out.push("target level");
        }
        out
    }
}

/// Which form field a heading is.
fn field_of(heading: &str) -> Option<&'static str> {
    let h = heading.to_lowercase();
    if h.contains("owner") {
        Some("owner")
    } else if h.contains("source") {
        Some("source")
    } else if h.contains("level") {
        Some("level")
    } else if h.contains("product") || h.contains("name") {
        Some("product")
    } else if h.contains("description") || h.contains("what") || h.contains("need") {
        Some("description")
    } else {
        None
    }
}

/// Reads the form's answers from an issue body.
pub fn parse_issue_body(body: &str) -> RequestForm {
    let mut form = RequestForm::default();
    let body = without_comments(body);
    let mut sections: Vec<(&'static str, Vec<&str>)> = Vec::new();
    for line in body.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            if let Some(field) = field_of(heading) {
                sections.push((field, Vec::new()));
                continue;
            }
        }
        if let Some((_, lines)) = sections.last_mut() {
            lines.push(line);
        }
    }
    for (field, lines) in sections {
        let answer = lines.join("\n").trim().to_string();
        if answer.is_empty() || answer == "_No response_" || answer == "None" {
            continue;
        }
        match field {
            "source" => {
                let one = answer.lines().next().unwrap_or_default().trim().trim_matches('`');
                if is_source(one) {
                    form.source = Some(one.to_string());
                } else {
                    form.problems.push(format!(
                        "the source `{}` is not a file path or table name Hallmark can read",
                        one.chars().take(80).collect::<String>()
                    ));
                }
            }
            "level" => match answer.to_lowercase().trim() {
                "silver" => form.level = Some(Level::Silver),
                "gold" => form.level = Some(Level::Gold),
                other => form.problems.push(format!(
                    "the target level `{}` is neither silver nor gold",
                    other.chars().take(40).collect::<String>()
                )),
            },
            "product" => {
                let name = answer.trim().trim_matches('`');
                if !name.is_empty()
                    && name.len() <= 64
                    && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    form.product = Some(name.to_string());
                } else {
                    form.problems.push(format!(
                        "the product name `{}` must be snake_case (letters, digits, underscores)",
                        name.chars().take(64).collect::<String>()
                    ));
                }
            }
            "owner" => {
                let owner = answer.lines().next().unwrap_or_default().trim();
                if !owner.is_empty()
                    && owner.len() <= 100
                    && owner.chars().all(|c| c.is_ascii_alphanumeric() || "@._+-/".contains(c))
                {
                    form.owner = Some(owner.to_string());
                } else {
                    form.problems.push(format!(
                        "the owner `{}` is not an e-mail address or a team handle",
                        owner.chars().take(100).collect::<String>()
                    ));
                }
            }
            _ => form.description = Some(answer),
        }
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gitlab_template_reads_as_unanswered_until_filled_in() {
        let empty = parse_issue_body(GITLAB_ISSUE_TEMPLATE);
        assert_eq!(empty.missing(), vec!["source", "target level"]);
        assert!(empty.problems.is_empty(), "{:?}", empty.problems);
        let filled = GITLAB_ISSUE_TEMPLATE
            .replace("<!-- silver or gold -->", "gold")
            .replace(
                "<!-- The bronze file or table, e.g. bronze/orders.csv; for gold, a silver product, e.g. silver.orders. -->",
                "silver.orders",
            )
            .replace(
                "<!-- Who answers for the product: an e-mail address or a group handle, e.g. @acme/finance-data. -->",
                "@acme/finance-data",
            );
        let form = parse_issue_body(&filled);
        assert_eq!(form.source.as_deref(), Some("silver.orders"));
        assert_eq!(form.level, Some(Level::Gold));
        assert_eq!(form.owner.as_deref(), Some("@acme/finance-data"));
        assert_eq!(form.product, None);
        assert!(form.problems.is_empty(), "{:?}", form.problems);
        assert!(
            GITLAB_ISSUE_TEMPLATE.contains("/label ~promote"),
            "the template starts Hallmark"
        );
    }

    #[test]
    fn a_rendered_form_is_read_back() {
        let body = "### Source\n\nbronze/orders.csv\n\n### Target level\n\nSilver\n\n### Product name\n\n_No response_\n\n### Owner\n\n@acme/finance-data\n\n### What do you need, and why?\n\nDaily revenue for finance.\nBy country.\n";
        let f = parse_issue_body(body);
        assert_eq!(f.source.as_deref(), Some("bronze/orders.csv"));
        assert_eq!(f.level, Some(Level::Silver));
        assert_eq!(f.product, None);
        assert_eq!(f.owner.as_deref(), Some("@acme/finance-data"));
        assert_eq!(
            f.description.as_deref(),
            Some("Daily revenue for finance.\nBy country.")
        );
        assert!(f.missing().is_empty() && f.problems.is_empty());
    }

    #[test]
    fn missing_and_unusable_answers_are_listed() {
        let f = parse_issue_body(
            "### Source\n\n../../etc/passwd\n\n### Target level\n\nplatinum\n\n### Product name\n\nDaily Revenue!\n",
        );
        assert_eq!(f.missing(), ["source", "target level"]);
        assert_eq!(f.problems.len(), 3, "{:?}", f.problems);
        assert!(f.problems[0].contains("`../../etc/passwd`"));
        assert!(parse_issue_body("Just some text, no form.").missing().len() == 2);
    }

    #[test]
    fn the_shipped_form_asks_for_every_field() {
        for label in ["Source", "Target level", "Product name", "Owner", "What do you need"] {
            assert!(ISSUE_FORM.contains(label), "{label}");
        }
        assert!(ISSUE_FORM.contains("labels: [promote]"));
    }
}
