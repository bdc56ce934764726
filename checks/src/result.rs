//! What a check run produces: one result per check, grouped per product, with the
//! evidence (figure, SQL, samples) a reviewer needs to trust it.
//!
//! The JSON form of [`Checklist`] is documented by `checks/schema/checklist.v1.json`;
//! [`SCHEMA_VERSION`] changes when a field changes meaning or disappears.

use crate::rule::Severity;
use serde::{Deserialize, Serialize};

/// The version of the JSON checklist format.
pub const SCHEMA_VERSION: u32 = 1;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Measured and within the standard.
    Pass,
    /// Measured and outside an error-severity standard: the product fails.
    Fail,
    /// Measured and outside a warn-severity standard: reported only.
    Warn,
    /// Could not be measured (the SQL failed, the table is missing...).
    Error,
    /// No rule: a person must judge it.
    Manual,
    /// The rule selects no column of this product.
    NotApplicable,
}

impl Status {
    /// The label used in the markdown checklist and JUnit.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Manual => "needs human review",
            Status::NotApplicable => "n/a",
        }
    }
}

/// A few failing rows, to show what is wrong rather than only how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    /// Column names: the key columns first, then the offending value(s).
    pub columns: Vec<String>,
    /// At most a handful of rows, values as text (`null` for SQL NULL).
    pub rows: Vec<Vec<Option<String>>>,
}

/// The result of one check on one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The standard id (`SLV-003`), or `spec` for the product's own checks.
    pub standard_id: String,
    /// The standard's title.
    pub title: String,
    /// The check kind (`range`), or `manual` for a standard without a rule.
    pub check: String,
    /// The columns it ran on.
    pub columns: Vec<String>,
    /// How much a failure matters.
    pub severity: Severity,
    /// The outcome.
    pub status: Status,
    /// The measured figure in words, e.g. `3 of 10,000 rows are null`.
    pub figure: String,
    /// Rows that failed, when the check counts rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing: Option<u64>,
    /// Rows (or values) considered, when the check counts rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// A query that measures this check on its own. Value checks are really measured
    /// together in one scan per product; this is the equivalent single-check query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Failing rows, fetched only when the check failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<Samples>,
    /// For manual results the standard's prose; for errors the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Counts of results by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Passed checks.
    pub pass: usize,
    /// Failed error-severity checks.
    pub fail: usize,
    /// Failed warn-severity checks.
    pub warn: usize,
    /// Checks that could not run.
    pub error: usize,
    /// Standards that need a person.
    pub manual: usize,
    /// Standards that selected nothing.
    pub not_applicable: usize,
}

impl Summary {
    /// Tallies `results`.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Warn => s.warn += 1,
                Status::Error => s.error += 1,
                Status::Manual => s.manual += 1,
                Status::NotApplicable => s.not_applicable += 1,
            }
        }
        s
    }

    /// True when nothing of error severity failed or could not be measured.
    pub fn passed(&self) -> bool {
        self.fail == 0 && self.error == 0
    }
}

/// All results for one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductReport {
    /// The product's relation, `silver.orders`.
    pub product: String,
    /// The spec file, relative to the repository root.
    pub spec: String,
    /// The deployed relation checked in place, when nothing was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed: Option<String>,
    /// How the product was built for this run (view or table) and why, when it was
    /// built (not checked in place, not from the cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_as: Option<BuiltAs>,
    /// Where this report comes from when it was not checked in this run: the commit
    /// (or the time) of the passing run it was kept from, nothing having changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_from: Option<String>,
    /// Rows in the built product, when it could be built.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Why the product could not be built, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The tally of `results`.
    pub summary: Summary,
    /// One result per check, in plan order.
    pub results: Vec<CheckResult>,
}

/// The build a product's checks read, said in the checklist's header so a reader
/// knows what was measured and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuiltAs {
    /// The form the checks read last.
    pub form: crate::values::BuildForm,
    /// Why: how many times the checks planned to read it, and whether it became a
    /// table when they had to read it again.
    pub why: String,
}

/// The whole run: what `hallmark check` prints and CI posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The warehouse dialect the checks ran on.
    pub warehouse: String,
    /// The reference time for freshness and future-timestamp checks (UTC, RFC 3339).
    pub reference_time: String,
    /// The tally over all products.
    pub summary: Summary,
    /// One report per checked product.
    pub products: Vec<ProductReport>,
}

impl Checklist {
    /// True when no error-severity standard failed anywhere: the exit code's source.
    pub fn passed(&self) -> bool {
        self.summary.passed()
    }
}
