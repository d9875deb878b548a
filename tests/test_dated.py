"""Dated inverse futures (issue 27) end to end: HEDGE_SPEC(key, "expiry") and
HEDGE_DAYS_TO_EXPIRY through xlwings' call paths, reports with a dated position or a roll
recalculated, a settled contract refused. The keys, their expiries and Deribit's real term
structure of 2024-01-08 are in test_core_contracts.py; the choice of perpetual or dated in
test_book_choice.py."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from xlcall import as_grid, cell



def test_expiry_and_days_through_excels_call_path(runtime):
    serial = as_grid(runtime.call("HEDGE_SPEC", cell("DERIBIT:ETH-29MAR24"), cell("expiry")))
    assert serial[0][0] == pytest.approx((dt.datetime(2024, 3, 29, 8)
                                          - dt.datetime(1899, 12, 30)).total_seconds() / 86400)
    days = as_grid(runtime.call("HEDGE_DAYS_TO_EXPIRY", cell("DERIBIT:ETH-26JAN24"),
                                cell("2024-01-08T11:19")))
    assert days[0][0] == pytest.approx(18 - 199 / 1440)  # 18 days less 3 h 19 min


def test_a_report_with_a_dated_position_recalculates_and_refuses_an_expired_one(tmp_path):
    from workbook_checks import recalc_mismatches

    from hedgexl import cli
    from hedgexl.inputs import example_path
    head = "account,contract,contracts,entry_price,margin,mode\n"
    held = tmp_path / "p.csv"
    held.write_text(head + "d,DERIBIT:BTC-27SEP24,-1000,60000,1,isolated\n")
    out = tmp_path / "r.xlsx"
    args = [str(example_path("desk_holdings.csv")), "--positions", str(held), "--prices",
            str(example_path("prices_2024.csv")), "--valuation-date", "2024-06-30",
            "--mode", "live"]
    assert cli.main(["report", *args, "-o", str(out)]) == 0
    cells, bad = recalc_mismatches(out, tmp_path)
    assert any("DERIBIT:BTC-27SEP24" in str(f) or "Positions" in k for k, f in cells.items())
    assert bad == [], bad[:5]
    held.write_text(head + "d,DERIBIT:BTC-28JUN24,-1000,60000,1,isolated\n")
    assert cli.main(["report", *args, "-o", str(tmp_path / "x.xlsx")]) == 1
    assert not (tmp_path / "x.xlsx").exists()


ROLL_HOLDINGS = "asset,quantity,price,hedge_ratio,contract\nBTC,10,63000,100%,DERIBIT:BTC-28JUN24\n"
ROLL_POSITIONS = ("account,contract,contracts,entry_price,margin,mode\n"
                  "d,DERIBIT:BTC-28JUN24,-40000,60000,2,isolated\n")
ROLL_FUTURES = ("time,contract,price\n2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n"
                "2024-06-24T08:00:00Z,DERIBIT:BTC-27SEP24,64400\n")


def _roll_files(tmp_path):
    files = {}
    for name, text in (("h", ROLL_HOLDINGS), ("p", ROLL_POSITIONS), ("f", ROLL_FUTURES)):
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text(text)
    return files


def test_a_dated_position_near_its_expiry_is_rolled_on_the_ticket(tmp_path, capsys):
    """Valued 2024-06-24 (28JUN24 settles in 3.3 days, inside the default 7): close the
    40,000 contracts, open the next quarterly (27SEP24) at the whole target: 10 BTC held
    plus the 2 BTC of margin at 63,000 = 756,000 USD, 75,600 contracts of 10 USD."""
    from hedgexl import cli
    f = _roll_files(tmp_path)
    out = tmp_path / "t.csv"
    assert cli.main(["ticket", str(f["h"]), "--positions", str(f["p"]), "--futures-prices",
                     str(f["f"]), "--valuation-date", "2024-06-24", "-o", str(out)]) == 0
    rows = {r["contract"]: r for r in csv.DictReader(out.open())}
    assert float(rows["DERIBIT:BTC-28JUN24"]["trade_contracts"]) == 40_000
    assert float(rows["DERIBIT:BTC-27SEP24"]["trade_contracts"]) == -(10 + 2) * 63_000 / 10
    assert rows["DERIBIT:BTC-28JUN24"]["note"].startswith("roll: closed")
    assert "spread +1,200.00 USD per coin" in capsys.readouterr().err
    # outside a 3-day window it is not rolled
    assert cli.main(["ticket", str(f["h"]), "--positions", str(f["p"]), "--roll-days", "3",
                     "--valuation-date", "2024-06-24", "-o", str(tmp_path / "u.csv")]) == 0
    assert {r["contract"] for r in csv.DictReader((tmp_path / "u.csv").open())} == \
        {"DERIBIT:BTC-28JUN24"}


def test_a_report_with_a_roll_recalculates(tmp_path):
    from workbook_checks import recalc_mismatches

    from hedgexl import cli
    f = _roll_files(tmp_path)
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(f["h"]), "--positions", str(f["p"]), "--valuation-date",
                     "2024-06-24", "--mode", "live", "-o", str(out)]) == 0
    _, bad = recalc_mismatches(out, tmp_path)
    assert bad == [], bad[:5]


# ---------------------------------------------- what a review found (each failed before)


def test_a_holding_on_a_settled_contract_is_refused(tmp_path, capsys):
    from hedgexl import cli
    h = tmp_path / "h.csv"
    h.write_text("asset,quantity,price,contract\nBTC,1,60000,BINANCE:BTCUSD_240628\n")
    assert cli.main(["ticket", str(h), "--valuation-date", "2024-07-01",
                     "-o", str(tmp_path / "t.csv")]) == 1
    assert "row 2: BTC is hedged on BINANCE:BTCUSD_240628, which settled on 2024-06-28" in \
        capsys.readouterr().err


