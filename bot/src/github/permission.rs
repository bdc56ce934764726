//! A user's permission on a repository, read from GitHub's collaborator-permission
//! answer. octocrab 0.54's `RepoPermission` cannot be used for it: its `permission`
//! field is the teams enum (`pull`, `push`, `admin`, `maintain`, `triage`), while
//! GitHub answers `admin`, `write`, `read` or `none` there, so every real answer but
//! an admin's fails to parse. The answer is read from its JSON instead.

use serde_json::Value;

/// A user's permission on a repository, as GitHub's collaborator API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// No access.
    None,
    /// Read.
    Read,
    /// Triage.
    Triage,
    /// Write.
    Write,
    /// Maintain.
    Maintain,
    /// Admin.
    Admin,
}

impl Permission {
    /// The level an answer of the collaborator-permission API grants. The user's
    /// `permissions` flags decide when given; else `permission` (admin, write, read,
    /// none), raised by `role_name` only where that names a finer base role (maintain,
    /// triage): a custom role keeps its base level instead of reading as no access.
    pub(crate) fn of_answer(json: &Value) -> Permission {
        if let Some(flags) = json["user"]["permissions"].as_object() {
            let levels = [
                ("admin", Permission::Admin),
                ("maintain", Permission::Maintain),
                ("push", Permission::Write),
                ("triage", Permission::Triage),
                ("pull", Permission::Read),
            ];
            if let Some((_, level)) = levels
                .iter()
                .find(|(key, _)| flags.get(*key).and_then(Value::as_bool) == Some(true))
            {
                return *level;
            }
        }
        let base = Permission::parse(json["permission"].as_str().unwrap_or_default());
        let role = Permission::parse(json["role_name"].as_str().unwrap_or_default());
        base.max(role)
    }

    /// The permission a configuration names (`triage`, `write`...), if it is one.
    pub fn from_name(name: &str) -> Option<Permission> {
        let p = Permission::parse(name.trim());
        (p != Permission::None || name.trim() == "none").then_some(p)
    }

    /// The name GitHub gives the level.
    pub fn name(self) -> &'static str {
        match self {
            Permission::None => "no",
            Permission::Read => "read",
            Permission::Triage => "triage",
            Permission::Write => "write",
            Permission::Maintain => "maintain",
            Permission::Admin => "admin",
        }
    }

    fn parse(role: &str) -> Permission {
        match role {
            "admin" => Permission::Admin,
            "maintain" => Permission::Maintain,
            "write" | "push" => Permission::Write,
            "triage" => Permission::Triage,
            "read" | "pull" => Permission::Read,
            _ => Permission::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_roles_keep_their_base_permission() {
        let answer = |v: Value| Permission::of_answer(&v);
        assert_eq!(
            answer(json!({"permission": "write", "role_name": "deployer"})),
            Permission::Write
        );
        assert_eq!(
            answer(json!({"permission": "read", "role_name": "triage"})),
            Permission::Triage
        );
        assert_eq!(
            answer(json!({"permission": "write", "role_name": "maintain"})),
            Permission::Maintain
        );
        assert_eq!(
            answer(json!({"permission": "none", "role_name": "deployer"})),
            Permission::None
        );
        assert_eq!(
            answer(
                json!({"permission": "read", "role_name": "auditor", "user": {"permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true}}})
            ),
            Permission::Write
        );
        assert!(Permission::parse("maintain") > Permission::Write && Permission::parse("pull") == Permission::Read);
    }
}
