//! Builds the products a run checks, and everything they read, in the sandbox (or
//! binds their deployed relations, to check them in place): sources bound once,
//! dependencies first, and a failed input named by what reads it.

use super::options::Selection;
use crate::project::Project;
use crate::spec::Product;
use crate::values::{BuildForm, ColumnInfo};
use crate::warehouse::{SourceLocation, Warehouse};
use std::collections::{BTreeMap, HashMap};

/// Binds every file and table source of `products` once; returns the error per
/// source name.
pub(super) fn bind_sources(
    project: &Project,
    products: &[&Product],
    warehouse: &dyn Warehouse,
) -> HashMap<String, String> {
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

/// Builds `product` from its SQL once its inputs are there: its catalogue columns, or
/// why it could not be built (also recorded in `build_errors` for what reads it).
pub(super) fn build_one(
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
pub(super) fn bind_deployed(
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

/// The selected products plus everything they depend on, dependencies first. A cycle
/// is broken where it is found; the product that then misses its input reports the
/// warehouse's error rather than looping.
pub(super) fn needed_products<'a>(project: &'a Project, selected: &[&'a Product]) -> Vec<&'a Product> {
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
