"""book/protection.py: the perpetual, a put and a collar per holding on Deribit's chain: costs
from the marks read with csv, values from the payoffs written out."""

from __future__ import annotations

import datetime as dt
import pytest
from hedgexl.book.protection import SHOCKS, protect
from hedgexl.inputs.options import read_option_chain
from test_options_desk import BTC_CHAIN, chain_marks, desk  # noqa: F401 (desk: a fixture)


def _payoff(kind, K, x):
    return max(K - x, 0.0) if kind == "put" else max(x - K, 0.0)


def test_the_bundled_desk_on_deribits_btc_chain(desk):
    """12.5 BTC at a hedge ratio of 80 %: 10 BTC of puts (Deribit's 0.1 lots), struck
    nearest 90 % of the February future; the collar's call is the one whose mark is
    nearest the put's. Costs are Deribit's marks times the size."""
    h, pb = desk
    marks = chain_marks(BTC_CHAIN)
    assert pb.chain.time == dt.datetime(2025, 12, 5, 1, 10)
    assert pb.expiry == dt.datetime(2026, 2, 27, 8, 0)  # the expiry nearest 90 days out
    (btc,) = pb.holdings
    assert btc.covered == 10.0
    perp, put, collar = btc.choices
    (p_name,) = [leg.split()[-1] for leg in put.legs]
    c_name = collar.legs[1].split()[-1]
    P, F = marks[p_name]
    C, _ = marks[c_name]
    K, Kc = float(p_name.split("-")[2]), float(c_name.split("-")[2])
    feb = {n: v for n, v in marks.items() if "-27FEB26-" in n}
    assert abs(K - 0.9 * F) == min(abs(float(n.split("-")[2]) - 0.9 * F)
                                   for n in feb if n.endswith("-P"))
    assert abs(C - P) == min(abs(v[0] - P) for n, v in feb.items()
                             if n.endswith("-C") and float(n.split("-")[2]) >= F)
    assert put.cost_coin == pytest.approx(10 * P, rel=1e-12)
    assert collar.cost_coin == pytest.approx(10 * (P - C), rel=1e-12)
    # Deribit's standard margin for the short call, with the data file's 0.15/0.10/0.075
    otm = max(Kc - F, 0) / F
    assert collar.margin_coin == pytest.approx(10 * (max(0.15 - otm, 0.10) + C), rel=1e-12)
    # the perpetual: 80 % of 12.5 BTC at the chain's index, in 100 USD contracts
    S = btc.price
    assert perp.legs == [f"short {round(0.8 * 12.5 * S / 100):,} BINANCE:BTCUSD_PERP"]
    assert any("ETH" in n and "no ETH options" in n for n in pb.notes)


def test_values_at_expiry_are_the_payoffs_written_out(desk):
    h, pb = desk
    (btc,) = pb.holdings
    perp, put, collar = btc.choices
    P, K = put.cost_coin / 10, float(put.legs[0].split("-")[2])
    C, Kc = P - collar.cost_coin / 10, float(collar.legs[1].split("-")[2])
    q_perp = -float(perp.legs[0].split()[1].replace(",", ""))
    Q, S, n = 12.5, btc.price, 10.0
    for i, s in enumerate(SHOCKS):
        x = S * (1 + s)
        assert btc.unhedged[i] == pytest.approx(Q * x)
        assert perp.values[i] == pytest.approx(Q * x + q_perp * 100 * (1 / S - 1 / x) * x)
        assert put.values[i] == pytest.approx((Q - n * P) * x + n * _payoff("put", K, x))
        assert collar.values[i] == pytest.approx((Q - n * P + n * C) * x
                                                 + n * _payoff("put", K, x)
                                                 - n * _payoff("call", Kc, x))
    # the put's breakeven: above K, (Q − nP)·x = Q·S
    assert put.breakeven == [pytest.approx(Q * S / (Q - n * P), rel=1e-9)]
    totals = pb.totals()
    assert totals["collar"] == pytest.approx(collar.values)


def test_choosing_the_put_by_delta(desk):
    h, _ = desk
    pb = protect(h, read_option_chain(BTC_CHAIN), expiry="27MAR26", put_delta=-0.25)
    (btc,) = pb.holdings
    put = btc.options[0]
    from hedgexl.core import option_greeks
    d = option_greeks("put", put["forward"], put["strike"], pb.years, put["iv"],
                      unit="usd")["delta"]
    assert abs(d + 0.25) < 0.03
    assert btc.choices[1].legs[0].endswith(f"-27MAR26-{put['strike']:.0f}-P")
