"""Putting a customised template's additions into the workbook's model (the writer makes
the file)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import datetime as dt

from .. import layout as L
from ..writer import picture_size

_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}

if TYPE_CHECKING:  # the model imports this module
    from ..sheetmodel import WorkbookModel
    from .model import Customisation, Sheet


def write_extras(book: WorkbookModel, custom: Customisation, values: dict | None,
                 live: bool, pictures: bool = True) -> None:
    """Put the user's additions into ``book`` (a workbook's model), whose sheets already
    exist in :meth:`Customisation.sheet_order`; the template's cell formats become the
    book's raw styles.

    ``values``: the user's formulas' results from :func:`evaluate`; a formula without a
    result is written as a formula with no cached value, in either mode.
    """
    sheets = book.sheets

    def fmt(i):
        return None if i is None else book.styles.raw(custom.styles[i])

    values = values or {}
    for name, s in custom.ours.items():
        ws = sheets.get(name)
        if ws is None:
            continue
        if s.tab_color:
            ws.set_tab_color(s.tab_color)
        if s.state != "visible" and name != L.DASHBOARD:
            ws.hide()
    if L.DASHBOARD in sheets:
        _write_cells(sheets[L.DASHBOARD], custom.dashboard, values, live, fmt)
        if pictures:
            _write_pictures(sheets[L.DASHBOARD], custom.dashboard)
    for name, s in custom.extra.items():
        _extra_sheet(sheets[name], s, values, live, fmt, pictures)
    for name, formula in custom.names:
        book.define_name(name, formula)
    for s in [custom.dashboard, *custom.extra.values()]:
        for name, formula in s.names:
            book.define_name(f"'{s.name}'!{name}", formula)


def _extra_sheet(ws, s: Sheet, values, live, fmt, pictures) -> None:
    """One of the user's own sheets: its columns, rows, merges, cells and pictures, then
    its view and page settings."""
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
    _view_and_page(ws, s)


#: A sheet's view and page settings: (its attribute, how to apply a value it has).
_SETTINGS = (("freeze", lambda ws, v: ws.freeze_panes(*v)),
             ("zoom", lambda ws, v: ws.set_zoom(v)),
             ("hide_gridlines", lambda ws, v: ws.hide_gridlines(2)),
             ("tab_color", lambda ws, v: ws.set_tab_color(v)),
             ("landscape", lambda ws, v: ws.set_landscape()),
             ("fit", lambda ws, v: ws.fit_to_pages(*v)),
             ("print_area", lambda ws, v: ws.print_area(v)))


def _view_and_page(ws, s: Sheet) -> None:
    """The settings the sheet has (a table, not an if-ladder), then its visibility."""
    for attr, apply in _SETTINGS:
        v = getattr(s, attr)
        if v:
            apply(ws, v)
    if s.state == "hidden":
        ws.hide()
    elif s.state == "veryHidden":
        ws.very_hidden()


#: The writer of each plain cell kind (number, string, boolean, date).
_PLAIN = {"n": "write_number", "s": "write_string", "b": "write_boolean",
          "d": "write_datetime"}


def _write_cell(ws, s: Sheet, c, values, live, f) -> None:
    """One cell of the user's template: a formula (with its computed value, or its value
    alone in a static report), a plain value, an error value, or a blank."""
    if c.kind == "f":
        key = (s.name, c.row, c.col)
        if key not in values:
            ws.write_formula(c.row, c.col, c.value, f, "")
        elif live:
            ws.write_formula(c.row, c.col, c.value, f, _cached(values[key]))
        else:
            _write_value(ws, c.row, c.col, values[key], f, live)
    elif c.kind in _PLAIN:
        getattr(ws, _PLAIN[c.kind])(c.row, c.col, c.value, f)
    elif c.kind == "e":
        _write_value(ws, c.row, c.col, c.value, f, live)
    else:
        ws.write_blank(c.row, c.col, None, f)


def _write_cells(ws, s: Sheet, values, live, fmt):
    for c in s.cells:
        f = fmt(c.style)
        _write_cell(ws, s, c, values, live, f)
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
    for p in s.pictures:
        opts = {"image_data": p.data, "x_offset": p.x_offset,
                "y_offset": p.y_offset, "object_position": 1}
        size = picture_size(p.data)
        if p.width and size:
            opts["x_scale"] = p.width / size[0]
            opts["y_scale"] = p.height / size[1]
        ws.insert_image(p.row, p.col, p.name, opts)
