"""The backtest: identities under hypothesis, a separately written loop on the real data in
../shared/data, and the multi-contract and moving betas against numpy and pandas."""

import csv
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import hedgexl as hx
from hedgexl.book.backtest import Policy, line_up, run_policies
from hedgexl.inputs import read_funding_all, read_holdings
from hedgexl.reports.report import _join_prices

# -- identities ----------------------------------------------------------------------------

returns = st.lists(st.floats(-0.3, 0.3), min_size=2, max_size=40)
CONTRACTS = ["BINANCE:BTCUSD_PERP", "BYBIT:BTCUSD", "OKX:ETH-USD-SWAP", "BINANCE:ETHUSDT", 10.0]


def path(rets, start=100.0):
    return start * np.cumprod(np.r_[1.0, 1.0 + np.asarray(rets)])


@given(returns, st.sampled_from(CONTRACTS), st.floats(0.1, 500), st.floats(0.5, 20),
       st.sampled_from(["every", "weekly", "monthly"]), st.floats(0, 0.5),
       st.floats(-0.01, 0.01))
def test_hedge_ratio_zero_gives_the_unhedged_path_exactly(rets, contract, qty, lev, rule,
                                                          band, rate):
    p = path(rets, 3_000.0)
    times = np.datetime64("2024-01-01") + np.arange(p.size) * np.timedelta64(1, "D")
    bt = hx.hedge_backtest(qty, p, contract, hedge_ratio=0.0, hedge_prices=p * 20,
                           funding_rates=np.full(p.size, rate), leverage=lev, band=band,
                           rebalance=hx.rebalance_schedule(times, rule))
    assert np.array_equal(bt.hedged, bt.unhedged)
    assert np.array_equal(bt.unhedged, qty * p)
    assert not bt.traded.any() and not bt.fees.any() and not bt.liquidated.any()


@given(st.integers(3, 60), st.sampled_from(CONTRACTS), st.floats(1, 100), st.floats(0, 1),
       st.lists(st.floats(-0.003, 0.003), min_size=60, max_size=60), st.floats(0, 0.001))
def test_constant_prices_give_funding_minus_fees(n, contract, qty, h, rates, fee):
    spec = hx.get_contract(contract)
    price = 2_500.0
    r = np.array(rates[:n])
    bt = hx.hedge_backtest(qty, np.full(n, price), contract, hedge_ratio=h,
                           funding_rates=r, fee_rate=fee)
    assert not bt.pnl.any()
    q = bt.contracts
    k = spec.multiplier
    # DOMAIN.md: funding −q·F/M·r coin (inverse), −q·c·M·r USD (linear); fee |Δq|·F/P·φ
    held = np.r_[0.0, q[:-1]]
    want_funding = -held * k * (r * price if spec.linear else r / price)
    want_funding[0] = 0.0
    want_fees = np.abs(np.diff(np.r_[0.0, q])) * k * (price if spec.linear else 1 / price) * fee
    assert bt.funding == pytest.approx(want_funding, rel=1e-12, abs=1e-15)
    assert bt.fees == pytest.approx(want_fees, rel=1e-12, abs=1e-15)
    usd = 1.0 if spec.linear else price
    assert bt.hedged - bt.unhedged == pytest.approx(
        np.cumsum(want_funding - want_fees) * usd, rel=1e-9, abs=1e-9)


@given(returns, st.integers(1, 10_000), st.sampled_from([1.0, 10.0, 100.0]))
def test_a_1x_inverse_short_with_its_margin_keeps_its_usd_value(rets, n, face):
    p = path(rets, 30_000.0)
    bt = hx.hedge_backtest(0.0, p, face, hedge_prices=p, start_contracts=-float(n),
                           rebalance=np.zeros(p.size, bool), leverage=1.0, cross=True,
                           fee_rate=0.0)
    assert (bt.contracts == -n).all()
    assert bt.margin * p == pytest.approx(np.full(p.size, n * face), rel=1e-9)
    assert bt.hedged == pytest.approx(np.zeros(p.size), abs=1e-9 * n * face)
    assert not bt.liquidated.any()


@given(returns, st.sampled_from(CONTRACTS), st.floats(0.01, 1_000), st.floats(0, 1.5),
       st.floats(0.3, 3))
def test_rounding_residual_is_within_half_a_lot(rets, contract, qty, h, beta):
    spec = hx.get_contract(contract)
    p = path(rets, 150.0)
    hp = path(rets[::-1], 60_000.0)[: p.size]
    bt = hx.hedge_backtest(qty, p, contract, hedge_ratio=h, beta=beta, hedge_prices=hp,
                           cross=True)
    unit = spec.multiplier * (hp if spec.linear else 1.0)
    raw = -h * beta * qty * p / unit
    traded = bt.traded != 0
    assert np.all(np.abs(bt.contracts - raw)[traded] <= spec.lot / 2 * (1 + 1e-9))
    lots = bt.contracts / spec.lot
    assert np.allclose(lots, np.round(lots), atol=1e-6)


def test_own_coin_full_hedge_holds_its_value_and_a_tamper_would_show():
    # Without rounding, fees or funding, a daily full hedge in the holding's own coin keeps
    # the USD value on any path: the coin the short gains is hedged too.
    p = path([0.2, -0.3, 0.25, 0.5, -0.4])
    bt = hx.hedge_backtest(3.0, p, 1e-6, fee_rate=0.0)
    assert bt.hedged == pytest.approx(np.full(p.size, 300.0), rel=1e-6)
    # the same short sized on the holding alone (what a tamper dropping E does) drifts
    held = np.r_[-300e6, -3.0 * p[1:-1] / 1e-6]
    coin = np.cumsum(np.r_[0, held * 1e-6 * (1 / p[:-1] - 1 / p[1:])])
    assert abs((3.0 * p + coin * p)[-1] - 300.0) > 10


def test_liquidation_is_flagged_when_the_account_is_below_maintenance():
    # a 2x short: margin |q|·F/(2·P0); DOMAIN.md's liquidation price at m = 0.5 % is 199
    p = np.array([100.0, 150.0, 198.0, 200.0, 150.0])
    bt = hx.hedge_backtest(1.0, p, 1.0, leverage=2.0, maint_rate=0.005, fee_rate=0.0,
                           rebalance=[True, False, False, False, False], cross=True,
                           hedge_prices=p)
    liq = hx.liquidation_price(-100, 100.0, 100 / (2 * 100.0), 1.0, maint_rate=0.005)
    assert 198 < liq < 200
    assert bt.liquidated.tolist() == [False, False, False, True, False]


def test_rebalance_schedule_and_band():
    t = np.array(["2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05", "2024-03-01"],
                 dtype="datetime64[D]")
    assert hx.rebalance_schedule(t, "monthly").tolist() == [True, True, False, False, True]
    assert hx.rebalance_schedule(t, "weekly").tolist() == [True, False, False, True, True]
    p = np.array([100.0, 104.0, 112.0, 111.0, 125.0])
    bt = hx.hedge_backtest(10.0, p, 1.0, band=0.1, fee_rate=0, hedge_prices=p, cross=True)
    # the target follows the price: 1,000, 1,040 (4 % off), 1,120 (12 %: trade), ...
    assert (bt.traded != 0).tolist() == [True, False, True, False, True]
    with pytest.raises(ValueError, match="rebalance must be"):
        hx.rebalance_schedule(t, "hourly")


# -- the real data: a separately written loop ----------------------------------------------

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
    hist = line_up(read_holdings(hold), _join_prices([shared_data / "prices" / "BTC-USD.csv"]),
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


# -- minimum variance, rolling and EWMA betas on the real prices --------------------------

def _real(shared, *coins):
    cols = {}
    for c in coins:
        with open(shared / "prices" / f"{c}-USD.csv", newline="") as f:
            cols[c] = {r["date"]: float(r["value"]) for r in csv.DictReader(f)
                       if "2023-01-01" <= r["date"] <= "2024-06-30"}
    days = sorted(set.intersection(*(set(v) for v in cols.values())))
    return [np.array([cols[c][d] for d in days]) for c in coins]


def test_mv_weights_agree_with_lstsq(shared_data):
    sol, btc, eth = _real(shared_data, "SOL", "BTC", "ETH")
    w, r2, alone = hx.mv_weights(sol, btc, eth)
    y = sol[1:] / sol[:-1] - 1
    X = np.column_stack([btc[1:] / btc[:-1] - 1, eth[1:] / eth[:-1] - 1, np.ones(y.size)])
    coef, res, *_ = np.linalg.lstsq(X, y, rcond=None)
    assert w == pytest.approx(coef[:2], rel=1e-9)
    assert r2 == pytest.approx(1 - res[0] / ((y - y.mean()) ** 2).sum(), rel=1e-9)
    assert alone[0, 0] == pytest.approx(hx.beta(sol, btc), rel=1e-12)
    assert alone[1, 1] == pytest.approx(hx.hedge_effectiveness(sol, eth), rel=1e-12)
    assert r2 >= alone[:, 1].max()  # two contracts never explain less than one


def test_rolling_beta_is_beta_over_each_window(shared_data):
    sol, btc = _real(shared_data, "SOL", "BTC")
    rb = hx.rolling_beta(sol, btc, 30)
    assert np.isnan(rb[:30]).all()
    for end in (30, 200, sol.size - 1):
        assert rb[end] == pytest.approx(hx.beta(sol[end - 30:end + 1], btc[end - 30:end + 1]),
                                        rel=1e-9)


def test_ewma_beta_agrees_with_pandas(shared_data):
    pd = pytest.importorskip("pandas")
    eth, btc = _real(shared_data, "ETH", "BTC")
    got = hx.ewma_beta(eth, btc, 20)
    r = pd.DataFrame({"a": eth, "b": btc}).pct_change().iloc[1:]
    ew = r.ewm(halflife=20)
    want = (ew.cov().xs("a", level=1)["b"] / ew.var()["b"]).to_numpy()
    ok = np.isfinite(want)
    assert ok.sum() > 500
    assert got[1:][ok] == pytest.approx(want[ok], rel=1e-9)
    assert math.isnan(got[0])


# -- the Excel functions, called as xlwings calls them --------------------------------------

def _bundled_history():
    from hedgexl.inputs import example_path
    h = read_holdings(example_path("desk_holdings.csv"))
    return line_up(h, _join_prices([example_path("prices_2024.csv")]),
                   read_funding_all(example_path("funding_desk_2024h1.csv")))


@pytest.mark.parametrize("runtime", ["com", "lite"], indirect=True)
def test_hedge_backtest_in_excel_is_the_commands_computation(runtime):
    from xlcall import as_grid, column
    hist = _bundled_history()
    bb = run_policies(hist, [Policy("weekly")], leverage=3.0)
    i = 0  # BTC on BINANCE:BTCUSD_PERP
    serial = [(dt.date.fromisoformat(d) - dt.date(1899, 12, 30)).days for d in hist.dates]
    got = as_grid(runtime.call(
        "HEDGE_BACKTEST", hist.holdings.quantity[i], column(list(hist.spot[i])),
        hist.holdings.contract[i], hist.holdings.hedge_ratio[i],
        column(list(hist.rates[i])), None, column([float(s) for s in serial]), "weekly",
        0.0, 3.0, 1.0))
    lane = bb.lane(i, 0)
    want = np.column_stack([lane["contracts"], lane["traded"], lane["pnl"], lane["funding"],
                            lane["fees"], bb.runs[i].margin[:, 0],
                            lane["liquidated"].astype(float), lane["unhedged"],
                            lane["hedged"]])
    assert np.array(got, dtype=float) == pytest.approx(want, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("runtime", ["com", "lite"], indirect=True)
def test_mv_weights_in_excel_agree_with_lstsq(runtime, shared_data):
    from xlcall import as_grid, column
    sol, btc, eth = _real(shared_data, "SOL", "BTC", "ETH")
    got = as_grid(runtime.call("HEDGE_MV_WEIGHTS", column(list(sol)), column(list(btc)),
                               column(list(eth))))
    y = sol[1:] / sol[:-1] - 1
    X = np.column_stack([btc[1:] / btc[:-1] - 1, eth[1:] / eth[:-1] - 1, np.ones(y.size)])
    coef, res, *_ = np.linalg.lstsq(X, y, rcond=None)
    assert [r[0] for r in got] == pytest.approx(coef[:2], rel=1e-9)
    r2 = 1 - res[0] / ((y - y.mean()) ** 2).sum()
    assert [r[1] for r in got] == pytest.approx([r2, r2], rel=1e-9)


@pytest.mark.parametrize("runtime", ["com", "lite"], indirect=True)
def test_rolling_beta_in_excel_spills_a_column(runtime, shared_data):
    from xlcall import as_grid, column
    sol, btc = _real(shared_data, "SOL", "BTC")
    got = as_grid(runtime.call("HEDGE_BETA", column(list(sol)), column(list(btc)), "simple",
                               30.0, None))
    assert len(got) == sol.size and all(r == [None] for r in got[:30])
    assert got[100][0] == pytest.approx(hx.beta(sol[70:101], btc[70:101]), rel=1e-9)
