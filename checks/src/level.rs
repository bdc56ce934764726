//! The medallion levels a product can live at.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A medallion level. Standards say which levels they apply to and every product
/// lives at exactly one, so the level decides which standards a product is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Raw data as it arrived; read, never written, by Hallmark.
    Bronze,
    /// Cleaned, typed, deduplicated data with one row per entity or event.
    Silver,
    /// Aggregates and metrics built from silver products.
    Gold,
}

impl Level {
    /// Every level, in promotion order.
    pub const ALL: [Level; 3] = [Level::Bronze, Level::Silver, Level::Gold];

    /// The lowercase name used in files, schemas and branch names.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Bronze => "bronze",
            Level::Silver => "silver",
            Level::Gold => "gold",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bronze" => Ok(Level::Bronze),
            "silver" => Ok(Level::Silver),
            "gold" => Ok(Level::Gold),
            other => Err(format!("unknown level `{other}`, expected bronze, silver or gold")),
        }
    }
}
