"""core/tiers.py and the bundled margin tiers: each preset's table as the venue recorded it,
starting at its base rate, continuous."""

from __future__ import annotations

import csv
import math
from importlib import resources

import numpy as np
import pytest
from helpers_core import tier_rows

import hedgexl as hx


def amount_gaps(table):
    """Where a tier's maintenance amount does not keep the maintenance margin continuous at
    the tier boundary (Binance: amount_n = amount_(n-1) + cap_(n-1) (rate_n - rate_(n-1)))."""
    gaps = []
    for (cap0, r0, a0, *_), (_, r1, a1, *_) in zip(table, table[1:]):
        want = a0 + cap0 * (r1 - r0)
        if not math.isclose(a1, want, rel_tol=1e-9, abs_tol=1e-9):
            gaps.append((cap0, a1, want))
    return gaps


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


@pytest.mark.parametrize("key", ["BINANCE:BTCUSD_PERP", "BINANCE:BTCUSDT", "BINANCE:ETHUSDT",
                                 "BYBIT:BTCUSDT", "BYBIT:ETHUSDT"])
def test_maintenance_amounts_keep_the_margin_continuous(key):
    """Binance's ``cum`` and Bybit's ``mmDeduction`` (linear): the same rule, so every
    transcribed amount is checked by the caps and rates around it."""
    table = tier_rows(key)
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
