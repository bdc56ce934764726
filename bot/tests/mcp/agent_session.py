"""An outside agent driving `hallmark mcp` through the official Python MCP SDK.

It promotes the retail example's orders from profile to a green checklist using
only the server's tools: reads the standards, profiles bronze, queries it, writes a
first draft, checks it, revises what failed and checks again. Then it tries what an
agent must not be able to do, asks for the impact and the diff of a change in a second
repository, drafts with Hallmark's own drafter, and cancels a check that would run for
minutes. Every step's answer goes into a JSON report on stdout, which the Rust test
reads; a step that goes wrong stops the script with a message naming it.

    python agent_session.py HALLMARK REPO FIRST_DRAFT_DIR CHANGED_REPO
"""

import json
import os
import sys
import time

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

HALLMARK, REPO, FIRST_DRAFT, CHANGED = sys.argv[1:5]

# What the agent knows of the world: country names to ISO 3166-1 alpha-2 codes.
COUNTRY_CODES = {
    "spain": "ES", "france": "FR", "netherlands": "NL", "the netherlands": "NL",
    "united kingdom": "GB", "uk": "GB", "germany": "DE", "deutschland": "DE",
    "united states": "US", "united states of america": "US", "usa": "US",
}

EXPECTED_TOOLS = {
    "list_products", "standards", "explain", "profile_source", "query", "check",
    "impact", "diff", "draft", "write_product_file",
}

report = {}


def fail(message):
    raise SystemExit(f"agent session: {message}")


def text(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def call(session, name, args, progress=None):
    result = await session.call_tool(name, args, progress_callback=progress)
    if result.is_error:
        fail(f"{name} {json.dumps(args)[:200]} was refused: {text(result)}")
    if result.structured_content is None:
        fail(f"{name} answered without structured content: {text(result)}")
    return result


async def refused(session, name, args):
    """The refusal's message; the call must be refused."""
    try:
        result = await session.call_tool(name, args)
    except MCPError as e:
        return f"protocol error: {e.error.message}"
    if not result.is_error:
        fail(f"{name} {json.dumps(args)[:200]} should have been refused, got: {text(result)[:300]}")
    return text(result)


def server_pid():
    """The `hallmark mcp REPO` process this session started."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if len(args) >= 3 and args[1] == b"mcp" and args[2] == REPO.encode():
            return pid
    fail("the server process was not found")


def warehouse_workers(parent):
    """The warehouse child processes of `parent` that are still running."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read()
        except OSError:
            continue
        # fields[0] is the state, fields[1] the parent; a zombie is no longer running.
        if fields[1] == parent and fields[0] != "Z" and b"warehouse-worker" in args:
            found.append(pid)
    return found


async def tools_and_schemas(session):
    tools = (await session.list_tools()).tools
    names = {t.name for t in tools}
    if names != EXPECTED_TOOLS:
        fail(f"tools are {sorted(names)}, expected {sorted(EXPECTED_TOOLS)}")
    schemas = {t.name: t.input_schema for t in tools}
    for name, schema in schemas.items():
        if schema.get("type") != "object":
            fail(f"{name}'s input schema is not an object: {schema}")
    report["query_schema"] = schemas["query"]
    report["write_schema"] = schemas["write_product_file"]


async def promotion(session):
    products = (await call(session, "list_products", {})).structured_content["products"]
    report["products_before"] = products

    standards = (await call(session, "standards", {"level": "silver"})).structured_content["standards"]
    report["standards"] = [
        {"id": s["id"], "rule": s["rule"] is not None, "applies_to": s["applies_to"]} for s in standards
    ]
    explained = await call(session, "explain", {"standard": "SLV-005"})
    report["explain"] = text(explained)

    profiled = (await call(session, "profile_source", {"source": "bronze/orders.csv"})).structured_content
    report["profile"] = {
        "source": profiled["source"],
        "rows": profiled["profile"]["rows"],
        "columns": [c["name"] for c in profiled["profile"]["columns"]],
        "readings": {c["name"]: [r["reading"] for r in c["readings"]] for c in profiled["profile"]["columns"]},
    }
    relation = profiled["source"]

    countries = await call(session, "query", {"sql": f'SELECT DISTINCT "Ship Country" FROM {relation} ORDER BY 1'})
    spellings = [row[0] for row in countries.structured_content["rows"]]
    report["country_spellings"] = spellings

    # Round 1: a first draft as a person would write it.
    spec = open(os.path.join(FIRST_DRAFT, "silver.yml")).read()
    sql = open(os.path.join(FIRST_DRAFT, "silver.sql")).read()
    for path, content in [("products/orders/silver.yml", spec), ("products/orders/silver.sql", sql)]:
        await call(session, "write_product_file", {"path": path, "content": content})
    first = await call(session, "check", {"product": "orders"})
    failed = sorted({
        r["standard_id"]
        for p in first.structured_content["checklist"]["products"]
        for r in p["results"]
        if r["status"] in ("fail", "error")
    })
    report["round1"] = {"passed": first.structured_content["passed"], "failed": failed, "text": text(first)}

    # Round 2: what failed, fixed. Countries to codes (every spelling the query found),
    # refunds as a flag beside a non-negative amount, statuses in lower case, and the
    # status column documented.
    cases = []
    for spelling in spellings:
        key = spelling.strip().lower()
        code = COUNTRY_CODES.get(key) or (key.upper() if len(key) == 2 else None)
        if code is None:
            fail(f"the agent has no code for the country {spelling!r}")
        cases.append(f"WHEN '{key}' THEN '{code}'")
    country = 'CASE lower(trim("Ship Country")) ' + " ".join(cases) + " END AS ship_country"
    amount = "CAST(regexp_replace(\"Amount\", '[^0-9.-]', '', 'g') AS DECIMAL(18, 2))"
    for needle in ['trim("Ship Country") AS ship_country', 'trim("Status") AS status', f"{amount} AS amount",
                   "SELECT order_id, customer_id, ordered_at, amount,"]:
        if needle not in sql:
            fail(f"the first draft has no {needle!r} to revise")
    sql = (sql.replace('trim("Ship Country") AS ship_country', country)
           .replace('trim("Status") AS status', 'lower(trim("Status")) AS status')
           .replace(f"{amount} AS amount", f"abs({amount}) AS amount,\n        {amount} < 0 AS is_refund")
           .replace("SELECT order_id, customer_id, ordered_at, amount,",
                    "SELECT order_id, customer_id, ordered_at, amount, is_refund,"))
    spec = (spec.replace("    tags: [status]\n", "    description: Where the order is in its life.\n    tags: [status]\n")
            .replace("  - name: currency\n",
                     "  - name: is_refund\n    type: boolean\n"
                     "    description: True when the shop recorded the order as a refund (a negative amount).\n"
                     "  - name: currency\n"))
    for path, content in [("products/orders/silver.yml", spec), ("products/orders/silver.sql", sql)]:
        await call(session, "write_product_file", {"path": path, "content": content})

    progress = []

    async def on_progress(done, total, message):
        progress.append({"progress": done, "total": total, "message": message})

    second = await call(session, "check", {"product": "orders"}, progress=on_progress)
    report["round2"] = {
        "passed": second.structured_content["passed"],
        "text": text(second),
        "summary": second.structured_content["checklist"]["summary"],
    }
    report["progress"] = progress
    if not second.structured_content["passed"]:
        fail(f"the revised draft still fails: {text(second)}")

    resources = [str(r.uri) for r in (await session.list_resources()).resources]
    report["resources"] = resources
    last = await session.read_resource("hallmark://checklist/last.md")
    report["last_checklist"] = last.contents[0].text
    written = await session.read_resource("hallmark://repository/products/orders/silver.sql")
    report["sql_resource_is_what_was_written"] = written.contents[0].text == sql

    prompt = await session.get_prompt(
        "promote", {"source": "bronze/orders.csv", "level": "silver", "product": "orders"}
    )
    report["prompt"] = prompt.messages[0].content.text


async def refusals(session):
    out = {}
    out["file_function"] = await refused(session, "query", {"sql": "SELECT * FROM read_csv('/etc/passwd')"})
    out["write_statement"] = await refused(session, "query", {"sql": "DELETE FROM bronze.orders"})
    out["missing_table"] = await refused(session, "query", {"sql": "SELECT * FROM bronze.nowhere"})
    out["two_statements"] = await refused(session, "query", {"sql": "SELECT 1; SELECT 2"})
    out["standards_file"] = await refused(
        session, "write_product_file", {"path": "data_standards.md", "content": "# gone\n"}
    )
    out["climb_out"] = await refused(
        session, "write_product_file", {"path": "products/orders/../../../escaped.sql", "content": "x"}
    )
    out["workflow"] = await refused(
        session, "write_product_file", {"path": ".github/workflows/x.yml", "content": "x"}
    )
    out["script"] = await refused(session, "write_product_file", {"path": "products/orders/run.sh", "content": "x"})
    out["unknown_standard"] = await refused(session, "explain", {"standard": "NOPE-1"})
    out["unknown_product"] = await refused(session, "check", {"product": "nope"})
    out["bad_time"] = await refused(session, "check", {"product": "orders", "as_of": "yesterday"})
    out["source_outside"] = await refused(session, "profile_source", {"source": "../../etc/passwd.csv"})
    out["gold_from_bronze"] = await refused(session, "draft", {"source": "bronze/orders.csv", "level": "gold"})
    out["unknown_tool"] = await refused(session, "drop_database", {})
    out["bad_arguments"] = await refused(session, "query", {"statement": "SELECT 1"})
    try:
        await session.read_resource("hallmark://repository/../../etc/passwd")
        fail("a resource outside the repository was read")
    except MCPError as e:
        out["resource_outside"] = e.error.message
    report["refusals"] = out


async def drafting(session):
    drafted = (await call(session, "draft", {"source": "bronze/customers.csv", "level": "silver"})).structured_content
    report["draft"] = {
        "product": drafted["product"],
        "branch": drafted["branch"],
        "commit": drafted["commit"],
        "passed": drafted["passed"],
        "files": sorted(drafted["files"]),
        "rounds": len(drafted["rounds"]),
    }


async def cancellation(session):
    spec = (
        "name: slow\nlevel: silver\ndescription: Sums over every triple of orders, minutes of work.\n"
        "owner: retail-data@example.com\nsources:\n  - name: bronze.orders\n    file: bronze/orders.csv\n"
        "columns:\n  - name: n\n    type: bigint\n    description: A sum.\n"
    )
    sql = (
        'SELECT sum(length(a."Order ID") * length(b."Amount") + length(c."Status")) AS n\n'
        "FROM bronze.orders a, bronze.orders b, bronze.orders c\n"
    )
    await call(session, "write_product_file", {"path": "products/slow/silver.yml", "content": spec})
    await call(session, "write_product_file", {"path": "products/slow/silver.sql", "content": sql})
    server = server_pid()
    seen_running = False
    with anyio.move_on_after(4):
        async with anyio.create_task_group() as group:
            group.start_soon(session.call_tool, "check", {"product": "slow"})
            for _ in range(30):
                await anyio.sleep(0.1)
                seen_running = seen_running or bool(warehouse_workers(server))
            await anyio.sleep(60)
    cancelled_at = time.monotonic()
    left = warehouse_workers(server)
    while left and time.monotonic() - cancelled_at < 10:
        await anyio.sleep(0.1)
        left = warehouse_workers(server)
    report["cancellation"] = {
        "worker_seen_running": seen_running,
        "workers_left": len(left),
        "stopped_within_seconds": round(time.monotonic() - cancelled_at, 2),
    }
    # The server still answers.
    products = (await call(session, "list_products", {})).structured_content["products"]
    report["cancellation"]["answers_after"] = sorted(p["relation"] for p in products)


async def changes(session):
    impact = (await call(session, "impact", {"base": "main", "head": "stricter"})).structured_content
    report["impact"] = {
        "changes": impact["changes"],
        "products": [
            {"product": p["product"], "passed_before": p["passed_before"], "passes_now": p["passes_now"]}
            for p in impact["products"]
        ],
    }
    diff = (await call(session, "diff", {"base": "main", "head": "stricter", "product": "orders"})).structured_content
    report["diff"] = diff["products"]


async def session_on(repo, steps):
    params = StdioServerParameters(command=HALLMARK, args=["mcp", repo], env={**os.environ, "NO_COLOR": "1"})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            report.setdefault("servers", []).append(
                {"name": init.server_info.name, "protocol": init.protocol_version}
            )
            for step in steps:
                await step(session)


async def main():
    await session_on(REPO, [tools_and_schemas, promotion, refusals, drafting, cancellation])
    await session_on(CHANGED, [changes])
    print(json.dumps(report))


anyio.run(main)
