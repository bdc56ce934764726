//! The files a team copies (the action, the example workflow, the GitLab template) and
//! the project's workflows, read as the runners read them and checked against what
//! `hallmark ci` really accepts and writes: a renamed flag or output fails here, not in
//! a team's pipeline.

use hallmark::ci::outputs::OUTPUT_NAMES;
use serde_norway::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn yaml(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

fn ci_help() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hallmark"))
        .args(["ci", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The action's step that runs `hallmark ci`.
fn check_step(action: &Value) -> &Value {
    action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| text(&s["id"]) == "check")
        .expect("a step with id `check`")
}

#[test]
fn every_action_input_reaches_a_flag_hallmark_ci_has() {
    let action = yaml("action.yml");
    let help = ci_help();
    let step = check_step(&action);
    let script = text(&step["run"]);
    // input → (the flag it becomes, or None for the positional path)
    let flags = [
        ("path", None),
        ("products", Some("--products")),
        ("level", Some("--level")),
        ("warehouse-config", Some("--config")),
        ("comment", Some("--comment")),
        ("fail-on", Some("--fail-on")),
        ("cache", Some("--no-cache")),
        ("diff", Some("--no-diff")),
        ("dbt", Some("--dbt")),
    ];
    let inputs: BTreeSet<String> = action["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| text(k).to_string())
        .collect();
    let known: BTreeSet<String> = flags
        .iter()
        .map(|(i, _)| i.to_string())
        .chain(["version".into(), "token".into()])
        .collect();
    assert_eq!(inputs, known, "every input is passed on");
    for (input, flag) in flags {
        let env = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert_eq!(
            text(&step["env"][env.as_str()]),
            format!("${{{{ inputs.{input} }}}}"),
            "{input} reaches the step as {env}"
        );
        assert!(script.contains(&format!("\"${{{env}}}\"")), "{env} is used: {script}");
        if let Some(flag) = flag {
            assert!(help.contains(flag), "hallmark ci has {flag}");
            assert!(script.contains(flag), "the script passes {flag}");
        }
    }
    // The defaults are values the flags accept.
    for input in ["comment", "fail-on"] {
        let default = text(&action["inputs"][input]["default"]);
        assert!(help.contains(default), "`{default}` is a value of --{input}:\n{help}");
    }
    assert_eq!(text(&step["env"]["GITHUB_TOKEN"]), "${{ inputs.token }}");
    // `dbt: build` builds the compiled SQL in the sandbox.
    assert!(help.contains("--build") && script.contains("--dbt --build"), "{script}");
}

#[test]
fn the_action_outputs_are_the_ones_hallmark_ci_sets() {
    let action = yaml("action.yml");
    let outputs: BTreeSet<String> = action["outputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| text(k).to_string())
        .collect();
    assert_eq!(outputs, OUTPUT_NAMES.iter().map(|s| s.to_string()).collect());
    for name in OUTPUT_NAMES {
        assert_eq!(
            text(&action["outputs"][name]["value"]),
            format!("${{{{ steps.check.outputs.{name} }}}}")
        );
    }
}

#[test]
fn the_release_builds_every_target_the_action_installs_under_the_name_it_downloads() {
    let action = yaml("action.yml");
    let install: String = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| text(&s["run"]).to_string())
        .collect();
    let wanted: BTreeSet<String> = install
        .lines()
        .filter_map(|l| l.split("target=").nth(1))
        .map(|t| {
            t.split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_end_matches(';')
                .to_string()
        })
        .filter(|t| !t.starts_with('$'))
        .collect();
    let release = yaml(".github/workflows/release.yml");
    let built: BTreeSet<String> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| text(&m["target"]).to_string())
        .collect();
    assert_eq!(wanted, built);
    let packaged: String = release["jobs"]["build"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| text(&s["run"]).to_string())
        .collect();
    for name in [
        r#"asset="hallmark-${TAG}-${TARGET}.tar.gz""#,
        r#"shasum -a 256 "${asset}" > "${asset}.sha256""#,
    ] {
        assert!(packaged.contains(name), "{name} in\n{packaged}");
    }
    assert!(
        install.contains(r#"asset="hallmark-${VERSION}-${TARGET}.tar.gz""#) && install.contains("shasum -a 256 -c")
    );
    let ci = yaml(".github/workflows/ci.yml");
    let runs: String = ci["jobs"]["test"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| text(&s["run"]).to_string())
        .collect();
    assert!(runs.contains(".ci/run"), "{runs}");
}

#[test]
fn the_example_workflows_have_the_documented_permissions_and_use_only_real_inputs() {
    for file in ["deploy/github/hallmark.yml", "deploy/github/hallmark-dbt.yml"] {
        example_workflow(file);
    }
    // The dbt one builds with dbt before Hallmark reads the manifest.
    let workflow = yaml("deploy/github/hallmark-dbt.yml");
    let steps = workflow["jobs"]["hallmark"]["steps"].as_sequence().unwrap();
    let dbt_build = steps.iter().position(|s| text(&s["run"]).starts_with("dbt build"));
    let ours = steps.iter().position(|s| text(&s["uses"]).contains("/hallmark@"));
    assert!(dbt_build.is_some() && dbt_build < ours, "dbt builds first");
    assert_eq!(text(&steps[ours.unwrap()]["with"]["dbt"]), "true");
}

fn example_workflow(file: &str) {
    let workflow = yaml(file);
    let permissions = &workflow["permissions"];
    assert_eq!(text(&permissions["checks"]), "write");
    assert_eq!(text(&permissions["pull-requests"]), "write");
    assert_eq!(text(&permissions["contents"]), "read");
    assert!(workflow["on"].get("pull_request").is_some(), "it runs on pull requests");
    let steps = workflow["jobs"]["hallmark"]["steps"].as_sequence().unwrap();
    let checkout = steps
        .iter()
        .find(|s| text(&s["uses"]).starts_with("actions/checkout@"))
        .unwrap();
    assert_eq!(
        checkout["with"]["fetch-depth"].as_u64(),
        Some(0),
        "the base must be fetched"
    );
    let ours = steps
        .iter()
        .find(|s| text(&s["uses"]).contains("/hallmark@"))
        .expect("the action");
    let action = yaml("action.yml");
    for key in ours["with"].as_mapping().unwrap().keys() {
        assert!(
            action["inputs"].get(text(key)).is_some(),
            "{} is an input of the action",
            text(key)
        );
    }
}

#[test]
fn the_gitlab_template_wires_the_reports_hallmark_ci_writes() {
    let template = yaml("deploy/gitlab/hallmark.gitlab-ci.yml");
    // `hallmark` is `.hallmark` in the `test` stage; a pipeline of other stages
    // extends `.hallmark` itself.
    assert_eq!(text(&template["hallmark"]["extends"]), ".hallmark");
    assert_eq!(text(&template["hallmark"]["stage"]), "test");
    let job = &template[".hallmark"];
    let script = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| text(l).to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let after = |flag: &str| -> String {
        script
            .split(flag)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(script.contains("hallmark ci"), "{script}");
    // HALLMARK_DBT reaches the flags `hallmark ci` has.
    assert_eq!(text(&template["variables"]["HALLMARK_DBT"]), "false");
    assert!(
        script.contains("--dbt --build") && ci_help().contains("--build"),
        "{script}"
    );
    let help = ci_help();
    for flag in ["--junit", "--codequality"] {
        assert!(help.contains(flag), "hallmark ci has {flag}");
    }
    let reports = &job["artifacts"]["reports"];
    assert_eq!(text(&reports["junit"]), after("--junit"));
    assert_eq!(text(&reports["codequality"]), after("--codequality"));
    assert_eq!(
        text(&job["artifacts"]["when"]),
        "always",
        "failing jobs keep their reports"
    );
    assert_eq!(text(&job["variables"]["GIT_DEPTH"]), "0");
    let setup = job["before_script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| text(l).to_string())
        .collect::<String>();
    assert!(setup.contains("sha256sum -c"), "the download is verified: {setup}");
}
