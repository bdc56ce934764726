//! How a run behaves and which products it checks, and what it reports while it
//! works.

use crate::result::ProductReport;
use crate::spec::ProductSpec;
use crate::Level;
use chrono::{DateTime, Utc};

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
