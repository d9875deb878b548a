"""Compare the cell values of two folders of reports, sheet by sheet, with python-calamine.

Used before and after a change that must not change what a report shows (a refactor):
write the same reports from the same inputs with the old and the new code into two folders,
then compare them::

    python scripts/compare_reports.py --write /tmp/before     # on the old commit
    python scripts/compare_reports.py --write /tmp/after      # on the new one
    python scripts/compare_reports.py /tmp/before /tmp/after

``--write DIR`` writes the examples: a static and a live report, the bundled desk with its
positions and a band, the demo, a customised template's report, a backtest and a batch with
positions. Comparing prints each differing cell and exits 1 when any differ; exits 0 when
every workbook, sheet and cell value is the same.
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


def write_examples(out: Path) -> None:
    """The example reports, from the bundled and example inputs, into ``out``."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "tests"))
    from hedgexl import cli
    from hedgexl.inputs import example_path
    from custom_template import make as make_custom_template  # the tests' one

    ex, data = root / "examples", example_path
    common = ["--funding", str(data("funding_desk_2024h1.csv")),
              "--prices", str(data("prices_2024.csv")), "--valuation-date", "2024-06-30"]
    desk = [str(ex / "desk_holdings.csv"), "--positions", str(ex / "desk_positions.csv")]
    out.mkdir(parents=True, exist_ok=True)
    custom = make_custom_template(out / "custom_template.xlsx")
    runs = [
        ["report", str(ex / "holdings.csv"), "-o", str(out / "static.xlsx")],
        ["report", str(ex / "holdings.csv"), "--mode", "live", "-o", str(out / "live.xlsx")],
        ["report", *desk, "--band", "10%", "-o", str(out / "desk.xlsx"), *common],
        ["report", *desk, "--mode", "live", "-o", str(out / "desk_live.xlsx"), *common],
        ["report", *desk, "--template", str(custom), "-o", str(out / "desk_custom.xlsx"),
         *common],
        ["demo", "-o", str(out / "demo")],
        ["backtest", "-o", str(out / "backtest.xlsx")],
        ["batch", str(ex / "book.csv"), "--positions", str(ex / "book_positions.csv"),
         "-o", str(out / "batch")],
    ]
    for argv in runs:
        code = cli.main(argv + ["--force"] if argv[0] != "batch" else argv)
        if code:
            raise SystemExit(f"hedgexl {' '.join(argv)}: exit {code}")
    for made in ("custom_template.xlsx", "stock_template.xlsx"):  # inputs, not outputs
        (out / made).unlink(missing_ok=True)


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        write_examples(Path(sys.argv[2]))
        sys.exit(0)
    old, new = Path(sys.argv[1]), Path(sys.argv[2])
    diffs = compare(old, new)
    print("\n".join(diffs[:200]))
    n = len({p.relative_to(old) for p in old.rglob("*.xlsx")})
    print(f"{n} workbook(s) compared: {len(diffs)} difference(s)")
    sys.exit(1 if diffs else 0)
