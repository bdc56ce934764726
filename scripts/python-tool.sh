#!/usr/bin/env bash
# Installs a Python tool the tests drive, pinned, into its own venv under
# $HOME/.cache/hallmark-tools (kept between runs; reinstalled when the pins change),
# and prints the path of the venv's EXECUTABLE.
#   usage: python-tool.sh NAME EXECUTABLE PIN...
set -euo pipefail

NAME="$1"
EXECUTABLE="$2"
shift 2
TOOLS="${HALLMARK_TOOLS_DIR:-$HOME/.cache/hallmark-tools}"
VENV="${TOOLS}/${NAME}"
STAMP="${VENV}/installed-$(printf '%s ' "$@" | sha256sum | cut -c1-16)"

if [ ! -e "${STAMP}" ]; then
  echo "installing ${NAME} ($*) into ${VENV}" >&2
  rm -rf "${VENV}"
  python3 -m venv "${VENV}"
  "${VENV}/bin/pip" install -q --disable-pip-version-check "$@" >&2
  touch "${STAMP}"
fi
echo "${VENV}/bin/${EXECUTABLE}"
