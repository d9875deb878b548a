"""Reading one sheet of a user's .xlsx without trusting it.

Before a cell is read, the workbook is checked and the sheet is chosen:

- the archive: not encrypted, a zip, at most :data:`MAX_UNPACKED_BYTES` unpacked in all, and
  each part that a reader parses whole within its own bound (:data:`PART_LIMITS`), so that
  no small file unpacks into minutes and gigabytes;
- the sheet: the visible sheet named for the file's kind (``Holdings``, ``Positions``,
  ``Prices``, ``Funding``), else the only visible sheet. A hidden sheet is never read in
  place of a visible one: a hidden sheet named for the kind, or several visible sheets none
  named for it, are refused with the sheets' names;
- the sheet's XML, streamed once (expat, no DTD): its grid must be within
  :data:`MAX_CELLS` (a stray cell at XFD1048576 would make a dense reader allocate
  terabytes), and it tells which rows and columns are hidden, which cells are formulas (read
  by the values Excel saved with them) and which are errors (``#N/A``).

Then python-calamine (Rust) reads the cells of that one sheet: Transitional and Strict Open
XML alike. Hidden rows and columns and formula cells that hold data are said as warnings,
or refused with ``strict_cells``; an error cell becomes its error text (``#N/A``), which
every number and key check refuses with its row.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .schema import KINDS
from .base import (EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, InputError, check_dimension,
                   check_workbook, declared_dimension, human, xml_refusal)

__all__ = ["read_sheet", "SHEET_NAMES", "PART_LIMITS", "MAX_SHEET_BYTES", "MAX_CELLS",
           "Scan", "scan_sheet"]

#: The sheet read for each kind of file, by name (case aside), when it is visible: the
#: kind's declared sheet (:mod:`hedgexl.inputs.schema`), and for holdings a book's names.
SHEET_NAMES = {**{k.name: (k.sheet.lower(),) for k in KINDS.values() if k.sheet},
               "holdings": ("holdings", "book", "portfolio", "portfolios"), None: ()}
#: Parts a reader parses whole, and the most each may unpack to.
PART_LIMITS = {"sharedStrings": 16 * 2**20, "styles": 8 * 2**20, "workbook": 4 * 2**20,
               "rels": 1 * 2**20}
#: The chosen sheet's XML at most (about 450,000 rows of five columns).
MAX_SHEET_BYTES = 64 * 2**20
#: The sheet's grid (last row x last column of any cell) at most.
MAX_CELLS = 4_000_000
#: Cells or rows named in one warning at most.
SHOWN = 5
#: What a formula cell saved without a value reads as (a script wrote it, Excel never
#: computed it): refused as an error value is, never read as a blank.
NO_VALUE = "#NO VALUE"
#: Excel's error values, as a cell shows them: never a number, a name or a key.
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
          "#UNKNOWN!", "#ERROR", NO_VALUE)


@dataclass
class Sheet:
    name: str
    part: str
    state: str  # "visible", "hidden" or "veryHidden"
    kind: str  # "worksheet", "chartsheet", ...


@dataclass
class Scan:
    """What a sheet's XML says besides its values (1-based rows and columns)."""

    rows: int = 0
    cols: int = 0
    hidden_rows: set = field(default_factory=set)
    hidden_cols: set = field(default_factory=set)
    formulas: list = field(default_factory=list)  # (row, col)
    errors: dict = field(default_factory=dict)  # (row, col) -> "#N/A"
    uncached: list = field(default_factory=list)  # formulas saved without a value
    far: tuple | None = None  # (row, col) of the cell that made the grid too large


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    try:
        return _LOCAL[name]
    except KeyError:
        return _LOCAL.setdefault(name, name.rsplit(":", 1)[-1].rsplit("}", 1)[-1])


#: A row with its number and no cells, not hidden: it changes nothing the scan tells, and a
#: sheet of a million of them costs seconds in the parser's callbacks.
_EMPTY_ROW = re.compile(rb'<(?:\w+:)?row\b(?=[^>]*\br="\d+")(?![^>]*\bhidden="(?:1|true)")'
                        rb'[^>]*/>')


def _chunks(stream, size=1 << 20):
    """The stream in chunks cut after a '>' (no tag is split), empty rows left out."""
    rest = b""
    while True:
        data = stream.read(size)
        if not data:
            if rest:
                yield _EMPTY_ROW.sub(b"", rest)
            return
        data = rest + data
        cut = data.rfind(b">") + 1
        rest = data[cut:]
        yield _EMPTY_ROW.sub(b"", data[:cut])


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n


def _ref(row: int, col: int) -> str:
    s = ""
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return f"{s}{row}"


def scan_sheet(p: Path, data_stream, name: str, max_cells: int = MAX_CELLS) -> Scan:
    """Stream a sheet part once; refuse a DTD and a grid over ``max_cells``."""
    import xml.parsers.expat

    sc = _Scanner(max_cells)
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = sc.start, sc.end
    parser.CharacterDataHandler = sc.chars
    parser.StartDoctypeDeclHandler = _doctype
    parser.EntityDeclHandler = _doctype
    try:
        for chunk in _chunks(data_stream):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _TooLarge:
        r, c = sc.s.far
        raise InputError(p, f"sheet {name!r} has a cell at {_ref(r, c)}, which makes its grid "
                            f"over {max_cells:,} cells: delete the stray cells far from the "
                            f"table (Ctrl+End in Excel finds the last one)") from None
    except _Dtd:
        raise InputError(p, xml_refusal) from None
    except xml.parsers.expat.ExpatError as e:
        raise InputError(p, f"not a readable .xlsx file (sheet {name!r}: {e})") from None
    return sc.s


def _doctype(*_):
    raise _Dtd


class _Scanner:
    """What one pass over a sheet's XML learns (a :class:`Scan`): the grid's extent, hidden
    rows and columns, formula cells (and those without a cached value), error cells. Each
    element a handler of its own, from a table."""

    def __init__(self, max_cells: int):
        self.s, self.max_cells = Scan(), max_cells
        self.row = self.col = 0
        self.cell = None  # (row, col) of the cell being read
        self.type, self.text = "", []
        self.in_v = self.f = self.v = False

    def start(self, tag, attrs):
        t = _local(tag)
        if t == "c":  # most elements are cells: no table lookup for them
            self._c(attrs)
            return
        handler = _STARTS.get(t)
        if handler is not None:
            handler(self, attrs)

    def _row(self, attrs):
        r = attrs.get("r")
        self.row = int(r) if r and r.isdigit() else self.row + 1
        self.col = 0
        if attrs.get("hidden") in ("1", "true"):
            self.s.hidden_rows.add(self.row)

    def _c(self, attrs):
        ref = attrs.get("r")
        self.col = _col_index(ref) if ref else self.col + 1
        row, col = self.row, self.col
        if ref:
            digits = "".join(ch for ch in ref if ch.isdigit())
            row = int(digits) if digits else row
        self.cell, self.type = (row, col), attrs.get("t", "")
        self.f = self.v = False
        s = self.s
        if row > s.rows:
            s.rows = row
        if col > s.cols:
            s.cols = col
        if s.rows * s.cols > self.max_cells and s.far is None:
            s.far = (row, col)
            raise _TooLarge

    def _f(self, attrs):
        if self.cell is not None:
            self.s.formulas.append(self.cell)
            self.f = True

    def _is(self, attrs):
        self.v = True

    def _v(self, attrs):  # a value; openpyxl writes an empty <v/> for a formula it has none of
        self.in_v, self.text = True, []

    def _col(self, attrs):
        if attrs.get("hidden") in ("1", "true"):
            lo, hi = int(attrs.get("min", "0") or 0), int(attrs.get("max", "0") or 0)
            self.s.hidden_cols.update(range(lo, min(hi, EXCEL_MAX_COLUMNS) + 1))

    def end(self, tag):
        t = _local(tag)
        if t == "v" and self.in_v:
            text = "".join(self.text).strip()
            self.v = self.v or bool(text)
            if self.type == "e":
                self.s.errors[self.cell] = text or "#ERROR"
            self.in_v = False
        elif t == "c":
            if self.f and not self.v:
                self.s.uncached.append(self.cell)
            self.cell = None

    def chars(self, text):
        if self.in_v:
            self.text.append(text)


#: The handler of each element's start.
_STARTS = {"row": _Scanner._row, "f": _Scanner._f, "is": _Scanner._is, "v": _Scanner._v,
           "col": _Scanner._col}


class _TooLarge(Exception):
    pass


class _Dtd(Exception):
    pass


def _parse_xml(p: Path, z: zipfile.ZipFile, part: str):
    """A small part (workbook, relationships) as an ElementTree, through defusedxml."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
    try:
        return fromstring(z.read(part))
    except DefusedXmlException:
        raise InputError(p, xml_refusal) from None
    except KeyError:
        raise InputError(p, f"not a readable .xlsx file (no part {part})") from None
    except Exception as e:  # ParseError and the like
        raise InputError(p, f"not a readable .xlsx file ({part}: {type(e).__name__})") \
            from None


def _rels(p, z, part) -> dict[str, tuple[str, str]]:
    """``{id: (type's last word, target part)}`` of a part's relationships."""
    base = posixpath.dirname(part)
    relpart = posixpath.join(base, "_rels", posixpath.basename(part) + ".rels")
    out = {}
    for el in _parse_xml(p, z, relpart).iter():
        if _local(el.tag) != "Relationship":
            continue
        target = el.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join(base, target))
        out[el.get("Id", "")] = (el.get("Type", "").rsplit("/", 1)[-1], full)
    return out


def _sheets(p: Path, z: zipfile.ZipFile) -> list[Sheet]:
    root = [t for t in _rels(p, z, "").values() if t[0] == "officeDocument"]
    if not root:
        raise InputError(p, "not a readable .xlsx file (no workbook part)")
    book = root[0][1]
    _check_part(p, z, book, "workbook")
    rels = _rels(p, z, book)
    out = []
    for el in _parse_xml(p, z, book).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
        kind, part = rels.get(rid, ("", ""))
        out.append(Sheet(el.get("name", ""), part, el.get("state", "visible"), kind))
    return out


def _check_part(p: Path, z: zipfile.ZipFile, part: str, what: str, limit=None) -> None:
    try:
        size = z.getinfo(part).file_size
    except KeyError:
        return
    limit = limit or PART_LIMITS[what]
    if size > limit:
        raise InputError(p, f"the workbook's {what} part unpacks to {human(size)}, over the "
                            f"{human(limit)} hedgexl reads (a zip bomb, or a file to split)")


def choose_sheet(p: Path, sheets: list[Sheet], kind: str | None) -> Sheet:
    """The visible sheet named for ``kind``, else the only visible worksheet."""
    names = SHEET_NAMES.get(kind, ())
    named = [s for s in sheets if s.name.strip().casefold() in names]
    for s in named:
        if s.state == "visible":
            return s
    if named:
        s = named[0]
        raise InputError(p, f"sheet {s.name!r} is {'very ' if s.state == 'veryHidden' else ''}"
                            f"hidden; hedgexl reads only what Excel shows: unhide it, or "
                            f"delete it")
    visible = [s for s in sheets if s.state == "visible" and s.kind == "worksheet"]
    if len(visible) == 1:
        return visible[0]
    listed = ", ".join(repr(s.name) for s in (visible or sheets)[:SHOWN])
    want = f"'{names[0].title()}'" if names else "the table's sheet"
    if not visible:
        raise InputError(p, f"the workbook has no visible worksheet ({listed}); hedgexl reads "
                            f"only what Excel shows")
    raise InputError(p, f"the workbook has {len(visible)} visible sheets ({listed}): name "
                        f"the one to read {want}, or hide or delete the others")


def _cell(v):
    """A calamine value as hedgexl's readers take it: blank as None, a whole float as int
    (a portfolio named 2024 is the same in a CSV and a workbook)."""
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, dt.time):
        return v.isoformat()
    return v


def read_sheet(p: Path, *, kind: str | None = None, strict_cells: bool = False,
               max_columns: int = 256) -> tuple[list[list], list[str]]:
    """``(rows, warnings)`` of the chosen sheet of the workbook ``p`` (row 1 first, as
    Excel numbers them)."""
    check_workbook(p)
    with zipfile.ZipFile(p) as z:
        for info in z.infolist():
            base = posixpath.basename(info.filename)
            if base.startswith("sharedStrings"):
                _check_part(p, z, info.filename, "sharedStrings")
            elif base.startswith("styles"):
                _check_part(p, z, info.filename, "styles")
        sheet = choose_sheet(p, _sheets(p, z), kind)
        if sheet.part not in z.namelist():
            raise InputError(p, f"not a readable .xlsx file (sheet {sheet.name!r} has no "
                                f"part)")
        size = z.getinfo(sheet.part).file_size
        if size > MAX_SHEET_BYTES:
            raise InputError(p, f"sheet {sheet.name!r} unpacks to {human(size)}, over the "
                                f"{human(MAX_SHEET_BYTES)} hedgexl reads from one sheet; "
                                f"split it into smaller files (or save it as CSV)")
        check_dimension(p, sheet.name, declared_dimension(z, sheet.part))
        with z.open(sheet.part) as f:
            scan = scan_sheet(p, f, sheet.name, MAX_CELLS)
    rows = _values(p, sheet.name, max_columns)
    marks = dict(scan.errors)
    marks.update({rc: NO_VALUE for rc in scan.uncached})
    for (r, c), text in marks.items():  # refused wherever a number or a key is read
        if c > max_columns:
            continue
        while len(rows) < r:
            rows.append([])
        row = rows[r - 1]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = text
    return rows, _said(p, sheet.name, rows, scan, strict_cells)


def _values(p: Path, name: str, max_columns: int) -> list[list]:
    try:
        import python_calamine as pc
    except ImportError as e:  # the reports extra brings it
        raise ModuleNotFoundError("No module named 'python_calamine'",
                                  name="python_calamine") from e
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
        try:
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        finally:
            close = getattr(wb, "close", None)
            if close:
                close()
    except Exception as e:  # calamine raises its own types for broken files
        if "entity" in str(e).lower():
            raise InputError(p, xml_refusal) from None
        raise InputError(p, f"not a readable .xlsx file ({type(e).__name__}: "
                            f"{str(e)[:80]})") from None
    rows = []
    for r in grid[:EXCEL_MAX_ROWS + 1]:
        row = [_cell(v) for v in r[:max_columns]]
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def _used(rows, r, c) -> bool:
    return r <= len(rows) and c <= len(rows[r - 1]) and rows[r - 1][c - 1] is not None \
        and str(rows[r - 1][c - 1]).strip() != ""


def _said(p: Path, name: str, rows, scan: Scan, strict: bool) -> list[str]:
    """Warnings (or, ``strict``, the refusal) for hidden rows and columns and formula cells
    that hold data."""
    hidden, cols, formulas = _with_data(rows, scan)
    out = [x for x in (_hidden_rows(name, hidden), _hidden_cols(name, cols),
                       _formula_cells(name, formulas)) if x is not None]
    if strict and out:
        text, row = out[0]
        raise InputError(p, text + " (--strict-cells refuses them)", row)
    return [f"{p.name}: {text}" for text, _ in out]


def _with_data(rows, scan: Scan):
    """The hidden rows, hidden columns and formula cells that hold data."""
    hidden = sorted(r for r in scan.hidden_rows if r <= len(rows) and any(
        v is not None and str(v).strip() for v in rows[r - 1]))
    cols = sorted(c for c in scan.hidden_cols if any(_used(rows, r, c)
                                                     for r in range(1, len(rows) + 1)))
    return hidden, cols, [(r, c) for r, c in scan.formulas if _used(rows, r, c)]


def _plural(n: int, one: str, many: str) -> str:
    return many if n > 1 else one


def _hidden_rows(name, hidden):
    if not hidden:
        return None
    more = f" and {len(hidden) - SHOWN} more" if len(hidden) > SHOWN else ""
    return (f"{_plural(len(hidden), 'row', 'rows')} {', '.join(map(str, hidden[:SHOWN]))}"
            f"{more} of sheet {name!r} {_plural(len(hidden), 'is', 'are')} hidden and read "
            f"as any other", hidden[0])


def _hidden_cols(name, cols):
    if not cols:
        return None
    return (f"{_plural(len(cols), 'column', 'columns')} "
            f"{', '.join(_ref(1, c)[:-1] for c in cols[:SHOWN])} of sheet {name!r} "
            f"{_plural(len(cols), 'is', 'are')} hidden and read as any other", None)


def _formula_cells(name, formulas):
    if not formulas:
        return None
    more = " ..." if len(formulas) > SHOWN else ""
    return (f"{len(formulas)} cell(s) of sheet {name!r} are formulas ("
            f"{', '.join(_ref(r, c) for r, c in formulas[:SHOWN])}{more}), read by the "
            f"values Excel last saved with them: a formula Excel has not recalculated (such "
            f"as =WEBSERVICE) may be stale", formulas[0][0])
