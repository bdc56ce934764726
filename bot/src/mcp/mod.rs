//! `hallmark mcp`: Hallmark as a Model Context Protocol server over stdio, so the
//! agents people already use in their editors (Claude Code, Cursor, VS Code) can do a
//! promotion against the team's standards with what Hallmark has and they lack: the
//! standards compiled to checks, a sandboxed warehouse, the bronze profile, and the
//! checklist as the goal.
//!
//! The server is local to one repository and keeps the bot's trust rules: SQL from
//! the agent runs only in the sandbox, files are read from and written to the
//! repository only (writes under `products/<name>/` only), and no answer carries a
//! secret. Tools are in [`tools`], their work in [`actions`].

pub mod actions;
pub mod prompt;
pub mod repo;
pub mod tools;
pub mod work;

use crate::isolated::Opener;
use repo::Repo;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
    Implementation, ListPromptsResult, ListResourcesResult, PaginatedRequestParams, Prompt, PromptArgument,
    PromptMessage, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource, ResourceContents,
    Role, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool_handler, ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::sync::Arc;

/// The URI scheme of the repository's files as resources.
pub const FILE_URI: &str = "hallmark://repository/";
/// The last checklist, as markdown.
pub const LAST_CHECKLIST_MD: &str = "hallmark://checklist/last.md";
/// The last checklist, as Hallmark's JSON.
pub const LAST_CHECKLIST_JSON: &str = "hallmark://checklist/last.json";

/// What the server tells a client about itself at initialization.
const INSTRUCTIONS: &str = "Hallmark checks data products against the team's data_standards.md. \
To promote a source: read `standards`, `profile_source`, write products/<name>/silver.yml and silver.sql \
with `write_product_file`, `check`, and revise until the checklist passes (the `promote` prompt spells it out). \
SQL runs only in Hallmark's sandbox; files are written only under products/<name>/.";

/// The server: one repository, and how its warehouses are opened.
#[derive(Clone)]
pub struct HallmarkServer {
    repo: Arc<Repo>,
    opener: Opener,
    tool_router: ToolRouter<Self>,
}

impl HallmarkServer {
    /// A server for `repo`, opening warehouses with `opener` (its DuckDB in a child
    /// process the server can kill, when `opener.isolate` says so).
    pub fn new(repo: Repo, opener: Opener) -> Self {
        Self {
            repo: Arc::new(repo),
            opener,
            tool_router: Self::tool_router(),
        }
    }

    fn resources(&self) -> Vec<Resource> {
        let mut out: Vec<Resource> = self
            .repo
            .resource_files()
            .into_iter()
            .map(|rel| {
                let mime = if rel.ends_with(".md") {
                    "text/markdown"
                } else if rel.ends_with(".sql") {
                    "application/sql"
                } else {
                    "application/yaml"
                };
                Resource::new(format!("{FILE_URI}{rel}"), rel.clone()).with_mime_type(mime)
            })
            .collect();
        if self.repo.last().is_some() {
            out.push(
                Resource::new(LAST_CHECKLIST_MD, "last checklist (markdown)")
                    .with_description("The checklist of the last check or draft this server ran.")
                    .with_mime_type("text/markdown"),
            );
            out.push(
                Resource::new(LAST_CHECKLIST_JSON, "last checklist (JSON)")
                    .with_description("The same checklist in Hallmark's versioned JSON.")
                    .with_mime_type("application/json"),
            );
        }
        out
    }

    fn read(&self, uri: &str) -> Result<ResourceContents, ErrorData> {
        let not_found = |message: String| ErrorData::resource_not_found(message, None);
        if uri == LAST_CHECKLIST_MD || uri == LAST_CHECKLIST_JSON {
            let last = self
                .repo
                .last()
                .ok_or_else(|| not_found("no checklist yet: call the `check` tool first".into()))?;
            return Ok(if uri == LAST_CHECKLIST_MD {
                ResourceContents::text(last.markdown, uri).with_mime_type("text/markdown")
            } else {
                ResourceContents::text(last.json, uri).with_mime_type("application/json")
            });
        }
        let rel = uri.strip_prefix(FILE_URI).ok_or_else(|| {
            not_found(format!(
                "`{uri}` is not a resource of this server (its resources start with {FILE_URI} or are the last checklist)"
            ))
        })?;
        let text = self.repo.read_resource_file(rel).map_err(not_found)?;
        Ok(ResourceContents::text(text, uri))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for HallmarkServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("hallmark", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    /// The router's call, except that an unknown tool is named with the tools there
    /// are (the SDK only says "tool not found").
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if !self.tool_router.has_route(&request.name) {
            let mut names: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|t| t.name.to_string())
                .collect();
            names.sort();
            return Err(ErrorData::invalid_params(
                format!(
                    "there is no tool `{}`; the tools are {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        }
        self.tool_router
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(self.resources()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        Ok(ReadResourceResult::new(vec![self.read(&request.uri)?]).into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let arguments = prompt::ARGUMENTS
            .iter()
            .map(|(name, description, required)| {
                PromptArgument::new(*name)
                    .with_description(*description)
                    .with_required(*required)
            })
            .collect();
        Ok(ListPromptsResult::with_all_items(vec![Prompt::new(
            prompt::NAME,
            Some(prompt::DESCRIPTION),
            Some(arguments),
        )]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        if request.name != prompt::NAME {
            return Err(ErrorData::invalid_params(
                format!(
                    "there is no prompt `{}`; the prompt is `{}`",
                    request.name,
                    prompt::NAME
                ),
                None,
            ));
        }
        let args = request.arguments.unwrap_or_default();
        let get = |key: &str| {
            args.get(key)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let source = get("source").ok_or_else(|| ErrorData::invalid_params("the prompt needs `source`", None))?;
        let level = match get("level") {
            Some(l @ ("silver" | "gold")) => l,
            Some(other) => {
                return Err(ErrorData::invalid_params(
                    format!("`level` is silver or gold, not `{other}`"),
                    None,
                ))
            }
            None => {
                return Err(ErrorData::invalid_params(
                    "the prompt needs `level` (silver or gold)",
                    None,
                ))
            }
        };
        let text = prompt::text(source, level, get("product"), get("request"));
        let mut result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]);
        result.description = Some(format!("Promote {source} to {level}"));
        Ok(result.into())
    }
}

/// Why the server stopped.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The repository cannot be served.
    #[error("{0}")]
    Repository(String),
    /// The protocol failed (the client sent something unreadable, or went away
    /// during initialization).
    #[error("the MCP session failed: {0}")]
    Session(String),
}

/// Serves `server` on standard input and output until the client closes them.
pub async fn serve_stdio(server: HallmarkServer) -> Result<(), McpError> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| McpError::Session(e.to_string()))?;
    running.waiting().await.map_err(|e| McpError::Session(e.to_string()))?;
    Ok(())
}
