"""Write a hedge workbook with xlsxwriter: tables, HEDGE_* formulas with cached values, charts.

Why xlsxwriter: it writes a formula together with its cached value
(``write_formula(..., value=)``), so every number shows in any viewer before anything
recalculates: Excel without the add-in, LibreOffice, a mail preview, python-calamine.
openpyxl can write a formula or a value, not both.

Formula style: plain A1 references (``Holdings!G2``), no structured references, so that an
independent formula engine (pycel) recalculates the same formulas the user sees. Each
HEDGE_* inside an Excel Table is a single-cell call; spilling calls (HEDGE_FUNDING_SERIES,
HEDGE_SCENARIO) sit outside tables, because Excel cannot spill inside a Table. They are
written as dynamic-array formulas (not legacy CSE arrays) and every spilled cell carries its
cached value.

``mode="static"`` writes the same layout with values only, for recipients who have nothing
installed.

The sheets are built as models first (:func:`build_workbook`: plain data, see
:mod:`hedgexl.workbook.sheetmodel`); :func:`render` is the only code in hedgexl that calls
xlsxwriter.
"""

from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter
from xlsxwriter.image import Image

from ..files import replacing
from ..inputs.tables import EXCEL_MAX_ROWS, paused_gc
from . import layout as L
from .cells import CellWriter, print_frame
from .model import Numbers, WorkbookData, compute
from .sheetmodel import CELL_OPS, Chart, WorkbookModel
from .sheets import WRITERS, Context
from .sheets.dashboard import HIDDEN_IN_REPORTS
from .style import DATE, Style, Styles, props

__all__ = ["write_workbook", "build_workbook", "save", "render", "SHEETS"]

SHEETS = L.SHEETS

#: A workbook of at most this many data rows is assembled in memory: xlsxwriter otherwise
#: writes and deletes a temporary file per sheet part, which costs a small report a third
#: of its CPU in a batch; a larger one keeps its temporary files (memory stays bounded).
IN_MEMORY_ROWS = 20_000


def _new_workbook(tmp, title: str, *, rows: int = 0, **properties) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook as hedgexl writes them all: text stays text (nothing from a
    user's file becomes a formula or a link), dates in ISO form, titled; in memory when it
    has at most :data:`IN_MEMORY_ROWS` ``rows``."""
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                        "strings_to_formulas": False,
                                        "strings_to_urls": False,
                                        "default_date_format": DATE,
                                        "in_memory": rows <= IN_MEMORY_ROWS})
    wb.set_properties({"title": title, "author": "hedgexl", **properties})
    return wb


class _Resolver:
    """A model's :class:`Style` keys and :class:`Chart` models as xlsxwriter's formats and
    charts, each made once."""

    def __init__(self, wb, styles: Styles):
        self.wb = wb  # the formats made in the order the styles were first asked for
        self.formats = {s: wb.add_format(props(s)) for s in styles.order}
        self.by_id = {id(s): f for s, f in self.formats.items()}  # the common case, fast
        self.charts: dict[int, object] = {}

    def __call__(self, a):
        t = type(a)
        if t is Style:
            if a not in self.formats:
                self.formats[a] = self.wb.add_format(props(a))
            return self.formats[a]
        if t is Chart:
            return self.chart(a)
        if t is dict:
            return {k: self(v) for k, v in a.items()}
        if t is bytes:  # a picture's data
            return io.BytesIO(a)
        if t is list:
            return [self(v) for v in a]
        return a

    def cell_args(self, args: tuple) -> list:
        """A cell's arguments: numbers, text and a style (most of a workbook's calls)."""
        by_id = self.by_id
        return [by_id.get(id(a)) or self(a) if a.__class__ is Style else a for a in args]

    def chart(self, model: Chart):
        if id(model) not in self.charts:
            self.charts[id(model)] = chart = self.wb.add_chart(model.options)
            _replay(chart, model.ops, self)
        return self.charts[id(model)]


def picture_size(data: bytes) -> tuple[float, float] | None:
    """The size in pixels at 96 dpi that xlsxwriter gives a picture at scale 1 (None: not
    a picture it reads)."""
    try:
        im = Image(io.BytesIO(data))
        return im.width * 96.0 / im.x_dpi, im.height * 96.0 / im.y_dpi
    except Exception:  # an unreadable picture keeps its own size
        return None


def _replay(target, ops, resolve: _Resolver, consume: bool = False) -> None:
    """Call ``target``'s methods as the model recorded them; ``consume``: forget each
    call once made (the model's cells are let go as xlsxwriter takes them)."""
    methods: dict[str, object] = {}
    for i, (name, args, kwargs) in enumerate(ops):
        fn = methods.get(name)
        if fn is None:
            fn = methods[name] = getattr(target, name)
        if kwargs:
            fn(*map(resolve, args), **{k: resolve(v) for k, v in kwargs.items()})
        elif name in CELL_OPS:
            fn(*resolve.cell_args(args))
        else:
            fn(*map(resolve, args))
        if consume:
            ops[i] = None
    if consume:
        ops.clear()


def render(model: WorkbookModel, tmp, *, consume: bool = False) -> None:
    """Write ``model`` to the file ``tmp`` with xlsxwriter. ``consume``: empty each sheet's
    model once written (a large workbook then does not hold its cells twice while
    xlsxwriter writes the file)."""
    wb = _new_workbook(tmp, model.title, rows=model.rows, **model.properties)
    resolve = _Resolver(wb, model.styles)
    sheets = [(wb.add_worksheet(name), sheet) for name, sheet in model.sheets.items()]
    _replay(wb, model.ops, resolve)  # after the sheets: a name may be scoped to one
    for ws, sheet in sheets:
        _replay(ws, sheet.ops, resolve, consume)
    wb.close()


def save(model: WorkbookModel, path, *, force: bool = True, consume: bool = False) -> Path:
    """Write ``model`` to ``path`` atomically (a temporary file, then renamed); ``consume``
    as :func:`render`'s."""
    path = Path(path)
    with replacing(path, force=force) as tmp:
        render(model, tmp, consume=consume)
    return path


def write_workbook(d: WorkbookData, path, *, mode: str = "live",
                   numbers: Numbers | None = None, vba_project=None, custom=None,
                   custom_values: dict | None = None, drawings: bool = True,
                   force: bool = True, fingerprint: str | None = None) -> Path:
    """Write the workbook for ``d`` to ``path`` (atomically: temporary file, then rename).

    ``vba_project``: a vbaProject.bin to embed (an ``.xlsm``), with an "Import Functions"
    button on the Dashboard that runs xlwings' ImportPythonUDFs macro.

    ``custom``: a :class:`hedgexl.workbook.custom.Customisation` (a user's template) whose
    sheets, Dashboard additions and names are added; ``custom_values`` are its formulas'
    results (:func:`hedgexl.workbook.custom.evaluate`).

    ``drawings=False`` leaves out charts and pictures: a draft for computing formulas.

    ``fingerprint``: what the workbook was made from, kept as the custom document property
    ``hedgexl_fingerprint`` (``batch --resume`` compares it).

    ``force=False``: fail, writing nothing, when ``path`` exists by the time the workbook is
    finished (see :func:`hedgexl.files.commit`).

    Text is always written as text: a string that starts with ``=`` or looks like a link
    stays a string (xlsxwriter's ``strings_to_formulas`` and ``strings_to_urls`` are off), so
    nothing from a user's file becomes a formula.
    """
    with paused_gc():
        model = build_workbook(d, mode=mode, numbers=numbers, vba_project=vba_project,
                               custom=custom, custom_values=custom_values,
                               drawings=drawings, fingerprint=fingerprint)
        return save(model, path, force=force, consume=True)


def build_workbook(d: WorkbookData, *, mode: str = "live", numbers: Numbers | None = None,
                   vba_project=None, custom=None, custom_values: dict | None = None,
                   drawings: bool = True, fingerprint: str | None = None) -> WorkbookModel:
    """The workbook for ``d`` as a model, nothing written (arguments as
    :func:`write_workbook`'s)."""
    if mode not in ("live", "static"):
        raise ValueError(f"mode must be live or static, got {mode!r}")
    rows = _check_rows(d)
    n = numbers or compute(d)
    model = WorkbookModel(d.settings.title, {
        "comments": "Generated by hedgexl; HEDGE_* formulas need the hedgexl add-in to "
                    "recalculate."}, rows)
    _properties(model, fingerprint, vba_project)
    live = mode == "live"
    sheets = {name: model.add_sheet(name) for name in _order(d, live, custom)}
    c = Context(model, d, n, CellWriter(live), model.styles, sheets, drawings)
    for name in L.SHEETS:  # Dashboard last: it charts the other sheets
        if name in sheets and name != L.DASHBOARD:
            WRITERS[name](c, sheets[name])
    WRITERS[L.DASHBOARD](c, sheets[L.DASHBOARD])
    _hide(d, sheets)
    _frame(d, sheets)
    if custom is not None:
        custom.write(model, custom_values, live, drawings)
    if vba_project is not None:
        _import_button(sheets[L.DASHBOARD])
    return model


def _properties(book: WorkbookModel, fingerprint, vba_project) -> None:
    """Recalculation on open, what the workbook was made from, and the VBA project."""
    book.set_calc_mode("auto")
    if fingerprint is not None:
        book.set_custom_property("hedgexl_fingerprint", fingerprint)
    if vba_project is not None:
        book.set_vba_name("ThisWorkbook")
        book.add_vba_project(str(vba_project))


def _order(d: WorkbookData, live: bool, custom) -> list[str]:
    """The sheets, in layout's order (or the customised template's): xlwings.conf only in
    a live workbook, Trades and Positions only with positions."""
    ours = [name for name in L.SHEETS if name in WRITERS
            and (live or name != L.XLWINGS_CONF)
            and (d.book is not None or name not in (L.TRADES, L.POSITIONS))]
    return custom.sheet_order(ours) if custom is not None else ours


def _import_button(ds) -> None:
    """The .xlsm's button that runs xlwings' ImportPythonUDFs, and its hint."""
    ds.insert_button(L.XLSM_BUTTON_CELL, {"macro": "ImportPythonUDFs",
                                          "caption": "Import Functions (xlwings)",
                                          "width": 200, "height": 28})
    ds.write(L.XLSM_HINT_CELL, L.XLSM_HINT)


#: Sheets whose first row is their table's header, repeated on every printed page.
TABLE_SHEETS = (L.TRADES, L.POSITIONS, L.HOLDINGS, L.CONTRACTS, L.FUNDING)


def _hide(d: WorkbookData, sheets) -> None:
    """A report hides its data and working sheets (it prints in four pages)."""
    if not d.settings.hide_data_sheets:
        return
    for name in HIDDEN_IN_REPORTS + [L.XLWINGS_CONF]:
        if name in sheets:
            sheets[name].hide()
            # LibreOffice prints a hidden sheet that has a print area
            sheets[name].drop("print_area")


def _frame(d: WorkbookData, sheets) -> None:
    """A header and footer on each of hedgexl's sheets (see :func:`cells.print_frame`)."""
    from .. import __version__
    v = d.settings.valuation_date
    when = "" if v is None else f"Valuation {str(v)[:10]}"
    for name, ws in sheets.items():
        print_frame(ws, d.settings.title, when, __version__,
                    0 if name in TABLE_SHEETS else None)


def _check_rows(d: WorkbookData) -> int:
    """Refuse a workbook whose rows would not fit on a sheet, rather than drop some;
    return the data rows of all its sheets."""
    sheets = [(L.HOLDINGS, "holdings", len(d.holdings), 4 + len(d.notes))]
    if d.funding is not None:
        sheets.append((L.FUNDING, "funding rows", len(d.funding.mark_price), 1))
    if d.book is not None:
        sheets.append((L.POSITIONS, "positions", len(d.book.positions),
                       6 + len(d.book.notes)))
    if d.price_dates:
        sheets.append((L.BETA, "price dates", len(d.price_dates), L.BETA_FIRST_ROW - 1))
    for sheet, what, n, extra in sheets:
        if n + extra > EXCEL_MAX_ROWS:
            raise ValueError(f"{n:,} {what} do not fit on the {sheet} sheet: an Excel sheet "
                             f"has {EXCEL_MAX_ROWS:,} rows, so at most "
                             f"{EXCEL_MAX_ROWS - extra:,} {what}; split the input")
    return sum(n for _, _, n, _ in sheets)


