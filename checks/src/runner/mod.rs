//! Runs a project's checks on a warehouse: builds each product in the sandbox
//! (`build`), plans its checks, measures all value checks in one scan (a second
//! only for duplicate rows when the primary key failed), reads metadata from the
//! catalogue and the spec (`metadata`), runs the checks that need a query of their
//! own (`own_query`), and fetches samples only for what failed (`results`).

mod build;
mod metadata;
mod options;
mod own_query;
mod results;

pub use build::build_products;
pub use options::{NoProgress, Progress, RunOptions, Selection};
pub use results::NOT_BUILT;

use crate::catalogue::{CheckKind, Cost};
use crate::guards;
use crate::holding::{planned_reads, Holding};
use crate::plan::{normalize_type, plan_product, PlanItem, PlannedCheck};
use crate::project::Project;
use crate::result::{BuiltAs, CheckResult, Checklist, ProductReport, Status, Summary, SCHEMA_VERSION};
use crate::rule::Severity;
use crate::scan::{self, thousands, ScanContext};
use crate::spec::Product;
use crate::values::{BuildForm, ColumnInfo, QueryKind, Rows};
use crate::warehouse::{Warehouse, WarehouseError};
use build::{bind_deployed, bind_sources, build_one, needed_products};
use metadata::metadata_verdict;
use own_query::{own_query_result, reconciliation_alias, reconciliation_measure, reconciliation_result};
use results::{error_result, not_built, samples_of, verdict_result};
use std::collections::HashMap;

/// Checks the selected products of `project` on `warehouse`.
///
/// Products that selected gold products depend on are built too, but not reported.
pub fn run_checks(
    project: &Project,
    warehouse: &dyn Warehouse,
    selection: &Selection,
    options: &RunOptions,
    progress: &dyn Progress,
) -> Checklist {
    let selected: Vec<&Product> = project
        .products
        .iter()
        .filter(|p| selection.includes(&p.spec))
        .collect();
    // Products unchanged since a passing run come from the cache; the rest, and what
    // they read, are built and checked. Checks in place read data that can change
    // unseen, so they are never cached.
    let cache = options.cache.as_deref().filter(|_| options.deployed.is_none());
    let (keys, mut cached) = match cache {
        Some(c) => from_cache(c, project, &selected, warehouse, options),
        None => Default::default(),
    };
    let to_check: Vec<&Product> = selected
        .iter()
        .copied()
        .filter(|p| !cached.contains_key(&p.spec.relation()))
        .collect();
    let needed = needed_products(project, &to_check);
    let bind_errors = bind_sources(project, &needed, warehouse);
    let reads = planned_reads(project, &needed, &to_check, warehouse.dialect());
    let mut build_errors: HashMap<String, String> = HashMap::new();
    let mut checked: HashMap<String, ProductReport> = HashMap::new();
    let total = selected.len();
    for product in &needed {
        let relation = product.spec.relation();
        let is_selected = to_check.iter().any(|p| p.spec.relation() == relation);
        if is_selected {
            progress.product_started(&relation, checked.len(), total);
        }
        let planned = reads.get(&relation).copied().unwrap_or_default();
        let (built, build) = match &options.deployed {
            Some(at) => (bind_deployed(product, warehouse, at, &mut build_errors), None),
            None => (
                build_one(product, warehouse, planned.form(), &bind_errors, &mut build_errors),
                Some(planned.build()),
            ),
        };
        if is_selected {
            let report = check_product(project, product, built, build, warehouse, options);
            progress.product_finished(&report);
            if let (Some(c), Some(key)) = (cache, keys.get(&relation)) {
                c.put(key, &report);
            }
            checked.insert(relation, report);
        }
    }
    if let Some(c) = cache {
        if let Err(e) = c.save() {
            tracing::warn!(error = %e, "cannot write the result cache");
        }
    }
    let reports: Vec<ProductReport> = selected
        .iter()
        .filter_map(|p| {
            let relation = p.spec.relation();
            cached.remove(&relation).or_else(|| checked.remove(&relation))
        })
        .collect();
    for r in reports.iter().filter(|r| r.cached_from.is_some()) {
        progress.product_finished(r);
    }
    Checklist {
        schema_version: SCHEMA_VERSION,
        warehouse: warehouse.dialect().name().to_string(),
        reference_time: options
            .reference_time
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        summary: Summary::of(reports.iter().flat_map(|r| r.results.iter())),
        products: reports,
    }
}

/// The cache keys of `selected` and what they read, and the reports of those the
/// cache holds a passing run of, by relation.
fn from_cache(
    cache: &crate::cache::ResultCache,
    project: &Project,
    selected: &[&Product],
    warehouse: &dyn Warehouse,
    options: &RunOptions,
) -> (HashMap<String, String>, HashMap<String, ProductReport>) {
    let reference = options.reference_time.to_rfc3339();
    let keys = cache.keys(
        project,
        &needed_products(project, selected),
        warehouse,
        &crate::cache::KeySettings {
            pinned_reference_time: options.reference_pinned.then_some(reference.as_str()),
            sample_limit: options.sample_limit,
        },
    );
    let hits = selected
        .iter()
        .filter_map(|p| {
            let relation = p.spec.relation();
            let report = cache.get(keys.get(&relation)?)?;
            Some((relation, report))
        })
        .collect();
    (keys, hits)
}

/// Checks one product that is already built (`built` holds its catalogue columns, or
/// why it could not be built; `build` how, or `None` when it is read in place).
/// [`run_checks`] calls it after materializing; benches call it directly to time the
/// checks without the build.
pub fn check_product(
    project: &Project,
    product: &Product,
    built: Result<Vec<ColumnInfo>, String>,
    build: Option<BuiltAs>,
    warehouse: &dyn Warehouse,
    options: &RunOptions,
) -> ProductReport {
    let holding = &Holding::new(warehouse, product, build.filter(|_| built.is_ok()));
    let spec = &product.spec;
    let plan = plan_product(&project.standards, spec);
    let spec_file = product
        .spec_path
        .strip_prefix(&project.root)
        .unwrap_or(&product.spec_path)
        .display()
        .to_string();
    let mut results: Vec<Option<CheckResult>> = vec![None; plan.len()];
    let mut checks: Vec<(usize, &PlannedCheck)> = Vec::new();
    let mut unmatched = Vec::new();
    for (i, item) in plan.iter().enumerate() {
        match item {
            PlanItem::Check(c) => checks.push((i, c)),
            PlanItem::Manual { origin, prose } => {
                results[i] = Some(CheckResult {
                    standard_id: origin.id.clone(),
                    title: origin.title.clone(),
                    check: "manual".into(),
                    columns: Vec::new(),
                    severity: Severity::Warn,
                    status: Status::Manual,
                    figure: "no rule block: needs human review".into(),
                    failing: None,
                    total: None,
                    sql: None,
                    samples: None,
                    reason: (!prose.is_empty()).then(|| prose.clone()),
                })
            }
            PlanItem::NotApplicable {
                origin,
                reason,
                tag,
                severity,
                keyless,
            } => {
                unmatched.push((i, origin, reason.as_str(), tag.as_deref(), *severity, *keyless));
            }
        }
    }
    let finish = |results: Vec<Option<CheckResult>>, rows: Option<u64>, error: Option<String>| {
        let results: Vec<CheckResult> = results.into_iter().flatten().collect();
        ProductReport {
            product: spec.relation(),
            deployed: options.deployed.as_ref().map(|d| d.relation(spec)),
            built_as: holding.built_as(),
            cached_from: None,
            spec: spec_file.clone(),
            rows,
            error,
            summary: Summary::of(&results),
            results,
        }
    };
    // A tag standard that matched nothing fails when a built column looks like it
    // should carry the tag, a key standard when the product names no key; else it is
    // plainly not applicable.
    let built_columns = built.as_deref().unwrap_or(&[]);
    for (i, origin, reason, tag, severity, keyless) in unmatched {
        results[i] = Some(guards::unmatched(
            &origin.id,
            &origin.title,
            reason,
            guards::Unmatched { tag, keyless },
            severity,
            built_columns,
        ));
    }
    let columns = match built {
        Ok(c) => c,
        Err(e) => {
            not_built(&checks, &mut results);
            return finish(results, None, Some(e));
        }
    };
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let types: Vec<String> = columns.iter().map(|c| normalize_type(&c.type_name)).collect();
    let reference_time = options.reference_time.format("%Y-%m-%d %H:%M:%S").to_string();
    let relation = spec.relation();
    let ctx = ScanContext {
        dialect: warehouse.dialect(),
        relation: &relation,
        spill_distinct: false,
        table_columns: &names,
        column_types: &types,
        primary_key: &spec.primary_key,
        reference_time: &reference_time,
        reference_epoch: options.reference_time.timestamp(),
        sample_limit: options.sample_limit,
    };

    let mut scan_checks = Vec::new();
    let mut reconciliations = Vec::new();
    for (i, c) in &checks {
        if let Some(missing) = c.columns.iter().find(|col| !names.contains(col)) {
            results[*i] = Some(error_result(
                c,
                format!(
                    "column `{missing}` is not in the built table (it has: {})",
                    names.join(", ")
                ),
            ));
            continue;
        }
        match c.kind.cost() {
            Cost::Metadata => results[*i] = Some(verdict_result(c, metadata_verdict(c, spec, &columns), None)),
            // A reconciliation's product side rides in the scan.
            Cost::OwnQuery if matches!(c.kind, CheckKind::RowCountReconciliation(_)) => reconciliations.push((*i, *c)),
            Cost::OwnQuery => results[*i] = Some(own_query_result(c, product, &ctx, warehouse)),
            Cost::Scan => scan_checks.push((*i, *c)),
        }
    }

    // Whole rows cannot repeat when the primary key is unique and never null: such
    // duplicate-row checks wait for the key's verdict and are measured only if it fails.
    let key_check = scan_checks
        .iter()
        .find(|(_, c)| matches!(c.kind, CheckKind::PrimaryKey) && !c.columns.is_empty())
        .copied();
    let (implied, scan_checks): (Vec<_>, Vec<_>) = scan_checks.into_iter().partition(|(_, c)| {
        matches!(c.kind, CheckKind::DuplicateRows)
            && key_check.is_some_and(|(_, k)| {
                let read = scan::columns_or_all(c, &ctx);
                k.columns.iter().all(|col| read.contains(col))
            })
    });
    let kept = guards::KeptValues::plan(product, &columns, warehouse);
    let mut extra: Vec<scan::Measure> = kept.as_ref().map(|k| k.measures().to_vec()).unwrap_or_default();
    extra.extend(
        reconciliations
            .iter()
            .map(|(i, _)| reconciliation_measure(*i, product, &ctx)),
    );
    let (mut row_count, scan_row) = match run_scan(&scan_checks, &extra, &ctx, holding, &mut results) {
        Ok(scanned) => scanned,
        Err(e) => {
            not_built(&checks, &mut results);
            return finish(results, None, Some(e));
        }
    };
    if !implied.is_empty() {
        let key_held = key_check.is_some_and(|(i, _)| results[i].as_ref().is_some_and(|r| r.status == Status::Pass));
        match (key_held, row_count) {
            (true, Some(rows)) => {
                for (i, c) in &implied {
                    let verdict = scan::Verdict {
                        passed: true,
                        figure: format!(
                            "0 duplicate rows: each of the {} rows has its own primary key",
                            thousands(rows)
                        ),
                        failing: Some(0),
                        total: Some(rows),
                    };
                    results[*i] = Some(verdict_result(
                        c,
                        verdict,
                        Some(scan::standalone_query(c, *i, &ctx).sql),
                    ));
                }
            }
            _ => {
                holding.before_optional_reads("the duplicate rows its failed primary key leaves possible");
                if let Ok((measured, _)) = run_scan(&implied, &[], &ctx, holding, &mut results) {
                    row_count = row_count.or(measured);
                }
            }
        }
    }
    for (i, c) in &reconciliations {
        let CheckKind::RowCountReconciliation(p) = &c.kind else {
            continue;
        };
        let in_scan = scan_row
            .as_ref()
            .and_then(|row| row.first(&reconciliation_alias(*i)))
            .and_then(|v| v.as_u64());
        results[*i] = Some(reconciliation_result(c, p, product, &ctx, warehouse, in_scan));
    }
    let promotion = &project.config.promotion;
    let max_set_aside = promotion.max_set_aside;
    results.extend(
        kept.map(|k| k.results(scan_row.as_ref(), holding, max_set_aside))
            .unwrap_or_default()
            .into_iter()
            .chain(guards::hidden_kinds(&project.standards, product, &columns, holding))
            .chain(guards::quarantine_count(
                product,
                warehouse,
                row_count,
                promotion.max_quarantine,
            ))
            .map(Some),
    );
    for (i, c) in &checks {
        let Some(r) = results[*i].as_mut() else { continue };
        if matches!(r.status, Status::Fail | Status::Warn) && r.samples.is_none() && c.kind.cost() == Cost::Scan {
            if let Some(sql) = scan::sample_query(c, &ctx) {
                holding.before_optional_reads("samples of failing rows");
                r.samples = samples_of(warehouse.query(QueryKind::Sample, &sql));
            }
        }
    }
    finish(results, row_count, None)
}

/// Runs the one aggregate query for all scan checks (plus `extra` measures others
/// read from its row) and records their verdicts. If the combined query fails, each
/// check runs alone so one bad check cannot hide the others' results. Returns the
/// product's row count when it was measured and the scan's row when it answered;
/// `Err` when the product is a view whose SQL fails when it runs (the build error).
fn run_scan(
    scan_checks: &[(usize, &PlannedCheck)],
    extra: &[scan::Measure],
    ctx: &ScanContext<'_>,
    holding: &Holding<'_>,
    results: &mut [Option<CheckResult>],
) -> Result<(Option<u64>, Option<Rows>), String> {
    let warehouse = holding.warehouse;
    let all: Vec<scan::Measure> = scan_checks
        .iter()
        .flat_map(|(i, c)| scan::measures(c, *i, ctx))
        .chain(extra.iter().cloned())
        .collect();
    let scan = scan::ScanQuery::new(&all, ctx);
    let rows_of = |r: &Rows| r.first(scan::ROWS_ALIAS).and_then(|v| v.as_u64());
    match warehouse.query(QueryKind::Scan, &scan.sql).map(|r| scan.read(r)) {
        Ok(row) => {
            for (i, c) in scan_checks {
                let own_sql = scan::standalone_query(c, *i, ctx).sql;
                results[*i] = Some(match scan::evaluate(c, *i, &row, ctx) {
                    Ok(v) => verdict_result(c, v, Some(own_sql)),
                    Err(e) => error_result(c, e),
                });
            }
            Ok((rows_of(&row), Some(row)))
        }
        Err(WarehouseError::Timeout(limit)) => {
            // Past the time limit: running each check alone (or the view's SQL once
            // more as a table) would only spend the limit again, once per check.
            let why = format!(
                "not measured: the product's scan ran past the {} s time limit{}",
                limit.as_secs(),
                match holding.built_as().map(|b| b.form) {
                    Some(BuildForm::View) => " (the product is a view, so the scan ran its SQL; it was not rebuilt)",
                    _ => "",
                }
            );
            for (i, c) in scan_checks {
                results[*i] = Some(CheckResult {
                    sql: Some(scan::standalone_query(c, *i, ctx).sql),
                    ..error_result(c, why.clone())
                });
            }
            Ok((None, None))
        }
        Err(combined) if scan_checks.is_empty() => {
            // A view whose SQL fails says so as a build that failed.
            holding.before_more_reads("its row count, after the scan failed")?;
            tracing::warn!(error = %combined, "row count of the product failed");
            Ok((None, None))
        }
        Err(combined) => {
            // Each check now reads the product on its own; a view whose SQL fails
            // says so once, as a build that failed, instead of once per check.
            holding.before_more_reads("each check alone, after the combined scan failed")?;
            let mut row_count = None;
            let spilling = ScanContext {
                spill_distinct: true,
                ..*ctx
            };
            // The scan ran out of memory: distinct counts go straight to grouping,
            // which the engine spills to disk, rather than failing once more each.
            let short_of_memory = combined.is_out_of_memory();
            for (i, c) in scan_checks {
                let plain = scan::standalone_query(c, *i, ctx);
                let spilled = scan::standalone_query(c, *i, &spilling);
                let (mut own, mut answer) = if short_of_memory && spilled.sql != plain.sql {
                    let answer = warehouse.query(QueryKind::Scan, &spilled.sql);
                    (spilled.clone(), answer)
                } else {
                    let answer = warehouse.query(QueryKind::Scan, &plain.sql);
                    (plain, answer)
                };
                // A distinct count too large for one in-memory set on its own: count
                // it again by grouping.
                if answer.as_ref().is_err_and(WarehouseError::is_out_of_memory) && spilled.sql != own.sql {
                    tracing::info!(
                        check = c.kind.name(),
                        "a distinct count ran out of memory; counting it by grouping"
                    );
                    answer = warehouse.query(QueryKind::Scan, &spilled.sql);
                    own = spilled;
                }
                let own_sql = own.sql.clone();
                results[*i] = Some(match answer.map(|r| own.read(r)) {
                    Ok(row) => {
                        row_count = row_count.or_else(|| rows_of(&row));
                        match scan::evaluate(c, *i, &row, ctx) {
                            Ok(v) => verdict_result(c, v, Some(own_sql)),
                            Err(e) => error_result(c, e),
                        }
                    }
                    Err(e) => CheckResult {
                        sql: Some(own_sql),
                        ..error_result(c, e.to_string())
                    },
                });
            }
            Ok((row_count, None))
        }
    }
}
