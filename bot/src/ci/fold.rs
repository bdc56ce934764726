//! A checklist that fits: GitHub refuses a comment or a check-run summary over
//! 65,536 characters, so a long checklist keeps its head (the verdict and tally come
//! first), drops whole lines from the end, and says how many it cut and where the
//! whole run is.

/// `markdown` cut to at most `limit` characters (not bytes), whole lines only, with
/// a last line saying what was cut.
pub fn fold(markdown: &str, limit: usize, run_url: Option<&str>) -> String {
    let whole = run_url.map_or("the job's log".to_string(), |u| format!("[the run]({u})"));
    cut_lines(markdown, limit, &|cut| {
        format!("\n\n> ✂️ {cut} more lines of this checklist are cut to fit; the whole checklist is in {whole}.\n")
    })
}

/// Any text the bot posts (a comment, a pull request's body, a tracking issue) cut to a
/// forge's `limit` the same way: the head kept, whole lines, and a line saying how
/// many were cut. A forge refuses the whole request for one character too many.
pub fn fit(text: &str, limit: usize) -> String {
    cut_lines(text, limit, &|cut| {
        format!("\n\n> ✂️ {cut} more lines are cut to fit this forge's limit of {limit} characters.\n")
    })
}

fn cut_lines(text: &str, limit: usize, note: &dyn Fn(usize) -> String) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = String::new();
    let mut used = 0;
    for (i, line) in lines.iter().enumerate() {
        let cost = line.chars().count() + 1;
        // Room is kept for the note as it would read at this point.
        if used + cost + note(lines.len() - i).chars().count() > limit {
            return format!("{kept}{}", note(lines.len() - i));
        }
        kept.push_str(line);
        kept.push('\n');
        used += cost;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_checklist_is_left_alone_and_a_long_one_is_cut_on_a_line_with_a_count() {
        assert_eq!(fold("a\nb\n", 100, None), "a\nb\n");
        let long: String = (0..5_000).map(|i| format!("| row {i} | ✅ |\n")).collect();
        let folded = fold(&long, 10_000, Some("https://ci.example/run/1"));
        assert!(folded.chars().count() <= 10_000, "{}", folded.chars().count());
        assert!(folded.starts_with("| row 0 | ✅ |\n"));
        let kept = folded.lines().filter(|l| l.starts_with("| row")).count();
        assert!(folded.contains(&format!("{} more lines", 5_000 - kept)), "{folded}");
        assert!(folded.contains("[the run](https://ci.example/run/1)"));
        assert!(
            folded
                .lines()
                .filter(|l| l.starts_with("| row"))
                .all(|l| l.ends_with('|')),
            "whole lines only"
        );
    }
}
