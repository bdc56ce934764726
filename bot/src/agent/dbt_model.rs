//! A finished promotion written as a dbt model, for a repository that keeps its models
//! in dbt: the SQL under the level's models folder with `{{ source() }}` and
//! `{{ ref() }}` for what it reads, its entry in a YAML file beside it (description,
//! owner, columns with data types, tags and meta, and the dbt data tests that express
//! the standards dbt can express natively), and a sources entry when the bronze file
//! is not yet a dbt source. Hallmark's own checks ran on the same SQL in its sandbox.

use super::job::Promotion;
use hallmark_checks::catalogue::CheckKind;
use hallmark_checks::dbt::DbtProject;
use hallmark_checks::error::SourceErrors;
use hallmark_checks::plan::{plan_product, PlanItem};
use hallmark_checks::rule::Severity;
use hallmark_checks::spec::{parse_spec, ProductSpec};
use hallmark_checks::Project;
use regex::Regex;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The files of the model, by path relative to the repository.
#[derive(Debug, Clone, PartialEq)]
pub struct DbtModel {
    /// The model's name (`customers`).
    pub name: String,
    /// `models/silver/customers.sql` (under the dbt project).
    pub sql_path: String,
    /// Every file to commit, the SQL first.
    pub files: Vec<(String, String)>,
    /// The dbt tests written, `kind(column)`.
    pub tests: Vec<String>,
}

/// Where a promotion's plan (`PROMOTION.md`) and the source's record (`bronze.yml`) go
/// in a dbt project, under the dbt folder.
pub const RECORDS_DIR: &str = "hallmark";

/// Why a promotion cannot be written as a dbt model.
#[derive(Debug, thiserror::Error)]
pub enum DbtModelError {
    /// The promotion has no spec or SQL (it did not draft).
    #[error("the promotion drafted no {0}")]
    Missing(&'static str),
    /// The drafted spec does not read.
    #[error("the drafted spec does not read: {0}")]
    Spec(String),
    /// A dbt model of that name exists already (a dbt project's model names are
    /// unique, and the manifest that would say so was not read).
    #[error("the dbt project already has a model `{0}` ({1}); name the product differently")]
    Taken(String, String),
    /// A source the SQL reads has no dbt name and cannot be declared.
    #[error("`{0}` is neither a dbt source nor a product, and is not a file or table a dbt source could declare")]
    Source(String),
}

/// Replaces each relation name of `names` in `sql` with its dbt Jinja, as written
/// (`bronze.orders`) or quoted (`"bronze"."orders"`), never inside a longer name.
fn with_jinja(sql: &str, names: &BTreeMap<String, String>) -> String {
    let mut ordered: Vec<(&String, &String)> = names.iter().collect();
    ordered.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let code = |text: &str| -> String {
        ordered
            .iter()
            .fold(text.to_string(), |text, (name, jinja)| rename(&text, name, jinja))
    };
    // A comment line keeps its words.
    let mut out: Vec<String> = Vec::new();
    for line in sql.split_inclusive('\n') {
        out.push(if line.trim_start().starts_with("--") {
            line.to_string()
        } else {
            code(line)
        });
    }
    out.concat()
}

/// `text` with the relation `name` (`schema.table`) replaced by `jinja`.
fn rename(text: &str, name: &str, jinja: &str) -> String {
    let Some((schema, table)) = name.split_once('.') else {
        return text.to_string();
    };
    let pattern = format!(
        r#"(?i)(^|[^\w."']){}\.{}($|[^\w"'])|(^|[^\w."'])"{}"\."{}"($|[^\w"'])"#,
        regex::escape(schema),
        regex::escape(table),
        regex::escape(schema),
        regex::escape(table)
    );
    let re = Regex::new(&pattern).expect("escaped names make a valid pattern");
    re.replace_all(text, |c: &regex::Captures| {
        let before = c.get(1).or_else(|| c.get(3)).map_or("", |m| m.as_str());
        let after = c.get(2).or_else(|| c.get(4)).map_or("", |m| m.as_str());
        format!("{before}{jinja}{after}")
    })
    .into_owned()
}

/// The dbt data tests of `spec` that express its standards' checks: `not_null`,
/// `unique` (a one-column key), `accepted_values`, `relationships`; a warn-severity
/// standard's test warns. Per column, in column order.
fn data_tests(project: &Project, spec: &ProductSpec, refs: &BTreeMap<String, String>) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut add = |column: &str, test: Value, severity: Severity| {
        let test = match (severity, test) {
            (Severity::Warn, Value::String(kind)) => json!({ kind: {"config": {"severity": "warn"}} }),
            (Severity::Warn, Value::Object(mut map)) => {
                for v in map.values_mut() {
                    v["config"] = json!({"severity": "warn"});
                }
                Value::Object(map)
            }
            (_, test) => test,
        };
        let tests = out.entry(column.to_string()).or_default();
        if !tests.contains(&test) {
            tests.push(test);
        }
    };
    for item in plan_product(&project.standards, spec) {
        let PlanItem::Check(check) = item else { continue };
        match (&check.kind, check.columns.as_slice()) {
            (CheckKind::NotNull, columns) => {
                for c in columns {
                    add(c, json!("not_null"), check.severity);
                }
            }
            (CheckKind::Unique, [c]) => add(c, json!("unique"), check.severity),
            (CheckKind::PrimaryKey, columns) => {
                for c in columns {
                    add(c, json!("not_null"), check.severity);
                }
                if let [c] = columns {
                    add(c, json!("unique"), check.severity);
                }
            }
            (CheckKind::AcceptedValues(a), columns) => {
                let values = serde_json::to_value(&a.values).unwrap_or(Value::Null);
                for c in columns {
                    add(
                        c,
                        json!({"accepted_values": {"arguments": {"values": values}}}),
                        check.severity,
                    );
                }
            }
            (CheckKind::Relationships(r), columns) => {
                let Some(to) = refs.get(&r.to) else { continue };
                for c in columns {
                    add(
                        c,
                        json!({"relationships": {"arguments": {"to": to.replace("{{ ", "").replace(" }}", ""), "field": r.field}}}),
                        check.severity,
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// A models file, in the order dbt's documentation writes it.
#[derive(Serialize)]
struct ModelsFile<'a> {
    version: u8,
    models: Vec<ModelEntry<'a>>,
}

#[derive(Serialize)]
struct ModelEntry<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    config: Value,
    columns: Vec<ColumnEntry<'a>>,
}

#[derive(Serialize)]
struct ColumnEntry<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    data_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    data_tests: Vec<Value>,
}

/// The YAML of the model.
fn model_yaml(spec: &ProductSpec, tests: &BTreeMap<String, Vec<Value>>) -> String {
    let mut hallmark = Map::new();
    hallmark.insert("level".into(), json!(spec.level.as_str()));
    if !spec.primary_key.is_empty() {
        hallmark.insert("primary_key".into(), json!(spec.primary_key));
    }
    // How the product deduplicates each source: its reconciliation counts by it.
    let keys: Map<String, Value> = spec
        .sources
        .iter()
        .filter(|s| !s.key.is_empty())
        .map(|s| (s.name.clone(), json!(s.key)))
        .collect();
    if !keys.is_empty() {
        hallmark.insert("source_keys".into(), Value::Object(keys));
    }
    let mut meta = Map::new();
    if let Some(owner) = &spec.owner {
        meta.insert("owner".into(), json!(owner));
    }
    meta.insert("hallmark".into(), Value::Object(hallmark));
    let file = ModelsFile {
        version: 2,
        models: vec![ModelEntry {
            name: &spec.name,
            description: spec.description.as_deref(),
            config: json!({"materialized": "table", "meta": meta}),
            columns: spec
                .columns
                .iter()
                .map(|c| ColumnEntry {
                    name: &c.name,
                    description: c.description.as_deref(),
                    data_type: &c.type_name,
                    config: (!c.tags.is_empty()).then(|| json!({"tags": c.tags})),
                    data_tests: tests.get(&c.name).cloned().unwrap_or_default(),
                })
                .collect(),
        }],
    };
    serde_norway::to_string(&file).unwrap_or_default()
}

/// A dbt source entry for a source the dbt project does not declare yet: a file as
/// dbt-duckdb's `external_location` (relative to the dbt project), a table by schema
/// and identifier; its key as `meta.hallmark.key`.
fn source_yaml(
    source: &hallmark_checks::spec::SourceSpec,
    dbt_dir: &str,
) -> Result<(String, String, Value), DbtModelError> {
    let (source_name, table) = source
        .name
        .split_once('.')
        .ok_or_else(|| DbtModelError::Source(source.name.clone()))?;
    let mut entry = Map::new();
    entry.insert("name".into(), json!(table));
    let mut meta = Map::new();
    if let Some(file) = &source.file {
        let relative = Path::new(file)
            .strip_prefix(dbt_dir)
            .unwrap_or(Path::new(file))
            .to_string_lossy()
            .replace('\\', "/");
        meta.insert("external_location".into(), json!(relative));
    } else if let Some(t) = &source.table {
        let (schema, identifier) = t.rsplit_once('.').unwrap_or(("main", t.as_str()));
        entry.insert("identifier".into(), json!(identifier));
        return Ok((
            source_name.to_string(),
            table.to_string(),
            json!({"version": 2, "sources": [{"name": source_name, "schema": schema, "tables": [Value::Object(entry)]}]}),
        ));
    } else {
        return Err(DbtModelError::Source(source.name.clone()));
    }
    if !source.key.is_empty() {
        meta.insert("hallmark".into(), json!({"key": source.key}));
    }
    entry.insert("meta".into(), Value::Object(meta));
    Ok((
        source_name.to_string(),
        table.to_string(),
        json!({"version": 2, "sources": [{"name": source_name, "tables": [Value::Object(entry)]}]}),
    ))
}

/// The dbt project's folder relative to the repository (`""` at its root), from
/// `.hallmark.yml`'s `dbt.project`.
pub fn dbt_dir(project: &Project) -> String {
    let dir = project
        .config
        .dbt
        .as_ref()
        .map(|d| d.project.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    dir.trim_start_matches("./")
        .trim_end_matches('/')
        .trim_start_matches('.')
        .to_string()
}

/// The SQL files under the dbt project's `models/` (stems, and their paths relative
/// to the repository), found in plain folders without following links.
pub fn models_on_disk(repo: &Path, dbt_dir: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, repo: &Path, depth: usize, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            if kind.is_dir() && depth < 12 {
                walk(&path, repo, depth + 1, out);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "sql") {
                if let (Some(stem), Ok(rel)) = (path.file_stem(), path.strip_prefix(repo)) {
                    out.insert(
                        stem.to_string_lossy().to_string(),
                        rel.to_string_lossy().replace('\\', "/"),
                    );
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&repo.join(dbt_dir).join("models"), repo, 0, &mut out);
    out
}

/// `promotion` as a dbt model of the dbt project at `dbt_dir` of the repository at
/// `repo` (relative, `""` at its root) that `dbt` describes (from its manifest, or
/// empty when there is none to read).
pub fn dbt_model(
    promotion: &Promotion,
    project: &Project,
    dbt: &DbtProject,
    repo: &Path,
    dbt_dir: &str,
) -> Result<DbtModel, DbtModelError> {
    let target = &promotion.target;
    if let Some(path) = models_on_disk(repo, dbt_dir).get(&target.name) {
        let (level, name) = (target.level, &target.name);
        if !dbt
            .products
            .iter()
            .any(|p| p.spec.level == level && &p.spec.name == name)
        {
            return Err(DbtModelError::Taken(target.name.clone(), path.clone()));
        }
    }
    let spec_text = promotion
        .files
        .get(&target.spec_path())
        .ok_or(DbtModelError::Missing("spec"))?;
    let sql = promotion
        .files
        .get(&target.sql_path())
        .ok_or(DbtModelError::Missing("SQL"))?;
    let spec = parse_spec(spec_text, Path::new(&target.spec_path()), Some(target.level))
        .map_err(|e| DbtModelError::Spec(e.to_string()))?;
    let under = |rel: &str| {
        if dbt_dir.is_empty() || dbt_dir == "." {
            rel.to_string()
        } else {
            format!("{}/{rel}", dbt_dir.trim_end_matches('/'))
        }
    };
    let folder = dbt
        .folders
        .get(&target.level)
        .cloned()
        .unwrap_or_else(|| format!("models/{}", target.level));
    let mut jinja = dbt.jinja.clone();
    let mut files = Vec::new();
    for source in &spec.sources {
        if jinja.contains_key(&source.name) {
            continue;
        }
        // A bronze file some dbt source already reads under another name.
        if let Some(known) = source.file.as_ref().and_then(|f| dbt.source_files.get(f)) {
            if let Some(j) = dbt.jinja.get(known).cloned() {
                jinja.insert(source.name.clone(), j);
                continue;
            }
        }
        let (source_name, table, yaml) = source_yaml(source, dbt_dir)?;
        jinja.insert(
            source.name.clone(),
            format!("{{{{ source('{source_name}', '{table}') }}}}"),
        );
        files.push((
            under(&format!("{folder}/_{}__sources.yml", spec.name)),
            serde_norway::to_string(&yaml).unwrap_or_default(),
        ));
    }
    let tests = data_tests(project, &spec, &jinja);
    let sql_path = under(&format!("{folder}/{}.sql", spec.name));
    let model_sql = with_jinja(sql, &jinja);
    let yaml = model_yaml(&spec, &tests);
    files.insert(0, (under(&format!("{folder}/{}.yml", spec.name)), yaml));
    files.insert(0, (sql_path.clone(), model_sql));
    // The plan and the source's record, outside dbt's model paths (dbt renders every
    // file there through Jinja).
    for (path, content) in promotion.files.iter() {
        let Some(file) = Path::new(path).file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        if matches!(file, "PROMOTION.md" | "bronze.yml") {
            files.push((
                under(&format!("{RECORDS_DIR}/{}/{}/{file}", target.level, spec.name)),
                content.to_string(),
            ));
        }
    }
    let written = tests
        .iter()
        .flat_map(|(column, ts)| {
            ts.iter().map(move |t| {
                let kind = match t {
                    Value::String(k) => k.clone(),
                    Value::Object(m) => m.keys().next().cloned().unwrap_or_default(),
                    _ => String::new(),
                };
                format!("{kind}({column})")
            })
        })
        .collect();
    Ok(DbtModel {
        name: spec.name,
        sql_path,
        files,
        tests: written,
    })
}

/// In a repository whose `.hallmark.yml` has `dbt:`, the project with its dbt models
/// as products when the manifest is there, and what the manifest says; without one, no
/// models are known and the sources are those the dbt YAML declares. `None` outside a
/// dbt project.
pub fn dbt_project_of(dir: &Path, project: &Project) -> Result<Option<(Project, DbtProject)>, SourceErrors> {
    let Some(settings) = &project.config.dbt else {
        return Ok(None);
    };
    let manifest = settings.folder(dir).join(&settings.manifest);
    if !manifest.is_file() {
        return Ok(Some((project.clone(), DbtProject::from_declared(dir, settings))));
    }
    Project::load_dbt(dir, None, None).map(Some)
}

/// Why a promotion was not committed as a dbt model.
#[derive(Debug, thiserror::Error)]
pub enum CommitModelError {
    /// The model could not be written.
    #[error(transparent)]
    Model(#[from] DbtModelError),
    /// Git refused the commit.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
}

/// Writes `promotion` as a dbt model and commits it on the promotion's branch of the
/// repository at `repo` (the working tree untouched).
pub fn commit_model(
    repo: &Path,
    promotion: &Promotion,
    project: &Project,
    dbt: &DbtProject,
) -> Result<(DbtModel, crate::git::Committed), CommitModelError> {
    let model = dbt_model(promotion, project, dbt, repo, &dbt_dir(project))?;
    let committed = crate::git::commit_on_branch(
        repo,
        &promotion.target.branch(),
        model.files.iter().map(|(p, c)| (p.as_str(), c.as_str())),
        &[],
        &promotion.commit_message,
    )?;
    Ok((model, committed))
}

/// What `dbt build` said of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct DbtBuild {
    /// dbt exited 0: the model and everything it reads built, and its tests passed.
    pub passed: bool,
    /// dbt's closing line (`Done. PASS=9 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=9`).
    pub summary: String,
    /// The end of dbt's output, for a failure.
    pub tail: String,
}

/// Runs `dbt build --select +<name>` (the model, what it reads, their tests) with the
/// `dbt` executable in a copy of `branch` of the repository at `repo`, where a fresh
/// warehouse is built from the committed bronze files. Only for the user's own runs:
/// a repository's dbt project runs its own Jinja and macros, so the bot never calls it.
pub fn build_with_dbt(dbt: &Path, repo: &Path, branch: &str, dbt_dir: &str, name: &str) -> Result<DbtBuild, String> {
    let copy = tempfile::tempdir().map_err(|e| format!("a folder for the build: {e}"))?;
    crate::impact::tree::export(repo, branch, Path::new(""), copy.path()).map_err(|e| e.to_string())?;
    let project = copy.path().join(if dbt_dir.is_empty() { "." } else { dbt_dir });
    let mut command = std::process::Command::new(dbt);
    command
        .args(["build", "--select", &format!("+{name}")])
        .current_dir(&project)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DBT_VERSION_CHECK", "false");
    if project.join("profiles.yml").is_file() {
        command.env("DBT_PROFILES_DIR", &project);
    }
    let out = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", dbt.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let summary = text
        .lines()
        .rev()
        .find(|l| l.contains("Done. PASS="))
        .map(|l| l[l.find("Done.").unwrap_or(0)..].trim().to_string())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    Ok(DbtBuild {
        passed: out.status.success(),
        summary,
        tail: lines[lines.len().saturating_sub(30)..].join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::with_jinja;
    use std::collections::BTreeMap;

    #[test]
    fn relation_names_become_jinja_only_where_they_are_names() {
        let names: BTreeMap<String, String> = [
            (
                "bronze.orders".to_string(),
                "{{ source('bronze', 'orders') }}".to_string(),
            ),
            ("silver.orders".to_string(), "{{ ref('orders') }}".to_string()),
        ]
        .into();
        let sql = "SELECT o.x, 'bronze.orders' AS note FROM bronze.orders o\nJOIN \"silver\".\"orders\" s ON true\nJOIN bronze.orders_archive a ON true";
        let out = with_jinja(sql, &names);
        assert_eq!(
            out,
            "SELECT o.x, 'bronze.orders' AS note FROM {{ source('bronze', 'orders') }} o\nJOIN {{ ref('orders') }} s ON true\nJOIN bronze.orders_archive a ON true"
        );
    }
}
