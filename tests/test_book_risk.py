"""book/risk.py: each position's margin and liquidation in its account (cross and isolated),
refused beyond the tiers."""

from __future__ import annotations

import re
import numpy as np
import pytest
from hedgexl import cli
from workbook_checks import (cached_values)
from test_desk import desk_book


def test_cross_margin_uses_the_wallet_less_what_the_other_positions_need(tmp_path):
    """Binance's cross formula: a position's liquidation price uses the wallet minus the
    other positions' maintenance margin plus their unrealised PnL; OKX holds its taker fee
    to close beside its maintenance margin (it liquidates at the rate plus the fee)."""
    b = desk_book(tmp_path, "asset,quantity,price\nBTC,1,60000\n",
              "x,BINANCE:BTCUSD_PERP,-300,50000,,0.3,cross,\n"
              "x,OKX:BTC-USD-SWAP,-200,55000,,,cross,\n")
    mark = 60_000
    other_mm = 200 * 100 / mark * (0.005 + 0.0005)  # OKX's base tier, 0.5 %, + taker fee
    other_upnl = -200 * 100 * (1 / 55_000 - 1 / mark)
    wb = 0.3 - other_mm + other_upnl
    q, ep = 300 * 100, 50_000  # short: LP = N(1-m)/(N/EP - WB - cum), tier 1 of Binance
    lp = q * (1 - 0.004) / (q / ep - wb)  # about 90,000: 0.33 BTC there, still tier 1
    assert b.risk.liq_price[0] == pytest.approx(round(lp, 1))


def test_a_position_beyond_the_bundled_tiers_is_refused_alone(tmp_path, capsys):
    """Right or refused: 25,000 OKX:ETH-USD-SWAP contracts are past the one tier bundled
    (20,000), so that position gets no margin or liquidation figure; the position sharing
    its ETH cross wallet keeps its own maintenance margin but not its liquidation price
    (what the wallet leaves it depends on the refused one). The rest of the book stands: an
    isolated BTC short keeps DOMAIN's liquidation price, and the trades are still planned."""
    hold = "asset,quantity,price,hedge_ratio,contract\nETH,100,3000,100%,BINANCE:ETHUSD_PERP\n" \
           "BTC,1,60000,100%,BINANCE:BTCUSD_PERP\n"
    rows = ("x,OKX:ETH-USD-SWAP,-25000,3000,,5,cross,\n"
            "x,BINANCE:ETHUSD_PERP,-1000,3000,,,cross,\n"
            "iso,BINANCE:BTCUSD_PERP,-100,60000,0.1,,isolated,\n")
    b = desk_book(tmp_path, hold, rows)
    r = b.risk
    assert r.refused == [0, 1]
    assert np.isnan([r.maint_margin[0], r.liq_price[0], r.distance[0]]).all()
    # the neighbour: Binance tier 1 (3.3 ETH: 0.5 %) at the mark, 3,000
    assert r.maint_margin[1] == pytest.approx(1000 * 10 / 3000 * 0.005)
    assert np.isnan([r.margin[1], r.liq_price[1], r.distance[1]]).all()
    assert b.notes.index(next(n for n in b.notes if "row 2" in n)) < \
        b.notes.index(next(n for n in b.notes if "row 3" in n))  # the cause first
    assert "p.csv: row 2 (x OKX:ETH-USD-SWAP): margin and liquidation refused: a position " \
           "of 25,000 contracts is beyond the largest margin tier of OKX:ETH-USD-SWAP " \
           "(20,000 contracts)" in b.notes[b.notes.index(next(n for n in b.notes
                                                              if "row 2" in n))]
    assert any(n.startswith("p.csv: row 3 (x BINANCE:ETHUSD_PERP): liquidation refused: it "
                            "shares x's ETH cross wallet with OKX:ETH-USD-SWAP") for n in b.notes)
    # short, Binance tier 1 (0.17 BTC: 0.4 %, no amount): LP = N(1-m) / (N/EP - WB)
    n = 100 * 100
    assert r.liq_price[2] == pytest.approx(round(n * (1 - 0.004) / (n / 60_000 - 0.1), 1))
    assert len(b.trades.trade) == 3
    # the report: "refused" where a figure would be; the summary counts it beside the
    # nearest distance known (the BTC short's)
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(tmp_path / "h.csv"), "--positions", str(tmp_path / "p.csv"),
                     "-o", str(out), "--valuation-date", "2024-06-30"]) == 0
    v = cached_values(out)
    from hedgexl.workbook import layout as L
    cols = [L.POSITIONS_COLS[k] for k in ("margin", "maint", "liq", "distance")]
    assert [v[f"Positions!{c}2"] for c in cols][1:] == ["refused"] * 3
    assert [v[f"Positions!{c}3"] for c in cols] == ["refused", pytest.approx(
        r.maint_margin[1]), "refused", "refused"]
    assert v[f"Positions!{L.POSITIONS_COLS['liq']}4"] == pytest.approx(r.liq_price[2])
    dash = [v.get(f"Dashboard!E{k}") for k in range(1, 60)]
    assert dash.count("refused") == 2
    near = f"{r.distance[2]:.1%} +2 ref"
    assert re.search(rf"^h\s.*{re.escape(near)}", capsys.readouterr().out, re.M)


def test_a_position_that_outgrows_its_tier_at_the_liquidation_price(tmp_path):
    """A long of 25,000 BINANCE:ETHUSD_PERP (250,000 USD) is 83 ETH at 3,000, inside the
    100-ETH tier; at its liquidation price (about 2,430, with 20 ETH) it would be 103 ETH,
    beyond it. Binance re-checks the tier there, so the liquidation price is refused, while
    the maintenance margin at the mark stands (83.3 ETH x 0.5 %)."""
    b = desk_book(tmp_path, "asset,quantity,price\nETH,1,3000\n",
              "x,BINANCE:ETHUSD_PERP,25000,3000,20,,isolated,\n")
    r = b.risk
    assert r.refused == [0] and np.isnan([r.liq_price[0], r.distance[0]]).all()
    assert r.maint_margin[0] == pytest.approx(250_000 / 3000 * 0.005)
    # the size named is the one at the liquidation price, with that price
    assert re.search(r"row 2 \(x BINANCE:ETHUSD_PERP\): liquidation refused: a position of "
                     r"10\d\.\d+ ETH at 2,4\d\d\.\d\d USD is beyond", b.notes[0])
