"""What every sheet function gets: the workbook's model, the inputs, the numbers, the
styles."""

from __future__ import annotations

from dataclasses import dataclass

from ... import core
from .. import layout as L
from ..cells import CellWriter
from ..model import Numbers, WorkbookData
from ..sheetmodel import Chart, WorkbookModel
from ..style import COIN, USD, Styles


@dataclass
class Context:
    book: WorkbookModel  # what is written: sheets, defined names
    d: WorkbookData
    n: Numbers
    w: CellWriter
    f: Styles
    sheets: dict  # sheet name -> its Sheet model
    drawings: bool = True  # charts and pictures (False: a draft for computing formulas)

    def chart(self, options: dict) -> Chart:
        """A new chart (xlsxwriter's ``add_chart`` options), placed by ``insert_chart``."""
        return self.book.chart(options)

    @property
    def live(self) -> bool:
        return self.w.live

    @property
    def holdings_last_row(self) -> int:
        """Excel row of the last holding."""
        return len(self.d.holdings) + L.HOLDINGS_FIRST_ROW - 1

    def holdings_col(self, name: str) -> str:
        """``Holdings!$G$2:$G$n``: a column of the holdings table by its layout name."""
        return L.column_range(L.HOLDINGS, L.HOLDINGS_COLS[name], self.holdings_last_row,
                              L.HOLDINGS_FIRST_ROW)

    def funding_coin(self) -> str:
        """The currency the funding contract books its amounts in, for labels: its coin
        for an inverse contract ("BTC"), its settlement currency for a linear one
        ("USDT")."""
        spec = core.get_contract(self.d.funding.contract)
        return (spec.settle if spec.linear else spec.coin) or "coin"

    def funding_format(self) -> str:
        """The number format of the funding contract's amounts: coin to 8 decimals, USDT
        as dollars."""
        return USD if core.get_contract(self.d.funding.contract).linear else COIN
