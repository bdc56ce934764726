#!/usr/bin/env bash
# The MCP client the tests drive `hallmark mcp` with — the official Python SDK (`mcp`
# on PyPI), pinned — installed by python-tool.sh; prints the venv's python.
exec "$(dirname "$0")/python-tool.sh" mcp-client python mcp==2.3.0
