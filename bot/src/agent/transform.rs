//! The SQL the rules drafter writes: for each bronze column, the expression that
//! turns its text into the silver value, and the SELECT that types, deduplicates and
//! filters the source. DuckDB SQL, the default warehouse's; every expression is
//! NULL-safe, and a value that does not parse becomes NULL (the profile counts how
//! many, and the plan says so) rather than failing the build.

use super::infer::Kind;
use super::infer::{
    JsonField, TimestampFormat, COUNTRIES, DISPLAY_NAME_EMAIL, FALSE_WORDS, NAME_SUFFIXES, PHONE_SHAPE, TRUE_WORDS,
};
use super::units::{convert_sql, Family, Unit, UNITS};
use hallmark_checks::dialect::{Dialect, DuckDbDialect};

/// Quotes an identifier for DuckDB, as the checks engine's DuckDB dialect does.
pub fn ident(name: &str) -> String {
    DuckDbDialect.quote_ident(name)
}

/// Quotes a string literal for DuckDB, as the checks engine's DuckDB dialect does.
pub fn literal(text: &str) -> String {
    DuckDbDialect.string_literal(text)
}

/// `Order ID` → `order_id`, `E-mail Address` → `e_mail_address`, `customerId` →
/// `customer_id`: lowercase words joined by `_`, never starting with a digit.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in name.trim().chars() {
        if ch.is_alphanumeric() {
            if ch.is_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
            prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    match out.chars().next() {
        None => "column".to_string(),
        Some(c) if c.is_ascii_digit() => format!("c_{out}"),
        Some(_) => out,
    }
}

/// The silver value of bronze column `column` holding values of `kind`.
pub fn silver_expr(column: &str, kind: &Kind) -> String {
    let raw = ident(column);
    let trimmed = format!("nullif(trim(CAST({raw} AS VARCHAR)), '')");
    let words = |list: &[&str]| list.iter().map(|w| literal(w)).collect::<Vec<_>>().join(", ");
    match kind {
        // Grouped by threes with one character, or plain digits; anything else NULL.
        Kind::Integer => format!(
            "CASE WHEN regexp_full_match({trimmed}, '[-+]?([0-9]{{1,3}}([ ,.''][0-9]{{3}})+|[0-9]+)') THEN TRY_CAST(regexp_replace({trimmed}, '[^0-9-]', '', 'g') AS BIGINT) END"
        ),
        Kind::Decimal {
            currency,
            decimal,
            scaled,
        } => {
            let scale = if *currency { 2 } else { 4 };
            decimal_expr(&trimmed, *decimal, *scaled, scale)
        }
        Kind::Percent { decimal } => format!("TRY_CAST({} AS DECIMAL(18, 4))", number_text(&trimmed, *decimal)),
        Kind::Boolean => format!(
            "CASE WHEN lower({trimmed}) IN ({}) THEN true WHEN lower({trimmed}) IN ({}) THEN false END",
            words(TRUE_WORDS),
            words(FALSE_WORDS)
        ),
        Kind::Timestamp(formats) => timestamp_expr(&trimmed, formats),
        Kind::Code { width } => format!(
            "CASE WHEN regexp_full_match({trimmed}, '[0-9]{{1,{width}}}') THEN lpad({trimmed}, {width}, '0') ELSE {trimmed} END"
        ),
        Kind::Email => format!(
            "lower(CASE WHEN regexp_matches({trimmed}, {display}) THEN regexp_extract({trimmed}, {display}, 1) ELSE {trimmed} END)",
            display = literal(DISPLAY_NAME_EMAIL)
        ),
        Kind::Country => country_expr(&trimmed),
        Kind::Phone { calling_code } => phone_expr(&trimmed, calling_code),
        Kind::PersonName => {
            let first = format!("trim(regexp_extract({trimmed}, ',\\s*([^,]+)$', 1))");
            let last = format!("trim(regexp_extract({trimmed}, '^([^,]+),', 1))");
            format!(
                "regexp_replace(CASE WHEN regexp_full_match({trimmed}, '[^,]+,\\s*[^,]+') AND NOT regexp_full_match({first}, {suffixes}) THEN {first} || ' ' || {last} ELSE {trimmed} END, '\\s+', ' ', 'g')",
                suffixes = literal(NAME_SUFFIXES)
            )
        }
        Kind::CurrencyCode => format!("upper({trimmed})"),
        Kind::Category => format!("lower({trimmed})"),
        Kind::Json { .. } => trimmed,
        Kind::UnitOfMeasure { family } => format!(
            "CASE {} ELSE {trimmed} END",
            unit_arms(&trimmed, *family, |u| literal(u.symbol))
        ),
        Kind::Text => trimmed,
    }
}

/// Whether a present bronze value of `column` is read by `kind`, as SQL over the
/// bronze row; `None` for the readings that keep every value (labels, text). How the
/// profile measures a reading on every row.
pub fn reads_sql(column: &str, kind: &Kind) -> Option<String> {
    match kind {
        Kind::Category | Kind::Text => None,
        Kind::UnitOfMeasure { family } => Some(format!(
            "({}) IN ({})",
            silver_expr(column, kind),
            UNITS
                .iter()
                .filter(|u| u.family == *family)
                .map(|u| literal(u.symbol))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Kind::Json { .. } => Some(format!(
            "CASE WHEN json_valid({t}) THEN json_type({t}) = 'OBJECT' ELSE false END",
            t = silver_expr(column, &Kind::Text)
        )),
        Kind::Email => Some(format!(
            "regexp_full_match({}, '[^@\\s]+@[^@\\s]+\\.[A-Za-z]{{2,}}')",
            silver_expr(column, kind)
        )),
        _ => Some(format!("({}) IS NOT NULL", silver_expr(column, kind))),
    }
}

/// A unit's spelling as [`super::units::spelling_key`] reduces it, in SQL.
pub fn unit_key_sql(text: &str) -> String {
    format!("regexp_replace(regexp_replace(lower({text}), '[°º. ]', '', 'g'), '^(degrees|degree|deg)(.+)$', '\\2')")
}

/// One `WHEN <unit key of text> IN (<spellings>) THEN <then(unit)>` per unit of
/// `family`: how a unit column's text is told apart, for its symbol or a conversion.
fn unit_arms(text: &str, family: Family, then: impl Fn(&Unit) -> String) -> String {
    let key = unit_key_sql(text);
    UNITS
        .iter()
        .filter(|u| u.family == family)
        .map(|u| {
            let spellings: Vec<String> = u.spellings.iter().map(|s| literal(s)).collect();
            format!("WHEN {key} IN ({}) THEN {}", spellings.join(", "), then(u))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `measure` (the typed value of bronze `measure_column`) in unit `target`, read in
/// the unit bronze `unit_column` names on its row; a row with no unit is taken to be
/// in `target` already, and a unit of another family or none known gives NULL.
pub fn converted_sql(measure: &str, unit_column: &str, family: Family, target: &Unit) -> String {
    let unit_text = silver_expr(unit_column, &Kind::Text);
    let value = format!("CAST({measure} AS DOUBLE)");
    format!(
        "CAST(round(CASE WHEN {unit_text} IS NULL OR lower({unit_text}) IN ({markers}) THEN {value} {} END, 4) AS DECIMAL(18, 4))",
        unit_arms(&unit_text, family, |u| convert_sql(&value, u, target)),
        markers = hallmark_checks::guards::missing_markers_sql(&DuckDbDialect)
    )
}

/// One field of JSON column `column`, typed: NULL where the row's text is not JSON,
/// the field is missing, or its value is JSON `null` or of another type.
pub fn json_field_expr(column: &str, field: &JsonField) -> String {
    let t = silver_expr(column, &Kind::Text);
    let path = format!(
        "$.{}",
        field
            .path
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(".")
    );
    let value = format!("json_extract_string({t}, {})", literal(&path));
    let typed = match field.type_name {
        "varchar" => value,
        t => format!("TRY_CAST({value} AS {})", t.to_uppercase()),
    };
    format!("CASE WHEN json_valid({t}) THEN {typed} END")
}

/// What a number may look like, as SQL's regular expression: a symbol or code before
/// or after, a sign before or after, or the whole in parentheses, a unit or scale
/// suffix. The grouping itself was checked on the sample; this keeps text that is
/// no number (`5-10`, `+1 555 4370 ext 2`) from becoming one.
const NUMBER_SHAPE: &str = "\\(?\\s*([$€£¥]|[A-Za-z]{3})?\\s*[-+]?\\s*[$€£¥]?\\s*[0-9]([0-9.,'\u{a0} ]*[0-9])?\\.?\\s*(%|[$€£¥]|[A-Za-z]{1,3}\\.?)?\\s*-?\\s*\\)?";

/// A decimal of `scale` places from `text` written with `decimal` as its separator:
/// negative when signed before or after or in parentheses, multiplied by its scale
/// suffix when `scaled`; NULL for text of no number's shape.
fn decimal_expr(text: &str, decimal: char, scaled: bool, scale: u32) -> String {
    let digits = match decimal {
        ',' => format!("replace(regexp_replace({text}, '[^0-9,]', '', 'g'), ',', '.')"),
        _ => format!("regexp_replace({text}, '[^0-9.]', '', 'g')"),
    };
    let sign = format!("CASE WHEN regexp_matches({text}, '^\\(.*\\)$|-\\s*$|^[^0-9]*-') THEN -1 ELSE 1 END");
    let multiplier = if scaled {
        let arms: Vec<String> = super::numbers::SCALE_SUFFIXES
            .iter()
            .map(|(suffix, factor)| {
                format!("WHEN regexp_matches({text}, '[0-9]\\s*{suffix}\\s*-?\\s*\\)?$') THEN {factor}")
            })
            .collect();
        format!(" * CASE {} ELSE 1 END", arms.join(" "))
    } else {
        String::new()
    };
    format!(
        "CASE WHEN regexp_full_match({text}, {}) THEN CAST({sign} * TRY_CAST(nullif({digits}, '') AS DECIMAL(18, {scale})){multiplier} AS DECIMAL(18, {scale})) END",
        literal(NUMBER_SHAPE)
    )
}

/// The digits, sign and decimal point of a number written with `decimal` as its
/// decimal separator: symbols, codes, units and grouping characters removed.
fn number_text(text: &str, decimal: char) -> String {
    match decimal {
        ',' => format!("nullif(replace(regexp_replace({text}, '[^0-9,-]', '', 'g'), ',', '.'), '')"),
        _ => format!("nullif(regexp_replace({text}, '[^0-9.-]', '', 'g'), '')"),
    }
}

/// Tries each spelling seen in bronze; offsets are applied, so every value is UTC.
fn timestamp_expr(text: &str, formats: &[TimestampFormat]) -> String {
    let parts: Vec<String> = formats
        .iter()
        .map(|f| match (f, f.strptime()) {
            (_, Some(p)) => {
                // DuckDB writes a fraction of a second `.%f` where chrono writes `%.f`.
                let parsed = format!("try_strptime({text}, {})", literal(&p.replace("%.f", ".%f")));
                let parsed = if f.has_offset() {
                    format!("CAST({parsed} AS TIMESTAMP)")
                } else {
                    parsed
                };
                if p.contains("%Y") {
                    // `%Y` reads `5/31/24` as the year 24: a full year has four digits.
                    format!("CASE WHEN regexp_matches({text}, '[0-9]{{4}}') THEN {parsed} END")
                } else if f.two_digit_year() {
                    // DuckDB reads 30..68 as 2030..2068; spreadsheets, which wrote most
                    // two-digit years, read 1930..2029.
                    format!("{parsed} - CASE WHEN year({parsed}) >= 2030 THEN INTERVAL 100 YEAR ELSE INTERVAL 0 YEAR END")
                } else {
                    parsed
                }
            }
            // Days since 1899-12-30 (25,569 days before the Unix epoch), to the second.
            (TimestampFormat::ExcelSerial, None) => format!(
                "CASE WHEN regexp_full_match({text}, '[0-9]{{5}}(\\.[0-9]+)?') THEN make_timestamp(CAST(round((CAST({text} AS DOUBLE) - 25569) * 86400) AS BIGINT) * 1000000) END"
            ),
            (TimestampFormat::EpochMillis, None) => format!(
                "CASE WHEN regexp_full_match({text}, '[0-9]{{12,13}}') THEN make_timestamp(CAST({text} AS BIGINT) * 1000) END"
            ),
            (_, None) => format!(
                "CASE WHEN regexp_full_match({text}, '[0-9]{{9,10}}') THEN make_timestamp(CAST({text} AS BIGINT) * 1000000) END"
            ),
        })
        .collect();
    match parts.len() {
        0 => format!("TRY_CAST({text} AS TIMESTAMP)"),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("coalesce(\n            {}\n        )", parts.join(",\n            ")),
    }
}

/// A phone number as E.164: `+` and the digits for numbers written internationally
/// (`+44 (0)20 7946 0958`, `0044 20...`), `+<calling_code>` before a national number
/// without its trunk `0`, `+1` before ten North American digits; NULL for anything
/// else, or fewer than 7 or more than 15 digits.
fn phone_expr(text: &str, calling_code: &str) -> String {
    let digits = format!("regexp_replace(replace({text}, '(0)', ''), '[^0-9]', '', 'g')");
    let mut arms = vec![
        format!("WHEN starts_with({text}, '+') THEN '+' || {digits}"),
        format!("WHEN starts_with({digits}, '00') THEN '+' || substr({digits}, 3)"),
        format!("WHEN starts_with({digits}, '0') THEN '+{calling_code}' || substr({digits}, 2)"),
    ];
    if calling_code == "1" {
        arms.push(format!(
            "WHEN length({digits}) = 11 AND starts_with({digits}, '1') THEN '+' || {digits}"
        ));
        arms.push(format!("WHEN length({digits}) = 10 THEN '+1' || {digits}"));
    }
    let e164 = format!("CASE {} END", arms.join(" "));
    format!(
        "CASE WHEN regexp_full_match({text}, {}) AND length({e164}) BETWEEN 8 AND 16 THEN {e164} END",
        literal(PHONE_SHAPE)
    )
}

/// Maps every known name or code to its ISO 3166-1 alpha-2 code; anything else is NULL.
fn country_expr(text: &str) -> String {
    let mut arms = Vec::new();
    for (code, names) in COUNTRIES {
        let list: Vec<String> = names.iter().map(|n| literal(&n.to_uppercase())).collect();
        arms.push(format!(
            "WHEN upper({text}) IN ({}) THEN {}",
            list.join(", "),
            literal(code)
        ));
    }
    format!("CASE\n            {}\n        END", arms.join("\n            "))
}

/// One output column of a silver draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// The bronze column it comes from.
    pub source: String,
    /// Its silver name.
    pub name: String,
    /// The expression over the bronze row.
    pub expr: String,
}

/// Values of a silver column that a standard rejects: they become NULL, and a flag
/// column marks the rows, so nothing is silently lost and a person can follow up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    /// The silver column.
    pub column: String,
    /// The condition, over the typed column, under which a value is rejected.
    pub fails: String,
    /// The flag column's name.
    pub flag: String,
}

/// A condition under which a row must not reach silver, with the standard behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    /// The condition over the typed, deduplicated row.
    pub condition: String,
    /// Why, for the quarantined row's `quarantine_reason`.
    pub reason: String,
    /// Left out on purpose (deleted in the source, excluded by the request) rather
    /// than failing a standard: the reason then begins with
    /// [`hallmark_checks::guards::EXCLUDED_PREFIX`], and the row does not count
    /// against `promotion.max_quarantine`.
    pub excluded: bool,
}

impl Quarantine {
    /// The text of the row's `quarantine_reason`.
    pub fn reason_text(&self) -> String {
        if self.excluded {
            format!("{}{}", hallmark_checks::guards::EXCLUDED_PREFIX, self.reason)
        } else {
            self.reason.clone()
        }
    }
}

/// The silver SQL: the product's SELECT, and the SELECT of the rows it holds back
/// when a standard keeps rows out of silver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilverSql {
    /// `silver.sql`.
    pub product: String,
    /// `silver.quarantine.sql`, when rows are held back.
    pub quarantine: Option<String>,
}

/// The silver SELECT: typed columns from `source`, rows with a null key dropped, and
/// one row per key — the latest by `latest_by` when given — with ties broken by every
/// column so the result is deterministic. Values in `set_aside` are replaced by NULL
/// and flagged; rows that meet a `quarantine` condition go to the quarantine SELECT
/// instead, with the reason.
pub fn silver_select(
    source: &str,
    columns: &[OutputColumn],
    key: Option<&str>,
    latest_by: Option<&str>,
    set_aside: &[SetAside],
    quarantine: &[Quarantine],
) -> SilverSql {
    let typed: Vec<String> = columns
        .iter()
        .map(|c| format!("        {} AS {}", c.expr, ident(&c.name)))
        .collect();
    let names: Vec<String> = columns.iter().map(|c| ident(&c.name)).collect();
    let mut outputs = Vec::new();
    for c in columns {
        let col = ident(&c.name);
        match set_aside.iter().find(|s| s.column == c.name) {
            Some(s) => {
                outputs.push(format!("CASE WHEN {} THEN NULL ELSE {col} END AS {col}", s.fails));
                outputs.push(format!("coalesce({}, false) AS {}", s.fails, ident(&s.flag)));
            }
            None => outputs.push(col),
        }
    }
    let outputs = outputs.join(",\n    ");
    // A row whose every value is its column's name is a header repeated where files
    // were concatenated: never data.
    let mut sources: Vec<&str> = columns.iter().map(|c| c.source.as_str()).collect();
    sources.dedup();
    let header_row = sources
        .iter()
        .map(|s| {
            format!(
                "coalesce(trim(CAST({} AS VARCHAR)) = {}, false)",
                ident(s),
                literal(s.trim())
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut ctes = format!(
        "-- Drafted by Hallmark's rules drafter from {source}.\nWITH typed AS (\n    SELECT\n{}\n    FROM {source}\n    WHERE NOT ({header_row})\n)",
        typed.join(",\n")
    );
    let from = match key {
        Some(key) => {
            let mut order = Vec::new();
            if let Some(latest) = latest_by {
                order.push(format!("{} DESC NULLS LAST", ident(latest)));
            }
            order.extend(names.iter().map(|n| format!("{n} NULLS LAST")));
            ctes.push_str(&format!(
                ",\nranked AS (\n    SELECT *, row_number() OVER (PARTITION BY {k} ORDER BY {}) AS hm_version\n    FROM typed\n    WHERE {k} IS NOT NULL\n)",
                order.join(", "),
                k = ident(key),
            ));
            "FROM ranked\nWHERE hm_version = 1"
        }
        None => {
            ctes.push_str(",\ndistinct_rows AS (\n    SELECT DISTINCT * FROM typed\n)");
            "FROM distinct_rows\nWHERE true"
        }
    };
    let held = quarantine
        .iter()
        .map(|q| format!("({})", q.condition))
        .collect::<Vec<_>>()
        .join(" OR ");
    if quarantine.is_empty() {
        return SilverSql {
            product: format!("{ctes}\nSELECT\n    {outputs}\n{from}\n"),
            quarantine: None,
        };
    }
    let reasons = quarantine
        .iter()
        .map(|q| format!("WHEN {} THEN {}", q.condition, literal(&q.reason_text())))
        .collect::<Vec<_>>()
        .join("\n        ");
    SilverSql {
        product: format!("{ctes}\nSELECT\n    {outputs}\n{from}\n  AND NOT coalesce({held}, false)\n"),
        quarantine: Some(format!(
            "{ctes}\nSELECT\n    {outputs},\n    CASE\n        {reasons}\n    END AS quarantine_reason\n{from}\n  AND coalesce({held}, false)\n"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_snake_case() {
        assert_eq!(snake_case("Order ID"), "order_id");
        assert_eq!(snake_case("customer id"), "customer_id");
        assert_eq!(snake_case("E-mail Address"), "e_mail_address");
        assert_eq!(snake_case("customerId"), "customer_id");
        assert_eq!(snake_case("  Updated At "), "updated_at");
        assert_eq!(snake_case("2nd line"), "c_2nd_line");
        assert_eq!(snake_case("%%"), "column");
    }

    /// Reads `values` with `kind` on DuckDB, as text.
    fn read_all(kind: &Kind, values: &[&str]) -> Vec<Option<String>> {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let rows: Vec<String> = values.iter().map(|v| format!("({})", literal(v))).collect();
        let sql = format!(
            "SELECT CAST({} AS VARCHAR) FROM (VALUES {}) AS t(v)",
            silver_expr("v", kind),
            rows.join(", ")
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let out = stmt
            .query_map([], |r| r.get::<_, Option<String>>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out
    }

    /// Debits in parentheses or with a trailing minus are negative, scale suffixes
    /// multiply, and text of no number's shape is no number.
    #[test]
    fn decimals_read_ledgers_and_scales() {
        let money = Kind::Decimal {
            currency: true,
            decimal: '.',
            scaled: true,
        };
        assert_eq!(
            read_all(
                &money,
                &["(1,234.50)", "1,234.50-", "-$5.00", "$61.5k", "1.2M", "5-10", "12."]
            ),
            [
                Some("-1234.50"),
                Some("-1234.50"),
                Some("-5.00"),
                Some("61500.00"),
                Some("1200000.00"),
                None,
                Some("12.00")
            ]
            .map(|v| v.map(String::from))
        );
        let euro = Kind::Decimal {
            currency: true,
            decimal: ',',
            scaled: false,
        };
        assert_eq!(
            read_all(&euro, &["€52.000,00", "(1.234,50 €)"]),
            [Some("52000.00"), Some("-1234.50")].map(|v| v.map(String::from))
        );
        assert_eq!(
            read_all(&Kind::Code { width: 5 }, &["417", "00417", "A-1"]),
            [Some("00417"), Some("00417"), Some("A-1")].map(|v| v.map(String::from))
        );
        assert_eq!(
            read_all(
                &Kind::Phone {
                    calling_code: "44".into()
                },
                &["020 7946 0958", "+44 (0)20 7946 0958", "0044 20 7946 0958", "12"]
            ),
            [
                Some("+442079460958"),
                Some("+442079460958"),
                Some("+442079460958"),
                None
            ]
            .map(|v| v.map(String::from))
        );
        assert_eq!(
            read_all(&Kind::PersonName, &["García,  Ana", "Smith, Jr.", "Jonas   Müller"]),
            [Some("Ana García"), Some("Smith, Jr."), Some("Jonas Müller")].map(|v| v.map(String::from))
        );
        assert_eq!(
            read_all(
                &Kind::Timestamp(vec![TimestampFormat::IsoSpace, TimestampFormat::CompactDate]),
                &["20230905", "2023-09-05 10:00:00", "20231399"]
            ),
            [Some("2023-09-05 00:00:00"), Some("2023-09-05 10:00:00"), None].map(|v| v.map(String::from))
        );
        // Fractions of a second, year-first slashes, two-digit years in the
        // spreadsheet window, Oracle's DD-MON-YY; a two-digit year is never the year 24.
        assert_eq!(
            read_all(
                &Kind::Timestamp(vec![
                    TimestampFormat::IsoZuluFraction,
                    TimestampFormat::IsoOffsetFraction,
                    TimestampFormat::SlashedIso,
                    TimestampFormat::MonthFirstDate,
                    TimestampFormat::MonthFirstShortYear,
                    TimestampFormat::DashedMonthNameShortYear,
                ]),
                &[
                    "2024-05-01T10:00:00.123Z",
                    "2024-05-01T10:00:00.5+02:00",
                    "2024/05/31 23:59:59",
                    "5/31/24",
                    "5/31/2024",
                    "12/1/55",
                    "31-MAY-24",
                    "01-jan-30",
                ]
            ),
            [
                Some("2024-05-01 10:00:00.123"),
                Some("2024-05-01 08:00:00.5"),
                Some("2024-05-31 23:59:59"),
                Some("2024-05-31 00:00:00"),
                Some("2024-05-31 00:00:00"),
                Some("1955-12-01 00:00:00"),
                Some("2024-05-31 00:00:00"),
                Some("1930-01-01 00:00:00"),
            ]
            .map(|v| v.map(String::from))
        );
        assert_eq!(
            read_all(&Kind::Email, &["Ana <Ana@X.org>", " B@Y.COM "]),
            [Some("ana@x.org"), Some("b@y.com")].map(|v| v.map(String::from))
        );
    }

    /// A JSON field is typed; JSON null, a missing key and text that is no JSON are
    /// NULL, and never an error that stops the build.
    #[test]
    fn json_fields_are_typed_and_null_safe() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let field = |path: &[&str], type_name| JsonField {
            path: path.iter().map(|p| p.to_string()).collect(),
            type_name,
        };
        let sql = format!(
            "SELECT CAST({} AS VARCHAR), CAST({} AS VARCHAR), CAST({} AS VARCHAR) FROM (VALUES ('{{\"ms\": 12, \"ref\": null, \"user\": {{\"id\": 7}}}}'), ('{{\"ms\": 3}}'), ('not json')) AS t(v)",
            json_field_expr("v", &field(&["ms"], "bigint")),
            json_field_expr("v", &field(&["ref"], "varchar")),
            json_field_expr("v", &field(&["user", "id"], "bigint")),
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows: Vec<[Option<String>; 3]> = stmt
            .query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let some = |v: &str| Some(v.to_string());
        assert_eq!(
            rows,
            [
                [some("12"), None, some("7")],
                [some("3"), None, None],
                [None, None, None]
            ]
        );
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("O'Brien"), "'O''Brien'");
    }

    #[test]
    fn the_select_dedups_on_the_key_deterministically() {
        let cols = [
            OutputColumn {
                source: "Order ID".into(),
                name: "order_id".into(),
                expr: silver_expr("Order ID", &Kind::Text),
            },
            OutputColumn {
                source: "Updated At".into(),
                name: "updated_at".into(),
                expr: silver_expr("Updated At", &Kind::Timestamp(vec![TimestampFormat::IsoZulu])),
            },
        ];
        let sql = silver_select("bronze.orders", &cols, Some("order_id"), Some("updated_at"), &[], &[]).product;
        assert!(sql.contains("PARTITION BY \"order_id\" ORDER BY \"updated_at\" DESC NULLS LAST, \"order_id\" NULLS LAST, \"updated_at\" NULLS LAST"), "{sql}");
        assert!(sql.contains("WHERE \"order_id\" IS NOT NULL"), "{sql}");
        assert!(
            sql.contains("try_strptime(nullif(trim(CAST(\"Updated At\" AS VARCHAR)), ''), '%Y-%m-%dT%H:%M:%SZ')"),
            "{sql}"
        );
    }
}
