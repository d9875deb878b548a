"""Registration of the HEDGE_* functions with xlwings, driven by their docstrings.

Each UDF's numpy-style docstring is the single source of its Excel help: the first line is
the Insert Function description; each entry under ``Parameters`` gives the argument's help
(its description, which states the unit). An argument whose type mentions ``range`` is
declared to xlwings with ``ndim=2`` so that cells and rows/columns keep their orientation
and results spill the same way.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from .convert import excel_errors

__all__ = ["udf", "UDFS", "UdfInfo", "info", "decorate", "CATEGORY"]

CATEGORY = "hedgexl"
UDFS: list = []


@dataclass
class ArgInfo:
    name: str
    type: str
    doc: str
    optional: bool
    default: object

    vararg: bool = False

    @property
    def is_range(self) -> bool:
        return "range" in self.type


@dataclass
class UdfInfo:
    name: str
    summary: str
    args: list[ArgInfo]
    returns: str
    doc: str


def _parse_params(doc: str) -> dict[str, tuple[str, str]]:
    lines = inspect.cleandoc(doc).splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == "Parameters") + 2
    except StopIteration:
        return {}
    out, name = {}, None
    for line in lines[start:]:
        if line.strip() and not line.startswith(" "):
            if re.match(r"^[A-Z][a-z]+$", line.strip()):  # next section
                break
            m = re.match(r"^(\w+)\s*:\s*(.*)$", line)
            if m:
                name = m.group(1)
                out[name] = (m.group(2).strip(), "")
        elif name and line.strip():  # the whole description, its lines joined
            out[name] = (out[name][0], f"{out[name][1]} {line.strip()}".strip())
    return out


def _section(doc: str, title: str) -> str:
    lines = inspect.cleandoc(doc).splitlines()
    try:
        i = next(i for i, l in enumerate(lines) if l.strip() == title) + 2
    except StopIteration:
        return ""
    body = []
    for line in lines[i:]:
        if line.strip() and not line.startswith(" ") and re.match(r"^[A-Z][a-z]+$", line):
            break
        body.append(line.strip())
    return " ".join(b for b in body if b).strip()


def info(f) -> UdfInfo:
    """Parsed help of one UDF."""
    doc = inspect.getdoc(f) or ""
    params = _parse_params(doc)
    sig = inspect.signature(f)
    args = []
    for p in sig.parameters.values():
        typ, desc = params.get(p.name, ("", ""))
        if not desc:
            raise ValueError(f"{f.__name__}: argument {p.name} has no help in the docstring")
        vararg = p.kind is inspect.Parameter.VAR_POSITIONAL
        optional = p.default is not inspect.Parameter.empty
        args.append(ArgInfo(p.name, typ, desc, optional, p.default if optional else None,
                            vararg))
    summary = doc.splitlines()[0].strip() if doc else ""
    if not summary:
        raise ValueError(f"{f.__name__} has no docstring")
    return UdfInfo(f.__name__, summary, args, _section(doc, "Returns"), doc)


def udf(f):
    """Mark a function as a HEDGE_* UDF: exceptions become #VALUE!, and it is listed."""
    wrapped = excel_errors(f)
    info(wrapped)  # fail at import if the help is incomplete
    UDFS.append(wrapped)
    return wrapped


def decorate(functions, func, arg, ret):
    """Apply xlwings' ``func``/``arg``/``ret`` decorators (the real ones on Windows, xlwings'
    no-ops elsewhere, or any compatible set) to the UDFs, using their docstrings.

    Classic xlwings on Windows (COM) cannot hand Excel a real error value (docs/excel.md), so
    with its decorators the UDFs answer errors as text, ``#VALUE! <reason>``: each
    decorated function carries that as its own ``error_style`` (no global is set)."""
    com = getattr(func, "__module__", "") == "xlwings.udfs"
    for f in functions:
        if com:
            f.error_style = "text"
        i = info(f)
        g = ret()(f)
        for a in i.args:
            opts = {"doc": a.doc[:255]}
            if a.is_range:
                opts["ndim"] = 2
            g = arg(a.name, **opts)(g)
        g = func(category=CATEGORY)(g)
        xlf = getattr(g, "__xlfunc__", None)
        if xlf is not None:  # xlwings would use the whole docstring: keep the first line
            xlf["ret"]["doc"] = i.summary[:255]
    return functions
