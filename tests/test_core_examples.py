"""Numbers that come from elsewhere: the venues' published examples, DOMAIN.md, the seeds."""

import math

import numpy as np
import pytest

import hedgexl as hx

REL = 1e-9


def close(a, b, rel=REL):
    return a == pytest.approx(b, rel=rel, abs=1e-12)


# --- published by the exchanges (DOMAIN.md, "Worked examples") -----------------------------

def test_bitmex_long_15000_xbtusd_750_to_800():
    assert close(hx.futures_pnl(15_000, 750, 800, "BITMEX:XBTUSD"), 1.25)
    assert close(hx.inverse_pnl(15_000, 750, 800, 1), 1.25)


def test_kraken_10000_pi_xbtusd_5000_to_6000():
    # Kraken rounds to 0.3333 BTC; the exact value is 1/3.
    assert round(hx.futures_pnl(10_000, 5_000, 6_000, "KRAKEN:PI_XBTUSD"), 4) == 0.3333
    assert close(hx.futures_pnl(10_000, 5_000, 6_000, "kraken:pi_xbtusd"), 1 / 3)


def test_bybit_average_entry_5625():
    assert close(hx.avg_entry([1_000, 2_000], [5_000, 6_000], "BYBIT:BTCUSD"), 5_625)


# --- seeds --------------------------------------------------------------------------------

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


# --- DOMAIN.md formulas and identities ----------------------------------------------------

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


def test_liquidation_prices():
    # inverse long, 10x: bankruptcy P0 L/(L+1)
    assert close(hx.liquidation_price(10_000, 50_000, 0.02, 1), 50_000 * 10 / 11)
    assert close(hx.bankruptcy_price(1, 50_000, 10), 50_000 * 10 / 11)
    # inverse short, 2x: P0 L/(L-1) = 100,000
    assert close(hx.liquidation_price(-10_000, 50_000, 0.1, 1), 100_000)
    assert close(hx.bankruptcy_price(-1, 50_000, 2), 100_000)
    # with maintenance margin, DOMAIN.md formulas
    q, f, p0, b, m = 10_000, 1, 50_000, 0.02, 0.005
    assert close(hx.liquidation_price(q, p0, b, f, m), q * f * (1 + m) / (q * f / p0 + b))
    assert close(hx.liquidation_price(-q, p0, b, f, m), q * f * (1 - m) / (q * f / p0 - b))
    # a 1x inverse short cannot be liquidated: no number
    assert math.isnan(hx.liquidation_price(-10_000, 50_000, 0.2, 1, 0.005))
    assert math.isnan(hx.bankruptcy_price(-1, 50_000, 1))
    # a 1x linear short can
    assert close(hx.liquidation_price(-1, 50_000, 50_000, "BINANCE:BTCUSDT", 0), 100_000)


def test_basis():
    assert close(hx.basis(50_500, 50_000), 0.01)
    assert close(hx.basis(50_500, 50_000, 73), 0.05)


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


def test_scenario_seed000():
    t = hx.scenario(5, 50_000, -625, 100)
    assert t.shape == (11, 5)
    row = t[np.isclose(t[:, 0], -0.5)][0]
    assert close(row[2], -125_000) and close(row[3], 31_250) and close(row[4], -93_750)
    assert np.allclose(t[:, 4], t[:, 2] + t[:, 3])


def test_vectorised_shapes():
    assert isinstance(hx.hedge_contracts(1e5, 100), float)
    q = hx.hedge_contracts([1e5, 2e5, 0], ["BINANCE:BTCUSD_PERP", "bybit:btcusd", 10])
    assert q.tolist() == [-1_000, -200_000, 0]
    assert hx.hedge_notional(np.array([1.0, 2.0]), 0.5).tolist() == [0.5, 1.0]
