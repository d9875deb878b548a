"""`hedgexl lite` output computes the same numbers; `hedgexl excel setup` on this machine."""

import importlib.util
import sys
import zipfile

import openpyxl
import pytest

import hedgexl as hx

from hedgexl import cli, udfs
from hedgexl.excel import registry, setup


def test_lite_main_imports_and_matches(tmp_path, monkeypatch):
    assert cli.main(["lite", "-o", str(tmp_path)]) == 0
    main = tmp_path / "main.py"
    assert (tmp_path / "requirements.txt").read_text().startswith("hedgexl==")
    text = main.read_text()
    assert "from xlwings import arg, func" in text
    spec = importlib.util.spec_from_file_location("lite_main", main)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import inspect
    for f in registry.UDFS:
        g = getattr(mod, f.__name__)
        assert inspect.signature(g) == inspect.signature(f)
        assert g.__doc__ == registry.info(f).summary
    assert mod.HEDGE_CONTRACTS(250000, "BINANCE:BTCUSD_PERP", 0.25) == -625
    v = [[250000.0], [None], [100000.0]]
    assert mod.HEDGE_CONTRACTS(v, 100) == udfs.HEDGE_CONTRACTS(v, 100)
    assert mod.HEDGE_NET_PNL(5, 50000, 42500, -625, 50000, 42500, 100) == \
        pytest.approx(-28125)
    # refuses to overwrite without --force
    assert cli.main(["lite", "-o", str(tmp_path)]) == 1
    assert cli.main(["lite", "-o", str(tmp_path), "--force"]) == 0


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
