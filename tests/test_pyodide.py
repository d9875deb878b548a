"""The generated main.py in a real Pyodide: the one xlwings Lite runs (0.27.5, Python 3.12,
from the npm registry, pinned in tests/pyodide/package-lock.json), under Node, offline, with
xlwings' own pure-Python wheel (pinned by sha256 below), through xlwings' Lite entry points.

numpy: Pyodide's own numpy wheel (2.0.2, in its pyodide-lock.json) is served only from
Pyodide's CDN, which this project cannot reach. The numpy used here is emscripten-forge's
build ``numpy-2.0.1-py312h4e66579_0``, from the npm registry (``@emscripten-forge/numpy``,
integrity pinned in package-lock.json), built for the same Emscripten ABI (3.1.58) and
Python (3.12) that Pyodide 0.27.5's lock file declares. Before it is used the test checks
the conda package's sha256 (pinned below), its declared ABI and Python against Pyodide's
lock file, and every extracted file against the package's own ``info/paths.json``.

What this proves: main.py imports in Lite's Python; xlwings registers every HEDGE_* there
exactly as under CPython; and every docstring example (as literals and as one-cell ranges),
every Excel shape of tests/test_excel_callpath.py and a seeded sweep answer in Pyodide what
the same main.py answers under CPython through the same ``custom_functions_call``.
See docs/excel.md, "xlwings Lite in Pyodide".

`.ci/run` installs the pieces: `npm ci --prefix tests/pyodide` and the xlwings wheel.
"""

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest

from hedgexl import cli

from test_excel_callpath import EXAMPLES, SHAPES, _excel_args
from xlcall import OMIT, LiteRuntime, cell, column

HERE = Path(__file__).resolve().parent / "pyodide"
PYODIDE = "0.27.5"  # xlwings Lite's Pyodide (its changelog, 1.0.0.0-12)
WHEEL = HERE / "wheels" / "xlwings-0.37.8-py3-none-any.whl"
WHEEL_SHA256 = "fdb32fde7136cc1d9e5352b9e27674f71f84573fc6067bbf196c418436d95a8e"  # PyPI
NUMPY_PKG = (HERE / "node_modules" / "@emscripten-forge" / "numpy" / "pkg"
             / "numpy-2.0.1-py312h4e66579_0.tar.gz")
NUMPY_SHA256 = "608a8525a002505e620f9264738a9f95710de52d577276b37ccb881d662be6d6"
PYODIDE_LOCK = HERE / "node_modules" / "pyodide" / "pyodide-lock.json"


def _ready():
    missing = [what for what, ok in (("node", shutil.which("node")),
                                     ("tests/pyodide/node_modules (npm ci)",
                                      (HERE / "node_modules" / "pyodide").is_dir()
                                      and NUMPY_PKG.exists()),
                                     (f"{WHEEL.relative_to(HERE.parent.parent)}",
                                      WHEEL.exists())) if not ok]
    if missing:
        msg = "Pyodide test needs: " + ", ".join(missing) + " (see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(msg)  # CI installs them: their absence is a failure there
        pytest.skip(msg)


def numpy_for_pyodide(pkg: Path, lock: Path, dest: Path) -> Path:
    """Check emscripten-forge's numpy against Pyodide's lock file and unpack its
    site-packages into ``dest``; raise AssertionError naming the first mismatch."""
    assert hashlib.sha256(pkg.read_bytes()).hexdigest() == NUMPY_SHA256, f"{pkg}: sha256"
    info = json.loads(lock.read_text())["info"]
    emsdk = re.fullmatch(r"emscripten_(\d+)_(\d+)_(\d+)", info["platform"]).groups()
    py_mm = ".".join(info["python"].split(".")[:2])
    with tarfile.open(pkg) as t:
        index = json.load(t.extractfile("info/index.json"))
        paths = {p["_path"]: p["sha256"]
                 for p in json.load(t.extractfile("info/paths.json"))["paths"]}
        assert (index["name"], index["subdir"]) == ("numpy", "emscripten-wasm32"), index
        assert f"python {py_mm}.* *_cpython" in index["depends"], (index, info)
        abi = ".".join(emsdk)
        assert any(d.startswith(f"emscripten-abi >={abi},") for d in index["depends"]), \
            (index, info)
        lock_np = json.loads(lock.read_text())["packages"]["numpy"]["version"]
        assert index["version"].split(".")[:2] == lock_np.split(".")[:2], (index, lock_np)
        prefix = f"lib/python{py_mm}/site-packages/"
        members = [m for m in t.getmembers() if m.name.startswith(prefix) and m.isfile()]
        assert members and all(m.name in paths for m in members)
        for m in members:
            data = t.extractfile(m).read()
            assert hashlib.sha256(data).hexdigest() == paths[m.name], m.name
            out = dest / m.name[len(prefix):]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
    return dest


def _sweep(n_calls=40, seed=20261121):
    """Seeded random columns (with blanks) through the row-wise functions."""
    rng = np.random.default_rng(seed)
    inverse = ["BINANCE:BTCUSD_PERP", "BYBIT:BTCUSD", "OKX:ETH-USD-SWAP",
               "DERIBIT:BTC-PERPETUAL"]
    keys = inverse + ["BINANCE:BTCUSDT", "BINANCE:ETHUSDT"]
    out = []
    for _ in range(n_calls):
        n = int(rng.integers(1, 7))
        value = rng.uniform(1, 1e6, n).tolist()
        ratio = rng.uniform(0, 2, n).tolist()
        qty = (rng.uniform(1e-3, 1e5, n) * rng.choice([-1, 1], n)).tolist()
        p0 = rng.uniform(100, 200_000, n).tolist()
        p1 = rng.uniform(100, 200_000, n).tolist()
        k = rng.choice(keys, n).tolist()
        inv = rng.choice(inverse, n).tolist()
        blank = rng.random(n) < 0.2
        v = column([None if b else x for x, b in zip(value, blank)])
        unit = str(rng.choice(["coin", "usd"]))
        out += [("HEDGE_NOTIONAL", v, column(ratio), OMIT),
                ("HEDGE_CONTRACTS", v, column(inv), column(ratio), OMIT, OMIT, OMIT),
                ("HEDGE_RESIDUAL", v, column(k), column(ratio), OMIT, column(p0), OMIT),
                ("HEDGE_PNL", column(qty), column(p0), column(p1), column(k), unit),
                ("HEDGE_FEE", column(qty), column(p0), column(k), 0.0005, unit),
                ("HEDGE_NET_PNL", column(ratio), column(p0), column(p1), column(qty),
                 column(p0), column(p1), column(k), OMIT, OMIT),
                ("HEDGE_FUNDING", cell(qty[0]), cell(k[0]), column(p0),
                 column([r * 1e-4 for r in ratio]), unit)]
    return out


def _calls(lite):
    calls = []
    for one_cell in (False, True):
        for name, args in EXAMPLES:
            calls.append(lite.payload(name, *_excel_args(name, args, one_cell)))
    for name, variants in SHAPES.items():
        calls += [lite.payload(name, *args) for args in variants]
    calls += [lite.payload(name, *args) for name, *args in _sweep()]
    return calls


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory):
    _ready()
    assert hashlib.sha256(WHEEL.read_bytes()).hexdigest() == WHEEL_SHA256
    d = tmp_path_factory.mktemp("pyodide")
    assert cli.main(["lite", "-o", str(d)]) == 0
    lite = LiteRuntime(d / "main.py")
    calls = _calls(lite)
    (d / "calls.json").write_text(json.dumps(calls))
    site = numpy_for_pyodide(NUMPY_PKG, PYODIDE_LOCK, d / "site-packages")
    r = subprocess.run(["node", "run_lite.mjs", str(d / "main.py"), str(WHEEL),
                        str(d / "calls.json"), str(site)],
                       cwd=HERE, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return lite, calls, json.loads(r.stdout.strip().splitlines()[-1])


def test_runs_in_lites_pyodide_offline(pyodide_run):
    _, _, out = pyodide_run
    assert out["pyodide"] == PYODIDE
    assert out["python"].startswith("3.12.")
    assert out["xlwings"] == "0.37.8"
    assert out["numpy"] == "2.0.1"  # emscripten-forge's build, not Pyodide's CDN wheel


def test_registration_in_pyodide_equals_cpython(pyodide_run):
    import xlwings.server
    lite, _, out = pyodide_run
    if xlwings.__version__ != out["xlwings"]:
        pytest.skip(f"CPython has xlwings {xlwings.__version__}, the wheel is "
                    f"{out['xlwings']}")
    here = xlwings.server.custom_functions_meta(lite.module)
    assert out["meta"] == json.loads(json.dumps(here))
    names = {f["name"] for f in out["meta"]["functions"]}
    assert {"HEDGE_CONTRACTS", "HEDGE_FUNDING", "HEDGE_EXPLAIN"} <= names
    explain = next(f for f in out["meta"]["functions"] if f["name"] == "HEDGE_EXPLAIN")
    assert explain["parameters"][1].get("repeating") is True


def _same(a, b, rel=1e-12):
    """JSON values equal, floats to ``rel`` (numpy 2.0.1 in wasm against CPython's numpy:
    a last-bit difference in a libm function is allowed, nothing more)."""
    if isinstance(a, float) and isinstance(b, (int, float)):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], rel) for k in a)
    return a == b


def test_every_call_answers_in_pyodide_what_it_answers_in_cpython(pyodide_run):
    lite, calls, out = pyodide_run
    assert len(out["results"]) == len(calls) > 300
    numbers = 0
    for data, got in zip(calls, out["results"]):
        assert "error" not in got, (data["func_name"], got)
        want = json.loads(json.dumps(lite.send(data)))  # the same JSON round trip
        assert _same(got["value"], want), (data, got["value"], want)
        numbers += sum(isinstance(v, float) for v in _flat(want))
    assert numbers > 1000  # the comparison saw numbers, not just errors or blanks


def _flat(x):
    if isinstance(x, list):
        for y in x:
            yield from _flat(y)
    else:
        yield x


def test_numpy_check_refuses_a_changed_package(tmp_path):
    """The provenance check can fail: one byte of the package changed."""
    _ready()
    bad = tmp_path / NUMPY_PKG.name
    data = bytearray(NUMPY_PKG.read_bytes())
    data[-100] ^= 1
    bad.write_bytes(bytes(data))
    with pytest.raises(AssertionError, match="sha256"):
        numpy_for_pyodide(bad, PYODIDE_LOCK, tmp_path / "sp")


def test_numpy_check_refuses_another_abi(tmp_path):
    """... and the ABI check: a lock file that declares another Emscripten."""
    _ready()
    lock = json.loads(PYODIDE_LOCK.read_text())
    lock["info"]["platform"] = "emscripten_4_0_9"
    other = tmp_path / "pyodide-lock.json"
    other.write_text(json.dumps(lock))
    with pytest.raises(AssertionError):
        numpy_for_pyodide(NUMPY_PKG, other, tmp_path / "sp")
