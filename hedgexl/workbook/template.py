"""The template workbook: the bundled example portfolio, funding and prices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import core
from ..inputs import example_path, read_funding, read_holdings, read_prices
from .model import Settings, WorkbookData
from .writer import write_workbook

#: Where the committed template lives, relative to the repository root.
TEMPLATE_NAME = "hedge_template.xlsx"
EXAMPLE_DEFAULT_HEDGE_RATIO = 0.5


def example_data() -> WorkbookData:
    """The template's content: a five-coin treasury at the 2025-01-16 closes."""
    path = example_path("example_portfolio.csv")
    h = read_holdings(path, default_hedge_ratio=EXAMPLE_DEFAULT_HEDGE_RATIO)
    funding = read_funding(example_path("funding_binance_btcusd_perp.csv"))
    dates, prices = read_prices(example_path("prices_2024.csv"))
    return WorkbookData(
        holdings=h, hedge_ratio_given=h.hedge_ratio_given,
        settings=Settings(valuation_date=dt.date.fromisoformat(dates[-1]),
                          default_hedge_ratio=EXAMPLE_DEFAULT_HEDGE_RATIO,
                          title="Hedge dashboard: example treasury"),
        contracts=core.all_contracts(), funding=funding, price_dates=dates, prices=prices,
        benchmark="BTC")


def build_template(out, mode: str = "live") -> Path:
    return write_workbook(example_data(), out, mode=mode)
