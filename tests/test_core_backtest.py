"""core/backtest.py: the vectorised hedge backtest on perpetuals and dated futures: identities,
a tamper each would show, the roll."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from helpers_dated import FACE

import hedgexl as hx

returns = st.lists(st.floats(-0.3, 0.3), min_size=2, max_size=40)


CONTRACTS = ["BINANCE:BTCUSD_PERP", "BYBIT:BTCUSD", "OKX:ETH-USD-SWAP", "BINANCE:ETHUSDT", 10.0]


def path(rets, start=100.0):
    return start * np.cumprod(np.r_[1.0, 1.0 + np.asarray(rets)])


def _path(rets, start):
    return start * np.cumprod(np.r_[1.0, 1.0 + np.asarray(rets)])


@given(returns, st.sampled_from(CONTRACTS), st.floats(0.1, 500), st.floats(0.5, 20),
       st.sampled_from(["every", "weekly", "monthly"]), st.floats(0, 0.5),
       st.floats(-0.01, 0.01))
def test_hedge_ratio_zero_gives_the_unhedged_path_exactly(rets, contract, qty, lev, rule,
                                                          band, rate):
    p = path(rets, 3_000.0)
    times = np.datetime64("2024-01-01") + np.arange(p.size) * np.timedelta64(1, "D")
    bt = hx.hedge_backtest(qty, p, contract, hedge_ratio=0.0, hedge_prices=p * 20,
                           funding_rates=np.full(p.size, rate), leverage=lev, band=band,
                           rebalance=hx.rebalance_schedule(times, rule))
    assert np.array_equal(bt.hedged, bt.unhedged)
    assert np.array_equal(bt.unhedged, qty * p)
    assert not bt.traded.any() and not bt.fees.any() and not bt.liquidated.any()


@given(st.integers(3, 60), st.sampled_from(CONTRACTS), st.floats(1, 100), st.floats(0, 1),
       st.lists(st.floats(-0.003, 0.003), min_size=60, max_size=60), st.floats(0, 0.001))
def test_constant_prices_give_funding_minus_fees(n, contract, qty, h, rates, fee):
    spec = hx.get_contract(contract)
    price = 2_500.0
    r = np.array(rates[:n])
    bt = hx.hedge_backtest(qty, np.full(n, price), contract, hedge_ratio=h,
                           funding_rates=r, fee_rate=fee)
    assert not bt.pnl.any()
    q = bt.contracts
    k = spec.multiplier
    # DOMAIN.md: funding −q·F/M·r coin (inverse), −q·c·M·r USD (linear); fee |Δq|·F/P·φ
    held = np.r_[0.0, q[:-1]]
    want_funding = -held * k * (r * price if spec.linear else r / price)
    want_funding[0] = 0.0
    want_fees = np.abs(np.diff(np.r_[0.0, q])) * k * (price if spec.linear else 1 / price) * fee
    assert bt.funding == pytest.approx(want_funding, rel=1e-12, abs=1e-15)
    assert bt.fees == pytest.approx(want_fees, rel=1e-12, abs=1e-15)
    usd = 1.0 if spec.linear else price
    assert bt.hedged - bt.unhedged == pytest.approx(
        np.cumsum(want_funding - want_fees) * usd, rel=1e-9, abs=1e-9)


@given(returns, st.integers(1, 10_000), st.sampled_from([1.0, 10.0, 100.0]))
def test_a_1x_inverse_short_with_its_margin_keeps_its_usd_value(rets, n, face):
    p = path(rets, 30_000.0)
    bt = hx.hedge_backtest(0.0, p, face, hedge_prices=p, start_contracts=-float(n),
                           rebalance=np.zeros(p.size, bool), leverage=1.0, cross=True,
                           fee_rate=0.0)
    assert (bt.contracts == -n).all()
    assert bt.margin * p == pytest.approx(np.full(p.size, n * face), rel=1e-9)
    assert bt.hedged == pytest.approx(np.zeros(p.size), abs=1e-9 * n * face)
    assert not bt.liquidated.any()


@given(returns, st.sampled_from(CONTRACTS), st.floats(0.01, 1_000), st.floats(0, 1.5),
       st.floats(0.3, 3))
def test_rounding_residual_is_within_half_a_lot(rets, contract, qty, h, beta):
    spec = hx.get_contract(contract)
    p = path(rets, 150.0)
    hp = path(rets[::-1], 60_000.0)[: p.size]
    bt = hx.hedge_backtest(qty, p, contract, hedge_ratio=h, beta=beta, hedge_prices=hp,
                           cross=True)
    unit = spec.multiplier * (hp if spec.linear else 1.0)
    raw = -h * beta * qty * p / unit
    traded = bt.traded != 0
    assert np.all(np.abs(bt.contracts - raw)[traded] <= spec.lot / 2 * (1 + 1e-9))
    lots = bt.contracts / spec.lot
    assert np.allclose(lots, np.round(lots), atol=1e-6)


def test_own_coin_full_hedge_holds_its_value_and_a_tamper_would_show():
    # Without rounding, fees or funding, a daily full hedge in the holding's own coin keeps
    # the USD value on any path: the coin the short gains is hedged too.
    p = path([0.2, -0.3, 0.25, 0.5, -0.4])
    bt = hx.hedge_backtest(3.0, p, 1e-6, fee_rate=0.0)
    assert bt.hedged == pytest.approx(np.full(p.size, 300.0), rel=1e-6)
    # the same short sized on the holding alone (what a tamper dropping E does) drifts
    held = np.r_[-300e6, -3.0 * p[1:-1] / 1e-6]
    coin = np.cumsum(np.r_[0, held * 1e-6 * (1 / p[:-1] - 1 / p[1:])])
    assert abs((3.0 * p + coin * p)[-1] - 300.0) > 10


def test_liquidation_is_flagged_when_the_account_is_below_maintenance():
    # a 2x short: margin |q|·F/(2·P0); DOMAIN.md's liquidation price at m = 0.5 % is 199
    p = np.array([100.0, 150.0, 198.0, 200.0, 150.0])
    bt = hx.hedge_backtest(1.0, p, 1.0, leverage=2.0, maint_rate=0.005, fee_rate=0.0,
                           rebalance=[True, False, False, False, False], cross=True,
                           hedge_prices=p)
    liq = hx.liquidation_price(-100, 100.0, 100 / (2 * 100.0), 1.0, maint_rate=0.005)
    assert 198 < liq < 200
    assert bt.liquidated.tolist() == [False, False, False, True, False]


def test_rebalance_schedule_and_band():
    t = np.array(["2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05", "2024-03-01"],
                 dtype="datetime64[D]")
    assert hx.rebalance_schedule(t, "monthly").tolist() == [True, True, False, False, True]
    assert hx.rebalance_schedule(t, "weekly").tolist() == [True, False, False, True, True]
    p = np.array([100.0, 104.0, 112.0, 111.0, 125.0])
    bt = hx.hedge_backtest(10.0, p, 1.0, band=0.1, fee_rate=0, hedge_prices=p, cross=True)
    # the target follows the price: 1,000, 1,040 (4 % off), 1,120 (12 %: trade), ...
    assert (bt.traded != 0).tolist() == [True, False, True, False, True]
    with pytest.raises(ValueError, match="rebalance must be"):
        hx.rebalance_schedule(t, "hourly")


def test_a_dated_future_pays_no_funding():
    from hedgexl import udfs as U
    assert U.HEDGE_FUNDING(-1000, "DERIBIT:BTC-28JUN24", [[60000], [61000]],
                           [[0.0001], [0.0001]]) == "#VALUE!"
    with pytest.raises(ValueError, match="a dated future: it pays no funding"):
        hx.hedge_backtest(1.0, [50000, 51000], "DERIBIT:BTC-28JUN24",
                          funding_rates=[0, 0.0001])
    with pytest.raises(ValueError, match="pays no funding"):
        hx.funding_total(-1000, "BINANCE:BTCUSD_240628", [60000], [0.0001])


@settings(max_examples=60, deadline=None)
@given(rets=st.lists(st.floats(-0.2, 0.2), min_size=2, max_size=30),
       basis=st.floats(-0.05, 0.15), fee=st.sampled_from([0.0, 0.0005]),
       qty=st.floats(0.1, 50))
def test_a_short_held_to_expiry_earns_the_basis_it_locked_in(rets, basis, fee, qty):
    """Opened at G0 above (or below) the index, held untouched until the future has
    converged to the index: the coin PnL is q·F·(1/G0 − 1/S_T), which is what the same short
    at the index earns plus q·F·(1/G0 − 1/S0), the basis locked in; the only fee is the
    opening one."""
    S = _path(rets, 40_000.0)
    G = S * (1 + basis * np.linspace(1, 0, S.size))  # converges: G[-1] == S[-1]
    once = np.r_[True, np.zeros(S.size - 1, bool)]
    kw = dict(rebalance=once, fee_rate=fee, maint_rate=0.0)
    dated = hx.hedge_backtest(qty, S, "BINANCE:BTCUSD_PERP", futures_prices=G, **kw)
    index = hx.hedge_backtest(qty, S, "BINANCE:BTCUSD_PERP", **kw)
    q = dated.contracts[0].item()
    assert q == index.contracts[0].item() == round(-qty * S[0] / FACE)
    assert dated.pnl.sum() == pytest.approx(q * FACE * (1 / G[0] - 1 / S[-1]), abs=1e-12)
    assert dated.pnl.sum() - index.pnl.sum() == pytest.approx(
        q * FACE * (1 / G[0] - 1 / S[0]), abs=1e-12)
    assert dated.fees.sum() == pytest.approx(abs(q) * FACE / G[0] * fee, abs=1e-15)
    assert not dated.funding.any()


def test_a_roll_closes_at_the_old_price_and_opens_at_the_new_both_paying_the_fee():
    """Spot flat at 50,000; the expiring contract at 50,500, the next at 51,000. The roll
    step's PnL is the old contract's move to its closing price; the fee is paid on the
    closed and on the opened contracts, each at its own price."""
    S = np.full(4, 50_000.0)
    G = np.array([50_400.0, 50_450.0, 51_000.0, 51_000.0])  # after the roll: the next's
    R = np.array([np.nan, np.nan, 50_500.0, np.nan])  # the expiring one's close
    fee = 0.0005
    bt = hx.hedge_backtest(1.0, S, "BINANCE:BTCUSD_PERP", futures_prices=G, roll_prices=R,
                           rebalance=[True, False, False, False], fee_rate=fee,
                           maint_rate=0.0)
    q = -500.0  # 1 BTC at 50,000 on 100 USD
    assert bt.contracts.ravel().tolist()[:2] == [q, q]
    assert bt.pnl.ravel()[2] == pytest.approx(q * FACE * (1 / 50_450 - 1 / 50_500))
    # the coin PnL moved the own-coin target: the new short covers the coin gained too
    q2 = bt.contracts.ravel()[2]
    coin = bt.pnl.ravel()[:3].sum() - bt.fees.ravel()[:2].sum()
    assert q2 == round(-(1.0 + coin) * 50_000 / FACE)
    assert bt.fees.ravel()[2] == pytest.approx(
        (abs(q) / 50_500 + abs(q2) / 51_000) * FACE * fee)
    assert bt.pnl.ravel()[3] == pytest.approx(0.0)  # the new contract did not move


def test_a_roll_that_keeps_the_size_is_still_a_trade():
    """Flat prices: the roll re-opens the same 500 contracts (Δq = 0), yet it closed one
    contract and opened another, paying both fees: the statistics count it."""
    S = np.full(3, 50_000.0)
    bt = hx.hedge_backtest(1.0, S, "BINANCE:BTCUSD_PERP", futures_prices=S,
                           roll_prices=[np.nan, 50_000.0, np.nan], fee_rate=0.0,
                           maint_rate=0.0, rebalance=[True, False, False])
    assert bt.traded.ravel().tolist() == [-500.0, 0.0, 0.0]
    assert int(hx.backtest_stats(bt)["trades"]) == 2  # the opening and the roll


def test_the_core_refuses_a_roll_at_the_start_and_a_linear_dated_leg():
    with pytest.raises(ValueError, match="step 0 cannot be a roll"):
        hx.hedge_backtest(1.0, [100.0, 101.0], "BINANCE:BTCUSD_PERP",
                          roll_prices=[99.0, np.nan])
    with pytest.raises(ValueError, match="inverse contracts"):
        hx.hedge_backtest(1.0, [100.0, 101.0], "BINANCE:BTCUSDT",
                          futures_prices=[100.0, 101.0])
