//! The name words by which the rules drafter knows a row's time columns, shared by
//! the silver and gold drafts.

/// Name fragments that mark the column saying when a row was last changed: the
/// latest row per key wins by it, and gold does not aggregate by it.
pub const LATEST_MARKERS: &[&str] = &["updated", "modified", "changed", "loaded", "ingested"];

/// Name words of the column saying when an event happened, in an event log (one row
/// per event of a key): with no `updated`-like column, a key's latest row is its
/// latest event.
pub const EVENT_TIME_MARKERS: &[&str] = &["event", "occurred", "logged", "recorded", "timestamp"];
