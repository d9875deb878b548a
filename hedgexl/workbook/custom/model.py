"""What a customised template adds to hedgexl's layout: plain, picklable data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import layout as L
from .write import write_extras

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
        return L.a1(self.row, self.col)


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

    def write(self, book, values: dict | None, live: bool, pictures: bool = True) -> None:
        """Put these additions into a workbook's model (see :func:`.write_extras`)."""
        write_extras(book, self, values, live, pictures)

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
