//! What a GitHub Actions step leaves behind: the checklist appended to the job
//! summary (`$GITHUB_STEP_SUMMARY`), and the step's outputs (`$GITHUB_OUTPUT`):
//! `passed`, `failed-count` and `checklist`, the last in the runner's multi-line
//! form with a delimiter that the checklist does not contain.

use super::CiError;
use std::io::Write;
use std::path::Path;

fn append(path: &Path, text: &str) -> Result<(), CiError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| CiError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// Appends `markdown` to the job summary.
pub fn append_step_summary(path: &Path, markdown: &str) -> Result<(), CiError> {
    append(path, &format!("{markdown}\n"))
}

/// The outputs a step of `hallmark ci` sets, which `action.yml` passes on.
pub const OUTPUT_NAMES: [&str; 3] = ["passed", "failed-count", "checklist"];

/// Appends the step's outputs.
pub fn write_outputs(path: &Path, passed: bool, failed: usize, checklist: &str) -> Result<(), CiError> {
    let mut n = 0;
    let delimiter = loop {
        let candidate = format!("HALLMARK_CHECKLIST_{n}");
        if !checklist.contains(&candidate) {
            break candidate;
        }
        n += 1;
    };
    append(
        path,
        &format!(
            "{}={passed}\n{}={failed}\n{}<<{delimiter}\n{checklist}\n{delimiter}\n",
            OUTPUT_NAMES[0], OUTPUT_NAMES[1], OUTPUT_NAMES[2]
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_the_checklist_does_not_contain() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out");
        write_outputs(&file, false, 2, "a\nHALLMARK_CHECKLIST_0\nb").unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("passed=false\nfailed-count=2\nchecklist<<HALLMARK_CHECKLIST_1\n"),
            "{text}"
        );
        assert!(text.ends_with("\nb\nHALLMARK_CHECKLIST_1\n"), "{text}");
    }
}
