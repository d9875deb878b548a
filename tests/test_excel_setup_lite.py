"""`hedgexl lite` output computes the same numbers; `hedgexl excel setup` on this machine."""

import importlib.util
import sys
import zipfile

import openpyxl
import pytest

import hedgexl as hx

from hedgexl import cli, udfs
from hedgexl.addin import setup
from hedgexl.excel import registry


#: Run in a fresh interpreter where hedgexl and the report layer's packages cannot be
#: imported, as in xlwings Lite: main.py must stand alone on numpy (and xlwings; pandas,
#: which xlwings uses when it is there, is not in the requirements).
ALONE = r"""
import importlib.abc, json, sys
BLOCKED = {"hedgexl", "openpyxl", "xlsxwriter", "pycel", "tqdm", "formulas", "pandas"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not available here")
sys.meta_path.insert(0, Block())
import importlib.util
spec = importlib.util.spec_from_file_location("main", sys.argv[1])
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
out = {
    "contracts": main.HEDGE_CONTRACTS(250000, "BINANCE:BTCUSD_PERP", 0.25),
    "column": main.HEDGE_CONTRACTS([[250000.0], [None], [100000.0]], 100),
    "funding": main.HEDGE_FUNDING([[-625]], [["BINANCE:BTCUSD_PERP"]], [[50000], [40000]],
                                  [[1e-4], [2e-4]]),
    "net": main.HEDGE_NET_PNL(5, 50000, 42500, -625, 50000, 42500, "BINANCE:BTCUSD_PERP"),
    "bad": main.HEDGE_PNL([[15000], [15000]], [[750], [-1]], 800, 1),
    "why": main.HEDGE_EXPLAIN("HEDGE_PNL", [[15000], [15000]], [[750], [-1]], 800, 1),
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in
                     BLOCKED | {"hedgexl_lite", "pandas"}),
}
print(json.dumps(out))
"""


def test_lite_main_stands_alone_and_matches(tmp_path):
    import json
    import subprocess
    assert cli.main(["lite", "-o", str(tmp_path)]) == 0
    main = tmp_path / "main.py"
    req = (tmp_path / "requirements.txt").read_text().split()
    assert req == ["xlwings", "numpy"]  # both on PyPI / in Pyodide; hedgexl is not
    text = main.read_text()
    assert "from xlwings import arg, func" in text and "import hedgexl" not in text
    r = subprocess.run([sys.executable, "-c", ALONE, str(main)], capture_output=True,
                       text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)
    assert got["contracts"] == udfs.HEDGE_CONTRACTS(250000, "BINANCE:BTCUSD_PERP", 0.25)
    assert got["column"] == udfs.HEDGE_CONTRACTS([[250000.0], [None], [100000.0]], 100)
    assert got["funding"] == pytest.approx(hx.funding_total(
        -625, "BINANCE:BTCUSD_PERP", [50000, 40000], [1e-4, 2e-4]), rel=1e-12)
    assert got["net"] == pytest.approx(-28125)
    assert got["bad"] == [[1.25], ["#VALUE!"]]
    assert got["why"] == [["ok"], ["entry_price must be > 0, got -1"]]
    assert all(m.startswith("hedgexl_lite") for m in got["loaded"]), got["loaded"]
    # each wrapper has the UDF's signature and one-line help
    import inspect
    mod = load_main(main)
    for f in registry.UDFS:
        g = getattr(mod, f.__name__)
        assert inspect.signature(g) == inspect.signature(f)
        assert g.__doc__ == registry.info(f).summary
    # refuses to overwrite without --force
    assert cli.main(["lite", "-o", str(tmp_path)]) == 1
    assert cli.main(["lite", "-o", str(tmp_path), "--force"]) == 0


def test_lite_bundle_is_reproducible_and_small():
    from hedgexl.addin import lite
    a, b = lite.bundle(), lite.bundle()
    assert a == b
    with zipfile.ZipFile(__import__("io").BytesIO(a)) as z:
        names = z.namelist()
    assert "hedgexl_lite/udfs.py" in names and "hedgexl_lite/data/contracts.csv" in names
    assert not any(n.split("/")[1] in ("workbook", "reports", "inputs.py", "cli.py")
                   for n in names), names


def load_main(path):
    spec = importlib.util.spec_from_file_location("lite_main_sig", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_excel_setup_on_linux_builds_xlsm_and_says_what_it_cannot(tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    tmp_path = tmp_path / "new" / "folder"  # created if missing
    assert cli.main(["excel", "setup", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not on Windows" in out and "xlwings addin install" in out
    assert not (tmp_path / "home" / ".xlwings").exists()  # nothing written to the profile
    xlsm = tmp_path / "hedge_functions.xlsm"
    with zipfile.ZipFile(xlsm) as z:
        assert "xl/vbaProject.bin" in z.namelist()
    wb = openpyxl.load_workbook(xlsm, keep_vba=True)
    assert wb["xlwings.conf"]["A1"].value == "UDF Modules"
    assert wb["xlwings.conf"]["B1"].value == "hedgexl.udfs"
    wb2 = openpyxl.load_workbook(xlsm, data_only=True)
    assert wb2["Holdings"]["I2"].value == hx.hedge_contracts(12.5 * 100511.85,
                                                             "BINANCE:BTCUSD_PERP", 0.75)
    assert wb["Holdings"]["I2"].value == "=HEDGE_CONTRACTS(G2,F2,E2,D2)"
    with zipfile.ZipFile(xlsm) as z:
        drawing = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                           if n.startswith("xl/drawings/vmlDrawing"))
    assert "ImportPythonUDFs" in drawing  # the button runs xlwings' import macro
    assert cli.main(["excel", "setup", "-o", str(tmp_path)]) == 1  # no overwrite
    assert not list(tmp_path.glob(".*tmp*"))


def test_user_config_keeps_other_settings(tmp_path):
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"INTERPRETER_MAC","/usr/bin/python3"\n"UDF MODULES","mine"\n')
    setup.write_user_config(conf)
    lines = conf.read_text().splitlines()
    assert '"INTERPRETER_MAC","/usr/bin/python3"' in lines
    assert '"UDF MODULES","hedgexl.udfs"' in lines
    assert '"UDF MODULES","mine"' not in lines


def test_xlsm_vba_project_inspected_with_olevba(tmp_path, monkeypatch):
    """The Windows file itself, read with oletools' olevba: the xlwings module with
    ImportPythonUDFs, the button bound to it, the xlwings.conf sheet, the DLL of the
    installed xlwings, and nothing that runs when the workbook opens."""
    import re

    import xlwings
    from oletools.olevba import VBA_Parser
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cli.main(["excel", "setup", "-o", str(tmp_path)]) == 0
    xlsm = tmp_path / "hedge_functions.xlsm"
    vba = VBA_Parser(str(xlsm))
    modules = {name.rsplit(".", 1)[0]: code for _, _, name, code in vba.extract_macros()}
    procs = {m: re.findall(r"^\s*(?:Public |Private )?(?:Sub|Function) (\w+)", c, re.M)
             for m, c in modules.items()}
    assert "ImportPythonUDFs" in procs["xlwings"]
    v = xlwings.__version__
    assert f'"xlwings64-{v}.dll"' in modules["xlwings"]
    assert f'"xlwings32-{v}.dll"' in modules["xlwings"]
    assert re.search(rf"^'Version: {re.escape(v)}$", modules["xlwings"], re.M)
    # xlwings' quickstart project, with its sample Module1.SampleCall emptied out
    # (hedgexl/addin/vba.py): the module stays, with no procedure in it
    assert set(modules) == {"ThisWorkbook", "Sheet1", "Sheet2", "Module1", "xlwings",
                            "Dictionary"}
    assert procs["Module1"] == []
    assert not [m for m, c in modules.items() if "SampleCall" in c]
    kinds = {(t, k) for t, k, _ in vba.analyze_macros()}
    assert not [k for t, k in kinds if t == "AutoExec"], kinds  # nothing runs on open
    with zipfile.ZipFile(xlsm) as z:
        vml = " ".join(z.read(n).decode() for n in z.namelist()
                       if n.startswith("xl/drawings/vmlDrawing"))
    assert "<x:FmlaMacro>[0]!ImportPythonUDFs</x:FmlaMacro>" in vml
    wb = openpyxl.load_workbook(xlsm, keep_vba=True)
    assert [c.value for c in wb["xlwings.conf"][1]][:2] == ["UDF Modules", "hedgexl.udfs"]
