"""book/trades.py: the trade plan (targets, netting across accounts, the no-trade band) and the
net exposure per coin."""

from __future__ import annotations

import pytest
from test_desk import desk_book


def _delta_eth(book):
    """Coin-equivalent futures exposure after the trades, in ETH (inverse: q·F/P)."""
    return sum((cur + tr) * 10 / 3000 for k, cur, tr in
               zip(book.trades.contract, book.trades.current, book.trades.trade)
               if k.endswith("ETH-USD-SWAP"))


def test_margin_posted_in_a_coin_is_hedged_too(tmp_path):
    """The issue's example: 100 ETH held, 10 ETH posted on OKX: a full hedge is 110 ETH."""
    b = desk_book(tmp_path, "asset,quantity,price,hedge_ratio,contract\n"
                        "ETH,100,3000,100%,OKX:ETH-USD-SWAP\n",
              "okx,OKX:ETH-USD-SWAP,-1000,3000,10,,,\n")
    assert b.exposure.margin[0] == 10
    assert _delta_eth(b) == pytest.approx(-110, abs=10 / 3000)  # within a lot
    assert b.exposure.net_after[0] == pytest.approx(0, abs=10 / 3000)
    assert b.trades.trade[0] == round(-110 * 3000 / 10) + 1000


def test_a_synthetic_dollar_needs_no_trade(tmp_path):
    """A short inverse position whose margin equals its notional is a synthetic dollar: with
    nothing else held, a full hedge trades nothing."""
    b = desk_book(tmp_path, "asset,quantity,price,hedge_ratio,contract\n"
                        "ETH,0,3000,100%,OKX:ETH-USD-SWAP\n",
              "okx,OKX:ETH-USD-SWAP,-3000,3000,10,,,\n")
    assert b.trades.trade.tolist() == [0.0]
    assert b.exposure.net[0] == pytest.approx(0)


def test_a_hedge_held_on_another_venue_is_kept_and_counted(tmp_path):
    b = desk_book(tmp_path, "asset,quantity,price,hedge_ratio,contract\n"
                        "ETH,100,3000,100%,BINANCE:ETHUSD_PERP\n",
              "okx,OKX:ETH-USD-SWAP,-10000,3000,10,,,\n"
              "bin,BINANCE:ETHUSD_PERP,-5000,3000,5,,,\n")
    rows = dict(zip(b.trades.contract, b.trades.trade))
    assert rows["OKX:ETH-USD-SWAP"] == 0  # not closed
    # 115 ETH to hedge (100 held + 15 margin) at 3,000: 345,000 USD; OKX holds 100,000
    assert rows["BINANCE:ETHUSD_PERP"] == -(345_000 - 100_000) / 10 + 5_000
    assert any("no holding names it: kept" in n for n in b.notes)


def test_the_band_skips_small_trades(tmp_path):
    args = ("asset,quantity,price,hedge_ratio,contract\nETH,50,3000,100%,"
            "OKX:ETH-USD-SWAP\n", "okx,OKX:ETH-USD-SWAP,-14500,3000,0,,,\n")
    assert desk_book(tmp_path, *args).trades.trade[0] == -500  # 3.3 % of the target, 15,000
    banded = desk_book(tmp_path, *args, band=0.05)
    assert banded.trades.trade[0] == 0 and "band" in banded.trades.note[0]
