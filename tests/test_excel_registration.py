"""What Excel would receive, proven with xlwings' own code and its Windows modules stubbed."""

import importlib
import inspect
import io
import re
import sys
import types
from unittest import mock

import pytest

import hedgexl.udfs as udfs
from hedgexl.excel import convert, registry

EXPECTED = ["HEDGE_NOTIONAL", "HEDGE_CONTRACTS", "HEDGE_BETA_SIZE", "HEDGE_REBALANCE",
            "HEDGE_PNL", "HEDGE_FEE", "HEDGE_FUNDING", "HEDGE_FUNDING_SERIES",
            "HEDGE_NET_PNL", "HEDGE_AVG_ENTRY", "HEDGE_LIQ_PRICE", "HEDGE_MARGIN",
            "HEDGE_LIQ_DISTANCE", "HEDGE_BASIS",
            "HEDGE_BETA", "HEDGE_EFFECTIVENESS", "HEDGE_SCENARIO", "HEDGE_SPEC",
            "HEDGE_EXPLAIN"]


@pytest.fixture(scope="module")
def xlwings_udfs():
    """Import the real xlwings.udfs with pythoncom, pywintypes and win32com stubbed."""
    com_error = type("com_error", (Exception,), {})
    stubs = {
        "pythoncom": types.SimpleNamespace(CoInitialize=lambda: None),
        "pywintypes": types.SimpleNamespace(com_error=com_error),
        "win32com": types.ModuleType("win32com"),
        "win32com.client": types.SimpleNamespace(Dispatch=mock.MagicMock()),
    }
    with mock.patch.dict(sys.modules, stubs):
        sys.modules.pop("xlwings.udfs", None)
        mod = importlib.import_module("xlwings.udfs")
    yield mod
    sys.modules.pop("xlwings.udfs", None)


@pytest.fixture(scope="module")
def decorated(xlwings_udfs):
    """hedgexl.udfs with xlwings' real xlfunc/xlarg/xlret applied."""
    registry.decorate(registry.UDFS, xlwings_udfs.xlfunc, xlwings_udfs.xlarg,
                      xlwings_udfs.xlret)
    # COM cannot return real error values: each function answers text, no global is set
    assert all(f.error_style == "text" for f in registry.UDFS)
    assert convert.error_style() == "value"
    yield udfs
    for f in registry.UDFS:
        f.__dict__.pop("__xlfunc__", None)
        f.__dict__.pop("error_style", None)


def _vba(xlwings_udfs, module, book="hedge_template.xlsm"):
    buf = io.StringIO()
    wb = mock.MagicMock()
    wb.Name = book
    xlwings_udfs.generate_vba_wrapper("hedgexl.udfs", module, buf, wb)
    return buf.getvalue()


def test_vba_declares_every_function_once(xlwings_udfs, decorated):
    vba = _vba(xlwings_udfs, decorated)
    declared = re.findall(r"^Function (\w+)\(", vba, flags=re.M)
    for name in EXPECTED + ["HEDGE_RESIDUAL"]:
        assert declared.count(name) == 1, name
    assert len(declared) == len(set(declared))
    assert 'XLPy.CallUDF("hedgexl.udfs", "HEDGE_CONTRACTS"' in vba


def test_vba_optional_arguments(xlwings_udfs, decorated):
    vba = _vba(xlwings_udfs, decorated)
    sig = re.search(r"^Function HEDGE_CONTRACTS\((.*)\)$", vba, flags=re.M).group(1)
    assert sig == ("spot_value, contract, Optional hedge_ratio, Optional beta, "
                   "Optional hedge_price, Optional rounding")
    sig = re.search(r"^Function HEDGE_NET_PNL\((.*)\)$", vba, flags=re.M).group(1)
    assert sig.endswith("contract, Optional funding, Optional fees")
    assert "Optional" not in sig.split("contract")[0]
    sig = re.search(r"^Function HEDGE_SPEC\((.*)\)$", vba, flags=re.M).group(1)
    assert sig == "contract, field"
    sig = re.search(r"^Function HEDGE_EXPLAIN\((.*)\)$", vba, flags=re.M).group(1)
    assert sig == "function, ParamArray args()"


def test_vba_has_no_local_path(xlwings_udfs, decorated):
    vba = _vba(xlwings_udfs, decorated)
    assert "/work" not in vba and "\\Users" not in vba and ".py'" not in vba
    assert "defined in" not in vba


def test_ranges_declared_ndim2(decorated):
    xlf = decorated.HEDGE_CONTRACTS.__xlfunc__
    assert xlf["argmap"]["spot_value"]["options"] == {"ndim": 2}
    assert "ndim" not in xlf["argmap"]["rounding"]["options"]
    assert xlf["category"] == "hedgexl"


def test_macro_options_help(xlwings_udfs, decorated):
    calls = []
    wb = mock.MagicMock()
    wb.Name = "hedge_template.xlsm"
    wb.Application.Version = "16.0"
    wb.Application.MacroOptions.side_effect = lambda *a, **k: calls.append((a, k))
    with mock.patch.object(xlwings_udfs, "get_udf_module", return_value=decorated), \
            mock.patch.object(xlwings_udfs, "__pro__", False):
        xlwings_udfs.import_udfs("hedgexl.udfs", wb)
    wb.VBProject.VBComponents.Import.assert_called_once()
    by_name = {a[0].split("!")[1]: k for a, k in calls}
    assert set(EXPECTED) <= set(by_name)
    for name, k in by_name.items():
        assert k["Category"] == "hedgexl"
        assert k["Description"] and "\n" not in k["Description"], name
        assert "Python function" not in k["Description"], name
        assert len(k["Description"]) <= 255
        f = getattr(udfs, name)
        n_args = len(inspect.signature(f).parameters)
        assert len(k["ArgumentDescriptions"]) == n_args, name
        assert all(d and not d.startswith("Positional argument")
                   for d in k["ArgumentDescriptions"]), name
    c = by_name["HEDGE_CONTRACTS"]
    assert c["Description"] == "Signed hedge contracts (− short), rounded to the contract's lot step."
    assert c["ArgumentDescriptions"][0] == "Value of the holding in USD."


def test_every_argument_help_states_a_unit_or_kind():
    units = re.compile(r"USD|coin|contract|fraction|%|beta|days|key|simple|nearest|field|"
                       r"face|rate|function|argument|date", re.I)
    for f in registry.UDFS:
        for a in registry.info(f).args:
            assert units.search(a.doc), (f.__name__, a.name, a.doc)
