//! What a bronze column holds, read from its text values: the type it should have in
//! silver and the tags the standards select on. Bronze arrives as text (CSV exports,
//! loosely typed tables), so inference looks at the values, not at the declared type.
//!
//! The rules drafter turns an [`Inferred`] into SQL; the profile shows it to people and
//! to the LLM drafter. Everything here is pure: the values come from the profile query.

use chrono::{DateTime, NaiveDateTime};
use regex::Regex;
use std::sync::LazyLock;

/// A timestamp spelling seen in bronze, in the order the drafter tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimestampFormat {
    /// `2024-05-01 10:00:00`, taken as UTC.
    IsoSpace,
    /// `2024-05-01T10:00:00Z`.
    IsoZulu,
    /// `2024-05-01T10:00:00+02:00`.
    IsoOffset,
    /// `05/01/2024 10:00:00 -0500` (month first, US style).
    UsOffset,
    /// `1714557600`, seconds since the epoch.
    EpochSeconds,
}

impl TimestampFormat {
    /// Every format, in the order the drafter tries them.
    pub const ALL: [TimestampFormat; 5] = [
        TimestampFormat::IsoSpace,
        TimestampFormat::IsoZulu,
        TimestampFormat::IsoOffset,
        TimestampFormat::UsOffset,
        TimestampFormat::EpochSeconds,
    ];

    /// The `strptime` pattern, for the formats that have one.
    pub fn strptime(self) -> Option<&'static str> {
        match self {
            TimestampFormat::IsoSpace => Some("%Y-%m-%d %H:%M:%S"),
            TimestampFormat::IsoZulu => Some("%Y-%m-%dT%H:%M:%SZ"),
            TimestampFormat::IsoOffset => Some("%Y-%m-%dT%H:%M:%S%z"),
            TimestampFormat::UsOffset => Some("%m/%d/%Y %H:%M:%S %z"),
            TimestampFormat::EpochSeconds => None,
        }
    }

    /// Whether the pattern carries a zone offset (`%z`).
    pub fn has_offset(self) -> bool {
        matches!(self, TimestampFormat::IsoOffset | TimestampFormat::UsOffset)
    }

    /// The format of `text`, if it is a timestamp Hallmark reads.
    pub fn of(text: &str) -> Option<TimestampFormat> {
        let t = text.trim();
        if t.len() >= 9 && t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
            // Seconds between 1973-03 and 2286: plausible event times, not ids.
            return Some(TimestampFormat::EpochSeconds);
        }
        TimestampFormat::ALL.into_iter().find(|f| match f.strptime() {
            Some(p) if f.has_offset() => DateTime::parse_from_str(t, p).is_ok(),
            Some(p) => NaiveDateTime::parse_from_str(t, p).is_ok(),
            None => false,
        })
    }
}

/// What the values of a column are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers.
    Integer,
    /// Money or other decimals, possibly with currency symbols, codes or thousands
    /// separators; `currency` when any value carried a symbol or code.
    Decimal {
        /// A currency symbol or code was seen.
        currency: bool,
    },
    /// Points in time, in these spellings.
    Timestamp(Vec<TimestampFormat>),
    /// Email addresses.
    Email,
    /// Countries, as names or codes; normalized to ISO 3166-1 alpha-2.
    Country,
    /// ISO 4217 currency codes.
    CurrencyCode,
    /// A short list of labels (statuses, types): normalized to lower case.
    Category,
    /// Anything else: kept as trimmed text.
    Text,
}

/// The verdict on one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    /// What the values are.
    pub kind: Kind,
    /// The silver type (`varchar`, `bigint`, `decimal(18,2)`, `timestamp`).
    pub silver_type: &'static str,
    /// Tags for the spec, so standards that select by tag find the column.
    pub tags: Vec<&'static str>,
}

/// How many of the sampled values must fit a kind for it to be chosen: bronze is
/// messy, and a few stray values become NULL in silver (and are counted) rather than
/// keeping the whole column as text.
pub const MIN_SHARE: f64 = 0.95;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$").unwrap());
static DECIMAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^-?\s*[$€£¥]?\s*-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*[A-Za-z]{3})?$").unwrap()
});
static INTEGER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^-?\d{1,18}$").unwrap());

/// ISO 4217 codes the inference recognizes.
pub const CURRENCY_CODES: &[&str] = &[
    "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "CNY", "INR",
    "BRL", "MXN", "ZAR", "SGD", "HKD", "KRW", "TRY",
];

/// Country names and codes, each with its ISO 3166-1 alpha-2 code. Matching is case-
/// and space-insensitive; `UK` is accepted for `GB` as exports often write it.
pub const COUNTRIES: &[(&str, &[&str])] = &[
    ("US", &["US", "USA", "United States", "United States of America"]),
    ("GB", &["GB", "UK", "United Kingdom", "Great Britain"]),
    ("DE", &["DE", "Germany", "Deutschland"]),
    ("FR", &["FR", "France"]),
    ("NL", &["NL", "Netherlands", "The Netherlands", "Holland"]),
    ("ES", &["ES", "Spain", "España"]),
    ("IT", &["IT", "Italy", "Italia"]),
    ("BE", &["BE", "Belgium"]),
    ("AT", &["AT", "Austria"]),
    ("CH", &["CH", "Switzerland"]),
    ("IE", &["IE", "Ireland"]),
    ("PT", &["PT", "Portugal"]),
    ("PL", &["PL", "Poland"]),
    ("SE", &["SE", "Sweden"]),
    ("NO", &["NO", "Norway"]),
    ("DK", &["DK", "Denmark"]),
    ("FI", &["FI", "Finland"]),
    ("CA", &["CA", "Canada"]),
    ("MX", &["MX", "Mexico"]),
    ("BR", &["BR", "Brazil"]),
    ("AU", &["AU", "Australia"]),
    ("NZ", &["NZ", "New Zealand"]),
    ("JP", &["JP", "Japan"]),
    ("CN", &["CN", "China"]),
    ("IN", &["IN", "India"]),
];

/// The alpha-2 code of a country name or code, if known.
pub fn country_code(text: &str) -> Option<&'static str> {
    let t = text.trim();
    COUNTRIES
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(t)))
        .map(|(code, _)| *code)
}

/// At most this many distinct values make a text column a category.
const MAX_CATEGORIES: usize = 20;

/// Infers a column from its name, its sampled non-null values and its distinct count
/// over the whole table.
pub fn infer(name: &str, values: &[&str], distinct: u64) -> Inferred {
    let values: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    let share = |ok: &dyn Fn(&str) -> bool| -> f64 {
        if values.is_empty() {
            0.0
        } else {
            values.iter().filter(|v| ok(v)).count() as f64 / values.len() as f64
        }
    };
    let lname = name.to_ascii_lowercase();
    let timey = ["date", "time", "_at", " at", "ts", "updated", "created"]
        .iter()
        .any(|w| lname.contains(w));

    let kind = if values.is_empty() {
        Kind::Text
    } else if share(&|v| TimestampFormat::of(v).is_some_and(|f| f != TimestampFormat::EpochSeconds || timey))
        >= MIN_SHARE
    {
        let mut formats: Vec<TimestampFormat> = values.iter().filter_map(|v| TimestampFormat::of(v)).collect();
        formats.sort();
        formats.dedup();
        Kind::Timestamp(formats)
    } else if share(&|v| INTEGER.is_match(v)) >= MIN_SHARE {
        Kind::Integer
    } else if share(&|v| DECIMAL.is_match(v)) >= MIN_SHARE {
        let currency = values
            .iter()
            .filter(|v| DECIMAL.is_match(v))
            .any(|v| v.contains(['$', '€', '£', '¥']) || v.ends_with(|c: char| c.is_ascii_alphabetic()));
        Kind::Decimal { currency }
    } else if share(&|v| EMAIL.is_match(v)) >= MIN_SHARE {
        Kind::Email
    } else if share(&|v| country_code(v).is_some()) >= MIN_SHARE {
        Kind::Country
    } else if share(&|v| CURRENCY_CODES.iter().any(|c| c.eq_ignore_ascii_case(v))) >= MIN_SHARE {
        Kind::CurrencyCode
    } else if distinct as usize <= MAX_CATEGORIES && values.len() > MAX_CATEGORIES {
        Kind::Category
    } else {
        Kind::Text
    };

    let (silver_type, mut tags): (&'static str, Vec<&'static str>) = match &kind {
        Kind::Integer => ("bigint", vec![]),
        Kind::Decimal { currency: true } => ("decimal(18,2)", vec!["currency"]),
        Kind::Decimal { currency: false } => ("decimal(18,2)", vec![]),
        Kind::Timestamp(_) => ("timestamp", vec!["event_time"]),
        Kind::Email => ("varchar", vec!["email", "pii"]),
        Kind::Country => ("varchar", vec!["country"]),
        Kind::CurrencyCode => ("varchar", vec!["currency_code"]),
        Kind::Category => ("varchar", vec!["category"]),
        Kind::Text => ("varchar", vec![]),
    };
    if (lname.contains("status") || lname.contains("state")) && kind == Kind::Category {
        tags.push("status");
    }
    if ["name", "phone", "address", "birth"].iter().any(|w| lname.contains(w)) && kind == Kind::Text {
        tags.push("pii");
    }
    Inferred {
        kind,
        silver_type,
        tags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_spelling_are_found() {
        let v = [
            "2024-05-01 10:00:00",
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00+02:00",
            "05/01/2024 10:00:00 -0500",
            "1714557600",
        ];
        let i = infer("Order Date", &v, 5);
        assert_eq!(i.kind, Kind::Timestamp(TimestampFormat::ALL.to_vec()));
        assert_eq!(i.silver_type, "timestamp");
        assert_eq!(i.tags, ["event_time"]);
        // Ten-digit numbers in a column that is not about time are ids, not epochs.
        assert_eq!(infer("account", &["1714557600", "1714557601"], 2).kind, Kind::Integer);
    }

    #[test]
    fn amounts_with_symbols_and_codes_are_money() {
        let v = ["1392.32 GBP", "$1,847.26", "€ 12.00", "-5.00", "10.50"];
        let i = infer("Amount", &v, 5);
        assert_eq!(i.kind, Kind::Decimal { currency: true });
        assert_eq!(i.silver_type, "decimal(18,2)");
        assert_eq!(i.tags, ["currency"]);
    }

    #[test]
    fn emails_countries_codes_and_categories() {
        assert_eq!(
            infer("E-mail", &["A.B@Example.COM", " c@d.org "], 2).tags,
            ["email", "pii"]
        );
        assert_eq!(
            infer("Ship Country", &["US", "United States", "uk", "Deutschland"], 4).kind,
            Kind::Country
        );
        assert_eq!(country_code(" united states of america "), Some("US"));
        assert_eq!(country_code("UK"), Some("GB"));
        assert_eq!(infer("Currency", &["usd", "EUR ", "GBP"], 3).kind, Kind::CurrencyCode);
        let statuses: Vec<&str> = ["shipped", "Shipped", "pending"].repeat(10);
        let i = infer("Status", &statuses, 3);
        assert_eq!(i.kind, Kind::Category);
        assert!(i.tags.contains(&"status"));
    }

    #[test]
    fn a_few_stray_values_do_not_keep_a_column_text() {
        let mut v = vec!["10.00"; 99];
        v.push("n/a");
        assert_eq!(infer("price", &v, 2).kind, Kind::Decimal { currency: false });
        let prices: Vec<String> = (0..90).map(|i| format!("{i}.50")).collect();
        let mut v: Vec<&str> = prices.iter().map(String::as_str).collect();
        v.extend(["n/a"; 10]);
        assert_eq!(infer("price", &v, 91).kind, Kind::Text);
    }

    #[test]
    fn empty_columns_are_text() {
        assert_eq!(infer("x", &["", "  "], 0).kind, Kind::Text);
    }
}
