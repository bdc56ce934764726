//! A user's repository as Hallmark sees it: `.hallmark.yml`, `data_standards.md` and the
//! product specs under `products/`.

use crate::error::{yaml_error_line, yaml_error_message, SourceError, SourceErrors};
use crate::level::Level;
pub use crate::paths::{inside_repository, relative_inside};
use crate::spec::{level_from_file_name, parse_spec, quarantine_path, DialectSql, Product, QuarantineSql};
use crate::standards::{parse_standards, Standard};
pub use crate::warehouse::config::{ClickHouseConfig, WarehouseConfig};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The name of the optional per-repository configuration file.
pub const CONFIG_FILE: &str = ".hallmark.yml";

/// The dialects a product may have a transform of its own for (`silver.clickhouse.sql`).
pub const DIALECTS: &[&str] = &["duckdb", "clickhouse"];

/// The default share of a column's bronze values that may be set aside
/// (`promotion.max_set_aside`).
pub const DEFAULT_MAX_SET_ASIDE: f64 = 0.01;

/// The default share of the rows reaching a level that its quarantine may hold back
/// (`promotion.max_quarantine`).
pub const DEFAULT_MAX_QUARANTINE: f64 = 0.05;

/// `.hallmark.yml`. Every key has a default, so a repository without the file works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The standards file, relative to the repository root.
    pub standards: PathBuf,
    /// The folder holding one folder per product.
    pub products: PathBuf,
    /// Where products are built and checked.
    pub warehouse: WarehouseConfig,
    /// The language model the promotion agent may use. This crate knows nothing of
    /// models: the section is kept as YAML and validated by the agent that reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<serde_norway::Value>,
    /// How the bot behaves in this repository (`bare_commands: false`...), kept as YAML
    /// for the bot to read, like `llm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<serde_norway::Value>,
    /// What a promotion (and every check of a silver product) must keep of bronze.
    pub promotion: PromotionConfig,
    /// Where the products are deployed, for checks in place (`hallmark check
    /// --deployed`): a schema, or a template like `prod_{level}.{name}`; see
    /// [`crate::deployed`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed: Option<String>,
    /// How a dbt project in the repository is read as products (`--dbt`); see
    /// [`crate::dbt`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbt: Option<crate::dbt::DbtConfig>,
}

/// `promotion:` in `.hallmark.yml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromotionConfig {
    /// The share of a column's bronze values a silver product may set aside (leave
    /// NULL); beyond it the product fails. `0.01` is 1 %.
    pub max_set_aside: f64,
    /// The share of the rows reaching a level that its quarantine may hold back;
    /// beyond it the product fails. `0.05` is 5 %.
    pub max_quarantine: f64,
}

impl Default for PromotionConfig {
    fn default() -> Self {
        Self {
            max_set_aside: DEFAULT_MAX_SET_ASIDE,
            max_quarantine: DEFAULT_MAX_QUARANTINE,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            standards: PathBuf::from("data_standards.md"),
            products: PathBuf::from("products"),
            warehouse: WarehouseConfig::default(),
            llm: None,
            bot: None,
            promotion: PromotionConfig::default(),
            deployed: None,
            dbt: None,
        }
    }
}

/// Everything Hallmark reads from a repository before touching data.
#[derive(Debug, Clone)]
pub struct Project {
    /// The repository root.
    pub root: PathBuf,
    /// The configuration (defaults where the file is absent).
    pub config: Config,
    /// The standards, in file order.
    pub standards: Vec<Standard>,
    /// The products, silver before gold, then by name.
    pub products: Vec<Product>,
}

impl Project {
    /// Reads and validates the repository at `root`, collecting every problem found in
    /// any file.
    pub fn load(root: &Path) -> Result<Project, SourceErrors> {
        Self::load_with_config(root, &root.join(CONFIG_FILE))
    }

    /// [`Project::load`] with the configuration read from `config_file` instead of
    /// the repository's `.hallmark.yml` (say, the same products on another warehouse).
    /// A missing file means the defaults only when it is the repository's own.
    pub fn load_with_config(root: &Path, config_file: &Path) -> Result<Project, SourceErrors> {
        Self::load_parts(root, config_file, |config, errors| {
            // A products folder that is a link out of the repository reads as no products.
            match inside_repository(root, &config.products) {
                Err(problem) if problem.contains("outside") => {
                    errors.push(SourceError::new(
                        root.join(CONFIG_FILE),
                        0,
                        format!("products: {problem}"),
                    ));
                    Vec::new()
                }
                _ => load_products(&root.join(&config.products), errors),
            }
        })
    }

    /// The repository at `root` with its products read from a dbt project's manifest
    /// instead of `products/` (see [`crate::dbt`]): `manifest` when given, else the one
    /// `.hallmark.yml`'s `dbt:` names (by default `target/manifest.json` of the
    /// repository root). The configuration is `config_file`'s when given.
    pub fn load_dbt(
        root: &Path,
        config_file: Option<&Path>,
        manifest: Option<&Path>,
    ) -> Result<(Project, crate::dbt::DbtProject), SourceErrors> {
        let mut dbt = crate::dbt::DbtProject::default();
        let config_file = config_file.map_or_else(|| root.join(CONFIG_FILE), Path::to_path_buf);
        let project = Self::load_parts(root, &config_file, |config, errors| {
            let settings = config.dbt.clone().unwrap_or_default();
            let dbt_dir = settings.folder(root);
            let path = manifest.map_or_else(|| dbt_dir.join(&settings.manifest), Path::to_path_buf);
            match crate::dbt::manifest::Manifest::read(&path) {
                Ok(m) => {
                    dbt = crate::dbt::DbtProject::from_manifest(&m, &settings, root, &dbt_dir);
                    dbt.products.clone()
                }
                Err(e) => {
                    errors.push(SourceError::new(&path, 0, e.to_string()));
                    Vec::new()
                }
            }
        })?;
        Ok((project, dbt))
    }

    /// Reads the configuration and the standards, and the products with `products`;
    /// collects every problem of all three.
    fn load_parts(
        root: &Path,
        config_file: &Path,
        products: impl FnOnce(&Config, &mut Vec<SourceError>) -> Vec<Product>,
    ) -> Result<Project, SourceErrors> {
        let mut errors = Vec::new();
        let optional = config_file == root.join(CONFIG_FILE);
        let config = load_config(config_file, optional).map_err(|e| SourceErrors(vec![e]))?;
        let standards_path = root.join(&config.standards);
        let read = inside_repository(root, &config.standards)
            .and_then(|real| std::fs::read_to_string(real).map_err(|e| e.to_string()));
        let standards = match read {
            Ok(text) => parse_standards(&text, &standards_path).unwrap_or_else(|e| {
                errors.extend(e.0);
                Vec::new()
            }),
            Err(e) => {
                errors.push(SourceError::new(
                    &standards_path,
                    0,
                    format!("cannot read the standards file: {e}"),
                ));
                Vec::new()
            }
        };
        let products = products(&config, &mut errors);
        if errors.is_empty() {
            Ok(Project {
                root: root.to_path_buf(),
                config,
                standards,
                products,
            })
        } else {
            Err(SourceErrors(errors))
        }
    }

    /// The product built as `relation` (`silver.orders`).
    pub fn product(&self, relation: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.spec.relation() == relation)
    }
}

impl Config {
    /// Every path the file names, with its key: each must stay inside the repository.
    fn paths(&self) -> Vec<(&'static str, &Path)> {
        let mut paths = vec![
            ("standards:", self.standards.as_path()),
            ("products:", self.products.as_path()),
        ];
        if let WarehouseConfig::Duckdb { path: Some(p) } = &self.warehouse {
            paths.push(("path:", p.as_path()));
        }
        if let Some(dbt) = &self.dbt {
            paths.push(("project:", dbt.project.as_path()));
        }
        paths
    }
}

fn load_config(path: &Path, optional: bool) -> Result<Config, SourceError> {
    match std::fs::read_to_string(path) {
        Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(SourceError::new(path, 0, format!("cannot read: {e}"))),
        Ok(text) if text.trim().is_empty() => Ok(Config::default()),
        Ok(text) => {
            let config: Config = serde_norway::from_str(&text)
                .map_err(|e| SourceError::new(path, yaml_error_line(&e, 1), yaml_error_message(&e)))?;
            for (key, rel) in config.paths() {
                relative_inside(rel).map_err(|problem| {
                    SourceError::new(path, crate::error::line_of(&text, key, 1), format!("{key} {problem}"))
                })?;
            }
            for (key, share) in [
                ("max_set_aside:", config.promotion.max_set_aside),
                ("max_quarantine:", config.promotion.max_quarantine),
            ] {
                if !(0.0..=1.0).contains(&share) {
                    return Err(SourceError::new(
                        path,
                        crate::error::line_of(&text, key, 1),
                        format!(
                            "promotion.{} is {share}: a share from 0 to 1 (0.05 is 5 %)",
                            key.trim_end_matches(':')
                        ),
                    ));
                }
            }
            if let Some(d) = &config.deployed {
                crate::deployed::Deployed::parse(d).map_err(|e| {
                    SourceError::new(
                        path,
                        crate::error::line_of(&text, "deployed:", 1),
                        format!("deployed: {e}"),
                    )
                })?;
            }
            Ok(config)
        }
    }
}

fn load_products(dir: &Path, errors: &mut Vec<SourceError>) -> Vec<Product> {
    let mut products = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return products;
    };
    let mut product_dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    product_dirs.sort();
    for pdir in product_dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&pdir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for path in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        {
            let level = level_from_file_name(&path);
            match level {
                Some(Level::Bronze) => continue,
                None => {
                    errors.push(SourceError::new(
                        &path,
                        0,
                        "cannot tell the product level from the file name; name it silver.yml or gold_<metric>.yml",
                    ));
                    continue;
                }
                Some(_) => {}
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(SourceError::new(&path, 0, format!("cannot read: {e}")));
                    continue;
                }
            };
            let spec = match parse_spec(&text, &path, level) {
                Ok(s) => s,
                Err(e) => {
                    errors.extend(e.0);
                    continue;
                }
            };
            let sql_path = path.with_extension("sql");
            match std::fs::read_to_string(&sql_path) {
                Ok(sql) => {
                    let dialect_sql = DIALECTS
                        .iter()
                        .filter_map(|d| {
                            let variant = path.with_extension(format!("{d}.sql"));
                            match std::fs::read_to_string(&variant) {
                                Ok(sql) => Some(DialectSql {
                                    dialect: d.to_string(),
                                    sql,
                                    path: variant,
                                }),
                                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                                Err(e) => {
                                    errors.push(SourceError::new(&variant, 0, format!("cannot read: {e}")));
                                    None
                                }
                            }
                        })
                        .collect();
                    let qpath = quarantine_path(&path);
                    let quarantine = match std::fs::read_to_string(&qpath) {
                        Ok(sql) => Some(QuarantineSql { sql, path: qpath }),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                        Err(e) => {
                            errors.push(SourceError::new(&qpath, 0, format!("cannot read: {e}")));
                            None
                        }
                    };
                    products.push(Product {
                        spec,
                        sql,
                        spec_path: path,
                        sql_path,
                        dialect_sql,
                        quarantine,
                    })
                }
                Err(e) => errors.push(SourceError::new(
                    &path,
                    0,
                    format!(
                        "the SQL that builds this product, {}, cannot be read: {e}",
                        sql_path.display()
                    ),
                )),
            }
        }
    }
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for p in &products {
        if let Some(first) = seen.insert(p.spec.relation(), p.spec_path.clone()) {
            errors.push(SourceError::new(
                &p.spec_path,
                0,
                format!("product {} is also defined in {}", p.spec.relation(), first.display()),
            ));
        }
    }
    for p in &products {
        for s in p.spec.sources.iter().filter(|s| s.is_product()) {
            if !seen.contains_key(&s.name) {
                errors.push(SourceError::new(
                    &p.spec_path,
                    crate::error::line_of(&std::fs::read_to_string(&p.spec_path).unwrap_or_default(), &s.name, 1),
                    format!("source `{}` is no product of this repository", s.name),
                ));
            }
        }
    }
    products.sort_by(|a, b| (a.spec.level, &a.spec.name).cmp(&(b.spec.level, &b.spec.name)));
    products
}
