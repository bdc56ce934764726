//! `/hallmark help`: the verbs, open to everyone.

use super::{Cx, HandlerError};
use crate::commands::HELP;

/// Answers with the verbs.
pub fn run(cx: &Cx<'_>) -> Result<(), HandlerError> {
    cx.reply(HELP)
}
