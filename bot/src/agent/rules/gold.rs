//! The rules drafter's gold half: an aggregate of a silver product by a time grain and
//! dimensions, with counts, sums and distinct counts. The request's words pick the
//! grain ("daily", "per month"), the dimensions ("by ship country") and whether money
//! is summed; what it does not say falls back to defaults the plan writes down.

use super::super::asks::{asks_for_column, asks_for_tag};
use super::super::context::Context;
use super::super::grain::Grain;
use super::super::infer::name_words;
use super::super::request_terms::{request_terms, Measure, MeasureKind, RequestTerms};
use super::super::transform::{ident, literal, snake_case};
use super::markers::LATEST_MARKERS;
use hallmark_checks::spec::{ColumnSpec, ProductSpec, SourceSpec};
use hallmark_checks::standards::Standard;
use hallmark_checks::Level;

/// A drafted gold product.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldDraft {
    /// The spec, for `gold_<name>.yml`.
    pub spec: ProductSpec,
    /// The SELECT, for `gold_<name>.sql`.
    pub sql: String,
    /// The decisions, one line each.
    pub notes: Vec<String>,
}

/// One column of the source product that the aggregate uses.
struct Col<'a> {
    spec: &'a ColumnSpec,
    nulls: u64,
}

/// The start of the `grain` in which timestamp `column` falls, as `type_name`
/// (`timestamp` or `date`). The silver column is a UTC timestamp without a zone, so
/// the bucket is the UTC calendar's, and no session time zone moves a row across a
/// day or month boundary.
pub fn bucket_expr(grain: Grain, column: &str, type_name: &str) -> String {
    format!(
        "CAST(date_trunc({}, {column}) AS {})",
        literal(grain.part()),
        type_name.to_uppercase()
    )
}

/// The name a gold standard selects the time bucket by, if one does: a plain name
/// (no glob) that a bucket of `grain` goes by — the grain itself (`day`), `date` for
/// a day, `<grain>_start`, `period`, `period_start`, or `<base>_<grain>` /
/// `<base>_date` for the time column's stem.
fn bucket_name_asked(standards: &[Standard], grain: Grain, base: &str) -> Option<String> {
    let part = grain.part();
    let mut names = vec![
        part.to_string(),
        format!("{part}_start"),
        "period".to_string(),
        "period_start".to_string(),
    ];
    if grain == Grain::Day {
        names.push("date".into());
        if !base.is_empty() {
            names.push(format!("{base}_date"));
        }
    }
    if !base.is_empty() {
        names.push(format!("{base}_{part}"));
    }
    standards
        .iter()
        .filter(|s| s.applies_to(Level::Gold))
        .filter_map(|s| s.rule.as_ref()?.columns.as_ref()?.name.clone())
        .find(|n| names.contains(&n.to_lowercase()))
}

/// Drafts the gold target of `ctx` from its silver source product.
pub fn draft_gold(ctx: &Context<'_>) -> Result<GoldDraft, String> {
    let silver = ctx
        .source_product()
        .ok_or_else(|| format!("the source product {} is not in the repository", ctx.source.spec.name))?;
    let text = &ctx.request.text;
    let grain = Grain::from_request(text);
    let mut notes = Vec::new();
    let cols: Vec<Col> = silver
        .spec
        .columns
        .iter()
        .map(|c| Col {
            spec: c,
            nulls: ctx.profile.column(&c.name).map_or(0, |p| p.nulls),
        })
        .collect();
    let time = pick_time(&cols, text).ok_or_else(|| {
        format!(
            "{} has no timestamp column to aggregate by {}",
            silver.spec.relation(),
            grain.part()
        )
    })?;
    notes.push(grain_note(grain, time, text));
    let terms = request_terms(text);
    let mut dims = dimensions(&cols, text, time, &mut notes);
    let money = money_columns(&cols, &terms, &mut notes);
    if !money.is_empty() {
        currency_code_dimension(&cols, &mut dims, &mut notes);
    }
    let (period, bucket_type) = bucket(ctx, grain, time, &mut notes);

    let mut agg = Aggregate::new(&silver.spec, grain, &dims);
    agg.bucket(time, &period, bucket_type);
    if time.nulls > 0 {
        notes.push(format!(
            "{} rows of {} have no `{}` and are left out.",
            time.nulls,
            silver.spec.relation(),
            time.spec.name
        ));
    }
    for d in &dims {
        agg.dimension(ctx, d, &mut notes);
    }
    let group_by: Vec<String> = (1..=agg.select.len()).map(|i| i.to_string()).collect();
    let entity = silver
        .spec
        .name
        .strip_suffix('s')
        .unwrap_or(&silver.spec.name)
        .to_string();
    agg.count(&entity);
    for m in &money {
        agg.money(m);
    }
    for r in cols.iter().filter(|c| c.spec.tags.iter().any(|t| t.ends_with("_ref"))) {
        agg.distinct_ref(r);
    }
    for m in &terms.measures {
        agg.asked(m, &cols, time, &dims, &mut notes);
    }

    let sql = format!(
        "-- Drafted by Hallmark's rules drafter from {src}.\nSELECT\n    {}\nFROM {src}\nWHERE {}\nGROUP BY {}\n",
        agg.select.join(",\n    "),
        agg.filters.join(" AND "),
        group_by.join(", "),
        src = silver.spec.relation(),
    );
    let mut primary_key = vec![period];
    primary_key.extend(dims.iter().map(|d| d.spec.name.clone()));
    let spec = ProductSpec {
        name: ctx.target.name.clone(),
        level: Level::Gold,
        description: Some(format!(
            "{} {} of {}{}: counts{}.",
            capitalize(grain.adjective()),
            silver.spec.name,
            silver.spec.relation(),
            agg.per,
            if money.is_empty() { "" } else { " and amounts" }
        )),
        owner: ctx.owner.clone().or_else(|| silver.spec.owner.clone()),
        sources: vec![SourceSpec {
            name: silver.spec.relation(),
            file: None,
            table: None,
            key: Vec::new(),
            missing_values: Default::default(),
        }],
        primary_key,
        columns: agg.columns,
        checks: Vec::new(),
    };
    Ok(GoldDraft { spec, sql, notes })
}

fn has_tag(c: &Col, tag: &str) -> bool {
    c.spec.tags.iter().any(|t| t == tag)
}

fn is_type(c: &Col, family: &str) -> bool {
    c.spec.type_name.to_lowercase().starts_with(family)
}

fn is_numeric(c: &Col) -> bool {
    ["decimal", "double", "bigint", "integer", "float"]
        .iter()
        .any(|t| is_type(c, t))
}

/// The plan's line on the grain: which, of which column, and whether the request
/// asked for it.
fn grain_note(grain: Grain, time: &Col, text: &str) -> String {
    format!(
        "Grain: one row per {} of `{}`{}.",
        grain.part(),
        time.spec.name,
        if text.to_lowercase().contains(grain.adjective()) || text.to_lowercase().contains(grain.part()) {
            ", as the request asks"
        } else {
            " (the request names no grain; a day is the default)"
        }
    )
}

/// The dimensions the request names; without any, the first country or status column.
fn dimensions<'a>(cols: &'a [Col<'a>], text: &str, time: &Col, notes: &mut Vec<String>) -> Vec<&'a Col<'a>> {
    let mut dims: Vec<&Col> = named_dimensions(cols, text, time.spec.name.as_str());
    if dims.is_empty() {
        if let Some(c) = cols
            .iter()
            .find(|c| has_tag(c, "country"))
            .or_else(|| cols.iter().find(|c| has_tag(c, "status")))
        {
            notes.push(format!(
                "Dimension: `{}` (the request names none; the first country or status column is the default).",
                c.spec.name
            ));
            dims.push(c);
        }
    } else {
        notes.push(format!(
            "Dimensions: {}, as the request asks.",
            dims.iter()
                .map(|c| format!("`{}`", c.spec.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    dims
}

/// The money columns summed: those tagged `currency`; when the request asks for
/// revenue and none is tagged, an amount-like number by its name.
fn money_columns<'a>(cols: &'a [Col<'a>], terms: &RequestTerms, notes: &mut Vec<String>) -> Vec<&'a Col<'a>> {
    let money: Vec<&Col> = cols
        .iter()
        .filter(|c| has_tag(c, "currency") && is_type(c, "decimal"))
        .collect();
    if !money.is_empty() || !terms.measures.iter().any(|m| m.kind == MeasureKind::Revenue) {
        return money;
    }
    // Revenue asked for, no column tagged as money: an amount-like number is it.
    let amount_like = ["amount", "price", "total", "revenue", "sales", "value", "net", "gross"];
    let money: Vec<&Col> = cols
        .iter()
        .filter(|c| {
            (is_type(c, "decimal") || is_type(c, "double"))
                && name_words(&c.spec.name)
                    .iter()
                    .any(|w| amount_like.contains(&w.as_str()))
        })
        .collect();
    match money.first() {
        Some(m) => notes.push(format!(
            "The request asks for revenue; `{}` carries no `currency` tag, but its name says it is an amount, so it is summed.",
            m.spec.name
        )),
        None => notes.push("Not done: the request asks for revenue, but no column of the source holds an amount.".into()),
    }
    money
}

/// Amounts in different currencies are never added together: the currency code is a
/// dimension whenever money is summed.
fn currency_code_dimension<'a>(cols: &'a [Col<'a>], dims: &mut Vec<&'a Col<'a>>, notes: &mut Vec<String>) {
    if let Some(code) = cols.iter().find(|c| has_tag(c, "currency_code")) {
        if !dims.iter().any(|d| d.spec.name == code.spec.name) {
            notes.push(format!(
                "`{}` is a dimension too: amounts in different currencies are never added together.",
                code.spec.name
            ));
            dims.push(code);
        }
    }
}

/// The bucket column's name and type: `<time>_<part>` unless a gold standard selects
/// the bucket by a name of its own, a DATE where the standards selecting it ask for one.
fn bucket(ctx: &Context<'_>, grain: Grain, time: &Col, notes: &mut Vec<String>) -> (String, &'static str) {
    let base = time
        .spec
        .name
        .trim_end_matches("_at")
        .trim_end_matches("_date")
        .trim_end_matches("_time")
        .trim_end_matches("_ts");
    let mut period = if base.is_empty() || base == time.spec.name {
        format!("{}_{}", time.spec.name, grain.part())
    } else {
        format!("{base}_{}", grain.part())
    };
    // A gold standard that selects the bucket by a name (`day`, `date`, `month_start`)
    // names it; what the standards selecting it ask (`type: date`) types it.
    if let Some(named) = bucket_name_asked(&ctx.project.standards, grain, base) {
        notes.push(format!(
            "The {} is named `{named}`, as a gold standard selects it by that name.",
            grain.part()
        ));
        period = named;
    }
    let provisional = ColumnSpec {
        name: period.clone(),
        type_name: "timestamp".into(),
        description: None,
        tags: vec!["event_time".into(), "dimension".into()],
        checks: Vec::new(),
    };
    let bucket_shape = ProductSpec {
        name: ctx.target.name.clone(),
        level: Level::Gold,
        description: None,
        owner: None,
        sources: Vec::new(),
        primary_key: vec![period.clone()],
        columns: vec![provisional.clone()],
        checks: Vec::new(),
    };
    let bucket_asks = asks_for_column(&ctx.project.standards, &provisional, &bucket_shape);
    let bucket_type = match bucket_asks.type_name.as_deref().map(str::to_lowercase) {
        Some(t) if t == "date" => {
            notes.push(format!(
                "`{period}` is a DATE, as {} ask.",
                bucket_asks.standards.join(", ")
            ));
            "date"
        }
        _ => "timestamp",
    };
    (period, bucket_type)
}

/// The aggregate's SELECT list, WHERE filters and spec columns, built a column at a
/// time.
struct Aggregate<'a> {
    silver: &'a ProductSpec,
    grain: Grain,
    /// `, per country and status`, for descriptions.
    per: String,
    select: Vec<String>,
    columns: Vec<ColumnSpec>,
    filters: Vec<String>,
}

impl<'a> Aggregate<'a> {
    fn new(silver: &'a ProductSpec, grain: Grain, dims: &[&Col]) -> Self {
        let per = if dims.is_empty() {
            String::new()
        } else {
            format!(
                ", per {}",
                dims.iter()
                    .map(|d| d.spec.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        };
        Aggregate {
            silver,
            grain,
            per,
            select: Vec::new(),
            columns: Vec::new(),
            filters: Vec::new(),
        }
    }

    /// The time bucket, first; rows without a time are left out.
    fn bucket(&mut self, time: &Col, period: &str, bucket_type: &str) {
        self.select.push(format!(
            "{} AS {}",
            bucket_expr(self.grain, &ident(&time.spec.name), bucket_type),
            ident(period)
        ));
        self.columns.push(ColumnSpec {
            name: period.to_string(),
            type_name: bucket_type.into(),
            description: Some(format!(
                "Start of the {} (UTC) in which `{}` falls; rows without one are not counted.",
                self.grain.part(),
                time.spec.name
            )),
            tags: vec!["event_time".into(), "dimension".into()],
            checks: Vec::new(),
        });
        self.filters.push(format!("{} IS NOT NULL", ident(&time.spec.name)));
    }

    /// A dimension: a missing country is `ZZ`; a column whose values the standards
    /// restrict leaves its missing values out; any other groups them as `unknown`.
    fn dimension(&mut self, ctx: &Context<'_>, d: &Col, notes: &mut Vec<String>) {
        let mut tags = vec!["dimension".to_string()];
        tags.extend(d.spec.tags.iter().filter(|t| !t.ends_with("_ref")).cloned());
        let restricted = d
            .spec
            .tags
            .iter()
            .any(|t| !asks_for_tag(&ctx.project.standards, Level::Gold, t).accepted.is_empty());
        let expr = if has_tag(d, "country") {
            if d.nulls > 0 {
                notes.push(format!(
                    "{} rows have no `{}`; they are grouped under `ZZ`, the ISO 3166 code for an unknown country.",
                    d.nulls, d.spec.name
                ));
            }
            format!("coalesce({}, 'ZZ')", ident(&d.spec.name))
        } else if restricted {
            self.filters.push(format!("{} IS NOT NULL", ident(&d.spec.name)));
            if d.nulls > 0 {
                notes.push(format!(
                    "{} rows have no `{}` and are left out: the standards accept only listed values there.",
                    d.nulls, d.spec.name
                ));
            }
            ident(&d.spec.name)
        } else {
            format!("coalesce({}, 'unknown')", ident(&d.spec.name))
        };
        self.select.push(format!("{expr} AS {}", ident(&d.spec.name)));
        self.columns.push(ColumnSpec {
            name: d.spec.name.clone(),
            type_name: d.spec.type_name.clone(),
            description: Some(format!(
                "Dimension from {}.{}: {}",
                self.silver.relation(),
                d.spec.name,
                d.spec.description.clone().unwrap_or_default()
            )),
            tags,
            checks: Vec::new(),
        });
    }

    /// `<entity>_count`: the rows in each group.
    fn count(&mut self, entity: &str) {
        let count = format!("{entity}_count");
        self.select.push(format!("count(*) AS {}", ident(&count)));
        let description = format!(
            "Number of {} rows in the {}{}.",
            self.silver.relation(),
            self.grain.part(),
            self.per
        );
        self.columns.push(metric(&count, "bigint", description, &[]));
    }

    /// `<amount>_total`: a money column summed, in the row's currency.
    fn money(&mut self, m: &Col) {
        let name = format!("{}_total", m.spec.name);
        self.select.push(format!(
            "CAST(coalesce(sum({}), 0) AS DECIMAL(18, 2)) AS {}",
            ident(&m.spec.name),
            ident(&name)
        ));
        let description = format!(
            "Sum of `{}` over the {} rows of the {}{}, in the row's currency.",
            m.spec.name,
            self.silver.relation(),
            self.grain.part(),
            self.per
        );
        self.columns
            .push(metric(&name, "decimal(18,2)", description, &["currency"]));
    }

    /// `<entity>_count` of a reference column: its distinct values.
    fn distinct_ref(&mut self, r: &Col) {
        let stem = r.spec.name.strip_suffix("_id").unwrap_or(&r.spec.name);
        let name = format!("{stem}_count");
        if self.columns.iter().any(|c| c.name == name) {
            return;
        }
        self.select
            .push(format!("count(DISTINCT {}) AS {}", ident(&r.spec.name), ident(&name)));
        let description = format!(
            "Number of distinct `{}` values among the {} rows of the {}{}.",
            r.spec.name,
            self.silver.relation(),
            self.grain.part(),
            self.per
        );
        self.columns.push(metric(&name, "bigint", description, &[]));
    }

    /// A measure the request names ("average amount", "total quantity", "distinct
    /// customers"), of the column it names; a note says when there is none.
    fn asked(&mut self, m: &Measure, cols: &[Col], time: &Col, dims: &[&Col], notes: &mut Vec<String>) {
        let of = m.of.join("_");
        let target = cols
            .iter()
            .filter(|c| c.spec.name != time.spec.name && !dims.iter().any(|d| d.spec.name == c.spec.name))
            .find(|c| c.spec.name == of || c.spec.name.contains(&of));
        let (name, expr, type_name, what) = match (m.kind, target) {
            (MeasureKind::Average, Some(c)) if is_numeric(c) => (
                format!("avg_{}", c.spec.name),
                format!("CAST(avg({}) AS DECIMAL(18, 4))", ident(&c.spec.name)),
                "decimal(18,4)",
                format!("Mean of `{}`", c.spec.name),
            ),
            (MeasureKind::Sum, Some(c)) if is_numeric(c) => (
                format!("{}_total", c.spec.name),
                format!("coalesce(sum({}), 0)", ident(&c.spec.name)),
                if is_type(c, "decimal") {
                    "decimal(38,4)"
                } else {
                    "hugeint"
                },
                format!("Sum of `{}`", c.spec.name),
            ),
            (MeasureKind::Distinct, Some(c)) => (
                format!("{}_count", c.spec.name.strip_suffix("_id").unwrap_or(&c.spec.name)),
                format!("count(DISTINCT {})", ident(&c.spec.name)),
                "bigint",
                format!("Number of distinct `{}` values", c.spec.name),
            ),
            (MeasureKind::Average | MeasureKind::Sum | MeasureKind::Distinct, _) => {
                notes.push(format!(
                    "Not done: the request asks for \"{}\", but {} has no {} column `{of}`.",
                    m.phrase,
                    self.silver.relation(),
                    if m.kind == MeasureKind::Distinct {
                        ""
                    } else {
                        "numeric "
                    }
                ));
                return;
            }
            (MeasureKind::Count | MeasureKind::Revenue, _) => return,
        };
        if self.columns.iter().any(|c| c.name == name) {
            return;
        }
        notes.push(format!("`{name}`: {what}, as the request asks (\"{}\").", m.phrase));
        self.select.push(format!("{expr} AS {}", ident(&name)));
        let description = format!(
            "{what} among the {} rows of the {}{}.",
            self.silver.relation(),
            self.grain.part(),
            self.per
        );
        self.columns.push(metric(&name, type_name, description, &[]));
    }
}

fn metric(name: &str, type_name: &str, description: String, extra_tags: &[&str]) -> ColumnSpec {
    let mut tags = vec!["metric".to_string()];
    tags.extend(extra_tags.iter().map(|t| t.to_string()));
    ColumnSpec {
        name: name.to_string(),
        type_name: type_name.to_string(),
        description: Some(description),
        tags,
        checks: Vec::new(),
    }
}

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The timestamp to aggregate by: one the request names, else one that says when
/// the row happened rather than when it was last changed.
fn pick_time<'a>(cols: &'a [Col<'a>], text: &str) -> Option<&'a Col<'a>> {
    let text = snake_case(text);
    let times: Vec<&Col> = cols
        .iter()
        .filter(|c| c.spec.type_name.to_lowercase().starts_with("timestamp"))
        .collect();
    times
        .iter()
        .find(|c| text.contains(&c.spec.name))
        .or_else(|| {
            times
                .iter()
                .find(|c| !LATEST_MARKERS.iter().any(|m| c.spec.name.contains(m)))
        })
        .or_else(|| times.first())
        .copied()
}

/// Columns the request names after "by" or "per" ("by ship country and status").
fn named_dimensions<'a>(cols: &'a [Col<'a>], text: &str, time: &str) -> Vec<&'a Col<'a>> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut found: Vec<&Col> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !matches!(*w, "by" | "per" | "and") {
            continue;
        }
        // The longest run of following words that names a column wins.
        for len in (1..=3).rev() {
            let Some(phrase) = words.get(i + 1..i + 1 + len) else {
                continue;
            };
            let name = phrase.join("_");
            let hit = cols.iter().find(|c| {
                c.spec.name != time
                    && (c.spec.name == name || c.spec.name.ends_with(&format!("_{name}")))
                    && !c.spec.type_name.to_lowercase().starts_with("timestamp")
            });
            if let Some(c) = hit {
                if !found.iter().any(|f| f.spec.name == c.spec.name) {
                    found.push(c);
                }
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grains_come_from_the_request() {
        assert_eq!(Grain::from_request("Daily revenue by country"), Grain::Day);
        assert_eq!(Grain::from_request("revenue per month by status"), Grain::Month);
        assert_eq!(Grain::from_request("Weekly orders"), Grain::Week);
        assert_eq!(Grain::from_request("annual totals"), Grain::Year);
        assert_eq!(Grain::from_request("orders by ship country"), Grain::Day);
    }

    /// A row one second before midnight UTC of a month's last day is in that month,
    /// one at midnight in the next, as DATE or TIMESTAMP; a standard that selects
    /// `day` names a daily bucket.
    #[test]
    fn buckets_fall_on_the_utc_calendar_and_take_the_name_a_standard_selects() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let bucket = |grain, ty: &str, ts: &str| -> String {
            conn.query_row(
                &format!(
                    "SELECT CAST({} AS VARCHAR) FROM (SELECT TIMESTAMP '{ts}' AS t)",
                    bucket_expr(grain, "t", ty)
                ),
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(bucket(Grain::Month, "date", "2024-01-31 23:59:59"), "2024-01-01");
        assert_eq!(bucket(Grain::Month, "date", "2024-02-01 00:00:00"), "2024-02-01");
        assert_eq!(
            bucket(Grain::Day, "timestamp", "2024-02-29 23:59:59"),
            "2024-02-29 00:00:00"
        );
        assert_eq!(bucket(Grain::Week, "date", "2024-03-03 12:00:00"), "2024-02-26");
        let standards = hallmark_checks::standards::parse_standards(
            "## G-1 Days are dates\nApplies to: gold\n```rule\ncolumns: { name: day }\ntype: date\n```\n",
            std::path::Path::new("data_standards.md"),
        )
        .unwrap();
        assert_eq!(
            bucket_name_asked(&standards, Grain::Day, "order").as_deref(),
            Some("day")
        );
        assert_eq!(bucket_name_asked(&standards, Grain::Month, "order"), None);
    }

    #[test]
    fn dimensions_are_matched_by_name_or_suffix() {
        let spec = |name: &str, t: &str| ColumnSpec {
            name: name.into(),
            type_name: t.into(),
            description: None,
            tags: vec![],
            checks: vec![],
        };
        let specs = [
            spec("order_date", "timestamp"),
            spec("ship_country", "varchar"),
            spec("status", "varchar"),
            spec("amount", "decimal(18,2)"),
        ];
        let cols: Vec<Col> = specs.iter().map(|s| Col { spec: s, nulls: 0 }).collect();
        let names = |t: &str| -> Vec<String> {
            named_dimensions(&cols, t, "order_date")
                .iter()
                .map(|c| c.spec.name.clone())
                .collect()
        };
        assert_eq!(names("daily revenue by country and status"), ["ship_country", "status"]);
        assert_eq!(names("revenue by ship country"), ["ship_country"]);
        assert_eq!(names("revenue by day"), Vec::<String>::new());
    }
}
