//! Slash commands in issue and pull-request comments: `/hallmark <verb> [args]`, or a
//! bare `/<verb>` when the repository allows it. Comment text is untrusted, so the
//! parser is strict: one command per comment, quoted lines and code blocks are never
//! commands (a reply quoting someone's `/hallmark promote` must not run it), and every
//! mistake comes back as an error that can be answered in a comment.

use hallmark_checks::Level;

/// What a comment asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Promote a source (or the issue's request) to a level.
    Promote {
        /// The level, when given.
        level: Option<Level>,
        /// The source, when given.
        source: Option<String>,
    },
    /// Re-run the agent on the pull request's branch with this feedback.
    Revise {
        /// The reviewer's words.
        feedback: String,
    },
    /// Check the pull request's products again.
    Recheck,
    /// Explain one standard.
    Explain {
        /// Its id, e.g. `SLV-003`.
        standard: String,
    },
    /// On a pull request that changes the standards: one pull request per product that
    /// no longer meets them, with the product revised.
    Fix,
    /// Cancel the running job.
    Cancel,
    /// List the commands.
    Help,
}

impl Command {
    /// True for verbs that change something (run a job, push, cancel): only users with
    /// write access may run them.
    pub fn changes_anything(&self) -> bool {
        matches!(
            self,
            Command::Promote { .. } | Command::Revise { .. } | Command::Recheck | Command::Fix | Command::Cancel
        )
    }

    /// The verb, as typed.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Promote { .. } => "promote",
            Command::Revise { .. } => "revise",
            Command::Recheck => "recheck",
            Command::Fix => "fix",
            Command::Explain { .. } => "explain",
            Command::Cancel => "cancel",
            Command::Help => "help",
        }
    }
}

/// The verbs, for suggestions and bare-command detection.
pub const VERBS: &[&str] = &["promote", "revise", "recheck", "fix", "explain", "cancel", "help"];

/// Our verbs that are also GitLab quick actions: bare `/promote` turns an issue into an
/// epic on GitLab Premium (and GitLab strips the line from the note), so on GitLab only
/// `/hallmark promote` is ours.
pub const GITLAB_QUICK_ACTIONS: &[&str] = &["promote"];

/// The help text posted for `/hallmark help` and after a mistake.
pub const HELP: &str = "\
| command | what it does |
|---|---|
| `/hallmark promote [silver\\|gold] [source]` | draft the product this issue asks for and open a pull request |
| `/hallmark revise <feedback>` | re-run the agent on this pull request with your feedback |
| `/hallmark recheck` | check this pull request's products again |
| `/hallmark fix` | on a pull request that changes the standards: open a pull request per product that no longer meets them, revised |
| `/hallmark explain <standard-id>` | explain a standard and how it is checked |
| `/hallmark cancel` | cancel the running job |
| `/hallmark help` | this list |

Bare `/<verb>` works too where the repository allows it, except `/promote` on GitLab, which is GitLab's own quick action: write `/hallmark promote` there.
";

/// A command that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// `/hallmark <verb>` with a verb Hallmark does not have.
    #[error("`{verb}` is not a Hallmark command{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownVerb {
        /// What was typed.
        verb: String,
        /// The closest verb, when one is close.
        suggestion: Option<&'static str>,
    },
    /// A required argument is missing.
    #[error("`{verb}` needs {what}")]
    Missing {
        /// The verb.
        verb: &'static str,
        /// What is missing.
        what: &'static str,
    },
    /// An argument is wrong.
    #[error("`{verb}`: {message}")]
    BadArgument {
        /// The verb.
        verb: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// How commands are recognised in a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// Accept `/promote` as well as `/hallmark promote`.
    pub bare_verbs: bool,
}

impl Default for Syntax {
    fn default() -> Self {
        Self { bare_verbs: true }
    }
}

/// A comment's command as the queue keeps it: the command or what is wrong with it,
/// and whether it was written as a bare `/<verb>` (which a repository may turn off).
/// `/hallmark <verb>` is looked for first, so a bare verb only counts where the full
/// form is absent.
pub fn command_in(text: &str, syntax: Syntax) -> Option<(Result<Command, String>, bool)> {
    let strict = parse_comment(text, Syntax { bare_verbs: false });
    let bare = strict.is_none();
    let parsed = strict.or_else(|| parse_comment(text, syntax))?;
    Some((parsed.map_err(|e| e.to_string()), bare))
}

/// The command in a comment: `None` when there is none, else the first one, parsed.
pub fn parse_comment(text: &str, syntax: Syntax) -> Option<Result<Command, CommandError>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut fence: Option<String> = None;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if let Some(f) = &fence {
            if line.starts_with(f.as_str()) {
                fence = None;
            }
            continue;
        }
        if line.starts_with("```") || line.starts_with("~~~") {
            fence = Some(line.chars().take_while(|c| *c == '`' || *c == '~').collect());
            continue;
        }
        if line.starts_with('>') {
            continue;
        }
        let words = if let Some(rest) = line.strip_prefix("/hallmark") {
            if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
                continue;
            }
            let rest = rest.trim_start();
            if rest.is_empty() {
                return Some(Ok(Command::Help));
            }
            rest
        } else if let Some(rest) = line.strip_prefix('/').filter(|_| syntax.bare_verbs) {
            let verb = rest.split_whitespace().next().unwrap_or_default().to_lowercase();
            if !VERBS.contains(&verb.as_str()) {
                // `/foo` may be another bot's command; only `/hallmark foo` is ours.
                continue;
            }
            rest
        } else {
            continue;
        };
        let following = lines[i + 1..].join("\n");
        return Some(parse_words(words, &following));
    }
    None
}

/// Parses `verb args...`; `following` is the rest of the comment (free text for revise).
fn parse_words(words: &str, following: &str) -> Result<Command, CommandError> {
    let mut parts = words.split_whitespace();
    let verb_typed = parts.next().unwrap_or_default();
    let verb = verb_typed.to_lowercase();
    let args: Vec<&str> = parts.collect();
    let no_args = |verb: &'static str, cmd: Command| {
        if args.is_empty() {
            Ok(cmd)
        } else {
            Err(CommandError::BadArgument {
                verb,
                message: format!("takes no arguments, but got `{}`", args.join(" ")),
            })
        }
    };
    match verb.as_str() {
        "promote" => parse_promote(&args),
        "revise" => {
            let first = words[verb_typed.len()..].trim();
            let feedback = [first, following.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("\n");
            if feedback.is_empty() {
                Err(CommandError::Missing {
                    verb: "revise",
                    what: "feedback: what should change, e.g. `/hallmark revise make country_code ISO-3166 alpha-2`",
                })
            } else {
                Ok(Command::Revise { feedback })
            }
        }
        "recheck" => no_args("recheck", Command::Recheck),
        "fix" => no_args("fix", Command::Fix),
        "cancel" => no_args("cancel", Command::Cancel),
        "help" => no_args("help", Command::Help),
        "explain" => match args.as_slice() {
            [] => Err(CommandError::Missing {
                verb: "explain",
                what: "a standard id, e.g. `/hallmark explain SLV-003`",
            }),
            [id] if is_standard_id(id) => Ok(Command::Explain {
                standard: id.to_string(),
            }),
            [id] => Err(CommandError::BadArgument {
                verb: "explain",
                message: format!("`{id}` is not a standard id like `SLV-003`"),
            }),
            more => Err(CommandError::BadArgument {
                verb: "explain",
                message: format!("takes one standard id, but got `{}`", more.join(" ")),
            }),
        },
        _ => Err(CommandError::UnknownVerb {
            suggestion: closest_verb(&verb),
            verb: verb_typed.chars().take(40).collect(),
        }),
    }
}

fn parse_promote(args: &[&str]) -> Result<Command, CommandError> {
    let mut level = None;
    let mut source: Option<String> = None;
    for a in args {
        match a.to_lowercase().as_str() {
            "silver" | "gold" if level.is_none() => {
                level = Some(if a.eq_ignore_ascii_case("gold") { Level::Gold } else { Level::Silver })
            }
            "bronze" => {
                return Err(CommandError::BadArgument {
                    verb: "promote",
                    message: "bronze is what Hallmark reads; promote to `silver` or `gold`".into(),
                })
            }
            _ if source.is_none() && is_source(a) => source = Some(a.to_string()),
            _ => {
                return Err(CommandError::BadArgument {
                    verb: "promote",
                    message: format!(
                        "`{}` is neither a level (`silver`, `gold`) nor a source like `bronze/orders.csv` or `silver.orders`, or it is one too many",
                        a.chars().take(80).collect::<String>()
                    ),
                })
            }
        }
    }
    Ok(Command::Promote { level, source })
}

/// `SLV-003`, `GLD-1`, `DQ-12`.
fn is_standard_id(s: &str) -> bool {
    let mut parts = s.splitn(2, '-');
    let (Some(head), Some(num)) = (parts.next(), parts.next()) else {
        return false;
    };
    !head.is_empty()
        && head.len() <= 16
        && head.chars().all(|c| c.is_ascii_alphanumeric())
        && head.starts_with(|c: char| c.is_ascii_alphabetic())
        && !num.is_empty()
        && num.len() <= 8
        && num.chars().all(|c| c.is_ascii_digit())
}

/// A file path or a relation name, without anything a shell or SQL would read: the
/// test for a source named in a comment or in the request form.
pub fn is_source(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !s.split('/').any(|p| p == "..")
        && !s.starts_with('/')
}

/// The verb at most two edits away from `typed`.
fn closest_verb(typed: &str) -> Option<&'static str> {
    VERBS
        .iter()
        .map(|v| (edit_distance(typed, v), *v))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, v)| v)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Result<Command, CommandError>> {
        parse_comment(text, Syntax::default())
    }

    #[test]
    fn every_verb_parses() {
        assert_eq!(
            parse("/hallmark promote gold silver.orders"),
            Some(Ok(Command::Promote {
                level: Some(Level::Gold),
                source: Some("silver.orders".into())
            }))
        );
        assert_eq!(
            parse("/promote bronze/orders.csv"),
            Some(Ok(Command::Promote {
                level: None,
                source: Some("bronze/orders.csv".into())
            }))
        );
        assert_eq!(
            parse("Thanks!\n/hallmark revise make country_code ISO-3166 alpha-2\nand keep refunds"),
            Some(Ok(Command::Revise {
                feedback: "make country_code ISO-3166 alpha-2\nand keep refunds".into()
            }))
        );
        assert_eq!(parse("/hallmark recheck"), Some(Ok(Command::Recheck)));
        assert_eq!(
            parse("/hallmark explain SLV-003"),
            Some(Ok(Command::Explain {
                standard: "SLV-003".into()
            }))
        );
        assert_eq!(parse("/cancel"), Some(Ok(Command::Cancel)));
        assert_eq!(parse("/hallmark"), Some(Ok(Command::Help)));
        assert_eq!(
            parse("/HALLMARK HELP"),
            None,
            "the prefix is lower case, as typed by people and docs"
        );
    }

    #[test]
    fn quotes_code_and_other_bots_are_not_commands() {
        assert_eq!(parse("> /hallmark promote\nI agree"), None);
        assert_eq!(parse("```\n/hallmark promote\n```"), None);
        assert_eq!(parse("~~~sh\n/promote\n~~~\n"), None);
        assert_eq!(parse("/deploy now"), None);
        assert_eq!(parse("/hallmarkpromote"), None);
        assert_eq!(parse("see /hallmark promote"), None, "only a line that starts with it");
        assert_eq!(parse_comment("/promote", Syntax { bare_verbs: false }), None);
        assert_eq!(
            parse_comment("/hallmark promote", Syntax { bare_verbs: false }),
            Some(Ok(Command::Promote {
                level: None,
                source: None
            }))
        );
    }

    #[test]
    fn mistakes_name_the_problem() {
        let err = |t: &str| parse(t).unwrap().unwrap_err().to_string();
        assert_eq!(
            err("/hallmark promot"),
            "`promot` is not a Hallmark command; did you mean `promote`?"
        );
        assert_eq!(err("/hallmark deploy"), "`deploy` is not a Hallmark command");
        assert_eq!(
            err("/hallmark revise"),
            "`revise` needs feedback: what should change, e.g. `/hallmark revise make country_code ISO-3166 alpha-2`"
        );
        assert_eq!(
            err("/hallmark explain"),
            "`explain` needs a standard id, e.g. `/hallmark explain SLV-003`"
        );
        assert_eq!(
            err("/hallmark explain drop"),
            "`explain`: `drop` is not a standard id like `SLV-003`"
        );
        assert_eq!(
            err("/hallmark recheck now"),
            "`recheck`: takes no arguments, but got `now`"
        );
        assert!(err("/hallmark promote silver a b").contains("`b` is neither a level"));
        assert!(err("/hallmark promote ../etc/passwd").contains("`../etc/passwd` is neither"));
        assert!(err("/hallmark promote 'x';drop").contains("is neither"));
        assert_eq!(
            err("/hallmark promote bronze"),
            "`promote`: bronze is what Hallmark reads; promote to `silver` or `gold`"
        );
    }

    #[test]
    fn only_changing_verbs_need_write_access() {
        assert!(Command::Recheck.changes_anything());
        assert!(!Command::Help.changes_anything());
        assert!(!Command::Explain { standard: "X-1".into() }.changes_anything());
    }

    proptest::proptest! {
        #[test]
        fn the_parser_never_panics(text in "\\PC{0,300}") {
            let _ = parse_comment(&text, Syntax::default());
        }

        #[test]
        fn any_hallmark_line_gets_an_answer(rest in "[a-zA-Z0-9 ./_-]{0,60}") {
            let parsed = parse_comment(&format!("/hallmark {rest}"), Syntax::default());
            proptest::prop_assert!(parsed.is_some());
        }
    }
}
