"""Market structure: basis, beta, hedge effectiveness and the minimum-variance hedge ratio.

Margin and liquidation are in :mod:`.margin`.
"""

from __future__ import annotations

import numpy as np

from .validate import broadcast, num, out

__all__ = ["basis", "beta", "hedge_effectiveness", "min_variance_hedge_ratio", "mv_weights",
           "rolling_beta", "ewma_beta",
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


def mv_weights(asset_prices, *hedge_prices, returns="simple"):
    """Minimum-variance weights of an asset on several hedge coins: least squares of the
    asset's returns on the hedges' returns, with an intercept.

    Parameters
    ----------
    asset_prices : array_like
        Prices of the asset, USD per coin.
    *hedge_prices : array_like
        One price column per hedge contract's coin, on the same dates. A date is used only
        where every price is present.
    returns : {"simple", "log"}

    Returns
    -------
    weights : ndarray
        USD of each hedge coin per USD of the asset (short that much to hedge): the
        coefficients of r_asset = a + Σ wᵢ·rᵢ.
    r2 : float
        R² of the joint fit: the share of the asset's return variance the mix removes.
    alone : ndarray, shape (n, 2)
        Each hedge used alone: its beta and its R².

    Examples
    --------
    An asset whose returns are half one coin's and a quarter of another's:

    >>> r1 = np.array([0.04, -0.02, 0.03, -0.01, 0.02])
    >>> r2 = np.array([0.01, 0.03, -0.02, 0.02, -0.03])
    >>> grow = lambda r: 100 * np.cumprod(np.r_[1, 1 + r])
    >>> w, r2, alone = mv_weights(grow(0.5 * r1 + 0.25 * r2), grow(r1), grow(r2))
    >>> np.round(w, 10).tolist(), round(r2, 10)
    ([0.5, 0.25], 1.0)
    """
    if not hedge_prices:
        raise ValueError("give at least one hedge price column")
    names = ["asset_prices"] + [f"hedge_prices_{i + 1}" for i in range(len(hedge_prices))]
    cols = [np.ravel(num(x, n, allow_nan=True)) for x, n in zip((asset_prices,) +
                                                                 hedge_prices, names)]
    for c, n in zip(cols[1:], names[1:]):
        if c.shape != cols[0].shape:
            raise ValueError(f"arrays of mismatched length: asset_prices has "
                             f"{cols[0].size} rows, {n} has {c.size} rows")
    both = np.logical_and.reduce([~np.isnan(c) for c in cols])
    cols = [num(c[both], n, positive=True) for c, n in zip(cols, names)]
    if cols[0].size < len(cols) + 2:
        raise ValueError(f"{len(cols) - 1} hedges need at least {len(cols) + 2} dates with "
                         f"every price, got {cols[0].size}")
    rets = [price_returns(c, returns) for c in cols]
    y = rets[0] - rets[0].mean()
    X = np.column_stack([r - r.mean() for r in rets[1:]])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("the hedges' returns are collinear (one is a mix of the others): "
                         "drop one")
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    ss = y @ y
    resid = y - X @ w
    r2 = float(1.0 - (resid @ resid) / ss) if ss > 0 else np.nan
    alone = np.array([_fit(rets[0], r, (names[0], n)) for r, n in
                      zip(rets[1:], names[1:])])
    return w, r2, alone


def rolling_beta(asset_prices, benchmark_prices, window, returns="simple"):
    """Beta over a rolling window of returns, one value per price row (NaN until the
    window is full and where a price is missing).

    Parameters
    ----------
    asset_prices, benchmark_prices : array_like
        Prices on the same dates, > 0 (no gaps).
    window : int
        Returns per window, ≥ 3.

    Returns
    -------
    ndarray
        β of the window ending at each row; row 0 (no return) and the first window − 1
        returns are NaN.

    Examples
    --------
    An asset whose returns are twice its benchmark's:

    >>> rb = np.array([0.1, -0.1, 0.05, -0.02])
    >>> grow = lambda r: 100 * np.cumprod(np.r_[1, 1 + r])
    >>> rolling_beta(grow(2 * rb), grow(rb), 3).round(6).tolist()
    [nan, nan, nan, 2.0, 2.0]
    """
    w = int(window)
    if w < 3 or w != window:
        raise ValueError(f"window must be a whole number of returns >= 3, got {window!r}")
    a = num(asset_prices, "asset_prices", positive=True)
    b = num(benchmark_prices, "benchmark_prices", positive=True)
    broadcast(asset_prices=a, benchmark_prices=b)
    ra, rb = price_returns(a, returns), price_returns(b, returns)
    res = np.full(a.shape, np.nan)
    if ra.size < w:
        return res
    va = np.lib.stride_tricks.sliding_window_view(ra, w)
    vb = np.lib.stride_tricks.sliding_window_view(rb, w)
    am = va - va.mean(axis=1, keepdims=True)
    bm = vb - vb.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        res[w:] = (am * bm).sum(axis=1) / (bm * bm).sum(axis=1)
    return res


def ewma_beta(asset_prices, benchmark_prices, halflife, returns="simple"):
    """Exponentially weighted beta: EWMA covariance over EWMA variance of the returns, one
    value per price row (NaN on row 0).

    The weight of a return ``i`` steps back is ``(1 − α)^i`` with ``α = 1 − exp(−ln 2 /
    halflife)``, over all returns so far, as pandas' ``ewm(halflife=…, adjust=True)``.

    Parameters
    ----------
    asset_prices, benchmark_prices : array_like
        Prices on the same dates, > 0 (no gaps).
    halflife : float
        In returns (days for daily prices), > 0.

    Examples
    --------
    >>> rb = np.array([0.1, -0.1, 0.05])
    >>> grow = lambda r: 100 * np.cumprod(np.r_[1, 1 + r])
    >>> ewma_beta(grow(2 * rb), grow(rb), 5).round(6).tolist()
    [nan, nan, 2.0, 2.0]
    """
    hl = float(num(halflife, "halflife", positive=True))
    a = num(asset_prices, "asset_prices", positive=True)
    b = num(benchmark_prices, "benchmark_prices", positive=True)
    broadcast(asset_prices=a, benchmark_prices=b)
    x, y = price_returns(b, returns), price_returns(a, returns)
    decay = np.exp(-np.log(2.0) / hl)
    res = np.full(a.shape, np.nan)
    sw = sx = sy = sxx = sxy = 0.0
    for i in range(x.size):
        sw = decay * sw + 1.0
        sx = decay * sx + x[i]
        sy = decay * sy + y[i]
        sxx = decay * sxx + x[i] * x[i]
        sxy = decay * sxy + x[i] * y[i]
        var = sxx / sw - (sx / sw) ** 2
        if i and var > 0:
            res[i + 1] = (sxy / sw - sx * sy / (sw * sw)) / var
    return res
