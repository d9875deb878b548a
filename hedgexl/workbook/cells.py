"""Writing one cell, or one spilled block, in a live or a static workbook."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from . import layout as L

#: In place of a figure hedgexl will not show; a note beside it says why.
REFUSED = "refused"


def _cached(v):
    """A formula's cached value as xlsxwriter takes it: a number, or text where none."""
    v = float(v)
    return v if math.isfinite(v) else "none"


class CellWriter:
    """Writes either a formula with its cached value (live) or the value alone (static)."""

    def __init__(self, live: bool):
        self.live = live

    def cell(self, ws, row, col, formula, value, fmt):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            value = "" if value is None else "none"
        if self.live and formula:
            ws.write_formula(row, col, formula, fmt, value)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_number(row, col, float(value), fmt)

    def spill(self, ws, row, col, formula, block, fmt_cols, helper_col):
        """Show ``block`` (2-D), the result of a spilling HEDGE_* formula, at (row, col).

        Live: the dynamic-array formula sits in a hidden helper block starting at
        ``helper_col`` (outside the print area) and the visible cells are plain references
        to it, each with its cached value. LibreOffice recalculates every array formula on
        load and has no HEDGE_*, so a visible spill would show #NAME? there; plain formulas
        keep their cached values. Excel recalculates both. Static: values only.
        """
        block = np.asarray(block, dtype=float)
        nr, nc = block.shape
        if self.live:  # first: xlsxwriter pads the rest of the range with zeros
            ws.write_dynamic_array_formula(row, helper_col, row + nr - 1,
                                           helper_col + nc - 1, formula, fmt_cols[0],
                                           _cached(block[0, 0]))
            for j in range(nc):
                ws.set_column(helper_col + j, helper_col + j, 12, fmt_cols[j],
                              {"hidden": True})
        for i in range(nr):
            for j in range(nc):
                v = float(block[i, j])
                if self.live:
                    if i or j:
                        self.cell(ws, row + i, helper_col + j, None, v, fmt_cols[j])
                    self.cell(ws, row + i, col + j, "=" + L.a1(row + i, helper_col + j), v,
                              fmt_cols[j])
                else:
                    self.cell(ws, row + i, col + j, None, v, fmt_cols[j])


def table(ws, head_format, name: str, columns: dict, heads: dict, widths: dict, rows: int,
          head_height: float | None = 30, freeze: tuple[int, int] = (1, 2)) -> dict:
    """An Excel Table at A1 of ``rows`` data rows whose columns are ``columns`` (key ->
    letter, in order), headed ``heads[key]`` and ``widths[key]`` wide; the header row
    ``head_height`` high (None: as it is), panes frozen at ``freeze`` (the header row and
    the first two columns). Returns key -> 0-based column index. Every table of hedgexl's
    workbooks is made here."""
    col = {k: L.col_index(v) for k, v in columns.items()}
    for k, j in col.items():
        ws.set_column(j, j, widths[k])
    ws.add_table(0, 0, max(rows, 1), len(columns) - 1, {
        "name": name, "style": "Table Style Light 9",
        "columns": [{"header": heads[k], "header_format": head_format} for k in columns]})
    if head_height is not None:
        ws.set_row(0, head_height)
    ws.freeze_panes(*freeze)
    return col


def time_value(t: str):
    """An ISO time ("2024-01-01T08:00:00Z") as a naive UTC datetime; text when unreadable."""
    try:
        return dt.datetime.fromisoformat(t.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return t


def write_time(ws, row, col, t: str, f_time, f_text):
    v = time_value(t)
    if isinstance(v, dt.datetime):
        ws.write_datetime(row, col, v, f_time)
    else:
        ws.write_string(row, col, v, f_text)


#: A sheet of at most this many rows prints on one page (scaled); a longer one runs on.
ONE_PAGE_ROWS = 80


def _header_text(text: str, most: int = 80) -> str:
    """Text for a page header or footer: ``&`` doubled (a code there), cut to ``most``."""
    text = str(text)
    text = text if len(text) <= most else text[:most - 1] + "…"
    return text.replace("&", "&&")


def print_frame(ws, title: str, when: str, version: str, repeat_row: int | None = None):
    """Every printed page says what it is: the sheet's name, the report's title and
    ``when`` (the valuation date, a backtest's dates) in the header, hedgexl's version and
    "page N of M" in the footer; ``repeat_row``: the table's header row, repeated on every
    page."""
    ws.set_header(f'&L&"-,Bold"&A&C{_header_text(title)}&R{_header_text(when)}',
                  {"margin": 0.2})
    ws.set_footer(f"&Lhedgexl {_header_text(version)}&CPage &P of &N", {"margin": 0.2})
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)


def page(ws, landscape=True, rows=None):
    """A4, one page wide, narrow margins; one page tall too when the sheet has at most
    :data:`ONE_PAGE_ROWS` ``rows``."""
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 1 if rows is not None and rows <= ONE_PAGE_ROWS else 0)
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
