//! What each tool does, as plain functions over the repository: no protocol here, so
//! every answer can be tested without a client. An answer is structured JSON for the
//! agent and one short text for a person; a refusal is a message that names the
//! problem and where it is.

use super::repo::{standards_file_of, LastChecklist, Repo};
use super::work::Job;
use crate::agent::context::{resolve, PromotionRequest};
use crate::agent::drafter::Drafter;
use crate::agent::job::{prepare_source, promote, JobOptions};
use crate::agent::llm::tools::{profile_json, MAX_ROWS_SHOWN};
use crate::agent::llm::{LlmConfig, LlmDrafter, API_KEY_ENV};
use crate::agent::profile::profile;
use crate::agent::rules::RulesDrafter;
use crate::git::commit_promotion;
use crate::impact::data::{data_diff, DiffPlan, Which};
use crate::impact::run::impact;
use chrono::{DateTime, Utc};
use hallmark_checks::deployed::Deployed;
use hallmark_checks::plan::selects;
use hallmark_checks::render::markdown::summary_line;
use hallmark_checks::render::{render, Format};
use hallmark_checks::result::Status;
use hallmark_checks::runner::{build_products, run_checks, RunOptions, Selection};
use hallmark_checks::warehouse::{job_name, Limits, QueryKind};
use hallmark_checks::{Checklist, Level, Project};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A tool's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The structured content.
    pub value: Value,
    /// A line or two for a person.
    pub text: String,
}

/// What a tool call gives: an answer, or why there is none.
pub type Outcome = Result<Answer, String>;

fn answer(value: Value, text: impl Into<String>) -> Outcome {
    Ok(Answer {
        value,
        text: text.into(),
    })
}

/// The products with their level, sources, key and files.
pub fn list_products(repo: &Repo) -> Outcome {
    let project = repo.project()?;
    let products: Vec<Value> = project
        .products
        .iter()
        .map(|p| {
            let rel = |path: &std::path::Path| {
                path.strip_prefix(&project.root)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .replace('\\', "/")
            };
            json!({
                "name": p.spec.name,
                "level": p.spec.level.as_str(),
                "relation": p.spec.relation(),
                "description": p.spec.description,
                "owner": p.spec.owner,
                "primary_key": p.spec.primary_key,
                "sources": p.spec.sources.iter().map(|s| json!({"name": s.name, "file": s.file, "table": s.table})).collect::<Vec<_>>(),
                "columns": p.spec.columns.iter().map(|c| json!({"name": c.name, "type": c.type_name, "tags": c.tags})).collect::<Vec<_>>(),
                "spec": rel(&p.spec_path),
                "sql": rel(&p.sql_path),
            })
        })
        .collect();
    let names: Vec<String> = project.products.iter().map(|p| p.spec.relation()).collect();
    answer(
        json!({ "products": products }),
        if names.is_empty() {
            "No products yet.".to_string()
        } else {
            format!("{} product(s): {}", names.len(), names.join(", "))
        },
    )
}

/// The standards (of `level`, when given) with their rules and, per product they
/// apply to, the columns their rule selects.
pub fn standards(repo: &Repo, level: Option<Level>) -> Outcome {
    let project = repo.project()?;
    let chosen: Vec<Value> = project
        .standards
        .iter()
        .filter(|s| level.is_none_or(|l| s.applies_to(l)))
        .map(|s| {
            let products: Vec<Value> = project
                .products
                .iter()
                .filter(|p| s.applies_to(p.spec.level) && level.is_none_or(|l| p.spec.level == l))
                .map(|p| {
                    let columns: Option<Vec<&str>> = s.rule.as_ref().and_then(|r| r.columns.as_ref()).map(|sel| {
                        p.spec
                            .columns
                            .iter()
                            .filter(|c| selects(sel, c, &p.spec))
                            .map(|c| c.name.as_str())
                            .collect()
                    });
                    json!({"product": p.spec.relation(), "columns": columns})
                })
                .collect();
            json!({
                "id": s.id,
                "title": s.title,
                "applies_to": s.applies_to.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
                "prose": s.prose.trim(),
                "rule": s.rule,
                "needs_human_review": s.rule.is_none(),
                "products": products,
            })
        })
        .collect();
    let checkable = chosen.iter().filter(|s| s["needs_human_review"] == false).count();
    answer(
        json!({ "standards_file": standards_file_of(&project), "standards": chosen }),
        format!(
            "{} standard(s){}: {checkable} checked by rules, {} reviewed by people.",
            chosen.len(),
            level.map(|l| format!(" for {l}")).unwrap_or_default(),
            chosen.len() - checkable
        ),
    )
}

/// One standard in full, and how Hallmark checks it.
pub fn explain(repo: &Repo, id: &str) -> Outcome {
    let project = repo.project()?;
    let Some(s) = project.standards.iter().find(|s| s.id.eq_ignore_ascii_case(id.trim())) else {
        let ids: Vec<&str> = project.standards.iter().map(|s| s.id.as_str()).collect();
        return Err(format!(
            "`{id}` is not a standard in {}; its standards are {}",
            standards_file_of(&project),
            ids.join(", ")
        ));
    };
    answer(
        json!({
            "id": s.id,
            "title": s.title,
            "applies_to": s.applies_to.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            "prose": s.prose.trim(),
            "rule": s.rule,
            "line": s.line,
        }),
        s.explanation(),
    )
}

/// Resolves what a request names as a source: a product for gold, else bronze.
fn source_request(project: &Project, source: &str) -> PromotionRequest {
    let is_product = project
        .products
        .iter()
        .any(|p| p.spec.relation() == source.trim() || p.spec.name == source.trim());
    PromotionRequest {
        source: source.to_string(),
        level: if is_product { Level::Gold } else { Level::Silver },
        product: None,
        text: String::new(),
        owner: None,
    }
}

/// The profile of a source as the drafter reads it: per column nulls, distinct
/// values, extremes, frequent values, every reading measured, placeholders.
pub fn profile_source(repo: &Repo, job: &Job, source: &str) -> Outcome {
    let project = repo.project()?;
    let request = source_request(&project, source);
    let (resolved, _) = resolve(&project, &request).map_err(|e| e.to_string())?;
    let warehouse = job.warehouse(&project)?;
    prepare_source(&project, warehouse.as_ref(), &resolved).map_err(|e| e.to_string())?;
    let p = profile(warehouse.as_ref(), &resolved.spec.name).map_err(|e| e.to_string())?;
    let value = json!({
        "source": resolved.spec.name,
        "file": resolved.spec.file,
        "table": resolved.spec.table,
        "profile": profile_json(&p),
    });
    answer(
        value,
        format!(
            "{}: {} rows, {} columns (query it as {}).",
            source,
            p.rows,
            p.columns.len(),
            resolved.spec.name
        ),
    )
}

/// Whether `sql` names `relation` (`bronze.orders`), as written or quoted.
fn mentions(sql: &str, relation: &str) -> bool {
    let sql = sql.to_lowercase();
    let relation = relation.to_lowercase();
    let quoted = match relation.split_once('.') {
        Some((a, b)) => format!("\"{a}\".\"{b}\""),
        None => format!("\"{relation}\""),
    };
    sql.contains(&relation) || sql.contains(&quoted)
}

/// One SELECT in the sandbox: the sources and products it names are bound or built
/// first (bronze files of the repository as `bronze.<stem>`), then the query runs
/// screened, read-only and capped as the agent's `run_query` does.
pub fn query(repo: &Repo, job: &Job, sql: &str) -> Outcome {
    let project = repo.project()?;
    let warehouse = job.warehouse(&project)?;
    // Sources: declared ones first, then the repository's data files.
    let mut sources = BTreeMap::new();
    for p in &project.products {
        for s in p.spec.sources.iter().filter(|s| !s.is_product()) {
            sources
                .entry(s.name.clone())
                .or_insert_with(|| hallmark_checks::warehouse::SourceLocation::of(s, &project.root));
        }
    }
    for file in repo.data_files() {
        if let Ok((r, _)) = resolve(&project, &source_request(&project, &file)) {
            sources.entry(r.spec.name).or_insert(r.location);
        }
    }
    let mut readable: Vec<String> = sources.keys().cloned().collect();
    readable.extend(project.products.iter().map(|p| p.spec.relation()));
    for (name, location) in sources.iter().filter(|(name, _)| mentions(sql, name)) {
        warehouse
            .bind_source(name, location)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
    }
    let named: BTreeSet<String> = project
        .products
        .iter()
        .map(|p| p.spec.relation())
        .filter(|r| mentions(sql, r))
        .collect();
    if !named.is_empty() {
        let selection = Selection {
            relations: Some(named),
            ..Selection::default()
        };
        build_products(&project, warehouse.as_ref(), &selection)
            .map_err(|e| format!("a product it reads does not build: {e}"))?;
    }
    let rows = warehouse
        .query_untrusted(QueryKind::Agent, sql)
        .map_err(|e| format!("{e} (relations this repository has: {})", readable.join(", ")))?;
    let truncated = rows.rows.len() > MAX_ROWS_SHOWN;
    let shown: Vec<_> = rows.rows.into_iter().take(MAX_ROWS_SHOWN).collect();
    let text = format!(
        "{} row(s){} × {} column(s).",
        shown.len(),
        if truncated { " shown (more were cut)" } else { "" },
        rows.columns.len()
    );
    answer(
        json!({"columns": rows.columns, "rows": shown, "truncated": truncated}),
        text,
    )
}

/// What a `check` call asks for.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// One product (`orders` or `silver.orders`).
    pub product: Option<String>,
    /// One level.
    pub level: Option<Level>,
    /// Check where deployed: a location, or empty for the configured one.
    pub deployed: Option<String>,
    /// The reference time (RFC 3339).
    pub as_of: Option<String>,
}

/// The checklist of a finished check, kept as the last one and answered with.
fn checklist_answer(repo: &Repo, checklist: &Checklist, mut value: Value) -> Outcome {
    let markdown = render(checklist, Format::Markdown);
    let json_text = render(checklist, Format::Json);
    let parsed: Value =
        serde_json::from_str(&json_text).map_err(|e| format!("the checklist did not serialize: {e}"))?;
    repo.set_last(LastChecklist {
        markdown: markdown.clone(),
        json: json_text,
    });
    let mut text = vec![format!(
        "{}: {}",
        if checklist.passed() { "passed" } else { "failed" },
        summary_line(&checklist.summary)
    )];
    for p in &checklist.products {
        for r in p
            .results
            .iter()
            .filter(|r| matches!(r.status, Status::Fail | Status::Error | Status::Warn))
        {
            text.push(format!(
                "{} {} {} {}({}): {}",
                p.product,
                r.status.label(),
                r.standard_id,
                r.check,
                r.columns.join(", "),
                if r.figure.is_empty() {
                    r.reason.clone().unwrap_or_default()
                } else {
                    r.figure.clone()
                }
            ));
        }
        if let Some(e) = &p.error {
            text.push(format!("{}: {e}", p.product));
        }
    }
    value["passed"] = json!(checklist.passed());
    value["checklist"] = parsed;
    value["markdown"] = json!(markdown);
    answer(value, text.join("\n"))
}

/// Builds (or reads where deployed) and checks products against the standards.
pub fn check(repo: &Repo, job: &Job, request: &CheckRequest) -> Outcome {
    let project = repo.project()?;
    let selection = Selection {
        product: request.product.clone(),
        level: request.level,
        relations: None,
    };
    if !project.products.iter().any(|p| selection.includes(&p.spec)) {
        let known: Vec<String> = project.products.iter().map(|p| p.spec.relation()).collect();
        return Err(format!(
            "no product matches{}{}; products: {}",
            request
                .product
                .as_deref()
                .map(|p| format!(" `{p}`"))
                .unwrap_or_default(),
            request.level.map(|l| format!(" at {l}")).unwrap_or_default(),
            if known.is_empty() {
                "none (write products/<name>/silver.yml and silver.sql first)".into()
            } else {
                known.join(", ")
            }
        ));
    }
    let reference = match &request.as_of {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| format!("as_of `{t}` is not an RFC 3339 time like 2024-12-31T00:00:00Z: {e}"))?,
        ),
        None => None,
    };
    let options = RunOptions {
        reference_time: reference.unwrap_or_else(Utc::now),
        reference_pinned: reference.is_some(),
        deployed: match &request.deployed {
            Some(flag) => {
                Some(Deployed::choose(flag, project.config.deployed.as_deref()).map_err(|e| format!("deployed: {e}"))?)
            }
            None => None,
        },
        ..RunOptions::default()
    };
    let warehouse = job.warehouse(&project)?;
    let checklist = run_checks(&project, warehouse.as_ref(), &selection, &options, &job.progress);
    checklist_answer(repo, &checklist, json!({}))
}

/// The two versions a comparison reads, `main` and `HEAD` unless given.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    /// Before the change.
    pub base: Option<String>,
    /// After it.
    pub head: Option<String>,
}

impl Versions {
    fn base(&self) -> &str {
        self.base.as_deref().unwrap_or("main")
    }

    fn head(&self) -> &str {
        self.head.as_deref().unwrap_or("HEAD")
    }
}

/// What a change to the standards between two revisions does to every product.
pub fn impact_of(repo: &Repo, job: &Job, versions: &Versions) -> Outcome {
    let result = impact(
        &repo.root,
        versions.base(),
        versions.head(),
        &RunOptions::default(),
        Limits::default(),
        &job.opener,
    )
    .map_err(|e| e.to_string())?;
    let markdown = crate::impact::table::markdown(&result);
    let failing = result.newly_failing();
    let text = format!(
        "{} standard change(s) between {} and {}; {} product(s), {}.",
        result.changes.len(),
        versions.base(),
        versions.head(),
        result.products.len(),
        if failing.is_empty() {
            "none newly failing".to_string()
        } else {
            format!("newly failing: {}", failing.join(", "))
        }
    );
    let mut value = serde_json::to_value(&result).map_err(|e| e.to_string())?;
    value["markdown"] = json!(markdown);
    answer(value, text)
}

/// What a change does to the rows of the products it touches (or of `product`).
pub fn diff(repo: &Repo, job: &Job, versions: &Versions, product: Option<&str>) -> Outcome {
    let plan = DiffPlan {
        base: versions.base(),
        head: versions.head(),
        which: match product {
            Some(name) => Which::Named(name),
            None => Which::Touched,
        },
        config: repo.config.as_deref(),
    };
    let result = data_diff(&repo.root, &plan, Limits::default(), &job.opener).map_err(|e| e.to_string())?;
    if let (Some(name), true) = (product, result.products.is_empty()) {
        return Err(format!("no product `{name}` at {}", versions.head()));
    }
    let markdown = crate::impact::data::markdown(&result);
    let text = format!(
        "{} product(s) compared between {} and {}{}.",
        result.products.len(),
        versions.base(),
        versions.head(),
        result
            .products
            .iter()
            .filter_map(|p| p.error.as_ref().map(|e| format!("; {}: {e}", p.product)))
            .collect::<String>()
    );
    let mut value = serde_json::to_value(&result).map_err(|e| e.to_string())?;
    value["markdown"] = json!(markdown);
    answer(value, text)
}

/// What a `draft` call asks for.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    /// The source: a bronze file, a table, or a product for gold.
    pub source: String,
    /// The level to promote to.
    pub level: Level,
    /// The product's name.
    pub product: Option<String>,
    /// What the consumer asked for.
    pub request: Option<String>,
    /// The model configured in `.hallmark.yml` instead of the offline rules.
    pub llm: bool,
    /// At most this many drafts.
    pub max_rounds: usize,
}

/// Runs Hallmark's own drafter and commits its result on `hallmark/<level>/<name>`
/// in the local repository (nothing is pushed, the working tree is untouched).
pub fn draft(repo: &Repo, job: &Job, request: &DraftRequest) -> Outcome {
    let project = repo.project()?;
    let promotion_request = PromotionRequest {
        source: request.source.clone(),
        level: request.level,
        product: request.product.clone(),
        text: request.request.clone().unwrap_or_default(),
        owner: None,
    };
    let mut drafter: Box<dyn Drafter> = if request.llm {
        let config = LlmConfig::from_project(&project)?.ok_or_else(|| {
            format!("the llm drafter needs an `llm:` section in .hallmark.yml (at least `model:`) and the key in {API_KEY_ENV}")
        })?;
        let transcript = std::env::temp_dir()
            .join("hallmark-transcripts")
            .join(format!("{}.jsonl", job_name()));
        Box::new(LlmDrafter::new(config, std::env::var(API_KEY_ENV).ok(), &transcript).map_err(|e| e.to_string())?)
    } else {
        Box::new(RulesDrafter::default())
    };
    let warehouse = job.warehouse(&project)?;
    let options = JobOptions {
        max_rounds: request.max_rounds.clamp(1, 10),
        ..JobOptions::default()
    };
    let promotion = promote(
        &project,
        warehouse.as_ref(),
        &promotion_request,
        drafter.as_mut(),
        &options,
        &job.progress,
    )
    .map_err(|e| format!("{e:#}"))?;
    let committed = commit_promotion(&repo.root, &promotion).map_err(|e| {
        format!(
            "the draft was made but not committed on {}: {e}",
            promotion.target.branch()
        )
    })?;
    let files: BTreeMap<&str, &str> = promotion.files.iter().collect();
    let value = json!({
        "product": promotion.target.relation(),
        "drafter": promotion.drafter,
        "branch": committed.branch,
        "commit": committed.commit,
        "committed": committed.changed,
        "rounds": promotion.rounds.iter().map(|r| json!({"number": r.number, "outcome": r.outcome})).collect::<Vec<_>>(),
        "stopped": promotion.stopped,
        "files": files,
        "schema_diff": promotion.schema_diff,
    });
    let head = format!(
        "{} drafted by the {} drafter in {} round(s), committed on {} ({}), not pushed",
        promotion.target.relation(),
        promotion.drafter,
        promotion.rounds.len(),
        committed.branch,
        &committed.commit[..12.min(committed.commit.len())]
    );
    match &promotion.checklist {
        Some(c) => {
            let mut done = checklist_answer(repo, c, value)?;
            done.text = format!("{head}.\n{}", done.text);
            Ok(done)
        }
        None => answer(
            value,
            format!(
                "{head}; it could not be checked: {}",
                promotion.stopped.clone().unwrap_or_default()
            ),
        ),
    }
}

/// Writes one product file.
pub fn write_product_file(repo: &Repo, path: &str, content: &str) -> Outcome {
    let written = repo.write_product_file(path, content)?;
    answer(
        json!({"written": written, "bytes": content.len()}),
        format!("wrote {written} ({} bytes)", content.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn a_relation_is_mentioned_written_or_quoted() {
        assert!(mentions("select * from bronze.orders", "bronze.orders"));
        assert!(mentions("SELECT * FROM \"bronze\".\"orders\"", "bronze.orders"));
        assert!(mentions("SELECT * FROM Bronze.Orders", "bronze.orders"));
        assert!(!mentions("SELECT * FROM bronze.customers", "bronze.orders"));
    }
}
