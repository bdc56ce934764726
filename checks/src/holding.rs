//! How a product built for a run is held while it is read: as a view or as a table,
//! chosen by how often the run will read it.
//!
//! A view runs the product's SQL each time it is read; a table runs it once and writes
//! every row, after which each read is a plain scan. Measured on 1,000,000 text rows
//! with the 32 bench checks (`cargo bench --bench one_scan`, the "view-or-table"
//! lines), build and checks together, table time over view time:
//!
//! | transform | read once: DuckDB | ClickHouse | read twice: DuckDB | ClickHouse |
//! |---|---|---|---|---|
//! | parse each value | 1.06 | 1.52 | 0.96 | 1.30 |
//! | parse, keep the latest row per id | 1.02 | 0.97 | 0.75 | 0.71 |
//!
//! (An idle machine; runs differ by about 5 %.) Read once, a view costs the same as a
//! table or less (DuckDB writes an in-memory table almost for free, ClickHouse writes
//! MergeTree parts); read twice, the table is cheaper by a quarter when the SQL
//! deduplicates, and the view stays ahead only where the SQL is cheap to run again
//! and the engine pays for every write. So: a view when the run reads the product
//! once, a table when it reads it more.
//!
//! The reads are counted before the build from what is known then: the product's one
//! scan (which also carries the kept-values counts and the product side of row-count
//! reconciliations), its custom-SQL checks, and the
//! products and relationship checks that read it. Reads that depend on the data (samples
//! of failing rows, a second scan for duplicate rows, each check alone after a failed
//! scan) turn a view into a table first, so they never run the SQL more than once more
//! (a view that is `SELECT * FROM` its source stays one: reading it is reading the
//! source).

use crate::catalogue::CheckKind;
use crate::dialect::Dialect;
use crate::plan::{plan_product, PlanItem, PlannedCheck};
use crate::project::Project;
use crate::result::BuiltAs;
use crate::spec::Product;
use crate::values::BuildForm;
use crate::warehouse::Warehouse;
use std::cell::RefCell;
use std::collections::HashMap;

/// The reads of one product that a run plans before building it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    /// 1 when the product is checked (its one scan), else 0.
    pub scan: usize,
    /// Its checks that read it in a query of their own (custom SQL).
    pub own_queries: usize,
    /// Products built from it and relationship checks that look it up.
    pub by_others: usize,
    /// 1 when the kept-values count by key will probably read it again (see
    /// [`planned_reads`]), else 0.
    pub keyed_count: usize,
}

impl Reads {
    /// All planned reads.
    pub fn total(&self) -> usize {
        self.scan + self.own_queries + self.by_others + self.keyed_count
    }

    /// The cheaper form for these reads.
    pub fn form(&self) -> BuildForm {
        if self.total() <= 1 {
            BuildForm::View
        } else {
            BuildForm::Table
        }
    }

    /// The build these reads choose, with the reads as its reason.
    pub fn build(&self) -> BuiltAs {
        BuiltAs {
            form: self.form(),
            why: self.describe(),
        }
    }

    /// The reads in words, for the checklist's header.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.scan > 0 {
            parts.push("its scan".to_string());
        }
        let counted = |n: usize, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        };
        parts.extend(counted(self.own_queries, "custom SQL check", "custom SQL checks"));
        parts.extend(counted(
            self.by_others,
            "product or lookup reading it",
            "products or lookups reading it",
        ));
        if self.keyed_count > 0 {
            parts.push("probably the kept-values count by key".to_string());
        }
        match self.total() {
            0 => "not read by the checks".into(),
            1 => format!("read once: {}", parts.join("")),
            n => format!("read {n} times: {}", parts.join(", ")),
        }
    }
}

/// The planned reads of every product `needed` builds, of which `checked` are checked,
/// on an engine that speaks `dialect`.
///
/// The kept-values count by key reads a silver product again when its scan finds a
/// NULL in a column, which most products with optional columns have. Where a table
/// costs about what a view does (DuckDB: 1.02–1.06 times a view read once), that
/// probable read is planned, so the SQL runs once instead of once for the scan and
/// once more to rebuild the view (2.9 s of a 1M-row promotion); elsewhere the view is
/// rebuilt only when the read happens. A product that is `SELECT * FROM` its source is
/// read again as cheaply as a table, so the read is not counted for it.
pub fn planned_reads(
    project: &Project,
    needed: &[&Product],
    checked: &[&Product],
    dialect: &dyn Dialect,
) -> HashMap<String, Reads> {
    let mut reads: HashMap<String, Reads> = HashMap::new();
    for product in checked {
        let r = reads.entry(product.spec.relation()).or_default();
        r.scan = 1;
        r.keyed_count = usize::from(
            dialect.tables_cost_about_a_view()
                && product.may_count_kept_values_by_key()
                && !product.is_its_source(dialect.name()),
        );
        r.own_queries = plan_product(&project.standards, &product.spec)
            .iter()
            .filter(|item| matches!(item, PlanItem::Check(c) if c.kind.reads_product_alone()))
            .count();
    }
    for product in needed {
        for read in products_read(project, product) {
            reads.entry(read).or_default().by_others += 1;
        }
    }
    reads
}

/// The products `product` reads: its product sources and the targets of its
/// `relationships` checks, which are built before it.
pub fn products_read(project: &Project, product: &Product) -> Vec<String> {
    let mut read: Vec<String> = product
        .spec
        .sources
        .iter()
        .filter(|s| s.is_product())
        .map(|s| s.name.clone())
        .collect();
    let plan = plan_product(&project.standards, &product.spec);
    for target in relationship_targets(project, product, &plan) {
        if !read.contains(&target.spec.relation()) {
            read.push(target.spec.relation());
        }
    }
    read
}

/// The other products of `project` that `product`'s `relationships` checks (in its
/// `plan`) look keys up in, in plan order, each once.
pub fn relationship_targets<'p>(project: &'p Project, product: &Product, plan: &[PlanItem]) -> Vec<&'p Product> {
    let mut targets: Vec<&Product> = Vec::new();
    for item in plan {
        if let PlanItem::Check(PlannedCheck {
            kind: CheckKind::Relationships(r),
            ..
        }) = item
        {
            if let Some(target) = project.product(&r.to) {
                let relation = target.spec.relation();
                if relation != product.spec.relation() && !targets.iter().any(|t| t.spec.relation() == relation) {
                    targets.push(target);
                }
            }
        }
    }
    targets
}

/// How a product that could not be built says so, wherever the build failed.
pub fn build_failed(relation: &str, sql_path: &std::path::Path, error: &dyn std::fmt::Display) -> String {
    format!("building {relation} from {} failed: {error}", sql_path.display())
}

/// A product being checked, and the form its checks read: a view becomes a table the
/// first time the checks must read it again.
pub struct Holding<'a> {
    /// Where the product lives.
    pub warehouse: &'a dyn Warehouse,
    product: &'a Product,
    /// The form and why, or `None` when the product was not built (checked in place).
    built: RefCell<Option<BuiltAs>>,
}

impl<'a> Holding<'a> {
    /// A product built as `built` says, or `None` for one checked in place.
    pub fn new(warehouse: &'a dyn Warehouse, product: &'a Product, built: Option<BuiltAs>) -> Holding<'a> {
        Holding {
            warehouse,
            product,
            built: RefCell::new(built),
        }
    }

    /// Called before a read the plan did not count (`purpose` says which): a view
    /// (unless it is `SELECT * FROM` its source) is built again as a table, so that
    /// this and later reads scan rows instead of running the SQL each. `Err` says why the product's SQL cannot be built: a view
    /// is created without running its SQL, so an SQL that fails when it runs (a cast
    /// that does not hold, a file the sandbox refuses) fails here, as the build.
    pub fn before_more_reads(&self, purpose: &str) -> Result<(), String> {
        let mut built = self.built.borrow_mut();
        let Some(b) = built.as_mut().filter(|b| b.form == BuildForm::View) else {
            return Ok(());
        };
        // A view that is `SELECT * FROM` its source is read again as cheaply as a table
        // of it, and its SQL cannot fail where reading the source does not: a rebuild
        // would only copy the source.
        if self.product.is_its_source(self.warehouse.dialect().name()) {
            return Ok(());
        }
        let relation = self.product.spec.relation();
        let (sql, path) = self.product.transform(self.warehouse.dialect().name());
        self.warehouse
            .materialize(&relation, sql, BuildForm::Table)
            .map_err(|e| build_failed(&relation, path, &e))?;
        b.form = BuildForm::Table;
        b.why = format!("planned as a view, {}; rebuilt for {purpose}", b.why);
        Ok(())
    }

    /// [`Holding::before_more_reads`] where the read is optional: a failed rebuild is
    /// logged and the view is read as it is.
    pub fn before_optional_reads(&self, purpose: &str) {
        if let Err(e) = self.before_more_reads(purpose) {
            tracing::warn!(error = %e, "a view could not be rebuilt as a table; it is read again");
        }
    }

    /// The build as the checklist says it.
    pub fn built_as(&self) -> Option<BuiltAs> {
        self.built.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_read_is_a_view_and_more_are_a_table() {
        let once = Reads {
            scan: 1,
            ..Reads::default()
        };
        assert_eq!(once.form(), BuildForm::View);
        assert_eq!(once.describe(), "read once: its scan");
        let twice = Reads {
            scan: 1,
            own_queries: 1,
            by_others: 2,
            keyed_count: 0,
        };
        assert_eq!(twice.form(), BuildForm::Table);
        assert_eq!(
            twice.describe(),
            "read 4 times: its scan, 1 custom SQL check, 2 products or lookups reading it"
        );
        let probably_keyed = Reads {
            scan: 1,
            keyed_count: 1,
            ..Reads::default()
        };
        assert_eq!(probably_keyed.form(), BuildForm::Table);
        assert_eq!(
            probably_keyed.describe(),
            "read 2 times: its scan, probably the kept-values count by key"
        );
        let dependency_only = Reads {
            by_others: 1,
            ..Reads::default()
        };
        assert_eq!(dependency_only.form(), BuildForm::View);
        assert_eq!(dependency_only.describe(), "read once: 1 product or lookup reading it");
    }
}
