//! A tool's blocking work (DuckDB, ClickHouse, git, the drafter) run off the
//! protocol's tasks: stopped when the client cancels the request, and reported as
//! progress notifications when the client asked for them with a progress token.

use crate::agent::job::{Events, Stage};
use crate::isolated::Opener;
use crate::stop::StopSwitch;
use hallmark_checks::result::ProductReport;
use hallmark_checks::runner::Progress;
use hallmark_checks::warehouse::{job_name, Limits, Warehouse};
use hallmark_checks::Project;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Peer, RoleServer};
use std::sync::atomic::{AtomicU32, Ordering};

/// What the work is given: the warehouse opener, whose switch the cancellation
/// throws, and where progress goes.
pub struct Job {
    /// Opens the job's warehouse; every warehouse it opens stops with the request.
    pub opener: Opener,
    /// Progress notifications, when the client asked for them.
    pub progress: Reporter,
}

impl Job {
    /// A fresh warehouse of `project` for this call, stopped with the request; why not
    /// as the tool's refusal.
    pub fn warehouse(&self, project: &Project) -> Result<Box<dyn Warehouse>, String> {
        self.opener
            .open(project, &job_name(), Limits::default())
            .map_err(|e| e.to_string())
    }
}

/// Sends progress notifications from the blocking thread the work runs on.
pub struct Reporter {
    target: Option<(Peer<RoleServer>, ProgressToken)>,
    handle: tokio::runtime::Handle,
    /// Steps reported so far: progress must only grow.
    steps: AtomicU32,
}

impl Reporter {
    /// One step more, said as `message`, out of `total` when known.
    pub fn step(&self, message: String, total: Option<usize>) {
        let Some((peer, token)) = &self.target else { return };
        let step = self.steps.fetch_add(1, Ordering::SeqCst) + 1;
        let mut param = ProgressNotificationParam::new(token.clone(), f64::from(step)).with_message(message);
        if let Some(total) = total {
            param = param.with_total(total as f64);
        }
        // A client that went away loses its progress, not the work.
        if let Err(e) = self.handle.block_on(peer.notify_progress(param)) {
            tracing::debug!(error = %e, "a progress notification was not sent");
        }
    }
}

impl Progress for Reporter {
    fn product_started(&self, relation: &str, index: usize, total: usize) {
        self.step(format!("checking {relation} ({} of {total})", index + 1), Some(total));
    }

    fn product_finished(&self, _report: &ProductReport) {}
}

impl Events for Reporter {
    fn stage(&self, stage: &Stage) {
        self.step(
            match stage {
                Stage::Profiling { source } => format!("profiling {source}"),
                Stage::Drafting => "drafting".into(),
                Stage::Checking { round } => format!("building and checking draft {round}"),
                Stage::Revising { round, problems } => format!("revising (draft {round}, {problems} problem(s))"),
            },
            None,
        );
    }
}

/// Throws the switch when dropped unless disarmed: the request's future dropped
/// before its work ended stops the work too.
struct StopOnDrop(Option<StopSwitch>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(switch) = self.0.take() {
            switch.stop();
        }
    }
}

/// The error a cancelled request ends with (the client has stopped waiting; the
/// protocol lets it ignore the answer).
fn cancelled() -> ErrorData {
    ErrorData::invalid_request("the request was cancelled by the client; its work was stopped", None)
}

/// Runs `work` on a blocking thread with a [`Job`] built from `opener`, and returns
/// its result; a cancellation of the request stops the work's warehouse and ends the
/// request at once. A panic in the work is an error of this request only.
pub async fn run<T: Send + 'static>(
    context: &RequestContext<RoleServer>,
    opener: &Opener,
    work: impl FnOnce(&Job) -> T + Send + 'static,
) -> Result<T, ErrorData> {
    let switch = StopSwitch::default();
    let job = Job {
        opener: Opener {
            stop: Some(switch.clone()),
            ..opener.clone()
        },
        progress: Reporter {
            target: context
                .meta
                .get_progress_token()
                .map(|token| (context.peer.clone(), token)),
            handle: tokio::runtime::Handle::current(),
            steps: AtomicU32::new(0),
        },
    };
    let mut guard = StopOnDrop(Some(switch.clone()));
    let task = tokio::task::spawn_blocking(move || work(&job));
    tokio::select! {
        done = task => {
            guard.0 = None;
            done.map_err(|e| ErrorData::internal_error(format!("the tool's work failed: {e}"), None))
        }
        () = context.ct.cancelled() => {
            tracing::info!("a request was cancelled; stopping its work");
            drop(guard);
            Err(cancelled())
        }
    }
}
