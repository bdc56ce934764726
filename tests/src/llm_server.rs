//! A scripted OpenAI-compatible chat-completions server: it answers each request with
//! the next reply of a script and records every request, so the `llm` drafter is
//! tested over real HTTP, mistakes included, without a model.

use crate::serve::Background;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The model calls these tools: (name, raw arguments text).
    Tools(Vec<(String, String)>),
    /// The model answers in prose, calling no tool.
    Text(String),
    /// The server answers with this status and body verbatim (errors, broken JSON).
    Raw(u16, String),
}

impl Reply {
    /// One tool call with JSON arguments.
    pub fn tool(name: &str, args: Value) -> Reply {
        Reply::Tools(vec![(name.to_string(), args.to_string())])
    }
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The JSON body.
    pub body: Value,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Reply>,
    requests: Vec<Recorded>,
    calls: usize,
}

/// The running server; it stops when dropped.
pub struct ScriptedLlm {
    server: Background,
    shared: Arc<Mutex<Shared>>,
}

impl ScriptedLlm {
    /// Starts on a free loopback port with `script`. When the script is used up,
    /// every further request gets a prose answer that calls no tool.
    pub fn start(script: Vec<Reply>) -> ScriptedLlm {
        let shared = Arc::new(Mutex::new(Shared {
            script: script.into(),
            ..Shared::default()
        }));
        let state = shared.clone();
        let server = Background::spawn(move |_| {
            Router::new()
                .route("/v1/chat/completions", post(complete))
                .with_state(state)
        });
        ScriptedLlm { server, shared }
    }

    /// The base URL to configure, ending in `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.server.addr())
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner()).requests.clone()
    }
}

async fn complete(State(shared): State<Arc<Mutex<Shared>>>, headers: HeaderMap, body: String) -> Response {
    let (reply, n) = {
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        let parsed = serde_json::from_str(&body).unwrap_or(Value::String(body.clone()));
        s.requests.push(Recorded {
            body: parsed,
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        });
        s.calls += 1;
        (s.script.pop_front(), s.calls)
    };
    let message = match reply {
        Some(Reply::Raw(status, body)) => {
            return (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                [("content-type", "application/json")],
                body,
            )
                .into_response()
        }
        Some(Reply::Tools(calls)) => json!({
            "role": "assistant",
            "content": null,
            "tool_calls": calls.iter().enumerate().map(|(i, (name, args))| json!({
                "id": format!("call_{n}_{i}"),
                "type": "function",
                "function": {"name": name, "arguments": args},
            })).collect::<Vec<_>>(),
        }),
        Some(Reply::Text(text)) => json!({"role": "assistant", "content": text}),
        None => json!({"role": "assistant", "content": "I think the work is done."}),
    };
    let finish_reason = if message.get("tool_calls").is_some() {
        "tool_calls"
    } else {
        "stop"
    };
    axum::Json(json!({
        "id": format!("chatcmpl-{n}"),
        "object": "chat.completion",
        "created": 1_700_000_000 + n,
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }))
    .into_response()
}
