"""Money as the venue books it (issue 24): a linear (USDT-margined) hedge's PnL, funding and
fees in USDT through the Python API, the report's PnL sheet, the batch summary and the
HEDGE_* functions; USDT counted at 1 USD, never turned into coin and back. The expected
numbers are computed here from the funding rows themselves (−q·c·M·r per row, |q|·c·P·φ per
fill), not by hedgexl."""

from __future__ import annotations

import csv

import openpyxl
import pytest

import hedgexl as hx
from refusal import run


@pytest.fixture(scope="module")
def january(tmp_path_factory):
    """Binance BTCUSDT's real 8-hour funding of January 2023 and 2 BTC hedged on it."""
    from conftest import SHARED
    src = SHARED / "data" / "funding" / "perpetuals_8h_2023-2024.csv"
    if not src.exists():
        pytest.skip("../shared/data is not beside the checkout")
    d = tmp_path_factory.mktemp("jan")
    rows = list(csv.reader(open(src)))
    jan = [r for r in rows[1:] if r[1] == "BINANCE:BTCUSDT" and r[0].startswith("2023-01")
           and r[-1] != ""]
    f = d / "jan.csv"
    with open(f, "w", newline="") as out:
        csv.writer(out).writerows([rows[0]] + jan)
    h = d / "h.csv"
    h.write_text(f"asset,quantity,price,hedge_ratio,contract\nBTC,2,{jan[0][6]},1,"
                 "BINANCE:BTCUSDT\n")
    marks = [float(r[6]) for r in jan]
    rates = [float(r[7]) for r in jan]
    return d, h, f, marks, rates


def test_a_linear_hedges_funding_and_fees_are_the_usdt_booked(january, capsys):
    d, h, f, marks, rates = january
    out, summary = d / "r.xlsx", d / "s.csv"
    rc, so, err = run(capsys, "report", h, "-o", out, "--funding", f, "--summary", summary)
    assert rc == 0, err
    # short 2 BTC (2,000 contracts of 0.001 BTC): −q·c·M·r USDT a funding, summed
    funding = sum(2 * m * r for m, r in zip(marks, rates))
    fees = 2 * (marks[0] + marks[-1]) * 0.0005  # open and close at the taker rate
    ws = openpyxl.load_workbook(out, data_only=True)["PnL"]
    assert ws["A11"].value == "Funding received (USDT)" and ws["A12"].value.endswith("(USDT)")
    assert ws["B11"].value == pytest.approx(funding, rel=1e-12)
    assert ws["B12"].value == pytest.approx(fees, rel=1e-12)
    assert ws["E5"].value == pytest.approx(funding, rel=1e-12)  # counted at 1 USD
    assert ws["E6"].value == pytest.approx(-fees, rel=1e-12)
    spot = 2 * (marks[-1] - marks[0])
    assert ws["E7"].value == pytest.approx(spot - spot + funding - fees, abs=1e-6)
    row = next(csv.DictReader(open(summary)))
    assert row["funding_currency"] == "USDT"
    assert float(row["funding"]) == pytest.approx(funding, rel=1e-9)
    assert f"{funding:,.2f} USDT" in so  # the batch line names USDT, in dollars and cents


def test_the_settlement_currency_is_the_default_everywhere():
    q, p0, p1 = -0.5, 60_000, 50_000
    assert hx.futures_pnl(q, p0, p1, "BINANCE:BTCUSDT") == pytest.approx(5_000)
    assert hx.futures_pnl(q, p0, p1, "BINANCE:BTCUSDT", unit="coin") == pytest.approx(0.1)
    assert hx.trading_fee(q, p1, "BINANCE:BTCUSDT", 0.0005) == pytest.approx(12.5)
    assert hx.funding_total(q, "BINANCE:BTCUSDT", [p0, p1], [1e-4, 1e-4]) == \
        pytest.approx(0.5 * (p0 + p1) * 1e-4)
    # inverse contracts: unchanged, the coin
    assert hx.futures_pnl(-625, 50_000, 42_500, "BINANCE:BTCUSD_PERP") == \
        pytest.approx(-625 * 100 * (1 / 50_000 - 1 / 42_500))
    # a mixed range: each row in its own settlement currency
    got = hx.futures_pnl([q, -625], [p0, 50_000], [p1, 42_500],
                         ["BINANCE:BTCUSDT", "BINANCE:BTCUSD_PERP"])
    assert got == pytest.approx([5_000, -625 * 100 * (1 / 50_000 - 1 / 42_500)])


def test_the_old_coin_default_can_fail():
    """Tamper: with the coin as the default again, the USDT ledger's figure is not met."""
    from hedgexl.core import pnl
    real = pnl._unit
    try:
        pnl._unit = lambda unit, linear: real("coin" if unit == "settle" else unit, linear)
        assert hx.futures_pnl(0.1, 100_000, 160_000, "BINANCE:BTCUSDT") != \
            pytest.approx(6_000)
    finally:
        pnl._unit = real


def test_backtest_funding_received_and_paid_are_the_gross_of_the_fixings():
    """Issue 24: each day's fixings were netted before the split, so both gross figures came
    out small. Here a plain loop over every fixing of the bundled 2024 H1 funding, at the
    position the run held over that fixing's day, adds the received and the paid apart."""
    import datetime as dt

    import numpy as np

    from hedgexl.book.backtest import Policy, line_up, run_policies
    from hedgexl.inputs import example_path, read_funding_all, read_holdings
    from hedgexl.reports.report import _join_prices
    h = read_holdings(example_path("desk_holdings.csv"))
    prices = _join_prices([example_path("prices_2024.csv")])
    funding = read_funding_all(example_path("funding_desk_2024h1.csv"))
    hist = line_up(h, prices, funding)
    bb = run_policies(hist, [Policy("daily", 0.0, None)], leverage=2.0)
    s = bb.stats()
    got_in, got_out = float(s["funding_received_usd"][0]), float(s["funding_paid_usd"][0])
    dates = [dt.date.fromisoformat(d) for d in hist.dates]
    want_in = want_out = 0.0
    for i, spec in enumerate(hist.specs):
        bt = bb.runs[i]
        f = funding[spec.key]
        for t_text, mark, rate in zip(f.time, f.mark_price, f.funding_rate):
            t = dt.datetime.fromisoformat(t_text.rstrip("Z"))
            day = (t - dt.timedelta(seconds=1)).date()  # a fixing at midnight closes the day
            step = next((j for j, d in enumerate(dates) if d >= day), None)
            if step is None or step == 0 or day <= dates[0]:
                continue
            q = float(bt.contracts[step - 1, 0])  # held over the step
            x = float(bt.settle_usd[step, 0])
            pay = (-q * spec.multiplier * mark * rate if spec.linear
                   else -q * spec.multiplier / mark * rate) * x
            want_in += max(pay, 0.0)
            want_out += max(-pay, 0.0)
    net = float(sum((bt.funding[:, 0] * bt.settle_usd[:, 0]).sum() for bt in bb.runs))
    assert got_in - got_out == pytest.approx(net, rel=1e-9)
    assert got_in == pytest.approx(want_in, rel=1e-9)
    assert got_out == pytest.approx(want_out, rel=1e-9)
    assert got_out > 0  # the half-year had negative fixings: netting hid them


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
    from xlcall import as_grid, cell
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


# -------------------------------------------- Deribit, OKX and BitMEX: their own rules

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
    from xlcall import as_grid, cell
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
    from xlcall import as_grid, cell
    args = (3_500_000.0, 50_000.0, 140.0, "DERIBIT:BTC-PERPETUAL")
    got = as_grid(runtime.call("HEDGE_LIQ_PRICE", *[cell(a) for a in args]))
    # 350 BTC at entry, 140 BTC of margin: at 43,750 the value is 800 BTC, its margin
    # 800 x (1 % + 800 x 0.005 %) = 40 BTC, the equity 140 + 700 - 800 = 40 BTC
    assert got[0][0] == pytest.approx(43_750.0, abs=0.25)


def test_a_deribit_short_its_margin_cannot_cover_is_refused(tmp_path):
    """The bundled table stops at 1,000 BTC; under a table of the user's without a bound,
    past about 4,900 BTC a short's formula margin exceeds its equity at every price:
    refused, not shown as a position that cannot be liquidated."""
    with pytest.raises(hx.TierError, match="beyond the largest margin tier"):
        hx.liquidation_price(-300_000_000, 50_000, 10, "DERIBIT:BTC-PERPETUAL")
    mine = tmp_path / "tiers.csv"
    mine.write_text("contract,cap,cap_unit,max_leverage,maint_rate,maint_amount,source,"
                    "charge,maint_slope\nDERIBIT:BTC-PERPETUAL,,coin,50,0.01,0,mine,whole,"
                    "0.00005\n")
    hx.load_tiers(mine)
    try:
        with pytest.raises(hx.TierError, match="more maintenance margin than its equity"):
            hx.liquidation_price(-300_000_000, 50_000, 10, "DERIBIT:BTC-PERPETUAL")
    finally:
        hx.reset_tiers()


OKX_EXAMPLE = (100, 60_000, 6_000, "OKX:BTC-USDT-SWAP", 0.015)


def test_okx_liquidates_at_the_maintenance_rate_plus_the_taker_fee(runtime):
    """OKX's example: 1 BTC of BTC-USDT-SWAP long at 60,000, 10x (6,000 USDT), 1.5 %, taker
    0.05 %: (60,000 - 6,000)/(1 - 1.55 %) = 54,850.18 (published 54,850.19, a cent off
    its own formula); OKX shows it at its 0.1 tick. Without the fee it was 54,822.3."""
    from xlcall import as_grid, cell
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
