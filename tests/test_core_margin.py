"""core/margin.py: initial and maintenance margin and liquidation prices under each venue's
rule: the venues' published examples (through Excel's call paths too) and the identity at
the liquidation price."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from helpers_core import close, face, price, tier_rows
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from xlcall import as_grid, cell

import hedgexl as hx

qty = st.floats(1.0, 1e7, allow_nan=False)


OKX_EXAMPLE = (100, 60_000, 6_000, "OKX:BTC-USDT-SWAP", 0.015)


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


@given(q=qty, f=face, p0=price, p1=price)
def test_1x_inverse_short_plus_margin_keeps_usd_value(q, f, p0, p1):
    margin = q * f / p0  # coin, equal to the notional at entry
    pnl = hx.inverse_pnl(-q, p0, p1, f)
    usd_after = (margin + pnl) * p1
    assert np.isclose(usd_after, q * f, rtol=1e-9)


def test_kraken_charges_each_level_on_its_slice():
    """Issue 24: Kraken's margin schedule charges "1 % for the first 500,000 contracts, 2 %
    for the next ..." on the slice of the position in each level; 1,000,000 PI_XBTUSD at
    50,000 cost 0.30 BTC (0.1 + 0.2), not 0.40 (the whole position at 2 %)."""
    slices = (500_000 * 0.01 + 500_000 * 0.02) / 50_000
    assert hx.maintenance_margin(1_000_000, 50_000, "KRAKEN:PI_XBTUSD") == \
        pytest.approx(slices, rel=1e-12)
    assert slices == pytest.approx(0.30)
    # within the first level, as before: 400,000 at 1 %
    assert hx.maintenance_margin(-400_000, 50_000, "KRAKEN:PI_XBTUSD") == \
        pytest.approx(400_000 * 0.01 / 50_000, rel=1e-12)


def test_kraken_slices_through_excels_call_path(runtime):
    from xlcall import cell
    got = as_grid(runtime.call("HEDGE_MARGIN", cell(1_000_000.0), cell(50_000.0),
                               cell("KRAKEN:PI_XBTUSD"), "maintenance"))
    assert got[0][0] == pytest.approx(0.30, rel=1e-12)


def test_kraken_liquidation_leaves_the_maintenance_margin_on_the_entry_value():
    """Kraken charges its levels on the value at the entry price (DOMAIN.md): at the
    liquidation price the equity is that maintenance margin, 0.30 BTC for 1,000,000
    contracts entered at 50,000, by slices (a long with 2 BTC of isolated margin)."""
    q, ep, b = 1_000_000, 50_000.0, 2.0
    lp = hx.liquidation_price(q, ep, b, "KRAKEN:PI_XBTUSD", round_to_tick=False)
    equity = b + hx.futures_pnl(q, ep, lp, "KRAKEN:PI_XBTUSD")
    assert equity == pytest.approx(0.30, rel=1e-9)
    # the long's price from the entry-value formula, N/(B + V0 - MM)
    assert lp == pytest.approx(1_000_000 / (2.0 + 20.0 - 0.30), rel=1e-12)


def test_deribit_maintenance_is_its_formula_not_a_step_table():
    """Deribit: 1 % + 0.005 % per BTC of position. 25 BTC: 1.125 %, 0.28125 BTC (the step
    table charged 0.3125); 350 BTC: 2.75 %, 9.625 BTC (was 12.25). 2,500,000 USD of
    BTC-PERPETUAL (250,000 contracts of 10 USD) is 25 BTC at 100,000."""
    for contracts, btc in ((250_000, 25), (-3_500_000, 350)):
        want = btc * (0.01 + 0.00005 * btc)
        assert hx.maintenance_margin(contracts, 100_000, "DERIBIT:BTC-PERPETUAL") == \
            pytest.approx(want, rel=1e-12)
    assert 25 * (0.01 + 0.00005 * 25) == pytest.approx(0.28125)
    assert 350 * (0.01 + 0.00005 * 350) == pytest.approx(9.625)
    # ETH: 1 % + 0.0004 % per ETH (Deribit's notice of 11 January 2022): 1,000 ETH, 1.4 %
    assert hx.maintenance_margin(4_000_000, 4_000, "DERIBIT:ETH-PERPETUAL") == \
        pytest.approx(1_000 * 0.014, rel=1e-12)


def test_deribit_formula_through_excels_call_path(runtime):
    from xlcall import cell
    got = as_grid(runtime.call("HEDGE_MARGIN", cell(-3_500_000.0), cell(100_000.0),
                               cell("DERIBIT:BTC-PERPETUAL"), "maintenance"))
    assert got[0][0] == pytest.approx(9.625, rel=1e-12)


@pytest.mark.parametrize("contracts", [250_000, -250_000, 3_500_000, -3_500_000, 20])
def test_deribit_liquidation_leaves_the_formulas_margin(contracts):
    """At the liquidation price the equity equals the formula's margin on the value there
    (checked by bisection on the equity, a second solution to the quadratic)."""
    ep, key = 50_000.0, "DERIBIT:BTC-PERPETUAL"
    n = abs(contracts) * 10
    b = n / ep / 5
    gap = lambda p: (b + contracts * 10 * (1 / ep - 1 / p)  # noqa: E731
                     - (n / p) * (0.01 + 0.00005 * n / p))
    lo, hi = (1.0, ep) if contracts > 0 else (ep, ep * 100)
    for _ in range(200):
        mid = (lo + hi) / 2
        if (gap(mid) > 0) == (contracts > 0):
            hi = mid
        else:
            lo = mid
    lp = hx.liquidation_price(contracts, ep, b, key, round_to_tick=False)
    assert lp == pytest.approx((lo + hi) / 2, rel=1e-9)


def test_deribit_liquidation_through_excels_call_path(runtime):
    from xlcall import cell
    args = (3_500_000.0, 50_000.0, 140.0, "DERIBIT:BTC-PERPETUAL")
    got = as_grid(runtime.call("HEDGE_LIQ_PRICE", *[cell(a) for a in args]))
    # 350 BTC at entry, 140 BTC of margin: at 43,750 the value is 800 BTC, its margin
    # 800 x (1 % + 800 x 0.005 %) = 40 BTC, the equity 140 + 700 - 800 = 40 BTC
    assert got[0][0] == pytest.approx(43_750.0, abs=0.25)


def test_okx_liquidates_at_the_maintenance_rate_plus_the_taker_fee(runtime):
    """OKX's example: 1 BTC of BTC-USDT-SWAP long at 60,000, 10x (6,000 USDT), 1.5 %, taker
    0.05 %: (60,000 - 6,000)/(1 - 1.55 %) = 54,850.18 (published 54,850.19, a cent off
    its own formula); OKX shows it at its 0.1 tick. Without the fee it was 54,822.3."""
    from xlcall import cell
    assert hx.liquidation_price(*OKX_EXAMPLE, round_to_tick=False) == \
        pytest.approx(54_000 / (1 - 0.0155), rel=1e-12)
    assert abs(hx.liquidation_price(*OKX_EXAMPLE, round_to_tick=False) - 54_850.19) < 0.02
    got = as_grid(runtime.call("HEDGE_LIQ_PRICE", *[cell(a) for a in OKX_EXAMPLE]))
    assert got[0][0] == pytest.approx(54_850.2, abs=1e-9)
    short = hx.liquidation_price(-100, 60_000, 6_000, "OKX:BTC-USDT-SWAP", 0.015,
                                 round_to_tick=False)
    assert short == pytest.approx(66_000 / (1 + 0.0155), rel=1e-12)


def test_okx_inverse_keeps_the_fee_in_its_threshold():
    """Inverse, the same rule: equity at LP = value there x (rate + fee)."""
    q, ep, b, key = -2_000, 60_000.0, 0.5, "OKX:BTC-USD-SWAP"
    lp = hx.liquidation_price(q, ep, b, key, round_to_tick=False)
    value = 2_000 * 100 / lp
    equity = b + hx.futures_pnl(q, ep, lp, key)
    assert equity == pytest.approx(value * (0.005 + 0.0005), rel=1e-12)


def test_bitmex_maintenance_holds_the_exit_taker_fee():
    """BitMEX's position record: posMaint = the maintenance rate on the position's cost
    plus posComm, the taker fee to close at the bankruptcy price. A long at 6,000, 100x,
    whose margin is 1 % of its value plus that fee (as BitMEX's posMargin holds it): the
    fee cancels, LP = 6,000/(1 + 1 % - 0.5 %) = 5,970.15, BitMEX's illustration of
    5,970 (its bankruptcy price 5,940)."""
    q, ep, fee = 6_000, 6_000.0, 0.00075
    v0 = q / ep
    b = v0 / 100 + fee * (v0 + v0 / 100)  # posInit + posComm
    lp = hx.liquidation_price(q, ep, b, "BITMEX:XBTUSD", round_to_tick=False)
    assert lp == pytest.approx(6_000 / 1.005, abs=0.01)
    assert abs(hx.liquidation_price(q, ep, b, "BITMEX:XBTUSD") - 5_970.15) <= 0.05  # 0.1 tick
    # without the fee in the margin the position is liquidated sooner
    assert hx.liquidation_price(q, ep, v0 / 100, "BITMEX:XBTUSD", round_to_tick=False) > lp


def test_deribit_is_bounded_and_a_covered_short_is_not_shown_safe():
    with pytest.raises(hx.TierError, match="beyond the largest margin tier"):
        hx.maintenance_margin(1e9, 50_000, "DERIBIT:BTC-PERPETUAL")
    # a 1x short of 500 BTC: its rate reaches 1 - 1 % at 19,800 BTC, past the table
    with pytest.raises(hx.TierError, match="beyond the largest margin tier"):
        hx.liquidation_price(-2_500_000, 50_000, 500, "DERIBIT:BTC-PERPETUAL")

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedgexl import udfs as U

# (function, arguments, the venue's printed number, its precision)
PUBLISHED = [
    # Binance COIN-M liquidation calculator: long 100,000 BTCUSD at 45,000, wallet 101 BTC,
    # maintenance rate 12.5 %, maintenance amount 11.605 BTC -> 33,599.40
    ("HEDGE_LIQ_PRICE", (100_000, 45_000, 101, "BINANCE:BTCUSD_PERP", 0.125, 11.605),
     33_599.40, 0.005),
    # the same, the rate and amount from the bundled brackets (222 BTC at entry, 298 BTC at
    # the liquidation price: both in the 200-400 BTC bracket)
    ("HEDGE_LIQ_PRICE", (100_000, 45_000, 101, "BINANCE:BTCUSD_PERP"), 33_599.40, 0.005),
    # Binance COIN-M: 100 BTCUSD contracts at mark 25,000: notional 0.4 BTC, maintenance
    # margin 0.0016 BTC at 0.4 %
    ("HEDGE_MARGIN", (100, 25_000, "BINANCE:BTCUSD_PERP"), 0.0016, 1e-12),
    ("HEDGE_MARGIN", (100, 25_000, "BINANCE:BTCUSD_PERP", "maintenance", 1, 0.004),
     0.0016, 1e-12),
    # Bybit USDT isolated: long 1 BTC at 20,000, 50x (IM 400 USDT), MMR 0.5 % -> 19,700
    ("HEDGE_LIQ_PRICE", (1, 20_000, 400, "BYBIT:BTCUSDT", 0.005), 19_700.0, 1e-9),
]


def _one(result):
    while isinstance(result, (list, tuple)):
        assert len(result) == 1, result
        result = result[0]
    return result


@pytest.fixture
def bybit_2019_fees(tmp_path):
    """Bybit's example used a 0.075 % taker fee; fees are data, so the example's own fee
    goes in a contracts file, as a user would load one."""
    spec = hx.get_contract("BYBIT:BTCUSD")
    p = tmp_path / "contracts.csv"
    cols = ["key", "venue", "symbol", "type", "face_usd", "coin", "settle", "lot", "tick",
            "taker_fee", "maker_fee", "maint_margin", "funding_hours", "margin_model",
            "liq_round"]
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerow([spec.key, spec.venue, spec.symbol, spec.type, spec.face_usd, spec.coin,
                    spec.settle, spec.lot, spec.tick, 0.00075, spec.maker_fee,
                    spec.maint_margin, spec.funding_hours, spec.margin_model,
                    spec.liq_round])
    hx.load_contracts(p)
    yield
    hx.reset_contracts()


def _lookup(table, size):
    """The rate and amount of a position of ``size``: its tier's, plus the tier's slope
    per unit of size (Deribit's formula)."""
    for cap, rate, amount, slope in table:
        if size <= cap:
            return rate + slope * size, amount
    raise LookupError(size)


inverse_liq_value = ["BINANCE:BTCUSD_PERP", "DERIBIT:BTC-PERPETUAL", "DERIBIT:ETH-PERPETUAL"]


@pytest.mark.parametrize("name,args,printed,precision", PUBLISHED,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PUBLISHED)])
def test_published_examples_through_excel(runtime, name, args, printed, precision):
    got = _one(runtime.call(name, *[cell(a) for a in args]))
    assert abs(got - printed) <= precision, (name, args, got)


def test_binance_position_value_is_the_published_notional():
    assert hx.position_value(100, 25_000, "BINANCE:BTCUSD_PERP") == pytest.approx(0.4)


def test_bybit_inverse_cross_example_as_bybit_prints_it(com, bybit_2019_fees):
    """Bybit: 0.5 BTC balance, long 10,000 BTCUSD at 8,000, MM 0.5 %, taker 0.075 %.
    Bybit prints 5,739.5; its formula gives 5,739.08. We show 5,739.5, what the desk sees on
    Bybit's screen: Bybit rounds a long's liquidation price up to the 0.5 tick, toward the
    entry (the preset's liq_round). The formula's own value is one flag away."""
    got = _one(com.call("HEDGE_LIQ_PRICE", cell(10_000), cell(8_000), cell(0.5),
                        cell("BYBIT:BTCUSD")))
    assert got == 5_739.5
    raw = hx.liquidation_price(10_000, 8_000, 0.5, "BYBIT:BTCUSD", round_to_tick=False)
    assert round(raw, 2) == 5_739.08
    # Bybit's page prints the bankruptcy price 5,718.57: there the margin left pays the fee
    # to close, 0.5 + 10,000 (1/8,000 - 1/BP) = 10,000 * 0.00075 / BP
    bp = 10_000 * (1 + 0.00075) / (0.5 + 10_000 / 8_000)
    assert round(bp, 2) == 5_718.57


def test_liquidation_distance_of_the_published_position(runtime):
    lp = _one(runtime.call("HEDGE_LIQ_PRICE", cell(100_000), cell(45_000), cell(101),
                           cell("BINANCE:BTCUSD_PERP")))
    d = _one(runtime.call("HEDGE_LIQ_DISTANCE", cell(100_000), cell(45_000), cell(lp)))
    assert d == pytest.approx((45_000 - 33_599.4) / 45_000)
    assert _one(runtime.call("HEDGE_LIQ_DISTANCE", cell(-1), cell(45_000),
                             cell("none"))) == "none"


def test_a_position_beyond_the_tiers_is_refused_in_one_line(com):
    """Bybit's bundled inverse tiers stop at 150 BTC: a larger position is refused, not
    priced at the first tier's rate."""
    with pytest.raises(ValueError, match=r"beyond the largest margin tier of BYBIT:BTCUSD "
                                         r"\(150 BTC\)"):
        hx.liquidation_price(10_000_000, 50_000, 10, "BYBIT:BTCUSD")
    why = U.HEDGE_EXPLAIN("HEDGE_LIQ_PRICE", [[10_000], [10_000_000]], 50_000, 1,
                          "BYBIT:BTCUSD")
    assert why[0] == ["ok"] and "beyond the largest margin tier" in why[1][0]


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(inverse_liq_value), long=st.booleans(),
       contracts=st.integers(1, 10_000), ep=st.floats(5_000, 150_000),
       lev=st.floats(1.5, 50))
def test_at_the_liquidation_price_equity_equals_maintenance_of_its_own_tier(key, long,
                                                                            contracts, ep,
                                                                            lev):
    """Binance/OKX convention: at LP the position's equity equals the maintenance margin of
    the tier that the value at LP falls in (Binance: re-check the tier at LP)."""
    spec = hx.get_contract(key)
    q = contracts if long else -contracts
    b = contracts * spec.face_usd / ep / lev  # margin at leverage lev
    lp = hx.liquidation_price(q, ep, b, key, round_to_tick=False)
    assume(not math.isnan(lp))
    value = contracts * spec.face_usd / lp
    equity = b + q * spec.face_usd * (1 / ep - 1 / lp)
    rate, amount = _lookup(tier_rows(key), value)
    assert equity == pytest.approx(value * rate - amount, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(long=st.booleans(), contracts=st.integers(1, 1_000_000), ep=st.floats(5_000, 150_000),
       lev=st.floats(1.5, 100), fee=st.floats(0, 0.001))
def test_bybit_inverse_identity_at_the_liquidation_price(long, contracts, ep, lev, fee):
    """Bybit convention: at LP the equity equals MMR x value at entry plus the fee to close
    at the bankruptcy price BP, where BP is where the equity pays exactly that fee."""
    q = contracts if long else -contracts
    v0 = contracts / ep
    b = v0 / lev
    assume(v0 <= 150)  # inside the bundled tiers
    lp = hx.liquidation_price(q, ep, b, "BYBIT:BTCUSD", fee_rate=fee, round_to_tick=False)
    equity = lambda p: b + q * (1 / ep - 1 / p)  # noqa: E731
    # the bankruptcy price, by bisection on equity(p) = fee * contracts / p
    lo, hi = (1.0, ep) if long else (ep, ep * 1e4)
    for _ in range(200):
        mid = (lo + hi) / 2
        gap = equity(mid) - fee * contracts / mid
        if (gap > 0) == long:
            hi = mid
        else:
            lo = mid
    bp = (lo + hi) / 2
    rate, _ = _lookup(tier_rows("BYBIT:BTCUSD"), v0)
    assume(not math.isnan(lp))
    assert equity(lp) == pytest.approx(rate * v0 + fee * contracts / bp, rel=1e-6, abs=1e-12)


def test_rounding_toward_the_entry_and_to_the_nearest_tick():
    raw = hx.liquidation_price([10_000, -10_000], 8_000, 0.5, "BYBIT:BTCUSD",
                               round_to_tick=False)
    shown = hx.liquidation_price([10_000, -10_000], 8_000, 0.5, "BYBIT:BTCUSD")
    assert shown[0] == math.ceil(raw[0] / 0.5) * 0.5  # a long's, up (toward the entry)
    assert shown[1] == math.floor(raw[1] / 0.5) * 0.5  # a short's, down
    raw = hx.liquidation_price(100_000, 45_000, 101, "BINANCE:BTCUSD_PERP", round_to_tick=False)
    assert hx.liquidation_price(100_000, 45_000, 101, "BINANCE:BTCUSD_PERP") == \
        pytest.approx(round(raw, 1))


def test_bybit_usdt_maintenance_with_its_deduction_and_the_largest_tier_refused():
    """100 BTC of BYBIT:BTCUSDT at 50,000 is 5,000,000 USDT: tier 6 (0.77 %, deduction
    8,460 USDT), so 38,500 - 8,460 = 30,040 USDT; past 1,200,000,000 USDT it is refused."""
    assert hx.maintenance_margin(100, 50_000, "BYBIT:BTCUSDT") == pytest.approx(30_040.0)
    with pytest.raises(ValueError, match="beyond the largest margin tier of BYBIT:BTCUSDT"):
        hx.maintenance_margin(30_000, 50_000, "BYBIT:BTCUSDT")
