//! The time grain a request asks a gold product for ("daily revenue", "per week").

/// A time grain for `date_trunc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per week (weeks start on Monday).
    Week,
    /// Per month.
    Month,
    /// Per quarter.
    Quarter,
    /// Per year.
    Year,
}

impl Grain {
    /// The grain the request asks for; a day when it names none.
    pub fn from_request(text: &str) -> Grain {
        let t = text.to_lowercase();
        let words: Vec<&str> = t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let said = |adjective: &str, noun: &str| {
            words.contains(&adjective)
                || words
                    .windows(2)
                    .any(|w| matches!(w[0], "per" | "by" | "each" | "every" | "a") && w[1] == noun)
        };
        [
            (Grain::Hour, "hourly", "hour"),
            (Grain::Week, "weekly", "week"),
            (Grain::Month, "monthly", "month"),
            (Grain::Quarter, "quarterly", "quarter"),
            (Grain::Year, "yearly", "year"),
            (Grain::Day, "daily", "day"),
        ]
        .into_iter()
        .find(|(_, adjective, noun)| said(adjective, noun) || (*noun == "year" && words.contains(&"annual")))
        .map_or(Grain::Day, |(g, _, _)| g)
    }

    /// `day`, as `date_trunc` spells it.
    pub fn part(self) -> &'static str {
        match self {
            Grain::Hour => "hour",
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    /// `daily`, for product names.
    pub fn adjective(self) -> &'static str {
        match self {
            Grain::Hour => "hourly",
            Grain::Day => "daily",
            Grain::Week => "weekly",
            Grain::Month => "monthly",
            Grain::Quarter => "quarterly",
            Grain::Year => "yearly",
        }
    }
}
