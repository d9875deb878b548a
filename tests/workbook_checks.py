"""Helpers shared by the workbook tests: read a workbook's content back, compare, render."""

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import to_excel

from hedgexl.workbook import engine

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
    """Equal values; a date read back from a date-formatted cell equals its serial."""
    a, b = (to_excel(x) if isinstance(x, (dt.date, dt.datetime)) else x for x in (a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    return a == b


def recalc_mismatches(path):
    """Recalculate every formula cell with pycel; list those that differ from the cache."""
    cells = engine.formula_cells(path)
    cached = cached_values(path)
    xl = engine.compiler(path)
    bad = []
    for addr, formula in cells.items():
        got = xl.evaluate(addr)
        if not same(got, cached[addr]):
            bad.append((addr, formula, got, cached[addr]))
    return cells, bad


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
    args = ["pdftoppm", "-r", "80", "-png"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[1])]
    subprocess.run(args + [str(pdf), str(out_dir / Path(path).stem)], check=True,
                   timeout=300)
    return text, sorted(out_dir.glob(Path(path).stem + "*.png"))
