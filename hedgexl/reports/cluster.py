"""The same batch on a Dask cluster (``hedgexl batch ... --scheduler tcp://HOST:PORT``).

Without ``--scheduler`` nothing here is imported, nor Dask. With it:

- before any work: every worker must run this hedgexl version (a mismatch is refused with
  both versions), and must see the output folder (a worker that cannot is named, and the run
  stops; ``--collect`` lifts that: each report's bytes come back and are written here);
- the shared inputs (funding, prices, template, positions) are read once, here, and sent to
  each worker once; a task carries one portfolio's rows (a book file, split in one pass by
  :func:`~hedgexl.reports.batch.discover`) or one file's path;
- each portfolio fails alone, as in the local batch; a worker that dies mid-report has its
  tasks run again on another worker by Dask, and the report it may have committed before
  dying is this batch's own, so the rerun may replace it; temporary files it left are removed
  at the end, under the folder's lock;
- results, the progress bar and the summary are in input order, as in the local batch.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import uuid
from pathlib import Path

from .. import __version__
from ..files import FolderLock, OutputError, clean_stale, replacing
from .batch import WORKER_DIED, BatchProgress, report_path, run_job, WORKER_SHARED, check_names
from .report import (ReportOptions, ReportResult, is_complete, load_shared,
                     written_fingerprint)

__all__ = ["run_batch_cluster", "ClusterError"]

#: Tries of a portfolio whose task raised (Dask's ``retries``); a worker's death is retried
#: by the scheduler on its own (``distributed.scheduler.allowed-failures``).
RETRIES = 2
#: At most this many portfolios per task.
CHUNK = 8


class ClusterError(ValueError):
    """The cluster cannot run this batch (versions, the output folder, no workers)."""


def _probe(out_dir: str, token: str, collect: bool) -> dict:
    """Run on each worker: its hedgexl version, and whether it sees the client's probe file
    in the output folder and can write there."""
    import hedgexl
    seen = writable = True
    if not collect:
        p = Path(out_dir)
        seen = (p / f".hedgexl-probe-{token}").is_file()
        try:
            with tempfile.NamedTemporaryFile(dir=p, prefix=".hedgexl-probe-w", delete=True):
                pass
        except OSError:
            writable = False
    return {"version": hedgexl.__version__, "seen": seen, "writable": writable,
            "host": os.uname().nodename if hasattr(os, "uname") else ""}


_LOCK = threading.Lock()
_LOADED: dict = {}


def _task(batch, out_dir: str, opts: ReportOptions, shared, collect: bool):
    """Run on a worker: a few reports, ``batch`` = ``[(index, job, own), ...]``. ``shared``
    is what every portfolio uses, sent once: ``(run id, the inputs read by the client, the
    contracts and tiers files' bytes)``. With ``collect`` each report is written to a
    private folder and its bytes returned."""
    run, data, files = shared
    with _LOCK:  # a worker with several threads sets the shared inputs once per run
        if _LOADED.get("run") != run:
            _load_files(files)
            WORKER_SHARED.clear()
            WORKER_SHARED.update(opts=opts, data=data)
            _LOADED["run"] = run
    out = []
    for i, job, own in batch:
        if not collect:
            out.append((i, run_job(job, out_dir, own), None))
            continue
        with tempfile.TemporaryDirectory(prefix="hedgexl-") as d:
            r = run_job(job, d, False)
            blob = None
            if r.ok and r.path:
                blob = Path(r.path).read_bytes()
                r.path = str(report_path(job, out_dir))
            out.append((i, r, blob))
    return out


def _load_files(files: dict) -> None:
    """The client's --contracts and --tiers, loaded into this worker's registries (the
    worker need not see the client's files)."""
    from .. import core
    core.reset_contracts()
    core.reset_tiers()
    for what, blob in files.items():
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / f"{what}.csv"
            p.write_bytes(blob)
            (core.load_contracts if what == "contracts" else core.load_tiers)(p)


def _client(scheduler: str):
    from dask.distributed import Client
    if scheduler == "local":  # a cluster on this machine, started and stopped here
        return Client(processes=True, threads_per_worker=1, dashboard_address=None)
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as e:
        raise ClusterError(f"--scheduler {scheduler}: cannot reach the scheduler ({e})") \
            from None


def _check_workers(client, out_dir: Path, collect: bool, scheduler: str) -> int:
    token = uuid.uuid4().hex
    probe = out_dir / f".hedgexl-probe-{token}"
    if not collect:
        probe.write_text("hedgexl")
    try:
        info = client.run(_probe, str(out_dir), token, collect)
    finally:
        if probe.exists():
            probe.unlink()
    if not info:
        raise ClusterError(f"--scheduler {scheduler}: no workers are connected; start them "
                           f"with: dask worker {scheduler}")
    for addr, w in sorted(info.items()):
        if w["version"] != __version__:
            raise ClusterError(f"worker {addr} runs hedgexl {w['version']}, this client "
                               f"hedgexl {__version__}: install the same version on both")
    for addr, w in sorted(info.items()):
        if not w["seen"]:
            raise ClusterError(f"worker {addr} ({w['host']}) cannot see -o {out_dir}: every "
                               f"worker must reach the output folder at the same path (a "
                               f"shared file system), or add --collect to write the reports "
                               f"here")
        if not w["writable"]:
            raise ClusterError(f"worker {addr} ({w['host']}) cannot write into -o {out_dir}; "
                               f"or add --collect to write the reports here")
    return len(info)


def run_batch_cluster(jobs, out_dir, opts: ReportOptions, scheduler: str, *,
                      collect: bool = False, progress: bool = True, custom=None,
                      client=None) -> list[ReportResult]:
    """:func:`~hedgexl.reports.batch.run_batch` on a Dask cluster at ``scheduler``
    (``tcp://HOST:PORT``, or ``local`` for a cluster on this machine)."""
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"-o {out_dir}: not a folder; a batch writes one report per "
                          f"portfolio into a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    check_names(jobs)
    own_client = client is None
    client = client or _client(scheduler)
    try:
        with FolderLock(out_dir):
            stale = clean_stale(out_dir)
            if stale:
                print(f"removed {len(stale)} temporary file(s) left by a run that was "
                      f"killed", file=sys.stderr)
            n = _check_workers(client, out_dir, collect, scheduler)
            print(f"{n} Dask worker(s) at {scheduler}, hedgexl {__version__}",
                  file=sys.stderr)
            if custom is None and opts.template:
                from ..workbook.custom import read_template
                custom = read_template(opts.template)
                for w in custom.warnings:
                    print(f"warning: template {opts.template}: {w}", file=sys.stderr)
            shared = load_shared(opts, custom, split=True)
            before = {p.name for p in out_dir.iterdir()}
            return _run(client, jobs, out_dir, opts, shared, before, collect, progress)
    finally:
        if own_client:
            client.close()


def _run(client, jobs, out_dir, opts, shared, before, collect, progress):
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker
    files = {w: Path(p).read_bytes() for w, p in (("contracts", opts.contracts),
                                                  ("tiers", opts.tiers)) if p}
    [data] = client.scatter([(uuid.uuid4().hex, shared, files)], broadcast=True, hash=False)
    results, todo = _triage(jobs, out_dir, before)
    futures = _submit(client, todo, out_dir, opts, data, collect)
    bar = BatchProgress(len(jobs)) if progress else None
    if bar:
        for r in results.values():
            bar.update(r)
    try:
        for f in as_completed(futures):
            try:
                done = f.result()
            except KilledWorker:
                done = [(i, ReportResult(j.name, j.source, None, False, error=WORKER_DIED),
                         None) for i, j, _ in futures[f]]
            for i, r, blob in done:
                results[i] = _land(jobs[i], r, blob, out_dir, opts)
                if bar:
                    bar.update(results[i])
    finally:
        if bar:
            bar.close()
        for f in futures:
            f.cancel()
        clean_stale(out_dir, every=True)  # a dead worker's half-written report
    return [results[i] for i in range(len(jobs))]


def _triage(jobs, out_dir, before):
    """The results known before any task (a bad row of a book file fails its portfolio
    here), and the jobs to run: ``(index, job, whether it may replace its file)``."""
    results: dict[int, ReportResult] = {}
    todo = []
    for i, j in enumerate(jobs):
        if j.error is not None:
            results[i] = ReportResult(j.name, j.source, None, False, error=str(j.error))
            continue
        todo.append((i, j, report_path(j, out_dir).name not in before))
    return results, todo


def _submit(client, todo, out_dir, opts, data, collect) -> dict:
    """One task per few portfolios: fewer round trips to the scheduler, and still many
    tasks per worker for balance. Returns future -> its part of ``todo``."""
    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    size = max(1, min(CHUNK, len(todo) // (8 * workers)))
    futures = {}
    for k in range(0, len(todo), size):
        part = todo[k:k + size]
        f = client.submit(_task, part, str(out_dir), opts, data, collect,
                          key=f"hedgexl-reports-{k}-{uuid.uuid4().hex[:8]}", pure=False,
                          retries=RETRIES)
        futures[f] = part
    return futures


def _land(j, r: ReportResult, blob, out_dir, opts) -> ReportResult:
    """A report sent back (``--collect``) written here, whole: kept unchanged when
    ``--resume`` finds the same fingerprint; an error writing it fails its portfolio."""
    local = report_path(j, out_dir)
    try:
        old = written_fingerprint(local) if blob is not None and opts.resume \
            and is_complete(local) else None
        if old is not None and old == written_fingerprint(blob):
            r.kept = True  # as locally: the numbers recomputed, the file kept
        elif blob is not None:
            with replacing(local, force=opts.force or old is not None) as tmp:
                tmp.write_bytes(blob)
    except (OSError, FileExistsError) as e:
        r = ReportResult(j.name, j.source, None, False, error=str(e))
    return r
