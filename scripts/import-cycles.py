#!/usr/bin/env python3
"""Prints the import circles of Hallmark's crates: files that reach each other through
`crate::` and `super::` paths (in `use` lines and inline), as strongly connected
components of the file graph. Exits 1 when there is one, so it can hold the line.

    scripts/import-cycles.py [CRATE_SRC...]     # default: checks/src bot/src
"""
import pathlib
import re
import sys

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def modules(src: pathlib.Path) -> dict:
    """module path (tuple) -> file, for every .rs file of the crate."""
    found = {}
    for file in src.rglob("*.rs"):
        rel = file.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        found[tuple(parts)] = file
    return found


def code_of(text: str) -> str:
    """The text without comments, strings and `#[cfg(test)]` modules (tests may reach
    anything)."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    cut = text.find("#[cfg(test)]")
    return text if cut < 0 else text[:cut]


def resolve(mods: dict, here: tuple, kind: str, rest: list) -> tuple | None:
    base = list(here) if kind == "super" else []
    if kind == "super":
        base = base[:-1]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    path = base + rest
    # The longest prefix that names a module file.
    for n in range(len(path), -1, -1):
        if tuple(path[:n]) in mods:
            return tuple(path[:n])
    return None


def graph(src: pathlib.Path) -> dict:
    mods = modules(src)
    edges = {m: set() for m in mods}
    for here, file in mods.items():
        text = code_of(file.read_text())
        for m in PATH.finditer(text):
            rest = m.group(2).split("::")[1:]
            target = resolve(mods, here, m.group(1), rest)
            # Braced groups (`use crate::a::{b, c}`) name modules under the prefix.
            tail = text[m.end(): m.end() + 400]
            targets = [target]
            if tail.startswith("::{"):
                inner = tail[3: tail.find("}") if "}" in tail else 0]
                for item in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*", inner):
                    targets.append(resolve(mods, here, m.group(1), rest + item.split("::")))
            for t in targets:
                if t is not None and t != here and t != ():
                    edges[here].add(t)
    return edges


def circles(edges: dict) -> list:
    """Tarjan's strongly connected components of more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in edges:
        if v not in index:
            visit(v)
    return out


def main() -> int:
    roots = sys.argv[1:] or ["checks/src", "bot/src"]
    found = 0
    for root in roots:
        edges = graph(pathlib.Path(root))
        for comp in circles(edges):
            found += 1
            names = ["::".join(m) for m in comp]
            print(f"{root}: a circle of {len(comp)}: {', '.join(names)}")
            members = set(comp)
            for m in comp:
                inside = sorted("::".join(t) for t in edges[m] if t in members)
                print(f"    {'::'.join(m)} -> {', '.join(inside)}")
    if found == 0:
        print("no import circles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
