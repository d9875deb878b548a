"""Call HEDGE_* the way Excel does, through xlwings' own call paths, on Linux.

Two runtimes, each through the code that xlwings itself runs:

- **Windows desktop (COM).** Excel's VBA wrapper calls ``XLPython.CallUDF`` in
  ``xlwings.com_server``, which calls ``xlwings.udfs.call_udf``: every argument goes through
  ``xlwings.conversion.read`` with the options the function registered (``ndim=2`` turns one
  cell into ``[[x]]``), the result through ``conversion.write`` with the Windows engine, and
  ``CallUDF`` unwraps a 1x1 result to a scalar. pywin32 and ctypes' Windows parts are
  stubbed; nothing else is.
- **xlwings Lite (Office.js).** ``xlwings.server.custom_functions_call`` with the functions of
  the ``main.py`` that ``hedgexl lite`` writes, decorated by xlwings' Lite decorators. Office.js
  registers every parameter as a matrix, so a literal arrives as ``[[x]]``, an omitted
  optional as ``null`` and a blank cell inside a range as ``""``.

xlwings' Office.js conversion lives in its PRO package, which loads only with a licence key.
The tests use xlwings' free non-commercial key (``XLWINGS_LICENSE_KEY=noncommercial``), in
tests only: hedgexl itself never sets or needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # tests only, see above

import xlwings  # noqa: E402
import xlwings.main  # noqa: E402

MISSING = -2147352572  # what pywin32 hands Python for an omitted VBA Optional argument


@dataclass(frozen=True)
class Cells:
    """A worksheet range: a 2-D list of values, ``None`` for an empty cell."""
    rows: tuple

    def __init__(self, rows):
        object.__setattr__(self, "rows", tuple(tuple(r) for r in rows))

    def com(self):
        """Range.Value over COM: a scalar for one cell, else a tuple of row tuples."""
        if len(self.rows) == 1 and len(self.rows[0]) == 1:
            return self.rows[0][0]
        return self.rows

    def officejs(self):
        """A matrix parameter in Office.js: empty cells arrive as ""."""
        return [["" if v is None else v for v in r] for r in self.rows]


class _Omitted:
    def __repr__(self):
        return "OMIT"


OMIT = _Omitted()  # an optional argument the formula leaves out


def cell(v):
    return Cells([[v]])


def column(values):
    return Cells([[v] for v in values])


def row(values):
    return Cells([list(values)])


def _unwrap_raises(_):
    raise TypeError("not a wrapped Python object")


def _windows_stubs():
    names = ["pythoncom", "pywintypes", "win32api", "win32con", "win32gui", "win32process",
             "win32timezone", "win32event", "win32com", "win32com.client",
             "win32com.client.gencache", "win32com.server", "win32com.server.util",
             "win32com.server.dispatcher", "win32com.server.policy"]
    stubs = {n: mock.MagicMock(name=n) for n in names}
    com_error = type("com_error", (Exception,), {})
    stubs["pywintypes"].com_error = com_error
    stubs["pywintypes"].error = type("error", (Exception,), {})
    stubs["pywintypes"].TimeType = type("TimeType", (), {})
    stubs["pythoncom"].com_error = com_error
    stubs["pythoncom"].ole_error = type("ole_error", (Exception,), {})
    stubs["pythoncom"].__file__ = "pythoncom.dll"
    # pywin32 hands Excel a datetime as COM time; xlwings marks it UTC first
    import datetime as _dt
    stubs["win32timezone"].TimeZoneInfo.utc = staticmethod(lambda: _dt.timezone.utc)
    stubs["win32com.server.util"].unwrap = _unwrap_raises
    stubs["win32com"].server.util.unwrap = _unwrap_raises
    return stubs


class ComRuntime:
    """xlwings' Windows UDF server with pywin32 stubbed."""

    name = "com"

    def __init__(self):
        stubs = _windows_stubs()
        with mock.patch.dict(sys.modules, stubs), \
                mock.patch.object(ctypes, "windll", mock.MagicMock(), create=True), \
                mock.patch.object(ctypes, "oledll", mock.MagicMock(), create=True), \
                mock.patch.object(ctypes, "PyDLL", mock.MagicMock()):
            for m in ("xlwings._xlwindows", "xlwings.udfs", "xlwings.com_server"):
                sys.modules.pop(m, None)
            win = importlib.import_module("xlwings._xlwindows")
            self.udfs = importlib.import_module("xlwings.udfs")
            self.server = importlib.import_module("xlwings.com_server")
            for m in ("xlwings._xlwindows", "xlwings.udfs"):
                sys.modules.pop(m, None)  # keep the stubbed modules out of other tests
        # call_udf imports its event loop from xlwings.com_server at each call
        sys.modules["xlwings.com_server"] = self.server
        if "excel" not in xlwings.engines.engines_by_name:
            xlwings.engines.add(xlwings.main.Engine(impl=win.engine))
        import hedgexl.udfs as module
        from hedgexl.excel import registry
        self.module = module
        registry.decorate(registry.UDFS, self.udfs.xlfunc, self.udfs.xlarg, self.udfs.xlret)
        self.style = registry.UDFS[0].__dict__.get("error_style", "value")  # COM: text
        for f in registry.UDFS:  # direct Python calls in this process keep the default
            f.__dict__.pop("error_style", None)
        self._patch = mock.patch.object(self.udfs, "get_udf_module", return_value=module)

    def close(self):
        from hedgexl.excel import registry
        for f in registry.UDFS:
            f.__dict__.pop("__xlfunc__", None)
        if "excel" in xlwings.engines.engines_by_name:
            e = xlwings.engines.engines_by_name.pop("excel")
            xlwings.engines.engines.remove(e)

    @staticmethod
    def arg(a):
        if a is OMIT:
            return MISSING
        if isinstance(a, Cells):
            return a.com()
        return a

    def call(self, name, *args):
        with self._patch, _style(self.style):
            res = self.server.XLPython().CallUDF(
                "hedgexl.udfs", name, tuple(self.arg(a) for a in args), None, None)
        return res


@contextlib.contextmanager
def _style(style):
    """The COM runtime's error style, for its calls only: one test process also hosts direct
    Python calls, which keep the default."""
    from hedgexl.excel import convert
    before = convert.error_style()
    convert.set_error_style(style)
    try:
        yield
    finally:
        convert.set_error_style(before)


def load_lite_main(path: Path):
    """Import a generated main.py with xlwings' Lite decorators, as xlwings Lite does."""
    import xlwings.server as server
    spec = importlib.util.spec_from_file_location(f"lite_main_{abs(hash(path))}", path)
    mod = importlib.util.module_from_spec(spec)
    with mock.patch.object(xlwings, "func", server.func, create=True), \
            mock.patch.object(xlwings, "arg", server.arg, create=True), \
            mock.patch.object(xlwings, "ret", server.ret, create=True):
        spec.loader.exec_module(mod)
    return mod


class LiteRuntime:
    """xlwings Lite's call path: ``xlwings.server.custom_functions_call``."""

    name = "lite"

    def __init__(self, main_py: Path):
        import xlwings.server as server
        if "officejs" not in xlwings.engines.engines_by_name:
            from xlwings.pro import _xlofficejs
            xlwings.engines.add(xlwings.main.Engine(impl=_xlofficejs.engine))
        self.server = server
        self.module = load_lite_main(main_py)  # its own hedgexl_lite: errors as values

    def close(self):
        pass

    @staticmethod
    def arg(a):
        if a is OMIT:
            return None
        if isinstance(a, Cells):
            return a.officejs()
        return [[a]]

    def payload(self, name, *args):
        """What Office.js sends to ``custom_functions_call`` for ``=name(args)``."""
        sent = [self.arg(a) for a in args]
        info = getattr(self.module, name).__xlfunc__["args"]
        k = next((i for i, a in enumerate(info) if a["vararg"]), None)
        if k is not None:  # Office.js sends a repeating parameter as one array
            sent = sent[:k] + [sent[k:]]
        return {"func_name": name, "args": sent,
                "version": xlwings.__version__, "client": "Office.js", "runtime": "1.4",
                "caller_address": None}

    def send(self, data):
        return asyncio.run(self.server.custom_functions_call(data, self.module))

    def call(self, name, *args):
        return self.send(self.payload(name, *args))


def as_grid(result):
    """Any runtime's answer as a 2-D list; blanks as None, Office.js errors as their text."""
    if not isinstance(result, (list, tuple)):
        result = [[result]]
    elif result and not isinstance(result[0], (list, tuple)):
        result = [list(result)]
    names = {"Div0": "#DIV/0!", "NotAvailable": "#N/A", "Name": "#NAME?", "Null": "#NULL!",
             "Num": "#NUM!", "Ref": "#REF!", "Value": "#VALUE!"}
    out = []
    for r in result:
        line = []
        for v in r:
            if isinstance(v, dict) and v.get("type") == "Error":
                v = names[v["errorType"]]
            line.append(None if v == "" or v is None else v)
        out.append(line)
    return out


__all__ = ["Cells", "OMIT", "cell", "column", "row", "ComRuntime", "LiteRuntime",
           "load_lite_main", "as_grid"]
