"""Compare the cell values of two folders of reports, sheet by sheet, with python-calamine.

Used before and after a change that must not change what a report shows (a refactor):
write the same reports from the same inputs with the old and the new code into two folders,
then compare them::

    python scripts/compare_reports.py --write /tmp/before     # on the old commit
    python scripts/compare_reports.py --write /tmp/after      # on the new one
    python scripts/compare_reports.py /tmp/before /tmp/after

``--write DIR`` writes the examples: a static and a live report, the bundled desk with its
positions and a band, the demo, a customised template's report, a backtest (on the
perpetual and on dated futures), the options desk, the template and a batch with positions.
Comparing prints each differing cell and exits 1 when any differ; exits 0 when every
workbook, sheet and cell value is the same.

``--parts OLD NEW`` compares more: every part of each .xlsx (sheets' XML with formulas,
formats and cached values, styles, charts, tables, drawings), byte for byte (a shared
string by its text: its index follows the order of writing), except the
creation time in docProps/core.xml and the fingerprint of the inputs (the customised
template is made afresh each run). A change to how workbooks are written (not what they
show) keeps them all.
"""

from __future__ import annotations

import re
import sys
import zipfile
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


def _parts(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    # a shared string by its text, not its index (the index follows the order of writing)
    table = parts.pop("xl/sharedStrings.xml", b"")
    strings = re.findall(rb"<si>(.*?)</si>", table, re.S)
    parts["xl/sharedStrings.xml (sorted)"] = b"\n".join(sorted(strings))
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = re.sub(rb'(<c [^>]*t="s"[^>]*><v>)(\d+)(</v>)',
                             lambda m: m[1] + strings[int(m[2])] + m[3], parts[name])
    if "docProps/core.xml" in parts:  # its creation and modification times
        parts["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified)[^<]*<",
                                            b"<", parts["docProps/core.xml"])
    if "docProps/custom.xml" in parts:  # what it was made from: a template made each run
        parts["docProps/custom.xml"] = re.sub(rb"<vt:lpwstr>[0-9a-f]{16,}</vt:lpwstr>",
                                              b"", parts["docProps/custom.xml"])
    return parts


def compare_parts(old: Path, new: Path) -> list[str]:
    """Every part of every workbook, byte for byte (creation times aside)."""
    diffs = []
    for p in sorted({q.relative_to(old) for q in old.rglob("*.xlsx")}):
        if not (new / p).exists():
            diffs.append(f"{p}: only in old")
            continue
        a, b = _parts(old / p), _parts(new / p)
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                diffs.append(f"{p} {name}: differs ({len(a.get(name) or b'')} -> "
                             f"{len(b.get(name) or b'')} bytes)")
    return diffs


def _dated_inputs(out: Path) -> list[str]:
    """A BTC holding and its Binance quarterlies' daily closes (the bundled BTC closes
    plus a made-up 10 % a year to each expiry, as tests/test_dated_backtest.py makes
    them): the arguments of a backtest on dated futures."""
    import csv
    from hedgexl.inputs import example_path
    from helpers_dated import futures_file
    with open(example_path("prices_2024.csv"), newline="") as f:
        closes = {r["date"]: float(r["BTC"]) for r in csv.DictReader(f) if r["BTC"]}
    fut, hold = out / "quarterlies.csv", out / "btc.csv"
    futures_file(fut, closes)
    hold.write_text("asset,quantity,price,hedge_ratio,contract\n"
                    "BTC,1,60000,1,BINANCE:BTCUSD_PERP\n")
    return [str(hold), "--prices", str(example_path("prices_2024.csv")),
            "--hedge-with", "dated", "--futures-prices", str(fut), "--roll-days", "7"]


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
        ["backtest", *_dated_inputs(out), "-o", str(out / "backtest_dated.xlsx")],
        ["options", "-o", str(out / "options.xlsx")],
        ["template", "-o", str(out / "template.xlsx")],
        ["batch", str(ex / "book.csv"), "--positions", str(ex / "book_positions.csv"),
         "-o", str(out / "batch")],
    ]
    for argv in runs:
        code = cli.main(argv + ["--force"] if argv[0] != "batch" else argv)
        if code:
            raise SystemExit(f"hedgexl {' '.join(argv)}: exit {code}")
    for made in ("custom_template.xlsx", "stock_template.xlsx", "quarterlies.csv",
                 "btc.csv"):  # inputs, not outputs
        (out / made).unlink(missing_ok=True)


if __name__ == "__main__":
    if sys.argv[1] == "--write":
        write_examples(Path(sys.argv[2]))
        sys.exit(0)
    parts = sys.argv[1] == "--parts"
    old, new = Path(sys.argv[1 + parts]), Path(sys.argv[2 + parts])
    diffs = compare(old, new) + (compare_parts(old, new) if parts else [])
    print("\n".join(diffs[:200]))
    n = len({p.relative_to(old) for p in old.rglob("*.xlsx")})
    print(f"{n} workbook(s) compared: {len(diffs)} difference(s)")
    sys.exit(1 if diffs else 0)
