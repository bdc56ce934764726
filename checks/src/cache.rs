//! Results of passing products, kept so that an unchanged product is not built and
//! checked again: CI on a pull request that touches one product of fifty checks one.
//!
//! A product's key is a SHA-256 over everything its verdict depends on: Hallmark's
//! version, the warehouse's dialect and configuration, the product's spec, SQL and
//! quarantine SQL, its compiled plan (the applicable standards with their parameters
//! and severities), the promotion settings, the sample limit, the reference time when a
//! check reads the clock, and each source's fingerprint — a file's content hash
//! (re-hashed only when its size or modification time changed), a warehouse table's
//! last modification where the engine exposes one, an upstream product's own key.
//! When any of these cannot be known (a table without a modification time, a check of
//! the clock at an unpinned "now", a product checked in place), the product has no key
//! and is always checked. Only passing reports are kept.

use crate::catalogue::CheckKind;
use crate::plan::{plan_product, PlanItem, PlannedCheck};
use crate::project::Project;
use crate::result::ProductReport;
use crate::spec::Product;
use crate::warehouse::{SourceLocation, Warehouse};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// The file's format version: a cache written by another layout is ignored.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// The commit the passing run checked, when it was in a git repository.
    commit: Option<String>,
    /// When it was stored (RFC 3339).
    stored_at: String,
    report: ProductReport,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    format: u32,
    entries: BTreeMap<String, Entry>,
    /// path → (size, modified as nanoseconds since the epoch, content hash).
    #[serde(default)]
    hashes: BTreeMap<String, (u64, u128, String)>,
    /// True once this run stored something: only then is the file written.
    #[serde(skip)]
    stored: bool,
}

/// The cache of one repository, read when opened and written by [`ResultCache::save`].
#[derive(Debug)]
pub struct ResultCache {
    path: PathBuf,
    commit: Option<String>,
    file: Mutex<File>,
}

impl ResultCache {
    /// Opens the cache at `path` (a missing, unreadable or foreign file is an empty
    /// cache); `commit` is what this run checks, recorded with what it stores.
    pub fn open(path: &Path, commit: Option<String>) -> ResultCache {
        let file = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<File>(&text).ok())
            .filter(|f| f.format == FORMAT)
            .unwrap_or(File {
                format: FORMAT,
                ..File::default()
            });
        ResultCache {
            path: path.to_path_buf(),
            commit,
            file: Mutex::new(file),
        }
    }

    fn file(&self) -> std::sync::MutexGuard<'_, File> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The passing report stored under `key`, marked with where it came from.
    pub fn get(&self, key: &str) -> Option<ProductReport> {
        let file = self.file();
        let entry = file.entries.get(key)?;
        let mut report = entry.report.clone();
        report.cached_from = Some(match &entry.commit {
            Some(c) => c.chars().take(12).collect(),
            None => format!("a run at {}", entry.stored_at),
        });
        Some(report)
    }

    /// Keeps `report` under `key` when it passed; anything else is not kept.
    pub fn put(&self, key: &str, report: &ProductReport) {
        if report.error.is_some() || report.summary.fail > 0 || report.summary.error > 0 {
            return;
        }
        let mut report = report.clone();
        report.cached_from = None;
        // How this run built it says nothing of a later run that reuses the result.
        report.built_as = None;
        let mut file = self.file();
        file.stored = true;
        file.entries.insert(
            key.to_string(),
            Entry {
                commit: self.commit.clone(),
                stored_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                report,
            },
        );
    }

    /// Writes the cache (to a temporary file, then renamed over the old one, so a
    /// crash never leaves half a file).
    pub fn save(&self) -> std::io::Result<()> {
        let file = self.file();
        if !file.stored {
            return Ok(());
        }
        let text = serde_json::to_string(&*file).map_err(std::io::Error::other)?;
        drop(file);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }

    /// The content hash of `path`, from the cache while its size and modification
    /// time are unchanged.
    fn file_hash(&self, path: &Path) -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        let name = path.to_string_lossy().to_string();
        if let Some((size, when, hash)) = self.file().hashes.get(&name) {
            if *size == meta.len() && *when == modified {
                return Some(hash.clone());
            }
        }
        let mut hasher = Sha256::new();
        let mut f = std::fs::File::open(path).ok()?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = std::io::Read::read(&mut f, &mut buf).ok()?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let hash = hex::encode(hasher.finalize());
        self.file().hashes.insert(name, (meta.len(), modified, hash.clone()));
        Some(hash)
    }

    /// The key of every product of `project` that has one, computed dependencies
    /// first; `reference_time` is the run's "now" when it was given, not taken.
    pub fn keys(
        &self,
        project: &Project,
        products: &[&Product],
        warehouse: &dyn Warehouse,
        settings: &KeySettings<'_>,
    ) -> HashMap<String, String> {
        let mut keys: HashMap<String, Option<String>> = HashMap::new();
        for p in products {
            self.key_of(project, p, warehouse, settings, &mut keys, &mut Vec::new());
        }
        keys.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()
    }

    fn key_of(
        &self,
        project: &Project,
        product: &Product,
        warehouse: &dyn Warehouse,
        settings: &KeySettings<'_>,
        keys: &mut HashMap<String, Option<String>>,
        visiting: &mut Vec<String>,
    ) -> Option<String> {
        let relation = product.spec.relation();
        if let Some(k) = keys.get(&relation) {
            return k.clone();
        }
        if visiting.contains(&relation) {
            return None; // a cycle: always checked
        }
        visiting.push(relation.clone());
        let key = self.compute(project, product, warehouse, settings, keys, visiting);
        visiting.pop();
        keys.insert(relation, key.clone());
        key
    }

    fn compute(
        &self,
        project: &Project,
        product: &Product,
        warehouse: &dyn Warehouse,
        settings: &KeySettings<'_>,
        keys: &mut HashMap<String, Option<String>>,
        visiting: &mut Vec<String>,
    ) -> Option<String> {
        let plan = plan_product(&project.standards, &product.spec);
        let reads_the_clock = plan.iter().any(|item| {
            matches!(
                item,
                PlanItem::Check(PlannedCheck {
                    kind: CheckKind::Freshness(_) | CheckKind::NoFutureTimestamps,
                    ..
                })
            )
        });
        let clock = match (reads_the_clock, settings.pinned_reference_time) {
            (false, _) => String::new(),
            (true, Some(t)) => t.to_string(),
            (true, None) => return None,
        };
        let mut h = Sha256::new();
        let mut part = |label: &str, value: &str| {
            h.update(label.as_bytes());
            h.update((value.len() as u64).to_le_bytes());
            h.update(value.as_bytes());
        };
        part("hallmark", env!("CARGO_PKG_VERSION"));
        part("dialect", warehouse.dialect().name());
        part(
            "warehouse",
            &serde_json::to_string(&project.config.warehouse).unwrap_or_default(),
        );
        part(
            "promotion",
            &serde_json::to_string(&project.config.promotion).unwrap_or_default(),
        );
        part("samples", &settings.sample_limit.to_string());
        part("clock", &clock);
        part("spec", &std::fs::read_to_string(&product.spec_path).ok()?);
        let (sql, _) = product.transform(warehouse.dialect().name());
        part("sql", sql);
        if let Some(q) = &product.quarantine {
            part("quarantine", &q.sql);
        }
        part("plan", &format!("{plan:?}"));
        // Every standard of the product's level, as written: the guards read some
        // that the plan holds no check of (tags a column should carry).
        let applicable: Vec<_> = project
            .standards
            .iter()
            .filter(|s| s.applies_to(product.spec.level))
            .collect();
        part("standards", &format!("{applicable:?}"));
        for source in &product.spec.sources {
            let fingerprint = match SourceLocation::of(source, &project.root) {
                SourceLocation::File { path, .. } => self.file_hash(&path)?,
                SourceLocation::Table(table) => warehouse.table_fingerprint(&table)?,
                SourceLocation::Product => {
                    let upstream = project.product(&source.name)?;
                    self.key_of(project, upstream, warehouse, settings, keys, visiting)?
                }
            };
            part(&format!("source {}", source.name), &fingerprint);
        }
        // Relationship targets are read by its checks.
        for target in crate::holding::relationship_targets(project, product, &plan) {
            let k = self.key_of(project, target, warehouse, settings, keys, visiting)?;
            part(&format!("target {}", target.spec.relation()), &k);
        }
        Some(hex::encode(h.finalize()))
    }
}

/// The run settings a key depends on.
#[derive(Debug, Clone, Copy)]
pub struct KeySettings<'a> {
    /// The reference time when the run was given one (`--as-of`); `None` when it is
    /// "now", which makes products that read the clock uncacheable.
    pub pinned_reference_time: Option<&'a str>,
    /// Failing rows fetched per failed check.
    pub sample_limit: usize,
}
