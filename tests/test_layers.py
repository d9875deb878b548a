"""The package's layers, read from its imports: no import cycles, and data flows one way
(core <- excel, inputs <- book <- workbook <- reports <- cli). Every import counts, the
ones inside functions too; only imports under ``if TYPE_CHECKING:`` (annotations) do not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "hedgexl"

#: Each layer and the layers it may import (besides itself). The package root re-exports
#: the core, so importing ``hedgexl`` counts as importing the core.
ALLOWED = {
    "core": set(),                                   # the math, numpy only
    "excel": {"core"},                               # converting what Excel sends
    "udfs": {"core", "excel", "market"},             # the HEDGE_* functions
    "market": {"core", "inputs", "files"},           # the venues' data, through ccxt
    "files": set(),                                  # atomic writes, locks
    "inputs": {"core"},                              # reading the user's files
    "book": {"core", "inputs"},                      # holdings, positions, margin, funding
    "workbook": {"core", "excel", "udfs", "inputs", "book", "files"},
    "addin": {"core", "excel", "udfs", "inputs", "workbook", "files"},
    "reports": {"core", "inputs", "book", "workbook", "files", "market"},
    "cli": {"core", "excel", "udfs", "inputs", "book", "workbook", "addin", "reports",
            "files", "market"},
}


def modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph = {m: set() for m in mods}
    for m, p in mods.items():
        pkg = m if p.name == "__init__.py" else m.rsplit(".", 1)[0]
        tree = ast.parse(p.read_text("utf-8"))
        skip = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING":
                skip |= {id(x) for x in ast.walk(n)}
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[:len(pkg.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                subs = [f"{target}.{a.name}" for a in node.names
                        if f"{target}.{a.name}" in mods]
                found = subs if len(subs) == len(node.names) else [target, *subs]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                continue
            graph[m] |= {t for t in found if t in mods and t != m}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
    for v in graph:
        if v not in index:
            visit(v)
    return out


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "core"


def wrong_way(graph) -> list[str]:
    return sorted(f"{m} imports {t}" for m, ts in graph.items() for t in ts
                  if layer(t) != layer(m) and layer(t) not in ALLOWED[layer(m)])


def test_no_import_cycles():
    assert cycles(import_graph(modules())) == []


def test_data_flows_one_way():
    mods = modules()
    assert {layer(m) for m in mods} <= set(ALLOWED), "a new layer: place it in ALLOWED"
    assert wrong_way(import_graph(mods)) == []


def test_the_checks_catch_a_cycle_and_a_wrong_way_import(tmp_path):
    """Tamper: add the import that the layout forbids and both checks object."""
    graph = import_graph(modules())
    graph["hedgexl.workbook.layout"].add("hedgexl.workbook.writer")
    assert any("hedgexl.workbook.layout" in c for c in cycles(graph))
    graph["hedgexl.core.pnl"].add("hedgexl.workbook.writer")
    assert wrong_way(graph) == ["hedgexl.core.pnl imports hedgexl.workbook.writer"]


@pytest.mark.parametrize("module", ["hedgexl.workbook.layout"])
def test_the_layout_imports_nothing(module):
    assert import_graph(modules())[module] == set()
    tree = ast.parse(modules()[module].read_text("utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


#: The modules that may call xlsxwriter: the writer, which turns the sheets' models into a
#: file (the sheets fill models of plain data: hedgexl.workbook.sheetmodel).
XLSXWRITER_USERS = {"hedgexl.workbook.writer"}


def importers_of(package: str, mods: dict[str, Path]) -> set[str]:
    """The modules that import ``package`` (or any of its modules), anywhere in them."""
    out = set()
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom)
                     and not node.level else [])
            if any(n == package or n.startswith(package + ".") for n in names):
                out.add(m)
    return out


def test_only_the_writer_calls_xlsxwriter():
    assert importers_of("xlsxwriter", modules()) == XLSXWRITER_USERS


def test_the_writer_check_catches_a_sheet_that_writes_itself(tmp_path):
    """Tamper: a sheet module that imports xlsxwriter's utility is found."""
    mods = modules()
    sneaky = tmp_path / "sheet.py"
    sneaky.write_text("def f():\n    from xlsxwriter.utility import xl_col_to_name\n")
    mods["hedgexl.workbook.sheets.sneaky"] = sneaky
    assert importers_of("xlsxwriter", mods) == XLSXWRITER_USERS | {
        "hedgexl.workbook.sheets.sneaky"}


#: Layers whose modules each have their own test file, tests/test_<layer>_<module>.py.
TESTED_BY_MODULE = ("core", "book", "inputs")


def modules_without_tests(mods, tests: Path) -> list[str]:
    out = []
    for m in sorted(mods):
        parts = m.split(".")
        if len(parts) == 3 and parts[1] in TESTED_BY_MODULE:
            if not (tests / f"test_{parts[1]}_{parts[2]}.py").is_file():
                out.append(f"{m}: no tests/test_{parts[1]}_{parts[2]}.py")
    return out


def test_each_module_of_the_core_the_book_and_the_inputs_has_its_test_file():
    """A newcomer changing hedgexl/book/trades.py finds its tests in
    tests/test_book_trades.py (other files may test it too, through the reports)."""
    assert modules_without_tests(modules(), Path(__file__).parent) == []


def test_the_test_file_check_catches_a_module_without_one(tmp_path):
    mods = {**modules(), "hedgexl.book.hedging": tmp_path / "hedging.py"}
    assert modules_without_tests(mods, Path(__file__).parent) == [
        "hedgexl.book.hedging: no tests/test_book_hedging.py"]


NUMBER_FORMAT = re.compile(r"^[+\-]?[#,.]*0[#0,.%]*(;.*)?$")


def formats_outside_style(files) -> list[str]:
    """String constants that read as a number format ('#,##0.00', '0%'), in workbook
    modules other than style.py (the customised template's reader carries the user's)."""
    out = []
    for p in files:
        tree = ast.parse(p.read_text("utf-8"))
        specs = {id(x) for n in ast.walk(tree) if isinstance(n, ast.FormattedValue)
                 and n.format_spec is not None for x in ast.walk(n.format_spec)}
        for node in ast.walk(tree):  # an f-string's {x:.0%} is Python's, not Excel's
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in specs and NUMBER_FORMAT.match(node.value):
                out.append(f"{p.name}:{node.lineno} {node.value!r}")
    return out


def _workbook_files():
    return [p for p in (ROOT / "workbook").rglob("*.py")
            if p.name != "style.py" and "custom" not in p.parts]


def test_number_formats_are_named_in_style_only():
    assert formats_outside_style(_workbook_files()) == []


def test_the_format_check_catches_a_typed_format(tmp_path):
    typed = tmp_path / "sheet.py"
    typed.write_text('def f(c):\n    return c.f("calc", "#,##0.00")\n')
    assert formats_outside_style([typed]) == ["sheet.py:2 '#,##0.00'"]
    assert NUMBER_FORMAT.match("#,##0.00") and NUMBER_FORMAT.match("0%")
    assert NUMBER_FORMAT.match("0.0000;[Red]-0.0000") and not NUMBER_FORMAT.match("0x")
