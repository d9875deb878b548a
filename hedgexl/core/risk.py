"""Market structure: basis, beta, hedge effectiveness and the minimum-variance hedge ratio.

Margin and liquidation are in :mod:`.margin`.
"""

from __future__ import annotations

import numpy as np

from .validate import broadcast, num, out

__all__ = ["basis", "beta", "hedge_effectiveness", "min_variance_hedge_ratio",
           "price_returns"]


def basis(futures_price, spot_price, days_to_expiry=None):
    """Basis as a fraction, F/S − 1; annualised ×365/days when days are given.

    Parameters
    ----------
    futures_price, spot_price : array_like
        USD per coin, > 0.
    days_to_expiry : array_like, optional
        Days to the future's expiry, > 0.

    Returns
    -------
    float or ndarray
        A fraction (0.01 is 1 %), per year when annualised.

    Examples
    --------
    >>> round(basis(50_500, 50_000), 12)
    0.01
    >>> round(basis(50_500, 50_000, 91.25), 12)
    0.04
    """
    f = num(futures_price, "futures_price", positive=True)
    s = num(spot_price, "spot_price", positive=True)
    broadcast(futures_price=f, spot_price=s)
    res = f / s - 1.0
    if days_to_expiry is not None:
        d = num(days_to_expiry, "days_to_expiry", positive=True)
        broadcast(futures_price=f, spot_price=s, days_to_expiry=d)
        res = res * 365.0 / d
    return out(res)


def price_returns(prices, kind="simple"):
    """Returns between consecutive prices: P[t]/P[t−1] − 1, or log(P[t]/P[t−1]).

    Examples
    --------
    >>> price_returns([100, 110, 99])
    array([ 0.1, -0.1])
    """
    p = num(prices, "prices", positive=True)
    k = str(kind).strip().lower()
    if k == "simple":
        return p[1:] / p[:-1] - 1.0
    if k == "log":
        return np.diff(np.log(p))
    raise ValueError(f"returns must be 'simple' or 'log', got {kind!r}")


def _paired_returns(asset_prices, benchmark_prices, kind, names):
    a = np.ravel(num(asset_prices, names[0], allow_nan=True))
    b = np.ravel(num(benchmark_prices, names[1], allow_nan=True))
    if a.shape != b.shape:
        raise ValueError(f"arrays of mismatched length: {names[0]} has {a.size} rows, "
                         f"{names[1]} has {b.size} rows")
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    for name, x in zip(names, (a, b)):
        num(x, name, positive=True)
    if a.size < 3:
        raise ValueError(f"{names[0]} and {names[1]} need at least 3 dates with both "
                         f"prices, got {a.size}")
    return price_returns(a, kind), price_returns(b, kind)


def _fit(y, x, names):
    xm = x - x.mean()
    var = xm @ xm
    if var == 0:
        raise ValueError(f"{names[1]} returns do not vary: the slope is undefined")
    ym = y - y.mean()
    slope = (xm @ ym) / var
    ss = ym @ ym
    r2 = (xm @ ym) ** 2 / (var * ss) if ss > 0 else np.nan
    return float(slope), float(r2)


def beta(asset_prices, benchmark_prices, returns="simple"):
    """Beta of an asset to a benchmark: least-squares slope of returns on returns.

    Parameters
    ----------
    asset_prices, benchmark_prices : array_like
        Prices on the same dates, USD per coin. NaN marks a gap; a date is used only
        where both prices are present, and returns are taken between such dates.
    returns : {"simple", "log"}
        Simple returns P[t]/P[t−1] − 1 or log returns.

    Returns
    -------
    float
        β = cov(r_asset, r_bench) / var(r_bench), dimensionless.

    Examples
    --------
    An asset that moves twice as far as its benchmark:

    >>> round(beta([10, 12, 9.6], [100, 110, 99]), 12)
    2.0
    """
    ra, rb = _paired_returns(asset_prices, benchmark_prices, returns,
                             ("asset_prices", "benchmark_prices"))
    return _fit(ra, rb, ("asset_prices", "benchmark_prices"))[0]


def min_variance_hedge_ratio(spot_prices, futures_prices, returns="simple"):
    """Minimum-variance hedge ratio: slope of spot returns on futures returns.

    Same computation as :func:`beta`, with the futures as the benchmark.

    Examples
    --------
    >>> min_variance_hedge_ratio([100, 102, 101, 105], [100, 102, 101, 105])
    1.0
    """
    ra, rb = _paired_returns(spot_prices, futures_prices, returns,
                             ("spot_prices", "futures_prices"))
    return _fit(ra, rb, ("spot_prices", "futures_prices"))[0]


def hedge_effectiveness(spot_prices, futures_prices, returns="simple"):
    """Hedge effectiveness: R² of the regression of spot returns on futures returns.

    Parameters
    ----------
    spot_prices, futures_prices : array_like
        Prices on the same dates; NaN marks a gap (see :func:`beta`).
    returns : {"simple", "log"}

    Returns
    -------
    float
        R² between 0 and 1: the share of spot return variance the hedge removes.

    Examples
    --------
    >>> round(hedge_effectiveness([100, 102, 101, 105], [50, 51, 50.5, 52.5]), 12)
    1.0
    """
    ra, rb = _paired_returns(spot_prices, futures_prices, returns,
                             ("spot_prices", "futures_prices"))
    return _fit(ra, rb, ("spot_prices", "futures_prices"))[1]
