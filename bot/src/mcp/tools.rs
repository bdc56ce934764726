//! The tools, as the protocol sees them: typed parameters (their JSON schemas are
//! derived from these types), each call's work run through [`super::work::run`], and
//! every answer as structured content plus a short text. A refusal is a tool result
//! marked as an error, with a message that names the problem, so the agent reads it
//! and can correct itself; only a malformed call is a protocol error.

use super::actions::{self, Answer, CheckRequest, DraftRequest, Outcome, Versions};
use super::work::run;
use super::HallmarkServer;
use hallmark_checks::Level;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, ErrorData, RoleServer};
use schemars::JsonSchema;
use serde::Deserialize;

/// A level a product can be promoted to or checked at.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LevelParam {
    /// Cleaned, typed, deduplicated data.
    Silver,
    /// Business aggregates built on silver products.
    Gold,
}

impl From<LevelParam> for Level {
    fn from(l: LevelParam) -> Level {
        match l {
            LevelParam::Silver => Level::Silver,
            LevelParam::Gold => Level::Gold,
        }
    }
}

/// Parameters of `standards`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardsParams {
    /// Only the standards for this level (all when absent).
    #[serde(default)]
    pub level: Option<LevelParam>,
}

/// Parameters of `profile_source`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileParams {
    /// A bronze file of the repository (`bronze/orders.csv`), a declared source or
    /// warehouse table (`bronze.orders`), or a product (`silver.orders`).
    pub source: String,
}

/// Parameters of `query`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryParams {
    /// One read-only SELECT. Sources are named `bronze.<file stem>`
    /// (`bronze.orders` for bronze/orders.csv) or as the specs declare them; products
    /// as `<level>.<name>`.
    pub sql: String,
}

/// Parameters of `check`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckParams {
    /// Only this product (`orders` or `silver.orders`).
    #[serde(default)]
    pub product: Option<String>,
    /// Only products at this level.
    #[serde(default)]
    pub level: Option<LevelParam>,
    /// Check the products where they are deployed instead of building them: a schema
    /// (`analytics`) or a template like `prod_{level}.{name}`, or "" for the
    /// configuration's `deployed:` (else each under its own name).
    #[serde(default)]
    pub deployed: Option<String>,
    /// "Now" for freshness checks, RFC 3339 (`2024-12-31T00:00:00Z`); the clock when
    /// absent.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// Parameters of `explain`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainParams {
    /// The standard's id, e.g. `SLV-003`.
    pub standard: String,
}

/// Parameters of `impact`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionsParams {
    /// The revision before the change (commit, branch or tag); `main` when absent.
    #[serde(default)]
    pub base: Option<String>,
    /// The revision after it; `HEAD` when absent.
    #[serde(default)]
    pub head: Option<String>,
}

/// Parameters of `diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// The revision before the change; `main` when absent.
    #[serde(default)]
    pub base: Option<String>,
    /// The revision after it; `HEAD` when absent.
    #[serde(default)]
    pub head: Option<String>,
    /// Only this product; else every product the change touches and those built on
    /// them.
    #[serde(default)]
    pub product: Option<String>,
}

/// Who drafts.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DrafterParam {
    /// Hallmark's deterministic, offline rules.
    #[default]
    Rules,
    /// The model configured in `.hallmark.yml` (its key from the environment).
    Llm,
}

/// Parameters of `draft`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftParams {
    /// What to promote: a bronze file, a table, or for gold a product.
    pub source: String,
    /// The level to promote to.
    pub level: LevelParam,
    /// The product's name (default: from the source).
    #[serde(default)]
    pub product: Option<String>,
    /// What the consumer asked for, in their words.
    #[serde(default)]
    pub request: Option<String>,
    /// Who drafts (default: the offline rules).
    #[serde(default)]
    pub drafter: Option<DrafterParam>,
    /// At most this many drafts are built and checked (1 to 10, default 4).
    #[serde(default)]
    pub max_rounds: Option<usize>,
}

/// Parameters of `write_product_file`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteParams {
    /// `products/<name>/<file>` ending in .yml, .yaml, .sql or .md
    /// (`products/orders/silver.yml`, `products/orders/silver.sql`).
    pub path: String,
    /// The whole file (at most 512 KiB).
    pub content: String,
}

/// An outcome as a tool result.
fn result(outcome: Outcome) -> CallToolResult {
    match outcome {
        Ok(Answer { value, text }) => {
            let mut r = CallToolResult::structured(value);
            r.content = vec![ContentBlock::text(text)];
            r
        }
        Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
    }
}

#[tool_router(vis = "pub(super)")]
impl HallmarkServer {
    /// The repository's products: level, sources, key, columns and files.
    #[tool(annotations(read_only_hint = true))]
    async fn list_products(&self) -> Result<CallToolResult, ErrorData> {
        Ok(result(actions::list_products(&self.repo)))
    }

    /// The team's data standards (of one level, or all): each one's rule (or that a
    /// person reviews it) and, per product it applies to, the columns its rule selects.
    #[tool(annotations(read_only_hint = true))]
    async fn standards(&self, Parameters(p): Parameters<StandardsParams>) -> Result<CallToolResult, ErrorData> {
        Ok(result(actions::standards(&self.repo, p.level.map(Into::into))))
    }

    /// One standard in full: its text, the levels it applies to, and the rule
    /// Hallmark checks it with.
    #[tool(annotations(read_only_hint = true))]
    async fn explain(&self, Parameters(p): Parameters<ExplainParams>) -> Result<CallToolResult, ErrorData> {
        Ok(result(actions::explain(&self.repo, &p.standard)))
    }

    /// Profiles a source as Hallmark's drafter reads it: per column nulls, distinct
    /// values, min/max, frequent values, every reading it measured (dates, numbers,
    /// codes, with how many values each reads) and placeholders for "no value".
    #[tool(annotations(read_only_hint = true))]
    async fn profile_source(
        &self,
        Parameters(p): Parameters<ProfileParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let repo = self.repo.clone();
        let outcome = run(&context, &self.opener, move |job| {
            actions::profile_source(&repo, job, &p.source)
        })
        .await?;
        Ok(result(outcome))
    }

    /// Runs one read-only SELECT in Hallmark's sandbox (the agent's own: no files,
    /// no network, only the repository's sources and products, time- and row-limited)
    /// and returns at most 50 rows.
    #[tool(annotations(read_only_hint = true))]
    async fn query(
        &self,
        Parameters(p): Parameters<QueryParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let repo = self.repo.clone();
        let outcome = run(&context, &self.opener, move |job| actions::query(&repo, job, &p.sql)).await?;
        Ok(result(outcome))
    }

    /// Builds products in the sandbox (or reads them where deployed) and checks them
    /// against the standards: the checklist as JSON and markdown, and the failures.
    /// Sends progress per product; a cancelled check stops its queries.
    #[tool(annotations(read_only_hint = true))]
    async fn check(
        &self,
        Parameters(p): Parameters<CheckParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let repo = self.repo.clone();
        let request = CheckRequest {
            product: p.product,
            level: p.level.map(Into::into),
            deployed: p.deployed,
            as_of: p.as_of,
        };
        let outcome = run(&context, &self.opener, move |job| actions::check(&repo, job, &request)).await?;
        Ok(result(outcome))
    }

    /// What a change to the data standards between two revisions does to every
    /// product: the standards changed, and which products passed before and fail now.
    #[tool(annotations(read_only_hint = true))]
    async fn impact(
        &self,
        Parameters(p): Parameters<VersionsParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let repo = self.repo.clone();
        let versions = Versions {
            base: p.base,
            head: p.head,
        };
        let outcome = run(&context, &self.opener, move |job| {
            actions::impact_of(&repo, job, &versions)
        })
        .await?;
        Ok(result(outcome))
    }

    /// What a change does to the rows of the products it touches: each built at both
    /// revisions and compared by key (added, removed, changed rows; columns changed;
    /// samples with personal data masked).
    #[tool(annotations(read_only_hint = true))]
    async fn diff(
        &self,
        Parameters(p): Parameters<DiffParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let repo = self.repo.clone();
        let versions = Versions {
            base: p.base,
            head: p.head,
        };
        let outcome = run(&context, &self.opener, move |job| {
            actions::diff(&repo, job, &versions, p.product.as_deref())
        })
        .await?;
        Ok(result(outcome))
    }

    /// Runs Hallmark's own drafter on a source: drafts, checks and revises, then
    /// commits the product on the local branch `hallmark/<level>/<name>` (nothing
    /// pushed, the working tree untouched). Returns the files, the rounds and the
    /// checklist.
    #[tool(annotations(read_only_hint = false, destructive_hint = false))]
    async fn draft(
        &self,
        Parameters(p): Parameters<DraftParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let repo = self.repo.clone();
        let request = DraftRequest {
            source: p.source,
            level: p.level.into(),
            product: p.product,
            request: p.request,
            llm: matches!(p.drafter.unwrap_or_default(), DrafterParam::Llm),
            max_rounds: p.max_rounds.unwrap_or(4),
        };
        let outcome = run(&context, &self.opener, move |job| actions::draft(&repo, job, &request)).await?;
        Ok(result(outcome))
    }

    /// Writes one product file: only `products/<name>/<file>` with a .yml, .yaml,
    /// .sql or .md ending, never through a link, at most 512 KiB. A product is its
    /// spec (`silver.yml`) and its SELECT (`silver.sql`).
    #[tool(annotations(read_only_hint = false, destructive_hint = false))]
    async fn write_product_file(&self, Parameters(p): Parameters<WriteParams>) -> Result<CallToolResult, ErrorData> {
        Ok(result(actions::write_product_file(&self.repo, &p.path, &p.content)))
    }
}
