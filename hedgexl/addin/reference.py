"""Generate docs/functions.md, the HEDGE_* reference, from the UDF docstrings."""

from __future__ import annotations

import inspect
from pathlib import Path

from ..excel.registry import UDFS, info

HEADER = """# HEDGE_* function reference

Generated from the docstrings in `hedgexl/udfs.py` by `hedgexl docs`; a test fails when this
file is stale. Arguments in [brackets] are optional. "range" arguments take a cell or a
row/column range; a range in spills a range out. Error policy: [excel.md](excel.md).
"""


def _sig(i) -> str:
    parts = []
    for a in i.args:
        if a.vararg:
            parts.append(f"{a.name}...")
        elif a.optional:
            d = "" if a.default is None else f"={a.default!r}".replace("'", '"')
            parts.append(f"[{a.name}{d}]")
        else:
            parts.append(a.name)
    return f"{i.name}({', '.join(parts)})"


def render() -> str:
    out = [HEADER]
    out.append("| function | what it returns |\n|---|---|")
    for f in UDFS:
        i = info(f)
        out.append(f"| [`{i.name}`](#{i.name.lower()}) | {i.summary} |")
    for f in UDFS:
        i = info(f)
        out.append(f"\n## {i.name}\n\n`={_sig(i)}`\n\n{i.summary}\n")
        out.append("| argument | type | help |\n|---|---|---|")
        for a in i.args:
            out.append(f"| `{a.name}` | {a.type} | {a.doc} |")
        out.append(f"\n**Returns:** {i.returns}\n")
        doc = inspect.getdoc(f)
        if "Examples" in doc:
            ex = doc.split("Examples", 1)[1].split("\n", 2)[2].strip("\n")
            out.append("```python\n" + inspect.cleandoc(ex) + "\n```")
    return "\n".join(out) + "\n"


def write(path, *, force: bool = False) -> Path:
    """Write the reference to ``path``; an existing file only with ``force``."""
    from ..files import check_target, write_text
    return write_text(check_target(path, force=force), render(), force=force)
