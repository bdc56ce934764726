#!/usr/bin/env bash
# Checks Hallmark's deploy and CI files with the tools their users run, installed by
# scripts/deploy-tools.sh: actionlint (with shellcheck) and GitHub's schemas for the
# workflows and the action, hadolint for the image, docker compose for compose.yml,
# gitlab-ci-local and GitLab's schema for the CI template, helm for the chart — every
# documented configuration rendered and validated against the Kubernetes schemas, the
# restricted Pod Security Standard and the Prometheus operator's ServiceMonitor. Each
# tool also gets a control case, a planted mistake it must refuse, so a check that
# cannot fail does not pass for one. Exits 1 when anything is wrong. `.ci/run` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_BIN="$(scripts/deploy-tools.sh)"
export PATH="${TOOLS_BIN}:${PATH}"
TOOLS="${TOOLS_BIN%/bin}"
export NODE_PATH="${TOOLS}/npm/node_modules"
PY="${TOOLS}/venv/bin/python"
CHART=deploy/helm/hallmark
HERE=scripts/deploy-checks
work=$(mktemp -d)
trap 'rm -rf "${work}"' EXIT
failed=0

# pass NAME COMMAND...: the check must succeed.
pass() {
  local name=$1
  shift
  if "$@" >"${work}/out" 2>&1; then
    echo "ok       ${name}"
  else
    echo "FAILED   ${name}"
    sed 's/^/    /' "${work}/out"
    failed=$((failed + 1))
  fi
}

# refuse NAME COMMAND...: a control case, which the tool must refuse.
refuse() {
  local name=$1
  shift
  if "$@" >"${work}/out" 2>&1; then
    echo "FAILED   control: ${name} was accepted"
    sed 's/^/    /' "${work}/out"
    failed=$((failed + 1))
  else
    echo "ok       control: ${name} is refused"
  fi
}

# planted FILE SED-EXPRESSION: a copy of FILE under ${work} with one mistake planted.
planted() {
  local out
  out="${work}/planted-$(date +%s%N)-$(basename "$1")"
  sed -e "$2" "$1" >"${out}"
  cmp -s "$1" "${out}" && { echo "the planted mistake changed nothing in $1" >&2; exit 2; }
  echo "${out}"
}

echo "== GitHub workflows and the action"
workflows=(.github/workflows/ci.yml .github/workflows/release.yml deploy/github/hallmark.yml deploy/github/hallmark-dbt.yml)
pass "actionlint (and shellcheck) on the workflows" actionlint "${workflows[@]}"
refuse "a Node 20 action (actionlint)" actionlint "$(planted .github/workflows/ci.yml 's#actions/checkout@v5#actions/checkout@v4#')"
pass "GitHub's workflow schema" check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
refuse "a job timeout that is not a number (workflow schema)" check-jsonschema --builtin-schema vendor.github-workflows \
  "$(planted .github/workflows/ci.yml 's#timeout-minutes: 90#timeout-minutes: soon#')"
pass "GitHub's action schema" check-jsonschema --builtin-schema vendor.github-actions action.yml
refuse "an action on an unknown runtime (action schema)" check-jsonschema --builtin-schema vendor.github-actions \
  "$(planted action.yml 's#using: composite#using: node12x#')"
pass "GitHub's issue form schema" check-jsonschema --builtin-schema vendor.github-issue-forms deploy/github/request-data-product.yml
refuse "an unknown form field type (issue form schema)" check-jsonschema --builtin-schema vendor.github-issue-forms \
  "$(planted deploy/github/request-data-product.yml '0,/type: input/s//type: inputbox/')"
# The action's `run:` scripts (actionlint reads workflows only) and its install step,
# run as a runner would run it: the repository comes from GITHUB_ACTION_PATH when
# github.action_repository is empty, as it may be in a composite action.
"${PY}" - action.yml "${work}/action" <<'EOF'
import pathlib, sys
from ruamel.yaml import YAML
steps = YAML(typ="safe").load(open(sys.argv[1]))["runs"]["steps"]
out = pathlib.Path(sys.argv[2]); out.mkdir()
for n, step in enumerate(s for s in steps if "run" in s):
    (out / f"step{n}.sh").write_text("#!/usr/bin/env bash\n" + step["run"])
EOF
pass "shellcheck on the action's scripts" shellcheck "${work}"/action/step*.sh
install_step() { # GITHUB_ACTION_PATH ACTION_REPOSITORY: prints the repository the step derives
  env -i PATH="${PATH}" RUNNER_OS=Linux RUNNER_ARCH=X64 VERSION=v0.1.0 GH_TOKEN=x \
    GITHUB_ACTION_PATH="$1" ACTION_REPOSITORY="$2" GITHUB_WORKSPACE=/home/runner/work/data/data \
    GITHUB_REPOSITORY=acme/data RUNNER_TOOL_CACHE=/opt/hostedtoolcache GITHUB_OUTPUT="${work}/output" \
    bash "${work}/action/step0.sh" && grep -qx "repository=$3" "${work}/output"
}
pass "the action finds its repository without github.action_repository" \
  install_step /home/runner/work/_actions/hallmark-data/hallmark/v0.1.0 "" hallmark-data/hallmark
pass "the action finds its repository when used as ./" install_step /home/runner/work/data/data "" acme/data
refuse "an action path it cannot read a repository from" install_step /somewhere/else "" ""

echo "== The image"
pass "hadolint" hadolint --config .hadolint.yaml deploy/Dockerfile
printf 'FROM debian:latest\nRUN cd /tmp && apt-get install -y curl\n' >"${work}/Dockerfile.bad"
refuse "a latest-tagged base and cd in RUN (hadolint)" hadolint --config .hadolint.yaml "${work}/Dockerfile.bad"

echo "== compose"
mkdir -p "${work}/compose"
cp -r deploy "${work}/compose/deploy"
cp deploy/.env.example "${work}/compose/deploy/.env"
pass "docker compose config" docker-compose -f "${work}/compose/deploy/compose.yml" config -q
pass "the compose specification's schema" check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yml
sed -e 's#condition: service_healthy#condition: service_sleepy#' deploy/compose.yml >"${work}/compose/deploy/compose.bad.yml"
refuse "an unknown depends_on condition (docker compose)" docker-compose -f "${work}/compose/deploy/compose.bad.yml" config -q
pass "the bot reaches compose's ClickHouse" grep -q "HALLMARK_CLICKHOUSE_URL: http://clickhouse:8123" deploy/compose.yml

echo "== GitLab CI template"
gitlab_project() { # DIR PIPELINE [TEMPLATE]: a git repository whose .gitlab-ci.yml includes the template
  mkdir -p "$1"
  cp "${3:-deploy/gitlab/hallmark.gitlab-ci.yml}" "$1/hallmark.gitlab-ci.yml"
  printf '%s\n' "$2" >"$1/.gitlab-ci.yml"
  git -C "$1" init -q -b main
  git -C "$1" -c user.name=ci -c user.email=ci@example.com add -A
  git -C "$1" -c user.name=ci -c user.email=ci@example.com commit -qm pipeline
  git -C "$1" remote add origin https://gitlab.example.com/acme/data.git
}
lists_hallmark() { (cd "$1" && gitlab-ci-local --list 2>&1 | tee /dev/stderr | grep -q "^hallmark ") ; }
gitlab_project "${work}/gl-default" 'include: [{local: hallmark.gitlab-ci.yml}]'
pass "gitlab-ci-local: the template in the default stages" lists_hallmark "${work}/gl-default"
# A hidden job (.hallmark) is validated only once a job extends it: the schema reads
# the pipeline as GitLab expands it.
expanded="${work}/gl-default/.gitlab-ci-local/expanded-gitlab-ci.yml"
pass "GitLab's CI schema on the expanded pipeline" check-jsonschema --builtin-schema vendor.gitlab-ci "${expanded}"
refuse "an unknown artifacts 'when' (GitLab CI schema)" check-jsonschema --builtin-schema vendor.gitlab-ci \
  "$(planted "${expanded}" 's#when: always#when: sometimes#')"
gitlab_project "${work}/gl-bad" 'include: [{local: hallmark.gitlab-ci.yml}]' \
  "$(planted deploy/gitlab/hallmark.gitlab-ci.yml 's#when: always#when: sometimes#')"
refuse "an unknown artifacts 'when' (gitlab-ci-local)" lists_hallmark "${work}/gl-bad"
gitlab_project "${work}/gl-stages" 'include: [{local: hallmark.gitlab-ci.yml}]
stages: [build, verify]
hallmark: {stage: verify}'
pass "gitlab-ci-local: the job moved to a stage of the project's own" lists_hallmark "${work}/gl-stages"
gitlab_project "${work}/gl-nostage" 'include: [{local: hallmark.gitlab-ci.yml}]
stages: [build, verify]'
refuse "a pipeline without the job's stage (gitlab-ci-local)" lists_hallmark "${work}/gl-nostage"
"${PY}" - deploy/gitlab/hallmark.gitlab-ci.yml "${work}/gl-before.sh" <<'EOF'
import sys
from ruamel.yaml import YAML
job = YAML(typ="safe").load(open(sys.argv[1]))[".hallmark"]
open(sys.argv[2], "w").write("#!/bin/sh\n" + "\n".join(job["before_script"] + job["script"]) + "\n")
EOF
pass "shellcheck on the template's scripts" shellcheck "${work}/gl-before.sh"

echo "== Helm chart"
pass "helm lint" helm lint --strict "${CHART}"
for values in "${CHART}"/ci/*-values.yaml; do
  name=$(basename "${values}" -values.yaml)
  rendered="${work}/${name}.yaml"
  pass "helm template (${name})" sh -c "helm template hallmark ${CHART} -f ${values} > ${rendered}"
  pass "Kubernetes schemas (${name})" kubernetes-validate --strict --kubernetes-version 1.33.0 "${rendered}"
  helm template hallmark "${CHART}" -f "${values}" --show-only templates/deployment.yaml >"${work}/${name}-deployment.yaml"
  pass "the restricted Pod Security Standard (${name})" \
    check-jsonschema --schemafile "${HERE}/restricted-pod.schema.json" "${work}/${name}-deployment.yaml"
  pass "no flag rendered without a value (${name})" sh -c "! grep -nE -- '- --[a-z-]+=\"?$' ${work}/${name}-deployment.yaml"
  if grep -q "kind: ServiceMonitor" "${rendered}"; then
    pass "the Prometheus operator's ServiceMonitor schema (${name})" sh -c "node ${HERE}/servicemonitor.mjs < ${rendered}"
  fi
done
refuse "two replicas on the SQLite queue (values schema)" helm template hallmark "${CHART}" --set replicaCount=2
refuse "the PostgreSQL queue without its URL (values schema)" helm template hallmark "${CHART}" --set queue.postgres=true
refuse "the PostgreSQL queue without its URL (the template, schema skipped)" \
  helm template hallmark "${CHART}" --set queue.postgres=true --skip-schema-validation
sed -e 's/^  replicas: .*/  replicas: two/' "${work}/replicas-postgres.yaml" >"${work}/bad-replicas.yaml"
refuse "replicas that are not a number (kubernetes-validate)" kubernetes-validate --strict --kubernetes-version 1.33.0 "${work}/bad-replicas.yaml"
sed -e 's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/' "${work}/github-deployment.yaml" >"${work}/bad-pss.yaml"
refuse "a container that may escalate (restricted Pod Security Standard)" \
  check-jsonschema --schemafile "${HERE}/restricted-pod.schema.json" "${work}/bad-pss.yaml"
sed -e 's/interval: 30s/interval: often/' "${work}/replicas-postgres.yaml" >"${work}/bad-monitor.yaml"
refuse "a ServiceMonitor interval that is not a duration" sh -c "node ${HERE}/servicemonitor.mjs < ${work}/bad-monitor.yaml"

if [ "${failed}" -gt 0 ]; then
  echo "${failed} deploy check(s) failed"
  exit 1
fi
echo "every deploy check passed"
