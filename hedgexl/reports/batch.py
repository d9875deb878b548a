"""Many reports: one per portfolio, from a folder of holdings files or one long file with a
portfolio column, optionally in parallel processes.

A bad portfolio fails alone: its name, file, row and reason are reported, the others finish,
no partial report is left behind, and the run's exit code is non-zero. Memory stays flat:
portfolios are read inside the workers and at most two per worker are in flight.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from ..inputs import InputError, read_holdings
from ..workbook.custom import read_template
from .report import SUMMARY_COLUMNS, ReportOptions, ReportResult, load_shared, make_report

__all__ = ["Job", "discover", "run_batch", "write_summary", "format_summary"]

HOLDINGS_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".txt", ".tsv"}


def safe_name(name: str) -> str:
    s = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")
    return s[:120] or "portfolio"


class Job:
    """One portfolio to report: a whole file, or one portfolio of a long file."""

    def __init__(self, name, source, portfolio_in_file=None):
        self.name, self.source, self.portfolio_in_file = name, str(source), portfolio_in_file

    def __repr__(self):
        return f"Job({self.name!r}, {self.source!r})"


def discover(input_path) -> list[Job]:
    """Jobs for a folder of holdings files, or a single long file with a portfolio column."""
    p = Path(input_path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir()
                       if f.is_file() and f.suffix.lower() in HOLDINGS_SUFFIXES
                       and not f.name.startswith((".", "~$")))
        if not files:
            raise InputError(p, "no holdings files (.csv, .xlsx) in this folder")
        return [Job(f.stem, f) for f in files]
    if not p.exists():
        raise InputError(p, "no such file or folder")
    groups = read_holdings(p, split_portfolios=True)
    return [Job(name, p, name) for name in groups]


# --- worker side -------------------------------------------------------------------------
_SHARED = {}


def _init_worker(opts: ReportOptions, custom=None):
    _SHARED.clear()
    _SHARED["opts"] = opts
    try:
        _SHARED["data"] = load_shared(opts, custom)
    except (InputError, ValueError) as e:
        _SHARED["error"] = str(e)


def _run_job(job: Job, out_dir: str) -> ReportResult:
    opts = _SHARED["opts"]
    out = Path(out_dir) / f"{safe_name(job.name)}.xlsx"
    try:
        if "error" in _SHARED:
            raise ValueError(_SHARED["error"])
        funding, prices, custom = _SHARED["data"]
        if job.portfolio_in_file is None:
            h = read_holdings(job.source, default_hedge_ratio=opts.default_hedge_ratio)
            h.name = job.name
        else:
            h = read_holdings(job.source, default_hedge_ratio=opts.default_hedge_ratio,
                              split_portfolios=True)[job.portfolio_in_file]
        return make_report(h, out, opts, funding, prices, custom)
    except (InputError, ValueError, FileExistsError, OSError) as e:
        return ReportResult(job.name, job.source, None, False, error=str(e))
    except Exception as e:  # one broken portfolio must not stop the others
        return ReportResult(job.name, job.source, None, False,
                            error=f"{type(e).__name__}: {e}")


# --- driver ------------------------------------------------------------------------------
class _Progress:
    """A progress bar on a terminal (tqdm); quiet log lines otherwise."""

    def __init__(self, total, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.bar = None
        self.warned = set()
        if stream.isatty():
            try:
                from tqdm import tqdm
                import shutil
                cols = shutil.get_terminal_size((100, 20)).columns or 100
                self.bar = tqdm(total=total, unit="report", file=stream, ncols=min(cols, 100),
                                desc="reports")
            except ImportError:  # pragma: no cover
                self.bar = None

    def _say(self, msg):
        if self.bar is not None:
            self.bar.write(msg, file=self.stream)
        else:
            print(msg, file=self.stream)

    def update(self, r: ReportResult):
        self.done += 1
        if not r.ok:
            self._say(f"FAILED {r.portfolio} ({r.source}): {r.error}")
        for w in r.warnings:  # the same problem in every report is said once
            if w not in self.warned:
                self.warned.add(w)
                self._say(f"warning: {r.portfolio}: {w}")
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run_batch(jobs, out_dir, opts: ReportOptions, workers: int = 1,
              progress: bool = True, custom=None) -> list[ReportResult]:
    """Write one report per job into ``out_dir``. The template (``opts.template``) is read
    once here, its warnings printed once, and handed to the workers."""
    if custom is None and opts.template:
        custom = read_template(opts.template)
        for w in custom.warnings:
            print(f"warning: template {opts.template}: {w}", file=sys.stderr)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {}
    for j in jobs:  # two portfolios may not write the same report
        key = safe_name(j.name).lower()
        if key in names:
            raise InputError(j.source, f"portfolio {j.name!r} would overwrite the report of "
                             f"{names[key].name!r} from {names[key].source}")
        names[key] = j
    bar = _Progress(len(jobs)) if progress else None
    results: list[ReportResult] = []
    try:
        if workers <= 1:
            _init_worker(opts, custom)
            for j in jobs:
                r = _run_job(j, str(out_dir))
                results.append(r)
                if bar:
                    bar.update(r)
        else:
            with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                     initargs=(opts, custom)) as pool:
                it = iter(jobs)
                pending = set()
                order = {}
                for j in it:
                    f = pool.submit(_run_job, j, str(out_dir))
                    order[f] = len(order)
                    pending.add(f)
                    if len(pending) >= 2 * workers:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for f in done:
                            results.append((order.pop(f), f.result()))
                            if bar:
                                bar.update(results[-1][1])
                for f in list(pending):
                    results.append((order.pop(f), f.result()))
                    if bar:
                        bar.update(results[-1][1])
                results = [r for _, r in sorted(results, key=lambda t: t[0])]
    finally:
        if bar:
            bar.close()
    return results


def format_summary(results: list[ReportResult]) -> str:
    head = f"{'portfolio':<24} {'status':<7} {'rows':>5} {'spot value USD':>16} " \
           f"{'hedge USD':>16} {'coverage':>9} {'funding coin':>13}"
    lines = [head, "-" * len(head)]
    tv = tn = 0.0
    for r in results:
        t = r.totals or {}
        if r.ok:
            tv += t["value"]
            tn += t["notional"]
            fund = "" if t.get("funding") is None else f"{t['funding']:.8f}"
            lines.append(f"{r.portfolio[:24]:<24} {'ok':<7} {r.holdings:>5} "
                         f"{t['value']:>16,.2f} {t['notional']:>16,.2f} "
                         f"{t['coverage']:>9.2%} {fund:>13}")
        else:
            lines.append(f"{r.portfolio[:24]:<24} {'FAILED':<7} {'':>5} {r.error[:60]}")
    ok = sum(r.ok for r in results)
    lines.append("-" * len(head))
    lines.append(f"{'total':<24} {f'{ok}/{len(results)}':<7} {'':>5} {tv:>16,.2f} "
                 f"{tn:>16,.2f} {(tn / tv if tv else 0):>9.2%}")
    return "\n".join(lines)


def write_summary(results: list[ReportResult], path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for r in results:
            w.writerow(r.summary_row())
    os.replace(tmp, p)
    return p
