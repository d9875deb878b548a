"""Coin-settled options (issue 28): Black-76 on the future at r = 0, premium in coin.

Numbers from elsewhere: Deribit's own marks and mark IVs in the real chains of
../shared/data/options, put-call parity in coin (C − P = 1 − K/F), N(σ√T/2) at the money,
finite differences of the price for the greeks.
"""

from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hedgexl.core import implied_vol, option_greeks, option_price

OPTIONS = "options"


def _btc_chain(shared):
    with open(shared / OPTIONS / "btc_2025-12-05" / "deribit_btc_options.csv",
              newline="") as f:
        return list(csv.DictReader(f))


def _eth_chain(shared, day):
    with open(shared / OPTIONS / "eth_2023-12-24_2024-01-08" /
              f"deribit_eth_options_{day}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:  # ETH-26JAN24-1200-P: expiry at 08:00 UTC, T from the snapshot's time
        _, expiry, strike, cp = r["instrument_name"].split("-")
        end = dt.datetime.strptime(expiry, "%d%b%y").replace(hour=8, tzinfo=dt.timezone.utc)
        t0 = dt.datetime.fromtimestamp(int(r["creation_timestamp"]) / 1000, dt.timezone.utc)
        out.append({"kind": "call" if cp == "C" else "put", "F": float(r["underlying_price"]),
                    "K": float(strike), "T": (end - t0).total_seconds() / 86400 / 365,
                    "mark": float(r["mark_price"]), "name": r["instrument_name"]})
    return out


# -- Deribit's marks ----------------------------------------------------------------------

def test_black76_at_the_mark_iv_gives_deribits_btc_marks(shared_data):
    """676 options of 11 expiries: Black-76 on each expiry's future at its mark IV, divided
    by the future, is Deribit's mark in BTC to 2.3e-5 (median 2e-6; the chain's T is
    rounded to 5 decimals and its IV to 2)."""
    rows = _btc_chain(shared_data)
    assert len(rows) == 676
    got = option_price([r["type"] for r in rows], [float(r["S0"]) for r in rows],
                       [float(r["strike"]) for r in rows],
                       [float(r["T_years"]) for r in rows],
                       [float(r["mark_iv"]) / 100 for r in rows])
    marks = np.array([float(r["market_price_btc"]) for r in rows])
    assert np.max(np.abs(got - marks)) < 2.5e-5
    assert np.median(np.abs(got - marks)) < 3e-6
    usd = option_price([r["type"] for r in rows], [float(r["S0"]) for r in rows],
                       [float(r["strike"]) for r in rows],
                       [float(r["T_years"]) for r in rows],
                       [float(r["mark_iv"]) / 100 for r in rows], unit="usd")
    assert usd == pytest.approx(got * np.array([float(r["S0"]) for r in rows]), rel=1e-12)


def test_the_implied_vol_of_a_btc_mark_is_its_mark_iv(shared_data):
    rows = [r for r in _btc_chain(shared_data) if float(r["T_years"]) > 0.05
            and 0.7 < float(r["strike"]) / float(r["S0"]) < 1.4]
    iv = implied_vol([r["type"] for r in rows], [float(r["S0"]) for r in rows],
                     [float(r["strike"]) for r in rows], [float(r["T_years"]) for r in rows],
                     [float(r["market_price_btc"]) for r in rows])
    assert np.max(np.abs(iv * 100 - [float(r["mark_iv"]) for r in rows])) < 0.05


@pytest.mark.parametrize("day", ["2023-12-24", "2024-01-08"])
def test_eth_marks_round_trip_through_their_implied_vol(shared_data, day):
    """The ETH chains carry marks, no IV: the IV backed out of each mark prices it back to
    1e-12 ETH. A mark at its intrinsic value (deep in the money, or 0) has no volatility
    and is refused with the reason."""
    rows = _eth_chain(shared_data, day)
    fits, refused = [], []
    for r in rows:
        try:
            iv = implied_vol(r["kind"], r["F"], r["K"], r["T"], r["mark"])
        except ValueError as e:
            refused.append(str(e))
            continue
        fits.append(abs(option_price(r["kind"], r["F"], r["K"], r["T"], iv) - r["mark"]))
        assert 0.05 < iv < 5
    assert max(fits) < 1e-12
    assert len(fits) > 0.9 * len(rows)
    assert all("at or below its intrinsic value" in m or "premium must be > 0" in m
               for m in refused)


def test_deribits_marks_keep_put_call_parity_in_coin(shared_data):
    """C − P = 1 − K/F for each strike's call and put, on Deribit's own marks (to their
    rounding) and on hedgexl's prices (exactly)."""
    pairs: dict = {}
    for r in _btc_chain(shared_data):
        pairs.setdefault((r["expiry_date"], r["strike"]), {})[r["type"]] = r
    both = [v for v in pairs.values() if len(v) == 2]
    assert len(both) == 338
    for v in both:
        c, p = v["call"], v["put"]
        F, K = float(c["S0"]), float(c["strike"])
        assert float(c["market_price_btc"]) - float(p["market_price_btc"]) == \
            pytest.approx(1 - K / F, abs=2.5e-5)


# -- identities ---------------------------------------------------------------------------

options = dict(F=st.floats(100, 200_000), m=st.floats(0.3, 3.0), T=st.floats(0.002, 3.0),
               vol=st.floats(0.05, 3.0))


@settings(max_examples=200, deadline=None)
@given(**options)
def test_parity_in_coin_and_in_usd(F, m, T, vol):
    K = F * m
    c, p = (option_price(k, F, K, T, vol) for k in ("call", "put"))
    assert c - p == pytest.approx(1 - K / F, abs=1e-12)
    cu, pu = (option_price(k, F, K, T, vol, unit="usd") for k in ("call", "put"))
    assert cu - pu == pytest.approx(F - K, abs=1e-9 * F)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["call", "put"]), **options)
def test_greeks_are_the_derivatives_of_the_premium(kind, F, m, T, vol):
    """Central differences of option_price: delta (usd: ∂V/∂F; coin: F·∂(V/F)/∂F), gamma
    (∂delta/∂F), vega (per 0.01 of vol), theta (per day, the premium lost)."""
    K = F * m
    sqT = vol * math.sqrt(T)
    assume(abs(math.log(F / K)) < 2.5 * sqT)  # away from where the price is flat to 1e-16
    for unit in ("usd", "coin"):
        g = option_greeks(kind, F, K, T, vol, unit=unit)
        price = lambda f=F, t=T, s=vol: option_price(kind, f, K, t, s, unit=unit)  # noqa: E731
        h = F * min(1e-4, sqT * 1e-3)  # the step within the price's curvature scale
        scale = F if unit == "coin" else 1.0
        d = (price(F + h) - price(F - h)) / (2 * h) * scale
        assert g["delta"] == pytest.approx(d, abs=1e-6)
        delta = lambda f: option_greeks(kind, f, K, T, vol, unit=unit)["delta"]  # noqa: E731
        gam = (delta(F + h) - delta(F - h)) / (2 * h)
        assert g["gamma"] == pytest.approx(gam, rel=1e-3, abs=1e-9 / F)
        dv = (price(s=vol + 1e-5) - price(s=vol - 1e-5)) / 2e-5 * 0.01
        assert g["vega"] == pytest.approx(dv, rel=1e-4, abs=1e-9 * F / scale)
        dt_ = min(1e-6, T / 10)
        th = -(price(t=T + dt_) - price(t=T - dt_)) / (2 * dt_) / 365
        assert g["theta"] == pytest.approx(th, rel=1e-3, abs=1e-9 * F / scale)


def test_at_the_money_the_black_delta_is_n_of_half_sigma_root_t():
    s = 0.6 * math.sqrt(0.25) / 2
    n = 0.5 * math.erfc(-s / math.sqrt(2))
    g = option_greeks("call", 50_000, 50_000, 0.25, 0.6, unit="usd")
    assert g["delta"] == pytest.approx(n, abs=1e-12)
    assert option_price("call", 50_000, 50_000, 0.25, 0.6) == pytest.approx(2 * n - 1, abs=1e-12)
    assert option_greeks("call", 50_000, 50_000, 0.25, 0.6)["delta"] == \
        pytest.approx(n - (2 * n - 1), abs=1e-12)
    assert option_greeks("put", 50_000, 50_000, 0.25, 0.6, unit="usd")["delta"] == \
        pytest.approx(n - 1, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["call", "put"]), unit=st.sampled_from(["coin", "usd"]),
       **options)
def test_implied_vol_inverts_the_price(kind, unit, F, m, T, vol):
    K = F * m
    p = option_price(kind, F, K, T, vol, unit=unit)
    intrinsic = max(F - K, 0) if kind == "call" else max(K - F, 0)
    if unit == "coin":
        intrinsic /= F
    assume(p - intrinsic > 1e-9 * (1 if unit == "coin" else F))  # the vol still shows
    assert implied_vol(kind, F, K, T, p, unit=unit) == pytest.approx(vol, rel=1e-5)


def test_vectorised_calls_broadcast_and_refuse_with_the_index():
    F = np.array([90_000.0, 95_000.0, 100_000.0])
    p = option_price(["call", "put", "call"], F, 95_000, 0.25, 0.5)
    assert p.shape == (3,)
    assert p == pytest.approx([option_price(k, f, 95_000, 0.25, 0.5)
                               for k, f in zip(["call", "put", "call"], F)], rel=1e-15)
    with pytest.raises(ValueError, match=r"no volatility fits a call premium of 0\.1 coin: "
                                         r"it is at or below its intrinsic value 0\.2 coin "
                                         r"\(F 100,000\.00, K 80,000\.00\) \(index 1\)"):
        implied_vol("call", [100_000, 100_000], [100_000, 80_000], 0.5, [0.1, 0.1])
    with pytest.raises(ValueError, match="above what any volatility up to 1000% gives"):
        implied_vol("put", 100_000, 80_000, 0.5, 0.81)  # a put is worth under K/F = 0.8
    with pytest.raises(ValueError, match="kind must be 'call' or 'put'"):
        option_price("straddle", 100, 100, 1, 0.5)
    with pytest.raises(ValueError, match="vol must be > 0"):
        option_price("call", 100, 100, 1, 0)


# -- in Excel: xlwings' conversion (COM) and Lite's call path ----------------------------

from xlcall import as_grid, cell, column  # noqa: E402


def test_deribits_marks_through_excels_call_path(runtime, shared_data):
    """A column of the real chain in, a column of premiums out; the mark IV column back out
    of the marks; the greeks spill four columns per option."""
    rows = [r for r in _btc_chain(shared_data) if r["expiry_date"] == "27MAR26"][:40]
    args = [column([r["type"] for r in rows]), column([float(r["S0"]) for r in rows]),
            column([float(r["strike"]) for r in rows]),
            column([float(r["T_years"]) for r in rows])]
    got = as_grid(runtime.call("HEDGE_OPTION_PRICE", *args,
                               column([float(r["mark_iv"]) / 100 for r in rows])))
    marks = [float(r["market_price_btc"]) for r in rows]
    assert len(got) == len(rows)
    assert max(abs(g[0] - m) for g, m in zip(got, marks)) < 2.5e-5
    ivs = as_grid(runtime.call("HEDGE_OPTION_IV", *args, column(marks)))
    fits = [(g[0], float(r["mark_iv"])) for g, r in zip(ivs, rows)
            if isinstance(g[0], float)]
    assert len(fits) > 30 and max(abs(iv * 100 - m) for iv, m in fits) < 0.5
    greeks = as_grid(runtime.call("HEDGE_OPTION_GREEKS", *args,
                                  column([float(r["mark_iv"]) / 100 for r in rows]),
                                  cell("usd")))
    assert [len(g) for g in greeks] == [4] * len(rows)
    for g, r in zip(greeks, rows):
        want = option_greeks(r["type"], float(r["S0"]), float(r["strike"]),
                             float(r["T_years"]), float(r["mark_iv"]) / 100, unit="usd")
        assert g == pytest.approx([want[k] for k in ("delta", "gamma", "vega", "theta")])


def test_one_cell_per_argument_and_a_premium_below_intrinsic(runtime):
    got = as_grid(runtime.call("HEDGE_OPTION_PRICE", cell("put"), cell(93_886.07),
                               cell(90_000.0), cell(0.30763), cell(0.4648)))
    assert got[0][0] == pytest.approx(0.08108166, abs=1e-5)  # Deribit's mark
    bad = as_grid(runtime.call("HEDGE_OPTION_IV", cell("call"), cell(100_000.0),
                               cell(80_000.0), cell(0.5), cell(0.1)))
    assert str(bad[0][0]).startswith("#VALUE!")
