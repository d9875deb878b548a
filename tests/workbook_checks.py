"""Helpers shared by the workbook tests: read a workbook's content back, compare, render."""

import datetime as dt
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.utils.datetime import to_excel

from hedgexl.workbook import recalc

ERRORS = re.compile(r"#NAME\?|#VALUE!|#REF!|#DIV/0!|Err:|#N/A|#NUM!")


def content(path):
    """Everything a user would see or rely on, independent of zip bytes and ids."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "names": sorted(
        (n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is not None:
                    cells[c.coordinate] = (getattr(v, "text", v), c.number_format)
        out[ws.title] = {
            "cells": cells,
            "tables": sorted((t.name, t.ref) for t in ws.tables.values()),
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1, dv.formula2)
                                  for dv in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes,
        }
    with zipfile.ZipFile(path) as z:
        out["charts"] = sorted(
            re.sub(r'\s(?:id|val)="\d+"', "", z.read(n).decode())
            for n in z.namelist() if n.startswith("xl/charts/chart"))
    return out


def cached_values(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    return {f"{ws.title}!{c.coordinate}": c.value
            for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def same(a, b, rel=1e-9):
    """Equal values; a date read back from a date-formatted cell equals its serial; an
    engine's error value (#N/A) equals the same error cached as text."""
    a, b = (to_excel(x) if isinstance(x, (dt.date, dt.datetime)) else x for x in (a, b))
    a, b = (str(x) if type(x).__name__ in ("XlError", "XlErrorCode") or
            (hasattr(x, "shape") and x.shape == () and str(x).startswith("#")) else x
            for x in (a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    return a == b


def _spilled(wb):
    """(sheet, anchor cell, spilled cell) for every cell an array formula covers, its
    anchor included."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, ArrayFormula):
                    for line in ws[c.value.ref]:
                        for x in line:
                            yield ws, c, x


def without_cache(src, dst):
    """A copy of ``src`` with its formulas and no cached value at all: openpyxl writes no
    cached values, and the cells an array formula spills into are emptied too. An engine
    that recalculates it can only start from the inputs."""
    wb = openpyxl.load_workbook(src)
    for _, anchor, x in list(_spilled(wb)):
        if x is not anchor:
            x.value = None
    wb.save(dst)
    return dst


def checked_cells(path):
    """``{"Sheet!A1": formula}`` of every formula cell and every cell an array formula
    spills into (the spilled ones under their anchor's formula)."""
    cells = recalc.formula_cells(path)
    for ws, anchor, x in _spilled(openpyxl.load_workbook(path)):
        cells.setdefault(f"{ws.title}!{x.coordinate}", anchor.value.text)
    return cells


def _compare(cells, cached, got):
    bad = []
    for addr, formula in cells.items():
        if not same(got.get(addr), cached.get(addr)):
            bad.append((addr, formula, got.get(addr), cached.get(addr)))
    return bad


def recalc_mismatches(path, tmp_dir=None):
    """Recalculate every formula with pycel from the inputs alone (:func:`without_cache`);
    list the cells whose result differs from the cached value a viewer shows."""
    cells, cached = checked_cells(path), cached_values(path)
    with tempfile.TemporaryDirectory(dir=tmp_dir) as td:
        bare = without_cache(path, Path(td) / Path(path).name)
        xl = recalc.compiler(bare)
        got = {addr: xl.evaluate(addr) for addr in cells}
    return cells, _compare(cells, cached, got)


def formulas_mismatches(path, tmp_dir=None):
    """The same check with the ``formulas`` package, a second engine written separately
    from pycel, with the HEDGE_* registered: each gets what formulas passes (ranges as 2-D
    arrays, empty cells as its EMPTY), converted as xlwings would hand them over."""
    import formulas
    import schedula
    from hedgexl import udfs

    def adapt(f):
        def call(*args):
            conv = []
            for a in args:
                a = getattr(a, "value", a)  # formulas' Ranges carry a 2-D array
                if isinstance(a, np.ndarray):
                    a = [[None if x is schedula.EMPTY else
                          (x.item() if isinstance(x, np.generic) else x) for x in line]
                         for line in np.atleast_2d(a)]
                conv.append(a)
            r = f.values(*conv)
            if isinstance(r, list):
                return np.array([[schedula.EMPTY if v is None else v for v in line]
                                 for line in r], dtype=object)
            return r
        return call

    functions = formulas.get_functions()
    for name in udfs.__all__:
        functions[name] = adapt(getattr(udfs, name))
    cells, cached = checked_cells(path), cached_values(path)
    with tempfile.TemporaryDirectory(dir=tmp_dir) as td:
        bare = without_cache(path, Path(td) / "book.xlsx")
        sol = formulas.ExcelModel().loads(str(bare)).finish().calculate()
    sheets = {ws.upper(): ws for ws in openpyxl.load_workbook(path, read_only=True).sheetnames}
    got = {}
    for key, rng in sol.items():
        m = re.match(r"'\[[^\]]+\](.+)'!([A-Z]+\d+)$", key)
        if m and m.group(1) in sheets:
            v = np.asarray(getattr(rng, "value", rng)).ravel()[0]
            v = v.item() if isinstance(v, np.generic) else v
            got[f"{sheets[m.group(1)]}!{m.group(2)}"] = None if v is schedula.EMPTY else v
    return cells, _compare(cells, cached, got)


def _rewrite_sheet(path, sheet, edit):
    """Rewrite one worksheet's XML in place (xlsxwriter numbers them in sheet order)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    tmp = Path(str(path) + ".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data.decode()).encode() if item.filename == part else data)
    tmp.replace(path)


def set_cached(path, sheet, cell, value):
    """Tamper: change one cell's cached value in the file, leaving its formula."""
    def edit(text):
        text, n = re.subn(rf'(<c r="{cell}"[^>]*>.*?<v>)[^<]*(</v>)', rf"\g<1>{value}\g<2>",
                          text, count=1)
        assert n == 1, f"{sheet}!{cell} has no cached value"
        return text
    _rewrite_sheet(path, sheet, edit)


def replace_formula(path, sheet, old, new):
    """Tamper: change a formula's text in the file, leaving its cached value."""
    from xml.sax.saxutils import escape
    old, new = escape(old), escape(new)

    def edit(text):
        assert old in text, f"{old} not in {sheet}"
        return text.replace(old, new)
    _rewrite_sheet(path, sheet, edit)


def render(path, out_dir, pages=None):
    """LibreOffice to PDF, pdftotext, and PNG pages; returns (text, [png paths])."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftoppm"):
        raise RuntimeError("LibreOffice (soffice) and poppler-utils are needed: "
                           "apt-get install libreoffice-calc-nogui poppler-utils")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile.resolve()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(out_dir),
                    str(path)], check=True, capture_output=True, timeout=300)
    pdf = out_dir / (Path(path).stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    for old in out_dir.glob(Path(path).stem + "-*.png"):  # an earlier run's pages
        old.unlink()
    args = ["pdftoppm", "-r", "80", "-png"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[1])]
    subprocess.run(args + [str(pdf), str(out_dir / Path(path).stem)], check=True,
                   timeout=300)
    return text, sorted(out_dir.glob(Path(path).stem + "-*.png"))
