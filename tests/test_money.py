"""Money as the venue books it (issue 24): a linear (USDT-margined) hedge's PnL, funding and
fees in USDT through the Python API, the report's PnL sheet, the batch summary and the
HEDGE_* functions; USDT counted at 1 USD, never turned into coin and back. The expected
numbers are computed here from the funding rows themselves (−q·c·M·r per row, |q|·c·P·φ per
fill), not by hedgexl."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from refusal import run

import hedgexl as hx


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


# -------------------------------------------- Deribit, OKX and BitMEX: their own rules


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


