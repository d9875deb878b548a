"""Dated inverse futures (issue 27): keys resolve by pattern to their perpetual's terms with
the expiry the key names at the venue's settlement hour, no funding; HEDGE_SPEC(key,
"expiry") and HEDGE_DAYS_TO_EXPIRY through xlwings' call paths; an expired contract is
refused; and a real term structure: Deribit's ETH futures on 2024-01-08 11:19 UTC (the
expiry futures of the shared option chain, against the index 2,222.19)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

import hedgexl as hx

from xlcall import as_grid, cell

# (key, face USD, expiry UTC, its perpetual): the venues' published faces and hours
DATED = [
    ("BINANCE:BTCUSD_240628", 100, dt.datetime(2024, 6, 28, 8), "BINANCE:BTCUSD_PERP"),
    ("BINANCE:ETHUSD_240329", 10, dt.datetime(2024, 3, 29, 8), "BINANCE:ETHUSD_PERP"),
    ("OKX:BTC-USD-240927", 100, dt.datetime(2024, 9, 27, 8), "OKX:BTC-USD-SWAP"),
    ("OKX:ETH-USD-240628", 10, dt.datetime(2024, 6, 28, 8), "OKX:ETH-USD-SWAP"),
    ("DERIBIT:BTC-28JUN24", 10, dt.datetime(2024, 6, 28, 8), "DERIBIT:BTC-PERPETUAL"),
    ("DERIBIT:ETH-5JAN24", 1, dt.datetime(2024, 1, 5, 8), "DERIBIT:ETH-PERPETUAL"),
    ("KRAKEN:FI_XBTUSD_240628", 1, dt.datetime(2024, 6, 28, 8), "KRAKEN:PI_XBTUSD"),
    ("BITMEX:XBTM24", 1, dt.datetime(2024, 6, 28, 12), "BITMEX:XBTUSD"),  # last Friday
    ("BITMEX:XBTH25", 1, dt.datetime(2025, 3, 28, 12), "BITMEX:XBTUSD"),
]


@pytest.mark.parametrize("key,face,expiry,perp", DATED, ids=[d[0] for d in DATED])
def test_a_dated_key_resolves_to_its_perpetuals_terms_and_its_expiry(key, face, expiry, perp):
    spec, p = hx.get_contract(key), hx.get_contract(perp)
    assert spec.face_usd == face == p.face_usd and spec.type == "inverse"
    assert hx.expiry_of(key) == expiry
    assert (spec.taker_fee, spec.lot, spec.tick) == (p.taker_fee, p.lot, p.tick)
    assert spec.funding_hours != spec.funding_hours  # NaN: no funding
    assert hx.tiers_of(key) is hx.tiers_of(perp)  # its perpetual's margin tiers


def test_a_key_that_names_no_date_or_an_unknown_contract_is_refused():
    with pytest.raises(ValueError, match="'241399' is not a date"):
        hx.get_contract("BINANCE:BTCUSD_241399")
    with pytest.raises(ValueError, match="unknown contract"):
        hx.get_contract("BINANCE:BTCUSD_24062")


def test_an_expired_contract_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"BITMEX:XBTM24 expired on 2024-06-28 12:00 UTC"):
        hx.days_to_expiry("BITMEX:XBTM24", dt.datetime(2024, 6, 28, 12, 1))
    with pytest.raises(ValueError, match="is a perpetual"):
        hx.days_to_expiry("BINANCE:BTCUSD_PERP", dt.date(2024, 1, 1))


def test_expiry_and_days_through_excels_call_path(runtime):
    serial = as_grid(runtime.call("HEDGE_SPEC", cell("DERIBIT:ETH-29MAR24"), cell("expiry")))
    assert serial[0][0] == pytest.approx((dt.datetime(2024, 3, 29, 8)
                                          - dt.datetime(1899, 12, 30)).total_seconds() / 86400)
    days = as_grid(runtime.call("HEDGE_DAYS_TO_EXPIRY", cell("DERIBIT:ETH-26JAN24"),
                                cell("2024-01-08T11:19")))
    assert days[0][0] == pytest.approx(18 - 199 / 1440)  # 18 days less 3 h 19 min


def test_the_deribit_term_structure_of_2024_01_08(shared_data):
    """Each expiry's future in the chain, as a key with its expiry; the annualised basis
    (F/S − 1)·365/days computed here by hand equals HEDGE_BASIS with HEDGE_DAYS_TO_EXPIRY's
    days, and the curve is in contango."""
    from hedgexl import udfs as U
    path = (shared_data / "options" / "eth_2023-12-24_2024-01-08"
            / "deribit_eth_options_2024-01-08.csv")
    futures, index = {}, None
    with path.open() as fh:
        for r in csv.DictReader(fh):
            if not r["underlying_index"].startswith("SYN."):
                futures.setdefault(r["underlying_index"], float(r["underlying_price"]))
                index = float(r["estimated_delivery_price"])
    assert index == 2222.19
    assert {k: futures[k] for k in ("ETH-26JAN24", "ETH-29MAR24", "ETH-28JUN24",
                                    "ETH-27SEP24")} == {
        "ETH-26JAN24": 2241.65, "ETH-29MAR24": 2293.97, "ETH-28JUN24": 2359.87,
        "ETH-27SEP24": 2409.51}
    now = dt.datetime(2024, 1, 8, 11, 19)
    curve = []
    for name, f in futures.items():
        key = f"DERIBIT:{name}"
        day = dt.datetime.strptime(name[4:], "%d%b%y").replace(hour=8)
        assert hx.expiry_of(key) == day
        days = (day - now).total_seconds() / 86400
        annual = (f / index - 1) * 365 / days
        assert U.HEDGE_BASIS(f, index, U.HEDGE_DAYS_TO_EXPIRY(key, "2024-01-08T11:19")) == \
            pytest.approx(annual, rel=1e-12)
        curve.append((days, f))
    prices = [f for _, f in sorted(curve)]
    assert prices == sorted(prices)  # contango: each later expiry higher


def test_a_report_with_a_dated_position_recalculates_and_refuses_an_expired_one(tmp_path):
    from hedgexl import cli
    from hedgexl.inputs import example_path

    from workbook_checks import recalc_mismatches
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


def test_perpetual_or_dated_in_the_desk_report(tmp_path, shared_data):
    """100 ETH hedged on BINANCE:ETHUSD_PERP on 2024-01-08, with Deribit's ETH futures of
    that morning: each dated future's (F/S − 1)·365/days and the perpetual's funding a year
    (latest fixing x 3 a day x 365, and its 30-day mean), computed here from the files, on
    the hedge's notional; the cheaper named."""
    from hedgexl import cli

    chain = (shared_data / "options" / "eth_2023-12-24_2024-01-08"
             / "deribit_eth_options_2024-01-08.csv")
    futures = {}
    with chain.open() as fh:
        for r in csv.DictReader(fh):
            if not r["underlying_index"].startswith("SYN."):
                futures.setdefault("DERIBIT:" + r["underlying_index"], float(r["underlying_price"]))
    fut = tmp_path / "futures.csv"
    fut.write_text("time,contract,price\n" + "".join(
        f"2024-01-08T11:19:00Z,{k},{v}\n" for k, v in futures.items()))
    hold = tmp_path / "eth.csv"
    hold.write_text("asset,quantity,price,hedge_ratio,contract\n"
                    "ETH,100,2222.19,100%,BINANCE:ETHUSD_PERP\n")
    pos = tmp_path / "pos.csv"
    pos.write_text("account,contract,contracts,entry_price,margin,mode,opened_at\n"
                   "b,BINANCE:ETHUSD_PERP,-20000,2200,5,isolated,2024-01-01T00:00Z\n")
    funding = shared_data / "funding" / "perpetuals_8h_2023-2024.csv"
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(hold), "--positions", str(pos), "--futures-prices",
                     str(fut), "--funding", str(funding), "--valuation-date", "2024-01-08",
                     "-o", str(out)]) == 0
    from workbook_checks import cached_values
    v = cached_values(out)
    rows = {}
    for addr, val in v.items():
        if addr.startswith("Dashboard!B") and isinstance(val, str) and ":" in val:
            r = addr[len("Dashboard!B"):]
            rows[(val, v.get(f"Dashboard!C{r}"))] = v.get(f"Dashboard!E{r}")
    notional = 100 * 2222.19
    seen = dt.datetime(2024, 1, 8, 11, 19)
    for key, f in futures.items():
        days = (hx.expiry_of(key) - seen).total_seconds() / 86400
        want = (f / 2222.19 - 1) * 365 / days * notional
        assert rows[(key, f"{days:.0f} days")] == pytest.approx(want, rel=1e-9)
    fixings = []
    with funding.open() as fh:
        for r in csv.DictReader(fh):
            if r["contract"] == "BINANCE:ETHUSD_PERP" and r["funding_rate"] and \
                    r["time_utc"] <= "2024-01-08T23:59:59Z":
                fixings.append((r["time_utc"], float(r["funding_rate"])))
    latest = fixings[-1][1] * 3 * 365
    month = [x for t, x in fixings if t > "2023-12-09T23:59:59Z"]
    assert rows[("BINANCE:ETHUSD_PERP", "latest rate")] == pytest.approx(latest * notional)
    assert rows[("BINANCE:ETHUSD_PERP", "30-day avg")] == pytest.approx(
        sum(month) / len(month) * 3 * 365 * notional)
    best = max(rows.items(), key=lambda kv: kv[1])[0]
    assert any(f"Cheaper (in bold): ETH: {best[0]} ({best[1]})" in str(x) for x in v.values())


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
    from hedgexl import cli

    from workbook_checks import recalc_mismatches
    f = _roll_files(tmp_path)
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(f["h"]), "--positions", str(f["p"]), "--valuation-date",
                     "2024-06-24", "--mode", "live", "-o", str(out)]) == 0
    _, bad = recalc_mismatches(out, tmp_path)
    assert bad == [], bad[:5]


# ---------------------------------------------- what a review found (each failed before)

def test_a_dated_future_pays_no_funding():
    from hedgexl import udfs as U
    assert U.HEDGE_FUNDING(-1000, "DERIBIT:BTC-28JUN24", [[60000], [61000]],
                           [[0.0001], [0.0001]]) == "#VALUE!"
    with pytest.raises(ValueError, match="a dated future: it pays no funding"):
        hx.hedge_backtest(1.0, [50000, 51000], "DERIBIT:BTC-28JUN24",
                          funding_rates=[0, 0.0001])
    with pytest.raises(ValueError, match="pays no funding"):
        hx.funding_total(-1000, "BINANCE:BTCUSD_240628", [60000], [0.0001])


def test_offsets_and_odd_times_are_read_right_or_refused():
    from hedgexl import udfs as U
    assert U.HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", "2024-01-08T11:19+02:00") == \
        pytest.approx(18 - 199 / 1440 + 2 / 24)  # 09:19 UTC
    assert U.HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", -5) == "#VALUE!"
    assert U.HEDGE_DAYS_TO_EXPIRY("DERIBIT:ETH-26JAN24", "2024-01-26T08:00") == "#VALUE!"


def test_keys_the_venues_do_not_list_are_refused_and_one_spelling_kept():
    with pytest.raises(ValueError, match="is a Thursday"):
        hx.get_contract("BINANCE:BTCUSD_240627")
    with pytest.raises(ValueError, match="months 3, 6, 9, 12 only"):
        hx.get_contract("BITMEX:XBTF24")
    assert hx.get_contract("DERIBIT:BTC-05JUL24").key == "DERIBIT:BTC-5JUL24"


def test_deribit_is_bounded_and_a_covered_short_is_not_shown_safe():
    with pytest.raises(hx.TierError, match="beyond the largest margin tier"):
        hx.maintenance_margin(1e9, 50_000, "DERIBIT:BTC-PERPETUAL")
    # a 1x short of 500 BTC: its rate reaches 1 - 1 % at 19,800 BTC, past the table
    with pytest.raises(hx.TierError, match="beyond the largest margin tier"):
        hx.liquidation_price(-2_500_000, 50_000, 500, "DERIBIT:BTC-PERPETUAL")


def test_a_holding_on_a_settled_contract_is_refused(tmp_path, capsys):
    from hedgexl import cli
    h = tmp_path / "h.csv"
    h.write_text("asset,quantity,price,contract\nBTC,1,60000,BINANCE:BTCUSD_240628\n")
    assert cli.main(["ticket", str(h), "--valuation-date", "2024-07-01",
                     "-o", str(tmp_path / "t.csv")]) == 1
    assert "row 2: BTC is hedged on BINANCE:BTCUSD_240628, which settled on 2024-06-28" in \
        capsys.readouterr().err


@pytest.mark.parametrize("rows,why", [
    ("2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n"
     "2024-06-24T08:00:00Z,deribit:btc-28jun24,63300\n", "row 3: DERIBIT:BTC-28JUN24 at "
     "2024-06-24 08:00 is given twice"),
    ("2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,$63200\n", "row 2: price must be a number"),
    ("2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,(2.5)\n", "row 2: price must be a number"),
    ('2024-06-24T08:00:00Z,"DERIBIT:BTC-28JUN24,63200\n'
     "2024-06-25T08:00:00Z,DERIBIT:BTC-28JUN24,63300\n", "opened on line 2 is never closed"),
    ("2030-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n", "a price that has not happened"),
    ("2024-06-24T08:00:00Z,BINANCE:BTCUSD_PERP,63200\n", "is not a dated future"),
])
def test_a_futures_prices_file_is_read_right_or_refused_in_one_line(tmp_path, rows, why):
    from hedgexl.inputs import InputError, read_futures_prices
    f = tmp_path / "futures.csv"
    f.write_text("time,contract,price\n" + rows)
    with pytest.raises(InputError, match=why):
        read_futures_prices(f)


def test_futures_prices_are_sorted_by_time(tmp_path):
    from hedgexl.inputs import read_futures_prices
    f = tmp_path / "futures.csv"
    f.write_text("time,contract,price\n2024-06-25T08:00:00Z,DERIBIT:BTC-28JUN24,63300\n"
                 "2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n")
    assert [p for _, p in read_futures_prices(f)["DERIBIT:BTC-28JUN24"]] == [63200, 63300]
