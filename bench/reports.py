"""Benchmark batch reports: 200 portfolios x 25 holdings, each with a year of 8-hour funding.

Run: python bench/reports.py [--portfolios 200] [--holdings 25] [--template]. Prints
reports per second with 1 and 2 workers, peak memory, and the ratio to the floor measured in
the same run: writing the same cells and the same four charts with bare xlsxwriter (no
formats, tables, validation or computation). Targets: at most 2x the floor; at least 10
reports/s with 2 workers on a two-core machine.

``--scheduler`` also runs the batch on a Dask cluster of 2 single-thread workers on
127.0.0.1 (started here, as ``dask scheduler`` and ``dask worker`` would be) and prints its
reports per second against the local pool of 2 workers, measured in the same run (target:
at least 0.8x; the loopback cluster pays for its scheduler). Use ``--portfolios 1000``.

``--template`` also runs the batch (2 workers) with the customised template of the tests
(tests/custom_template.py: a cover sheet with a logo and formulas, needs the test extra) and
prints its cost relative to the plain batch. Its formulas are computed by pycel per report,
so it is slower; there is no target for it.
"""

import argparse
import csv
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import xlsxwriter

from hedgexl.inputs import example_path
from hedgexl.reports import ReportOptions, discover, run_batch


def make_inputs(root: Path, n_port: int, n_hold: int):
    rng = np.random.default_rng(7)
    src = root / "portfolios"
    src.mkdir()
    assets = [("BTC", 100_000.0, "BINANCE:BTCUSD_PERP"), ("ETH", 3_400.0, "BINANCE:ETHUSD_PERP"),
              ("SOL", 200.0, "BINANCE:BTCUSD_PERP"), ("BNB", 700.0, "OKX:BTC-USD-SWAP"),
              ("LINK", 22.0, "BYBIT:BTCUSD")]
    for k in range(n_port):
        with open(src / f"fund_{k:04d}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["asset", "quantity", "price", "beta", "hedge_ratio", "contract"])
            for i in range(n_hold):
                a, p, c = assets[i % len(assets)]
                w.writerow([f"{a}{i}", round(rng.uniform(1, 1000), 4), p * rng.uniform(0.9, 1.1),
                            round(rng.uniform(0.5, 1.5), 2), f"{rng.integers(25, 100)}%", c])
    # one year of 8-hour funding: the last 1,095 rows of the bundled history
    rows = list(csv.reader(open(example_path("funding_binance_btcusd_perp.csv"))))
    funding = root / "funding.csv"
    with open(funding, "w", newline="") as f:
        csv.writer(f).writerows([rows[0]] + rows[-1095:])
    return src, funding


def floor_writer(cells_by_sheet, charts_src, out: Path):
    """The same cells and four charts with bare xlsxwriter."""
    wb = xlsxwriter.Workbook(str(out), {"in_memory": True})  # as hedgexl writes small ones
    for name, cells in cells_by_sheet.items():
        ws = wb.add_worksheet(name)
        for r, c, v in cells:
            ws.write(r, c, v)
    for sheet, cats, vals in charts_src:
        ch = wb.add_chart({"type": "line"})
        ch.add_series({"categories": cats, "values": vals})
        wb.get_worksheet_by_name("Dashboard").insert_chart("D1", ch)
    wb.close()


def read_cells(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = [(c.row - 1, c.column - 1, c.value) for row in ws.iter_rows()
                         for c in row if getattr(c, "value", None) is not None]
    return out


def dask_rate(jobs, out, opts):
    """Reports per second on a scheduler and 2 worker processes started for the run."""
    import socket
    import subprocess
    import sys
    from distributed import Client
    from hedgexl.reports.cluster import run_batch_cluster
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bin_ = Path(sys.executable).parent
    addr = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(bin_ / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1)
        procs += [subprocess.Popen([str(bin_ / "dask"), "worker", addr, "--nthreads", "1",
                                    "--no-dashboard"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) for _ in range(2)]
        with Client(addr, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
            t0 = time.perf_counter()
            results = run_batch_cluster(jobs, out, opts, addr, progress=False, client=c)
            dt = time.perf_counter() - t0
        assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
        return len(jobs) / dt
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--portfolios", type=int, default=200)
    ap.add_argument("--holdings", type=int, default=25)
    ap.add_argument("--template", action="store_true",
                    help="also time a batch with a customised template")
    ap.add_argument("--scheduler", action="store_true",
                    help="also time the batch on a 2-worker Dask cluster on 127.0.0.1")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hedgexl-bench-"))
    try:
        src, funding = make_inputs(root, args.portfolios, args.holdings)
        jobs = discover(src)
        opts = ReportOptions(funding=str(funding), mode="static", force=True)
        rates = {}
        for workers in (1, 2):
            out = root / f"out{workers}"
            t0 = time.perf_counter()
            results = run_batch(jobs, out, opts, workers=workers, progress=False)
            dt = time.perf_counter() - t0
            assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
            rates[workers] = len(jobs) / dt
            print(f"{workers} worker(s): {len(jobs)} reports in {dt:.2f} s = "
                  f"{rates[workers]:.1f} reports/s")
        # floor: same cells and charts with bare xlsxwriter, one process
        cells = read_cells(root / "out1" / f"{jobs[0].name}.xlsx")
        m = 1096
        charts = [("Dashboard", "=Holdings!$A$2:$A$26", "=Holdings!$G$2:$G$26"),
                  ("Dashboard", "=Scenarios!$B$4:$B$14", "=Scenarios!$F$4:$F$14"),
                  ("Dashboard", f"=Funding!$A$2:$A${m}", f"=Funding!$E$2:$E${m}"),
                  ("Dashboard", "=PnL!$D$3:$D$7", "=PnL!$E$3:$E$7")]
        n_floor = min(len(jobs), 50)
        t0 = time.perf_counter()
        for k in range(n_floor):
            floor_writer(cells, charts, root / f"floor_{k}.xlsx")
        floor_rate = n_floor / (time.perf_counter() - t0)
        ncells = sum(len(v) for v in cells.values())
        print(f"floor (bare xlsxwriter, same {ncells:,} cells and 4 charts, 1 process): "
              f"{floor_rate:.1f} reports/s")
        print(f"ratio to the floor (1 worker): {floor_rate / rates[1]:.2f}x "
              f"(target <= 2x)")
        print(f"reports/s with 2 workers: {rates[2]:.1f} (target >= 10)")
        if args.template:
            import sys
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            import custom_template
            tpl = custom_template.make(root / "acme_template.xlsx")
            topts = ReportOptions(funding=str(funding), mode="static", force=True,
                                  template=str(tpl))
            t0 = time.perf_counter()
            results = run_batch(jobs, root / "out_tpl", topts, workers=2, progress=False)
            dt = time.perf_counter() - t0
            assert all(r.ok for r in results)
            print(f"with a customised template (2 workers): {len(jobs) / dt:.1f} reports/s, "
                  f"{rates[2] * dt / len(jobs):.2f}x the time of the plain batch")
        if args.scheduler:
            rate = dask_rate(jobs, root / "out_dask", opts)
            print(f"Dask, 2 workers on 127.0.0.1: {rate:.1f} reports/s = "
                  f"{rate / rates[2]:.2f}x the local pool of 2 (target >= 0.8x); "
                  f"{1 / rate * 2:.3f} s of a worker per report")
        self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak memory: driver {self_kb / 1024:.0f} MiB, largest worker "
              f"{child_kb / 1024:.0f} MiB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
