//! The `examples/retail` bronze data set: orders and customers as a real export
//! would give them — mixed-case headers with spaces, timestamps as strings in several
//! formats and zones, amounts with currency symbols, duplicate orders, null keys,
//! country names and codes mixed, emails in mixed case.
//!
//! `cargo run -p hallmark-tests --bin generate-retail` rewrites the committed files;
//! a test checks that the committed files are what this generator makes.

use crate::rng::Rng;
use std::fmt::Write;

/// Distinct orders before duplicates and null keys are mixed in.
pub const ORDERS: usize = 8_000;
/// Customers.
pub const CUSTOMERS: usize = 2_000;

const COUNTRIES: &[(&str, &[&str])] = &[
    ("US", &["US", "us", "United States", "USA", "United States of America"]),
    ("DE", &["DE", "de", "Germany", "Deutschland"]),
    ("FR", &["FR", "France", "france"]),
    ("GB", &["GB", "UK", "United Kingdom"]),
    ("NL", &["NL", "Netherlands", "The Netherlands"]),
    ("ES", &["ES", "Spain"]),
];

const FIRST: &[&str] = &[
    "Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena", "Mateo", "Nora",
    "Omar", "Priya",
];
const LAST: &[&str] = &[
    "Smith", "Müller", "Dubois", "García", "de Vries", "O'Brien", "Kowalski", "Rossi", "Yilmaz", "Chen", "Novak",
    "Silva",
];
const DOMAINS: &[&str] = &["example.com", "mail.example.org", "shop.example.net", "Example.COM"];
const STATUSES: &[&str] = &[
    "shipped",
    "Shipped",
    "SHIPPED ",
    "delivered",
    "Delivered",
    "cancelled",
    "CANCELLED",
    "pending",
    " pending",
    "returned",
];

/// Seconds since the epoch of 2024-01-01T00:00:00Z; orders fall in 2024.
const YEAR_START: i64 = 1_704_067_200;

fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-from-civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// A UTC instant written the way one of several upstream systems would write it.
fn messy_timestamp(rng: &mut Rng, utc: i64) -> String {
    match rng.below(5) {
        0 => {
            let (y, mo, d, h, mi, s) = civil(utc);
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
        }
        1 => {
            let (y, mo, d, h, mi, s) = civil(utc);
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        }
        2 => {
            // Local time in UTC+2 with the offset written out.
            let (y, mo, d, h, mi, s) = civil(utc + 7200);
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+02:00")
        }
        3 => {
            // US-style, local time in UTC-5 with the offset.
            let (y, mo, d, h, mi, s) = civil(utc - 5 * 3600);
            format!("{mo:02}/{d:02}/{y:04} {h:02}:{mi:02}:{s:02} -0500")
        }
        _ => format!("{utc}"),
    }
}

fn messy_amount(rng: &mut Rng, cents: i64, currency: &str) -> String {
    let whole = cents.abs() / 100;
    let frac = cents.abs() % 100;
    let sign = if cents < 0 { "-" } else { "" };
    let symbol = match currency {
        "USD" => "$",
        "EUR" => "€",
        _ => "£",
    };
    match rng.below(4) {
        0 => format!("{sign}{whole}.{frac:02}"),
        1 => format!("{sign}{symbol}{whole}.{frac:02}"),
        2 if whole >= 1000 => format!("{sign}{symbol}{},{:03}.{frac:02}", whole / 1000, whole % 1000),
        2 => format!("{sign}{symbol} {whole}.{frac:02}"),
        _ => format!("{sign}{whole}.{frac:02} {currency}"),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn line(fields: &[String]) -> String {
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\n"
}

/// The customers file.
pub fn customers_csv() -> String {
    let mut rng = Rng::new(0x5EED_C057);
    let mut out = String::from("Customer ID,Full Name,E-mail Address,Country,Signup Date,Phone Number\n");
    for i in 0..CUSTOMERS {
        let id = if rng.chance(0.003) {
            String::new()
        } else {
            format!("C{:05}", i + 1)
        };
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let name = if rng.chance(0.1) {
            format!("  {first} {last} ")
        } else {
            format!("{first} {last}")
        };
        let email = if rng.chance(0.02) {
            String::new()
        } else {
            let local = format!("{}.{}{}", first, last.replace([' ', '\''], ""), i);
            let local = if rng.chance(0.5) { local.to_lowercase() } else { local };
            let mut e = format!("{local}@{}", rng.pick(DOMAINS));
            if rng.chance(0.05) {
                e = format!(" {e} ");
            }
            e
        };
        let (_, names) = rng.pick(COUNTRIES);
        let country = rng.pick(names).to_string();
        let signed_up = YEAR_START - 365 * 86_400 + rng.below(365 * 86_400) as i64;
        let signup = messy_timestamp(&mut rng, signed_up);
        let phone = if rng.chance(0.3) {
            String::new()
        } else {
            format!("+1 555 {:04}", rng.below(10_000))
        };
        let _ = write!(out, "{}", line(&[id, name, email, country, signup, phone]));
    }
    out
}

/// The orders file: [`ORDERS`] orders, about 3% of them also present as an older
/// version (the latest `Updated At` wins), and a few rows with no order id.
pub fn orders_csv() -> String {
    let mut rng = Rng::new(0x5EED_0D3E);
    let mut out = String::from("Order ID,customer id,Order Date,Amount,Currency,Ship Country,Status,Updated At\n");
    for i in 0..ORDERS {
        let ordered = YEAR_START + rng.below(360 * 86_400) as i64;
        let customer = format!("C{:05}", 1 + rng.below(CUSTOMERS as u64 + 20));
        let currency = *rng.pick(&["USD", "USD", "EUR", "GBP"]);
        let cents = if rng.chance(0.01) {
            -(rng.below(5_000) as i64)
        } else {
            100 + rng.below(250_000) as i64
        };
        let currency_text = match rng.below(4) {
            0 => currency.to_lowercase(),
            1 => format!("{currency} "),
            _ => currency.to_string(),
        };
        let (_, names) = rng.pick(COUNTRIES);
        let country = rng.pick(names).to_string();
        let status = rng.pick(STATUSES).to_string();
        let updated = ordered + rng.below(5 * 86_400) as i64;
        let id = format!("ORD-{:06}", i + 1);
        let customer = if rng.chance(0.01) { String::new() } else { customer };
        let row = |rng: &mut Rng, id: String, status: String, updated: i64| {
            let date = messy_timestamp(rng, ordered);
            let amount = messy_amount(rng, cents, currency);
            let updated = messy_timestamp(rng, updated);
            line(&[
                id,
                customer.clone(),
                date,
                amount,
                currency_text.clone(),
                country.clone(),
                status,
                updated,
            ])
        };
        if rng.chance(0.03) {
            // An earlier version of the same order, still pending.
            let older = row(&mut rng, id.clone(), "pending".into(), updated - 3600);
            out.push_str(&older);
        }
        let id = if rng.chance(0.004) { String::new() } else { id };
        let current = row(&mut rng, id, status, updated);
        out.push_str(&current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(YEAR_START), (2024, 1, 1, 0, 0, 0));
        assert_eq!(civil(YEAR_START + 59 * 86_400 + 3661), (2024, 2, 29, 1, 1, 1));
    }
}
