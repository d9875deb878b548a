"""``hedgexl batch --scheduler``: a real ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1, against the local batch; a worker killed mid-run; a worker of another version; a
worker that cannot see the output folder."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from python_calamine import CalamineWorkbook  # noqa: E402

from hedgexl import __version__, cli  # noqa: E402

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and workers as the README starts them, each its own process group."""

    def __init__(self, tmp: Path):
        self.tmp, self.port = tmp, free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs = []
        self._start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                     str(self.port), "--no-dashboard"], "scheduler")
        self.workers = []

    def _start(self, cmd, name, env=None, wrap=None):
        log = open(self.tmp / f"{name}.log", "w")
        p = subprocess.Popen(wrap[:-1] + [wrap[-1] + " " + " ".join(cmd)] if wrap else cmd,
                             stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             env={**os.environ, **(env or {})})
        self.procs.append(p)
        return p

    def worker(self, env=None, wrap=None):
        p = self._start([str(BIN / "dask"), "worker", self.address, "--nthreads", "1",
                         "--no-nanny", "--no-dashboard", "--local-directory",
                         str(self.tmp / f"w{len(self.workers)}")],
                        f"worker{len(self.workers)}", env, wrap)
        self.workers.append(p)
        return p

    def wait(self, n):
        from distributed import Client
        deadline = time.time() + 60
        while True:
            try:
                with Client(self.address, timeout="5s") as c:
                    c.wait_for_workers(n, timeout=max(1, deadline - time.time()))
                    return
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def book(path: Path, n=30, holdings=3, broken=(7, 19)) -> list[str]:
    """A book file of ``n`` portfolios; those in ``broken`` have a bad row."""
    lines = ["portfolio,asset,quantity,price,hedge_ratio,contract"]
    names = []
    assets = [("BTC", 60000.0, "BINANCE:BTCUSD_PERP"), ("ETH", 3000.0, "BINANCE:ETHUSD_PERP"),
              ("SOL", 150.0, "BINANCE:BTCUSD_PERP")]
    for i in range(n):
        name = f"P{i:03d}"
        names.append(name)
        for k in range(holdings):
            a, p, c = assets[k % 3]
            qty = "abc" if i == broken[0] and k == 1 else f"{1 + i + k * 0.5:g}"
            contract = "NOPE:XYZ" if i == broken[1] and k == 0 else c
            lines.append(f"{name},{a},{qty},{p * (1 + k / 1000):.2f},0.{5 + i % 5},{contract}")
    path.write_text("\n".join(lines) + "\n")
    return names


def cells(path):
    wb = CalamineWorkbook.from_path(str(path))
    return {s: wb.get_sheet_by_name(s).to_python() for s in wb.sheet_names}


def leftovers(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_dask_batch_matches_the_local_batch(cluster, tmp_path):
    cluster.worker()
    cluster.worker()
    cluster.wait(2)
    src = tmp_path / "book.csv"
    names = book(src)
    funding = Path(__file__).resolve().parents[1] / "hedgexl" / "data" / \
        "funding_binance_btcusd_perp.csv"
    common = ["--funding", str(funding), "--summary"]
    rc_local = cli.main(["batch", str(src), "-o", str(tmp_path / "local")] + common +
                        [str(tmp_path / "local.csv")])
    rc_dask = cli.main(["batch", str(src), "-o", str(tmp_path / "dask"), "--scheduler",
                        cluster.address] + common + [str(tmp_path / "dask.csv")])
    assert rc_local == rc_dask == 1  # two portfolios failed, alone
    local, dask = (tmp_path / "local.csv").read_text(), (tmp_path / "dask.csv").read_text()
    assert local.replace(str(tmp_path / "local"), "OUT") == \
        dask.replace(str(tmp_path / "dask"), "OUT")
    assert "P007" in dask and "quantity" in dask and "NOPE:XYZ" in dask
    made = sorted(p.name for p in (tmp_path / "dask").glob("*.xlsx"))
    assert made == sorted(f"{n}.xlsx" for n in names if n not in ("P007", "P019"))
    for name in made:
        assert cells(tmp_path / "dask" / name) == cells(tmp_path / "local" / name), name
    assert leftovers(tmp_path / "dask") == []
    # --collect: the reports come back to the client, the same again
    assert cli.main(["batch", str(src), "-o", str(tmp_path / "collected"), "--scheduler",
                     cluster.address, "--collect", "--funding", str(funding)]) == 1
    for name in made:
        assert cells(tmp_path / "collected" / name) == cells(tmp_path / "local" / name)
    # --resume keeps what is complete; without --force nothing is replaced
    victim = tmp_path / "dask" / made[0]
    stamp = victim.stat().st_mtime_ns
    (tmp_path / "dask" / made[1]).unlink()
    assert cli.main(["batch", str(src), "-o", str(tmp_path / "dask"), "--scheduler",
                     cluster.address, "--resume", "--funding", str(funding)]) == 1
    assert victim.stat().st_mtime_ns == stamp and (tmp_path / "dask" / made[1]).exists()


def test_a_worker_killed_mid_run_loses_nothing(cluster, tmp_path):
    w0 = cluster.worker()
    cluster.worker()
    cluster.wait(2)
    src = tmp_path / "book.csv"
    names = book(src, n=30, holdings=300)  # big enough that the kill lands mid-report
    out = tmp_path / "out"
    out.mkdir()
    # what a worker on another machine left when it died: its pid means nothing here (this
    # one is alive: the scheduler's), so only the end-of-run cleanup under the lock removes it
    (out / f".P005.xlsx.{cluster.procs[0].pid}.tmp").write_bytes(b"half a report")
    run = subprocess.Popen([str(BIN / "hedgexl"), "batch", str(src), "-o", str(out),
                            "--scheduler", cluster.address], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (out.exists() and len(list(out.glob("*.xlsx"))) >= 3):
        assert time.time() < deadline and run.poll() is None, run.communicate()
        time.sleep(0.05)
    os.killpg(w0.pid, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 1, stderr  # the two broken portfolios
    made = sorted(p.name for p in out.glob("*.xlsx"))
    assert made == sorted(f"{n}.xlsx" for n in names if n not in ("P007", "P019")), stderr
    from hedgexl.reports.report import is_complete
    assert all(is_complete(out / m) for m in made)
    assert leftovers(out) == []
    assert stdout.count(" ok ") == 28


def test_a_worker_of_another_version_is_refused(cluster, tmp_path, capsys):
    copy = tmp_path / "other"
    shutil.copytree(Path(cli.__file__).parent, copy / "hedgexl",
                    ignore=shutil.ignore_patterns("__pycache__"))
    init = copy / "hedgexl" / "__init__.py"
    init.write_text(init.read_text().replace(f'__version__ = "{__version__}"',
                                             '__version__ = "0.0.0+other"'))
    cluster.worker()
    cluster.worker(env={"PYTHONPATH": str(copy)})
    cluster.wait(2)
    src = tmp_path / "book.csv"
    book(src, n=3)
    out = tmp_path / "out"
    assert cli.main(["batch", str(src), "-o", str(out), "--scheduler", cluster.address]) == 1
    err = capsys.readouterr().err
    assert f"runs hedgexl 0.0.0+other, this client hedgexl {__version__}: install the same " \
           f"version on both" in err
    assert list(out.glob("*.xlsx")) == []


def test_a_worker_that_cannot_see_the_output_is_refused_before_any_work(cluster, tmp_path,
                                                                        capsys):
    if not shutil.which("unshare"):
        pytest.fail("unshare (util-linux) is needed to give a worker its own /tmp view")
    hidden = tmp_path / "shared"
    hidden.mkdir()
    cluster.worker()
    # this worker sees an empty tmpfs where the others see the output folder
    cluster.worker(wrap=["unshare", "-m", "--propagation", "private", "sh", "-c",
                         f"mount -t tmpfs tmpfs {hidden} && exec"])
    cluster.wait(2)
    src = tmp_path / "book.csv"
    book(src, n=4)
    out = hidden / "reports"
    assert cli.main(["batch", str(src), "-o", str(out), "--scheduler", cluster.address]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "cannot see -o" in err and "shared file system" in err and "--collect" in err
    assert list(out.glob("*.xlsx")) == []
    # --collect needs no shared folder
    assert cli.main(["batch", str(src), "-o", str(out), "--scheduler", cluster.address,
                     "--collect"]) == 0
    assert len(list(out.glob("*.xlsx"))) == 4


def test_without_scheduler_dask_is_not_imported(tmp_path):
    src = tmp_path / "book.csv"
    book(src, n=2, broken=(-1, -1))
    code = ("import sys; from hedgexl import cli; "
            f"rc = cli.main(['batch', {str(src)!r}, '-o', {str(tmp_path / 'o')!r}]); "
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.strip().splitlines()[-1] == "0 []", r.stderr
