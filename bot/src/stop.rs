//! Stopping a job's warehouse work from outside the thread doing it: an MCP client
//! cancels a `check` it no longer wants, and the statements after that point must not
//! run. The runner and the agent only know the [`Warehouse`] they were given, so the
//! stop is a warehouse that refuses every call once its switch is thrown; a DuckDB
//! warehouse in a child process also kills the child, ending the statement in flight.

use hallmark_checks::dialect::Dialect;
use hallmark_checks::sandbox::SandboxError;
use hallmark_checks::warehouse::{
    BuildForm, ColumnInfo, QueryKind, QueryRecord, Rows, SourceLocation, Warehouse, WarehouseError,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What every call says once the work was stopped.
pub const STOPPED: &str = "the work was cancelled by its client";

/// A switch shared by whoever may stop a job and the job's warehouse.
#[derive(Debug, Clone, Default)]
pub struct StopSwitch(Arc<AtomicBool>);

impl StopSwitch {
    /// Throws the switch: every later warehouse call of the job fails.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once [`StopSwitch::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err` once stopped, for a call that must not start.
    pub fn check(&self) -> Result<(), WarehouseError> {
        if self.is_stopped() {
            Err(WarehouseError::Open(STOPPED.into()))
        } else {
            Ok(())
        }
    }
}

/// A warehouse that refuses every call after its switch is thrown.
pub struct Stoppable {
    inner: Box<dyn Warehouse>,
    switch: StopSwitch,
}

impl Stoppable {
    /// `inner`, stopped by `switch`.
    pub fn new(inner: Box<dyn Warehouse>, switch: StopSwitch) -> Self {
        Self { inner, switch }
    }
}

impl Warehouse for Stoppable {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }

    fn bind_source(&self, name: &str, location: &SourceLocation) -> Result<(), WarehouseError> {
        self.switch.check()?;
        self.inner.bind_source(name, location)
    }

    fn materialize(&self, relation: &str, select_sql: &str, form: BuildForm) -> Result<(), WarehouseError> {
        self.switch.check()?;
        self.inner.materialize(relation, select_sql, form)
    }

    fn describe(&self, relation: &str) -> Result<Vec<ColumnInfo>, WarehouseError> {
        self.switch.check()?;
        self.inner.describe(relation)
    }

    fn query(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        self.switch.check()?;
        self.inner.query(kind, sql)
    }

    fn screen(&self, sql: &str) -> Result<String, SandboxError> {
        self.inner.screen(sql)
    }

    fn query_untrusted(&self, kind: QueryKind, sql: &str) -> Result<Rows, WarehouseError> {
        self.switch.check()?;
        self.inner.query_untrusted(kind, sql)
    }

    fn queries(&self) -> Vec<QueryRecord> {
        self.inner.queries()
    }

    fn table_fingerprint(&self, table: &str) -> Option<String> {
        self.inner.table_fingerprint(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallmark_checks::warehouse::{open, Limits};

    #[test]
    fn calls_after_the_switch_is_thrown_fail_and_say_why() {
        let switch = StopSwitch::default();
        let root = std::env::temp_dir();
        let inner = open(&Default::default(), &root, "stop-test", Limits::default()).unwrap();
        let w = Stoppable::new(inner, switch.clone());
        assert!(w.query(QueryKind::Setup, "SELECT 1").is_ok());
        switch.stop();
        let e = w.query(QueryKind::Setup, "SELECT 1").unwrap_err();
        assert!(e.to_string().contains(STOPPED), "{e}");
        assert!(w.materialize("silver.x", "SELECT 1 AS a", BuildForm::View).is_err());
    }
}
