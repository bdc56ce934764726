//! `hallmark check` as a person sees it in a terminal: run in a real pseudo-terminal
//! (util-linux `script`), it prints the text form in colour, fitted to the terminal's
//! width, with the failures again at the end; piped, it prints the markdown a pull
//! request shows, without escape codes; `NO_COLOR`, `--color` and `--format` say
//! otherwise.

use std::path::Path;
use std::process::{Command, Output};

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/retail")
        .to_string_lossy()
        .into_owned()
}

const ARGS: &str = "--no-cache --as-of 2025-01-01T00:00:00Z";

/// `hallmark check <example> <extra>` in a pseudo-terminal of `columns` columns.
fn in_terminal(extra: &str, env: &[(&str, &str)]) -> (String, Option<i32>) {
    let command = format!("{} check {} {ARGS} {extra}", env!("CARGO_BIN_EXE_hallmark"), example());
    let out: Output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("COLUMNS", "100")
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("script (util-linux) runs");
    (
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
        out.status.code(),
    )
}

fn piped(extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["check", &example(), "--no-cache", "--as-of", "2025-01-01T00:00:00Z"])
        .args(extra)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn at_a_terminal_the_checklist_is_text_with_the_failures_at_the_end() {
    let (text, code) = in_terminal("", &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("\u{1b}[32m✔"), "colours at a terminal: {text}");
    assert!(
        !text.contains("<details>") && !text.contains("### Hallmark checklist"),
        "{text}"
    );
    let plain = console::strip_ansi_codes(&text).into_owned();
    let lines: Vec<&str> = plain.lines().filter(|l| !l.trim().is_empty()).collect();
    // One line per check, none wider than the terminal unless its figure is.
    let checks: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            ["  ✔ ", "  ✘ ", "  ! ", "  ? ", "  – "]
                .iter()
                .any(|m| l.starts_with(m))
        })
        .collect();
    assert!(checks.len() >= 20, "{plain}");
    // Every failure is said again after the last check line, where the eye lands.
    let failures_at = plain.find("Failures and errors").expect("a failures section");
    for id in ["SLV-003", "SLV-005", "SLV-009"] {
        assert!(
            plain[failures_at..].contains(&format!("silver.orders {id}")),
            "{id}: {plain}"
        );
    }
    assert!(
        plain[failures_at..].contains("ORD-000047  -36.87"),
        "failing rows as an aligned table"
    );
    let last = lines.last().unwrap();
    assert!(last.starts_with("✘ failed — exit 1"), "the total closes it: {last}");
    assert!(lines.len() < 90, "one screen or so, not 400 lines: {}", lines.len());

    // NO_COLOR keeps the text form without escape codes; --format md keeps markdown.
    // (The progress bar on stderr still clears its line; no colour or weight is set.)
    let styled = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    let (text, _) = in_terminal("", &[("NO_COLOR", "1")]);
    assert!(
        !styled.is_match(&text) && text.contains("Failures and errors"),
        "{text}"
    );
    let (md, _) = in_terminal("--format md", &[]);
    assert!(md.contains("### Hallmark checklist") && !styled.is_match(&md), "{md}");
}

#[test]
fn piped_the_checklist_is_markdown_unless_text_is_asked_for() {
    let md = piped(&[]);
    assert!(md.starts_with("### Hallmark checklist"), "{md}");
    assert!(!md.contains('\u{1b}'));
    let text = piped(&["--format", "text"]);
    assert!(
        text.contains("Failures and errors") && !text.contains('\u{1b}'),
        "{text}"
    );
    let forced = piped(&["--format", "text", "--color", "always"]);
    assert!(forced.contains("\u{1b}["), "{forced}");
    let verbose = piped(&["--format", "text", "-v"]);
    assert!(
        verbose.lines().count() > text.lines().count() + 20,
        "-v shows every check's SQL"
    );
}
