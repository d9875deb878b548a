"""What a workbook shows, as plain data: the sheet functions fill these models, and the
writer (:mod:`hedgexl.workbook.writer`, the only code that calls xlsxwriter) turns them
into a file.

A :class:`Sheet` is the list of what is put on one sheet, in order: values, formulas with
their cached values, column widths, tables, charts, validations, page settings. It speaks
xlsxwriter's vocabulary (``write_number``, ``set_column``, ``add_table``...), so that a
reader who knows xlsxwriter reads a sheet function at once, but it holds only plain data:
numbers, text, :class:`~hedgexl.workbook.style.Style` keys (not formats) and
:class:`Chart` models (not charts). Formulas are text whose addresses come from
:mod:`hedgexl.workbook.layout`. A model can be inspected without writing a file
(:meth:`Sheet.cells`), pickled, or written twice.

>>> s = Sheet("Demo")
>>> s.write("B2", 3.0)
>>> s.write_formula(2, 1, "=B2*2", None, 6.0)
>>> [(c.ref, c.value, c.formula) for c in s.cells()]
[('B2', 3.0, None), ('B3', 6.0, '=B2*2')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import layout as L
from .style import Styles

__all__ = ["Sheet", "Chart", "WorkbookModel", "Cell"]


def _recorder(name: str):
    def record(self, *args, **kwargs):
        self.ops.append((name, args, kwargs or None))
    record.__name__ = name
    record.__doc__ = f"Record xlsxwriter's ``{name}`` with these arguments."
    return record


def _recording(names: tuple[str, ...]):
    """A class decorator: a recording method for each of ``names``."""
    def add(cls):
        for name in names:
            setattr(cls, name, _recorder(name))
        cls.OPS = frozenset(names)
        return cls
    return add


#: What a sheet can hold: a cell's value or formula (the first three arguments are its row,
#: column and value, or an A1 address and its value), and everything else.
CELL_OPS = ("write", "write_string", "write_number", "write_formula", "write_datetime",
            "write_blank", "write_boolean", "write_url", "write_comment",
            "write_dynamic_array_formula")
SHEET_OPS = CELL_OPS + (
    "write_row", "set_column", "set_row", "add_table", "insert_chart", "insert_image",
    "insert_button", "merge_range", "freeze_panes", "data_validation",
    "conditional_format", "print_area", "repeat_rows", "fit_to_pages", "set_landscape",
    "set_paper", "set_margins", "set_header", "set_footer", "hide", "activate",
    "set_tab_color", "hide_gridlines", "set_zoom", "very_hidden")
CHART_OPS = ("add_series", "set_title", "set_x_axis", "set_y_axis", "set_legend",
             "set_size", "combine", "set_plotarea", "set_chartarea", "set_y2_axis")
BOOK_OPS = ("define_name", "set_calc_mode", "set_custom_property", "set_vba_name",
            "add_vba_project")


@dataclass(frozen=True)
class Cell:
    """One cell as a model holds it: where, the value shown and the formula if any."""
    row: int  # 0-based
    col: int
    value: object
    formula: str | None
    style: object

    @property
    def ref(self) -> str:
        return L.a1(self.row, self.col)


@_recording(SHEET_OPS)
class Sheet:
    """One sheet's content: ``ops`` are (xlsxwriter method, args, kwargs or None), in
    order."""

    def __init__(self, name: str):
        self.name = name
        self.ops: list[tuple[str, tuple, dict]] = []

    def drop(self, op: str) -> None:
        """Forget every ``op`` recorded (a hidden sheet's print area)."""
        self.ops = [o for o in self.ops if o[0] != op]

    def cells(self) -> list[Cell]:
        """The cells written, in order (a later write to a cell follows the earlier): each
        value, formula (with its cached value), link's text, merged range's first cell and
        row of values."""
        out = []
        for name, args, _ in self.ops:
            if name in _READS:
                out += _READS[name](*_numeric(name, args))
        return out

    def cell(self, ref: str) -> Cell | None:
        """The last thing written at ``ref`` ("B7"), or None."""
        where = L.cell(ref)
        found = None
        for c in self.cells():
            if (c.row, c.col) == where:
                found = c
        return found


def _numeric(name: str, args: tuple) -> tuple:
    """``args`` with an A1 address ("B4", or "A1:B3" for a range) as row and column
    numbers."""
    if not args or not isinstance(args[0], str):
        return args
    if name in _RANGE_OPS:
        first, _, last = args[0].partition(":")
        return (*L.cell(first), *L.cell(last or first), *args[1:])
    return (*L.cell(args[0]), *args[1:])


def _arg(rest: tuple, i: int, default=None):
    return rest[i] if len(rest) > i else default


_RANGE_OPS = {"merge_range", "write_dynamic_array_formula"}
#: How each write reads back as cells: (row, col, the rest of its arguments) -> [Cell].
_READS = {
    **{n: (lambda r, c, *x: [Cell(r, c, _arg(x, 0), None, _arg(x, 1))])
       for n in ("write", "write_string", "write_number", "write_datetime", "write_boolean",
                 "write_blank")},
    "write_formula": lambda r, c, *x: [Cell(r, c, _arg(x, 2, 0), x[0], _arg(x, 1))],
    "write_url": lambda r, c, *x: [Cell(r, c, _arg(x, 2) or x[0], None, _arg(x, 1))],
    "write_row": lambda r, c, *x: [Cell(r, c + j, v, None, _arg(x, 1))
                                   for j, v in enumerate(x[0])],
    "merge_range": lambda r, c, r2, c2, *x: [Cell(r, c, x[0], None, _arg(x, 1))],
    "write_dynamic_array_formula": lambda r, c, r2, c2, *x: [
        Cell(r, c, _arg(x, 2, 0), x[0], _arg(x, 1))],
}


@_recording(CHART_OPS)
@dataclass(eq=True)
class Chart:
    """A chart: xlsxwriter's ``add_chart`` options and the calls that shape it."""
    options: dict
    ops: list = field(default_factory=list)


@_recording(BOOK_OPS)
@dataclass
class WorkbookModel:
    """A whole workbook: its sheets in order, book-wide settings (defined names, the
    calculation mode...), its properties and the looks its cells use. The writer makes the
    file."""
    title: str
    properties: dict = field(default_factory=dict)
    rows: int = 0  # data rows in all, for the writer (a small workbook is built in memory)
    sheets: dict = field(default_factory=dict)  # name -> Sheet, in the workbook's order
    ops: list = field(default_factory=list)
    styles: Styles = field(default_factory=Styles)  # each cell's Style, from here

    def add_sheet(self, name: str) -> Sheet:
        """A new, empty sheet after the others; a name already taken is refused (in any
        case: Excel's sheet names are case-blind)."""
        if name.lower() in (n.lower() for n in self.sheets):
            raise ValueError(f"the workbook has a sheet {name!r} already")
        self.sheets[name] = Sheet(name)
        return self.sheets[name]

    def chart(self, options: dict) -> Chart:
        """A new chart (placed with a sheet's ``insert_chart``)."""
        return Chart(options)
