"""A customised template: what a user added to hedgexl's template, carried into each report.

``hedgexl report --template FILE`` reads the user's copy of the template once
(:func:`read_template`) and every report written with it gets:

- every sheet the user added, with its cells (text, numbers, dates, booleans, formulas),
  cell styles (font, fill, borders, alignment, number format, protection), column widths,
  row heights, hidden rows/columns, merged cells, hyperlinks, comments, pictures (PNG, JPEG,
  GIF, BMP), frozen panes, zoom, gridlines, tab colour, hidden state, landscape and
  fit-to-page printing, print area; in the template's sheet order;
- on the Dashboard: the title in A1 (``{portfolio}`` and ``{date}`` are filled in), the
  cells the user added where hedgexl's layout has none, and pictures (a logo);
- the tab colour and hidden state of hedgexl's own sheets;
- workbook-level and sheet-level defined names the user added.

The user's formulas are computed for each report by pycel (:mod:`.engine`) on the finished
report, so a static report shows their values and a live one carries them as cached values.
hedgexl's own numbers still come from the vectorised core.

Not carried, each with a warning naming the sheet: charts, shapes and text boxes the user
drew, conditional formats, data validations on the user's sheets, and cells added to
hedgexl's sheets other than the Dashboard (those sheets are rewritten from each portfolio's
inputs).

Everything read here is plain data (picklable), so a batch reads the template once and hands
it to its worker processes. The template file is only read, never written.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import posixpath
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as ET

from ..inputs import InputError, MAX_INPUT_BYTES
from ..inputs.tables import (check_dimension, check_workbook, declared_dimension,
                             open_workbook, xml_refusal)

#: A template sheet is read cell by cell (styles, merges, formulas): at most this many.
MAX_TEMPLATE_CELLS = 2_000_000
#: A template is loaded whole (openpyxl's full mode): at most this much once unpacked.
MAX_TEMPLATE_UNPACKED = 50 * 1024 * 1024

__all__ = ["Customisation", "read_template", "evaluate", "write_extras", "fill_title",
           "HEDGEXL_NAMES"]

#: Defined names hedgexl writes itself; a template's copies of them are not carried.
HEDGEXL_NAMES = {"valuationdate", "defaulthedgeratio"}
#: Sheets hedgexl writes (from :data:`hedgexl.workbook.writer.SHEETS`).
_OPTIONAL_OURS = {"xlwings.conf"}

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}
_EMU_PER_PX = 9525
_IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".bmp"}


@dataclass
class Cell:
    row: int  # 0-based
    col: int
    kind: str  # "n" number, "s" text, "b" boolean, "d" datetime, "f" formula, "e" error, ""
    value: object = None
    style: int | None = None  # index into Customisation.styles
    url: str | None = None
    comment: tuple[str, str] | None = None  # (text, author)

    @property
    def ref(self) -> str:
        from xlsxwriter.utility import xl_rowcol_to_cell
        return xl_rowcol_to_cell(self.row, self.col)


@dataclass
class Picture:
    row: int
    col: int
    x_offset: int  # pixels
    y_offset: int
    data: bytes
    name: str
    width: int | None = None  # pixels wanted; None = the picture's own size
    height: int | None = None


@dataclass
class Sheet:
    name: str
    cells: list[Cell] = field(default_factory=list)
    columns: list[tuple[int, int, float | None, bool]] = field(default_factory=list)
    rows: dict[int, tuple[float | None, bool]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    freeze: tuple[int, int] | None = None
    zoom: int | None = None
    hide_gridlines: bool = False
    tab_color: str | None = None
    state: str = "visible"  # visible, hidden, veryHidden
    landscape: bool = False
    fit: tuple[int, int] | None = None
    print_area: str | None = None
    names: list[tuple[str, str]] = field(default_factory=list)  # sheet-scoped

    def formula_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "f"]


@dataclass
class Customisation:
    """What a user's template adds to hedgexl's layout. See the module docstring."""

    source: str
    order: list[str]  # every sheet of the template, in its order
    extra: dict[str, Sheet]  # the user's own sheets
    dashboard: Sheet  # cells and pictures added on the Dashboard
    ours: dict[str, Sheet]  # hedgexl's sheets: tab colour and state only
    styles: list[dict]
    title: str | None  # Dashboard!A1 when the user changed it
    names: list[tuple[str, str]]  # workbook-level (name, "=formula")
    warnings: list[str]

    def sheet_order(self, ours: list[str]) -> list[str]:
        """hedgexl's sheets ``ours`` and the user's sheets, in the template's order;
        hedgexl sheets the template lacks go last."""
        names = [n for n in self.order if n in self.extra or n in ours]
        return names + [n for n in ours if n not in names]

    def formula_cells(self):
        """``(sheet name, Cell)`` for every formula the user added."""
        out = [(self.dashboard.name, c) for c in self.dashboard.formula_cells()]
        for s in self.extra.values():
            out += [(s.name, c) for c in s.formula_cells()]
        return out


def fill_title(title: str, portfolio: str, date: dt.date) -> str:
    """The user's Dashboard title with ``{portfolio}`` and ``{date}`` filled in.

    >>> fill_title("ACME Treasury: {portfolio} at {date}", "fund-a", dt.date(2025, 1, 16))
    'ACME Treasury: fund-a at 2025-01-16'
    """
    return title.replace("{portfolio}", portfolio).replace("{date}", date.isoformat())


# ----------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _stock() -> tuple[str, dict[str, frozenset], int]:
    """The stock template's Dashboard title, non-empty cells per sheet, Dashboard charts."""
    import openpyxl

    from .template import build_template, example_data
    with tempfile.TemporaryDirectory(prefix="hedgexl-") as td:
        p = build_template(Path(td) / "stock.xlsx")
        wb = openpyxl.load_workbook(p)
        cells = {ws.title: frozenset(c.coordinate for row in ws.iter_rows() for c in row
                                     if c.value is not None) for ws in wb.worksheets}
        with zipfile.ZipFile(p) as z:
            charts = _drawing_counts(z).get("Dashboard", {}).get("charts", 0)
    return example_data().settings.title, cells, charts


def read_template(path) -> Customisation:
    """Read a customised copy of hedgexl's template (``.xlsx`` or ``.xlsm``).

    Raises :class:`hedgexl.inputs.InputError` with the reason when the file cannot be read
    or lacks one of hedgexl's sheets.
    """
    from .writer import SHEETS, XLSM_HINT
    p = Path(path)
    if not p.exists():
        raise InputError(p, "no such template file")
    if p.stat().st_size > MAX_INPUT_BYTES:
        raise InputError(p, f"the template is {p.stat().st_size / 2**20:.0f} MiB; the limit "
                            f"is {MAX_INPUT_BYTES / 2**20:.0f} MiB")
    if p.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError(p, "a template must be an .xlsx or .xlsm workbook")
    check_workbook(p, what="template", limit=MAX_TEMPLATE_UNPACKED)
    try:
        with zipfile.ZipFile(p) as z:
            parts = _sheet_parts(z)
            dims = {sheet: declared_dimension(z, part) for sheet, part in parts.items()}
    except DefusedXmlException:
        raise InputError(p, xml_refusal) from None
    except (KeyError, ET.ParseError, zipfile.BadZipFile) as e:
        raise InputError(p, f"not a readable Excel workbook ({type(e).__name__})") from None
    for sheet, dim in dims.items():  # before openpyxl reads any cell
        check_dimension(p, sheet, dim)
        if dim and dim[0] * dim[1] > MAX_TEMPLATE_CELLS:
            raise InputError(p, f"sheet {sheet!r} spans {dim[0]:,} rows by {dim[1]:,} "
                                f"columns; a template is read cell by cell, up to "
                                f"{MAX_TEMPLATE_CELLS:,} cells a sheet")
    wb = open_workbook(p, read_only=False, what="template", limit=MAX_TEMPLATE_UNPACKED,
                       rich_text=False)
    for ws in wb.worksheets:  # a sheet without a declared dimension, measured
        if ws.max_row * ws.max_column > MAX_TEMPLATE_CELLS:
            raise InputError(p, f"sheet {ws.title!r} spans {ws.max_row:,} rows by "
                                f"{ws.max_column:,} columns; a template is read cell by "
                                f"cell, up to {MAX_TEMPLATE_CELLS:,} cells a sheet")
    z = zipfile.ZipFile(p)
    with z:
        required = [s for s in SHEETS if s not in _OPTIONAL_OURS]
        missing = [s for s in required if s not in wb.sheetnames]
        if missing:
            raise InputError(p, "the template lacks hedgexl's sheet(s) "
                                + ", ".join(repr(s) for s in missing)
                                + "; keep hedgexl's sheets and their names, and put your "
                                  "own content on sheets of your own")
        stock_title, stock_cells, stock_charts = _stock()
        reader = _Reader(wb, z, p)
        extra, ours = {}, {}
        dash = None
        drawings = _drawing_counts(z)
        for ws in wb.worksheets:
            if ws.title in SHEETS:
                s = Sheet(ws.title, tab_color=reader.color(ws.sheet_properties.tabColor),
                          state=ws.sheet_state)
                ours[ws.title] = s
                stock = stock_cells.get(ws.title, frozenset())
                if ws.title == "Dashboard":
                    dash = reader.sheet(ws, skip=stock, layout=False)
                    dash.cells = [c for c in dash.cells if c.value != XLSM_HINT]
                    reader.drawing_warnings(ws.title, drawings, stock_charts)
                elif ws.title not in _OPTIONAL_OURS:
                    added = [c.coordinate for row in ws.iter_rows() for c in row
                             if c.value is not None and c.coordinate not in stock]
                    if added:
                        more = f" and {len(added) - 5} more" if len(added) > 5 else ""
                        reader.warn(f"{ws.title}: cell(s) {', '.join(added[:5])}{more} are "
                                    f"not carried: hedgexl rewrites this sheet from each "
                                    f"portfolio's inputs. Put your own content on a sheet "
                                    f"of your own")
            else:
                extra[ws.title] = reader.sheet(ws)
                reader.drawing_warnings(ws.title, drawings)
        a1 = wb["Dashboard"]["A1"].value
        title = None
        if a1 is not None and str(a1) != stock_title:
            title = str(a1)
        names = reader.names()
        if any(n.startswith("xl/pivot") for n in z.namelist()):
            reader.warn("pivot tables are not carried")
    return Customisation(str(p), list(wb.sheetnames), extra, dash, ours, reader.styles,
                         title, names, reader.warnings)


def _drawing_counts(z: zipfile.ZipFile) -> dict[str, dict[str, int]]:
    """Charts and shapes per sheet name, read from the package's drawing parts."""
    out = {}
    for sheet, sheet_part in _sheet_parts(z).items():
        counts = {"charts": 0, "shapes": 0}
        for drawing in _rel_targets(z, sheet_part, "/drawing"):
            try:
                root = ET.fromstring(z.read(drawing))
            except (KeyError, ET.ParseError):
                continue
            for anchor in root:
                if anchor.find("xdr:graphicFrame", _NS) is not None:
                    counts["charts"] += 1
                elif anchor.find("xdr:sp", _NS) is not None or \
                        anchor.find("xdr:grpSp", _NS) is not None:
                    counts["shapes"] += 1
        out[sheet] = counts
    return out


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name (``xl/worksheets/sheet1.xml``)."""
    try:
        wbx = ET.fromstring(z.read("xl/workbook.xml"))
    except KeyError:
        return {}
    rels = _rels(z, "xl/workbook.xml")
    out = {}
    for s in wbx.iterfind("m:sheets/m:sheet", _NS):
        rid = s.get(f"{{{_NS['r']}}}id")
        if rid in rels:
            out[s.get("name")] = rels[rid][1]
    return out


def _rels(z, part) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, absolute target part) for ``part``."""
    folder, name = posixpath.split(part)
    try:
        root = ET.fromstring(z.read(posixpath.join(folder, "_rels", name + ".rels")))
    except KeyError:
        return {}
    out = {}
    for r in root.iterfind("pr:Relationship", _NS):
        if r.get("TargetMode") == "External":
            continue
        t = r.get("Target")
        t = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
            posixpath.join(folder, t))
        out[r.get("Id")] = (r.get("Type"), t)
    return out


def _rel_targets(z, part, type_suffix):
    return [t for typ, t in _rels(z, part).values() if typ.endswith(type_suffix)]


_BORDERS = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6,
            "hair": 7, "mediumDashed": 8, "dashDot": 9, "mediumDashDot": 10,
            "dashDotDot": 11, "mediumDashDotDot": 12, "slantDashDot": 13}
_PATTERNS = ["none", "solid", "mediumGray", "darkGray", "lightGray", "darkHorizontal",
             "darkVertical", "darkDown", "darkUp", "darkGrid", "darkTrellis",
             "lightHorizontal", "lightVertical", "lightDown", "lightUp", "lightGrid",
             "lightTrellis", "gray125", "gray0625"]
_UNDERLINE = {"single": 1, "double": 2, "singleAccounting": 33, "doubleAccounting": 34}
_HALIGN = {"left": "left", "center": "center", "right": "right", "fill": "fill",
           "justify": "justify", "centerContinuous": "center_across",
           "distributed": "distributed"}
_VALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify",
           "distributed": "vdistributed"}
# Excel's theme colour index order swaps the first two pairs of the scheme.
_THEME_ORDER = ["lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink"]


class _Reader:
    def __init__(self, wb, z, path):
        self.wb, self.z, self.path = wb, z, path
        self.styles: list[dict] = []
        self._style_ids: dict = {}
        self.warnings: list[str] = []
        self.theme = _theme_colors(getattr(wb, "loaded_theme", None))
        self.parts = _sheet_parts(z)

    def warn(self, msg):
        self.warnings.append(msg)

    def drawing_warnings(self, sheet, drawings, own_charts=0):
        """Warn of the charts (beyond hedgexl's ``own_charts``) and shapes on ``sheet``,
        from :func:`_drawing_counts`' ``drawings``."""
        n = drawings.get(sheet, {})
        if n.get("charts", 0) > own_charts:
            self.warn(f"{sheet}: {n['charts'] - own_charts} chart(s) you added are not "
                      f"carried")
        if n.get("shapes"):
            self.warn(f"{sheet}: {n['shapes']} shape(s)/text box(es) are not carried")

    # -- colours and styles --------------------------------------------------------------
    def color(self, c) -> str | None:
        if c is None:
            return None
        try:
            if c.type == "rgb" and isinstance(c.rgb, str):
                return "#" + c.rgb[-6:]
            if c.type == "theme" and c.theme is not None and c.theme < len(self.theme):
                return _tint(self.theme[c.theme], c.tint or 0.0)
            if c.type == "indexed" and c.indexed is not None:
                from openpyxl.styles.colors import COLOR_INDEX
                if c.indexed < len(COLOR_INDEX) and c.indexed < 64:
                    return "#" + COLOR_INDEX[c.indexed][-6:]
        except (TypeError, ValueError, AttributeError):
            pass
        return None

    def style(self, cell) -> int | None:
        if not cell.has_style:
            return None
        key = tuple(cell._style)
        if key not in self._style_ids:
            self._style_ids[key] = len(self.styles)
            self.styles.append(self._props(cell))
        return self._style_ids[key]

    def _props(self, cell) -> dict:
        p = {}
        ft = cell.font
        if ft is not None:
            if ft.name:
                p["font_name"] = ft.name
            if ft.sz:
                p["font_size"] = float(ft.sz)
            if ft.b:
                p["bold"] = True
            if ft.i:
                p["italic"] = True
            if ft.u in _UNDERLINE:
                p["underline"] = _UNDERLINE[ft.u]
            if ft.strike:
                p["font_strikeout"] = True
            if ft.vertAlign in ("superscript", "subscript"):
                p["font_script"] = 1 if ft.vertAlign == "superscript" else 2
            col = self.color(ft.color)
            if col:
                p["font_color"] = col
        fl = cell.fill
        pattern = getattr(fl, "patternType", None)
        if pattern in _PATTERNS and pattern != "none":
            p["pattern"] = _PATTERNS.index(pattern)
            fg, bg = self.color(fl.fgColor), self.color(fl.bgColor)
            if pattern == "solid":
                if fg:
                    p["bg_color"] = fg
            else:
                if fg:
                    p["fg_color"] = fg
                if bg:
                    p["bg_color"] = bg
        b = cell.border
        if b is not None:
            for side in ("left", "right", "top", "bottom"):
                s = getattr(b, side)
                if s is not None and s.style in _BORDERS:
                    p[side] = _BORDERS[s.style]
                    col = self.color(s.color)
                    if col:
                        p[f"{side}_color"] = col
        al = cell.alignment
        if al is not None:
            if al.horizontal in _HALIGN:
                p["align"] = _HALIGN[al.horizontal]
            if al.vertical in _VALIGN:
                p["valign"] = _VALIGN[al.vertical]
            if al.wrap_text:
                p["text_wrap"] = True
            if al.shrink_to_fit:
                p["shrink"] = True
            if al.indent:
                p["indent"] = int(al.indent)
            if al.text_rotation:
                p["rotation"] = int(al.text_rotation) if al.text_rotation <= 90 \
                    else (90 - int(al.text_rotation) if al.text_rotation <= 180 else 270)
        if cell.number_format and cell.number_format != "General":
            p["num_format"] = cell.number_format
        pr = cell.protection
        if pr is not None:
            if pr.locked is False:
                p["locked"] = False
            if pr.hidden:
                p["hidden"] = True
        return p

    # -- sheets --------------------------------------------------------------------------
    def sheet(self, ws, skip=frozenset(), layout=True) -> Sheet:
        from openpyxl.cell.cell import MergedCell
        from openpyxl.utils import column_index_from_string, range_boundaries
        s = Sheet(ws.title, tab_color=self.color(ws.sheet_properties.tabColor),
                  state=ws.sheet_state)
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c, MergedCell) or c.coordinate in skip:
                    continue
                cell = self._cell(ws, c)
                if cell is not None:
                    s.cells.append(cell)
        s.pictures = self.pictures(ws.title)
        for name, dn in getattr(ws, "defined_names", {}).items():
            if not name.startswith("_xlnm") and dn.attr_text:
                s.names.append((name, "=" + dn.attr_text))
        if not layout:
            return s
        for key, cd in ws.column_dimensions.items():
            lo = cd.min or column_index_from_string(key)
            hi = cd.max or lo
            width = cd.width if cd.customWidth else None
            if width is not None or cd.hidden:
                s.columns.append((lo - 1, hi - 1, width, bool(cd.hidden)))
        for r, rd in ws.row_dimensions.items():
            if rd.height is not None or rd.hidden:
                s.rows[r - 1] = (rd.height, bool(rd.hidden))
        for m in ws.merged_cells.ranges:
            c1, r1, c2, r2 = range_boundaries(m.coord)
            s.merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
        if ws.freeze_panes:
            from openpyxl.utils.cell import coordinate_to_tuple
            r, c = coordinate_to_tuple(ws.freeze_panes)
            s.freeze = (r - 1, c - 1)
        sv = ws.sheet_view
        if sv.zoomScale and sv.zoomScale != 100:
            s.zoom = int(sv.zoomScale)
        s.hide_gridlines = sv.showGridLines is False
        s.landscape = ws.page_setup.orientation == "landscape"
        if ws.sheet_properties.pageSetUpPr is not None and \
                ws.sheet_properties.pageSetUpPr.fitToPage:
            s.fit = (int(ws.page_setup.fitToWidth or 1), int(ws.page_setup.fitToHeight or 0))
        if ws.print_area:
            area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
            s.print_area = area.split("!")[-1].replace("$", "")
        if ws.conditional_formatting:
            self.warn(f"{ws.title}: conditional formats are not carried")
        if ws.data_validations and ws.data_validations.dataValidation:
            self.warn(f"{ws.title}: data validations are not carried")
        return s

    def _cell(self, ws, c) -> Cell | None:
        style = self.style(c)
        v = c.value
        url = comment = None
        if c.hyperlink is not None:
            h = c.hyperlink
            if h.target:
                url = h.target
            elif h.location:
                url = "internal:" + h.location
        if c.comment is not None:
            comment = (c.comment.text, c.comment.author or "")
        if v is None:
            if style is None and url is None and comment is None:
                return None
            return Cell(c.row - 1, c.column - 1, "", None, style, url, comment)
        if c.data_type == "f":
            text = getattr(v, "text", v)  # ArrayFormula objects carry .text
            if hasattr(v, "ref") and v.ref and ":" in str(v.ref):
                self.warn(f"{ws.title}!{c.coordinate}: a multi-cell array formula is "
                          f"carried as a single-cell formula")
            return Cell(c.row - 1, c.column - 1, "f", str(text), style, url, comment)
        if isinstance(v, bool):
            kind = "b"
        elif isinstance(v, (int, float)):
            kind = "n"
        elif isinstance(v, (dt.datetime, dt.date, dt.time)):
            kind = "d"
            if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                v = dt.datetime.combine(v, dt.time())
        elif c.data_type == "e":
            kind = "e"
        else:
            kind, v = "s", str(v)
        return Cell(c.row - 1, c.column - 1, kind, v, style, url, comment)

    def pictures(self, sheet_name) -> list[Picture]:
        part = self.parts.get(sheet_name)
        if part is None:
            return []
        out = []
        for drawing in _rel_targets(self.z, part, "/drawing"):
            try:
                root = ET.fromstring(self.z.read(drawing))
            except (KeyError, ET.ParseError):
                continue
            rels = _rels(self.z, drawing)
            for anchor in root:
                pic = anchor.find("xdr:pic", _NS)
                if pic is None:
                    continue
                blip = pic.find(".//a:blip", _NS)
                rid = blip.get(f"{{{_NS['r']}}}embed") if blip is not None else None
                if rid not in rels:
                    continue
                target = rels[rid][1]
                if posixpath.splitext(target)[1].lower() not in _IMAGE_TYPES:
                    self.warn(f"{sheet_name}: picture {posixpath.basename(target)} is not "
                              f"PNG/JPEG/GIF/BMP and is not carried")
                    continue
                try:
                    data = self.z.read(target)
                except KeyError:
                    continue
                frm = anchor.find("xdr:from", _NS)
                if frm is not None:
                    col, row, xo, yo = (int(frm.findtext(f"xdr:{k}", "0", _NS)) for k in
                                        ("col", "row", "colOff", "rowOff"))
                else:  # absoluteAnchor
                    pos = anchor.find("xdr:pos", _NS)
                    col = row = 0
                    xo, yo = int(pos.get("x", 0)), int(pos.get("y", 0))
                ext = anchor.find("xdr:ext", _NS)
                if ext is None:
                    ext = pic.find("xdr:spPr/a:xfrm/a:ext", _NS)
                w = h = None
                if ext is not None and int(ext.get("cx", 0)) > 0:
                    w = round(int(ext.get("cx")) / _EMU_PER_PX)
                    h = round(int(ext.get("cy")) / _EMU_PER_PX)
                out.append(Picture(row, col, round(xo / _EMU_PER_PX),
                                   round(yo / _EMU_PER_PX), data,
                                   posixpath.basename(target), w, h))
        return out

    def names(self) -> list[tuple[str, str]]:
        out = []
        for name, dn in self.wb.defined_names.items():
            if name.lower() in HEDGEXL_NAMES or name.startswith("_xlnm"):
                continue
            if dn.attr_text:
                out.append((name, "=" + dn.attr_text))
        return out


def _theme_colors(theme_xml) -> list[str]:
    """The 12 theme colours in Excel's index order (Office defaults when unreadable)."""
    office = {"dk1": "000000", "lt1": "FFFFFF", "dk2": "44546A", "lt2": "E7E6E6",
              "accent1": "4472C4", "accent2": "ED7D31", "accent3": "A5A5A5",
              "accent4": "FFC000", "accent5": "5B9BD5", "accent6": "70AD47",
              "hlink": "0563C1", "folHlink": "954F72"}
    if theme_xml:
        try:
            root = ET.fromstring(theme_xml)
            scheme = root.find(".//a:clrScheme", _NS)
            for el in scheme:
                tag = el.tag.split("}")[1]
                srgb, sys_ = el.find("a:srgbClr", _NS), el.find("a:sysClr", _NS)
                if srgb is not None:
                    office[tag] = srgb.get("val")
                elif sys_ is not None and sys_.get("lastClr"):
                    office[tag] = sys_.get("lastClr")
        except (ET.ParseError, TypeError, AttributeError):
            pass
    return ["#" + office[k].upper() for k in _THEME_ORDER]


def _tint(hex_color: str, tint: float) -> str:
    """Excel's tint: darken (tint < 0) or lighten (tint > 0) the colour's luminance.

    >>> _tint("#4472C4", 0.0), _tint("#FFFFFF", -0.5), _tint("#000000", 0.5)
    ('#4472C4', '#808080', '#808080')
    """
    if not tint:
        return hex_color
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, min(max(lum, 0.0), 1.0), s)
    return "#{:02X}{:02X}{:02X}".format(*(round(x * 255) for x in (r, g, b)))


# ----------------------------------------------------------------------------------------
# Computing the user's formulas
# ----------------------------------------------------------------------------------------
def evaluate(path, custom: Customisation) -> tuple[dict, list[str]]:
    """Compute the user's formulas on a finished report at ``path`` with pycel.

    Returns ``({(sheet, row, col): value}, problems)``; a formula pycel cannot compute is
    left out of the values and named in ``problems``.
    """
    from .engine import compiler
    cells = custom.formula_cells()
    if not cells:
        return {}, []
    import logging
    log = logging.getLogger("pycel")  # pycel logs a traceback per failing formula
    level, log.level = log.level, logging.CRITICAL + 1
    try:
        return _evaluate(compiler(path, single_load=True), cells)
    finally:
        log.setLevel(level)


def _evaluate(xc, cells):
    values, problems = {}, []
    for sheet, c in cells:
        addr = f"{sheet}!{c.ref}"
        try:
            v = xc.evaluate(addr)
        except Exception as e:  # pycel raises its own and Python errors for unknown input
            problems.append(f"{addr}: {c.value} could not be computed ({_short(e)}); "
                            f"written as a formula for Excel to compute")
            continue
        while isinstance(v, (tuple, list)):  # an array result: its top-left value
            v = v[0] if v else None
        if hasattr(v, "item"):  # numpy scalar
            v = v.item()
        if v is None:
            v = 0.0
        values[(sheet, c.row, c.col)] = v
    return values, problems


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return (text[-1] if text else type(e).__name__)[:160]


# ----------------------------------------------------------------------------------------
# Writing into an xlsxwriter workbook
# ----------------------------------------------------------------------------------------
_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}


def write_extras(wb, sheets: dict, custom: Customisation, values: dict | None,
                 live: bool, pictures: bool = True) -> None:
    """Write the user's additions into ``wb`` (xlsxwriter), whose worksheets ``sheets``
    (name -> worksheet) already exist in :meth:`Customisation.sheet_order`.

    ``values``: the user's formulas' results from :func:`evaluate`; a formula without a
    result is written as a formula with no cached value, in either mode.
    """
    fmts: dict[int, object] = {}

    def fmt(i):
        if i is None:
            return None
        if i not in fmts:
            fmts[i] = wb.add_format(dict(custom.styles[i]))
        return fmts[i]

    values = values or {}
    for name, s in custom.ours.items():
        ws = sheets.get(name)
        if ws is None:
            continue
        if s.tab_color:
            ws.set_tab_color(s.tab_color)
        if s.state != "visible" and name != "Dashboard":
            ws.hide()
    if "Dashboard" in sheets:
        _write_cells(sheets["Dashboard"], custom.dashboard, values, live, fmt)
        if pictures:
            _write_pictures(sheets["Dashboard"], custom.dashboard)
    for name, s in custom.extra.items():
        ws = sheets[name]
        for lo, hi, width, hidden in s.columns:
            ws.set_column(lo, hi, width, None, {"hidden": True} if hidden else None)
        for r, (height, hidden) in s.rows.items():
            ws.set_row(r, height, None, {"hidden": True} if hidden else None)
        styles = {(c.row, c.col): c.style for c in s.cells}
        for r1, c1, r2, c2 in s.merges:
            if (r1, c1) != (r2, c2):
                ws.merge_range(r1, c1, r2, c2, "", fmt(styles.get((r1, c1))))
        _write_cells(ws, s, values, live, fmt)
        if pictures:
            _write_pictures(ws, s)
        if s.freeze:
            ws.freeze_panes(*s.freeze)
        if s.zoom:
            ws.set_zoom(s.zoom)
        if s.hide_gridlines:
            ws.hide_gridlines(2)
        if s.tab_color:
            ws.set_tab_color(s.tab_color)
        if s.landscape:
            ws.set_landscape()
        if s.fit:
            ws.fit_to_pages(*s.fit)
        if s.print_area:
            ws.print_area(s.print_area)
        if s.state == "hidden":
            ws.hide()
        elif s.state == "veryHidden":
            ws.very_hidden()
    for name, formula in custom.names:
        wb.define_name(name, formula)
    for s in [custom.dashboard, *custom.extra.values()]:
        for name, formula in s.names:
            wb.define_name(f"'{s.name}'!{name}", formula)


def _write_cells(ws, s: Sheet, values, live, fmt):
    for c in s.cells:
        f = fmt(c.style)
        if c.kind == "f":
            key = (s.name, c.row, c.col)
            if key not in values:
                ws.write_formula(c.row, c.col, c.value, f, "")
            elif live:
                ws.write_formula(c.row, c.col, c.value, f, _cached(values[key]))
            else:
                _write_value(ws, c.row, c.col, values[key], f, live)
        elif c.kind == "n":
            ws.write_number(c.row, c.col, c.value, f)
        elif c.kind == "s":
            ws.write_string(c.row, c.col, c.value, f)
        elif c.kind == "b":
            ws.write_boolean(c.row, c.col, c.value, f)
        elif c.kind == "d":
            ws.write_datetime(c.row, c.col, c.value, f)
        elif c.kind == "e":
            _write_value(ws, c.row, c.col, c.value, f, live)
        else:
            ws.write_blank(c.row, c.col, None, f)
        if c.url and c.kind in ("s", "n", ""):  # a link on a formula is not carried
            text = c.value if c.kind in ("s", "n") else None
            ws.write_url(c.row, c.col, c.url, f, None if text is None else str(text))
        if c.comment:
            text, author = c.comment
            ws.write_comment(c.row, c.col, text, {"author": author} if author else {})


def _cached(v):
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return v


def _write_value(ws, row, col, v, f, live):
    """A value; an error value is a formula (``=#N/A``) in a live report, text in a static
    one (which has no formulas)."""
    if isinstance(v, bool):
        ws.write_boolean(row, col, v, f)
    elif isinstance(v, (int, float)):
        ws.write_number(row, col, float(v), f)
    elif isinstance(v, str) and v in _ERRORS and live:
        ws.write_formula(row, col, f"={v}", f, v)
    elif isinstance(v, (dt.datetime, dt.date)):
        ws.write_datetime(row, col, v, f)
    else:
        ws.write_string(row, col, str(v), f)


def _write_pictures(ws, s: Sheet):
    import io
    for p in s.pictures:
        opts = {"image_data": io.BytesIO(p.data), "x_offset": p.x_offset,
                "y_offset": p.y_offset, "object_position": 1}
        size = _image_size(p.data)
        if p.width and size:
            opts["x_scale"] = p.width / size[0]
            opts["y_scale"] = p.height / size[1]
        ws.insert_image(p.row, p.col, p.name, opts)


def _image_size(data: bytes) -> tuple[float, float] | None:
    """The size in pixels at 96 dpi that xlsxwriter gives a picture at scale 1."""
    import io
    try:
        from xlsxwriter.image import Image
        im = Image(io.BytesIO(data))
        return im.width * 96.0 / im.x_dpi, im.height * 96.0 / im.y_dpi
    except Exception:  # an unreadable picture keeps its own size
        return None
