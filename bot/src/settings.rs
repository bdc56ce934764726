//! `bot:` in `.hallmark.yml`: how the bot behaves in one repository, parsed once into
//! one typed value. An unknown or misspelled key (`standards_change: fixes`,
//! `bare_command: false`) is an error that names it, never a setting silently
//! ignored; `hallmark lint` reports it with its line.

use crate::github::permission::Permission;
use serde::{Deserialize, Deserializer};

/// What a change to the standards gets on a pull (merge) request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StandardsChange {
    /// The impact comment.
    #[default]
    Comment,
    /// The impact comment and the fix pull requests, without `/hallmark fix`.
    Fix,
}

/// The repository's `bot:` settings, each with its default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotSettings {
    /// Bare `/<verb>` commands are accepted (`false`: only `/hallmark <verb>`).
    pub bare_commands: bool,
    /// What a standards change gets.
    pub standards_change: StandardsChange,
    /// The least permission that may start a promotion; `None`: the one every
    /// changing verb needs (the server's).
    #[serde(deserialize_with = "permission")]
    pub promote_permission: Option<Permission>,
}

impl Default for BotSettings {
    fn default() -> Self {
        Self {
            bare_commands: true,
            standards_change: StandardsChange::default(),
            promote_permission: None,
        }
    }
}

fn permission<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Permission>, D::Error> {
    let name = String::deserialize(d)?;
    Permission::from_name(&name).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "promote_permission `{name}` is not one of read, triage, write, maintain, admin"
        ))
    })
}

/// A `bot:` section that cannot be read, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}bot: {message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct SettingsError {
    /// The line of `.hallmark.yml`, when the text was read.
    pub line: Option<usize>,
    /// What is wrong, naming the key.
    pub message: String,
}

impl BotSettings {
    /// The `bot:` settings of a `.hallmark.yml`'s text (the defaults without one).
    pub fn from_text(text: &str) -> Result<BotSettings, SettingsError> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            bot: Option<BotSettings>,
        }
        if text.trim().is_empty() {
            return Ok(BotSettings::default());
        }
        serde_norway::from_str::<File>(text)
            .map(|f| f.bot.unwrap_or_default())
            .map_err(|e| SettingsError {
                line: e.location().map(|l| l.line()),
                message: strip_location(&e.to_string()),
            })
    }

    /// The settings of an already parsed `bot:` value (`None`: the defaults).
    pub fn from_value(bot: Option<&serde_norway::Value>) -> Result<BotSettings, SettingsError> {
        match bot {
            None | Some(serde_norway::Value::Null) => Ok(BotSettings::default()),
            Some(v) => serde_norway::from_value(v.clone()).map_err(|e| SettingsError {
                line: None,
                message: strip_location(&e.to_string()),
            }),
        }
    }
}

/// serde_norway's message without its `at line N column M` (the line is reported on
/// its own) and without the `bot: ` it may start with.
fn strip_location(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    message.trim_start_matches("bot: ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_reads_and_defaults_hold() {
        assert_eq!(BotSettings::from_text("").unwrap(), BotSettings::default());
        assert_eq!(
            BotSettings::from_text("standards: x.md\n").unwrap(),
            BotSettings::default()
        );
        let s = BotSettings::from_text(
            "bot:\n  bare_commands: false\n  standards_change: fix\n  promote_permission: triage\n",
        )
        .unwrap();
        assert_eq!(
            s,
            BotSettings {
                bare_commands: false,
                standards_change: StandardsChange::Fix,
                promote_permission: Some(Permission::Triage),
            }
        );
    }

    #[test]
    fn a_misspelled_key_or_value_is_named_with_its_line() {
        let e = BotSettings::from_text("standards: x.md\nbot:\n  bare_command: false\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("unknown field `bare_command`"), "{e}");
        assert!(e.message.contains("bare_commands"), "the keys it knows: {e}");
        let e = BotSettings::from_text("bot:\n  standards_change: fixes\n").unwrap_err();
        assert!(e.message.contains("fixes") && e.message.contains("fix"), "{e}");
        assert_eq!(e.line, Some(2));
        let e = BotSettings::from_text("bot:\n  promote_permission: everyone\n").unwrap_err();
        assert!(
            e.to_string().contains("line 2: bot: promote_permission `everyone`"),
            "{e}"
        );
        let v: serde_norway::Value = serde_norway::from_str("{bare_commands: nope}").unwrap();
        assert!(BotSettings::from_value(Some(&v)).is_err());
    }
}
