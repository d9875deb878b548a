"""``hedgexl fetch``: ccxt, for real, against stand-ins of the venues on 127.0.0.1.

The stand-ins (tests/venues/server.py) answer in each venue's JSON and page as the venue
does; their data is the bundled files, so a fetched file can be held against the bundled
one, row by row and through a report.
"""

from __future__ import annotations

import csv
import math
import os

import pytest

pytest.importorskip("ccxt")

from hedgexl import cli  # noqa: E402
from hedgexl.inputs import read_funding_all, read_prices  # noqa: E402
from venues import DATA, VenueServer, bundled_closes, bundled_funding, desk_state, t_ms  # noqa: E402,E501


@pytest.fixture
def venue():
    """(state, base URL) of a stand-in fed with the bundled desk's data."""
    st = desk_state()
    with VenueServer(st) as base:
        yield st, base


def fetch(base, *args, backoff="0.01"):
    return cli.main(["fetch", *args, "--api-base", base, "--backoff", backoff])


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# --- funding ------------------------------------------------------------------------------

def test_funding_matches_the_bundled_file_row_by_row(venue, tmp_path):
    st, base = venue
    out = tmp_path / "funding.csv"
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP", "--since",
                 "2024-01-01", "--until", "2024-06-30", "-o", str(out)) == 0
    got = read_funding_all(out)
    end = t_ms("2024-07-01")
    for c in ("BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP"):
        want = bundled_funding(c)
        n = sum(t < end for t in want.times)
        f = got[c]
        assert [t_ms(t) for t in f.time] == want.times[:n]
        assert list(f.funding_rate) == pytest.approx(want.rates[:n], rel=1e-12)
        # the mark price comes from the 1-hour mark candles (the COIN-M records carry none)
        assert list(f.mark_price) == want.marks[:n]
        assert set(f.interval_hours) == {8.0}
    assert any("markPriceKlines" in line for line in st.log)


def test_a_venue_that_caps_its_answers_is_paged_without_gaps_or_repeats(venue, tmp_path):
    st, base = venue
    st.page_cap, st.newest_first = 37, True  # short pages, newest first (as OKX answers)
    st.funding_mark = True
    out = tmp_path / "funding.csv"
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-01-01", "--until",
                 "2024-06-30", "-o", str(out)) == 0
    times = [r["time_utc"] for r in rows_of(out)]
    assert len(times) == len(set(times)) == 182 * 3  # every 8 hours of 182 days
    assert not any("markPriceKlines" in line for line in st.log)  # the records had marks


def test_paging_that_did_not_split_cut_answers_is_caught_by_the_gap_check(venue, tmp_path,
                                                                         monkeypatch, capsys):
    """Tamper: the pager no longer sees that a short answer was cut; the gap check refuses
    the file instead of writing a history with holes."""
    from hedgexl.market import history
    st, base = venue
    st.page_cap, st.newest_first = 37, True
    monkeypatch.setattr(history, "_cut", lambda page, a, b: False)
    out = tmp_path / "funding.csv"
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-01-01", "--until",
                 "2024-06-30", "-o", str(out)) == 1
    assert "the venue's answer has a gap" in capsys.readouterr().err
    assert not out.exists()


def test_a_rate_limit_is_waited_out(venue, tmp_path, capsys):
    st, base = venue
    st.too_many = 2
    out = tmp_path / "funding.csv"
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-06-01", "--until",
                 "2024-06-30", "-o", str(out)) == 0
    err = capsys.readouterr().err
    assert err.count("HTTP 429 Too Many Requests; retrying") == 2
    assert len(rows_of(out)) == 90  # June: 30 days of 3 fundings


@pytest.mark.parametrize("fault, says", [
    ("down", "HTTP 503 Service Unavailable (gave up after 2 tries)"),
    ("drop", "the venue's answer has a gap from 2024-06-10T00:00:00Z to "
             "2024-06-10T16:00:00Z"),
    ("cut", "the venue's answer stops at 2024-06-20T00:00:00Z"),
    ("broken", "the answer was cut short (incomplete JSON)"),
    ("symbol", "BINANCE:BTCUSD_PERPX: Binance COIN-M lists no such contract (nearest: "
               "BTCUSD_PERP"),
])
def test_faults_are_one_line_and_leave_no_file(venue, tmp_path, capsys, fault, says):
    st, base = venue
    key = "BINANCE:BTCUSD_PERP"
    if fault == "down":
        st.down = True
    elif fault == "drop":
        st.drop = {t_ms("2024-06-10T08:00:00Z")}
    elif fault == "cut":
        st.cut_after = t_ms("2024-06-20T00:00:00Z")
    elif fault == "broken":
        st.broken = "fundingRate"
    else:
        key += "X"
    out = tmp_path / "funding.csv"
    assert fetch(base, "funding", key, "--since", "2024-06-01", "--until", "2024-06-30", "-o",
                 str(out), "--retries", "1") == 1
    err = [line for line in capsys.readouterr().err.splitlines()
           if line.startswith("hedgexl: error")]
    assert len(err) == 1 and says in err[0], err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_an_unreachable_venue_is_one_line(tmp_path, capsys):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    assert fetch(f"http://127.0.0.1:{port}", "funding", "BINANCE:BTCUSD_PERP", "--since",
                 "2024-06-01", "-o", str(tmp_path / "f.csv"), "--retries", "0") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("hedgexl: error: Binance COIN-M: list of markets: ")
    assert "did not answer" in err[-1]


def test_an_existing_file_is_not_replaced_without_force(venue, tmp_path, capsys):
    st, base = venue
    out = tmp_path / "funding.csv"
    out.write_text("mine")
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-06-01", "--until",
                 "2024-06-30", "-o", str(out)) == 1
    assert out.read_text() == "mine"
    assert "use --force" in capsys.readouterr().err


def test_a_fetched_file_that_hedgexl_would_refuse_is_not_written(venue, tmp_path, capsys):
    """A venue's rate of 150 % (a unit slip) fails the funding reader's own rule."""
    st, base = venue
    st.funding["BINANCE:BTCUSD_PERP"].rates[5] = 1.5
    out = tmp_path / "funding.csv"
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-01-01", "--until",
                 "2024-01-31", "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "fails hedgexl's own check (row 7: funding_rate must be a rate" in err
    assert "/tmp" not in err and "funding.csv" not in err.split("check")[1]  # no probe path
    assert not out.exists()


# --- prices -------------------------------------------------------------------------------

def test_prices_match_the_bundled_closes(venue, tmp_path):
    st, base = venue
    out = tmp_path / "prices.csv"
    assert fetch(base, "prices", "ETH", "--since", "2024-01-17", "--until", "2024-12-31",
                 "-o", str(out)) == 0
    dates, cols = read_prices(out)
    want = bundled_closes("ETH")
    assert [t_ms(d) for d in dates] == [t for t in sorted(want) if t <= t_ms("2024-12-31")]
    assert list(cols["ETH"]) == [want[t_ms(d)] for d in dates]


def test_a_missing_day_of_prices_is_refused(venue, tmp_path, capsys):
    """The bundled BTC closes miss 2024-02-17 (the source's gap): refused, not filled."""
    st, base = venue
    assert fetch(base, "prices", "BTC", "--since", "2024-02-01", "--until", "2024-02-28",
                 "-o", str(tmp_path / "p.csv")) == 1
    assert "gap from 2024-02-16T00:00:00Z to 2024-02-18T00:00:00Z" in capsys.readouterr().err


# --- contracts and tiers -----------------------------------------------------------------

BRACKETS = [{"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtyFloor": 0,
             "maintMarginRatio": 0.004, "cum": 0.0},
            {"bracket": 2, "initialLeverage": 100, "qtyCap": 10, "qtyFloor": 5,
             "maintMarginRatio": 0.005, "cum": 0.005}]


def test_contracts_without_a_key_keep_the_bundled_tiers_and_say_why(venue, tmp_path, capsys,
                                                                    monkeypatch):
    st, base = venue
    monkeypatch.delenv("BINANCE_API_KEY", raising=False)
    st.specs["BINANCE:BTCUSD_PERP"].tick = 0.5  # the venue changed its tick
    out = tmp_path / "contracts.csv"
    assert fetch(base, "contracts", "BINANCE", "-o", str(out)) == 0
    cap = capsys.readouterr()
    assert "BINANCE:BTCUSD_PERP: tick 0.1 -> 0.5" in cap.out
    assert "set BINANCE_API_KEY and BINANCE_API_SECRET" in cap.err
    assert not (tmp_path / "contracts-tiers.csv").exists()
    got = {r["key"]: r for r in rows_of(out)}
    assert got["BINANCE:BTCUSD_PERP"]["face_usd"] == "100"
    assert got["BINANCE:ETHUSD_PERP"]["face_usd"] == "10"
    assert got["BINANCE:BTCUSDT"]["size_coin"] == "1"
    assert float(got["BINANCE:BTCUSD_PERP"]["tick"]) == 0.5
    # what ccxt cannot know stays the preset's: how the venue computes margin
    assert got["BINANCE:BTCUSD_PERP"]["margin_model"] == "liq_value"
    # the file loads as --contracts
    import hedgexl
    hedgexl.load_contracts(out)
    assert hedgexl.get_contract("BINANCE:BTCUSD_PERP").tick == 0.5


def test_binance_tiers_with_a_key_from_the_environment(venue, tmp_path, monkeypatch):
    st, base = venue
    monkeypatch.setenv("BINANCE_API_KEY", "read-only-key")
    monkeypatch.setenv("BINANCE_API_SECRET", "its-secret")
    out = tmp_path / "contracts.csv"
    assert fetch(base, "contracts", "BINANCE", "-o", str(out)) == 0
    signed = [h for h, line in zip(st.headers, st.log) if "leverageBracket" in line]
    assert signed and all(h.get("X-MBX-APIKEY") == "read-only-key" for h in signed)
    tiers = rows_of(tmp_path / "contracts-tiers.csv")
    btc = [r for r in tiers if r["contract"] == "BINANCE:BTCUSD_PERP"]
    assert [(r["cap"], r["cap_unit"], r["maint_rate"], r["maint_amount"]) for r in btc] == [
        ("5", "coin", "0.004", "0"), ("10", "coin", "0.005", "0.005")]
    import hedgexl
    hedgexl.load_tiers(tmp_path / "contracts-tiers.csv")
    t = hedgexl.tiers_of("BINANCE:BTCUSD_PERP")
    assert list(t.cap) == [5, 10] and t.cap_unit == "coin"


def test_without_ccxt_the_command_names_the_extra(monkeypatch, tmp_path, capsys):
    import builtins
    real = builtins.__import__

    def no_ccxt(name, *a, **kw):
        if name == "ccxt" or name.startswith("ccxt."):
            raise ModuleNotFoundError("No module named 'ccxt'", name="ccxt")
        return real(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", no_ccxt)
    assert cli.main(["fetch", "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-01-01",
                     "-o", str(tmp_path / "f.csv")]) == 1
    assert 'pip install ".[data]" in the hedgexl checkout' in capsys.readouterr().err


def test_bitmex_is_refused_with_the_reason(tmp_path, capsys):
    assert cli.main(["fetch", "funding", "BITMEX:XBTUSD", "--since", "2024-01-01", "-o",
                     str(tmp_path / "f.csv")]) == 1
    assert "the installed ccxt has no BitMEX exchange" in capsys.readouterr().err


def test_a_history_that_ends_before_until_is_refused_as_partial(venue, tmp_path, capsys):
    """The stand-in's data ends at 2024-07-01 00:00; asking to the end of that day is a
    partial answer (two fundings missing), and the check says so."""
    st, base = venue
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "--since", "2024-06-01", "--until",
                 "2024-07-01", "-o", str(tmp_path / "f.csv")) == 1
    assert "stops at 2024-07-01T00:00:00Z" in capsys.readouterr().err


def test_funding_rows_are_inclusive_of_both_days(venue, tmp_path):
    st, base = venue
    out = tmp_path / "f.csv"
    assert fetch(base, "funding", "BINANCE:ETHUSD_PERP", "--since", "2024-03-05", "--until",
                 "2024-03-05", "-o", str(out)) == 0
    assert [r["time_utc"][11:16] for r in rows_of(out)] == ["00:00", "08:00", "16:00"]
    assert not math.isnan(float(rows_of(out)[0]["mark_price"]))
    assert os.path.getsize(out) > 0


# --- OKX and Bybit ------------------------------------------------------------------------

def test_the_desk_report_from_fetched_files_equals_the_bundled_one(venue, tmp_path):
    """The demo desk (positions on Binance and OKX) valued at 2024-06-30: the report's
    numbers from fetched funding and prices equal those from the bundled files, which hold
    the same venues' data."""
    from hedgexl.reports import ReportOptions, report_file
    st, base = venue
    funding, prices = tmp_path / "funding.csv", tmp_path / "prices.csv"
    assert fetch(base, "funding", "BINANCE:BTCUSD_PERP", "BINANCE:ETHUSD_PERP",
                 "OKX:BTC-USD-SWAP", "OKX:ETH-USD-SWAP", "--since", "2024-01-01", "--until",
                 "2024-06-30", "-o", str(funding)) == 0
    assert fetch(base, "prices", "ETH", "--since", "2024-01-17", "--until", "2024-06-30",
                 "-o", str(prices)) == 0
    assert any("www.okx.com/api/v5/public/funding-rate-history" in line for line in st.log)
    assert any("mark-price-candles" in line for line in st.log)  # OKX's records have none
    import datetime as dt
    # the bundled file for the same period: its rows before 2024-07-01 (csv module alone)
    same = tmp_path / "bundled.csv"
    with open(DATA / "funding_desk_2024h1.csv", newline="") as f:
        keep = [r for r in csv.reader(f)]
    with open(same, "w", newline="") as f:
        csv.writer(f).writerows([keep[0]] + [r for r in keep[1:] if r[0] < "2024-07-01"])
    totals = []
    for f, p in ((same, DATA / "prices_2024.csv"), (funding, prices)):
        opts = ReportOptions(funding=str(f), prices=[str(p)],
                             positions=str(DATA / "desk_positions.csv"), force=True,
                             valuation_date=dt.date(2024, 6, 30), band=0.02)
        r = report_file(DATA / "desk_holdings.csv", tmp_path / f"{len(totals)}.xlsx", opts)
        assert r.ok, r.error
        totals.append(r.totals)
    bundled, fetched = totals
    for k in ("funding_accrued_usd", "carry_year_usd", "net_pnl", "funding",
              "nearest_liquidation", "trades", "value", "notional"):
        assert fetched[k] == pytest.approx(bundled[k], rel=1e-12), k
    assert bundled["funding_accrued_usd"] != 0


def test_okx_pages_newest_first_without_gaps(venue, tmp_path):
    st, base = venue
    out = tmp_path / "okx.csv"
    assert fetch(base, "funding", "OKX:BTC-USD-SWAP", "--since", "2024-02-01", "--until",
                 "2024-05-31", "-o", str(out)) == 0
    want = bundled_funding("OKX:BTC-USD-SWAP")
    lo, hi = t_ms("2024-02-01"), t_ms("2024-06-01")
    keep = [i for i, t in enumerate(want.times) if lo <= t < hi]
    got = rows_of(out)
    assert [t_ms(r["time_utc"]) for r in got] == [want.times[i] for i in keep]
    assert [float(r["funding_rate"]) for r in got] == pytest.approx(
        [want.rates[i] for i in keep], rel=1e-9)
    assert [float(r["mark_price"]) for r in got] == [want.marks[i] for i in keep]
    # OKX answers at most 100: the 360 fundings took several pages, none repeated
    pages = [line for line in st.log if "funding-rate-history" in line]
    assert len(pages) >= 4


def test_bybit_funding_interval_comes_from_the_venue(venue, tmp_path):
    st, base = venue
    st.funding_minutes["BYBIT:BTCUSDT"] = 240  # Bybit moved the swap to 4-hourly funding
    out = tmp_path / "contracts.csv"
    assert fetch(base, "contracts", "BYBIT", "-o", str(out)) == 0
    got = {r["key"]: r for r in rows_of(out)}
    assert got["BYBIT:BTCUSDT"]["funding_hours"] == "4"
    assert got["BYBIT:ETHUSDT"]["funding_hours"] == "8"
    assert got["BYBIT:BTCUSD"]["face_usd"] == "1"
    tiers = [r for r in rows_of(tmp_path / "contracts-tiers.csv")
             if r["contract"] == "BYBIT:BTCUSD"]
    # Bybit's risk limits are position values in the settlement coin (BTC for BTCUSD), and
    # its maintenance deduction is the tier's amount
    assert [(r["cap"], r["cap_unit"], r["maint_rate"], r["maint_amount"]) for r in tiers] == [
        ("150", "coin", "0.005", "0"), ("300", "coin", "0.01", "0.75")]


def test_okx_tiers_are_in_contracts_and_load(venue, tmp_path, capsys):
    st, base = venue
    out = tmp_path / "okx.csv"
    assert fetch(base, "contracts", "OKX", "-o", str(out)) == 0
    tiers = [r for r in rows_of(tmp_path / "okx-tiers.csv")
             if r["contract"] == "OKX:BTC-USD-SWAP"]
    assert [(r["cap"], r["cap_unit"], r["maint_rate"]) for r in tiers] == [
        ("5000", "contracts", "0.004"), ("20000", "contracts", "0.005")]
    import hedgexl
    hedgexl.load_tiers(tmp_path / "okx-tiers.csv")
    t = hedgexl.tiers_of("OKX:BTC-USD-SWAP")
    assert t.cap_unit == "contracts" and float(t.maint_rate[t.index(6000)]) == 0.005
    # the stand-in gives ETH the BTC table: a change against the bundled preset, said
    assert "OKX:ETH-USD-SWAP: maint_margin 0.01 -> 0.004" in capsys.readouterr().out


# --- report and batch --refresh -------------------------------------------------------------

def _fill_gaps(closes: dict) -> dict:
    """A venue without the bundled file's missing days: each missing day at the day
    before's close."""
    from venues import DAY
    days = sorted(closes)
    out = dict(closes)
    for a, b in zip(days, days[1:]):
        for t in range(a + DAY, b, DAY):
            out[t] = closes[a]
    return out


def test_report_refresh_fetches_once_and_matches_the_bundled_desk(venue, tmp_path,
                                                                  monkeypatch, capsys):
    st, base = venue
    st.closes["BINANCE.SPOT:BTCUSDT"] = _fill_gaps(st.closes["BINANCE.SPOT:BTCUSDT"])
    monkeypatch.setenv("HEDGEXL_CACHE", str(tmp_path / "cache"))
    args = ["report", str(DATA / "desk_holdings.csv"), "--positions",
            str(DATA / "desk_positions.csv"), "--valuation-date", "2024-06-30", "--band", "2%"]
    assert cli.main(args + ["-o", str(tmp_path / "fresh.xlsx"), "--refresh", "--api-base",
                            base, "--summary", str(tmp_path / "fresh.csv")]) == 0
    err = capsys.readouterr().err
    assert "fetched" in err and "--refresh asked the venues" in err
    n = len(st.log)
    # again within --max-age: from the cache, not one request
    assert cli.main(args + ["-o", str(tmp_path / "again.xlsx"), "--refresh", "--api-base",
                            base]) == 0
    assert len(st.log) == n and "reused" in capsys.readouterr().err
    # the same check fails when the cache is too old to use: --max-age 0 asks again
    assert cli.main(args + ["-o", str(tmp_path / "third.xlsx"), "--refresh", "--api-base",
                            base, "--max-age", "0"]) == 0
    assert len(st.log) > n
    assert cli.main(args + ["-o", str(tmp_path / "bundled.xlsx"), "--funding",
                            str(DATA / "funding_desk_2024h1.csv"), "--prices",
                            str(DATA / "prices_2024.csv"), "--summary",
                            str(tmp_path / "bundled.csv")]) == 0
    fresh, bundled = rows_of(tmp_path / "fresh.csv")[0], rows_of(tmp_path / "bundled.csv")[0]
    for k in ("funding_accrued_usd", "carry_year_usd", "nearest_liquidation", "trades",
              "hedge_notional_usd"):
        assert fresh[k] == bundled[k], k


def test_batch_refresh_asks_each_venue_once(venue, tmp_path, monkeypatch):
    st, base = venue
    st.closes["BINANCE.SPOT:BTCUSDT"] = _fill_gaps(st.closes["BINANCE.SPOT:BTCUSDT"])
    monkeypatch.setenv("HEDGEXL_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "books"
    folder.mkdir()
    text = (DATA / "desk_holdings.csv").read_text()
    for i in range(6):
        (folder / f"p{i}.csv").write_text(text)
    assert cli.main(["batch", str(folder), "-o", str(tmp_path / "out"), "--refresh",
                     "--api-base", base, "--valuation-date", "2024-06-30"]) == 0
    history = [line for line in st.log if "fundingRate?" in line]
    # one history per contract (BTC and ETH COIN-M), whatever the number of portfolios
    assert {line.split("symbol=")[1].split("&")[0] for line in history} == {
        "BTCUSD_PERP", "ETHUSD_PERP"}
    assert len(history) == 2
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 6


def test_deribit_funds_hourly_with_the_index_price_and_says_so(venue, tmp_path, capsys):
    """Deribit's record: interest_1h is the hour's rate (ccxt's own fundingRate is the
    trailing 8 hours' interest_8h, eight times as much); its price is the index."""
    st, base = venue
    assert_june_hourly_btc(base, "DERIBIT:BTC-PERPETUAL", tmp_path)  # 744 a page: paged
    assert "mark_price is its index price" in capsys.readouterr().err


def assert_june_hourly_btc(base, contract, tmp_path):
    """``contract``'s fetched June 2024 equals the stand-in's hourly BTC series row by row
    (time, rate, mark, a 1-hour interval), with no gap."""
    from venues import hourly
    out = tmp_path / "june.csv"
    assert fetch(base, "funding", contract, "--since", "2024-06-01", "--until", "2024-06-30",
                 "-o", str(out)) == 0
    want = hourly(bundled_funding("BINANCE:BTCUSD_PERP"))
    keep = [i for i, t in enumerate(want.times) if t_ms("2024-06-01") <= t < t_ms("2024-07-01")]
    got = rows_of(out)
    assert len(got) == 30 * 24 == len(keep)
    assert [t_ms(r["time_utc"]) for r in got] == [want.times[i] for i in keep]
    assert [float(r["funding_rate"]) for r in got] == pytest.approx(
        [want.rates[i] for i in keep], rel=1e-12)
    assert [float(r["mark_price"]) for r in got] == [want.marks[i] for i in keep]
    assert {r["interval_hours"] for r in got} == {"1"}


# --- Kraken Futures ---------------------------------------------------------------------

def test_kraken_funds_hourly_with_the_mark_of_its_candles(venue, tmp_path):
    """Kraken Futures answers the whole funding history at once (ccxt reads its
    relativeFundingRate, the fraction paid each hour); the mark comes from its 1-hour mark
    candles, asked up to ``to`` (seconds), since ccxt passes ``until`` on unread."""
    st, base = venue
    assert_june_hourly_btc(base, "KRAKEN:PI_XBTUSD", tmp_path)
    candles = [line for line in st.log if "/charts/v1/mark/PI_XBTUSD/1h" in line]
    assert candles and all("to=" in line and "until=" not in line for line in candles)
    last = max(int(line.split("to=")[1].split("&")[0]) for line in candles)
    assert last <= t_ms("2024-07-01") // 1000


def test_kraken_contracts_and_tiers_equal_the_bundled_ones(venue, tmp_path, capsys):
    """The preset from Kraken's instrument list and its marginLevels as tiers: in 1-USD
    contracts, the bundled table's levels (its last, unbounded on the venue, is capped in
    the bundled table at Kraken's maximum position)."""
    import hedgexl as hx
    st, base = venue
    specs, tiers = tmp_path / "c.csv", tmp_path / "t.csv"
    assert fetch(base, "contracts", "KRAKEN", "-o", str(specs), "--tiers", str(tiers)) == 0
    assert "nothing changed" in capsys.readouterr().out
    got = rows_of(tiers)
    want = [r for r in rows_of(DATA / "margin_tiers.csv") if r["contract"] == "KRAKEN:PI_XBTUSD"]
    assert [r["cap_unit"] for r in got] == ["contracts"] * len(want)
    assert [float(r["maint_rate"]) for r in got] == [float(r["maint_rate"]) for r in want]
    assert [r["cap"] for r in got[:-1]] == [r["cap"] for r in want[:-1]]
    assert got[-1]["cap"] == ""
    assert {r["charge"] for r in got} == {"slices"}  # each level's rate on its slice
    hx.load_tiers(tiers)
    # 2,000,000 contracts of 1 USD at 60,000, charged level by level (Kraken's schedule):
    # 500,000 at 1 %, 500,000 at 2 %, 1,000,000 at 3 %, valued at 60,000
    want_btc = (500_000 * 0.01 + 500_000 * 0.02 + 1_000_000 * 0.03) / 60_000
    assert hx.maintenance_margin(-2_000_000, 60_000.0, "KRAKEN:PI_XBTUSD") == pytest.approx(
        want_btc, rel=1e-12)


def test_deribit_contracts_lot_in_contracts_not_usd(venue, tmp_path, capsys):
    """Deribit sizes inverse orders in USD, and ccxt passes that through: BTC-PERPETUAL's
    ``min_trade_amount`` of 10 is 10 USD, one contract of 10 USD, not ten contracts. Deribit
    has no tier endpoint, so the bundled tiers stay, and the note says so."""
    st, base = venue
    out = tmp_path / "deribit.csv"
    assert fetch(base, "contracts", "DERIBIT", "-o", str(out)) == 0
    said = capsys.readouterr()
    assert "nothing changed" in said.out
    rows = {r["key"]: r for r in rows_of(out)}
    assert rows["DERIBIT:BTC-PERPETUAL"]["lot"] == "1"
    assert rows["DERIBIT:BTC-PERPETUAL"]["face_usd"] == "10"
    assert rows["DERIBIT:ETH-PERPETUAL"]["lot"] == "1"
    assert said.err.count("the bundled tiers stay") == 2
