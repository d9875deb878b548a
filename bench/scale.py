"""Benchmark how a report's cost grows with its holdings: 1k, 10k and 100k rows.

Run: python bench/scale.py [--sizes 1000 10000 100000] [--repeat 3]

For each size it times the whole report (read the CSV, compute, write the static workbook
with its charts) and a floor measured in the same run: bare xlsxwriter writing the same
cells, no formats, tables, charts or computation. It prints

- the growth per 10x of rows beyond linear: (t[10n] / t[n]) / 10 (target <= 1.2x; a cost
  quadratic in the rows shows as about 10x);
- the ratio to the floor at each size (target <= 2x).
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import xlsxwriter

from hedgexl.inputs import read_holdings
from hedgexl.reports import ReportOptions, make_report

from _timing import paired

ASSETS = [("BTC", 100_000.0, "BINANCE:BTCUSD_PERP"), ("ETH", 3_400.0, "BINANCE:ETHUSD_PERP"),
          ("SOL", 200.0, "BINANCE:BTCUSD_PERP"), ("BNB", 700.0, "OKX:BTC-USD-SWAP"),
          ("LINK", 22.0, "BYBIT:BTCUSD"), ("ETH", 3_400.0, "BINANCE:ETHUSDT")]


def make_holdings(path: Path, n: int) -> Path:
    rng = np.random.default_rng(n)
    with open(path, "w") as f:
        f.write("asset,quantity,price,beta,hedge_ratio,contract\n")
        for i in range(n):
            a, p, c = ASSETS[i % len(ASSETS)]
            f.write(f"{a},{rng.uniform(1, 1000):.4f},{p * rng.uniform(0.9, 1.1):.2f},"
                    f"{rng.uniform(0.5, 1.5):.2f},{rng.integers(25, 100)}%,{c}\n")
    return path


def report(src: Path, out: Path) -> None:
    make_report(read_holdings(src), out, ReportOptions(force=True))


def floor(cells, out: Path) -> None:
    """The report's cells, sheet by sheet, with bare xlsxwriter."""
    wb = xlsxwriter.Workbook(str(out))
    for name, rows in cells.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    wb.close()


def cells_of(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        d = Path(td)
        times = {}
        print("medians of paired runs (hedgexl and its floor alternately)")
        print(f"{'holdings':>9} {'report s':>9} {'floor s':>8} {'ratio':>6}")
        for n in args.sizes:
            src = make_holdings(d / f"h{n}.csv", n)
            out = d / f"r{n}.xlsx"
            rep = 1 if n >= 100_000 else args.repeat
            report(src, out)  # the floor writes the report's own cells
            cells = cells_of(out)
            t, f, ratio = paired(lambda: report(src, out),
                                 lambda: floor(cells, d / f"f{n}.xlsx"), repeat=rep)
            times[n] = t
            print(f"{n:>9,} {t:>9.3f} {f:>8.3f} {ratio:>5.2f}x")
        sizes = sorted(times)
        for a, b in zip(sizes, sizes[1:]):
            growth = (times[b] / times[a]) / (b / a)
            print(f"growth {a:,} -> {b:,}: {growth:.2f}x linear (target <= 1.2x)")


if __name__ == "__main__":
    main()
