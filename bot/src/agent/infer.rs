//! What a bronze column holds, read from its text values: the type it should have in
//! silver and the tags the standards select on. Bronze arrives as text (CSV exports,
//! loosely typed tables), so inference looks at the values, not at the declared type.
//!
//! The rules drafter turns an [`Inferred`] into SQL; the profile shows it to people and
//! to the LLM drafter. Everything here is pure: the values come from the profile query.

use super::numbers::number_style;
use super::units::{unit_of, Family};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use regex::Regex;
use std::sync::LazyLock;

/// A timestamp spelling seen in bronze, in the order the drafter tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimestampFormat {
    /// `2024-05-01 10:00:00`, taken as UTC.
    IsoSpace,
    /// `2024-05-01 10:00`, taken as UTC.
    IsoSpaceMinutes,
    /// `2024-05-01T10:00:00Z`.
    IsoZulu,
    /// `2024-05-01T10:00:00+02:00`.
    IsoOffset,
    /// `2024-05-01T10:00:00`, taken as UTC.
    IsoLocal,
    /// `2024-05-01`, midnight UTC.
    IsoDate,
    /// `2024-05-01 10:00:00.123`, fractions of a second (database exports), as UTC.
    IsoSpaceFraction,
    /// `2024-05-01T10:00:00.123Z` (JSON and API payloads).
    IsoZuluFraction,
    /// `2024-05-01T10:00:00.123+02:00`.
    IsoOffsetFraction,
    /// `2024-05-01T10:00:00.123`, taken as UTC.
    IsoLocalFraction,
    /// `2024/05/01 10:00:00`, year first with slashes (East Asian systems, some ERPs).
    SlashedIso,
    /// `2024/05/01`.
    SlashedIsoDate,
    /// `05/01/2024 10:00:00 -0500` (month first, US style).
    UsOffset,
    /// `05/01/2024 10:00:00`, month first.
    MonthFirst,
    /// `05/01/2024 10:00`, month first.
    MonthFirstMinutes,
    /// `05/01/2024`, month first.
    MonthFirstDate,
    /// `5/1/24 10:00`, month first with a two-digit year (a spreadsheet's default).
    MonthFirstShortYearMinutes,
    /// `5/1/24`.
    MonthFirstShortYear,
    /// `01/05/2024 10:00:00`, day first.
    DayFirst,
    /// `01/05/2024 10:00`, day first.
    DayFirstMinutes,
    /// `01/05/2024`, day first.
    DayFirstDate,
    /// `01/05/24`, day first with a two-digit year.
    DayFirstShortYear,
    /// `01.05.2024 10:00`, day first with dots.
    DottedMinutes,
    /// `01.05.2024`, day first with dots.
    DottedDate,
    /// `01.05.24`.
    DottedShortYear,
    /// `5 Sep 2023 14:05`, the month by its (English) name.
    MonthNameMinutes,
    /// `5 Sep 2023`.
    MonthNameDate,
    /// `Sep 5, 2023`, as US prose writes it.
    MonthNameFirstDate,
    /// `05-SEP-2023`.
    DashedMonthNameDate,
    /// `05-SEP-23`, as Oracle writes a date by default.
    DashedMonthNameShortYear,
    /// `09/05/2023 6:57 PM`, month first on a 12-hour clock.
    MonthFirstTwelveHour,
    /// `09/05/2023 6:57:12 PM`.
    MonthFirstTwelveHourSeconds,
    /// `1714557600`, seconds since the epoch.
    EpochSeconds,
    /// `1714557600123`, milliseconds since the epoch.
    EpochMillis,
    /// `45123.5`, days since 1899-12-30 as spreadsheets store date-times.
    ExcelSerial,
    /// `20240531`, a date as eight digits (ERP and mainframe exports).
    CompactDate,
}

/// True when `t` has a run of exactly four digits (a year written in full).
pub fn has_four_digit_run(t: &str) -> bool {
    t.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 4)
}

/// Spreadsheet serial days of 1990-01-01 and 2050-01-01: the window in which a number
/// in a date-named column is read as a date.
const EXCEL_1990: u32 = 32_874;
/// See [`EXCEL_1990`].
const EXCEL_2050: u32 = 54_789;

/// Whether a slashed date reads day first or month first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlashOrder {
    DayFirst,
    MonthFirst,
}

impl SlashOrder {
    fn other(self) -> SlashOrder {
        match self {
            SlashOrder::DayFirst => SlashOrder::MonthFirst,
            SlashOrder::MonthFirst => SlashOrder::DayFirst,
        }
    }
}

impl TimestampFormat {
    /// Every format, in the order the drafter tries them.
    pub const ALL: [TimestampFormat; 36] = [
        TimestampFormat::IsoSpace,
        TimestampFormat::IsoSpaceMinutes,
        TimestampFormat::IsoZulu,
        TimestampFormat::IsoOffset,
        TimestampFormat::IsoLocal,
        TimestampFormat::IsoDate,
        TimestampFormat::IsoSpaceFraction,
        TimestampFormat::IsoZuluFraction,
        TimestampFormat::IsoOffsetFraction,
        TimestampFormat::IsoLocalFraction,
        TimestampFormat::SlashedIso,
        TimestampFormat::SlashedIsoDate,
        TimestampFormat::UsOffset,
        TimestampFormat::MonthFirst,
        TimestampFormat::MonthFirstMinutes,
        TimestampFormat::MonthFirstDate,
        TimestampFormat::MonthFirstShortYearMinutes,
        TimestampFormat::MonthFirstShortYear,
        TimestampFormat::DayFirst,
        TimestampFormat::DayFirstMinutes,
        TimestampFormat::DayFirstDate,
        TimestampFormat::DayFirstShortYear,
        TimestampFormat::DottedMinutes,
        TimestampFormat::DottedDate,
        TimestampFormat::DottedShortYear,
        TimestampFormat::MonthNameMinutes,
        TimestampFormat::MonthNameDate,
        TimestampFormat::MonthNameFirstDate,
        TimestampFormat::DashedMonthNameDate,
        TimestampFormat::DashedMonthNameShortYear,
        TimestampFormat::MonthFirstTwelveHour,
        TimestampFormat::MonthFirstTwelveHourSeconds,
        TimestampFormat::EpochSeconds,
        TimestampFormat::EpochMillis,
        TimestampFormat::ExcelSerial,
        TimestampFormat::CompactDate,
    ];

    /// The `strptime` pattern, for the formats that have one.
    pub fn strptime(self) -> Option<&'static str> {
        match self {
            TimestampFormat::IsoSpace => Some("%Y-%m-%d %H:%M:%S"),
            TimestampFormat::IsoSpaceMinutes => Some("%Y-%m-%d %H:%M"),
            TimestampFormat::IsoZulu => Some("%Y-%m-%dT%H:%M:%SZ"),
            TimestampFormat::IsoOffset => Some("%Y-%m-%dT%H:%M:%S%z"),
            TimestampFormat::IsoLocal => Some("%Y-%m-%dT%H:%M:%S"),
            TimestampFormat::IsoDate => Some("%Y-%m-%d"),
            TimestampFormat::IsoSpaceFraction => Some("%Y-%m-%d %H:%M:%S%.f"),
            TimestampFormat::IsoZuluFraction => Some("%Y-%m-%dT%H:%M:%S%.fZ"),
            TimestampFormat::IsoOffsetFraction => Some("%Y-%m-%dT%H:%M:%S%.f%z"),
            TimestampFormat::IsoLocalFraction => Some("%Y-%m-%dT%H:%M:%S%.f"),
            TimestampFormat::SlashedIso => Some("%Y/%m/%d %H:%M:%S"),
            TimestampFormat::SlashedIsoDate => Some("%Y/%m/%d"),
            TimestampFormat::UsOffset => Some("%m/%d/%Y %H:%M:%S %z"),
            TimestampFormat::MonthFirst => Some("%m/%d/%Y %H:%M:%S"),
            TimestampFormat::MonthFirstMinutes => Some("%m/%d/%Y %H:%M"),
            TimestampFormat::MonthFirstDate => Some("%m/%d/%Y"),
            TimestampFormat::MonthFirstShortYearMinutes => Some("%m/%d/%y %H:%M"),
            TimestampFormat::MonthFirstShortYear => Some("%m/%d/%y"),
            TimestampFormat::DayFirst => Some("%d/%m/%Y %H:%M:%S"),
            TimestampFormat::DayFirstMinutes => Some("%d/%m/%Y %H:%M"),
            TimestampFormat::DayFirstDate => Some("%d/%m/%Y"),
            TimestampFormat::DayFirstShortYear => Some("%d/%m/%y"),
            TimestampFormat::DottedMinutes => Some("%d.%m.%Y %H:%M"),
            TimestampFormat::DottedDate => Some("%d.%m.%Y"),
            TimestampFormat::DottedShortYear => Some("%d.%m.%y"),
            TimestampFormat::MonthNameMinutes => Some("%d %b %Y %H:%M"),
            TimestampFormat::MonthNameDate => Some("%d %b %Y"),
            TimestampFormat::MonthNameFirstDate => Some("%b %d, %Y"),
            TimestampFormat::DashedMonthNameDate => Some("%d-%b-%Y"),
            TimestampFormat::DashedMonthNameShortYear => Some("%d-%b-%y"),
            TimestampFormat::MonthFirstTwelveHour => Some("%m/%d/%Y %I:%M %p"),
            TimestampFormat::MonthFirstTwelveHourSeconds => Some("%m/%d/%Y %I:%M:%S %p"),
            TimestampFormat::CompactDate => Some("%Y%m%d"),
            TimestampFormat::EpochSeconds | TimestampFormat::EpochMillis | TimestampFormat::ExcelSerial => None,
        }
    }

    /// Whether the pattern carries a zone offset (`%z`).
    pub fn has_offset(self) -> bool {
        matches!(
            self,
            TimestampFormat::IsoOffset | TimestampFormat::UsOffset | TimestampFormat::IsoOffsetFraction
        )
    }

    /// Whether the year has two digits: read as 1930..=2029, the window spreadsheets
    /// read them in (they wrote most such dates).
    pub fn two_digit_year(self) -> bool {
        self.strptime().is_some_and(|p| p.contains("%y"))
    }

    /// Whether the pattern has only a date.
    fn date_only(self) -> bool {
        matches!(
            self,
            TimestampFormat::IsoDate
                | TimestampFormat::MonthFirstDate
                | TimestampFormat::DayFirstDate
                | TimestampFormat::DottedDate
                | TimestampFormat::MonthNameDate
                | TimestampFormat::MonthNameFirstDate
                | TimestampFormat::CompactDate
                | TimestampFormat::SlashedIsoDate
                | TimestampFormat::MonthFirstShortYear
                | TimestampFormat::DayFirstShortYear
                | TimestampFormat::DottedShortYear
                | TimestampFormat::DashedMonthNameDate
                | TimestampFormat::DashedMonthNameShortYear
        )
    }

    /// Whether it counts from a point in time rather than spelling a date.
    pub fn is_epoch(self) -> bool {
        matches!(
            self,
            TimestampFormat::EpochSeconds | TimestampFormat::EpochMillis | TimestampFormat::ExcelSerial
        )
    }

    /// The slash order a format assumes, for the slashed ones.
    fn slash_order(self) -> Option<SlashOrder> {
        match self {
            TimestampFormat::UsOffset
            | TimestampFormat::MonthFirst
            | TimestampFormat::MonthFirstMinutes
            | TimestampFormat::MonthFirstDate
            | TimestampFormat::MonthFirstTwelveHour
            | TimestampFormat::MonthFirstTwelveHourSeconds
            | TimestampFormat::MonthFirstShortYearMinutes
            | TimestampFormat::MonthFirstShortYear => Some(SlashOrder::MonthFirst),
            TimestampFormat::DayFirst
            | TimestampFormat::DayFirstMinutes
            | TimestampFormat::DayFirstDate
            | TimestampFormat::DayFirstShortYear => Some(SlashOrder::DayFirst),
            _ => None,
        }
    }

    /// How a value of this format looks, for people reading the plan (the 31st of
    /// May shows which field is the day).
    pub fn example(self) -> &'static str {
        match self {
            TimestampFormat::IsoSpace => "2024-05-31 10:00:00",
            TimestampFormat::IsoSpaceMinutes => "2024-05-31 10:00",
            TimestampFormat::IsoZulu => "2024-05-31T10:00:00Z",
            TimestampFormat::IsoOffset => "2024-05-31T10:00:00+02:00",
            TimestampFormat::IsoLocal => "2024-05-31T10:00:00",
            TimestampFormat::IsoDate => "2024-05-31",
            TimestampFormat::IsoSpaceFraction => "2024-05-31 10:00:00.123",
            TimestampFormat::IsoZuluFraction => "2024-05-31T10:00:00.123Z",
            TimestampFormat::IsoOffsetFraction => "2024-05-31T10:00:00.123+02:00",
            TimestampFormat::IsoLocalFraction => "2024-05-31T10:00:00.123",
            TimestampFormat::SlashedIso => "2024/05/31 10:00:00",
            TimestampFormat::SlashedIsoDate => "2024/05/31",
            TimestampFormat::UsOffset => "05/31/2024 10:00:00 -0500",
            TimestampFormat::MonthFirst => "05/31/2024 10:00:00",
            TimestampFormat::MonthFirstMinutes => "05/31/2024 10:00",
            TimestampFormat::MonthFirstDate => "05/31/2024",
            TimestampFormat::MonthFirstShortYearMinutes => "5/31/24 10:00",
            TimestampFormat::MonthFirstShortYear => "5/31/24",
            TimestampFormat::DayFirst => "31/05/2024 10:00:00",
            TimestampFormat::DayFirstMinutes => "31/05/2024 10:00",
            TimestampFormat::DayFirstDate => "31/05/2024",
            TimestampFormat::DayFirstShortYear => "31/05/24",
            TimestampFormat::DottedMinutes => "31.05.2024 10:00",
            TimestampFormat::DottedDate => "31.05.2024",
            TimestampFormat::DottedShortYear => "31.05.24",
            TimestampFormat::MonthNameMinutes => "31 May 2024 10:00",
            TimestampFormat::MonthNameDate => "31 May 2024",
            TimestampFormat::MonthNameFirstDate => "May 31, 2024",
            TimestampFormat::DashedMonthNameDate => "31-MAY-2024",
            TimestampFormat::DashedMonthNameShortYear => "31-MAY-24",
            TimestampFormat::MonthFirstTwelveHour => "05/31/2024 10:00 AM",
            TimestampFormat::MonthFirstTwelveHourSeconds => "05/31/2024 10:00:00 AM",
            TimestampFormat::EpochSeconds => "epoch seconds",
            TimestampFormat::EpochMillis => "epoch milliseconds",
            TimestampFormat::ExcelSerial => "spreadsheet serial days",
            TimestampFormat::CompactDate => "20240531",
        }
    }

    /// True when `t` (trimmed) is a timestamp of this format.
    fn parses(self, t: &str) -> bool {
        let digits = t.bytes().all(|b| b.is_ascii_digit());
        match self {
            // Seconds between 1973-03 and 2286, and milliseconds of the same span:
            // plausible event times, not ids (the caller also asks the name).
            TimestampFormat::EpochSeconds => (9..=10).contains(&t.len()) && digits,
            TimestampFormat::EpochMillis => (12..=13).contains(&t.len()) && digits,
            // 1990-01-01 ..= 2049-12-31, whole days or with a fraction of one.
            TimestampFormat::ExcelSerial => {
                let (whole, fraction) = t.split_once('.').unwrap_or((t, "0"));
                whole.len() == 5
                    && whole.bytes().all(|b| b.is_ascii_digit())
                    && !fraction.is_empty()
                    && fraction.bytes().all(|b| b.is_ascii_digit())
                    && whole
                        .parse::<u32>()
                        .is_ok_and(|d| (EXCEL_1990..EXCEL_2050).contains(&d))
            }
            TimestampFormat::CompactDate => {
                t.len() == 8
                    && digits
                    && (t.starts_with("19") || t.starts_with("20"))
                    && NaiveDate::parse_from_str(t, "%Y%m%d").is_ok()
            }
            // A four-digit year is written with four digits (`%Y` also reads `24` as
            // the year 24), and a fraction of a second is there (`%.f` reads none too).
            f if f.strptime().is_some_and(|p| p.contains("%Y")) && !has_four_digit_run(t) => false,
            f if f.strptime().is_some_and(|p| p.contains("%.f")) && !t.contains('.') => false,
            f => match f.strptime() {
                Some(p) if f.has_offset() => DateTime::parse_from_str(t, p).is_ok(),
                Some(p) if f.date_only() => NaiveDate::parse_from_str(t, p).is_ok(),
                Some(p) => NaiveDateTime::parse_from_str(t, p).is_ok(),
                None => false,
            },
        }
    }

    /// Every format `text` could be: a slashed date with both fields up to 12 is
    /// both day first and month first.
    pub fn candidates(text: &str) -> Vec<TimestampFormat> {
        let t = text.trim();
        TimestampFormat::ALL.into_iter().filter(|f| f.parses(t)).collect()
    }

    /// The first format `text` is, for one value alone, with no column to decide.
    pub fn of(text: &str) -> Option<TimestampFormat> {
        Self::candidates(text).into_iter().next()
    }
}

/// The formats of a column of timestamps, decided over all its values: which slash
/// order (a value with 13..31 in the first field is day first, in the second field
/// month first), and the doubt when no value decides. Returns the share of values
/// that are timestamps, the formats, and the doubt.
fn timestamp_formats(
    values: &[&str],
    allowed: &dyn Fn(TimestampFormat) -> bool,
) -> (f64, Vec<TimestampFormat>, Option<String>) {
    let per_value: Vec<Vec<TimestampFormat>> = values
        .iter()
        .map(|v| {
            TimestampFormat::candidates(v)
                .into_iter()
                .filter(|f| allowed(*f))
                .collect()
        })
        .collect();
    let only = |order: SlashOrder| {
        per_value.iter().any(|c| {
            c.iter().any(|f| f.slash_order() == Some(order)) && c.iter().all(|f| f.slash_order() != Some(order.other()))
        })
    };
    let slashed = per_value.iter().any(|c| c.iter().any(|f| f.slash_order().is_some()));
    let (order, doubt) = match (only(SlashOrder::DayFirst), only(SlashOrder::MonthFirst)) {
        (true, false) => (Some(SlashOrder::DayFirst), None),
        (false, true) => (Some(SlashOrder::MonthFirst), None),
        (true, true) => (
            None,
            Some("dates are written both day first and month first; slashed dates are left NULL".to_string()),
        ),
        (false, false) if slashed => (
            Some(SlashOrder::MonthFirst),
            Some(
                "no slashed date has a day above 12, so nothing tells day first from month first; read month first (US)"
                    .to_string(),
            ),
        ),
        (false, false) => (None, None),
    };
    let keep = |f: &TimestampFormat| match (f.slash_order(), order) {
        (None, _) => true,
        (Some(o), Some(decided)) => o == decided,
        (Some(_), None) => false,
    };
    let mut formats: Vec<TimestampFormat> = Vec::new();
    let mut parsed = 0;
    for c in &per_value {
        if let Some(f) = c.iter().copied().find(keep) {
            parsed += 1;
            formats.push(f);
        }
    }
    formats.sort();
    formats.dedup();
    let share = if values.is_empty() {
        0.0
    } else {
        parsed as f64 / values.len() as f64
    };
    (share, formats, doubt)
}

/// What the values of a column are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers, possibly with thousands separators.
    Integer,
    /// Money or other decimals, with the column's separators, currency symbols or
    /// codes and units; `currency` when any value carried a symbol or code.
    Decimal {
        /// A currency symbol or code was seen.
        currency: bool,
        /// The decimal separator, `.` or `,`.
        decimal: char,
        /// Scale suffixes (`52k`, `1.2M`) multiply the values.
        scaled: bool,
    },
    /// Percentages (`12.5%`), kept as percent points.
    Percent {
        /// The decimal separator, `.` or `,`.
        decimal: char,
    },
    /// Yes/no values in any spelling (`yes`, `Y`, `true`, `1`).
    Boolean,
    /// Points in time, in these spellings.
    Timestamp(Vec<TimestampFormat>),
    /// Identifiers of digits whose leading zeros matter (`00417`): where a
    /// spreadsheet stripped them (`417`), they are put back to the column's width.
    Code {
        /// The width every zero-led value has.
        width: usize,
    },
    /// Email addresses, bare or inside a display name (`Jane Doe <jane@x.org>`).
    Email,
    /// Phone numbers in any spelling, written as E.164 (`+442079460958`); national
    /// numbers take the country code most of the column's numbers carry.
    Phone {
        /// The calling code of national numbers (`44`).
        calling_code: String,
    },
    /// People's names, some written `Last, First`: turned to `First Last`.
    PersonName,
    /// Units of measure of one family (`°C`, `degF`, `lbs`), beside a measure: written
    /// as their symbols, and the measure converted to one unit.
    UnitOfMeasure {
        /// What the units measure.
        family: Family,
    },
    /// JSON objects: kept as text, and each field (nested objects one level down)
    /// flattened into a typed column of its own.
    Json {
        /// The fields seen in the values, in the order first seen.
        fields: Vec<JsonField>,
    },
    /// Countries, as names or codes; normalized to ISO 3166-1 alpha-2.
    Country,
    /// ISO 4217 currency codes.
    CurrencyCode,
    /// A short list of labels (statuses, types): normalized to lower case.
    Category,
    /// Anything else: kept as trimmed text.
    Text,
}

/// One field of a JSON column, and the type its values share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonField {
    /// The keys from the top (`["user", "plan"]`).
    pub path: Vec<String>,
    /// The SQL type its values share: `bigint`, `double`, `boolean` or `varchar`
    /// (strings, arrays, or values of mixed kinds, as text).
    pub type_name: &'static str,
}

/// At most this many fields of a JSON column become columns.
pub const MAX_JSON_FIELDS: usize = 40;

/// The fields of the JSON objects among `values`, or `None` when none is one. Keys
/// other than letters, digits, `_`, `-` and spaces are left out (they would have to
/// be quoted into paths and names); so are the fields beyond [`MAX_JSON_FIELDS`].
fn json_fields(values: &[&str]) -> Option<Vec<JsonField>> {
    use serde_json::Value;
    let key_ok =
        |k: &str| !k.is_empty() && k.len() <= 64 && k.chars().all(|c| c.is_alphanumeric() || "_- ".contains(c));
    let mut seen: Vec<(Vec<String>, Vec<Value>)> = Vec::new();
    let mut any = false;
    for v in values {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(v) else {
            continue;
        };
        any = true;
        let mut stack: Vec<(Vec<String>, serde_json::Map<String, Value>)> = vec![(Vec::new(), map)];
        while let Some((prefix, map)) = stack.pop() {
            for (k, value) in map {
                if !key_ok(&k) {
                    continue;
                }
                let mut path = prefix.clone();
                path.push(k);
                match value {
                    Value::Object(inner) if prefix.is_empty() => stack.push((path, inner)),
                    value => match seen.iter().position(|(p, _)| *p == path) {
                        Some(i) => seen[i].1.push(value),
                        None if seen.len() < MAX_JSON_FIELDS => seen.push((path, vec![value])),
                        None => {}
                    },
                }
            }
        }
    }
    if !any {
        return None;
    }
    Some(
        seen.into_iter()
            .map(|(path, vs)| {
                let present: Vec<&Value> = vs.iter().filter(|v| !v.is_null()).collect();
                let all = |f: &dyn Fn(&Value) -> bool| !present.is_empty() && present.iter().all(|v| f(v));
                let type_name = if all(&|v| v.is_i64() || v.is_u64()) {
                    "bigint"
                } else if all(&Value::is_number) {
                    "double"
                } else if all(&Value::is_boolean) {
                    "boolean"
                } else {
                    "varchar"
                };
                JsonField { path, type_name }
            })
            .collect(),
    )
}

impl Kind {
    /// What the reading is, in a few words, for the plan and the profile.
    pub fn label(&self) -> String {
        match self {
            Kind::Integer => "whole number".into(),
            Kind::Decimal {
                currency,
                decimal,
                scaled,
            } => format!(
                "{}{}{}",
                if *currency { "money" } else { "decimal number" },
                if *decimal == ',' { " with a decimal comma" } else { "" },
                if *scaled { ", k/M/bn multiplied" } else { "" }
            ),
            Kind::Percent { decimal } => format!(
                "percentage{}",
                if *decimal == ',' { " with a decimal comma" } else { "" }
            ),
            Kind::Boolean => "yes/no".into(),
            Kind::Timestamp(formats) => format!(
                "timestamp ({})",
                formats.iter().map(|f| f.example()).collect::<Vec<_>>().join(" | ")
            ),
            Kind::Code { width } => format!("code of {width} digits, leading zeros restored"),
            Kind::Email => "e-mail address".into(),
            Kind::Phone { calling_code } => format!("phone number as E.164, +{calling_code} for national numbers"),
            Kind::PersonName => "person's name, `Last, First` turned to `First Last`".into(),
            Kind::UnitOfMeasure { family } => format!("unit of {}", format!("{family:?}").to_lowercase()),
            Kind::Json { fields } => format!(
                "JSON object, its {} field{} flattened into columns",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            ),
            Kind::Country => "country, as ISO 3166-1 alpha-2".into(),
            Kind::CurrencyCode => "currency code".into(),
            Kind::Category => "label, lower case".into(),
            Kind::Text => "text, trimmed".into(),
        }
    }
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
    /// What the values left undecided, for the plan (`1,234` could be either).
    pub doubt: Option<String>,
}

/// How many of the sampled values must fit a kind for it to be chosen: bronze is
/// messy, and a few stray values become NULL in silver (and are counted) rather than
/// keeping the whole column as text.
pub const MIN_SHARE: f64 = 0.95;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$").unwrap());

/// An address inside a display name, as mail clients and CRMs export it:
/// `Jane Doe <jane@example.org>`, `"Doe, Jane" <jane@example.org>`.
pub const DISPLAY_NAME_EMAIL: &str = r"^[^<>]*<\s*([^<>@\s]+@[^<>@\s]+\.[A-Za-z]{2,})\s*>$";
static DISPLAY_EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(DISPLAY_NAME_EMAIL).unwrap());

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
pub const MAX_CATEGORIES: usize = 20;

/// The words of a column name, lower case: `Delivered On`, `delivered_on` and
/// `deliveredOn` are all `delivered`, `on`.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Spellings of true and of false, lower case: English, and the yes/no of the
/// languages exports are most often written in (Spanish, German, French, Portuguese,
/// Italian, Dutch).
pub const TRUE_WORDS: &[&str] = &[
    "true",
    "t",
    "yes",
    "y",
    "1",
    "sí",
    "si",
    "ja",
    "oui",
    "vrai",
    "wahr",
    "sim",
    "verdadero",
    "vero",
];
/// See [`TRUE_WORDS`].
pub const FALSE_WORDS: &[&str] = &[
    "false", "f", "no", "n", "0", "nein", "non", "faux", "falsch", "não", "nao", "falso", "nee",
];

/// A person's name of letters, spaces, `'`, `.` and `-`, with at most one comma.
static PERSON_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\p{L}' .-]+(,\s*[\p{L}' .-]+)?$").unwrap());
/// `Last, First`.
static LAST_FIRST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\p{L}' .-]+,\s*[\p{L}' .-]+$").unwrap());
/// What follows a comma in a name without being a first name (`Smith, Jr.`, `Acme, Inc.`).
pub const NAME_SUFFIXES: &str = "(?i)(jr|sr|ii|iii|iv|inc|ltd|llc|gmbh|plc|phd|md|esq)\\.?";
static NAME_SUFFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^{NAME_SUFFIXES}$")).unwrap());

/// ITU calling codes (prefix-free, so the first that starts a number is its code).
const CALLING_CODES: &[&str] = &[
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
    "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
    "86", "90", "91", "92", "93", "94", "95", "98", "212", "213", "216", "234", "254", "255", "256", "351", "352",
    "353", "354", "355", "356", "357", "358", "359", "370", "371", "372", "380", "381", "385", "386", "420", "421",
    "852", "853", "880", "886", "961", "962", "965", "966", "971", "972", "974",
];

/// The shape of a phone number as people write it: digits, spaces, `()./-`, a
/// leading `+`, a `(0)` trunk hint.
pub const PHONE_SHAPE: &str = r"\+?[0-9(][0-9 ()./-]{5,24}";
static PHONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^{PHONE_SHAPE}$")).unwrap());

/// The digits of a phone number, with whether it was written internationally (`+` or
/// `00`), if the value is one: 7 to 15 digits in a phone's shape.
fn phone_digits(v: &str) -> Option<(String, bool)> {
    if !PHONE.is_match(v) {
        return None;
    }
    let without_trunk = v.replace("(0)", "");
    let digits: String = without_trunk.chars().filter(char::is_ascii_digit).collect();
    let international = v.starts_with('+') || digits.starts_with("00");
    let digits = if !v.starts_with('+') && digits.starts_with("00") {
        digits[2..].to_string()
    } else {
        digits
    };
    (7..=15).contains(&digits.len()).then_some((digits, international))
}

/// The calling code national numbers of a phone column take: the one most of its
/// international numbers carry, or North America's where no number carries one and
/// most are ten digits (with a doubt). `None` when nothing tells.
fn calling_code_of(values: &[&str]) -> Option<(String, Option<String>)> {
    let mut votes: Vec<(&str, usize)> = Vec::new();
    let mut ten_digits = 0;
    for (digits, international) in values.iter().filter_map(|v| phone_digits(v)) {
        if international {
            if let Some(code) = CALLING_CODES.iter().find(|c| digits.starts_with(*c)) {
                match votes.iter_mut().find(|(c, _)| c == code) {
                    Some(v) => v.1 += 1,
                    None => votes.push((code, 1)),
                }
            }
        } else if digits.len() == 10 && !digits.starts_with('0') {
            ten_digits += 1;
        }
    }
    votes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    match votes.as_slice() {
        [(code, _)] => Some((code.to_string(), None)),
        [(code, n), ..] => Some((
            code.to_string(),
            Some(format!(
                "numbers carry several country codes; national numbers take +{code}, which {n} of them carry"
            )),
        )),
        [] if ten_digits * 2 >= values.len() => Some((
            "1".to_string(),
            Some("no number carries a country code; ten-digit numbers are read as North American (+1)".into()),
        )),
        [] => None,
    }
}

/// The width of a column of digit strings whose leading zeros are part of the value:
/// some value starts with `0`, every such value has the same length, and none is
/// longer. `None` for anything else (numbers, mixed widths, letters).
fn zero_led_width(values: &[&str]) -> Option<usize> {
    let digits = |v: &&str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if !values.iter().all(digits) {
        return None;
    }
    let zero_led: Vec<usize> = values
        .iter()
        .filter(|v| v.len() > 1 && v.starts_with('0'))
        .map(|v| v.len())
        .collect();
    let width = *zero_led.first()?;
    let longest = values.iter().map(|v| v.len()).max()?;
    (zero_led.iter().all(|w| *w == width) && longest == width).then_some(width)
}

/// A reading of a column and the share of its sampled values it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The kind, type, tags and doubt of the reading.
    pub inferred: Inferred,
    /// The share of the sampled values (markers and blanks left out) it reads.
    pub share: f64,
}

/// A reading below this share of the sample is not worth measuring on every row.
pub const MIN_READING_SHARE: f64 = 0.3;

/// Infers a column from its name, its sampled non-null values and its distinct count
/// over the whole table: the first of its [`candidates`] that reads at least
/// [`MIN_SHARE`] of the values.
pub fn infer(name: &str, values: &[&str], distinct: u64) -> Inferred {
    candidates(name, values, distinct)
        .into_iter()
        .find(|c| c.share >= MIN_SHARE)
        .map(|c| c.inferred)
        .unwrap_or_else(|| inferred_of(Kind::Text, None, &name.to_ascii_lowercase()))
}

/// Every way the sampled `values` of column `name` could be read, in the order the
/// drafter prefers them (a stricter type first, text last), each with the share of
/// the values it reads. A value equal to the column's own name is a header row
/// repeated inside the data, not a value, and is left out; so are missing-value
/// markers, which say nothing of a column's kind.
pub fn candidates(name: &str, values: &[&str], distinct: u64) -> Vec<Candidate> {
    // Missing-value markers (`N/A`, `#N/A`, `-`) say nothing of the column's kind: a
    // column of numbers with a few `N/A` is numbers, and the markers become NULL.
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && *v != name.trim() && !hallmark_checks::guards::is_missing_marker(v))
        .collect();
    let share = |ok: &dyn Fn(&str) -> bool| -> f64 {
        if values.is_empty() {
            0.0
        } else {
            values.iter().filter(|v| ok(v)).count() as f64 / values.len() as f64
        }
    };
    let lname = name.to_ascii_lowercase();
    let words = name_words(name);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let id_like = [
        "id", "no", "number", "num", "code", "key", "account", "ref", "zip", "postal", "postcode", "sku", "serial",
    ]
    .iter()
    .any(|w| words.contains(w));
    let timey = [
        "date", "time", "ts", "updated", "created", "modified", "changed", "when", "at", "on",
    ]
    .iter()
    .any(|w| words.contains(w));
    // Epoch numbers are timestamps when the name says so, when the column also spells
    // dates, or when every one falls in 2000..2040 and the name is not an id's.
    let spelled_dates = values.iter().any(|v| {
        TimestampFormat::candidates(v)
            .iter()
            .any(|f| !f.is_epoch() && *f != TimestampFormat::CompactDate)
    });
    let epochs_plausible = !id_like
        && values.iter().all(|v| {
            v.parse::<i64>().is_ok_and(|n| {
                let secs = if v.len() >= 12 { n / 1000 } else { n };
                (946_684_800..2_208_988_800).contains(&secs)
            })
        });
    let epochs_allowed = timey || spelled_dates || epochs_plausible;
    // Spreadsheet serials only beside spelled dates, or under a name that says dates
    // (not a bare `time`, which durations have too).
    let date_named = [
        "date", "day", "updated", "created", "modified", "changed", "when", "at", "on",
    ]
    .iter()
    .any(|w| words.contains(w));
    let excel_allowed = spelled_dates || date_named;
    let phone_named = [
        "phone",
        "tel",
        "telephone",
        "mobile",
        "cell",
        "fax",
        "cellphone",
        "telefon",
        "telefono",
    ]
    .iter()
    .any(|w| words.contains(w));
    let person_named = words.contains(&"name")
        && ![
            "company",
            "business",
            "org",
            "organisation",
            "organization",
            "product",
            "file",
            "user",
            "host",
            "domain",
            "city",
            "street",
            "brand",
            "store",
            "shop",
            "item",
            "project",
            "team",
            "account",
        ]
        .iter()
        .any(|w| words.contains(w));
    let yes_no_name = matches!(words.first(), Some(&("is" | "has" | "was" | "can" | "should")))
        || words
            .iter()
            .any(|w| ["flag", "active", "enabled", "deleted", "removed", "paid", "returned"].contains(w));
    let lower_in = |v: &str, list: &[&str]| list.contains(&v.to_ascii_lowercase().as_str());
    let only_digits_01 = values.iter().all(|v| *v == "0" || *v == "1");

    let amount_named = [
        "salary", "amount", "revenue", "price", "cost", "budget", "income", "deal", "value", "pay", "total", "spend",
        "sales", "fee", "balance",
    ]
    .iter()
    .any(|w| words.contains(w));
    let numbers = number_style(&values, CURRENCY_CODES, amount_named);
    let allowed = |f: TimestampFormat| match f {
        TimestampFormat::ExcelSerial | TimestampFormat::CompactDate => excel_allowed,
        f if f.is_epoch() => epochs_allowed,
        _ => true,
    };
    let (ts_share, formats, mut ts_doubt) = timestamp_formats(&values, &allowed);
    if formats.contains(&TimestampFormat::ExcelSerial) && !spelled_dates {
        ts_doubt = ts_doubt.or_else(|| {
            Some(format!(
                "numbers between {EXCEL_1990} and {EXCEL_2050} in a column named like a date are read as spreadsheet serial days (since 1899-12-30)"
            ))
        });
    }
    if formats.iter().any(|f| f.two_digit_year()) {
        ts_doubt = ts_doubt.or_else(|| {
            Some("two-digit years are read as 1930..2029, the window spreadsheets read them in".to_string())
        });
    }
    // Every reading the sample supports at all, in the order they are preferred: a
    // stricter type before a looser one, text last (it reads everything).
    let mut found: Vec<(Kind, f64, Option<String>)> = Vec::new();
    if !values.is_empty() {
        if !only_digits_01 || yes_no_name {
            found.push((
                Kind::Boolean,
                share(&|v| lower_in(v, TRUE_WORDS) || lower_in(v, FALSE_WORDS)),
                None,
            ));
        }
        if !formats.is_empty() {
            found.push((Kind::Timestamp(formats), ts_share, ts_doubt));
        }
        if let Some(width) = zero_led_width(&values).filter(|_| id_like) {
            found.push((
                Kind::Code { width },
                share(&|v| v.len() <= width && v.bytes().all(|b| b.is_ascii_digit())),
                (values.iter().any(|v| v.len() < width)).then(|| {
                    format!("some values have fewer than {width} digits, as where a spreadsheet stripped leading zeros; they are padded with zeros to {width}")
                }),
            ));
        }
        if let Some((number_share, style)) = numbers {
            let kind = if style.percent {
                Kind::Percent { decimal: style.decimal }
            } else if !style.fractional && !style.currency && style.unit.is_none() && !style.scaled {
                Kind::Integer
            } else {
                Kind::Decimal {
                    currency: style.currency,
                    decimal: style.decimal,
                    scaled: style.scaled,
                }
            };
            found.push((kind, number_share, style.doubt.clone()));
        }
        found.push((
            Kind::Email,
            share(&|v| EMAIL.is_match(v) || DISPLAY_EMAIL.is_match(v)),
            None,
        ));
        if phone_named {
            if let Some((calling_code, doubt)) = calling_code_of(&values) {
                found.push((
                    Kind::Phone { calling_code },
                    share(&|v| phone_digits(v).is_some()),
                    doubt,
                ));
            }
        }
        let last_first =
            share(&|v| LAST_FIRST.is_match(v) && !NAME_SUFFIX.is_match(v.rsplit(',').next().unwrap_or("").trim()));
        if person_named && last_first > 0.0 {
            found.push((Kind::PersonName, share(&|v| PERSON_NAME.is_match(v)), None));
        }
        let unit_named = ["unit", "units", "uom", "scale", "measure"]
            .iter()
            .any(|w| words.contains(w));
        if let Some(family) = values
            .first()
            .and_then(|v| unit_of(v))
            .map(|u| u.family)
            .filter(|_| unit_named)
        {
            found.push((
                Kind::UnitOfMeasure { family },
                share(&|v| unit_of(v).is_some_and(|u| u.family == family)),
                None,
            ));
        }
        if let Some(fields) = json_fields(&values).filter(|f| !f.is_empty()) {
            let objects = share(&|v| {
                v.starts_with('{') && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(v).is_ok()
            });
            found.push((Kind::Json { fields }, objects, None));
        }
        found.push((Kind::Country, share(&|v| country_code(v).is_some()), None));
        found.push((
            Kind::CurrencyCode,
            share(&|v| CURRENCY_CODES.iter().any(|c| c.eq_ignore_ascii_case(v))),
            None,
        ));
        if distinct as usize <= MAX_CATEGORIES && values.len() > MAX_CATEGORIES {
            found.push((Kind::Category, 1.0, None));
        }
    }
    found.push((Kind::Text, 1.0, None));
    found
        .into_iter()
        .filter(|(kind, share, _)| *share >= MIN_READING_SHARE || *kind == Kind::Text)
        .map(|(kind, share, doubt)| Candidate {
            inferred: inferred_of(kind, doubt, &lname),
            share,
        })
        .collect()
}

/// The silver type and tags of a reading.
fn inferred_of(kind: Kind, doubt: Option<String>, lname: &str) -> Inferred {
    let (silver_type, mut tags): (&'static str, Vec<&'static str>) = match &kind {
        Kind::Integer => ("bigint", vec![]),
        Kind::Decimal { currency: true, .. } => ("decimal(18,2)", vec!["currency"]),
        Kind::Decimal { currency: false, .. } => ("decimal(18,4)", vec![]),
        Kind::Percent { .. } => ("decimal(18,4)", vec!["percent"]),
        Kind::Boolean => ("boolean", vec![]),
        Kind::Timestamp(_) => ("timestamp", vec!["event_time"]),
        Kind::Code { .. } => ("varchar", vec![]),
        Kind::Email => ("varchar", vec!["email", "pii"]),
        Kind::Phone { .. } => ("varchar", vec!["phone", "pii"]),
        Kind::PersonName => ("varchar", vec!["pii"]),
        Kind::Json { .. } => ("varchar", vec!["json"]),
        Kind::UnitOfMeasure { .. } => ("varchar", vec!["unit"]),
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
    // A column named for phones or e-mails keeps the tag when its values could not
    // be read as such, so the standards on phones and e-mails still judge it (and
    // fail) rather than finding nothing to check.
    if kind == Kind::Text {
        if ["phone", "mobile", "telephone", "fax"]
            .iter()
            .any(|w| lname.contains(w))
        {
            tags.push("phone");
        }
        if ["email", "e-mail", "e_mail"].iter().any(|w| lname.contains(w)) {
            tags.extend(
                ["email", "pii"]
                    .iter()
                    .filter(|t| !tags.contains(t))
                    .copied()
                    .collect::<Vec<_>>(),
            );
        }
    }
    Inferred {
        kind,
        silver_type,
        tags,
        doubt,
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
            "1714557600123",
            "2024-05-01",
        ];
        let i = infer("Order Date", &v, 7);
        assert_eq!(
            i.kind,
            Kind::Timestamp(vec![
                TimestampFormat::IsoSpace,
                TimestampFormat::IsoZulu,
                TimestampFormat::IsoOffset,
                TimestampFormat::IsoDate,
                TimestampFormat::UsOffset,
                TimestampFormat::EpochSeconds,
                TimestampFormat::EpochMillis,
            ])
        );
        assert_eq!(i.silver_type, "timestamp");
        assert_eq!(i.tags, ["event_time"]);
        // Spreadsheet serial days: beside spelled dates, or under a date's name with a
        // doubt; under a bare `time` they may be durations and stay numbers.
        let v = ["45174.78958333", "2023-09-05 18:57:00", "45175"];
        assert_eq!(
            infer("event time", &v, 3).kind,
            Kind::Timestamp(vec![TimestampFormat::IsoSpace, TimestampFormat::ExcelSerial])
        );
        // Eight-digit dates likewise: beside spelled dates or under a date's name.
        assert_eq!(
            infer("posting date", &["20230905", "20231231"], 2).kind,
            Kind::Timestamp(vec![TimestampFormat::CompactDate])
        );
        assert_eq!(infer("amount", &["20230905", "20231231"], 2).kind, Kind::Integer);
        let dated = infer("created_on", &["45174.5", "45175.25"], 2);
        assert_eq!(dated.kind, Kind::Timestamp(vec![TimestampFormat::ExcelSerial]));
        assert!(dated.doubt.unwrap_or_default().contains("spreadsheet serial days"));
        assert_ne!(
            infer("response time", &["45174.5", "45175.25"], 2).kind,
            Kind::Timestamp(vec![TimestampFormat::ExcelSerial])
        );
        // Month names and the 12-hour clock, unpadded as people write them.
        let v = [
            "5 Sep 2023 14:05",
            "Sep 5, 2023",
            "12 Oct 2023",
            "09/25/2023 6:57 PM",
            "10/01/2023 11:02:03 AM",
        ];
        assert_eq!(
            infer("Order Date", &v, 5).kind,
            Kind::Timestamp(vec![
                TimestampFormat::MonthNameMinutes,
                TimestampFormat::MonthNameDate,
                TimestampFormat::MonthNameFirstDate,
                TimestampFormat::MonthFirstTwelveHour,
                TimestampFormat::MonthFirstTwelveHourSeconds,
            ])
        );
        // Fractions of a second, year-first slashes and Oracle's dates are dates; a
        // slashed date with a two-digit year is not the year 24, and says its window.
        let v = [
            "2024-05-01T10:00:00.123Z",
            "2024-05-01 10:00:00.5",
            "2024/05/31 10:00:00",
            "31-MAY-24",
        ];
        assert_eq!(
            infer("Order Date", &v, 4).kind,
            Kind::Timestamp(vec![
                TimestampFormat::IsoSpaceFraction,
                TimestampFormat::IsoZuluFraction,
                TimestampFormat::SlashedIso,
                TimestampFormat::DashedMonthNameShortYear,
            ])
        );
        let short = infer("shipped on", &["5/31/24", "12/1/23 14:05"], 2);
        assert_eq!(
            short.kind,
            Kind::Timestamp(vec![
                TimestampFormat::MonthFirstShortYearMinutes,
                TimestampFormat::MonthFirstShortYear,
            ])
        );
        assert!(short.doubt.unwrap_or_default().contains("1930..2029"));
        assert!(!TimestampFormat::MonthFirstDate.parses("5/31/24"));
        // Ten-digit numbers in a column named like an id are ids, not epochs.
        assert_eq!(infer("account", &["1714557600", "1714557601"], 2).kind, Kind::Integer);
        // Without a telling name, epochs are times when all fall in 2000..2040.
        assert!(matches!(
            infer("opened", &["1714557600", "1700000000123"], 2).kind,
            Kind::Timestamp(_)
        ));
        assert_eq!(infer("opened", &["1714557600", "99"], 2).kind, Kind::Integer);
    }

    #[test]
    fn day_first_is_decided_by_a_value_that_can_only_be_day_first() {
        let i = infer(
            "shipped",
            &["02/01/2023 10:00", "25/12/2023 08:30", "2023-05-01 10:00:00"],
            3,
        );
        assert_eq!(
            i.kind,
            Kind::Timestamp(vec![TimestampFormat::IsoSpace, TimestampFormat::DayFirstMinutes])
        );
        assert_eq!(i.doubt, None);
        let i = infer("shipped", &["02/01/2023 10:00", "12/25/2023 08:30"], 2);
        assert_eq!(i.kind, Kind::Timestamp(vec![TimestampFormat::MonthFirstMinutes]));
        let i = infer("shipped", &["02/01/2023", "03/04/2023"], 2);
        assert_eq!(i.kind, Kind::Timestamp(vec![TimestampFormat::MonthFirstDate]));
        assert!(i.doubt.unwrap().contains("nothing tells day first from month first"));
    }

    #[test]
    fn amounts_with_symbols_codes_and_separators_are_money() {
        let v = ["1392.32 GBP", "$1,847.26", "€ 12.00", "-5.00", "10.50"];
        let i = infer("Amount", &v, 5);
        assert_eq!(
            i.kind,
            Kind::Decimal {
                currency: true,
                decimal: '.',
                scaled: false
            }
        );
        assert_eq!(i.silver_type, "decimal(18,2)");
        assert_eq!(i.tags, ["currency"]);
        let eu = infer("Total", &["1.234,50 €", "12,00 €"], 2);
        assert_eq!(
            eu.kind,
            Kind::Decimal {
                currency: true,
                decimal: ',',
                scaled: false
            }
        );
        let weight = infer("Weight", &["12,345.6 lb", "3.2 lb"], 2);
        assert_eq!(
            weight.kind,
            Kind::Decimal {
                currency: false,
                decimal: '.',
                scaled: false
            }
        );
        assert_eq!(infer("Units", &["1,234", "987", "1,234,567"], 3).kind, Kind::Integer);
        assert!(matches!(
            infer("Phone", &["+1 555 4370", "+1 555 2290"], 2).kind,
            Kind::Phone { .. }
        ));
    }

    #[test]
    fn booleans_and_percentages() {
        assert_eq!(infer("Paid", &["yes", "No", "YES"], 2).kind, Kind::Boolean);
        assert_eq!(infer("returned", &["Y", "n"], 2).kind, Kind::Boolean);
        assert_eq!(infer("hasWarranty", &["1", "0", "1"], 2).kind, Kind::Boolean);
        assert_eq!(
            infer("visits", &["1", "0", "1"], 2).kind,
            Kind::Integer,
            "0/1 counts stay numbers"
        );
        assert_eq!(
            infer("Discount", &["12.5%", "7 %"], 2).kind,
            Kind::Percent { decimal: '.' }
        );
    }

    #[test]
    fn names_split_into_words_however_they_are_written() {
        assert_eq!(name_words("deliveredOn"), ["delivered", "on"]);
        assert_eq!(name_words("Delivered On"), ["delivered", "on"]);
        assert_eq!(name_words("DELIVERED_ON"), ["delivered", "on"]);
    }

    #[test]
    fn a_repeated_header_is_not_a_value() {
        let mut v = vec!["10.00"; 10];
        v.extend(["Price"; 3]);
        assert!(matches!(infer("Price", &v, 2).kind, Kind::Decimal { .. }));
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
        assert!(matches!(
            infer("price", &v, 2).kind,
            Kind::Decimal { currency: false, .. }
        ));
        let prices: Vec<String> = (0..90).map(|i| format!("{i}.50")).collect();
        let mut v: Vec<&str> = prices.iter().map(String::as_str).collect();
        v.extend(["ask sales"; 10]);
        assert_eq!(infer("price", &v, 91).kind, Kind::Text);
    }

    /// Missing-value markers say nothing of a column's kind, however many there are:
    /// epochs, flags and grouped numbers with `N/A`, `#N/A`, `-` among them are still
    /// read as what they are.
    #[test]
    fn missing_value_markers_do_not_decide_a_kind() {
        let markers = ["N/A", "#N/A", "-", "NULL", "TBD", "?"];
        let with = |values: &[&str]| -> Vec<String> {
            let mut v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
            v.extend(markers.iter().map(|m| m.to_string()));
            v
        };
        let epochs = with(&["1673771698", "1706786478", "1704846813", "1690000000"]);
        let epochs: Vec<&str> = epochs.iter().map(String::as_str).collect();
        assert!(
            matches!(infer("opened", &epochs, 10).kind, Kind::Timestamp { .. }),
            "{:?}",
            infer("opened", &epochs, 10).kind
        );
        let flags = with(&["0", "1", "1", "0", "1"]);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        assert_eq!(infer("has_warranty", &flags, 8).kind, Kind::Boolean);
    }

    /// Ids whose leading zeros a spreadsheet stripped are codes of the zero-led
    /// values' width; digits without a leading zero, or of mixed widths, are not.
    #[test]
    fn stripped_leading_zeros_are_put_back() {
        let i = infer("Device ID", &["00417", "417", "12345", "00012"], 4);
        assert_eq!(i.kind, Kind::Code { width: 5 });
        assert!(i.doubt.unwrap().contains("padded with zeros to 5"));
        assert_eq!(infer("Device ID", &["417", "12345"], 2).kind, Kind::Integer);
        assert_ne!(infer("Device ID", &["0417", "00417"], 2).kind, Kind::Code { width: 5 });
        assert_eq!(
            infer("quantity", &["007", "12"], 2).kind,
            Kind::Integer,
            "not an id's name"
        );
    }

    /// Addresses inside display names, yes/no in other languages, and amounts with
    /// scale suffixes are read as what they are.
    #[test]
    fn display_names_languages_and_scales() {
        assert_eq!(
            infer(
                "Email",
                &["Ana García <ana@example.org>", "\"Doe, J\" <J@X.COM>", "b@c.de"],
                3
            )
            .kind,
            Kind::Email
        );
        assert_eq!(infer("Opted In", &["sí", "no", "Sí", "yes"], 4).kind, Kind::Boolean);
        assert_eq!(infer("aktiv", &["ja", "nein", "Ja"], 3).kind, Kind::Boolean);
        assert_eq!(
            infer("Salary", &["52k", "61.5K", "48,500"], 3).kind,
            Kind::Decimal {
                currency: false,
                decimal: '.',
                scaled: true
            }
        );
    }

    /// Phones of one country in many spellings take its calling code; names written
    /// `Last, First` are names; a phone column that cannot be read keeps its tag, so
    /// the standards on phones judge it rather than finding nothing.
    #[test]
    fn phones_and_names() {
        let uk = [
            "020 7946 0958",
            "+44 20 7946 0958",
            "+44 (0)20 7946 0959",
            "0044 20 7946 0950",
        ];
        assert_eq!(
            infer("Phone", &uk, 4).kind,
            Kind::Phone {
                calling_code: "44".into()
            }
        );
        let us = infer("mobile", &["(415) 555-0132", "415.555.0133"], 2);
        assert_eq!(
            us.kind,
            Kind::Phone {
                calling_code: "1".into()
            }
        );
        assert!(us.doubt.unwrap().contains("North American"));
        let unreadable = infer("Mobile", &["call after 5", "ask reception"], 2);
        assert_eq!(unreadable.kind, Kind::Text);
        assert!(unreadable.tags.contains(&"phone"));
        assert_eq!(
            infer("Employee Name", &["García, Ana", "Jonas Müller"], 2).kind,
            Kind::PersonName
        );
        assert_eq!(infer("Company Name", &["Acme, Inc.", "Globex"], 2).kind, Kind::Text);
    }

    /// JSON objects are read with their fields (nested objects one level down) and
    /// the type each field's values share; JSON null does not decide a type.
    #[test]
    fn json_objects_are_read_with_their_fields() {
        let v = [
            r#"{"page": "/", "ms": 12, "ref": null, "user": {"id": 7, "plan": "pro"}}"#,
            r#"{"page": "/docs", "ms": 3.5, "mobile": true, "ref": "x"}"#,
        ];
        let Kind::Json { fields } = infer("properties", &v, 2).kind else {
            panic!("{:?}", infer("properties", &v, 2).kind)
        };
        let typed: Vec<(String, &str)> = fields.iter().map(|f| (f.path.join("."), f.type_name)).collect();
        for (path, t) in [
            ("page", "varchar"),
            ("ms", "double"),
            ("ref", "varchar"),
            ("user.id", "bigint"),
            ("user.plan", "varchar"),
            ("mobile", "boolean"),
        ] {
            assert!(typed.contains(&(path.to_string(), t)), "{path}: {typed:?}");
        }
        assert_eq!(infer("notes", &["{not json", "plain"], 2).kind, Kind::Text);
    }

    #[test]
    fn empty_columns_are_text() {
        assert_eq!(infer("x", &["", "  "], 0).kind, Kind::Text);
    }
}
