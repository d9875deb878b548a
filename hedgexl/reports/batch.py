"""Many reports: one per portfolio, from a folder of holdings files or one long file with a
portfolio column (a book file), optionally in parallel processes.

A bad portfolio fails alone: its name, file, row and reason are reported, the others finish,
no partial report is left behind, and the run's exit code is non-zero. That holds for a bad
row of a book file (only its portfolio fails) and for a worker process that dies (killed,
or out of memory): the reports it had in hand are run again one at a time in a fresh
process, and the one that kills its process again is the one that fails.

Files: the output folder is locked while a batch writes into it; reports are created
exclusively unless ``--force``; temporary files of runs that were killed are removed;
``--resume`` keeps the reports that are complete. Workers exit when the batch process dies.

Memory stays flat for a folder: its files are read inside the workers, and at most two
reports per worker are in flight. A book file is read once, by the batch process.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from dataclasses import replace as replace_options
from pathlib import Path

from .. import core
from ..files import (FolderLock, OutputError, check_target, clean_stale, csv_safe, replacing,
                     same_file)
from ..inputs import InputError, read_holdings
from ..inputs.tables import near_miss
from ..workbook.custom import read_template
from .report import SUMMARY_COLUMNS, ReportOptions, ReportResult, load_shared, make_report

__all__ = ["Job", "discover", "run_batch", "write_summary", "format_summary", "csv_safe",
           "check_names", "match_positions", "positions_for", "unused_positions",
           "position_portfolios"]

HOLDINGS_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".txt", ".tsv"}

#: Said for a report whose worker process died twice, the second time alone.
WORKER_DIED = ("its worker process died while writing this report, twice (killed, or out "
               "of memory)")


def safe_name(name: str) -> str:
    """A portfolio's name as a report's file name: characters a file system refuses made
    ``_``, at most 120 characters and 200 bytes of UTF-8 (a file name may have 255 bytes;
    a CJK letter takes 3), never cut inside a character.

    >>> safe_name("Fund A/B: 2024"), len(safe_name("\u57fa\u91d1" * 60).encode())
    ('Fund A_B_ 2024', 198)
    """
    s = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")[:120]
    while len(s.encode("utf-8")) > 200:
        s = s[:-1]
    return s.strip(" .") or "portfolio"


class Job:
    """One portfolio to report: a whole file, or one portfolio of a book file (its holdings,
    or the error that fails it, read by :func:`discover`)."""

    def __init__(self, name, source, portfolio_in_file=None, holdings=None, error=None):
        self.name, self.source, self.portfolio_in_file = name, str(source), portfolio_in_file
        self.holdings, self.error = holdings, error

    def __repr__(self):
        return f"Job({self.name!r}, {self.source!r})"


def discover(input_path, opts: ReportOptions | None = None, positions=None) -> list[Job]:
    """Jobs for a folder of holdings files, or a single book file with a portfolio column
    (read here, with ``opts``' default hedge ratio, decimal mark and separator).

    ``positions``: the positions file's portfolios (:func:`position_portfolios`). A book
    file's portfolio that they spell another way (``fund b`` for ``Fund B``) fails: its
    report would show no hedge held."""
    opts = opts or ReportOptions()
    jobs = _discover(Path(input_path), opts)
    if positions:
        match_positions(jobs, positions, opts.positions)
    return jobs


def position_portfolios(opts: ReportOptions):
    """``{portfolio: Positions}`` of ``opts.positions`` (None without one), read once by
    the batch process for the checks before and after the run."""
    if not opts.positions:
        return None
    from ..inputs import read_positions
    return read_positions(opts.positions, split_portfolios=True, **opts.read)


def positions_for(positions, name: str, source):
    """A batch portfolio's own positions (``positions``: ``{portfolio: Positions}``): those
    named exactly ``name``; None when the file has none; a near miss (``fund b`` for
    ``Fund B``) refused, since the report would show no hedge held."""
    if not positions:
        return None
    if name in positions:
        return positions[name]
    near = near_miss(name, positions)
    if near is not None:
        raise InputError(source, f"portfolio {near!r} differs from {name!r} only in case "
                                 f"or spacing; write it exactly as the holdings do, or "
                                 f"{name!r} is reported with no hedge held")
    return None


def unused_positions(results, positions, source) -> list[str]:
    """The portfolios of the positions file (``source``) that no report of the batch used:
    said after the run (a folder's files name their portfolios only once they are read)."""
    used = {getattr(r, "positions_of", None) for r in results}
    return [f"{Path(source).name}: the positions of portfolio {name!r} ({_rows(pos)}) are "
            f"in no report: no portfolio of that name was reported"
            for name, pos in (positions or {}).items() if name not in used]


def _rows(pos) -> str:
    """The file rows of a portfolio's positions, for a message."""
    rows = sorted(r for rs in pos.rows for r in rs)
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows[:5]))}" \
        + (" ..." if len(rows) > 5 else "")


def match_positions(jobs, positions, source) -> None:
    """Fail the jobs of a book file whose portfolio the positions file spells another way
    (before any work). The positions no report used are said after the run
    (:func:`unused_positions`)."""
    if any(j.portfolio_in_file is None for j in jobs):
        return  # a folder: each file's own portfolio column is read with the file
    by_name = {j.name: j for j in jobs}
    for name, pos in positions.items():
        near = None if name in by_name else near_miss(name, by_name)
        j = by_name.get(near)
        if j is not None and j.error is None:
            j.error = InputError(source, f"portfolio {name!r} ({_rows(pos)}) differs from "
                                         f"{j.name!r} only in case or spacing; write it "
                                         f"exactly as the holdings do, or {j.name!r} is "
                                         f"reported with no hedge held")


def _discover(p: Path, opts: ReportOptions) -> list[Job]:
    if p.is_dir():
        files = sorted(f for f in p.iterdir()
                       if f.is_file() and f.suffix.lower() in HOLDINGS_SUFFIXES
                       and not f.name.startswith((".", "~$")))
        if not files:
            raise InputError(p, "no holdings files (.csv, .xlsx) in this folder")
        return [Job(f.stem, f) for f in files]
    if not p.exists():
        raise InputError(p, "no such file or folder")
    groups = read_holdings(p, split_portfolios=True,
                           default_hedge_ratio=opts.default_hedge_ratio, **opts.read)
    return [Job(name, p, name, None if isinstance(g, InputError) else g,
                g if isinstance(g, InputError) else None) for name, g in groups.items()]


# --- worker side -------------------------------------------------------------------------
WORKER_SHARED = {}


def _watch_parent(ppid: int) -> None:
    """Exit when the batch process is gone (a worker is then orphaned: its parent changes)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(1)


def _init_worker(opts: ReportOptions, custom=None, ppid=None):
    WORKER_SHARED.clear()
    WORKER_SHARED["opts"] = opts
    if ppid is not None:
        threading.Thread(target=_watch_parent, args=(ppid,), daemon=True).start()
    try:
        WORKER_SHARED["data"] = load_shared(opts, custom, split=True)
    except (InputError, ValueError) as e:
        WORKER_SHARED["error"] = str(e)


def report_path(job: Job, out_dir) -> Path:
    """Where the report of ``job`` is written in ``out_dir``."""
    return Path(out_dir) / f"{safe_name(job.name)}.xlsx"


def run_job(job: Job, out_dir: str, replace: bool = False) -> ReportResult:
    """``replace``: the report may be replaced (it is this batch's own, written by a worker
    that died before it could say so)."""
    opts = WORKER_SHARED["opts"]
    out = report_path(job, out_dir)
    if replace:
        opts = replace_options(opts, force=True)
    try:
        if "error" in WORKER_SHARED:
            raise ValueError(WORKER_SHARED["error"])
        if job.error is not None:
            raise job.error
        funding, prices, custom, positions = WORKER_SHARED["data"]
        if job.holdings is not None:
            h = job.holdings
        else:
            h = read_holdings(job.source, default_hedge_ratio=opts.default_hedge_ratio,
                              **opts.read)
            h.name = job.name
        name = h.portfolio or job.name  # a folder's file may name its portfolio itself
        mine = positions_for(positions, name, opts.positions)
        r = make_report(h, out, opts, funding, prices, custom, mine)
        r.positions_of = name if mine is not None else None
        return r
    except (InputError, ValueError, FileExistsError, OSError) as e:
        return ReportResult(job.name, job.source, None, False, error=str(e))
    except Exception as e:  # one broken portfolio must not stop the others
        return ReportResult(job.name, job.source, None, False,
                            error=f"{type(e).__name__}: {e}")


# --- driver ------------------------------------------------------------------------------
class BatchProgress:
    """A progress bar on a terminal (tqdm); quiet log lines otherwise."""

    def __init__(self, total, stream=None):
        stream = sys.stderr if stream is None else stream  # the stream of now, not of import
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


def check_names(jobs) -> None:
    """Refuse two portfolios that would write the same report."""
    names = {}
    for j in jobs:
        key = safe_name(j.name).lower()
        if key in names:
            raise InputError(j.source, f"portfolio {j.name!r} would overwrite the report of "
                             f"{names[key].name!r} from {names[key].source}")
        names[key] = j


def run_batch(jobs, out_dir, opts: ReportOptions, workers: int = 1,
              progress: bool = True, custom=None) -> list[ReportResult]:
    """Write one report per job into ``out_dir``; results in the order of ``jobs``. The
    template (``opts.template``) is read once here, its warnings printed once, and handed
    to the workers."""
    if workers < 1:
        raise ValueError(f"--workers must be 1 or more, got {workers}")
    if custom is None and opts.template:
        custom = read_template(opts.template)
        for w in custom.warnings:
            print(f"warning: template {opts.template}: {w}", file=sys.stderr)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"-o {out_dir}: not a folder; a batch writes one report per "
                          f"portfolio into a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    check_names(jobs)
    with FolderLock(out_dir):
        stale = clean_stale(out_dir)
        if stale:
            print(f"removed {len(stale)} temporary file(s) left by a run that was killed",
                  file=sys.stderr)
        bar = BatchProgress(len(jobs)) if progress else None
        try:
            if workers == 1:
                _init_worker(opts, custom)
                results = []
                for j in jobs:
                    results.append(run_job(j, str(out_dir)))
                    if bar:
                        bar.update(results[-1])
            else:
                before = {p.name for p in out_dir.iterdir()}
                results = _run_pool(jobs, str(out_dir), opts, custom, workers,
                                    bar.update if bar else (lambda r: None), before)
        finally:
            if bar:
                bar.close()
    return results


def _run_pool(jobs, out_dir, opts, custom, workers, on_result,
              before=frozenset()) -> list[ReportResult]:
    """Run ``jobs`` in a pool of ``workers`` processes. When a worker dies, the pool breaks
    and every report in flight is lost with it: those run again one at a time in a
    one-process pool, so that only a report that kills its process again fails.

    ``before``: the names in ``out_dir`` when the batch began. A report lost in flight may
    have been written just before its worker died; it is replaced when rerun, unless it was
    there before the batch."""
    queue = deque(enumerate(jobs))
    suspects: deque = deque()
    results: dict[int, ReportResult] = {}
    run = _Round(out_dir, opts, custom, workers, on_result, before, suspects, results)
    while queue or suspects:
        if run.once(suspects if suspects else queue, alone=bool(suspects)):
            clean_stale(out_dir)  # a dead worker's half-written report
    return [results[i] for i in range(len(jobs))]


@dataclass
class _Round:
    """One pool's run over a queue of jobs; what it leaves: ``results`` by job index, and
    the ``suspects`` in flight when a worker died (run again alone)."""

    out_dir: Path
    opts: object
    custom: object
    workers: int
    on_result: object
    before: frozenset
    suspects: deque
    results: dict

    def once(self, source: deque, alone: bool) -> bool:
        """Run ``source`` in a pool (one process when ``alone``); True when it broke."""
        width = 1 if alone else 2 * self.workers
        pool = ProcessPoolExecutor(max_workers=1 if alone else self.workers,
                                   initializer=_init_worker,
                                   initargs=(self.opts, self.custom, os.getpid()))
        inflight: dict = {}
        broken = False
        try:
            while (source or inflight) and not broken:
                while source and len(inflight) < width:
                    i, j = source.popleft()
                    own = alone and report_path(j, self.out_dir).name not in self.before
                    inflight[pool.submit(run_job, j, self.out_dir, own)] = (i, j)
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for f in done:
                    broken |= self._collect(f, inflight.pop(f), alone)
            self.suspects.extend(inflight.values())  # lost with a broken pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return broken

    def _collect(self, f, job, alone: bool) -> bool:
        """A finished job's result; True when its worker died (then, in a shared pool, it
        is a suspect to run again alone; alone, it failed)."""
        i, j = job
        try:
            r = f.result()
        except BrokenProcessPool:
            if not alone:
                self.suspects.append((i, j))
                return True
            r = ReportResult(j.name, j.source, None, False, error=WORKER_DIED)
            self.results[i] = r
            self.on_result(r)
            return True
        self.results[i] = r
        self.on_result(r)
        return False


def _near(near, refused) -> str:
    """The nearest liquidation distance as the summary prints it."""
    text = "" if near is None else f"{near:.1%}"
    return f"{text} +{refused} ref".strip() if refused else text


def format_summary(results: list[ReportResult]) -> str:
    desk = any((r.totals or {}).get("trades") is not None for r in results)
    head = f"{'portfolio':<24} {'status':<7} {'rows':>5} {'spot value USD':>16} " \
           f"{'hedge USD':>16} {'coverage':>9} " + \
           (f"{'trades':>6} {'nearest liq.':>12} {'carry USD/yr':>13}" if desk
            else f"{'funding':>17}")
    lines = [head, "-" * len(head)]
    tv = tn = tr = 0.0
    for r in results:
        t = r.totals or {}
        if r.ok:
            tv += t["value"]
            tn += t["notional"]
            tr += t["residual"]
        lines.append(_summary_line(r, desk))
    ok = sum(r.ok for r in results)
    lines.append("-" * len(head))
    lines.append(f"{'total':<24} {f'{ok}/{len(results)}':<7} {'':>5} {tv:>16,.2f} "
                 f"{tn:>16,.2f} {((tn - tr) / tv if tv else 0):>9.2%}")
    refused = any((r.totals or {}).get("liquidation_refused") for r in results)
    lines.append("coverage: beta-adjusted hedge notional net of rounding / spot value"
                 + ("; nearest liq.: the smallest move to a liquidation, of the mark"
                    if desk else "; funding: over the funding history, + received")
                 + ("; +N ref: N positions whose liquidation is refused (beyond their "
                    "bundled margin tiers: see the report's notes)" if refused else ""))
    return "\n".join(lines)


def _summary_line(r: ReportResult, desk: bool) -> str:
    """One portfolio's line: its totals, and the desk's figures or its funding."""
    if not r.ok:
        return f"{r.portfolio[:24]:<24} {'FAILED':<7} {'':>5} {r.error[:60]}"
    t = r.totals or {}
    line = (f"{r.portfolio[:24]:<24} {r.status:<7} {r.holdings:>5} "
            f"{t['value']:>16,.2f} {t['notional']:>16,.2f} {t['coverage']:>9.2%} ")
    if desk:
        near, carry = t.get("nearest_liquidation"), t.get("carry_year_usd")
        line += (f"{'' if t.get('trades') is None else t['trades']:>6} "
                 f"{_near(near, t.get('liquidation_refused')):>12} "
                 f"{'' if carry is None else f'{carry:,.0f}':>13}")
    else:
        cur = t.get("funding_coin_name", "") or ""
        digits = 2 if core.is_stable(cur) else 8  # dollars, or coin
        fund = "" if t.get("funding") is None else f"{t['funding']:,.{digits}f} {cur}"
        line += f"{fund:>17}"
    return line.rstrip()


def write_summary(results: list[ReportResult], path, *, inputs=()) -> Path:
    """The totals table as CSV, one row per portfolio in input order, written through a
    temporary file. ``inputs``: ``(what, path)`` pairs it must not replace."""
    p = check_target(path, inputs=inputs, force=True, flag="--summary")
    for r in results:
        if r.path and p.exists() and same_file(p, r.path):
            raise OutputError(f"--summary {p}: that is the report of {r.portfolio!r}")
    with replacing(p) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for r in results:
            w.writerow({k: csv_safe(v) for k, v in r.summary_row().items()})
    return p
