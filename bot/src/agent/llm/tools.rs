//! The tools the model may call, and the walls around them. The tool set and every
//! permission are fixed here, in code: no text in a request, a file or the data can
//! widen them. Reads are bounded, queries are one sandboxed SELECT, and writes go to
//! the drafted files under the target's own `products/<folder>/` only.

use super::super::context::Context;
use super::super::drafter::Problems;
use super::super::files::{product_path, DraftFiles};
use super::super::profile::{profile, Profile};
use hallmark_checks::exposure::{cap, MAX_NAME_CHARS, MAX_VALUE_CHARS};
use hallmark_checks::warehouse::QueryKind;
use serde_json::{json, Value};
use std::path::{Component, Path};

/// Rows of a query or sample shown to the model.
pub const MAX_ROWS_SHOWN: usize = 50;
/// Largest repository file `read_file` returns, in bytes.
pub const MAX_READ_BYTES: u64 = 256 * 1024;
/// Failing rows per check shown to the model.
const SAMPLES_SHOWN: usize = 3;

/// The function definitions sent with every request (OpenAI `tools` format).
pub fn definitions() -> Value {
    let relation = json!({"type": "object", "properties": {"relation": {"type": "string", "description": "A source or product name, e.g. bronze.orders or silver.orders"}}, "required": ["relation"], "additionalProperties": false});
    json!([
        {"type": "function", "function": {"name": "describe_table", "description": "Columns and types of a relation.", "parameters": relation}},
        {"type": "function", "function": {"name": "sample_rows", "description": "Up to 20 rows of a relation.", "parameters": {"type": "object", "properties": {"relation": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 20}}, "required": ["relation"], "additionalProperties": false}}},
        {"type": "function", "function": {"name": "profile", "description": "Per column: nulls, distinct values, min/max, frequent values, inferred type and tags.", "parameters": relation}},
        {"type": "function", "function": {"name": "run_query", "description": "Runs one read-only SELECT (row- and time-limited) and returns at most 50 rows.", "parameters": {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"], "additionalProperties": false}}},
        {"type": "function", "function": {"name": "read_file", "description": "Reads a repository file (data_standards.md, an existing product's spec or SQL).", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"], "additionalProperties": false}}},
        {"type": "function", "function": {"name": "write_file", "description": "Writes one of the product's files under products/<product>/.", "parameters": {"type": "object", "properties": {"path": {"type": "string"}, "content": {"type": "string"}}, "required": ["path", "content"], "additionalProperties": false}}},
        {"type": "function", "function": {"name": "run_checks", "description": "Builds the written files in the sandbox and checks them against the standards.", "parameters": {"type": "object", "properties": {}, "additionalProperties": false}}},
        {"type": "function", "function": {"name": "finish", "description": "Ends the work with a summary of the decisions and of any standard that cannot be met.", "parameters": {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"], "additionalProperties": false}}}
    ])
}

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    /// A result (or an error) to send back to the model as the tool message.
    Result(Value),
    /// The model is done.
    Finish(String),
}

/// Runs tool calls against one promotion.
pub struct Toolbox<'a, 'c> {
    ctx: &'a Context<'c>,
    files: &'a mut DraftFiles,
}

fn error(message: impl Into<String>) -> ToolOutcome {
    ToolOutcome::Result(json!({ "error": message.into() }))
}

impl<'a, 'c> Toolbox<'a, 'c> {
    /// Tools over `ctx`, writing into `files`.
    pub fn new(ctx: &'a Context<'c>, files: &'a mut DraftFiles) -> Self {
        Self { ctx, files }
    }

    /// Runs tool `name` with the model's raw `arguments` (a JSON object as text).
    pub fn call(&mut self, name: &str, arguments: &str) -> ToolOutcome {
        let args: Value = match serde_json::from_str(if arguments.trim().is_empty() { "{}" } else { arguments }) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return error(format!("the arguments of `{name}` must be a JSON object")),
            Err(e) => {
                return error(format!(
                    "the arguments of `{name}` are not valid JSON ({e}); send a JSON object"
                ))
            }
        };
        let text = |key: &str| args.get(key).and_then(Value::as_str);
        let need = |key: &str| text(key).ok_or_else(|| format!("`{name}` needs a string `{key}`"));
        let result = match name {
            "describe_table" => need("relation").and_then(|r| self.describe(r)),
            "sample_rows" => need("relation").and_then(|r| {
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10).clamp(1, 20);
                self.sample(r, limit)
            }),
            "profile" => need("relation").and_then(|r| self.profile(r)),
            "run_query" => need("sql").and_then(|sql| self.query(sql)),
            "read_file" => need("path").and_then(|p| self.read(p)),
            "write_file" => need("path").and_then(|p| {
                let content = need("content")?;
                self.write(p, content)
            }),
            "run_checks" => Ok(self.checks()),
            "finish" => return ToolOutcome::Finish(text("summary").unwrap_or("").to_string()),
            other => Err(format!(
                "there is no tool `{other}`; the tools are describe_table, sample_rows, profile, run_query, read_file, write_file, run_checks and finish"
            )),
        };
        match result {
            Ok(v) => ToolOutcome::Result(v),
            Err(e) => error(e),
        }
    }

    fn describe(&self, relation: &str) -> Result<Value, String> {
        let cols = self.ctx.warehouse.describe(relation).map_err(|e| e.to_string())?;
        Ok(
            json!({"relation": relation, "columns": cols.iter().map(|c| json!({"name": c.name, "type": c.type_name})).collect::<Vec<_>>()}),
        )
    }

    fn sample(&self, relation: &str, limit: u64) -> Result<Value, String> {
        let d = self.ctx.warehouse.dialect();
        let sql = format!("SELECT * FROM {} LIMIT {limit}", d.quote_relation(relation));
        self.query(&sql)
    }

    fn profile(&self, relation: &str) -> Result<Value, String> {
        let p = profile(self.ctx.warehouse, relation).map_err(|e| e.to_string())?;
        Ok(profile_json(&p))
    }

    fn query(&self, sql: &str) -> Result<Value, String> {
        let rows = self
            .ctx
            .warehouse
            .query_untrusted(QueryKind::Agent, sql)
            .map_err(|e| e.to_string())?;
        let truncated = rows.rows.len() > MAX_ROWS_SHOWN;
        Ok(json!({
            "columns": rows.columns,
            "rows": rows.rows.into_iter().take(MAX_ROWS_SHOWN).collect::<Vec<_>>(),
            "truncated": truncated,
        }))
    }

    fn read(&self, path: &str) -> Result<Value, String> {
        if let Some(text) = self.files.get(path) {
            return Ok(json!({"path": path, "content": text, "drafted": true}));
        }
        let root = &self.ctx.project.root;
        let plain = Path::new(path).components().all(|c| match c {
            Component::Normal(s) => !s.to_string_lossy().starts_with('.'),
            _ => false,
        });
        if !plain || path.is_empty() {
            return Err(format!(
                "`{path}` cannot be read: give a path inside the repository without `..`, a leading `/` or hidden folders"
            ));
        }
        let full = root.join(path);
        let inside = match (full.canonicalize(), root.canonicalize()) {
            (Ok(f), Ok(r)) => f.starts_with(r),
            _ => return Err(format!("`{path}` does not exist")),
        };
        if !inside {
            return Err(format!("`{path}` leads outside the repository"));
        }
        let meta = std::fs::metadata(&full).map_err(|e| format!("`{path}`: {e}"))?;
        if !meta.is_file() {
            return Err(format!("`{path}` is not a file"));
        }
        if meta.len() > MAX_READ_BYTES {
            return Err(format!(
                "`{path}` is {} bytes, more than {MAX_READ_BYTES}; query data with run_query instead",
                meta.len()
            ));
        }
        let content = std::fs::read_to_string(&full).map_err(|e| format!("`{path}`: {e}"))?;
        Ok(json!({"path": path, "content": content}))
    }

    fn write(&mut self, path: &str, content: &str) -> Result<Value, String> {
        let folder = format!("products/{}/", self.ctx.target.folder);
        let normalized = product_path(path).map_err(|e| e.to_string())?;
        if !normalized.starts_with(&folder) {
            return Err(format!(
                "`{path}` is outside {folder}: this promotion writes only there"
            ));
        }
        self.files.write(&normalized, content).map_err(|e| e.to_string())?;
        Ok(json!({"written": normalized, "bytes": content.len()}))
    }

    fn checks(&self) -> Value {
        match self.ctx.evaluate(self.files) {
            Err(Problems::Lint(e)) => json!({"lint_errors": e}),
            Err(Problems::Build(e)) => json!({"built": false, "error": e}),
            Err(Problems::Checks(_)) => json!({"error": "the checks could not be summarized"}),
            Ok(report) => {
                if let Some(e) = &report.error {
                    return json!({"built": false, "error": e});
                }
                json!({
                    "built": true,
                    "rows": report.rows,
                    "results": report.results.iter().map(|r| json!({
                        "standard": r.standard_id,
                        "title": r.title,
                        "check": r.check,
                        "columns": r.columns,
                        "status": r.status.label(),
                        "figure": r.figure,
                        "samples": r.samples.as_ref().map(|s| json!({
                            "columns": s.columns,
                            "rows": s.rows.iter().take(SAMPLES_SHOWN).collect::<Vec<_>>(),
                        })),
                    })).collect::<Vec<_>>(),
                })
            }
        }
    }
}

/// A profile as the model sees it: the inference included, and every value and name
/// capped as untrusted results are (see `hallmark_checks::exposure`).
pub fn profile_json(p: &Profile) -> Value {
    let value = |v: &str| cap(v, MAX_VALUE_CHARS).into_owned();
    json!({
        "relation": p.source,
        "rows": p.rows,
        "sampled_rows": p.sampled,
        "columns": p.columns.iter().map(|c| json!({
            "name": cap(&c.name, MAX_NAME_CHARS),
            "type": c.source_type,
            "nulls": c.nulls,
            "distinct": c.distinct,
            "min": c.min.as_deref().map(value),
            "max": c.max.as_deref().map(value),
            "top_values": c.top.iter().map(|(v, n)| (value(v), n)).collect::<Vec<_>>(),
            "looks_like": format!("{:?}", c.inferred.kind),
            "suggested_type": c.inferred.silver_type,
            "suggested_tags": c.inferred.tags,
            "readings": c.readings.iter().map(|r| json!({
                "reading": r.inferred.kind.label(),
                "type": r.inferred.silver_type,
                "reads": r.coverage(),
                "share": (r.share() * 1000.0).round() / 1000.0,
            })).collect::<Vec<_>>(),
            "placeholders_for_no_value": c.sentinels.iter().map(|s| json!({
                "value": s.label,
                "rows": s.rows,
                "spellings": s.spellings.iter().map(|v| value(v)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
