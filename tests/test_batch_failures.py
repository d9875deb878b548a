"""Batches that lose nothing: a bad row fails its portfolio alone, a dead worker fails
(at most) its report alone, a killed run leaves no orphan and no debris that --resume does
not clear, and the summary is complete and in input order (issue 10)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from hedgexl.reports import batch
from refusal import run

ROOT = Path(__file__).resolve().parents[1]


def book(path, names, bad=None):
    """A book file: one BTC holding per portfolio; ``bad`` portfolio gets a bad price."""
    lines = ["portfolio,asset,quantity,price,contract"]
    for i, n in enumerate(names):
        price = "-5" if n == bad else "100000"
        lines.append(f"{n},BTC,{i + 1},{price},BINANCE:BTCUSD_PERP")
        lines.append(f"{n},ETH,{10 * (i + 1)},3000,BINANCE:ETHUSD_PERP")
    path.write_text("\n".join(lines) + "\n")
    return path


def summary_rows(path):
    return list(csv.DictReader(open(path, encoding="utf-8")))


def test_a_bad_row_fails_its_portfolio_only(tmp_path, capsys):
    names = ["Fund A", "Fund B", "Fund C"]
    f = book(tmp_path / "book.csv", names, bad="Fund B")
    with open(f, "a") as out:
        out.write(",BTC,1,100000,BINANCE:BTCUSD_PERP\n")  # row 8: no portfolio
    s = tmp_path / "s.csv"
    rc, _, err = run(capsys, "batch", f, "-o", tmp_path / "out", "--summary", s)
    assert rc == 1
    assert f"FAILED Fund B ({f}): {f}, row 4: price must be > 0 (USD per coin), got -5" in err
    assert f"FAILED (row 8: no portfolio) ({f}): {f}, row 8: portfolio is blank" in err
    rows = summary_rows(s)
    assert [(r["portfolio"], r["status"]) for r in rows] == [
        ("Fund A", "ok"), ("Fund B", "FAILED"), ("Fund C", "ok"),
        ("(row 8: no portfolio)", "FAILED")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Fund A.xlsx",
                                                                   "Fund C.xlsx"]


def test_a_book_file_takes_the_flags(tmp_path, capsys):
    # the book is read once, by the batch: --hedge-ratio and --decimal apply to it
    f = tmp_path / "book.csv"
    f.write_text("portfolio;asset;quantity;price\nA;BTC;2,5;100000\n")
    rc, _, err = run(capsys, "batch", f, "-o", tmp_path / "out", "--hedge-ratio", "50%",
                     "--decimal", ",")
    assert rc == 0, err
    ws = openpyxl.load_workbook(tmp_path / "out" / "A.xlsx")["Holdings"]
    assert (ws["B2"].value, ws["E2"].value) == (2.5, 0.5)


def test_the_summary_keeps_input_order_with_workers(tmp_path, capsys):
    names = [f"P{i:02d}" for i in range(12)][::-1]  # not sorted: the file's order counts
    f = book(tmp_path / "book.csv", names)
    s = tmp_path / "s.csv"
    rc, _, err = run(capsys, "batch", f, "-o", tmp_path / "out", "--workers", "2",
                     "--summary", s)
    assert rc == 0, err
    assert [r["portfolio"] for r in summary_rows(s)] == names


def test_a_dead_worker_fails_its_report_alone(tmp_path, monkeypatch):
    # A worker killed while it writes one portfolio (as the OOM killer would): the pool
    # breaks, the reports in flight run again one at a time, and only the one that kills
    # its process again fails. Workers are forked, so they run this patched make_report.
    real = batch.make_report

    def make_report(h, *a, **kw):
        if h.name == "doomed":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(h, *a, **kw)
    monkeypatch.setattr(batch, "make_report", make_report)
    names = [f"P{i}" for i in range(5)] + ["doomed"] + [f"Q{i}" for i in range(5)]
    f = book(tmp_path / "book.csv", names)
    jobs = batch.discover(f)
    opts = batch.ReportOptions()
    results = batch.run_batch(jobs, tmp_path / "out", opts, workers=2, progress=False)
    assert [r.portfolio for r in results] == names
    assert [r.ok for r in results] == [n != "doomed" for n in names]
    assert results[5].error == batch.WORKER_DIED
    assert not list((tmp_path / "out").glob(".*"))  # no temporary file left


def _children(pid):
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid):
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(argv):
    return subprocess.Popen([sys.executable, "-m", "hedgexl.cli", *map(str, argv)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for_reports(out, n, proc, timeout=60):
    t = time.time()
    while time.time() - t < timeout:
        if out.is_dir() and len(list(out.glob("*.xlsx"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the batch ended before {n} reports: {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail("no reports appeared")


@pytest.mark.slow
def test_kill_a_worker_then_the_parent_then_resume(tmp_path):
    names = [f"F{i:03d}" for i in range(60)]
    f = book(tmp_path / "book.csv", names)

    # 1. SIGKILL a worker mid-batch: every portfolio still gets its report
    out, s = tmp_path / "out1", tmp_path / "s1.csv"
    p = _start(["batch", f, "-o", out, "--workers", "2", "--summary", s])
    _wait_for_reports(out, 3, p)
    workers = _children(p.pid)
    assert workers, "no worker processes"
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert [(r["portfolio"], r["status"]) for r in summary_rows(s)] == [(n, "ok")
                                                                       for n in names]
    assert sorted(x.name for x in out.iterdir()) == [f"{n}.xlsx" for n in names]

    # 2. SIGKILL the batch itself: its workers exit with it
    out, s = tmp_path / "out2", tmp_path / "s2.csv"
    p = _start(["batch", f, "-o", out, "--workers", "2", "--summary", s])
    _wait_for_reports(out, 3, p)
    workers = _children(p.pid)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    t = time.time()
    while any(_alive(w) for w in workers) and time.time() - t < 5:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived the batch"
    done = sorted(x.name for x in out.glob("*.xlsx"))
    assert 3 <= len(done) < len(names)
    assert not s.exists()

    # 3. --resume keeps the complete reports, writes the rest, clears debris, and the
    # summary is whole, in input order
    (out / f".{names[-1]}.xlsx.999999.tmp").write_bytes(b"half a report")  # a dead pid's
    kept = {n: (out / n).stat().st_mtime_ns for n in done}
    p = _start(["batch", f, "-o", out, "--workers", "2", "--summary", s, "--resume"])
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    rows = summary_rows(s)
    assert [r["portfolio"] for r in rows] == names
    assert {r["portfolio"] + ".xlsx" for r in rows if r["status"] == "kept"} == set(done)
    assert all(r["status"] in ("ok", "kept") and float(r["spot_value_usd"]) > 0
               for r in rows)
    assert sorted(x.name for x in out.iterdir()) == [f"{n}.xlsx" for n in names]
    assert {n: (out / n).stat().st_mtime_ns for n in done} == kept  # not rewritten
    assert "removed" in stderr and "temporary file(s)" in stderr
