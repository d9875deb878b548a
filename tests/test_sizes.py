"""Functions small enough to hold in the head: at most 60 lines of code (the docstring, blank
lines and comments aside) and a cyclomatic complexity of at most 15, read from the source the
way test_layers.py reads imports.

Complexity here is 1 + one for each ``if``/``elif``, conditional expression, loop,
``except``, ``match`` case, comprehension (and each of its conditions), and each extra
operand of ``and``/``or``. The functions written before the rule are listed in ``LARGER``
with their size then: each may only shrink, and leaves the list once within the limits (a
test says so), so the list can only get shorter. Split by job, not by line count.
"""

from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent / "hedgexl"
MAX_LINES, MAX_COMPLEXITY = 60, 15

#: (module, qualified name) -> (lines of code, complexity) when the rule came in. Empty
#: since 2026-12-06: every function is within the limits; a new entry is a step back.
LARGER: dict = {}


def complexity(fn: ast.AST) -> int:
    n = 1
    for node in ast.walk(fn):
        if isinstance(node, (ast.If, ast.IfExp, ast.For, ast.AsyncFor, ast.While,
                             ast.ExceptHandler, ast.match_case)):
            n += 1
        elif isinstance(node, ast.BoolOp):
            n += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            n += 1 + len(node.ifs)
    return n


def lines_of_code(fn, source: list[str]) -> int:
    body = fn.body
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]
    if not body:
        return 0
    text = source[body[0].lineno - 1:fn.end_lineno]
    return sum(1 for line in text if line.strip() and not line.strip().startswith("#"))


def functions() -> dict[tuple[str, str], tuple[int, int]]:
    """Every function and method of the package: its size and complexity."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        text = path.read_text("utf-8")
        source = text.splitlines()

        def visit(node, prefix):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = f"{prefix}{child.name}"
                    out[(module, name)] = (lines_of_code(child, source), complexity(child))
                    visit(child, f"{name}.")
                elif isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
                else:
                    visit(child, prefix)

        visit(ast.parse(text), "")
    return out


def over(size) -> bool:
    return size[0] > MAX_LINES or size[1] > MAX_COMPLEXITY


def test_no_new_function_is_too_large():
    big = {k: v for k, v in functions().items() if over(v) and k not in LARGER}
    assert not big, ("split these by job (lines of code, complexity): "
                     + "; ".join(f"{m}.{f} {v}" for (m, f), v in sorted(big.items())))


def test_the_listed_functions_only_shrink():
    found = functions()
    grew = {k: (was, found[k]) for k, was in LARGER.items()
            if k in found and (found[k][0] > was[0] or found[k][1] > was[1])}
    assert not grew, f"larger than when listed (was, now): {grew}"


def test_the_list_names_only_functions_still_too_large():
    found = functions()
    stale = [k for k in LARGER if k not in found or not over(found[k])]
    assert not stale, f"remove from LARGER (gone, or within the limits now): {stale}"


def test_the_measure_can_fail():
    tree = ast.parse("def f(x):\n" + "".join(f"    if x == {i}:\n        x += {i}\n"
                                               for i in range(40)) + "    return x\n")
    fn = tree.body[0]
    assert complexity(fn) == 41 and lines_of_code(fn, ast.unparse(tree).splitlines()) == 81
    assert over((81, 41)) and not over((60, 15))
