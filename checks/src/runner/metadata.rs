//! The checks that read only the catalogue and the spec (names, types, tags,
//! descriptions, primary keys): no query of the product's rows.

use crate::catalogue::CheckKind;
use crate::plan::{glob_matches, normalize_type, PlannedCheck};
use crate::scan::Verdict;
use crate::spec::ProductSpec;
use crate::values::ColumnInfo;

/// Checks that read only the catalogue and the spec.
pub(super) fn metadata_verdict(check: &PlannedCheck, spec: &ProductSpec, columns: &[ColumnInfo]) -> Verdict {
    let scoped: Vec<&ColumnInfo> = if check.columns.is_empty() {
        columns.iter().collect()
    } else {
        columns.iter().filter(|c| check.columns.contains(&c.name)).collect()
    };
    let listed = |v: &[String]| v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    let verdict = |bad: Vec<String>, considered: usize, what: &str, ok: String| Verdict {
        passed: bad.is_empty(),
        figure: if bad.is_empty() {
            ok
        } else {
            format!("{} of {} {what}: {}", bad.len(), considered, listed(&bad))
        },
        failing: Some(bad.len() as u64),
        total: Some(considered as u64),
    };
    match &check.kind {
        CheckKind::Type(t) => {
            let want = normalize_type(&t.expected);
            let bad: Vec<String> = scoped
                .iter()
                .filter(|c| normalize_type(&c.type_name) != want)
                .map(|c| format!("{} is {}", c.name, c.type_name))
                .collect();
            verdict(
                bad,
                scoped.len(),
                &format!("columns are not {}", t.expected),
                format!("type is {}", t.expected),
            )
        }
        CheckKind::ColumnNamePattern(p) => {
            let re = regex::Regex::new(&format!("^(?:{})$", p.regex));
            let bad: Vec<String> = scoped
                .iter()
                .filter(|c| !re.as_ref().is_ok_and(|r| r.is_match(&c.name)))
                .map(|c| c.name.clone())
                .collect();
            let n = scoped.len();
            verdict(
                bad,
                n,
                &format!("column names do not match `{}`", p.regex),
                format!("all {n} column names match `{}`", p.regex),
            )
        }
        CheckKind::RequiredColumns(r) => {
            let bad: Vec<String> = r
                .columns
                .iter()
                .filter(|want| !columns.iter().any(|c| &c.name == *want))
                .cloned()
                .collect();
            let n = r.columns.len();
            verdict(
                bad,
                n,
                "required columns are missing",
                format!("all {n} required columns present"),
            )
        }
        CheckKind::ForbiddenColumns(f) => {
            let bad: Vec<String> = columns
                .iter()
                .filter(|c| f.columns.iter().any(|g| glob_matches(g, &c.name)))
                .map(|c| c.name.clone())
                .collect();
            verdict(
                bad,
                columns.len(),
                "columns are forbidden",
                "no forbidden column".into(),
            )
        }
        CheckKind::Documented => {
            let bad: Vec<String> = scoped
                .iter()
                .filter(|c| {
                    spec.column(&c.name)
                        .and_then(|s| s.description.as_deref())
                        .is_none_or(|d| d.trim().is_empty())
                })
                .map(|c| c.name.clone())
                .collect();
            let n = scoped.len();
            verdict(
                bad,
                n,
                "columns have no description",
                format!("all {n} columns described"),
            )
        }
        CheckKind::OwnerPresent => match spec.owner.as_deref().map(str::trim) {
            Some(owner) if !owner.is_empty() => Verdict {
                passed: true,
                figure: format!("owner: {owner}"),
                failing: None,
                total: None,
            },
            _ => Verdict {
                passed: false,
                figure: "the spec names no owner".into(),
                failing: None,
                total: None,
            },
        },
        other => Verdict {
            passed: false,
            figure: format!("`{}` is not a metadata check", other.name()),
            failing: None,
            total: None,
        },
    }
}
