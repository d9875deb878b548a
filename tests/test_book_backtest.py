"""book/backtest.py: a book's backtest over real prices and funding, against a plain loop
written separately."""

from __future__ import annotations

import csv
import datetime as dt
import pytest
import hedgexl as hx
from hedgexl.book.backtest import Policy, line_up, run_policies
from hedgexl.inputs import read_funding_all, read_holdings
from hedgexl.reports.report import join_prices


def _plain_loop(shared, since, until):
    """BTC fully hedged with BINANCE:BTCUSD_PERP (100 USD, taker fee from the bundled
    preset), rebalanced each day, margin from the holding: written from DOMAIN.md with
    floats and dicts, sharing nothing with hedgexl but the preset's numbers."""
    with open(shared / "prices" / "BTC-USD.csv", newline="") as f:
        px = {r["date"]: float(r["value"]) for r in csv.DictReader(f)
              if since <= r["date"] <= until}
    days = sorted(px)
    fund = {}
    with open(shared / "funding" / "perpetuals_8h_2023-2024.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["contract"] != "BINANCE:BTCUSD_PERP":
                continue
            t = dt.datetime.strptime(r["time_utc"], "%Y-%m-%dT%H:%M:%SZ")
            day = (t - dt.timedelta(seconds=1)).strftime("%Y-%m-%d")
            # the day's position pays at the next price date on or after the fixing's day
            later = [d for d in days if d >= day]
            if not later or day <= days[0]:
                continue
            fund.setdefault(later[0], []).append((float(r["close"]), float(r["funding_rate"])))
    face, fee = 100.0, hx.get_contract("BINANCE:BTCUSD_PERP").taker_fee
    qty = 1.0
    coin = 0.0  # BTC the futures leg has gained
    q = 0.0
    values, funding_total = [], 0.0
    for i, d in enumerate(days):
        p = px[d]
        if i:
            prev = px[days[i - 1]]
            pnl = q * face * (1 / prev - 1 / p)
            paid = sum(-q * face / mark * rate for mark, rate in fund.get(d, []))
            coin += pnl + paid
            funding_total += paid
        target = round(-(qty + coin) * p / face)
        coin -= abs(target - q) * face / p * fee
        q = target
        values.append((qty + coin) * p)
    spot = [qty * px[d] for d in days]
    r_h = [values[i] / values[i - 1] - 1 for i in range(1, len(values))]
    r_u = [spot[i] / spot[i - 1] - 1 for i in range(1, len(spot))]

    def var(x):
        m = sum(x) / len(x)
        return sum((v - m) ** 2 for v in x) / (len(x) - 1)
    return days, 1 - var(r_h) / var(r_u), funding_total, values


@pytest.mark.slow
def test_daily_full_hedge_of_btc_matches_a_plain_loop(shared_data, tmp_path):
    hold = tmp_path / "btc.csv"
    hold.write_text("asset,quantity,price,hedge_ratio,contract\n"
                    "BTC,1,60000,1,BINANCE:BTCUSD_PERP\n")
    funding = tmp_path / "funding.csv"  # the shared file's perp rows, close as the mark
    with open(shared_data / "funding" / "perpetuals_8h_2023-2024.csv", newline="") as f, \
            open(funding, "w", newline="") as o:
        w = csv.writer(o)
        w.writerow(["time_utc", "contract", "mark_price", "funding_rate"])
        for r in csv.DictReader(f):
            if r["funding_rate"]:
                w.writerow([r["time_utc"], r["contract"], r["close"], r["funding_rate"]])
    hist = line_up(read_holdings(hold), join_prices([shared_data / "prices" / "BTC-USD.csv"]),
                   read_funding_all(funding), since="2023-01-01", until="2024-06-30")
    bb = run_policies(hist, [Policy("daily")])
    # to 2024-07-01 00:00 UTC: the close of 2024-06-30, paid by the fixing at that time
    days, reduction, funding_total, values = _plain_loop(shared_data, "2023-01-01",
                                                         "2024-06-30")
    assert hist.dates == days
    s = bb.stats()
    assert s["variance_reduction"][0] == pytest.approx(reduction, rel=1e-9)
    assert bb.runs[0].funding[:, 0].sum() == pytest.approx(funding_total, rel=1e-9)
    assert bb.runs[0].hedged[:, 0] == pytest.approx(values, rel=1e-9)
    assert 0.99 < reduction < 1 and funding_total > 0  # 2023-24: shorts were paid


def test_backtest_funding_received_and_paid_are_the_gross_of_the_fixings():
    """Issue 24: each day's fixings were netted before the split, so both gross figures came
    out small. Here a plain loop over every fixing of the bundled 2024 H1 funding, at the
    position the run held over that fixing's day, adds the received and the paid apart."""
    import datetime as dt

    from hedgexl.book.backtest import Policy, line_up, run_policies
    from hedgexl.inputs import example_path, read_funding_all, read_holdings
    from hedgexl.reports.report import join_prices
    h = read_holdings(example_path("desk_holdings.csv"))
    prices = join_prices([example_path("prices_2024.csv")])
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
