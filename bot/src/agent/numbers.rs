//! How a column writes its numbers: which character is the decimal separator, which
//! group thousands, and what stands before or after (a currency symbol or code, a
//! unit, `%`). Decided from evidence across all values: a value that can only be read
//! one way (`1.234,56`, `12,5`, `1,234.56`) decides for the column; values that could
//! be read either way (`1,234`) follow the deciders, and when nothing decides the
//! reading is written down as a doubt.

use regex::Regex;
use std::sync::LazyLock;

/// One value taken apart: optional text before and after a run of digits and
/// separators, a sign before it or (as ledgers write debits) after it, or the whole
/// in parentheses (`(1,234.50)`, accounting's negative).
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<open>\()?\s*(?P<pre>[$€£¥]|[A-Za-z]{3})?\s*(?P<sign>[-+])?\s*(?P<sym>[$€£¥])?\s*(?P<num>\d[\d.,' \u{a0}]*\d|\d)\.?\s*(?P<post>%|[$€£¥]|[A-Za-z]{1,3}\.?)?\s*(?P<trail>-)?\s*(?P<close>\))?$")
        .unwrap()
});

/// Suffixes that scale a number (`52k`, `1.2M`, `3bn`), as people write amounts.
pub const SCALE_SUFFIXES: &[(&str, u64)] = &[
    ("k", 1_000),
    ("K", 1_000),
    ("M", 1_000_000),
    ("MM", 1_000_000),
    ("mn", 1_000_000),
    ("bn", 1_000_000_000),
];

/// What one value says about the column's separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// No separator, or only grouping characters that cannot be decimal (`1 234`,
    /// `1'234`, `1.234.567`).
    Whole,
    /// `.` must be the decimal separator (`1,234.5`, `12.50`).
    DecimalPoint,
    /// `,` must be the decimal separator (`1.234,5`, `12,50`).
    DecimalComma,
    /// One `,` or `.` followed by three digits: grouping or decimal, either way.
    Either(char),
}

/// The parts of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    reading: Reading,
    prefix: Option<String>,
    suffix: Option<String>,
}

fn read(value: &str) -> Option<Parsed> {
    let caps = NUMBER.captures(value.trim())?;
    // Parentheses come in pairs, and a number has one sign.
    if caps.name("open").is_some() != caps.name("close").is_some()
        || usize::from(caps.name("sign").is_some())
            + usize::from(caps.name("trail").is_some())
            + usize::from(caps.name("open").is_some())
            > 1
    {
        return None;
    }
    let num = caps.name("num")?.as_str();
    let last_dot = num.rfind('.');
    let last_comma = num.rfind(',');
    let digits_after = |i: usize| num[i + 1..].chars().take_while(char::is_ascii_digit).count();
    let count = |c: char| num.matches(c).count();
    let reading = match (last_dot, last_comma) {
        (None, None) => Reading::Whole,
        (Some(d), Some(c)) if d > c => Reading::DecimalPoint,
        (Some(_), Some(_)) => Reading::DecimalComma,
        (Some(_), None) if count('.') > 1 => {
            if num.split('.').skip(1).all(|g| g.len() == 3) {
                Reading::Whole
            } else {
                return None;
            }
        }
        (None, Some(_)) if count(',') > 1 => {
            if num.split(',').skip(1).all(|g| g.len() == 3) {
                Reading::Whole
            } else {
                return None;
            }
        }
        (Some(d), None) => match digits_after(d) {
            3 if !num[..d].contains([' ', '\'']) => Reading::Either('.'),
            _ => Reading::DecimalPoint,
        },
        (None, Some(c)) => match digits_after(c) {
            3 if !num[..c].contains([' ', '\'']) => Reading::Either(','),
            _ => Reading::DecimalComma,
        },
    };
    // Whatever groups the whole part must group it by threes, with one character:
    // `1,234,567` and `1 234` are numbers, `+1 555 4370` (a phone) is not.
    let whole = match reading {
        Reading::DecimalPoint => &num[..last_dot.unwrap_or(num.len())],
        Reading::DecimalComma => &num[..last_comma.unwrap_or(num.len())],
        Reading::Whole | Reading::Either(_) => num,
    };
    let separators: Vec<char> = whole.chars().filter(|c| !c.is_ascii_digit()).collect();
    if separators.iter().any(|c| *c != separators[0]) {
        return None;
    }
    let groups: Vec<&str> = whole.split(|c: char| !c.is_ascii_digit()).collect();
    if groups.len() > 1 && !((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3)) {
        return None;
    }
    let fraction_ok = match reading {
        Reading::DecimalPoint => num[last_dot.unwrap_or(0) + 1..].chars().all(|c| c.is_ascii_digit()),
        Reading::DecimalComma => num[last_comma.unwrap_or(0) + 1..].chars().all(|c| c.is_ascii_digit()),
        _ => true,
    };
    if !fraction_ok {
        return None;
    }
    Some(Parsed {
        reading,
        prefix: caps.name("pre").or(caps.name("sym")).map(|m| m.as_str().to_string()),
        suffix: caps.name("post").map(|m| m.as_str().trim_end_matches('.').to_string()),
    })
}

/// How a whole column writes its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberStyle {
    /// The decimal separator: `.` or `,`.
    pub decimal: char,
    /// Whether any value has a fractional part.
    pub fractional: bool,
    /// A currency symbol or ISO 4217 code was seen before or after a value.
    pub currency: bool,
    /// `%` was seen after the values.
    pub percent: bool,
    /// A unit (`lb`, `kg`) was seen after the values.
    pub unit: Option<String>,
    /// Some values carry a scale suffix (`52k`, `1.2M`) that multiplies them.
    pub scaled: bool,
    /// What stayed undecided, for the plan.
    pub doubt: Option<String>,
}

/// The share of `values` (trimmed, non-empty) that read as numbers, and the style
/// they agree on; `None` when they do not agree (a column mixing `1.234,5` and
/// `1,234.5` is not one number format).
///
/// A scale suffix (`k`, `M`, `bn`) multiplies where the column is money, where its
/// `amount_named` (salary, price, revenue...), or where values with and without one
/// (or with two different ones) stand together; alone under another name (`300 K`
/// may be kelvin) it is a unit.
pub fn number_style(values: &[&str], currency_codes: &[&str], amount_named: bool) -> Option<(f64, NumberStyle)> {
    if values.is_empty() {
        return None;
    }
    // Letters before a number must be a currency code (`USD 12.00`); `ORD-000123`
    // is an identifier, not minus 123 of something.
    let parsed: Vec<Parsed> = values
        .iter()
        .filter_map(|v| read(v))
        .filter(|p| {
            p.prefix.as_deref().is_none_or(|pre| {
                !pre.chars().all(|c| c.is_ascii_alphabetic())
                    || currency_codes.iter().any(|c| c.eq_ignore_ascii_case(pre))
            })
        })
        .collect();
    let share = parsed.len() as f64 / values.len() as f64;
    let point = parsed.iter().filter(|p| p.reading == Reading::DecimalPoint).count();
    let comma = parsed.iter().filter(|p| p.reading == Reading::DecimalComma).count();
    let either = |c: char| parsed.iter().any(|p| p.reading == Reading::Either(c));
    // A decider on each side means two conventions in one column: not one style. A
    // few strays on the minority side are tolerated as values that will not parse.
    if point > 0 && comma > 0 && point.min(comma) * 20 > point.max(comma) {
        return None;
    }
    let (decimal, fractional, doubt) = if point >= comma && point > 0 {
        ('.', true, None::<String>)
    } else if comma > 0 {
        (',', true, None)
    } else if either(',') && either('.') {
        return None;
    } else if either(',') {
        (
            '.',
            false,
            Some("values such as `1,234` could be 1234 or 1.234; no value decides, so `,` is read as a thousands separator".into()),
        )
    } else if either('.') {
        (
            '.',
            true,
            Some(
                "values such as `1.234` could be 1.234 or 1234; no value decides, so `.` is read as the decimal point"
                    .into(),
            ),
        )
    } else {
        ('.', false, None)
    };
    let mut currency = false;
    let mut percent = false;
    let mut unit = None;
    let is_scale = |part: &str| SCALE_SUFFIXES.iter().any(|(s, _)| *s == part);
    let scale_suffixes: Vec<&str> = parsed
        .iter()
        .filter_map(|p| p.suffix.as_deref().filter(|s| is_scale(s)))
        .collect();
    let mixed_scales = !scale_suffixes.is_empty()
        && (scale_suffixes.len() < parsed.len() || scale_suffixes.iter().any(|s| *s != scale_suffixes[0]));
    let symbols = parsed
        .iter()
        .flat_map(|p| [&p.prefix, &p.suffix])
        .flatten()
        .any(|part| {
            part.chars().all(|c| "$€£¥".contains(c)) || currency_codes.iter().any(|c| c.eq_ignore_ascii_case(part))
        });
    let scaled = !scale_suffixes.is_empty() && (mixed_scales || symbols || amount_named);
    for p in &parsed {
        for part in [&p.prefix, &p.suffix].into_iter().flatten() {
            if scaled && is_scale(part) {
                continue;
            }
            if part == "%" {
                percent = true;
            } else if part.chars().all(|c| "$€£¥".contains(c))
                || currency_codes.iter().any(|c| c.eq_ignore_ascii_case(part))
            {
                currency = true;
            } else {
                unit.get_or_insert_with(|| part.to_ascii_lowercase());
            }
        }
    }
    Some((
        share,
        NumberStyle {
            decimal,
            fractional,
            currency,
            percent,
            unit,
            scaled,
            doubt,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: &[&str] = &["USD", "EUR", "CHF"];

    fn style(values: &[&str]) -> NumberStyle {
        number_style(values, CODES, false).unwrap().1
    }

    #[test]
    fn a_value_that_can_only_be_read_one_way_decides() {
        let s = style(&["1.234,50 €", "12,00 €", "1.234 €"]);
        assert_eq!((s.decimal, s.currency), (',', true));
        let s = style(&["$1,234.50", "1,234", "12"]);
        assert_eq!((s.decimal, s.fractional, s.currency), ('.', true, true));
        let s = style(&["1'234.50 CHF", "12.00 CHF"]);
        assert_eq!((s.decimal, s.currency), ('.', true));
        let s = style(&["1 234,50", "0,05"]);
        assert_eq!(s.decimal, ',');
    }

    #[test]
    fn grouped_whole_numbers_are_whole() {
        let s = style(&["1,234", "987", "1,234,567"]);
        assert!(!s.fractional);
        assert!(s.doubt.is_some(), "`1,234` alone could be a decimal");
        let s = style(&["1 234", "5"]);
        assert!(!s.fractional && s.doubt.is_none());
    }

    #[test]
    fn units_and_percentages_are_seen() {
        let s = style(&["12,345.6 lb", "3.2 lb"]);
        assert_eq!(s.unit.as_deref(), Some("lb"));
        assert!(!s.currency);
        assert!(style(&["12.5%", "7 %", "0.5%"]).percent);
    }

    #[test]
    fn phone_numbers_and_identifiers_are_not_numbers() {
        assert_eq!(
            number_style(&["+1 555 4370", "+1 555 2290"], CODES, false).unwrap().0,
            0.0
        );
        assert_eq!(
            number_style(&["ORD-000001", "ORD-000002"], CODES, false).unwrap().0,
            0.0
        );
        assert!(style(&["USD 12.00", "EUR 3.50"]).currency);
    }

    /// Ledgers write debits in parentheses or with a trailing minus; amounts carry
    /// `k` and `M`. A lone `K` under a name that is not an amount's stays a unit.
    #[test]
    fn accounting_negatives_and_scale_suffixes() {
        let (share, s) = number_style(&["(1,234.50)", "1,234.50-", "-$5.00", "12.00"], CODES, false).unwrap();
        assert_eq!(share, 1.0);
        assert_eq!(s.decimal, '.');
        assert_eq!(number_style(&["(12.00", "1-2"], CODES, false).unwrap().0, 0.0);
        // A trailing point, as Fortran and some instruments write whole floats.
        assert_eq!(number_style(&["18.", "-2.5", "0."], CODES, false).unwrap().0, 1.0);
        let (share, s) = number_style(&["52k", "48,500", "$61.5k", "1.2M"], CODES, false).unwrap();
        assert_eq!(share, 1.0);
        assert!(s.scaled && s.unit.is_none(), "{s:?}");
        assert!(style(&["300 K", "280 K"]).unit.is_some());
        assert!(number_style(&["52k", "61k"], CODES, true).unwrap().1.scaled);
    }

    #[test]
    fn two_conventions_are_not_one_style() {
        let mixed = ["1.234,5", "1,234.5", "2.345,6", "2,345.6"];
        assert!(number_style(&mixed, CODES, false).is_none());
        assert!(number_style(&["abc", "12"], CODES, false).unwrap().0 < 0.95);
    }
}
