"""core/pnl.py: PnL of inverse and linear contracts, funding and fees, net PnL: venues'
published examples, seeds' arithmetic (corrected), identities."""

from __future__ import annotations

import csv

import numpy as np
from helpers_core import REL, close, face, price
from hypothesis import given, settings
from hypothesis import strategies as st

import hedgexl as hx

# signed amounts away from the subnormal range, where a product can underflow to zero
signed = st.floats(-1e7, 1e7, allow_subnormal=False).filter(lambda x: x == 0 or abs(x) > 1e-6)


rate = st.floats(-0.01, 0.01).filter(lambda x: x == 0 or abs(x) > 1e-12)


def test_bitmex_long_15000_xbtusd_750_to_800():
    assert close(hx.futures_pnl(15_000, 750, 800, "BITMEX:XBTUSD"), 1.25)
    assert close(hx.inverse_pnl(15_000, 750, 800, 1), 1.25)


def test_kraken_10000_pi_xbtusd_5000_to_6000():
    # Kraken rounds to 0.3333 BTC; the exact value is 1/3.
    assert round(hx.futures_pnl(10_000, 5_000, 6_000, "KRAKEN:PI_XBTUSD"), 4) == 0.3333
    assert close(hx.futures_pnl(10_000, 5_000, 6_000, "kraken:pi_xbtusd"), 1 / 3)


def test_bybit_average_entry_5625():
    assert close(hx.avg_entry([1_000, 2_000], [5_000, 6_000], "BYBIT:BTCUSD"), 5_625)


def test_inverse_usd_is_linear_in_exit_price():
    assert close(hx.inverse_pnl(-100, 50_000, 40_000, 100, unit="usd"),
                 -100 * 100 * (40_000 / 50_000 - 1))


def test_linear_pnl_and_fees():
    assert close(hx.futures_pnl(-0.5, 60_000, 50_000, "BINANCE:BTCUSDT", unit="usd"), 5_000)
    # the settlement currency by default: USDT, as the venue books it (issue 24)
    assert close(hx.futures_pnl(-0.5, 60_000, 50_000, "BINANCE:BTCUSDT"), 5_000)
    assert close(hx.futures_pnl(-0.5, 60_000, 50_000, "BINANCE:BTCUSDT", unit="coin"), 0.1)
    # fee |dq| c P phi
    assert close(hx.trading_fee(2, 3_000, "BINANCE:ETHUSDT", 0.0005, unit="usd"), 3.0)
    # inverse fee |dq| F / P phi, with the preset's taker fee by default (0.05 %)
    assert close(hx.trading_fee(-625, 50_000, "BINANCE:BTCUSD_PERP"), 625 * 100 / 50_000
                 * 0.0005)
    assert close(hx.trading_fee(100, 50_000, 100, -0.0001), -0.00002)  # maker rebate


def test_funding_inverse_short_positive_rate_is_income():
    pay = hx.funding_payments(-625, "BINANCE:BTCUSD_PERP", [50_000, 40_000], [0.0001, 0.0002])
    assert np.allclose(pay, [625 * 100 / 50_000 * 0.0001, 625 * 100 / 40_000 * 0.0002],
                       rtol=REL)
    assert close(hx.funding_total(-625, 100, [50_000, 40_000], [0.0001, 0.0002]), pay.sum())
    assert np.allclose(hx.funding_series(-625, 100, [50_000, 40_000], [0.0001, 0.0002]),
                       np.cumsum(pay), rtol=REL)
    assert close(hx.funding_total(-625, 100, [50_000], [0.0001], unit="usd"), 6.25)
    # linear: -q c M r in USD
    assert close(hx.funding_total(-1, "BINANCE:BTCUSDT", [50_000], [0.0001], unit="usd"), 5)


@given(q=signed, f=face, p0=price, p1=price, p2=price)
def test_inverse_usd_pnl_is_linear_in_exit_price(q, f, p0, p1, p2):
    a, b = hx.inverse_pnl(q, p0, [p1, p2], f, unit="usd")
    slope = q * f / p0
    assert np.isclose(a - b, slope * (p1 - p2), rtol=1e-9, atol=1e-9 * abs(slope) * 1e6)


@given(q=signed, m=st.lists(price, min_size=1, max_size=20), r=rate)
def test_funding_changes_sign_with_position(q, m, r):
    rates = [r] * len(m)
    a = hx.funding_total(q, 100, m, rates)
    b = hx.funding_total(-q, 100, m, rates)
    assert np.isclose(a, -b, rtol=1e-12, atol=0)
    if q < 0 and r > 0:
        assert a > 0  # a short receives a positive rate


@given(s=st.floats(0.01, 1e4), p0=price, p1=price, h=st.floats(0, 1))
@settings(max_examples=200)
def test_net_pnl_is_unhedged_share_when_prices_move_together(s, p0, p1, h):
    # a hedge of h on its own contract leaves (1-h) of the spot move, before rounding
    spec = hx.ContractSpec(key="T:T", type="inverse", face_usd=1, lot=1e-9)
    q = hx.hedge_contracts(s * p0, spec, hedge_ratio=h)
    net = hx.net_pnl(s, p0, p1, q, p0, p1, spec)
    rounding = 0.5e-9 * abs(p1 / p0 - 1)  # half a lot of 1e-9 USD, moved by the price
    assert np.isclose(net, (1 - h) * s * (p1 - p0), rtol=1e-6, atol=rounding + 1e-9 * s * p0)


def test_bundled_funding_slice_matches_shared(shared_data):
    from importlib import resources
    text = resources.files("hedgexl").joinpath("data/funding_binance_btcusd_perp.csv")
    rows = list(csv.DictReader(text.open()))
    with open(shared_data / "funding" / "perpetuals_8h_2023-2024.csv", newline="") as f:
        src = [r for r in csv.DictReader(f) if r["contract"] == "BINANCE:BTCUSD_PERP"]
    assert len(rows) == len(src) == 1642
    assert [float(r["funding_rate"]) for r in rows] == [float(r["funding_rate"]) for r in src]
