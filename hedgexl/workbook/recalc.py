"""Recalculate a hedgexl workbook with pycel, an independent formula engine, with the HEDGE_*
functions registered from :mod:`hedgexl.udfs`.

Why pycel: it takes a plugin module of extra functions by name, evaluates A1 references,
defined names and xlsxwriter's dynamic-array ranges, and compiles each formula itself rather
than reading our cached values. The ``formulas`` package trips on structured references; we
write A1 references everywhere, so that is moot, but pycel's plugin hook is the simpler honest
path.

pycel never computes hedgexl's own numbers on the report path (the core does). It does
compute the formulas a user adds to a customised template (:mod:`.custom`), and for those the
plugin also supplies a few common functions pycel lacks (:data:`EXTRA_FUNCTIONS`).
"""

from __future__ import annotations

import math
import statistics
import sys
import types

PLUGIN = "hedgexl_pycel_plugin"


def _values(args):
    """Every value of pycel's arguments, ranges (tuples of rows) flattened."""
    for a in args:
        if isinstance(a, (tuple, list)):
            yield from _values(a)
        else:
            yield a


def _numbers(args):
    """The numbers of a statistical function's arguments, as Excel counts them: numbers in
    ranges; text and logical values in ranges are skipped. An error value raises
    :class:`_ExcelError`, which :func:`_stat` returns as the function's result."""
    out = []
    for v in _values(args):
        if isinstance(v, str) and v.startswith("#"):
            raise _ExcelError(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
    return out


class _ExcelError(Exception):
    pass


def _stat(fn):
    def wrapped(*args):
        try:
            return fn(_numbers(args))
        except _ExcelError as e:
            return str(e)
    wrapped.__name__ = fn.__name__
    return wrapped


def counta(*args):
    """COUNTA: cells that are not empty (a formula's "" counts, as in Excel)."""
    return sum(v is not None for v in _values(args))


def countblank(*args):
    """COUNTBLANK: empty cells and empty text."""
    return sum(v is None or v == "" for v in _values(args))


def _product(xs):
    return float(math.prod(xs)) if xs else 0.0


def _median(xs):
    return statistics.median(xs) if xs else "#NUM!"


def _stdev(xs):
    return statistics.stdev(xs) if len(xs) > 1 else "#DIV/0!"


def _stdevp(xs):
    return statistics.pstdev(xs) if xs else "#DIV/0!"


#: Common Excel functions pycel 1.0b30 lacks, for formulas users add to a template.
EXTRA_FUNCTIONS = {"counta": counta, "countblank": countblank, "product": _stat(_product),
                   "median": _stat(_median), "stdev": _stat(_stdev),
                   "stdev.s": _stat(_stdev), "stdev.p": _stat(_stdevp),
                   "stdevp": _stat(_stdevp)}


def _plugin_module():
    if PLUGIN not in sys.modules:
        from .. import udfs
        mod = types.ModuleType(PLUGIN)
        for name in udfs.__all__:
            f = getattr(udfs, name)
            setattr(mod, name, f)
            setattr(mod, name.lower(), f)
        for name, f in EXTRA_FUNCTIONS.items():
            setattr(mod, name.replace(".", "_"), f)
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


def compiler(path, *, single_load: bool = False):
    """A pycel ExcelCompiler for ``path`` that knows the HEDGE_* functions.

    pycel reads a workbook twice, for formulas and for cached values. ``single_load`` reads
    it once and takes every value from it, which is right for a workbook whose only
    formulas are the ones to compute (a draft report: values plus the user's formulas).
    """
    from pycel import ExcelCompiler
    _patch_defined_names()
    if not single_load:
        return ExcelCompiler(filename=str(path), plugins=[_plugin_module()])
    from unittest import mock

    import openpyxl
    from pycel.excelwrapper import ExcelOpxWrapper, ExcelOpxWrapperNoData
    # as pycel's own load does: keep date serials as numbers
    with mock.patch("openpyxl.worksheet._reader.from_excel", ExcelOpxWrapper.from_excel):
        wb = openpyxl.load_workbook(path)
    return ExcelCompiler(excel=ExcelOpxWrapperNoData(wb, filename=str(path)),
                         plugins=[_plugin_module()])


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
