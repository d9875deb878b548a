"""The install is split: the HEDGE_* functions need numpy alone; workbooks and reports are
the ``reports`` extra. Run in a fresh interpreter where the extras' packages cannot be
imported, as after ``pip install hedgexl`` on a machine without them."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BLOCKER = r"""
import importlib.abc, sys
BLOCKED = {"openpyxl", "xlsxwriter", "tqdm", "pycel", "xlwings", "formulas", "networkx",
           "python_calamine"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
"""


def _run(code):
    return subprocess.run([sys.executable, "-c", BLOCKER + code], capture_output=True,
                          text=True, timeout=120, cwd=REPO)


def test_functions_need_numpy_only():
    r = _run("""
import json, hedgexl as hx, hedgexl.udfs as U
print(json.dumps([U.HEDGE_CONTRACTS(250000, "BINANCE:BTCUSD_PERP", 0.25),
                  hx.net_pnl(5, 50000, 42500, -625, 50000, 42500, "BINANCE:BTCUSD_PERP"),
                  sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)]))
""")
    assert r.returncode == 0, r.stderr[-1500:]
    contracts, net, loaded = json.loads(r.stdout)
    assert contracts == -625 and net == -28125 and loaded == []


def test_report_commands_name_the_extra(tmp_path):
    r = _run(f"""
from hedgexl import cli
sys.exit(cli.main(["demo", "-o", {str(tmp_path)!r}]))
""")
    assert r.returncode == 1
    assert r.stderr.strip() == ('hedgexl: error: `hedgexl demo` needs xlsxwriter, which comes '
                                'with the reports extra: pip install ".[reports]" in the '
                                'hedgexl checkout (hedgexl is not on PyPI)')
    assert not list(tmp_path.iterdir())


def test_pyproject_splits_the_install():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert [d.split(">")[0] for d in meta["dependencies"]] == ["numpy", "xlwings"]
    assert "win32" in meta["dependencies"][1]
    extras = meta["optional-dependencies"]
    assert {d.split(">")[0] for d in extras["reports"]} == {
        "openpyxl", "defusedxml", "xlsxwriter", "tqdm", "pycel", "python-calamine"}
    readme = (REPO / "README.md").read_text().splitlines()
    assert 'python3 -m pip install ".[reports]" && hedgexl demo' in "\n".join(readme[:6])
