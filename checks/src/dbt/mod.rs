//! A dbt project read as Hallmark products, from dbt's own `target/manifest.json`, so
//! a team that keeps its models in dbt checks them against its `data_standards.md`
//! without a second copy under `products/`.
//!
//! Each enabled model whose level can be told becomes a product:
//! - **level**: in the order `dbt.level_from` gives (default: `meta`, `tag`, `folder`,
//!   `schema`): `meta.hallmark.level`; a tag; a folder of the model's path; a part of
//!   its schema name (split on `_`), each matched against `dbt.levels` (default
//!   `silver: [silver]`, `gold: [gold]`). A model none of them places (staging,
//!   intermediate) is not a product and is listed as such.
//! - **columns**: the YAML's columns in order, with description and `data_type`; tags
//!   are the column's `tags` (and `config.tags`), `meta.hallmark.tags`, and `pii` when
//!   `meta.pii` or `meta.contains_pii` is true.
//! - **owner**: `meta.owner`, else the owner of the model's group (e-mail, else name).
//! - **primary key**: a `primary_key` constraint (model or column), else
//!   `meta.hallmark.primary_key`, else the first column with both `unique` and
//!   `not_null` data tests.
//! - **sources**: a dbt source is `<source>.<table>`, read from its
//!   `external_location` file (dbt-duckdb) or its table; a model it reads is that
//!   product, or the model's relation when it is not a product;
//!   `meta.hallmark.key` on a source table is its business key, and a model's
//!   `meta.hallmark.source_keys` (`{bronze.orders: [Order ID]}`) says how it
//!   deduplicates each source (a promotion writes it).
//! - **where it is**: `<schema>.<alias>`, which `hallmark check --dbt` reads in place.
//!
//! dbt's own data tests stay dbt's: they are listed ([`DbtTest`]), not run.

pub mod coverage;
pub mod declared;
pub mod manifest;

use crate::level::Level;
use crate::spec::{ColumnSpec, Product, ProductSpec, SourceSpec};
use manifest::{Manifest, Node};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `dbt:` in `.hallmark.yml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DbtConfig {
    /// The folder holding `dbt_project.yml`, relative to the repository root.
    pub project: PathBuf,
    /// The manifest, relative to the dbt project.
    pub manifest: PathBuf,
    /// Where a model's level is read, first match wins.
    pub level_from: Vec<LevelSource>,
    /// The names (tags, folders, schema parts, meta values) that mean each level.
    pub levels: BTreeMap<Level, Vec<String>>,
}

impl Default for DbtConfig {
    fn default() -> Self {
        Self {
            project: PathBuf::from("."),
            manifest: PathBuf::from("target/manifest.json"),
            level_from: vec![
                LevelSource::Meta,
                LevelSource::Tag,
                LevelSource::Folder,
                LevelSource::Schema,
            ],
            levels: [
                (Level::Silver, vec!["silver".to_string()]),
                (Level::Gold, vec!["gold".to_string()]),
            ]
            .into(),
        }
    }
}

/// Where a model's level may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelSource {
    /// `meta.hallmark.level` (or `config.meta`).
    Meta,
    /// One of the model's tags.
    Tag,
    /// A folder of the model's path (`models/silver/orders.sql`).
    Folder,
    /// A part of its schema name split on `_` (`analytics_silver`).
    Schema,
}

/// A dbt data test on a product, listed beside Hallmark's checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbtTest {
    /// The test's node name (`not_null_orders_order_id`).
    pub name: String,
    /// `not_null`, `unique`, `accepted_values`, `relationships`, or a package's.
    pub kind: String,
    /// The product it tests (`silver.orders`).
    pub product: String,
    /// The column, for a column test.
    pub column: Option<String>,
}

/// What the manifest gave: the products, where each is, the models left out and
/// why, and dbt's own tests.
#[derive(Debug, Clone, Default)]
pub struct DbtProject {
    /// The products, silver before gold, then by name.
    pub products: Vec<Product>,
    /// Each product's relation in the warehouse (`silver.orders` → `main.orders`).
    pub locations: BTreeMap<String, String>,
    /// Models that are not products, with why.
    pub not_products: Vec<(String, String)>,
    /// dbt's data tests on the products.
    pub tests: Vec<DbtTest>,
    /// Which dbt wrote the manifest.
    pub dbt_version: String,
    /// Per product, the files (relative to the repository) whose change touches it:
    /// its SQL and YAML, those of the models it looks through, its sources' YAML.
    pub inputs: BTreeMap<String, Vec<String>>,
    /// Files and folders (relative to the repository) whose change may touch every
    /// model: `dbt_project.yml`, the packages, the macros.
    pub shared: Vec<String>,
    /// How a model's SQL names each source and product in dbt: `bronze.orders` →
    /// `{{ source('bronze', 'orders') }}`, `silver.orders` → `{{ ref('orders') }}`.
    pub jinja: BTreeMap<String, String>,
    /// The file each source with one reads (relative to the repository) → its name.
    pub source_files: BTreeMap<String, String>,
    /// Per level, the folder (relative to the dbt project) its products' SQL mostly
    /// lives in, where a promotion puts a new one.
    pub folders: BTreeMap<Level, String>,
    /// Products whose SQL the manifest holds only as written (Jinja), so that only
    /// the relation dbt built can be checked: `dbt compile` writes the rest.
    pub uncompiled: Vec<String>,
}

fn text_at<'a>(map: &'a BTreeMap<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(map.get(*first)?, |v, key| v.get(key))
}

/// `meta[path]` of the node or of its config.
fn meta<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Value> {
    text_at(&node.meta, path).or_else(|| text_at(&node.config.meta, path))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

impl DbtConfig {
    /// The dbt project's folder inside the repository at `root` (`project: .` is the
    /// root itself, not `root/.`).
    pub fn folder(&self, root: &Path) -> PathBuf {
        let parts: PathBuf = self
            .project
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        root.join(parts)
    }

    fn level_named(&self, name: &str) -> Option<Level> {
        let name = name.trim().to_lowercase();
        self.levels
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.to_lowercase() == name))
            .map(|(l, _)| *l)
    }

    /// The level of `node`, and where it was read; `None` when nothing places it.
    pub fn level_of(&self, node: &Node) -> Option<(Level, String)> {
        for source in &self.level_from {
            let found = match source {
                LevelSource::Meta => meta(node, &["hallmark", "level"])
                    .and_then(Value::as_str)
                    .and_then(|v| self.level_named(v).map(|l| (l, format!("meta.hallmark.level: {v}")))),
                LevelSource::Tag => node
                    .tags
                    .iter()
                    .chain(&node.config.tags)
                    .find_map(|t| self.level_named(t).map(|l| (l, format!("tag {t}")))),
                LevelSource::Folder => Path::new(&node.original_file_path)
                    .parent()
                    .into_iter()
                    .flat_map(Path::components)
                    .find_map(|c| {
                        let folder = c.as_os_str().to_string_lossy();
                        self.level_named(&folder).map(|l| (l, format!("folder {folder}")))
                    }),
                LevelSource::Schema => node
                    .schema
                    .split('_')
                    .find_map(|part| self.level_named(part).map(|l| (l, format!("schema {}", node.schema)))),
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

fn snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The tags of a column, from every place dbt keeps them (see the module's notes).
fn column_tags(c: &manifest::Column) -> Vec<String> {
    let hallmark = text_at(&c.meta, &["hallmark", "tags"]).or_else(|| text_at(&c.config.meta, &["hallmark", "tags"]));
    let flagged = |key: &str| {
        c.meta
            .get(key)
            .or_else(|| c.config.meta.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let mut tags: Vec<String> = Vec::new();
    for t in c
        .tags
        .iter()
        .chain(&c.config.tags)
        .cloned()
        .chain(strings(hallmark))
        .chain((flagged("pii") || flagged("contains_pii")).then(|| "pii".to_string()))
    {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

/// A `patch_path` (`shop://models/silver/schema.yml`) relative to the dbt folder.
fn patch_relative(patch: &str) -> &str {
    patch.split_once("://").map_or(patch, |(_, p)| p)
}

/// A path under the dbt folder, relative to the repository root.
fn in_repository(root: &Path, dbt_dir: &Path, file: &str) -> String {
    let path = dbt_dir.join(file);
    path.strip_prefix(root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A dbt source as a product's source, and the file (relative to the repository)
/// that declares it: read from its `external_location` (dbt-duckdb) when that is a
/// file, else from its table; keyed by `meta.hallmark.key`.
fn source_spec(s: &manifest::Source, root: &Path, dbt_dir: &Path) -> (SourceSpec, String) {
    let identifier = s.identifier.as_deref().unwrap_or(&s.name);
    let external = text_at(&s.meta, &["external_location"])
        .or_else(|| text_at(&s.source_meta, &["external_location"]))
        .and_then(Value::as_str)
        .map(|loc| loc.replace("{name}", &s.name).replace("{identifier}", identifier));
    // A file of the repository; a URL or a reader call is not one, and the table is
    // read instead.
    let file = external
        .filter(|loc| !loc.contains("://") && !loc.contains('('))
        .map(|loc| in_repository(root, dbt_dir, &loc));
    let spec = SourceSpec {
        name: format!("{}.{}", s.source_name, s.name),
        table: file.is_none().then(|| format!("{}.{identifier}", s.schema)),
        file,
        key: strings(text_at(&s.meta, &["hallmark", "key"])),
        missing_values: BTreeMap::new(),
    };
    (spec, in_repository(root, dbt_dir, &s.original_file_path))
}

/// What `model` reads, as product sources: dbt sources, and products; a model that is
/// not a product (staging, intermediate, ephemeral) is looked through to what it reads,
/// so a silver product's sources are the bronze tables its staging models read. Also
/// the files (relative to the repository) that declare what was looked through.
fn sources_of(
    manifest: &Manifest,
    model: &Node,
    levels: &BTreeMap<&str, Level>,
    root: &Path,
    dbt_dir: &Path,
) -> (Vec<SourceSpec>, Vec<String>) {
    let relative = |file: &str| in_repository(root, dbt_dir, file);
    let mut files: Vec<String> = Vec::new();
    let mut out: Vec<SourceSpec> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut queue: Vec<&str> = model.depends_on.nodes.iter().map(String::as_str).collect();
    while let Some(id) = queue.pop() {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let spec = if let Some(s) = manifest.sources.get(id) {
            let (spec, declared_in) = source_spec(s, root, dbt_dir);
            files.push(declared_in);
            spec
        } else if let Some(upstream) = manifest.nodes.get(id).filter(|n| n.resource_type == "model") {
            match levels.get(id) {
                Some(l) => SourceSpec {
                    name: format!("{l}.{}", upstream.name),
                    file: None,
                    table: None,
                    key: Vec::new(),
                    missing_values: BTreeMap::new(),
                },
                None => {
                    files.push(relative(&upstream.original_file_path));
                    files.extend(upstream.patch_path.as_deref().map(|p| relative(patch_relative(p))));
                    queue.extend(upstream.depends_on.nodes.iter().map(String::as_str));
                    continue;
                }
            }
        } else {
            continue;
        };
        if !out.iter().any(|s| s.name == spec.name) {
            out.push(spec);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    files.sort();
    files.dedup();
    (out, files)
}

/// The files and folders of a dbt project that every model may depend on.
const SHARED_FILES: &[&str] = &["dbt_project.yml", "packages.yml", "dependencies.yml", "macros"];

/// How deep models that are not products are inlined into one product's SQL.
const MAX_INLINE_DEPTH: usize = 32;

/// `model`'s compiled SQL as Hallmark's sandbox can build it: every relation dbt
/// compiled in is renamed to what the sandbox binds — a source to `<source>.<table>`,
/// a product to `<level>.<name>` — and a model that is not a product (a staging view)
/// is inlined as a subquery of its own rewritten SQL. `None` when the manifest was not
/// compiled (or a model is nested too deep).
fn sandbox_sql(manifest: &Manifest, model: &Node, levels: &BTreeMap<&str, Level>, depth: usize) -> Option<String> {
    let compiled = model.compiled_code.as_deref()?;
    if depth > MAX_INLINE_DEPTH {
        return None;
    }
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut queue: Vec<&str> = model.depends_on.nodes.iter().map(String::as_str).collect();
    let mut seen: Vec<&str> = Vec::new();
    while let Some(id) = queue.pop() {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Some(s) = manifest.sources.get(id) {
            if let Some(rel) = &s.relation_name {
                renames.push((rel.clone(), format!("{}.{}", s.source_name, s.name)));
            }
        } else if let Some(n) = manifest.nodes.get(id).filter(|n| n.resource_type == "model") {
            match (levels.get(id), &n.relation_name) {
                (Some(l), Some(rel)) => renames.push((rel.clone(), format!("{l}.{}", n.name))),
                (None, Some(rel)) => {
                    let inner = sandbox_sql(manifest, n, levels, depth + 1)?;
                    renames.push((rel.clone(), format!("(\n{}\n)", inner.trim().trim_end_matches(';'))));
                }
                // Ephemeral: dbt inlined it as a CTE, which names what it reads.
                (_, None) => queue.extend(n.depends_on.nodes.iter().map(String::as_str)),
            }
        }
    }
    // The longest first, so that no name is replaced inside a longer one.
    renames.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
    Some(
        renames
            .iter()
            .fold(compiled.to_string(), |sql, (from, to)| sql.replace(from.as_str(), to)),
    )
}

impl DbtProject {
    /// What can be known of the dbt project at `settings.project` without its
    /// manifest: the sources its YAML declares (see [`declared`]); no models.
    pub fn from_declared(root: &Path, settings: &DbtConfig) -> DbtProject {
        let dbt_dir = settings.folder(root);
        let (jinja, source_files) = declared::names(&declared::declared_sources(root, &dbt_dir));
        DbtProject {
            jinja,
            source_files,
            ..DbtProject::default()
        }
    }

    /// The products of `manifest` for a dbt project at `dbt_dir` inside the repository
    /// at `root`, placed by `config`.
    pub fn from_manifest(manifest: &Manifest, config: &DbtConfig, root: &Path, dbt_dir: &Path) -> DbtProject {
        let mut out = DbtProject {
            dbt_version: manifest.metadata.dbt_version.clone(),
            ..DbtProject::default()
        };
        let models: Vec<&Node> = manifest
            .nodes
            .values()
            .filter(|n| n.resource_type == "model" && n.config.enabled)
            .collect();
        let mut levels: BTreeMap<&str, Level> = BTreeMap::new();
        for m in &models {
            match config.level_of(m) {
                Some((level, _)) if level != Level::Bronze => {
                    levels.insert(m.unique_id.as_str(), level);
                }
                _ => out.not_products.push((
                    m.name.clone(),
                    "no level: no meta.hallmark.level, tag, folder or schema part names silver or gold".into(),
                )),
            }
        }
        let tests: Vec<&Node> = manifest.nodes.values().filter(|n| n.resource_type == "test").collect();
        out.shared = SHARED_FILES.iter().map(|f| in_repository(root, dbt_dir, f)).collect();
        for m in models.iter().filter(|m| levels.contains_key(m.unique_id.as_str())) {
            if !snake_case(&m.name) {
                out.not_products.push((
                    m.name.clone(),
                    "its name is not snake_case, as a product's must be".into(),
                ));
                continue;
            }
            let level = levels[m.unique_id.as_str()];
            let tests_of = |column: &str, kind: &str| {
                tests.iter().any(|t| {
                    t.attached_node.as_deref() == Some(m.unique_id.as_str())
                        && t.column_name.as_deref() == Some(column)
                        && t.test_metadata.as_ref().is_some_and(|tm| tm.name == kind)
                })
            };
            let primary_key = m
                .constraints
                .iter()
                .find(|c| c.kind == "primary_key")
                .map(|c| c.columns.clone())
                .or_else(|| {
                    let cols: Vec<String> = m
                        .columns
                        .iter()
                        .filter(|c| c.constraints.iter().any(|k| k.kind == "primary_key"))
                        .map(|c| c.name.clone())
                        .collect();
                    (!cols.is_empty()).then_some(cols)
                })
                .or_else(|| {
                    let cols = strings(meta(m, &["hallmark", "primary_key"]));
                    (!cols.is_empty()).then_some(cols)
                })
                .or_else(|| {
                    m.columns
                        .iter()
                        .find(|c| tests_of(&c.name, "unique") && tests_of(&c.name, "not_null"))
                        .map(|c| vec![c.name.clone()])
                })
                .unwrap_or_default();
            let (mut sources, mut inputs) = sources_of(manifest, m, &levels, root, dbt_dir);
            // The model's own word on how it deduplicates a source wins.
            for s in &mut sources {
                let key = strings(meta(m, &["hallmark", "source_keys", s.name.as_str()]));
                if !key.is_empty() {
                    s.key = key;
                }
            }
            inputs.push(in_repository(root, dbt_dir, &m.original_file_path));
            inputs.extend(
                m.patch_path
                    .as_deref()
                    .map(|p| in_repository(root, dbt_dir, patch_relative(p))),
            );
            let owner = meta(m, &["owner"])
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    let group = m.config.group.as_deref()?;
                    let g = manifest.groups.values().find(|g| g.name == group)?;
                    g.owner.email.clone().or_else(|| g.owner.name.clone())
                });
            let columns = m
                .columns
                .iter()
                .map(|c| ColumnSpec {
                    name: c.name.clone(),
                    type_name: c.data_type.clone().unwrap_or_default(),
                    description: Some(c.description.trim().to_string()).filter(|d| !d.is_empty()),
                    tags: column_tags(c),
                    checks: Vec::new(),
                })
                .collect();
            let spec = ProductSpec {
                name: m.name.clone(),
                level,
                description: Some(m.description.trim().to_string()).filter(|d| !d.is_empty()),
                owner,
                sources,
                primary_key,
                columns,
                checks: Vec::new(),
            };
            let sql_path = dbt_dir.join(&m.original_file_path);
            let relation = spec.relation();
            out.locations
                .insert(relation.clone(), format!("{}.{}", m.schema, m.relation_name()));
            out.inputs.insert(relation.clone(), inputs);
            for t in tests
                .iter()
                .filter(|t| t.attached_node.as_deref() == Some(m.unique_id.as_str()))
            {
                out.tests.push(DbtTest {
                    name: t.name.clone(),
                    kind: t
                        .test_metadata
                        .as_ref()
                        .map_or_else(|| "singular".into(), |tm| tm.name.clone()),
                    product: relation.clone(),
                    column: t.column_name.clone(),
                });
            }
            out.products.push(Product {
                spec,
                sql: match sandbox_sql(manifest, m, &levels, 0) {
                    Some(sql) => sql,
                    None => {
                        out.uncompiled.push(relation.clone());
                        m.raw_code.clone()
                    }
                },
                spec_path: m
                    .patch_path
                    .as_deref()
                    .map_or_else(|| sql_path.clone(), |p| dbt_dir.join(patch_relative(p))),
                sql_path,
                dialect_sql: Vec::new(),
                quarantine: None,
            });
        }
        for s in manifest.sources.values() {
            let name = format!("{}.{}", s.source_name, s.name);
            out.jinja.insert(
                name.clone(),
                format!("{{{{ source('{}', '{}') }}}}", s.source_name, s.name),
            );
            let (spec, _) = source_spec(s, root, dbt_dir);
            if let Some(file) = spec.file {
                out.source_files.insert(file, name);
            }
        }
        for p in &out.products {
            out.jinja
                .insert(p.spec.relation(), format!("{{{{ ref('{}') }}}}", p.spec.name));
        }
        for level in [Level::Silver, Level::Gold] {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for p in out.products.iter().filter(|p| p.spec.level == level) {
                let folder = p
                    .sql_path
                    .strip_prefix(dbt_dir)
                    .ok()
                    .and_then(Path::parent)
                    .map(|f| f.to_string_lossy().replace('\\', "/"));
                *counts.entry(folder.unwrap_or_default()).or_default() += 1;
            }
            let most = counts.into_iter().max_by_key(|(_, n)| *n).map(|(f, _)| f);
            out.folders
                .insert(level, most.unwrap_or_else(|| format!("models/{level}")));
        }
        out.products
            .sort_by(|a, b| (a.spec.level, &a.spec.name).cmp(&(b.spec.level, &b.spec.name)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(json: Value) -> Node {
        let mut base = serde_json::json!({
            "unique_id": "model.shop.x", "resource_type": "model", "name": "x",
            "schema": "main", "original_file_path": "models/x.sql"
        });
        base.as_object_mut().unwrap().extend(json.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn the_level_is_read_where_the_configuration_says_first() {
        let config = DbtConfig::default();
        let meta = node(serde_json::json!({"meta": {"hallmark": {"level": "gold"}}, "tags": ["silver"]}));
        assert_eq!(config.level_of(&meta).unwrap().0, Level::Gold);
        let tag = node(serde_json::json!({"tags": ["nightly", "silver"]}));
        assert_eq!(config.level_of(&tag).unwrap().0, Level::Silver);
        let folder = node(serde_json::json!({"original_file_path": "models/marts/gold/revenue.sql"}));
        assert_eq!(config.level_of(&folder).unwrap().0, Level::Gold);
        let schema = node(serde_json::json!({"schema": "analytics_silver"}));
        assert_eq!(config.level_of(&schema).unwrap().0, Level::Silver);
        let staging = node(serde_json::json!({"original_file_path": "models/staging/stg.sql"}));
        assert!(config.level_of(&staging).is_none());
        // A team whose gold lives in `marts/` says so.
        let marts = DbtConfig {
            levels: [(Level::Gold, vec!["marts".to_string()])].into(),
            ..DbtConfig::default()
        };
        let mart = node(serde_json::json!({"original_file_path": "models/marts/revenue.sql"}));
        assert_eq!(marts.level_of(&mart).unwrap().0, Level::Gold);
        let only_tags = DbtConfig {
            level_from: vec![LevelSource::Tag],
            ..DbtConfig::default()
        };
        assert!(only_tags.level_of(&folder).is_none());
    }

    #[test]
    fn column_tags_come_from_every_place_dbt_keeps_them() {
        let column: manifest::Column = serde_json::from_value(serde_json::json!({
            "name": "email",
            "tags": ["email"],
            "meta": {"contains_pii": true, "hallmark": {"tags": ["customer_ref", "email"]}},
            "config": {"tags": ["contact"]}
        }))
        .unwrap();
        assert_eq!(column_tags(&column), ["email", "contact", "customer_ref", "pii"]);
    }
}
