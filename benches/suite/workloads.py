"""Generated workloads for the peer suite: tables whose columns, distributions and checks
are drawn from a seed, each with the same checks written twice — as Hallmark standards
and as SodaCL — and with the truth of every check (will it pass or fail?) known from
the generator, not measured by either tool.

A workload is a list of tables (one product each, or a gold product on a silver one).
A column knows the SQL that generates it from the row number `i` and what that SQL
guarantees (null share, bounds, values, the pattern it matches, uniqueness), so each
check drawn for it comes with its expected outcome. Some checks are drawn to fail on
purpose (a `unique` on a low-cardinality column, a pattern one character class too
narrow, `not_null` on a column with nulls): real scans fail, and a failing check makes
both tools fetch samples, which is part of their cost.
"""
from __future__ import annotations

import dataclasses
import random
import string


@dataclasses.dataclass
class Column:
    """One generated column: its SQL over the row number `i` and what the SQL guarantees."""

    name: str
    type: str  # DuckDB's name, as the spec records it
    expr: str
    kind: str  # key, uuid, int, decimal, double, category, code, email, text, timestamp, date
    null_share: float = 0.0
    unique: bool = False
    lo: float | None = None
    hi: float | None = None
    values: list[str] | None = None
    regex: str | None = None  # a pattern every value matches whole
    narrow_regex: str | None = None  # a pattern some values do not match
    max_len: int | None = None
    cardinality: int | None = None


@dataclasses.dataclass
class Check:
    """One check in both languages, with the generator's truth."""

    rule: str  # the Hallmark rule's YAML body (`columns:` and `check:` lines)
    soda: list[str]  # SodaCL lines under `checks for <table>:`
    fails: bool
    title: str


@dataclasses.dataclass
class Table:
    """A product: its deployed table, its source, its SQL, its checks."""

    name: str
    level: str
    columns: list[Column]
    rows: int
    checks: list[Check]
    source_sql: str  # builds the bronze source table `src_<name>` (silver) — DuckDB
    transform: str  # the product's SELECT, from `bronze.src_<name>` or `silver.<x>`
    sources: list[tuple[str, str | None]]  # (name in SQL, table or None for a product)
    primary_key: list[str] | None = None


@dataclasses.dataclass
class Workload:
    """A named set of tables checked in one run."""

    name: str
    tables: list[Table]
    what: str


def _word(rng: random.Random, n: int = 6) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


class Columns:
    """Draws columns; every random choice comes from the seeded `rng`."""

    def __init__(self, rng: random.Random, salt: int):
        self.rng = rng
        self.salt = salt
        self.n = 0

    def _u(self) -> str:
        """A fresh uniform integer in [0, 2^32) for row `i`."""
        self.n += 1
        return f"CAST(hash(i * 7919 + {self.salt * 1000 + self.n}) % 4294967296 AS BIGINT)"

    def _nullable(self, expr: str, share: float) -> str:
        """`expr`, null on about `share` of the rows and always on row 3, so a column
        drawn with nulls has one at any row count."""
        if share <= 0:
            return expr
        cut = int(share * 1_000_000)
        return f"CASE WHEN i = 3 OR {self._u()} % 1000000 < {cut} THEN NULL ELSE {expr} END"

    def _share(self) -> float:
        return self.rng.choice([0.0, 0.0, 0.0, 0.001, 0.02, 0.1])

    def key(self, name: str, rows: int) -> Column:
        return Column(name, "bigint", "i", "key", unique=True, lo=0, hi=rows - 1, cardinality=rows)

    def uuid(self, name: str, rows: int) -> Column:
        return Column(
            name,
            "varchar",
            f"md5(CAST(i * 31 + {self.salt} AS VARCHAR))",
            "uuid",
            unique=True,
            regex="[0-9a-f]{32}",
            narrow_regex="[0-9a-e]{32}",
            max_len=32,
            cardinality=rows,
        )

    def integer(self, name: str) -> Column:
        r = self.rng.choice([10, 1000, 100_000, 10_000_000])
        s = self._share()
        return Column(name, "integer", self._nullable(f"CAST({self._u()} % {r} AS INTEGER)", s), "int", s, lo=0, hi=r - 1, cardinality=r)

    def decimal(self, name: str) -> Column:
        r = self.rng.choice([10_000, 1_000_000, 100_000_000])
        s = self._share()
        expr = f"CAST(({self._u()} % {r}) / 100.0 AS DECIMAL(18,2))"
        return Column(name, "decimal(18,2)", self._nullable(expr, s), "decimal", s, lo=0, hi=(r - 1) / 100, cardinality=r)

    def double(self, name: str) -> Column:
        r = self.rng.choice([1000, 1_000_000])
        s = self._share()
        expr = f"(({self._u()} % {r}) / 7.0 - {r // 14})"
        return Column(name, "double", self._nullable(expr, s), "double", s, lo=-(r // 14) - 1, hi=r / 7.0, cardinality=r)

    def category(self, name: str) -> Column:
        k = self.rng.choice([2, 3, 5, 8, 20])
        vals = sorted({_word(self.rng, self.rng.randint(3, 9)) for _ in range(k)})
        arr = "[" + ", ".join(f"'{v}'" for v in vals) + "]"
        s = self._share()
        expr = f"{arr}[{self._u()} % {len(vals)} + 1]"
        return Column(name, "varchar", self._nullable(expr, s), "category", s, values=vals, max_len=max(map(len, vals)), cardinality=len(vals))

    def code(self, name: str) -> Column:
        prefix = self.rng.choice(["C", "SKU-", "ORD", "X"])
        r = self.rng.choice([1000, 1_000_000, 100_000_000])
        s = self._share()
        digits = len(str(r - 1))
        # Row 0 holds the largest code, all nines, which the narrow pattern refuses.
        expr = f"'{prefix}' || CASE WHEN i = 0 THEN {r - 1} ELSE {self._u()} % {r} END"
        return Column(
            name,
            "varchar",
            self._nullable(expr, s),
            "code",
            s,
            regex=f"{prefix}[0-9]+",
            narrow_regex=f"{prefix}[0-8]+",
            max_len=len(prefix) + digits,
            cardinality=r,
        )

    def email(self, name: str) -> Column:
        r = self.rng.choice([50_000, 5_000_000])
        domains = [f"{_word(self.rng, 5)}.{self.rng.choice(['com', 'org', 'io'])}" for _ in range(3)]
        arr = "[" + ", ".join(f"'{d}'" for d in domains) + "]"
        s = self._share()
        expr = f"'user' || ({self._u()} % {r}) || '@' || {arr}[{self._u()} % 3 + 1]"
        return Column(
            name,
            "varchar",
            self._nullable(expr, s),
            "email",
            s,
            regex="[a-z0-9.]+@[a-z.]+",
            narrow_regex="[a-z]+@[a-z.]+",
            max_len=4 + len(str(r - 1)) + 1 + max(map(len, domains)),
            cardinality=r * 3,
        )

    def text(self, name: str) -> Column:
        n = self.rng.choice([20, 80, 200])
        s = self._share()
        expr = f"repeat('lorem ipsum ', CAST({self._u()} % {n // 12 + 1} AS INTEGER)) || ({self._u()} % 1000)"
        return Column(name, "varchar", self._nullable(expr, s), "text", s, max_len=12 * (n // 12) + 3, cardinality=1000 * (n // 12 + 1))

    def timestamp(self, name: str) -> Column:
        s = self._share()
        expr = f"TIMESTAMP '2024-01-01' + to_seconds(CAST({self._u()} % 63072000 AS BIGINT))"
        return Column(name, "timestamp", self._nullable(expr, s), "timestamp", s, cardinality=63072000)

    def date(self, name: str) -> Column:
        s = self._share()
        expr = f"DATE '2023-01-01' + CAST({self._u()} % 1000 AS INTEGER)"
        return Column(name, "date", self._nullable(expr, s), "date", s, cardinality=1000)

    def any(self, name: str, weights: dict[str, int], rows: int) -> Column:
        kinds = list(weights)
        kind = self.rng.choices(kinds, [weights[k] for k in kinds])[0]
        return self.uuid(name, rows) if kind == "uuid" else getattr(self, kind)(name)


def _rule(col: str | None, check: str) -> str:
    return (f"columns: {{ name: {col} }}\n" if col else "") + f"check: {check}"


def column_checks(c: Column, rng: random.Random, rows: int, failing: bool, shared: bool) -> list[Check]:
    """The checks drawn for column `c`; `failing` lets one of them be a failing one. An
    average is custom SQL, which applies to every product of the level: not drawn where
    products share one (`shared`)."""
    out: list[Check] = []
    n = c.name
    has_nulls = c.null_share > 0

    def add(title, check, soda, fails=False):
        out.append(Check(_rule(n, check), soda, fails, title))

    if rng.random() < (0.3 if has_nulls and failing else 0.6 if not has_nulls else 0):
        add(f"{n} filled", "not_null", [f"- missing_count({n}) = 0"], fails=has_nulls)
    if rng.random() < 0.5:
        # Row 3's null, and five standard deviations of the drawn share.
        spread = 5 * (c.null_share * (1 - c.null_share) / rows) ** 0.5
        cap = round(c.null_share + 1 / rows + spread + 0.001, 4)
        add(f"{n} null share", f"{{ null_ratio: {{ max: {cap} }} }}", [f"- missing_percent({n}) <= {round(cap * 100, 4)}"])
    if rng.random() < 0.3:
        add(
            f"{n} varied",
            "{ distinct_count: { min: 1 } }",
            [f"- distinct_{n} >= 1:", f"    distinct_{n} expression: COUNT(DISTINCT {n})"],
        )
    if c.unique and rng.random() < 0.9:
        add(f"{n} unique", "unique", [f"- duplicate_count({n}) = 0"])
    elif failing and c.cardinality is not None and c.cardinality < rows // 10 and rng.random() < 0.5:
        add(f"{n} unique", "unique", [f"- duplicate_count({n}) = 0"], fails=True)
    if c.lo is not None and rng.random() < 0.7:
        lo, hi = c.lo, c.hi
        add(f"{n} bounded", f"{{ range: {{ min: {lo}, max: {hi} }} }}", [f"- min({n}) >= {lo}", f"- max({n}) <= {hi}"])
    if c.lo is not None and not shared and rng.random() < 0.3:
        lo, hi = c.lo, c.hi
        sql = f"SELECT 1 AS x FROM {{table}} HAVING avg({n}) < {lo} OR avg({n}) > {hi}"
        check = f'{{ custom_sql: {{ sql: "{sql}" }} }}'
        out.append(Check(_rule(None, check), [f"- avg({n}) between {lo} and {hi}"], False, f"{n} average"))
    if c.values and rng.random() < 0.8:
        vals = ", ".join(c.values)
        add(f"{n} values", f"{{ accepted_values: {{ values: [{vals}] }} }}", [f"- invalid_count({n}) = 0:", f"    valid values: [{vals}]"])
    if c.regex and rng.random() < 0.7:
        narrow = failing and c.narrow_regex and rng.random() < 0.4
        rx = c.narrow_regex if narrow else c.regex
        add(
            f"{n} pattern",
            f'{{ pattern: {{ regex: "{rx}" }} }}',
            [f"- invalid_count({n}) = 0:", f"    valid regex: '^{rx}$'"],
            fails=bool(narrow),
        )
    if c.max_len is not None and rng.random() < 0.5:
        add(f"{n} length", f"{{ length: {{ max: {c.max_len} }} }}", [f"- invalid_count({n}) = 0:", f"    valid max length: {c.max_len}"])
    if c.kind in ("timestamp", "date") and rng.random() < 0.7:
        add(
            f"{n} not ahead",
            "no_future_timestamps",
            [f"- future_{n} = 0:", f"    future_{n} expression: COUNT(CASE WHEN {n} > now() THEN 1 END)"],
        )
    if c.kind == "timestamp" and rng.random() < 0.5:
        add(f"{n} fresh", "{ freshness: { max_age: 3650d } }", [f"- freshness({n}) < 3650d"])
    return out


def table_checks(
    cols: list[Column], rng: random.Random, table: str, rows: int, key: list[str] | None, shared: bool
) -> list[Check]:
    """Checks on the whole table: rows, its key, duplicate rows, one custom SQL. A
    table-level standard applies to every product of its level, so where products share
    a level (`shared`) each gets the same ones — rows, key, duplicate rows — and no
    custom SQL of its own."""
    out = [Check(_rule(None, "{ row_count: { min: 1 } }"), ["- row_count >= 1"], False, "rows")]
    if key:
        soda = [f"- duplicate_count({', '.join(key)}) = 0"] + [f"- missing_count({k}) = 0" for k in key]
        out.append(Check(_rule(None, "primary_key"), soda, False, "key"))
    if shared or rng.random() < 0.5:
        names = ", ".join(c.name for c in cols)
        out.append(Check(_rule(None, "duplicate_rows"), [f"- duplicate_count({names}) = 0"], False, "no duplicate rows"))
    numeric = [c for c in cols if c.kind in ("int", "decimal", "double") and c.lo is not None]
    if numeric and not shared:
        c = rng.choice(numeric)
        sql = f"SELECT * FROM {{table}} WHERE {c.name} < {c.lo}"
        out.append(
            Check(
                _rule(None, f'{{ custom_sql: {{ sql: "{sql}" }} }}'),
                ["- failed rows:", f"    name: {c.name} below {c.lo}", f"    fail query: SELECT * FROM {table} WHERE {c.name} < {c.lo}"],
                False,
                f"{c.name} not below {c.lo}",
            )
        )
    return out


def _table(name: str, cols: list[Column], rows: int, rng: random.Random, failing: bool, key=None, shared=False) -> Table:
    checks = table_checks(cols, rng, name, rows, key, shared)
    for c in cols:
        checks += column_checks(c, rng, rows, failing, shared)
    select = ",\n       ".join(f"{c.expr} AS {c.name}" for c in cols)
    source_sql = f"CREATE TABLE src_{name} AS\nSELECT {select}\nFROM range({rows}) AS r(i)"
    return Table(
        name=name,
        level="silver",
        columns=cols,
        rows=rows,
        checks=checks,
        source_sql=source_sql,
        transform=f"SELECT * FROM bronze.src_{name}",
        sources=[(f"bronze.src_{name}", f"main.src_{name}")],
        primary_key=key,
    )


def _names(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out = []
    while len(out) < n:
        w = _word(rng, rng.randint(3, 8))
        if w not in taken:
            taken.add(w)
            out.append(w)
    return out


MIXED = {"integer": 3, "decimal": 3, "double": 1, "category": 3, "code": 2, "email": 1, "text": 1, "timestamp": 2, "date": 1}
TEXT = {"category": 3, "code": 3, "email": 3, "text": 3, "uuid": 1}
NUMERIC = {"integer": 4, "decimal": 4, "double": 3, "date": 1}


def workloads(seed: int, scale: float) -> list[Workload]:
    """Every workload of the suite for `seed`; `scale` multiplies the row counts."""
    rng = random.Random(seed)

    def rows(n: int) -> int:
        return max(100, int(n * scale))

    # Column names are unique across the suite, so a standard that selects a column by
    # name applies to that one column only.
    taken: set[str] = set()

    def build(name, n_cols, weights, n_rows, salt, failing=True, shared=False):
        cs = Columns(rng, salt)
        key = f"{name}_id"
        taken.add(key)
        cols = [cs.key(key, n_rows)]
        for nm in _names(rng, n_cols, taken):
            cols.append(cs.any(nm, weights, n_rows))
        return _table(name, cols, n_rows, rng, failing, [key], shared)

    out = [
        Workload("narrow", [build("orders", 7, MIXED, rows(1_000_000), seed + 1)], f"{rows(1_000_000):,} rows, 8 columns"),
        Workload("wide", [build("wide", 119, MIXED, rows(200_000), seed + 2)], f"{rows(200_000):,} rows, 120 columns"),
        Workload("text", [build("texts", 12, TEXT, rows(1_000_000), seed + 3)], f"{rows(1_000_000):,} rows, 12 text columns"),
        Workload("numeric", [build("measures", 20, NUMERIC, rows(1_000_000), seed + 4)], f"{rows(1_000_000):,} rows, 20 numeric columns"),
    ]
    # High-cardinality keys: a generated hash key and a composite key, 2M rows.
    cs = Columns(rng, seed + 5)
    n = rows(2_000_000)
    hk = [cs.uuid("event_id", n), cs.key("seq", n), cs.code("device_code"), cs.timestamp("seen_at"), cs.integer("reading")]
    t = _table("events", hk, n, rng, failing=True, key=["event_id"])
    out.append(Workload("keys", [t], f"{n:,} rows, a 32-character hash key"))
    # Many small products in one project.
    smalls = [build(f"p{k:02d}", 5, MIXED, rows(20_000), seed + 100 + k, shared=True) for k in range(50)]
    out.append(Workload("many", smalls, f"50 products of {rows(20_000):,} rows"))
    # A gold product on a silver one.
    silver = build("sales", 5, MIXED, rows(1_000_000), seed + 6, failing=False)
    dims = [c for c in silver.columns if c.kind in ("category", "date")] or [silver.columns[1]]
    measures = [c for c in silver.columns if c.kind in ("int", "decimal")] or [silver.columns[0]]
    dim, m = dims[0], measures[0]
    gold_cols = [
        Column(dim.name, dim.type, "", dim.kind, cardinality=dim.cardinality),
        Column("total", "double", "", "double"),
        Column("n", "bigint", "", "int"),
    ]
    g_checks = [
        Check(_rule(None, "{ row_count: { min: 1 } }"), ["- row_count >= 1"], False, "rows"),
        Check(_rule(dim.name, "unique"), [f"- duplicate_count({dim.name}) = 0"], False, f"{dim.name} unique"),
        Check(_rule("n", "{ range: { min: 1 } }"), ["- min(n) >= 1"], False, "n at least 1"),
        Check(_rule("total", "{ null_ratio: { max: 1.0 } }"), ["- missing_percent(total) <= 100"], False, "total"),
    ]
    gold = Table(
        name="by_" + dim.name,
        level="gold",
        columns=gold_cols,
        rows=0,
        checks=g_checks,
        source_sql="",
        transform=f"SELECT {dim.name}, CAST(sum({m.name}) AS DOUBLE) AS total, count(*) AS n FROM silver.sales GROUP BY {dim.name}",
        sources=[("silver.sales", None)],
        primary_key=[dim.name],
    )
    out.append(Workload("gold", [silver, gold], f"a gold aggregate on a {rows(1_000_000):,}-row silver product"))
    return out
