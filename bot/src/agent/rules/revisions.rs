//! What the rules drafter changed since its first draft, as plain values the silver
//! draft reads: other readings of columns, normalized spellings, values set aside.
//! How they are learned from a round's failures is `revise`.

use super::super::transform::SetAside;

/// A rewrite of a text value that keeps what it says: one code spelled another way.
/// Folding accents or dropping characters is not one (`müller@` and `muller@` are two
/// mailboxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    /// `cc-1234` → `CC-1234`.
    Upper,
    /// `Bob@X.COM` → `bob@x.com`.
    Lower,
    /// `On   hold ` → `On hold`.
    Spaces,
    /// `"ABC"` → `ABC`.
    Quotes,
}

impl Normalization {
    /// Every normalization, in the order they are preferred on a tie.
    pub const ALL: [Normalization; 4] = [Self::Spaces, Self::Quotes, Self::Upper, Self::Lower];

    /// `expr` normalized, in DuckDB SQL.
    pub fn apply(self, expr: &str) -> String {
        match self {
            Self::Upper => format!("upper({expr})"),
            Self::Lower => format!("lower({expr})"),
            Self::Spaces => format!("trim(regexp_replace({expr}, '\\s+', ' ', 'g'))"),
            Self::Quotes => format!("trim(regexp_replace({expr}, '^[\"''`]+|[\"''`]+$', '', 'g'))"),
        }
    }

    /// What it does, for the plan.
    pub fn label(self) -> &'static str {
        match self {
            Self::Upper => "upper case",
            Self::Lower => "lower case",
            Self::Spaces => "runs of spaces as one",
            Self::Quotes => "surrounding quotes removed",
        }
    }
}

/// The normalizations a column gets, and the measure that earned them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalizing {
    /// The silver column.
    pub column: String,
    /// Applied in order, on top of the column's reading.
    pub steps: Vec<Normalization>,
    /// Why, with the counts, for the plan.
    pub why: String,
}

/// Everything the drafter changed since its first draft, each with its reason.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Revisions {
    /// Bronze column → the index of the reading used instead of the profile's choice.
    pub readings: Vec<(String, usize, String)>,
    /// Silver columns with normalized spellings.
    pub normalized: Vec<Normalizing>,
    /// Values set aside (NULL plus a flag column), with why.
    pub set_aside: Vec<(SetAside, String)>,
}

impl Revisions {
    /// The reading index chosen for bronze `column` by a revision, if any.
    pub fn reading_of(&self, column: &str) -> Option<usize> {
        self.readings.iter().find(|(c, _, _)| c == column).map(|(_, i, _)| *i)
    }

    /// The normalizations of silver `column`.
    pub fn normalizing(&self, column: &str) -> Option<&Normalizing> {
        self.normalized.iter().find(|n| n.column == column)
    }
}
