"""Margin and liquidation as the venues compute them: their published examples, through
the Python API and through xlwings' own call paths (COM and Lite, one cell as [[x]]);
identities at the liquidation price checked against a tier lookup written separately here;
and the tier tables' own consistency.
"""

from __future__ import annotations

import csv
import math
from importlib import resources

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import hedgexl as hx
from hedgexl import udfs as U

from xlcall import cell

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


@pytest.mark.parametrize("name,args,printed,precision", PUBLISHED,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PUBLISHED)])
def test_published_examples_through_excel(runtime, name, args, printed, precision):
    got = _one(runtime.call(name, *[cell(a) for a in args]))
    assert abs(got - printed) <= precision, (name, args, got)


def test_binance_position_value_is_the_published_notional():
    assert hx.position_value(100, 25_000, "BINANCE:BTCUSD_PERP") == pytest.approx(0.4)


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


# ---------------------------------------------------------------- identities

def _table(key):
    """The tiers of ``key`` read from the bundled CSV with the csv module: a second
    lookup, separate from hedgexl.core.tiers."""
    text = resources.files("hedgexl").joinpath("data/margin_tiers.csv").read_text("utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["contract"] == key]
    return [(float(r["cap"]) if r["cap"] else math.inf, float(r["maint_rate"]),
             float(r["maint_amount"]), float(r.get("maint_slope") or 0)) for r in rows]


def _lookup(table, size):
    """The rate and amount of a position of ``size``: its tier's, plus the tier's slope
    per unit of size (Deribit's formula)."""
    for cap, rate, amount, slope in table:
        if size <= cap:
            return rate + slope * size, amount
    raise LookupError(size)


inverse_liq_value = ["BINANCE:BTCUSD_PERP", "DERIBIT:BTC-PERPETUAL", "DERIBIT:ETH-PERPETUAL"]


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
    rate, amount = _lookup(_table(key), value)
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
    rate, _ = _lookup(_table("BYBIT:BTCUSD"), v0)
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


# ---------------------------------------------------------------- the tier data

def amount_gaps(table):
    """Where a tier's maintenance amount does not keep the maintenance margin continuous at
    the tier boundary (Binance: amount_n = amount_(n-1) + cap_(n-1) (rate_n - rate_(n-1)))."""
    gaps = []
    for (cap0, r0, a0, *_), (_, r1, a1, *_) in zip(table, table[1:]):
        want = a0 + cap0 * (r1 - r0)
        if not math.isclose(a1, want, rel_tol=1e-9, abs_tol=1e-9):
            gaps.append((cap0, a1, want))
    return gaps


@pytest.mark.parametrize("key", ["BINANCE:BTCUSD_PERP", "BINANCE:BTCUSDT", "BINANCE:ETHUSDT",
                                 "BYBIT:BTCUSDT", "BYBIT:ETHUSDT"])
def test_maintenance_amounts_keep_the_margin_continuous(key):
    """Binance's ``cum`` and Bybit's ``mmDeduction`` (linear): the same rule, so every
    transcribed amount is checked by the caps and rates around it."""
    table = _table(key)
    assert len(table) >= 5
    assert amount_gaps(table) == []
    tampered = list(table)
    cap, rate, amount, slope = tampered[6]
    tampered[6] = (cap, rate, amount + 1, slope)  # the FAQ's older 11.81 for 11.605, say
    assert amount_gaps(tampered), "the check must catch a wrong amount"


def test_every_preset_has_a_margin_convention_and_tiers_or_a_flat_rate():
    for spec in hx.all_contracts():
        t = hx.tiers_of(spec.key)
        assert spec.margin_model in ("liq_value", "liq_value_fee", "entry_value",
                                     "entry_value_fee")
        assert np.all(np.diff(t.cap) > 0) and np.all(np.diff(t.maint_rate) >= 0)
        if t.source == "preset":
            assert t.maint_rate[0] == spec.maint_margin


def test_presets_cover_every_contract_in_the_shared_funding_data(shared_data):
    path = shared_data / "funding" / "perpetuals_8h_2023-2024.csv"
    with path.open() as fh:
        perps = {r["contract"] for r in csv.DictReader(fh) if r["type"] != "spot"}
    assert perps and perps <= set(hx.contract_keys())


#: Rows of the venues' recorded answers (hedgexl/data/README.md has the sources): (contract,
#: tier number, cap, maintenance rate, maximum leverage, amount), as the venue wrote them.
RECORDED = [
    ("OKX:BTC-USDT-SWAP", 1, 1000, 0.004, 100, 0),
    ("OKX:BTC-USDT-SWAP", 2, 5000, 0.005, 66.66, 0),
    ("OKX:BTC-USDT-SWAP", 12, 200000, 0.0525, 15.38, 0),
    ("OKX:ETH-USDT-SWAP", 3, 25000, 0.0075, 50, 0),
    ("OKX:ETH-USDT-SWAP", 26, 600000, 0.1225, 7.4, 0),
    ("BYBIT:BTCUSDT", 1, 2000000, 0.005, 100, 0),
    ("BYBIT:BTCUSDT", 8, 8500000, 0.01, 50, 20500),
    ("BYBIT:BTCUSDT", 35, 1200000000, 0.6, 1, 226382000),
    ("BYBIT:ETHUSDT", 32, 200000000, 0.3, 2, 22018220),
    ("BYBIT:ETHUSDT", 35, 1000000000, 0.6, 1, 138018220),
    ("BITMEX:XBTUSD", 1, 200, 0.005, 100, 0),
    ("BITMEX:XBTUSD", 4, 650, 0.02, 40, 0),
    # base tiers only, from the venues' own pages (dated; data/README.md):
    # OKX, 11 Sept 2019: BTC tier-1 max 2000 contracts, basic MMR 0.5 %, IMR 1.0 %
    ("OKX:BTC-USD-SWAP", 1, 2000, 0.005, 100, 0),
    # OKX, 16 Jul 2020 (coin-margined ETH: basic risk limit 10,000 -> 20,000 contracts) and
    # 11 Sept 2019 (ETH basic MMR 1.0 %, IMR 2.0 %)
    ("OKX:ETH-USD-SWAP", 1, 20000, 0.01, 50, 0),
    # Binance's COIN-M leverage table (FAQ be2c7d9d, 2020): ETHUSD 100x (IMR 1 %) to 100 ETH
    ("BINANCE:ETHUSD_PERP", 1, 100, 0.005, 100, 0),
    # Bybit's API docs (risk limit list of 2019-12-29): ETH limit 3000, MM 1.00 %, to 50x
    ("BYBIT:ETHUSD", 1, 3000, 0.01, 50, 0),
]


@pytest.mark.parametrize("key,n,cap,rate,lev,amount", RECORDED)
def test_bundled_tiers_are_the_venues_recorded_rows(key, n, cap, rate, lev, amount):
    text = resources.files("hedgexl").joinpath("data/margin_tiers.csv").read_text("utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["contract"] == key]
    r = rows[n - 1]
    assert (float(r["cap"]), float(r["maint_rate"]), float(r["max_leverage"]),
            float(r["maint_amount"])) == (cap, rate, lev, amount)


def test_every_preset_has_a_tier_table_starting_at_its_base_rate():
    """No contract falls back to a flat rate without a bound (the "preset" table), and a preset's own base rate
    (what the backtest and HEDGE_SPEC use) is its first tier's. Deribit's tiers step its
    formula (1 % + 0.005 % a BTC), so its first tier is a little above the 1 % base."""
    for key in hx.contract_keys():
        t = hx.tiers_of(key)
        assert t.source != "preset", f"{key} has no tier table"
        base = hx.get_contract(key).maint_margin
        if t.source == "deribit":
            assert base <= t.maint_rate[0] <= base * 1.06
        else:
            assert float(t.maint_rate[0]) == base, key


def test_bybit_usdt_maintenance_with_its_deduction_and_the_largest_tier_refused():
    """100 BTC of BYBIT:BTCUSDT at 50,000 is 5,000,000 USDT: tier 6 (0.77 %, deduction
    8,460 USDT), so 38,500 - 8,460 = 30,040 USDT; past 1,200,000,000 USDT it is refused."""
    assert hx.maintenance_margin(100, 50_000, "BYBIT:BTCUSDT") == pytest.approx(30_040.0)
    with pytest.raises(ValueError, match="beyond the largest margin tier of BYBIT:BTCUSDT"):
        hx.maintenance_margin(30_000, 50_000, "BYBIT:BTCUSDT")
