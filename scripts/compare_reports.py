"""Compare the cell values of two folders of reports, sheet by sheet, with python-calamine.

Used before and after a change that must not change what a report shows (a refactor):
write the same reports from the same inputs with the old and the new code into two folders,
then ``python scripts/compare_reports.py OLD NEW``. Prints each differing cell and exits 1
when any differ; exits 0 when every workbook, sheet and cell value is the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

from python_calamine import CalamineWorkbook


def cells(path: Path) -> dict:
    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        for r, row in enumerate(wb.get_sheet_by_name(name).to_python()):
            for c, v in enumerate(row):
                if v != "":
                    out[(name, r, c)] = v
    return out


def compare(old: Path, new: Path) -> list[str]:
    diffs = []
    olds = {p.relative_to(old) for p in old.rglob("*.xlsx")}
    news = {p.relative_to(new) for p in new.rglob("*.xlsx")}
    for p in sorted(olds ^ news):
        diffs.append(f"{p}: only in {'old' if p in olds else 'new'}")
    for p in sorted(olds & news):
        a, b = cells(old / p), cells(new / p)
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                diffs.append(f"{p} {key[0]}!R{key[1] + 1}C{key[2] + 1}: "
                             f"{a.get(key)!r} -> {b.get(key)!r}")
    return diffs


if __name__ == "__main__":
    old, new = Path(sys.argv[1]), Path(sys.argv[2])
    diffs = compare(old, new)
    print("\n".join(diffs[:200]))
    n = len({p.relative_to(old) for p in old.rglob("*.xlsx")})
    print(f"{n} workbook(s) compared: {len(diffs)} difference(s)")
    sys.exit(1 if diffs else 0)
