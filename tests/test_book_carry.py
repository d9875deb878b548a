"""book/carry.py: funding since each position opened and the carry a year, from the funding
files' own rates."""

from __future__ import annotations

import csv
import datetime as dt
import numpy as np
import pytest
import hedgexl as hx
from hedgexl.book import build_book
from hedgexl.inputs import (InputError, example_path, read_funding_all, read_holdings,
                            read_positions)
from conftest import write
from test_desk import HEAD


@pytest.fixture(scope="module")
def desk():
    h = read_holdings(example_path("desk_holdings.csv"))
    pos = read_positions(example_path("desk_positions.csv"))
    funding = read_funding_all(example_path("funding_desk_2024h1.csv"))
    return build_book(h, pos, funding=funding, valuation=dt.date(2024, 6, 30))


def test_funding_since_opened_is_the_sum_over_the_shared_history(desk, shared_data):
    """A loop over the project's shared funding file (not the bundled slice), row by row:
    -q F / M r for every funding time after the position opened, up to the valuation day."""
    rows = list(csv.DictReader((shared_data / "funding" / "perpetuals_8h_2023-2024.csv")
                               .open()))
    for i, key in enumerate(desk.positions.contract):
        spec = hx.get_contract(key)
        opened = desk.positions.opened_at[i].strftime("%Y-%m-%dT%H:%M:%SZ")
        total = 0.0
        for r in rows:
            if r["contract"] == key and opened < r["time_utc"] <= "2024-06-30T23:59:59Z":
                total += -desk.positions.contracts[i] * spec.face_usd / float(r["close"]) \
                    * float(r["funding_rate"])
        assert desk.carry.accrued[i] == pytest.approx(total, rel=1e-12)
        assert total > 0  # shorts in a positive-funding half year are paid


def test_carry_a_year_is_the_latest_rate_times_three_a_day(desk):
    i = desk.positions.contract.index("BINANCE:BTCUSD_PERP")
    q, mark = desk.positions.contracts[i], desk.risk.mark[i]
    want = -q * 100 / mark * desk.carry.rate_latest[i] * 3 * 365
    assert desk.carry.per_year_latest[i] == pytest.approx(want)


def test_positions_opened_before_the_history_have_no_funding_figure(tmp_path):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n"))
    pos = read_positions(write(tmp_path / "p.csv", HEAD + "a,BINANCE:BTCUSD_PERP,-10,60000,"
                                                          "1,,,2020-01-01\n"))
    b = build_book(h, pos, funding=read_funding_all(example_path("funding_desk_2024h1.csv")),
                   valuation=dt.date(2024, 6, 30))
    assert np.isnan(b.carry.accrued[0])
    assert any("before the funding history starts" in n for n in b.notes)


def test_carry_follows_the_funding_files_own_interval(tmp_path):
    """A contract funded every 4 hours pays twice as often as one funded every 8: the
    funding file's interval column wins over the preset's 8 h."""
    rows = "".join(f"2024-06-{d:02d}T{h:02d}:00:00Z,BINANCE:BTCUSD_PERP,60000,0.0001,4\n"
                   for d in (29, 30) for h in range(0, 24, 4))
    f4 = write(tmp_path / "f4.csv", "time_utc,contract,mark_price,funding_rate,"
                                    "interval_hours\n" + rows)
    f8 = write(tmp_path / "f8.csv", "time_utc,contract,mark_price,funding_rate\n"
               + rows.replace(",4\n", "\n"))
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n"))
    pos = read_positions(write(tmp_path / "p.csv", HEAD + "a,BINANCE:BTCUSD_PERP,-600,60000,"
                                                          "1,,,2024-06-01\n"))
    y4, y8 = (build_book(h, pos, funding=read_funding_all(f), valuation=dt.date(2024, 6, 30))
              .carry.per_year_latest[0] for f in (f4, f8))
    assert y8 == pytest.approx(600 * 100 / 60000 * 0.0001 * 3 * 365)
    assert y4 == pytest.approx(2 * y8)
    bad = write(tmp_path / "bad.csv", "time_utc,contract,mark_price,funding_rate,interval\n"
                                      "2024-06-30T00:00Z,BINANCE:BTCUSD_PERP,60000,0.0001,0\n")
    with pytest.raises(InputError, match="row 2: interval_hours must be the hours"):
        read_funding_all(bad)
