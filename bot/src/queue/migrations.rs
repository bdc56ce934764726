//! The queue's schema, as numbered migrations embedded in the binary and applied at
//! start, each in its own transaction: a store is always at one known version, and a
//! store from a newer Hallmark is refused rather than misread.

/// One step of a store's schema.
pub(super) struct Migration {
    /// Its number; applied in order, each once.
    pub version: i64,
    /// Its file name, for errors.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The SQLite store's migrations (its version is `PRAGMA user_version`).
pub(super) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "001_jobs.sql",
        sql: include_str!("migrations/sqlite/001_jobs.sql"),
    },
    Migration {
        version: 2,
        name: "002_leases.sql",
        sql: include_str!("migrations/sqlite/002_leases.sql"),
    },
];

/// The PostgreSQL store's migrations (recorded in `hallmark_migrations`).
pub(super) const POSTGRES: &[Migration] = &[Migration {
    version: 1,
    name: "001_jobs.sql",
    sql: include_str!("migrations/postgres/001_jobs.sql"),
}];

/// The newest version in `list`.
pub(super) fn latest(list: &[Migration]) -> i64 {
    list.iter().map(|m| m.version).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one_and_names_carry_them() {
        for list in [SQLITE, POSTGRES] {
            for (i, m) in list.iter().enumerate() {
                assert_eq!(m.version, i as i64 + 1);
                assert!(m.name.starts_with(&format!("{:03}_", m.version)), "{}", m.name);
            }
        }
    }
}
