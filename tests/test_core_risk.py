"""core/risk.py: betas (simple, log, rolling, EWMA), minimum-variance weights, basis: against
numpy's lstsq, pandas and identities."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from helpers_core import close
from hypothesis import assume, given
from hypothesis import strategies as st

import hedgexl as hx


def read(path):
    with open(path, newline="") as f:
        return {r["date"]: float(r["value"]) for r in csv.DictReader(f)}


def _real(shared, *coins):
    cols = {}
    for c in coins:
        with open(shared / "prices" / f"{c}-USD.csv", newline="") as f:
            cols[c] = {r["date"]: float(r["value"]) for r in csv.DictReader(f)
                       if "2023-01-01" <= r["date"] <= "2024-06-30"}
    days = sorted(set.intersection(*(set(v) for v in cols.values())))
    return [np.array([cols[c][d] for d in days]) for c in coins]


def test_basis():
    assert close(hx.basis(50_500, 50_000), 0.01)
    assert close(hx.basis(50_500, 50_000, 73), 0.05)


@given(a=st.lists(st.floats(1, 1e5), min_size=4, max_size=40))
def test_beta_of_a_series_on_itself_is_one(a):
    assume(np.ptp(np.diff(a) / np.array(a[:-1])) != 0)
    assert np.isclose(hx.beta(a, a), 1.0)


@pytest.mark.parametrize("asset", ["SOL", "ETH", "LINK"])
@pytest.mark.parametrize("kind", ["simple", "log"])
def test_beta_on_btc_matches_lstsq(shared_data, asset, kind):
    a = read(shared_data / "prices" / f"{asset}-USD.csv")
    b = read(shared_data / "prices" / "BTC-USD.csv")  # skips some days: gaps
    dates = sorted(set(a) | set(b))
    av = np.array([a.get(d, np.nan) for d in dates])
    bv = np.array([b.get(d, np.nan) for d in dates])
    assert np.isnan(bv).any()  # the BTC series really has gaps here
    both = ~np.isnan(av) & ~np.isnan(bv)
    x, y = bv[both], av[both]
    if kind == "simple":
        rx, ry = x[1:] / x[:-1] - 1, y[1:] / y[:-1] - 1
    else:
        rx, ry = np.diff(np.log(x)), np.diff(np.log(y))
    design = np.column_stack([rx, np.ones_like(rx)])
    (slope, _), res, *_ = np.linalg.lstsq(design, ry, rcond=None)
    r2 = 1 - res[0] / np.sum((ry - ry.mean()) ** 2)
    assert hx.beta(av, bv, kind) == pytest.approx(slope, rel=1e-9)
    assert hx.min_variance_hedge_ratio(av, bv, kind) == pytest.approx(slope, rel=1e-9)
    assert hx.hedge_effectiveness(av, bv, kind) == pytest.approx(r2, rel=1e-9)
    assert 0 < r2 < 1


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
