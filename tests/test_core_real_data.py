"""Beta on the real prices in ../shared/data agrees with numpy's least-squares fit."""

import csv

import numpy as np
import pytest

import hedgexl as hx


def read(path):
    with open(path, newline="") as f:
        return {r["date"]: float(r["value"]) for r in csv.DictReader(f)}


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


def test_bundled_funding_slice_matches_shared(shared_data):
    from importlib import resources
    text = resources.files("hedgexl").joinpath("data/funding_binance_btcusd_perp.csv")
    rows = list(csv.DictReader(text.open()))
    with open(shared_data / "funding" / "perpetuals_8h_2023-2024.csv", newline="") as f:
        src = [r for r in csv.DictReader(f) if r["contract"] == "BINANCE:BTCUSD_PERP"]
    assert len(rows) == len(src) == 1642
    assert [float(r["funding_rate"]) for r in rows] == [float(r["funding_rate"]) for r in src]
