"""core/sizing.py: contracts for a hedge, rounding to lots and its residual, rebalancing: the
seeds' worked examples (corrected) and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from helpers_core import close, face
from hypothesis import given
from hypothesis import strategies as st

import hedgexl as hx


def test_seed000_five_btc_hedged_25pct_falls_to_42500():
    v = 5 * 50_000
    n = hx.hedge_notional(v, 0.25)
    assert close(n, 62_500)
    q = hx.hedge_contracts(v, "BINANCE:BTCUSD_PERP", hedge_ratio=0.25)
    assert q == -625
    assert close(hx.net_pnl(5, 50_000, 42_500, q, 50_000, 42_500, "BINANCE:BTCUSD_PERP"),
                 -28_125)
    b = hx.net_pnl_breakdown(5, 50_000, 42_500, q, 50_000, 42_500, "BINANCE:BTCUSD_PERP")
    assert close(b["spot"], -37_500) and close(b["futures"], 9_375)
    # the same hedge on a 1 USD contract is 62,500 contracts, the same PnL
    assert hx.hedge_contracts(v, "BYBIT:BTCUSD", hedge_ratio=0.25) == -62_500
    assert close(hx.net_pnl(5, 50_000, 42_500, -62_500, 50_000, 42_500, 1), -28_125)


def test_seed000_section_2_1_full_hedge_and_2_2_beta_hedge():
    # 2.5 BTC at 40,000 (100,000 USD), fully hedged, BTC to 35,000. The seed prints
    # "Spot Loss: $5,000 (2.5 * $5,000)"; 2.5 * 5,000 is 12,500, and the hedge gains as much.
    q = hx.hedge_contracts(2.5 * 40_000, 100)
    assert q == -1_000
    b = hx.net_pnl_breakdown(2.5, 40_000, 35_000, q, 40_000, 35_000, 100)
    assert close(b["spot"], -12_500) and close(b["futures"], 12_500) and close(b["net"], 0)
    # Hedge size (BTC) = altcoin value * beta / BTC price
    assert close(hx.beta_size(100_000, 1.5, 40_000), -3.75)


def test_seed003_neutralise_excess_weight():
    # 50 BTC at 60,000, all of the portfolio, target 80 %: neutralise 600,000 USD = 10 BTC
    assert hx.weight_hedge_contracts(3_000_000, 3_000_000, 0.8, 100) == -6_000
    assert hx.weight_hedge_contracts(3_000_000, 3_000_000, 0.8, 1) == -600_000
    coins = -hx.weight_hedge_contracts(3_000_000, 3_000_000, 0.8, 1) / 60_000
    assert close(coins, 10)
    # at or under the target weight there is nothing to neutralise
    assert hx.weight_hedge_contracts(2_000_000, 3_000_000, 0.8, 100) == 0


def test_seed004_10000_usd_at_3000_is_3_33_coin():
    assert round(hx.beta_size(10_000, 1, 3_000), 2) == -3.33
    assert close(hx.beta_size(10_000, 1, 3_000), -10 / 3)
    # As a contract count that is 1,000 Binance ETH contracts of 10 USD, not 3.33 (DOMAIN.md)
    assert hx.hedge_contracts(10_000, "BINANCE:ETHUSD_PERP") == -1_000
    # and 3.333 coins on the linear ETHUSDT contract with a 0.001 lot
    assert close(hx.hedge_contracts(10_000, "BINANCE:ETHUSDT", hedge_price=3_000), -3.333)


def test_seed001_altcoin_10_contracts_of_100_coins_each():
    # 1,000 AY at 5 USD, linear-style 100 AY contracts: 10 contracts; a 50 % fall nets 0
    spec = hx.ContractSpec(key="X:AY", type="linear", size_coin=100, lot=1)
    q = hx.hedge_contracts(5_000, spec, hedge_price=5.0)
    assert q == -10
    b = hx.net_pnl_breakdown(1_000, 5, 2.5, q, 5, 2.5, spec)
    assert close(b["spot"], -2_500) and close(b["futures"], 2_500) and close(b["net"], 0)


def test_rounding_modes_and_residual():
    assert hx.hedge_contracts(62_549, 100) == -625
    assert hx.hedge_contracts(62_551, 100) == -626
    assert hx.hedge_contracts(62_599, 100, rounding="down") == -625
    assert hx.hedge_contracts(62_501, 100, rounding="up") == -626
    assert close(hx.hedge_residual(62_549, 100), 49)
    assert close(hx.hedge_residual(62_551, 100), -49)
    # BitMEX lots of 100 contracts
    assert hx.hedge_contracts(12_345, "BITMEX:XBTUSD") == -12_300


def test_rebalance():
    assert hx.rebalance_contracts(-100, 20_000, 100) == -100
    assert hx.rebalance_contracts(-200, 10_000, 100) == 100


def test_vectorised_shapes():
    assert isinstance(hx.hedge_contracts(1e5, 100), float)
    q = hx.hedge_contracts([1e5, 2e5, 0], ["BINANCE:BTCUSD_PERP", "bybit:btcusd", 10])
    assert q.tolist() == [-1_000, -200_000, 0]
    assert hx.hedge_notional(np.array([1.0, 2.0]), 0.5).tolist() == [0.5, 1.0]


@given(v=st.floats(-1e9, 1e9), lot=st.sampled_from([1.0, 100.0, 0.001]),
       f=face, mode=st.sampled_from(["nearest", "down", "up"]))
def test_rounding_residual_at_most_half_a_lot(v, lot, f, mode):
    spec = hx.ContractSpec(key="T:T", type="inverse", face_usd=f, lot=lot)
    res = hx.hedge_residual(v, spec, rounding=mode)
    bound = lot * f * (0.5 if mode == "nearest" else 1.0)
    assert abs(res) <= bound * (1 + 1e-9) + 1e-6
    q = hx.hedge_contracts(v, spec, rounding=mode)
    assert np.isclose(q / lot, round(q / lot), atol=1e-6)
    if mode == "down":
        assert abs(q * f) <= abs(v) + 1e-9 * lot * f + 1e-6  # 1e-9 lot tolerance
    if mode == "up":
        assert abs(q * f) >= abs(v) - 1e-9 * lot * f - 1e-6


@given(st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=20),
       st.sampled_from(["BINANCE:BTCUSD_PERP", "OKX:ETH-USD-SWAP", "BINANCE:ETHUSDT", 10.0]),
       st.floats(0, 2), st.floats(0.1, 3), st.sampled_from(["nearest", "down", "up"]))
def test_hedge_size_is_the_three_sized_apart(values, contract, h, b, rounding):
    """One sizing gives what hedge_notional, hedge_contracts and hedge_residual give apart,
    and the residual is N + q·u with u the contract's USD notional (F; c·P when linear)."""
    v, price = np.array(values), 3_000.0
    n, q, r = hx.hedge_size(v, contract, h, b, price, rounding)
    assert np.array_equal(n, hx.hedge_notional(v, h, b))
    assert np.array_equal(q, hx.hedge_contracts(v, contract, h, b, price, rounding))
    assert np.array_equal(r, hx.hedge_residual(v, contract, h, b, price, rounding))
    spec = hx.get_contract(contract) if isinstance(contract, str) else None
    unit = contract if spec is None else spec.multiplier * (price if spec.linear else 1.0)
    assert r == pytest.approx(n + q * unit, rel=1e-12, abs=1e-6)
