//! Caps on what leaves the sandbox. Values that untrusted SQL produced (failing-row
//! samples, the agent's query results, column names, engine errors that quote data)
//! end up in a checklist posted on a pull request, in a transcript and in requests to
//! a model. The engines keep such SQL away from files and networks; these caps make
//! sure that even a value the engine did hand back crosses out only in small pieces.

use crate::values::Rows;
use std::borrow::Cow;

/// Characters of one text value (a sample cell, a query result cell) that are shown.
pub const MAX_VALUE_CHARS: usize = 256;
/// Characters of a column name that are shown.
pub const MAX_NAME_CHARS: usize = 128;
/// Characters of an engine's error message that are shown.
pub const MAX_ERROR_CHARS: usize = 400;
/// Characters of a quoted piece inside an error message (`'...'`, `"..."`) that are
/// shown: engines quote the offending value, which may be data.
pub const MAX_QUOTED_IN_ERROR_CHARS: usize = 64;

/// `text` cut to `max` characters, saying how much was cut.
pub fn cap(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let cut = text[end..].chars().count();
            Cow::Owned(format!("{}… ({cut} more characters)", &text[..end]))
        }
    }
}

/// Characters of text a whole result may carry (column names and text cells
/// together): a cap per cell alone lets many cells (`substring(x, 1, 256)`,
/// `substring(x, 257, 256)`...) carry a long value out piece by piece.
pub const MAX_RESULT_CHARS: usize = 4_096;

/// What stands for a text cell past [`MAX_RESULT_CHARS`].
pub const CUT_CELL: &str = "… (cut: the result's text limit)";

/// `rows` with every column name and text cell capped, and the text of the whole
/// result capped at [`MAX_RESULT_CHARS`]: cells past it are replaced by [`CUT_CELL`].
pub fn cap_rows(mut rows: Rows) -> Rows {
    let mut budget = MAX_RESULT_CHARS;
    let mut spend = |text: &mut String| {
        let n = text.chars().count();
        if n <= budget {
            budget -= n;
        } else {
            budget = 0;
            *text = CUT_CELL.to_string();
        }
    };
    for c in &mut rows.columns {
        *c = cap(c, MAX_NAME_CHARS).into_owned();
        spend(c);
    }
    for row in &mut rows.rows {
        for cell in row.iter_mut() {
            if let serde_json::Value::String(s) = cell {
                if let Cow::Owned(capped) = cap(s, MAX_VALUE_CHARS) {
                    *s = capped;
                }
                spend(s);
            }
        }
    }
    rows
}

/// An engine error with each quoted piece cut to [`MAX_QUOTED_IN_ERROR_CHARS`] and
/// the whole to [`MAX_ERROR_CHARS`]: enough to say what went wrong and where, never a
/// file's or a column's contents.
pub fn shorten_error(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_ERROR_CHARS + 64));
    let mut rest = message;
    while let Some(open) = rest.find(['\'', '"']) {
        let quote = rest.as_bytes()[open] as char;
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find(quote) {
            Some(close) => {
                out.push_str(&cap(&after[..close], MAX_QUOTED_IN_ERROR_CHARS));
                out.push(quote);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&cap(after, MAX_QUOTED_IN_ERROR_CHARS));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    cap(&out, MAX_ERROR_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(cap("short", 10), "short");
        assert_eq!(cap("ééééé", 2), "éé… (3 more characters)");
    }

    #[test]
    fn quoted_data_in_errors_is_cut() {
        let secret = "x".repeat(100);
        let msg = format!("Conversion Error: Could not convert string '{secret}' to INT32");
        let short = shorten_error(&msg);
        assert!(!short.contains(&secret), "{short}");
        assert!(
            short.starts_with("Conversion Error: Could not convert string 'xxxx"),
            "{short}"
        );
        assert!(short.ends_with("(36 more characters)' to INT32"), "{short}");
        assert_eq!(
            shorten_error("Table with name \"orders\" does not exist"),
            "Table with name \"orders\" does not exist"
        );
        assert!(shorten_error(&"y".repeat(5000)).chars().count() < MAX_ERROR_CHARS + 40);
        assert!(!shorten_error(&format!("unterminated '{secret}")).contains(&secret));
    }

    #[test]
    fn rows_are_capped_cell_by_cell() {
        let rows = Rows {
            columns: vec!["n".repeat(500)],
            rows: vec![vec![serde_json::json!("v".repeat(1000)), serde_json::json!(7)]],
        };
        let capped = cap_rows(rows);
        assert!(capped.columns[0].chars().count() < MAX_NAME_CHARS + 40);
        assert!(capped.rows[0][0].as_str().unwrap().chars().count() < MAX_VALUE_CHARS + 40);
        assert_eq!(capped.rows[0][1], serde_json::json!(7));
    }

    #[test]
    fn a_result_carries_no_more_text_than_its_cap_however_it_is_split() {
        let secret: String = (0..4000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let pieces: Vec<serde_json::Value> = secret
            .as_bytes()
            .chunks(200)
            .map(|c| serde_json::json!(String::from_utf8_lossy(c)))
            .collect();
        let rows = Rows {
            columns: (0..pieces.len()).map(|i| format!("p{i}")).collect(),
            rows: vec![pieces.clone(), pieces],
        };
        let capped = cap_rows(rows);
        let carried: usize = capped
            .rows
            .iter()
            .flatten()
            .filter_map(|c| c.as_str())
            .filter(|s| *s != CUT_CELL)
            .map(|s| s.chars().count())
            .sum();
        assert!(carried <= MAX_RESULT_CHARS, "{carried}");
        assert_eq!(capped.rows[1][0], serde_json::json!(CUT_CELL), "the second row is cut");
    }
}
