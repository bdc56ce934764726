//! Runs a project's checks on a warehouse: builds each product in the sandbox, plans
//! its checks, measures all value checks in one scan (a second only for duplicate rows
//! when the primary key failed), reads metadata from the
//! catalogue and the spec, and fetches samples only for what failed.

use crate::catalogue::{CheckKind, Cost};
use crate::exposure::cap_rows;
use crate::guards;
use crate::holding::{planned_reads, Holding};
use crate::plan::{glob_matches, normalize_type, plan_product, PlanItem, PlannedCheck};
use crate::project::Project;
use crate::result::{BuiltAs, CheckResult, Checklist, ProductReport, Samples, Status, Summary, SCHEMA_VERSION};
use crate::rule::Severity;
use crate::scan::{self, thousands, ScanContext, Verdict};
use crate::spec::{Product, ProductSpec};
use crate::warehouse::{BuildForm, ColumnInfo, QueryKind, Rows, SourceLocation, Warehouse, WarehouseError};
use crate::Level;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// "Now" for freshness and future-timestamp checks; fixed in tests and reruns.
    pub reference_time: DateTime<Utc>,
    /// At most this many failing rows are fetched per failed check.
    pub sample_limit: usize,
    /// Check each product where it is deployed instead of building it.
    pub deployed: Option<crate::deployed::Deployed>,
    /// True when `reference_time` was given (`--as-of`) rather than taken from the
    /// clock: only then may a product whose checks read the clock come from the cache.
    pub reference_pinned: bool,
    /// Report unchanged products from this cache of passing results, and keep the
    /// passing ones of this run in it.
    pub cache: Option<std::sync::Arc<crate::cache::ResultCache>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            reference_time: Utc::now(),
            sample_limit: 5,
            deployed: None,
            reference_pinned: false,
            cache: None,
        }
    }
}

/// Which products to check.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only the product with this name (or relation, `silver.orders`).
    pub product: Option<String>,
    /// Only products at this level.
    pub level: Option<Level>,
    /// Only these relations (`silver.orders`), when given: the products a change
    /// touches.
    pub relations: Option<std::collections::BTreeSet<String>>,
}

impl Selection {
    /// True when `spec` is selected.
    pub fn includes(&self, spec: &ProductSpec) -> bool {
        self.level.is_none_or(|l| l == spec.level)
            && self.relations.as_ref().is_none_or(|r| r.contains(&spec.relation()))
            && self
                .product
                .as_ref()
                .is_none_or(|p| *p == spec.name || *p == spec.relation())
    }
}

/// What the runner reports while it works, for progress bars.
pub trait Progress {
    /// A product is about to be built and checked.
    fn product_started(&self, relation: &str, index: usize, total: usize);
    /// A product's results are in.
    fn product_finished(&self, report: &ProductReport);
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn product_started(&self, _: &str, _: usize, _: usize) {}
    fn product_finished(&self, _: &ProductReport) {}
}

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
    let reads = planned_reads(project, &needed, &to_check);
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

/// Binds every file and table source of `products` once; returns the error per
/// source name.
fn bind_sources(project: &Project, products: &[&Product], warehouse: &dyn Warehouse) -> HashMap<String, String> {
    let mut bound: BTreeMap<String, SourceLocation> = BTreeMap::new();
    for p in products {
        for s in &p.spec.sources {
            bound
                .entry(s.name.clone())
                .or_insert_with(|| SourceLocation::of(s, &project.root));
        }
    }
    bound
        .into_iter()
        .filter_map(|(name, loc)| warehouse.bind_source(&name, &loc).err().map(|e| (name, e.to_string())))
        .collect()
}

/// The selected products plus everything they depend on, dependencies first. A cycle
/// is broken where it is found; the product that then misses its input reports the
/// warehouse's error rather than looping.
/// Builds `product` from its SQL once its inputs are there: its catalogue columns, or
/// why it could not be built (also recorded in `build_errors` for what reads it).
fn build_one(
    product: &Product,
    warehouse: &dyn Warehouse,
    form: BuildForm,
    bind_errors: &HashMap<String, String>,
    build_errors: &mut HashMap<String, String>,
) -> Result<Vec<ColumnInfo>, String> {
    let relation = product.spec.relation();
    let failed_input = product.spec.sources.iter().find_map(|s| {
        bind_errors
            .get(&s.name)
            .or_else(|| build_errors.get(&s.name))
            .map(|e| format!("source `{}` is unusable: {e}", s.name))
    });
    let (sql, sql_path) = product.transform(warehouse.dialect().name());
    let built = match failed_input {
        Some(e) => Err(e),
        None => warehouse
            .materialize(&relation, sql, form)
            .and_then(|_| warehouse.describe(&relation))
            .map_err(|e| crate::holding::build_failed(&relation, sql_path, &e)),
    };
    // The rows it holds back are part of the product: no quarantine, no product.
    let built = built.and_then(|columns| match &product.quarantine {
        None => Ok(columns),
        Some(q) => {
            let rel = product.quarantine_relation();
            warehouse
                .materialize(&rel, &q.sql, BuildForm::Table)
                .map(|_| columns)
                .map_err(|e| crate::holding::build_failed(&rel, &q.path, &e))
        }
    });
    if let Err(e) = &built {
        build_errors.insert(relation, e.clone());
    }
    built
}

/// Makes `product`'s deployed relation (and its deployed quarantine) readable under the
/// product's own name, building nothing: the checks then read the deployed rows in
/// place. Its catalogue columns, or why the deployed relation cannot be read.
fn bind_deployed(
    product: &Product,
    warehouse: &dyn Warehouse,
    at: &crate::deployed::Deployed,
    build_errors: &mut HashMap<String, String>,
) -> Result<Vec<ColumnInfo>, String> {
    let relation = product.spec.relation();
    let deployed = at.relation(&product.spec);
    let bound = warehouse
        .bind_source(&relation, &SourceLocation::Table(deployed.clone()))
        .and_then(|_| warehouse.describe(&relation))
        .map_err(|e| format!("the deployed relation `{deployed}` cannot be read: {e}"));
    let bound = bound.and_then(|columns| match &product.quarantine {
        None => Ok(columns),
        Some(_) => {
            let quarantine = at.quarantine(&product.spec);
            warehouse
                .bind_source(
                    &product.quarantine_relation(),
                    &SourceLocation::Table(quarantine.clone()),
                )
                .map(|_| columns)
                .map_err(|e| format!("the deployed quarantine `{quarantine}` cannot be read: {e}"))
        }
    });
    if let Err(e) = &bound {
        build_errors.insert(relation, e.clone());
    }
    bound
}

/// Builds the selected products and everything they read, without checking them, for
/// callers that only need the relations to exist (the promotion agent reading a
/// silver product before it drafts gold). `Err` says why a selected product could not
/// be built.
pub fn build_products(project: &Project, warehouse: &dyn Warehouse, selection: &Selection) -> Result<(), String> {
    let selected: Vec<&Product> = project
        .products
        .iter()
        .filter(|p| selection.includes(&p.spec))
        .collect();
    let needed = needed_products(project, &selected);
    let bind_errors = bind_sources(project, &needed, warehouse);
    let mut build_errors = HashMap::new();
    // The caller reads what it asked for as it likes: tables.
    for product in needed {
        let _ = build_one(product, warehouse, BuildForm::Table, &bind_errors, &mut build_errors);
    }
    match selected.iter().find_map(|p| build_errors.get(&p.spec.relation())) {
        Some(e) => Err(e.clone()),
        None => Ok(()),
    }
}

fn needed_products<'a>(project: &'a Project, selected: &[&'a Product]) -> Vec<&'a Product> {
    fn visit<'a>(project: &'a Project, p: &'a Product, seen: &mut Vec<String>, order: &mut Vec<&'a Product>) {
        let rel = p.spec.relation();
        if seen.contains(&rel) {
            return;
        }
        seen.push(rel);
        for dep in crate::holding::products_read(project, p) {
            if let Some(d) = project.product(&dep) {
                visit(project, d, seen, order);
            }
        }
        order.push(p);
    }
    let mut seen = Vec::new();
    let mut order = Vec::new();
    for p in selected {
        visit(project, p, &mut seen, &mut order);
    }
    order
}

fn base_result(check: &PlannedCheck) -> CheckResult {
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

fn error_result(check: &PlannedCheck, reason: String) -> CheckResult {
    CheckResult {
        figure: "not measured".into(),
        reason: Some(reason),
        ..base_result(check)
    }
}

/// The figure of every check of a product that could not be built: the reason is the
/// product's, said once above its checks, not once per check.
pub const NOT_BUILT: &str = "not measured: the product was not built";

fn verdict_result(check: &PlannedCheck, v: Verdict, sql: Option<String>) -> CheckResult {
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
        kept.map(|k| k.results(scan_row.as_ref(), warehouse, max_set_aside))
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

/// Marks every check as not measured, for a product that could not be built: the
/// reason is the product's, said once.
fn not_built(checks: &[(usize, &PlannedCheck)], results: &mut [Option<CheckResult>]) {
    for (i, c) in checks {
        results[*i] = Some(CheckResult {
            figure: NOT_BUILT.into(),
            ..base_result(c)
        });
    }
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
            let short_of_memory = out_of_memory(&combined);
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
                if answer.as_ref().is_err_and(out_of_memory) && spilled.sql != own.sql {
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

/// True when the engine refused a query for the memory it would need (ClickHouse's
/// error 241, DuckDB's out-of-memory error).
fn out_of_memory(e: &WarehouseError) -> bool {
    let text = e.to_string();
    text.contains("error 241)") || text.contains("Memory limit") || text.contains("Out of Memory")
}

/// Failing rows as the checklist shows them: every name and value capped, since
/// they are data that a pull-request comment will carry.
fn samples_of(fetched: Result<Rows, WarehouseError>) -> Option<Samples> {
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

/// Checks that read only the catalogue and the spec.
fn metadata_verdict(check: &PlannedCheck, spec: &ProductSpec, columns: &[ColumnInfo]) -> Verdict {
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

/// The product's side of a row-count reconciliation: its rows with a whole primary
/// key (every row when it has none), as a measure of the product's one scan.
fn reconciliation_measure(index: usize, product: &Product, ctx: &ScanContext<'_>) -> scan::Measure {
    let d = ctx.dialect;
    let expr = match product.spec.primary_key.as_slice() {
        [] => "count(*)".to_string(),
        pk => d.count_if(
            &pk.iter()
                .map(|k| format!("{} IS NOT NULL", d.key_text(&d.quote_ident(k))))
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    };
    scan::Measure {
        alias: reconciliation_alias(index),
        expr,
    }
}

/// The scan alias of reconciliation check number `index`.
fn reconciliation_alias(index: usize) -> String {
    format!("hm_{index}_product_rows")
}

/// A row-count reconciliation's verdict. `in_scan` is the product's side when the
/// product's scan measured it ([`reconciliation_measure`]); without it the product
/// is counted in the same query as the source. The result shows that whole query
/// either way, so it can be run on its own.
fn reconciliation_result(
    check: &PlannedCheck,
    p: &crate::catalogue::ReconciliationParams,
    product: &Product,
    ctx: &ScanContext<'_>,
    warehouse: &dyn Warehouse,
    in_scan: Option<u64>,
) -> CheckResult {
    let d = ctx.dialect;
    let rel = d.quote_relation(ctx.relation);
    let source = match &p.source {
        Some(name) => product.spec.sources.iter().find(|s| &s.name == name),
        None => product.spec.sources.first(),
    };
    let Some(source) = source else {
        return error_result(
            check,
            format!("no source `{}` in the spec", p.source.as_deref().unwrap_or("?")),
        );
    };
    // A key that is NULL, empty or only whitespace is no key, on either side;
    // keys are compared trimmed. Nor is a key that is the key column's own
    // name: a header repeated where files were concatenated.
    let keys: Vec<String> = source
        .key
        .iter()
        .map(|k| {
            format!(
                "nullif({}, {})",
                d.key_text(&d.quote_ident(k)),
                d.string_literal(k.trim())
            )
        })
        .collect();
    let distinct = if keys.is_empty() {
        "count(*)".to_string()
    } else {
        d.count_distinct(&keys)
    };
    let counted = |relation: &str| {
        format!(
            "(SELECT {} FROM {relation})",
            reconciliation_measure(0, product, ctx).expr
        )
    };
    // Rows held back in the quarantine reached silver's door: they count.
    let quarantine = product
        .quarantine
        .as_ref()
        .map(|_| counted(&d.quote_relation(&product.quarantine_relation())));
    let product_rows = match &quarantine {
        None => counted(&rel),
        Some(q) => format!("({} + {q})", counted(&rel)),
    };
    let from_source = format!(
        "count(*) AS source_rows, {distinct} AS source_keys FROM {}",
        d.quote_relation(&source.name)
    );
    let sql = format!("SELECT {product_rows} AS product_rows, {from_source}");
    // With the product's side from its scan, only the source (and the quarantine)
    // is read here.
    let run = match in_scan {
        None => sql.clone(),
        Some(_) => format!(
            "SELECT {} AS quarantined, {from_source}",
            quarantine.as_deref().unwrap_or("0")
        ),
    };
    match warehouse.query(QueryKind::Source, &run) {
        Err(e) => CheckResult {
            sql: Some(sql),
            ..error_result(check, e.to_string())
        },
        Ok(row) => {
            let get = |a: &str| row.first(a).and_then(|v| v.as_u64()).unwrap_or(0);
            let prod = match in_scan {
                None => get("product_rows"),
                Some(n) => n + get("quarantined"),
            };
            let (src_rows, src_keys) = (get("source_rows"), get("source_keys"));
            let diff = if src_keys == 0 {
                if prod == 0 {
                    0.0
                } else {
                    1.0
                }
            } else {
                (prod as f64 - src_keys as f64).abs() / src_keys as f64
            };
            let key_text = if keys.is_empty() {
                "rows".to_string()
            } else {
                format!("distinct keys ({})", source.key.join(", "))
            };
            let v = Verdict {
                passed: diff <= p.tolerance,
                figure: format!(
                    "{} rows vs {} source {key_text} ({} source rows): {:.2}% apart, tolerance {:.2}%",
                    thousands(prod),
                    thousands(src_keys),
                    thousands(src_rows),
                    diff * 100.0,
                    p.tolerance * 100.0
                ),
                failing: Some(prod.abs_diff(src_keys)),
                total: Some(src_keys),
            };
            verdict_result(check, v, Some(sql))
        }
    }
}

/// Checks that need a query of their own: custom SQL, and a reconciliation whose
/// product side the scan could not measure.
fn own_query_result(
    check: &PlannedCheck,
    product: &Product,
    ctx: &ScanContext<'_>,
    warehouse: &dyn Warehouse,
) -> CheckResult {
    let d = ctx.dialect;
    // `{table}` is the product's logical name, the one relation the screen lets the
    // check name; the warehouse points it at where the product really is.
    let rel = crate::dialect::quote_dotted(d, ctx.relation);
    match &check.kind {
        CheckKind::RowCountReconciliation(p) => reconciliation_result(check, p, product, ctx, warehouse, None),
        CheckKind::CustomSql(p) => {
            let body = match warehouse.screen(&p.sql.replace("{table}", &rel)) {
                Ok(b) => b,
                Err(e) => return error_result(check, format!("custom SQL refused: {e}")),
            };
            let sql = format!("SELECT count(*) AS failures FROM (\n{body}\n) AS hm_failures");
            match warehouse.query_untrusted(QueryKind::Custom, &sql) {
                Err(e) => CheckResult {
                    sql: Some(sql),
                    ..error_result(check, e.to_string())
                },
                Ok(row) => {
                    let n = row.first("failures").and_then(|v| v.as_u64()).unwrap_or(0);
                    let v = Verdict {
                        passed: n == 0,
                        figure: format!("{} failing {}", thousands(n), if n == 1 { "row" } else { "rows" }),
                        failing: Some(n),
                        total: None,
                    };
                    let mut r = verdict_result(check, v, Some(sql));
                    if n > 0 {
                        r.samples = samples_of(warehouse.query_untrusted(
                            QueryKind::Sample,
                            &format!("SELECT * FROM (\n{body}\n) AS hm_failures LIMIT {}", ctx.sample_limit),
                        ));
                    }
                    r
                }
            }
        }
        other => error_result(check, format!("`{}` has no query of its own", other.name())),
    }
}
