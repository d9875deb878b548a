"""The backtest as Excel runs it: HEDGE_BACKTEST through xlwings' call path answers what
``hedgexl backtest`` computes. The core's identities are in test_core_backtest.py, the betas
in test_core_risk.py, the book's run against a plain loop in test_book_backtest.py, the
command in test_backtest_cli.py."""

import datetime as dt

import numpy as np
import pytest

from hedgexl.book.backtest import Policy, line_up, run_policies
from hedgexl.inputs import read_funding_all, read_holdings
from hedgexl.reports.report import join_prices


# -- the Excel functions, called as xlwings calls them --------------------------------------

def _bundled_history():
    from hedgexl.inputs import example_path
    h = read_holdings(example_path("desk_holdings.csv"))
    return line_up(h, join_prices([example_path("prices_2024.csv")]),
                   read_funding_all(example_path("funding_desk_2024h1.csv")))


@pytest.mark.parametrize("runtime", ["com", "lite"], indirect=True)
def test_hedge_backtest_in_excel_is_the_commands_computation(runtime):
    from xlcall import as_grid, column
    hist = _bundled_history()
    bb = run_policies(hist, [Policy("weekly")], leverage=3.0)
    i = 0  # BTC on BINANCE:BTCUSD_PERP
    serial = [(dt.date.fromisoformat(d) - dt.date(1899, 12, 30)).days for d in hist.dates]
    got = as_grid(runtime.call(
        "HEDGE_BACKTEST", hist.holdings.quantity[i], column(list(hist.spot[i])),
        hist.holdings.contract[i], hist.holdings.hedge_ratio[i],
        column(list(hist.rates[i])), None, column([float(s) for s in serial]), "weekly",
        0.0, 3.0, 1.0))
    lane = bb.lane(i, 0)
    want = np.column_stack([lane["contracts"], lane["traded"], lane["pnl"], lane["funding"],
                            lane["fees"], bb.runs[i].margin[:, 0],
                            lane["liquidated"].astype(float), lane["unhedged"],
                            lane["hedged"]])
    assert np.array(got, dtype=float) == pytest.approx(want, rel=1e-12, abs=1e-15)


