"""``hedgexl backtest --hedge-with dated`` (issue 27): a hedge held in the nearest quarterly,
rolled N days before expiry, paying fees and the roll's spread and earning the basis, with
no funding; and ``hedgexl fetch prices`` of a dated contract, through ccxt and a stand-in
of the venue.

The numbers come from the inverse contract's PnL in DOMAIN.md (``q·F·(1/entry − 1/exit)``
coin), from a loop written here separately, and from the stand-in's own closes.
"""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import openpyxl
import pytest

import hedgexl as hx
from hedgexl import cli
from hedgexl.reports.backtest import BacktestOptions, backtest_file
from helpers_dated import FACE, futures_file


# -- the book: rolls on real prices, against a loop written separately -------------------

def _plain_dated_loop(closes, table, roll_days, fee):
    """1 BTC hedged daily on Binance's BTCUSD quarterlies, the target covering the coin
    gained (as the perpetual's loop in test_backtest does), rolled when the contract held
    is ``roll_days`` days or fewer from its expiry date: floats, dicts and the dates of the
    quarterlies (last Friday of March, June, September, December), nothing of hedgexl's
    backtest."""
    days = sorted(closes)

    def last_friday(y, m):
        d = dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
        while d.weekday() != 4:
            d -= dt.timedelta(days=1)
        return d

    def quarterly_after(day):
        y, m = day.year, day.month
        while not (m % 3 == 0 and last_friday(y, m) > day):
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return last_friday(y, m)

    first = dt.date.fromisoformat(days[0])
    exp = quarterly_after(first + dt.timedelta(days=roll_days))
    name = lambda e: "BINANCE:BTCUSD_" + e.strftime("%y%m%d")  # noqa: E731
    q = coin = prev_g = 0.0
    values, rolls, held = [], [], []
    for i, d in enumerate(days):
        day, s = dt.date.fromisoformat(d), closes[d]
        g_old = table[(name(exp), d)]
        rolling = i > 0 and (exp - day).days <= roll_days
        if i:
            coin += q * FACE * (1 / prev_g - 1 / g_old)
        if rolling:
            exp = quarterly_after(exp)
            rolls.append(d)
        g = table[(name(exp), d)]
        target = round(-(1.0 + coin) * s / FACE)
        cost = (abs(q) / g_old + abs(target) / g) if rolling else abs(target - q) / g
        coin -= cost * FACE * fee
        q, prev_g = target, g
        values.append((1.0 + coin) * s)
        held.append(name(exp))
    return values, rolls, held


@pytest.fixture(scope="module")
def real_btc(tmp_path_factory):
    from conftest import SHARED
    shared_data = SHARED / "data"
    if not shared_data.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    d = tmp_path_factory.mktemp("dated")
    with open(shared_data / "prices" / "BTC-USD.csv", newline="") as f:
        closes = {r["date"]: float(r["value"]) for r in csv.DictReader(f)
                  if "2023-01-01" <= r["date"] <= "2024-06-30"}
    fut = d / "quarterlies.csv"
    table = futures_file(fut, closes)
    hold = d / "btc.csv"
    hold.write_text("asset,quantity,price,hedge_ratio,contract\n"
                    "BTC,1,60000,1,BINANCE:BTCUSD_PERP\n")
    return d, closes, table, fut, hold


@pytest.mark.slow
def test_the_dated_backtest_rolls_and_matches_a_plain_loop(real_btc, shared_data):
    d, closes, table, fut, hold = real_btc
    opts = BacktestOptions(prices=(str(shared_data / "prices" / "BTC-USD.csv"),),
                           rebalance="daily", since="2023-01-01", until="2024-06-30",
                           hedge_with="dated", futures_prices=str(fut), roll_days=7)
    bb, path = backtest_file(hold, d / "dated.xlsx", opts)
    fee = hx.get_contract("BINANCE:BTCUSD_PERP").taker_fee
    values, rolls, held = _plain_dated_loop(closes, table, 7, fee)
    assert bb.history.dates == sorted(closes)
    assert bb.runs[0].hedged[:, 0] == pytest.approx(values, rel=1e-9)
    assert bb.history.held[0] == held
    # seven days or fewer before each quarterly's last Friday: the Friday a week before
    assert rolls == ["2023-03-24", "2023-06-23", "2023-09-22", "2023-12-22", "2024-03-22",
                     "2024-06-21"]
    assert not bb.runs[0].funding.any()
    # the basis earned: about 10 % a year on the hedged value, nothing like the spot's move
    start, end = bb.runs[0].hedged[0, 0], bb.runs[0].hedged[-1, 0]
    assert 0.10 < end / start - 1 < 0.18
    wb = openpyxl.load_workbook(path, read_only=True)
    sheet = wb["Summary"]
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "dated quarterlies, rolled 7 days before expiry" in text
    rows = list(wb[wb.sheetnames[2]].iter_rows(values_only=True))
    head = list(rows[1])
    col, price = head.index("Contract held"), head.index("Its price (USD)")
    on = {r[0].date().isoformat(): (r[col], r[price]) for r in rows[2:]}
    assert on["2023-03-23"] == ("BINANCE:BTCUSD_230331", table[("BINANCE:BTCUSD_230331",
                                                                 "2023-03-23")])
    assert on["2023-03-24"] == ("BINANCE:BTCUSD_230630", table[("BINANCE:BTCUSD_230630",
                                                                 "2023-03-24")])


def test_refusals_name_the_flag_the_contract_and_the_day(real_btc, shared_data, tmp_path,
                                                         capsys):
    d, closes, table, fut, hold = real_btc
    prices = str(shared_data / "prices" / "BTC-USD.csv")
    base = ["backtest", str(hold), "--prices", prices, "--hedge-with", "dated",
            "--since", "2023-01-01", "--until", "2023-06-30"]
    assert cli.main(base + ["-o", str(tmp_path / "a.xlsx")]) == 1
    assert "--hedge-with dated: give the dated futures' daily prices with --futures-prices" \
        in capsys.readouterr().err
    holed = tmp_path / "holed.csv"  # the held contract's price of 2023-02-14 left out
    holed.write_text("".join(line for line in fut.read_text().splitlines(True)
                             if not line.startswith("2023-02-14T23:59:59Z,BINANCE:BTCUSD_230331")))
    assert cli.main(base + ["--futures-prices", str(holed), "-o", str(tmp_path / "b.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "holed.csv: no price of BINANCE:BTCUSD_230331 on 2023-02-14, when the dated hedge " \
           "holds it" in err and "it has settled, so the venues no longer list it" in err
    with pytest.raises(SystemExit):
        cli.main(base + ["--futures-prices", str(fut), "--roll-days", "0", "-o",
                         str(tmp_path / "c.xlsx")])
    assert "--roll-days: must be 1 or more" in capsys.readouterr().err
    bybit = tmp_path / "bybit.csv"
    bybit.write_text("asset,quantity,price,hedge_ratio,contract\nBTC,1,60000,1,BYBIT:BTCUSD\n")
    assert cli.main(["backtest", str(bybit), *base[2:], "--futures-prices", str(fut), "-o",
                     str(tmp_path / "d.xlsx")]) == 1
    assert "BYBIT:BTCUSD: hedgexl knows no dated futures of its venue and coin" in \
        capsys.readouterr().err
    assert not any((tmp_path / n).exists() for n in ("a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"))


def _run(args, capsys):
    rc = cli.main(args)
    return rc, capsys.readouterr().err


def test_what_a_hostile_review_found_is_refused_or_said(real_btc, shared_data, tmp_path,
                                                        capsys):
    """Each of these had given a wrong number, a traceback or a misleading line."""
    d, closes, table, fut, hold = real_btc
    prices = str(shared_data / "prices" / "BTC-USD.csv")
    base = ["backtest", str(hold), "--prices", prices, "--hedge-with", "dated",
            "--futures-prices", str(fut)]
    out = ["-o", str(tmp_path / "x.xlsx")]
    # a price after the contract settled: refused with its row
    after = tmp_path / "after.csv"
    after.write_text("time,contract,price\n2023-06-01T23:59:59Z,BINANCE:BTCUSD_230331,17000\n")
    rc, err = _run(base[:-1] + [str(after)] + out, capsys)
    assert rc == 1 and "after.csv, row 2: BINANCE:BTCUSD_230331 settled at 2023-03-31 " \
                       "08:00 UTC; a price at 2023-06-01 23:59 is after it" in err
    # spot prices with a gap across an expiry: the roll would come after the settlement
    gap = tmp_path / "gap.csv"
    gap.write_text("date,BTC\n" + "".join(f"{x},{p}\n" for x, p in closes.items()
                                          if not "2023-03-20" <= x <= "2023-04-02"))
    rc, err = _run(["backtest", str(hold), "--prices", str(gap), *base[4:], "--since",
                    "2023-01-01", "--until", "2023-06-30"] + out, capsys)
    assert rc == 1 and "the prices skip from 2023-03-19 to 2023-04-03, across " \
                       "BINANCE:BTCUSD_230331's roll and its settlement" in err
    # flags of the other kind of hedge, and a roll longer than a quarter
    for extra, says in ((["--positions", str(hold)], "--positions with --hedge-with dated"),
                        (["--funding", str(fut)], "--funding with --hedge-with dated"),
                        (["--roll-days", "3000000"], "--roll-days must be from 1 to 90")):
        rc, err = _run(base + extra + out, capsys)
        assert rc == 1 and says in err, err
    rc, err = _run(["backtest", str(hold), "--prices", prices, "--futures-prices", str(fut)]
                   + out, capsys)
    assert rc == 1 and "--futures-prices applies to --hedge-with dated" in err
    # a price ten times the index; linear and dated holdings
    ten = tmp_path / "ten.csv"
    ten.write_text(fut.read_text().replace(",BINANCE:BTCUSD_230331,1", ",BINANCE:BTCUSD_230331,9"))
    rc, err = _run(base[:-1] + [str(ten), "--until", "2023-02-28"] + out, capsys)
    assert rc == 1 and "times the BTC index" in err and "a typo or another coin's price?" in err
    for contract, says in (("BINANCE:BTCUSDT", "is a linear (USDT) contract"),
                           ("BINANCE:BTCUSD_230630", "is already a dated future")):
        other = tmp_path / "other.csv"
        other.write_text(f"asset,quantity,price,hedge_ratio,contract\nBTC,1,60000,1,{contract}\n")
        rc, err = _run(["backtest", str(other), *base[2:]] + out, capsys)
        assert rc == 1 and says in err, err
    assert not (tmp_path / "x.xlsx").exists()


def test_rolls_count_as_trades_and_show_their_closing_price(real_btc, shared_data, tmp_path):
    """Without --since the dated hedge starts where the futures file does; a roll that keeps
    the size is still two trades, and its closing price is on the holding's sheet."""
    d, closes, table, fut, hold = real_btc
    opts = BacktestOptions(prices=(str(shared_data / "prices" / "BTC-USD.csv"),),
                           rebalance="monthly", until="2023-12-31", hedge_with="dated",
                           futures_prices=str(fut))
    bb, path = backtest_file(hold, tmp_path / "m.xlsx", opts)
    first = min(x for (k, x) in table)
    assert bb.history.dates[0] == first
    bt = bb.runs[0]
    rolls = np.flatnonzero(bt.rolled[:, 0])
    assert [bb.history.dates[i] for i in rolls] == ["2023-03-24", "2023-06-23",
                                                     "2023-09-22", "2023-12-22"]
    traded = set(np.flatnonzero(bt.traded[:, 0] != 0)) | set(rolls)
    assert bb.stats()["trades"][0] == len(traded)
    rows = list(openpyxl.load_workbook(path, read_only=True)["H1 BTC"].iter_rows(values_only=True))
    col = list(rows[1]).index("Roll: the old one closed at (USD)")
    closed = {r[0].date().isoformat(): r[col] for r in rows[2:] if r[col] is not None}
    assert closed == {bb.history.dates[i]: table[(k, bb.history.dates[i])] for i, k in
                      zip(rolls, ["BINANCE:BTCUSD_230331", "BINANCE:BTCUSD_230630",
                                  "BINANCE:BTCUSD_230929", "BINANCE:BTCUSD_231229"])}
    assert any("pays no funding: its carry is the basis" in n for n in bb.history.notes)


# -- fetching a dated contract's prices through ccxt ------------------------------------

ccxt = pytest.importorskip("ccxt")
from venues import VenueServer, desk_state, t_ms  # noqa: E402
from venues.server import Spec  # noqa: E402

DAY = 86_400_000


def _stand_in(closes: dict[str, float]):
    """The desk's venues, also listing Binance's March and June 2024 quarterlies, whose
    daily closes are the index's plus a premium (made up; the fetch must copy them)."""
    state = desk_state()
    first, last = dt.date.fromisoformat(min(closes)), dt.date.fromisoformat(max(closes))
    full, prev = {}, None  # every day: the source misses 2024-02-17, a venue would not
    while first <= last:
        prev = full[first.isoformat()] = closes.get(first.isoformat(), prev)
        first += dt.timedelta(days=1)
    closes = full
    for key, expiry in (("BTCUSD_240329", "2024-03-29"), ("BTCUSD_240628", "2024-06-28")):
        state.specs[f"BINANCE:{key}"] = Spec(key, "BTC", "USD", "BTC", 100.0, 0.1, 1.0, True,
                                             delivery=t_ms(expiry) + 8 * 3_600_000)
        state.closes[f"BINANCE:{key}"] = {
            t_ms(d): round(p * (1.02 if key.endswith("0329") else 1.04), 1)
            for d, p in closes.items() if d < expiry}
    return state


def test_fetched_quarterlies_feed_the_dated_backtest(real_btc, shared_data, tmp_path, capsys):
    d, closes, table, fut, hold = real_btc
    days = {x: p for x, p in closes.items() if "2024-01-01" <= x <= "2024-06-30"}
    state = _stand_in(days)
    out = tmp_path / "quarterlies.csv"
    with VenueServer(state) as base:
        assert cli.main(["fetch", "prices", "BINANCE:BTCUSD_240329", "BINANCE:BTCUSD_240628",
                         "--since", "2024-01-01", "--until", "2024-06-30", "-o", str(out),
                         "--api-base", base, "--backoff", "0.01"]) == 0
        # a perpetual, a settled contract and a mix with coins are refused in one line
        for args, says in ((["BINANCE:BTCUSD_PERP"], "is a perpetual: fetch its funding"),
                           (["BINANCE:BTCUSD_231229", "--since", "2023-12-01"],
                            "one that has settled cannot be fetched"),
                           (["BINANCE:BTCUSD_231229"], "expired on 2023-12-29 08:00 UTC, "
                                                        "before --since 2024-01-01"),
                           (["BTC", "BINANCE:BTCUSD_240628"], "not both in one file")):
            assert cli.main(["fetch", "prices", "--since", "2024-01-01", *args, "-o",
                             str(tmp_path / "x.csv"), "--api-base", base]) == 1
            assert says in capsys.readouterr().err
    rows = list(csv.DictReader(open(out, newline="")))
    want = [(f"{dt.datetime.fromtimestamp(t / 1000, dt.timezone.utc):%Y-%m-%d}T23:59:59Z",
             f"BINANCE:{k}", p)
            for k in ("BTCUSD_240329", "BTCUSD_240628")
            for t, p in sorted(state.closes[f"BINANCE:{k}"].items())]
    assert want[-1][0] == "2024-06-27T23:59:59Z"  # the day before it settles
    assert [(r["time_utc"], r["contract"], float(r["price"])) for r in rows] == want
    # the fetched file drives the backtest: March's contract until the roll, then June's
    opts = BacktestOptions(prices=(str(shared_data / "prices" / "BTC-USD.csv"),),
                           rebalance="weekly", since="2024-01-01", until="2024-06-20",
                           hedge_with="dated", futures_prices=str(out), roll_days=7)
    bb, _ = backtest_file(hold, tmp_path / "fetched.xlsx", opts)
    held = dict(zip(bb.history.dates, bb.history.held[0]))
    assert held["2024-03-21"] == "BINANCE:BTCUSD_240329"
    assert held["2024-03-22"] == "BINANCE:BTCUSD_240628"
    i = bb.history.dates.index("2024-03-22")
    assert bb.history.rolls[0][i] == state.closes["BINANCE:BTCUSD_240329"][t_ms("2024-03-22")]
    assert bb.runs[0].traded[i, 0] != 0 or bb.runs[0].fees[i, 0] > 0  # traded off-schedule
