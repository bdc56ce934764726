//! A check's result as the checklist shows it: measured, not measured (and why), or
//! a product that was not built; failing rows capped before they can reach a comment.

use crate::exposure::cap_rows;
use crate::plan::PlannedCheck;
use crate::result::{CheckResult, Samples, Status};
use crate::rule::Severity;
use crate::scan::Verdict;
use crate::values::Rows;
use crate::warehouse::WarehouseError;

pub(super) fn base_result(check: &PlannedCheck) -> CheckResult {
    CheckResult {
        standard_id: check.origin.id.clone(),
        title: check.origin.title.clone(),
        check: check.kind.name().to_string(),
        columns: check.columns.clone(),
        severity: check.severity,
        status: Status::Error,
        figure: String::new(),
        failing: None,
        total: None,
        sql: None,
        samples: None,
        reason: None,
    }
}

pub(super) fn error_result(check: &PlannedCheck, reason: String) -> CheckResult {
    CheckResult {
        figure: "not measured".into(),
        reason: Some(reason),
        ..base_result(check)
    }
}

/// The figure of every check of a product that could not be built: the reason is the
/// product's, said once above its checks, not once per check.
pub const NOT_BUILT: &str = "not measured: the product was not built";

pub(super) fn verdict_result(check: &PlannedCheck, v: Verdict, sql: Option<String>) -> CheckResult {
    let status = match (v.passed, check.severity) {
        (true, _) => Status::Pass,
        (false, Severity::Error) => Status::Fail,
        (false, Severity::Warn) => Status::Warn,
    };
    CheckResult {
        status,
        figure: v.figure,
        failing: v.failing,
        total: v.total,
        sql,
        ..base_result(check)
    }
}

/// Marks every check as not measured, for a product that could not be built: the
/// reason is the product's, said once.
pub(super) fn not_built(checks: &[(usize, &PlannedCheck)], results: &mut [Option<CheckResult>]) {
    for (i, c) in checks {
        results[*i] = Some(CheckResult {
            figure: NOT_BUILT.into(),
            ..base_result(c)
        });
    }
}

/// Failing rows as the checklist shows them: every name and value capped, since
/// they are data that a pull-request comment will carry.
pub(super) fn samples_of(fetched: Result<Rows, WarehouseError>) -> Option<Samples> {
    match fetched.map(cap_rows) {
        Ok(rows) => Some(Samples {
            columns: rows.columns,
            rows: rows
                .rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| match v {
                            serde_json::Value::Null => None,
                            serde_json::Value::String(s) => Some(s),
                            other => Some(other.to_string()),
                        })
                        .collect()
                })
                .collect(),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "fetching failing-row samples failed");
            None
        }
    }
}
