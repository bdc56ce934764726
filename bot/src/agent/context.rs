//! What a promotion knows before it drafts: the request (untrusted text), the target
//! product, the source and its profile, the standards of the level, and the
//! repository's products. It also judges a set of drafted files, the same way for
//! the loop and for the LLM's `run_checks` tool.

use super::files::DraftFiles;
use super::grain::Grain;
use super::overlay::with_drafts;
use super::profile::Profile;
use super::request_terms::request_results;
use super::transform::snake_case;
use hallmark_checks::result::{ProductReport, Summary};
use hallmark_checks::runner::{run_checks, NoProgress, RunOptions, Selection};
use hallmark_checks::spec::{Product, SourceSpec};
use hallmark_checks::standards::Standard;
use hallmark_checks::warehouse::{SourceLocation, Warehouse};
use hallmark_checks::CheckResult;
use hallmark_checks::{Level, Project, Status};
use std::path::Path;

/// What went wrong with the previous round's files, as the drafter is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Problems {
    /// The spec or SQL did not parse or validate (the lint errors, with file and line).
    Lint(String),
    /// The product could not be built from its SQL.
    Build(String),
    /// It was built; these machine-checkable results did not pass.
    Checks(Vec<CheckResult>),
}

/// What was asked for. Every field may come from an issue, so none of it is trusted:
/// names are checked before they become paths, and the text is only ever shown to a
/// drafter as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRequest {
    /// A bronze file (`bronze/orders.csv`), a source or warehouse table
    /// (`bronze.orders`), or, for gold, a product (`silver.orders`).
    pub source: String,
    /// The level to promote to.
    pub level: Level,
    /// The product's name; derived from the source (silver) or the request (gold) when absent.
    pub product: Option<String>,
    /// The consumer's words: what they need and why.
    pub text: String,
    /// Who owns the product; the repository's usual owner when absent.
    pub owner: Option<String>,
}

/// Why a request cannot be worked on.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// A name that cannot be a product name.
    #[error("`{0}` is not a usable product name: use letters, digits and underscores")]
    BadName(String),
    /// Gold must be built from a product.
    #[error("a gold product is built from a silver product, and `{0}` is not one of this repository's products (known: {1})")]
    GoldNeedsProduct(String, String),
    /// Silver must be built from bronze.
    #[error("a silver product is built from a bronze source, and `{0}` is a product; promote it to gold instead")]
    SilverFromProduct(String),
    /// Bronze is never a target.
    #[error("bronze is what Hallmark reads, not a level it promotes to")]
    BronzeTarget,
    /// A file outside the repository, or a table name with characters no table has.
    #[error(
        "`{0}` is not a usable source: name a file inside the repository (bronze/orders.csv) or a table (raw.orders)"
    )]
    BadSource(String),
}

/// The product being drafted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The folder under `products/`.
    pub folder: String,
    /// The spec's `name` (and the relation's second half).
    pub name: String,
    /// The level.
    pub level: Level,
}

impl Target {
    /// `silver.orders`.
    pub fn relation(&self) -> String {
        format!("{}.{}", self.level, self.name)
    }

    /// The spec file, relative to the repository root.
    pub fn spec_path(&self) -> String {
        format!("products/{}/{}.yml", self.folder, self.file_stem())
    }

    /// The SQL file, relative to the repository root.
    pub fn sql_path(&self) -> String {
        format!("products/{}/{}.sql", self.folder, self.file_stem())
    }

    /// `silver`, or `gold_<name>`.
    pub fn file_stem(&self) -> String {
        match self.level {
            Level::Gold => format!("gold_{}", self.name),
            _ => self.level.to_string(),
        }
    }

    /// The branch the promotion is committed on.
    pub fn branch(&self) -> String {
        format!("hallmark/{}/{}", self.level, self.name)
    }
}

/// The source as the product will declare it, and where its rows are.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSource {
    /// The entry for the spec's `sources` (its key is set by the drafter).
    pub spec: SourceSpec,
    /// Where the warehouse reads it.
    pub location: SourceLocation,
}

/// Works out the source and the target of `request` in `project`.
pub fn resolve(project: &Project, request: &PromotionRequest) -> Result<(ResolvedSource, Target), RequestError> {
    let wanted = request.source.trim();
    let product = project
        .products
        .iter()
        .find(|p| p.spec.relation() == wanted || (request.level == Level::Gold && p.spec.name == wanted));
    let source = match (request.level, product) {
        (Level::Bronze, _) => return Err(RequestError::BronzeTarget),
        (Level::Gold, None) => {
            let known: Vec<String> = project.products.iter().map(|p| p.spec.relation()).collect();
            return Err(RequestError::GoldNeedsProduct(
                wanted.to_string(),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            ));
        }
        (Level::Silver, Some(p)) => return Err(RequestError::SilverFromProduct(p.spec.relation())),
        (Level::Gold, Some(p)) => ResolvedSource {
            spec: SourceSpec {
                name: p.spec.relation(),
                file: None,
                table: None,
                key: Vec::new(),
                missing_values: Default::default(),
            },
            location: SourceLocation::Product,
        },
        (Level::Silver, None) => bronze_source(project, wanted)?,
    };
    let folder = match product {
        Some(p) => p
            .spec_path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .unwrap_or(&p.spec.name)
            .to_string(),
        None => source_stem(&source.spec.name),
    };
    let name = match (&request.product, request.level) {
        (Some(n), _) => n.trim().to_string(),
        (None, Level::Silver) => folder.clone(),
        (None, _) => format!("{folder}_{}", Grain::from_request(&request.text).adjective()),
    };
    if name.is_empty() || snake_case(&name) != name {
        return Err(RequestError::BadName(name));
    }
    Ok((
        source,
        Target {
            folder: if request.level == Level::Silver {
                name.clone()
            } else {
                folder
            },
            name,
            level: request.level,
        },
    ))
}

/// A bronze source: one an existing product already declares, a file in the
/// repository, or else a warehouse table.
fn bronze_source(project: &Project, wanted: &str) -> Result<ResolvedSource, RequestError> {
    let declared = project
        .products
        .iter()
        .flat_map(|p| p.spec.sources.iter())
        .find(|s| !s.is_product() && (s.name == wanted || s.file.as_deref() == Some(wanted)));
    if let Some(s) = declared {
        let location = SourceLocation::of(s, &project.root);
        return Ok(ResolvedSource {
            spec: SourceSpec {
                key: Vec::new(),
                missing_values: Default::default(),
                ..s.clone()
            },
            location,
        });
    }
    let is_file = [".csv", ".parquet", ".json", ".jsonl", ".ndjson", ".csv.gz"]
        .iter()
        .any(|e| wanted.to_lowercase().ends_with(e));
    let stem = source_stem(wanted);
    let bad = || RequestError::BadSource(wanted.to_string());
    if is_file {
        let inside = Path::new(wanted)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside {
            return Err(bad());
        }
        Ok(ResolvedSource {
            spec: SourceSpec {
                name: format!("bronze.{stem}"),
                file: Some(wanted.to_string()),
                table: None,
                key: Vec::new(),
                missing_values: Default::default(),
            },
            location: SourceLocation::File {
                path: project.root.join(wanted),
                root: project.root.clone(),
            },
        })
    } else {
        let plain = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !wanted.split('.').all(plain) {
            return Err(bad());
        }
        Ok(ResolvedSource {
            spec: SourceSpec {
                name: format!("bronze.{stem}"),
                file: None,
                table: Some(wanted.to_string()),
                key: Vec::new(),
                missing_values: Default::default(),
            },
            location: SourceLocation::Table(wanted.to_string()),
        })
    }
}

/// `bronze/orders.csv` → `orders`, `raw.shop.Orders` → `orders`.
fn source_stem(source: &str) -> String {
    let stem = match source.rsplit_once(['/', '\\']) {
        Some((_, file)) => file.split('.').next().unwrap_or(file),
        None => source.rsplit('.').next().unwrap_or(source),
    };
    snake_case(stem)
}

/// Everything a drafter may look at, and the judge of its drafts.
pub struct Context<'a> {
    /// The request, untrusted.
    pub request: &'a PromotionRequest,
    /// The repository as it is (products, standards, configuration).
    pub project: &'a Project,
    /// Where sources are read and drafts are built.
    pub warehouse: &'a dyn Warehouse,
    /// The product being drafted.
    pub target: Target,
    /// The source it reads.
    pub source: ResolvedSource,
    /// A profile of the source.
    pub profile: Profile,
    /// The owner the product gets unless the draft says otherwise.
    pub owner: Option<String>,
    /// "Now", fixed for the whole promotion so every round is judged alike.
    pub options: RunOptions,
}

impl Context<'_> {
    /// The standards that apply to the target level.
    pub fn standards(&self) -> impl Iterator<Item = &Standard> {
        self.project
            .standards
            .iter()
            .filter(|s| s.applies_to(self.target.level))
    }

    /// The product the gold target is built from.
    pub fn source_product(&self) -> Option<&Product> {
        self.project.product(&self.source.spec.name)
    }

    /// Builds `files` over the repository and checks the target product. `Err` when
    /// the files do not lint or lack the target; `Ok` holds the report either way.
    pub fn evaluate(&self, files: &DraftFiles) -> Result<ProductReport, Problems> {
        let spec_path = self.target.spec_path();
        if files.get(&spec_path).is_none() {
            return Err(Problems::Lint(format!("the draft has no {spec_path}")));
        }
        if files.get(&self.target.sql_path()).is_none() {
            return Err(Problems::Lint(format!("the draft has no {}", self.target.sql_path())));
        }
        let root = format!("{}/", self.project.root.display());
        let project = with_drafts(self.project, files).map_err(|e| Problems::Lint(e.to_string().replace(&root, "")))?;
        let drafted = project
            .products
            .iter()
            .find(|p| p.spec_path == project.root.join(&spec_path))
            .ok_or_else(|| Problems::Lint(format!("{spec_path} was not read as a product")))?;
        if drafted.spec.relation() != self.target.relation() {
            return Err(Problems::Lint(format!(
                "{spec_path} says `name: {}`, level {}; this promotion drafts {} (name `{}`)",
                drafted.spec.name,
                drafted.spec.level,
                self.target.relation(),
                self.target.name
            )));
        }
        let selection = Selection {
            product: Some(self.target.relation()),
            level: Some(self.target.level),
            relations: None,
        };
        let checklist = run_checks(&project, self.warehouse, &selection, &self.options, &NoProgress);
        let mut report = checklist
            .products
            .into_iter()
            .next()
            .ok_or_else(|| Problems::Lint(format!("{} was not selected for checks", self.target.relation())))?;
        // Whoever drafted it, a gold product holds what the request names, or the
        // checklist says what it lacks.
        if self.target.level == Level::Gold && report.error.is_none() {
            report
                .results
                .extend(request_results(&self.request.text, &drafted.spec));
            report.summary = Summary::of(&report.results);
        }
        Ok(report)
    }
}

/// What is still wrong in a report: the build error, or every machine-checkable
/// result that did not pass (warnings included). `None` when nothing is.
pub fn problems_of(report: &ProductReport) -> Option<Problems> {
    if let Some(e) = &report.error {
        return Some(Problems::Build(e.clone()));
    }
    let failing: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Warn | Status::Error))
        .cloned()
        .collect();
    (!failing.is_empty()).then_some(Problems::Checks(failing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_stems() {
        assert_eq!(source_stem("bronze/orders.csv"), "orders");
        assert_eq!(source_stem("bronze/Order Lines.parquet"), "order_lines");
        assert_eq!(source_stem("raw.shop.Orders"), "orders");
        assert_eq!(source_stem("orders"), "orders");
    }
}
