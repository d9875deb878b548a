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


def test_kraken_liquidation_leaves_the_maintenance_margin():
    """The identity every margin model keeps: the equity at the liquidation price is the
    maintenance margin charged there, by slices too (a long of 1,000,000 contracts at 50,000
    with 2 BTC of isolated margin)."""
    q, ep, b = 1_000_000, 50_000.0, 2.0
    lp = hx.liquidation_price(q, ep, b, "KRAKEN:PI_XBTUSD", round_to_tick=False)
    equity = b + hx.futures_pnl(q, ep, lp, "KRAKEN:PI_XBTUSD")
    assert equity == pytest.approx(hx.maintenance_margin(q, lp, "KRAKEN:PI_XBTUSD"), rel=1e-9)
