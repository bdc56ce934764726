//! GitLab runs every line of a note, an issue description or a merge request
//! description that starts with `/<command>` as a quick action — `/close`, `/merge`,
//! `/label`, `/assign` — with the writer's permissions, and strips the line. Hallmark's
//! notes quote repository text (feedback, issue fields, error messages), so a line of
//! someone else's text could otherwise close an issue or merge a request as the bot.
//! Every line that would start with `/` outside a fenced code block is escaped as
//! `\/`, which Markdown shows as `/` and GitLab does not run.

use std::borrow::Cow;

/// `text` with no line GitLab would run as a quick action; the text shows the same.
pub fn inert(text: &str) -> Cow<'_, str> {
    let mut fence: Option<&str> = None;
    let mut out = String::new();
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        match fence {
            Some(open) if rest.starts_with(open) => fence = None,
            Some(_) => {}
            None if rest.starts_with("```") => fence = Some("```"),
            None if rest.starts_with("~~~") => fence = Some("~~~"),
            None if indent < 4 && rest.starts_with('/') => {
                out.push_str(&line[..indent]);
                out.push('\\');
                out.push_str(rest);
                changed = true;
                continue;
            }
            None => {}
        }
        out.push_str(line);
    }
    match changed {
        true => Cow::Owned(out),
        false => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn a_line_starting_with_a_slash_is_escaped_and_code_is_left_alone() {
        let text = "Feedback:\n/close\n  /merge now\nnot /label here\n```\n/close\n```\n~~~sql\n/x\n~~~\n/assign @me";
        assert_eq!(
            inert(text),
            "Feedback:\n\\/close\n  \\/merge now\nnot /label here\n```\n/close\n```\n~~~sql\n/x\n~~~\n\\/assign @me"
        );
    }

    #[test]
    fn text_without_commands_is_not_copied() {
        assert!(matches!(inert("| a | /b |\n`/c`"), std::borrow::Cow::Borrowed(_)));
    }
}
