//! Units of measure: which spellings name which unit, which family a unit belongs to
//! and how a value converts between two units of a family. Sensor exports, lab
//! results and logistics feeds carry a measure and a `unit` column beside it (°F rows
//! among °C ones); a silver column named for one unit must hold every value in it.

/// What a unit measures; only units of one family convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// °C, °F, K.
    Temperature,
    /// kg, g, lb, oz.
    Mass,
    /// m, cm, mm, km, in, ft, mi.
    Length,
}

impl Family {
    /// Words of a column name that say it measures this family.
    pub fn measure_words(self) -> &'static [&'static str] {
        match self {
            Family::Temperature => &["temperature", "temp", "temperatures"],
            Family::Mass => &["weight", "mass", "weights"],
            Family::Length => &["length", "height", "width", "depth", "distance", "size"],
        }
    }
}

/// One unit: its symbol, its family, how people spell it, and its value in the
/// family's base unit (°C, kg, m) as `scale × value + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The symbol silver writes (`°C`).
    pub symbol: &'static str,
    /// What it measures.
    pub family: Family,
    /// Spellings, lower case, without `°`, `deg` or spaces.
    pub spellings: &'static [&'static str],
    scale: f64,
    offset: f64,
}

const fn unit(
    symbol: &'static str,
    family: Family,
    spellings: &'static [&'static str],
    scale: f64,
    offset: f64,
) -> Unit {
    Unit {
        symbol,
        family,
        spellings,
        scale,
        offset,
    }
}

/// The units Hallmark converts.
pub const UNITS: &[Unit] = &[
    unit("°C", Family::Temperature, &["c", "celsius", "centigrade"], 1.0, 0.0),
    unit("°F", Family::Temperature, &["f", "fahrenheit"], 5.0 / 9.0, -160.0 / 9.0),
    unit("K", Family::Temperature, &["k", "kelvin"], 1.0, -273.15),
    unit(
        "kg",
        Family::Mass,
        &["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"],
        1.0,
        0.0,
    ),
    unit("g", Family::Mass, &["g", "gr", "gram", "grams"], 0.001, 0.0),
    unit("lb", Family::Mass, &["lb", "lbs", "pound", "pounds"], 0.453_592_37, 0.0),
    unit("oz", Family::Mass, &["oz", "ounce", "ounces"], 0.028_349_523_125, 0.0),
    unit(
        "m",
        Family::Length,
        &["m", "meter", "meters", "metre", "metres"],
        1.0,
        0.0,
    ),
    unit(
        "cm",
        Family::Length,
        &["cm", "centimeter", "centimeters", "centimetre", "centimetres"],
        0.01,
        0.0,
    ),
    unit(
        "mm",
        Family::Length,
        &["mm", "millimeter", "millimeters", "millimetre", "millimetres"],
        0.001,
        0.0,
    ),
    unit(
        "km",
        Family::Length,
        &["km", "kilometer", "kilometers", "kilometre", "kilometres"],
        1000.0,
        0.0,
    ),
    unit("in", Family::Length, &["in", "inch", "inches"], 0.0254, 0.0),
    unit("ft", Family::Length, &["ft", "foot", "feet"], 0.3048, 0.0),
    unit("mi", Family::Length, &["mi", "mile", "miles"], 1609.344, 0.0),
];

/// A unit's spelling reduced as [`UNITS`] lists them: lower case, without `°`,
/// `deg`/`degrees` before a temperature letter, `.` or spaces.
pub fn spelling_key(text: &str) -> String {
    let key: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '°' | 'º' | '.' | ' '))
        .collect();
    for prefix in ["degrees", "degree", "deg"] {
        if let Some(rest) = key.strip_prefix(prefix) {
            if !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    key
}

/// The unit `text` spells, if any.
pub fn unit_of(text: &str) -> Option<&'static Unit> {
    let key = spelling_key(text);
    UNITS.iter().find(|u| u.spellings.contains(&key.as_str()))
}

/// The unit of `family` a column name states (`temperature_c`, `Weight (lb)`), from
/// its words.
pub fn unit_named(words: &[String], family: Family) -> Option<&'static Unit> {
    words.iter().filter_map(|w| unit_of(w)).find(|u| u.family == family)
}

/// SQL for `value` (a DOUBLE) in unit `from` converted to unit `to` of the same
/// family.
pub fn convert_sql(value: &str, from: &Unit, to: &Unit) -> String {
    if from.symbol == to.symbol {
        return value.to_string();
    }
    // base = from.scale × v + from.offset; target = (base − to.offset) / to.scale.
    // Every constant a DOUBLE: SQL reads `0.5555555555555556` as a DECIMAL, which
    // overflows against another.
    format!(
        "((CAST({value} AS DOUBLE)) * CAST({} AS DOUBLE) + CAST({} AS DOUBLE) - CAST({} AS DOUBLE)) / CAST({} AS DOUBLE)",
        from.scale, from.offset, to.offset, to.scale
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_name_their_unit() {
        assert_eq!(unit_of("°F").unwrap().symbol, "°F");
        assert_eq!(unit_of("degF").unwrap().symbol, "°F");
        assert_eq!(unit_of(" Celsius ").unwrap().symbol, "°C");
        assert_eq!(unit_of("LBS").unwrap().symbol, "lb");
        assert!(unit_of("parsecs").is_none());
        let words = ["temperature".to_string(), "c".to_string()];
        assert_eq!(unit_named(&words, Family::Temperature).unwrap().symbol, "°C");
        assert!(unit_named(&words, Family::Mass).is_none());
    }

    /// Conversions, checked on DuckDB: 212 °F is 100 °C, 1 lb is 0.45359237 kg.
    #[test]
    fn conversions_are_exact_where_the_units_are() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let run = |sql: String| -> f64 { conn.query_row(&format!("SELECT {sql}"), [], |r| r.get(0)).unwrap() };
        let c = unit_of("c").unwrap();
        let f = unit_of("f").unwrap();
        let k = unit_of("k").unwrap();
        assert!((run(convert_sql("212.0", f, c)) - 100.0).abs() < 1e-9);
        assert!((run(convert_sql("-40.0", c, f)) + 40.0).abs() < 1e-9);
        assert!((run(convert_sql("0.0", c, k)) - 273.15).abs() < 1e-9);
        let (lb, kg) = (unit_of("lb").unwrap(), unit_of("kg").unwrap());
        assert!((run(convert_sql("1.0", lb, kg)) - 0.453_592_37).abs() < 1e-12);
    }
}
