"""Reading a customised template: what the user added to hedgexl's sheets and their own."""

from __future__ import annotations

import datetime as dt
import posixpath
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as ET

from ...inputs import InputError, MAX_INPUT_BYTES
from ...inputs.tables import (check_dimension, check_workbook, declared_dimension,
                              open_workbook, xml_refusal)
from .. import layout as L
from ..template import build_template, example_data
from .model import Customisation, Picture, Sheet, Cell
from .parts import NS as _NS, drawing_counts, rel_targets, relationships, sheet_parts
from .styles import BORDERS, HALIGN, PATTERNS, UNDERLINE, VALIGN, theme_colors, tint

#: A template sheet is read cell by cell (styles, merges, formulas): at most this many.
MAX_TEMPLATE_CELLS = 2_000_000
#: A template is loaded whole (openpyxl's full mode): at most this much once unpacked.
MAX_TEMPLATE_UNPACKED = 50 * 1024 * 1024

_EMU_PER_PX = 9525
_IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".bmp"}


@lru_cache(maxsize=1)
def _stock() -> tuple[str, dict[str, frozenset], int]:
    """The stock template's Dashboard title, non-empty cells per sheet, Dashboard charts."""
    import openpyxl

    with tempfile.TemporaryDirectory(prefix="hedgexl-") as td:
        p = build_template(Path(td) / "stock.xlsx")
        wb = openpyxl.load_workbook(p)
        cells = {ws.title: frozenset(c.coordinate for row in ws.iter_rows() for c in row
                                     if c.value is not None) for ws in wb.worksheets}
        with zipfile.ZipFile(p) as z:
            charts = drawing_counts(z).get(L.DASHBOARD, {}).get("charts", 0)
    return example_data().settings.title, cells, charts


def read_template(path) -> Customisation:
    """Read a customised copy of hedgexl's template (``.xlsx`` or ``.xlsm``).

    Raises :class:`hedgexl.inputs.InputError` with the reason when the file cannot be read
    or lacks one of hedgexl's sheets.
    """
    p = Path(path)
    _check_template(p)
    wb = open_workbook(p, read_only=False, what="template", limit=MAX_TEMPLATE_UNPACKED,
                       rich_text=False)
    for ws in wb.worksheets:  # a sheet without a declared dimension, measured
        if ws.max_row * ws.max_column > MAX_TEMPLATE_CELLS:
            raise InputError(p, f"sheet {ws.title!r} spans {ws.max_row:,} rows by "
                                f"{ws.max_column:,} columns; a template is read cell by "
                                f"cell, up to {MAX_TEMPLATE_CELLS:,} cells a sheet")
    missing = [s for s in L.SHEETS if s not in L.OPTIONAL_SHEETS and s not in wb.sheetnames]
    if missing:
        raise InputError(p, "the template lacks hedgexl's sheet(s) "
                            + ", ".join(repr(s) for s in missing)
                            + "; keep hedgexl's sheets and their names, and put your "
                              "own content on sheets of your own")
    with zipfile.ZipFile(p) as z:
        stock_title, stock_cells, stock_charts = _stock()
        reader = _Reader(wb, z, p)
        extra, ours, dash = _sheets(reader, wb, drawing_counts(z), stock_cells, stock_charts)
        a1 = wb[L.DASHBOARD]["A1"].value
        title = str(a1) if a1 is not None and str(a1) != stock_title else None
        names = reader.names()
        if any(n.startswith("xl/pivot") for n in z.namelist()):
            reader.warn("pivot tables are not carried")
    return Customisation(str(p), list(wb.sheetnames), extra, dash, ours, reader.styles,
                         title, names, reader.warnings)


def _sheets(reader, wb, drawings, stock_cells, stock_charts):
    """The user's own sheets whole; hedgexl's with their tab colour and state; the
    Dashboard's additions (cells beyond the stock ones); what is not carried, said."""
    extra, ours, dash = {}, {}, None
    for ws in wb.worksheets:
        if ws.title not in L.SHEETS:
            extra[ws.title] = reader.sheet(ws)
            reader.drawing_warnings(ws.title, drawings)
            continue
        ours[ws.title] = Sheet(ws.title, state=ws.sheet_state,
                               tab_color=reader.color(ws.sheet_properties.tabColor))
        stock = stock_cells.get(ws.title, frozenset())
        if ws.title == L.DASHBOARD:
            dash = reader.sheet(ws, skip=stock, layout=False)
            dash.cells = [c for c in dash.cells if c.value != L.XLSM_HINT]
            reader.drawing_warnings(ws.title, drawings, stock_charts)
        elif ws.title != L.XLWINGS_CONF:
            _said_not_carried(reader, ws, stock)
    return extra, ours, dash


def _check_template(p: Path) -> None:
    """Before openpyxl reads a cell: the file exists, is small enough, is a workbook, and
    no sheet declares more cells than a template may have."""
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
            parts = sheet_parts(z)
            dims = {sheet: declared_dimension(z, part) for sheet, part in parts.items()}
    except DefusedXmlException:
        raise InputError(p, xml_refusal) from None
    except (KeyError, ET.ParseError, zipfile.BadZipFile) as e:
        raise InputError(p, f"not a readable Excel workbook ({type(e).__name__})") from None
    for sheet, dim in dims.items():
        check_dimension(p, sheet, dim)
        if dim and dim[0] * dim[1] > MAX_TEMPLATE_CELLS:
            raise InputError(p, f"sheet {sheet!r} spans {dim[0]:,} rows by {dim[1]:,} "
                                f"columns; a template is read cell by cell, up to "
                                f"{MAX_TEMPLATE_CELLS:,} cells a sheet")


def _said_not_carried(reader, ws, stock) -> None:
    """Cells a user typed on one of hedgexl's sheets (other than the Dashboard): hedgexl
    rewrites that sheet, so they are said, not carried."""
    added = [c.coordinate for row in ws.iter_rows() for c in row
             if c.value is not None and c.coordinate not in stock]
    if added:
        more = f" and {len(added) - 5} more" if len(added) > 5 else ""
        reader.warn(f"{ws.title}: cell(s) {', '.join(added[:5])}{more} are not carried: "
                    f"hedgexl rewrites this sheet from each portfolio's inputs. Put your own "
                    f"content on a sheet of your own")


class _Reader:
    def __init__(self, wb, z, path):
        self.wb, self.z, self.path = wb, z, path
        self.styles: list[dict] = []
        self._style_ids: dict = {}
        self.warnings: list[str] = []
        self.theme = theme_colors(getattr(wb, "loaded_theme", None))
        self.parts = sheet_parts(z)

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
                return tint(self.theme[c.theme], c.tint or 0.0)
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
        """A cell's style as xlsxwriter's format properties (font, fill, borders,
        alignment, number format, protection)."""
        p = {}
        if cell.font is not None:
            p.update(_font(cell.font, self.color(cell.font.color)))
        p.update(self._fill(cell.fill))
        if cell.border is not None:
            p.update(self._borders(cell.border))
        if cell.alignment is not None:
            p.update(_alignment(cell.alignment))
        if cell.number_format and cell.number_format != "General":
            p["num_format"] = cell.number_format
        pr = cell.protection
        if pr is not None:
            if pr.locked is False:
                p["locked"] = False
            if pr.hidden:
                p["hidden"] = True
        return p

    def _fill(self, fl) -> dict:
        """A pattern fill: solid's colour is the background, other patterns' are two."""
        pattern = getattr(fl, "patternType", None)
        if pattern not in PATTERNS or pattern == "none":
            return {}
        p = {"pattern": PATTERNS.index(pattern)}
        fg, bg = self.color(fl.fgColor), self.color(fl.bgColor)
        if pattern == "solid":
            p.update({"bg_color": fg} if fg else {})
        else:
            p.update({k: v for k, v in (("fg_color", fg), ("bg_color", bg)) if v})
        return p

    def _borders(self, b) -> dict:
        p = {}
        for side in ("left", "right", "top", "bottom"):
            s = getattr(b, side)
            if s is not None and s.style in BORDERS:
                p[side] = BORDERS[s.style]
                col = self.color(s.color)
                if col:
                    p[f"{side}_color"] = col
        return p

    # -- sheets --------------------------------------------------------------------------
    def sheet(self, ws, skip=frozenset(), layout=True) -> Sheet:
        """One sheet of the template: its cells (but ``skip``), pictures and names, and,
        with ``layout``, its columns, rows, merges, view and page settings."""
        from openpyxl.cell.cell import MergedCell
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
        if layout:
            _grid(ws, s)
            _view(ws, s)
            if ws.conditional_formatting:
                self.warn(f"{ws.title}: conditional formats are not carried")
            if ws.data_validations and ws.data_validations.dataValidation:
                self.warn(f"{ws.title}: data validations are not carried")
        return s

    def _cell(self, ws, c) -> Cell | None:
        """One cell as the model keeps it: its kind and value, style, link and comment;
        None for a cell with nothing of these."""
        style, v = self.style(c), c.value
        url = _link(c.hyperlink)
        comment = (c.comment.text, c.comment.author or "") if c.comment is not None else None
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
        kind, v = _kind_of(v, c.data_type)
        return Cell(c.row - 1, c.column - 1, kind, v, style, url, comment)

    def pictures(self, sheet_name) -> list[Picture]:
        part = self.parts.get(sheet_name)
        if part is None:
            return []
        out = []
        for drawing in rel_targets(self.z, part, "/drawing"):
            try:
                root = ET.fromstring(self.z.read(drawing))
            except (KeyError, ET.ParseError):
                continue
            rels = relationships(self.z, drawing)
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
            if name.lower() in L.HEDGEXL_NAMES or name.startswith("_xlnm"):
                continue
            if dn.attr_text:
                out.append((name, "=" + dn.attr_text))
        return out


def _link(h) -> str | None:
    """A cell's hyperlink: its target, or ``internal:`` and the place in the workbook."""
    if h is None:
        return None
    if h.target:
        return h.target
    return "internal:" + h.location if h.location else None


def _kind_of(v, data_type: str):
    """(kind, value) of a value cell: b, n, d (a date as a datetime), e (an error) or s."""
    if isinstance(v, bool):
        return "b", v
    if isinstance(v, (int, float)):
        return "n", v
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            v = dt.datetime.combine(v, dt.time())
        return "d", v
    if data_type == "e":
        return "e", v
    return "s", str(v)


def _grid(ws, s: Sheet) -> None:
    """The sheet's column widths, row heights (and hidden ones) and merged ranges."""
    from openpyxl.utils import column_index_from_string, range_boundaries
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


def _view(ws, s: Sheet) -> None:
    """The sheet's frozen panes, zoom, gridlines and page setup (orientation, fit, print
    area)."""
    if ws.freeze_panes:
        from openpyxl.utils.cell import coordinate_to_tuple
        r, c = coordinate_to_tuple(ws.freeze_panes)
        s.freeze = (r - 1, c - 1)
    sv = ws.sheet_view
    if sv.zoomScale and sv.zoomScale != 100:
        s.zoom = int(sv.zoomScale)
    s.hide_gridlines = sv.showGridLines is False
    s.landscape = ws.page_setup.orientation == "landscape"
    fit = ws.sheet_properties.pageSetUpPr
    if fit is not None and fit.fitToPage:
        s.fit = (int(ws.page_setup.fitToWidth or 1), int(ws.page_setup.fitToHeight or 0))
    if ws.print_area:
        area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
        s.print_area = area.split("!")[-1].replace("$", "")


#: The font's properties that carry over as they are: (openpyxl's, xlsxwriter's, value).
_FONT_FLAGS = (("b", "bold"), ("i", "italic"), ("strike", "font_strikeout"))


def _font(ft, color) -> dict:
    """A font's name, size, bold, italic, underline, strikeout, script and colour."""
    p = {}
    if ft.name:
        p["font_name"] = ft.name
    if ft.sz:
        p["font_size"] = float(ft.sz)
    p.update({ours: True for theirs, ours in _FONT_FLAGS if getattr(ft, theirs)})
    if ft.u in UNDERLINE:
        p["underline"] = UNDERLINE[ft.u]
    if ft.vertAlign in ("superscript", "subscript"):
        p["font_script"] = 1 if ft.vertAlign == "superscript" else 2
    if color:
        p["font_color"] = color
    return p


def _alignment(al) -> dict:
    """Horizontal and vertical alignment, wrap, shrink, indent and rotation."""
    p = {}
    if al.horizontal in HALIGN:
        p["align"] = HALIGN[al.horizontal]
    if al.vertical in VALIGN:
        p["valign"] = VALIGN[al.vertical]
    if al.wrap_text:
        p["text_wrap"] = True
    if al.shrink_to_fit:
        p["shrink"] = True
    if al.indent:
        p["indent"] = int(al.indent)
    if al.text_rotation:  # Excel's 91..180 are downward: xlsxwriter's -1..-90
        r = int(al.text_rotation)
        p["rotation"] = r if r <= 90 else (90 - r if r <= 180 else 270)
    return p
