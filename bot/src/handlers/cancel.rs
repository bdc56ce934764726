//! `/hallmark cancel`: stops the (or pull request's) queued and running
//! promotion jobs; a running one stops before it pushes or posts anything.

use super::{Cx, HandlerError};

/// Cancels and says how many jobs it stopped.
pub fn run(cx: &Cx<'_>) -> Result<(), HandlerError> {
    let n = cx.means.queue.cancel(&cx.trigger.product_key())?;
    cx.reply(&format!("Cancelled {n} job(s) for #{}.", cx.trigger.number))
}
