"""Benchmark the input readers at Excel's row limit and on hostile workbooks (issue 23).

Run: python bench/inputs.py [--rows 1000000] [--xlsx-rows 1048575] [--skip-big]

Each case runs in a fresh process (``hedgexl`` as a user runs it, or the reader alone), and
prints its wall time and peak memory (the child's ru_maxrss). Figures to meet on a 2-core
machine:

- a 1,000,000-row holdings CSV: read (or refused) in at most 10 s and 1 GB, and the CSV
  table (dialect, decimal mark, records) within 3x the csv module's own parse of the same
  file into rows, measured in the same run (the floor; each times its parse in its own
  process, without start-up, imports and the freeing of the rows at exit; the floor with
  Python's collector paused, as hedgexl's readers pause it);
- a 1,048,575-row holdings .xlsx: read or refused in at most 10 s and 1 GB;
- each hostile workbook of tests/hostile.py: refused or read in at most 2 s and 300 MB.

No test asserts these seconds (CI runs on a busy machine); tests assert the results and
the refusals.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

PROBE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True,
                   text=True)
print(json.dumps({"rc": r.returncode, "s": time.perf_counter() - t,
                  "mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "err": r.stderr.strip().splitlines()[-1:] }))
"""
CLI = "import sys; from hedgexl import cli; sys.exit(cli.main(sys.argv[1:]))"
# The table and the floor time their own parse in their process (start-up, imports and
# freeing the rows at exit are not the parse) and print it on stderr's last line.
TABLE = ("import sys, time; from hedgexl.inputs.tables import read_table; "
         "t0 = time.perf_counter(); t = read_table(sys.argv[1]); "
         "print(time.perf_counter() - t0, file=sys.stderr)")
HOLDINGS = ("import sys; from hedgexl.inputs import read_holdings; "
            "print(len(read_holdings(sys.argv[1])))")
FLOOR = ("import csv, gc, sys, time; gc.disable(); t0 = time.perf_counter(); "
         "f = open(sys.argv[1], newline='', encoding='utf-8-sig'); rows = list(csv.reader(f)); "
         "print(time.perf_counter() - t0, file=sys.stderr)")


def measure(code: str, *argv) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, code, *map(str, argv)],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def big_csv(path: Path, rows: int) -> Path:
    assets = ("BTC", "ETH", "SOL", "BNB", "LINK")
    with open(path, "w") as f:
        f.write("asset,quantity,price,hedge_ratio,contract\n")
        for i in range(rows):
            a = assets[i % 5]
            f.write(f"{a},{(i % 997) + 1}.25,{1000 + i % 50000}.5,75%,\n")
    return path


def big_xlsx(path: Path, rows: int) -> Path:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Holdings")
    ws.write_row(0, 0, ["asset", "quantity", "price"])
    assets = ("BTC", "ETH", "SOL", "BNB", "LINK")
    for i in range(rows):
        ws.write_row(i + 1, 0, [assets[i % 5], (i % 997) + 1.25, 1000 + i % 50000 + 0.5])
    wb.close()
    return path


def line(name, got, limit_s, limit_mb, floor=None):
    ok = got["s"] <= limit_s and got["mb"] <= limit_mb
    ratio = f"  {got['s'] / floor:4.1f}x the floor" if floor else ""
    said = f"  [{got['err'][0][:90]}]" if got["rc"] and got["err"] else ""
    print(f"{name:<34} {got['s']:7.2f} s {got['mb']:8.0f} MB  rc {got['rc']}"
          f"{ratio}  {'ok' if ok else 'OVER'} (<= {limit_s:g} s, {limit_mb:g} MB){said}")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=1_048_575)
    ap.add_argument("--skip-big", action="store_true", help="hostile workbooks only")
    args = ap.parse_args(argv)
    import hostile
    good = True
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        if not args.skip_big:
            csvf = big_csv(d / "big.csv", args.rows)
            floor = measure(FLOOR, csvf)
            floor_parse = float(floor["err"][0])
            print(f"{'floor: csv module, same file':<34} {floor['s']:7.2f} s "
                  f"{floor['mb']:8.0f} MB  (its parse: {floor_parse:.2f} s)")
            t = measure(TABLE, csvf)
            parse = float(t["err"][0])
            print(f"{'CSV table: its parse':<34} {parse:7.2f} s  {parse / floor_parse:4.1f}x "
                  f"the csv module's  {'ok' if parse <= 3 * floor_parse else 'OVER'} (<= 3x)")
            good &= parse <= 3 * floor_parse
            t["err"] = []
            good &= line(f"CSV table, {args.rows:,} rows", t, 10, 1024, floor["s"])
            good &= line(f"holdings CSV, {args.rows:,} rows", measure(HOLDINGS, csvf), 10,
                         1024, floor["s"])
            xl = big_xlsx(d / "big.xlsx", args.xlsx_rows)
            good &= line(f"holdings .xlsx, {args.xlsx_rows:,} rows", measure(CLI, "hedge", xl),
                         10, 1024)
        cases = {"zip bomb (300 MiB)": hostile.zip_bomb, "billion laughs": hostile.billion_laughs,
                 "declared A1:XFD1048576": hostile.declared, "cell at XFD1048576":
                 hostile.far_cell, "sharedStrings bomb": hostile.shared_strings_bomb,
                 "a million blank rows": hostile.blank_rows, "16,384 columns":
                 hostile.wide_row, "Strict Open XML": hostile.strict}
        for name, make in cases.items():
            f = make(d / f"{make.__name__}.xlsx")
            good &= line(name, measure(CLI, "hedge", f), 2, 300)
    print("all within their figures" if good else "some figures not met (OVER)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
