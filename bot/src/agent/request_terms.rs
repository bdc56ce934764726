//! What a gold request names: the measures ("order count", "revenue", "average
//! basket", "distinct customers") and the dimensions ("by ship country"). The rules
//! drafter builds from them, and the promotion loop holds every drafter to them: each
//! named measure and dimension is in the product or the checklist says it is not.

use super::infer::name_words;
use hallmark_checks::result::{CheckResult, Status};
use hallmark_checks::rule::Severity;
use hallmark_checks::spec::ProductSpec;

/// The standard id the request's lines are reported under.
pub const REQUEST_ID: &str = "request";

/// What a measure computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// How many rows.
    Count,
    /// The sum of money: revenue, sales, turnover.
    Revenue,
    /// The sum of a named column ("total quantity", "sum of weight").
    Sum,
    /// The mean of a named column ("average amount").
    Average,
    /// How many distinct values of a named column ("distinct customers").
    Distinct,
}

/// One measure the request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// The words as the request has them, for messages.
    pub phrase: String,
    /// What it computes.
    pub kind: MeasureKind,
    /// The words naming the column it is of (`quantity`), when it names one.
    pub of: Vec<String>,
}

/// Everything a request names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestTerms {
    /// The measures, in the request's order.
    pub measures: Vec<Measure>,
    /// The dimensions: the words after `by` or `per` that are not a grain.
    pub dimensions: Vec<Vec<String>>,
}

const GRAINS: &[&str] = &[
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
];
const REVENUE: &[&str] = &["revenue", "revenues", "sales", "turnover", "gmv", "spend", "income"];
const STOP: &[&str] = &[
    "and", "by", "per", "of", "the", "a", "an", "in", "for", "with", "each", "every",
];

fn singular(word: &str) -> String {
    word.strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| word.strip_suffix('s').filter(|s| s.len() > 2).map(str::to_string))
        .unwrap_or_else(|| word.to_string())
}

/// Reads the measures and dimensions out of `text`.
pub fn request_terms(text: &str) -> RequestTerms {
    let words: Vec<String> = name_words(text);
    let mut terms = RequestTerms::default();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = |k: usize| words.get(i + k).map(String::as_str);
        // "by ship country and status": dimensions until a word that is none.
        if matches!(w, "by" | "per") {
            let mut j = i + 1;
            let mut phrase = Vec::new();
            while let Some(x) = words.get(j) {
                // `and` and a grain word (`by day and ship country`) end a dimension.
                if x == "and" || GRAINS.contains(&x.as_str()) {
                    if !phrase.is_empty() {
                        terms.dimensions.push(std::mem::take(&mut phrase));
                    }
                } else if STOP.contains(&x.as_str()) {
                    break;
                } else {
                    phrase.push(x.clone());
                }
                j += 1;
            }
            if !phrase.is_empty() {
                terms.dimensions.push(phrase);
            }
            i = j;
            continue;
        }
        let measure = |kind, phrase: &[&str], of: Vec<String>| Measure {
            phrase: phrase.join(" "),
            kind,
            of,
        };
        if REVENUE.contains(&w) {
            terms.measures.push(measure(MeasureKind::Revenue, &[w], Vec::new()));
        } else if matches!(w, "average" | "avg" | "mean") {
            if let Some(x) = next(1).filter(|x| !STOP.contains(x)) {
                terms
                    .measures
                    .push(measure(MeasureKind::Average, &[w, x], vec![singular(x)]));
                i += 1;
            }
        } else if matches!(w, "distinct" | "unique") {
            if let Some(x) = next(1).filter(|x| !STOP.contains(x)) {
                terms
                    .measures
                    .push(measure(MeasureKind::Distinct, &[w, x], vec![singular(x)]));
                i += 1;
            }
        } else if matches!(w, "sum" | "total") && next(1) == Some("of") {
            if let Some(x) = next(2) {
                terms
                    .measures
                    .push(measure(MeasureKind::Sum, &[w, "of", x], vec![singular(x)]));
                i += 2;
            }
        } else if w == "total" && next(1).is_some_and(|x| !STOP.contains(&x) && !REVENUE.contains(&x)) {
            let x = next(1).unwrap_or_default();
            terms
                .measures
                .push(measure(MeasureKind::Sum, &[w, x], vec![singular(x)]));
            i += 1;
        } else if matches!(w, "count" | "counts") || (w == "number" && next(1) == Some("of")) {
            terms.measures.push(measure(MeasureKind::Count, &[w], Vec::new()));
        }
        i += 1;
    }
    terms
}

/// The column of `spec` a dimension names: its name, or a name ending in it.
pub fn dimension_column<'a>(spec: &'a ProductSpec, words: &[String]) -> Option<&'a str> {
    let joined = words.join("_");
    let single: Vec<String> = words.iter().map(|w| singular(w)).collect();
    let single = single.join("_");
    spec.columns.iter().map(|c| c.name.as_str()).find(|n| {
        [&joined, &single]
            .iter()
            .any(|w| *n == w.as_str() || n.ends_with(&format!("_{w}")))
    })
}

/// The column of a gold `spec` that holds `m`, by the names the rules drafter gives
/// and those a person would (`amount_total`, `revenue`, `avg_amount`, `customer_count`).
pub fn measure_column<'a>(spec: &'a ProductSpec, m: &Measure) -> Option<&'a str> {
    let of = m.of.join("_");
    let has = |c: &hallmark_checks::spec::ColumnSpec, w: &str| name_words(&c.name).iter().any(|x| x == w);
    let tagged = |c: &hallmark_checks::spec::ColumnSpec, t: &str| c.tags.iter().any(|x| x == t);
    spec.columns
        .iter()
        .find(|c| match m.kind {
            MeasureKind::Count => has(c, "count") && !tagged(c, "dimension"),
            MeasureKind::Revenue => REVENUE.iter().any(|w| has(c, w)) || (tagged(c, "currency") && tagged(c, "metric")),
            MeasureKind::Sum => c.name.contains(&of) && (has(c, "total") || has(c, "sum")) && !tagged(c, "dimension"),
            MeasureKind::Average => c.name.contains(&of) && (has(c, "avg") || has(c, "average") || has(c, "mean")),
            MeasureKind::Distinct => {
                c.name.contains(&of) && (has(c, "count") || has(c, "distinct")) && !tagged(c, "dimension")
            }
        })
        .map(|c| c.name.as_str())
}

/// One checklist line per measure and dimension the request names: a pass naming
/// the column that holds it, or a failure saying it is not in the product.
pub fn request_results(text: &str, spec: &ProductSpec) -> Vec<CheckResult> {
    let terms = request_terms(text);
    let line = |what: String, found: Option<&str>| CheckResult {
        standard_id: REQUEST_ID.into(),
        title: "The product holds what the request names".into(),
        check: "requested".into(),
        columns: found.map(|c| vec![c.to_string()]).unwrap_or_default(),
        severity: Severity::Error,
        status: if found.is_some() { Status::Pass } else { Status::Fail },
        figure: match found {
            Some(c) => format!("{what}: `{c}`"),
            None => format!("{what}: not in the product"),
        },
        failing: None,
        total: None,
        sql: None,
        samples: None,
        reason: found
            .is_none()
            .then(|| "the request names it, and no column of the product holds it".to_string()),
    };
    let mut out: Vec<CheckResult> = terms
        .measures
        .iter()
        .map(|m| line(format!("measure \"{}\"", m.phrase), measure_column(spec, m)))
        .collect();
    out.extend(
        terms
            .dimensions
            .iter()
            .map(|d| line(format!("dimension \"{}\"", d.join(" ")), dimension_column(spec, d))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_and_dimensions_are_read_from_the_request() {
        let t = request_terms("Order count and revenue by day and ship country");
        assert_eq!(
            t.measures.iter().map(|m| m.kind).collect::<Vec<_>>(),
            [MeasureKind::Count, MeasureKind::Revenue]
        );
        assert_eq!(t.dimensions, [vec!["ship".to_string(), "country".to_string()]]);
        let t = request_terms("average amount and distinct customers per month, by status");
        assert_eq!(t.measures[0].kind, MeasureKind::Average);
        assert_eq!(t.measures[0].of, ["amount"]);
        assert_eq!(t.measures[1].kind, MeasureKind::Distinct);
        assert_eq!(t.measures[1].of, ["customer"]);
        assert_eq!(t.dimensions, [vec!["status".to_string()]]);
        let t = request_terms("total quantity and sum of weight daily");
        assert_eq!(
            t.measures.iter().map(|m| m.of.join("_")).collect::<Vec<_>>(),
            ["quantity", "weight"]
        );
    }
}
