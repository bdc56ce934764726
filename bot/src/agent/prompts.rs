//! The LLM drafter's prompts: markdown templates compiled into the binary from
//! `prompts/`, which a repository can override with its own
//! `.hallmark/prompts/<name>.md`. Placeholders are `{{name}}`; values are inserted in
//! one pass, so a value (say, a request that contains `{{standards}}`) is never
//! expanded again.

use std::collections::HashMap;
use std::path::Path;

/// The templates Hallmark knows, with their compiled-in text.
const BUILT_IN: &[(&str, &str)] = &[
    ("system", include_str!("../../../prompts/system.md")),
    ("task", include_str!("../../../prompts/task.md")),
    ("revise", include_str!("../../../prompts/revise.md")),
];

/// Where a repository keeps its own prompts.
pub const OVERRIDE_DIR: &str = ".hallmark/prompts";

/// Why a prompt could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// No such template.
    #[error("no prompt template named `{0}`")]
    Unknown(String),
    /// The template uses a placeholder nobody fills.
    #[error("prompt template {template} (from {origin}) uses `{{{{{name}}}}}`, which Hallmark does not provide; known: {known}")]
    UnknownPlaceholder {
        /// The template.
        template: String,
        /// Built in, or the override file.
        origin: String,
        /// The placeholder.
        name: String,
        /// The placeholders it could use.
        known: String,
    },
    /// The override exists but cannot be read.
    #[error("cannot read the prompt override {0}: {1}")]
    Read(String, String),
}

/// Loads template `name`: the repository's override when it has one, else the
/// built-in text. Returns the text and where it came from.
pub fn template(name: &str, repo_root: &Path) -> Result<(String, String), PromptError> {
    let built_in = BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| PromptError::Unknown(name.to_string()))?
        .1;
    let path = repo_root.join(OVERRIDE_DIR).join(format!("{name}.md"));
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((text, format!("{OVERRIDE_DIR}/{name}.md"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((built_in.to_string(), "built in".into())),
        Err(e) => Err(PromptError::Read(path.display().to_string(), e.to_string())),
    }
}

/// Renders template `name` with `values`.
pub fn render(name: &str, repo_root: &Path, values: &HashMap<&str, String>) -> Result<String, PromptError> {
    let (text, origin) = template(name, repo_root)?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let key = after[..end].trim();
        match values.get(key) {
            Some(v) => out.push_str(v),
            None => {
                let mut known: Vec<&str> = values.keys().copied().collect();
                known.sort_unstable();
                return Err(PromptError::UnknownPlaceholder {
                    template: name.to_string(),
                    origin,
                    name: key.to_string(),
                    known: known.join(", "),
                });
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> HashMap<&'static str, String> {
        HashMap::from([
            ("round", "2".to_string()),
            ("problems", "{{folder}} is fine".to_string()),
            ("folder", "orders".to_string()),
        ])
    }

    #[test]
    fn built_in_templates_render_once() {
        let dir = tempfile::tempdir().unwrap();
        let text = render("revise", dir.path(), &values()).unwrap();
        assert!(text.starts_with("# Round 2:"), "{text}");
        // The value's own braces are not expanded again.
        assert!(text.contains("{{folder}} is fine"), "{text}");
        assert!(text.contains("products/orders/"), "{text}");
    }

    #[test]
    fn a_repository_overrides_a_template_and_bad_placeholders_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(OVERRIDE_DIR)).unwrap();
        std::fs::write(
            dir.path().join(OVERRIDE_DIR).join("revise.md"),
            "Round {{round}} {{nope}}",
        )
        .unwrap();
        let err = render("revise", dir.path(), &values()).unwrap_err();
        assert!(
            err.to_string().contains("`{{nope}}`") && err.to_string().contains(".hallmark/prompts/revise.md"),
            "{err}"
        );
        std::fs::write(dir.path().join(OVERRIDE_DIR).join("revise.md"), "Round {{round}}").unwrap();
        assert_eq!(render("revise", dir.path(), &values()).unwrap(), "Round 2");
        assert!(matches!(
            render("other", dir.path(), &values()),
            Err(PromptError::Unknown(_))
        ));
    }
}
