#!/usr/bin/env bash
# Installs the MCP client the tests drive `hallmark mcp` with — the official Python
# SDK (`mcp` on PyPI), pinned — into a venv under $HOME/.cache/hallmark-tools (kept
# between runs), and prints the venv's python.
set -euo pipefail

TOOLS="${HALLMARK_TOOLS_DIR:-$HOME/.cache/hallmark-tools}"
PIN="mcp==2.3.0"
VENV="${TOOLS}/mcp-client"
STAMP="${VENV}/installed-$(printf '%s' "${PIN}" | sha256sum | cut -c1-16)"

if [ ! -e "${STAMP}" ]; then
  echo "installing the MCP client (${PIN}) into ${VENV}" >&2
  rm -rf "${VENV}"
  python3 -m venv "${VENV}"
  "${VENV}/bin/pip" install -q --disable-pip-version-check "${PIN}" >&2
  touch "${STAMP}"
fi
echo "${VENV}/bin/python"
