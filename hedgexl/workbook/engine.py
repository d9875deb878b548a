"""Recalculate a hedgexl workbook with pycel, an independent formula engine, with the HEDGE_*
functions registered from :mod:`hedgexl.udfs`.

Why pycel: it takes a plugin module of extra functions by name, evaluates A1 references,
defined names and xlsxwriter's dynamic-array ranges, and compiles each formula itself rather
than reading our cached values. The ``formulas`` package trips on structured references; we
write A1 references everywhere, so that is moot, but pycel's plugin hook is the simpler honest
path. pycel is a test/verification dependency, never on the report hot path.
"""

from __future__ import annotations

import sys
import types

PLUGIN = "hedgexl_pycel_plugin"


def _plugin_module():
    if PLUGIN not in sys.modules:
        from .. import udfs
        mod = types.ModuleType(PLUGIN)
        for name in udfs.__all__:
            f = getattr(udfs, name)
            setattr(mod, name, f)
            setattr(mod, name.lower(), f)
        sys.modules[PLUGIN] = mod
    return PLUGIN


def _patch_defined_names():
    """pycel 1.0b30 reads ``workbook.defined_names.definedName``, which openpyxl 3.1 replaced
    with a dict of DefinedName objects: read either shape."""
    from pycel.excelwrapper import ExcelOpxWrapper
    if getattr(ExcelOpxWrapper, "_hedgexl_patched", False):
        return

    def defined_names(self):
        if self.workbook is not None and self._defined_names is None:
            self._defined_names = {}
            names = self.workbook.defined_names
            items = names.definedName if hasattr(names, "definedName") else names.values()
            for d_name in items:
                dest = [(alias, ws) for ws, alias in d_name.destinations
                        if ws in self.workbook]
                if dest:
                    self._defined_names[str(d_name.name)] = dest
        return self._defined_names

    ExcelOpxWrapper.defined_names = property(defined_names)
    ExcelOpxWrapper._hedgexl_patched = True


def compiler(path):
    """A pycel ExcelCompiler for ``path`` that knows the HEDGE_* functions."""
    from pycel import ExcelCompiler
    _patch_defined_names()
    return ExcelCompiler(filename=str(path), plugins=[_plugin_module()])


def formula_cells(path):
    """``{"Sheet!A1": formula}`` for every formula cell, read with openpyxl."""
    import openpyxl
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                text = getattr(v, "text", v)  # ArrayFormula objects carry .text
                if isinstance(text, str) and text.startswith("="):
                    out[f"{ws.title}!{c.coordinate}"] = text
    return out
