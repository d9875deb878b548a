"""Risk: margin, isolated liquidation and bankruptcy prices, basis, beta and effectiveness.

The margin model is isolated, without tiers, and leaves out the fee to close: exchanges add
both, so treat these prices as the textbook ones (see DOMAIN.md, "Margin and liquidation").
"""

from __future__ import annotations

import numpy as np

from .validate import broadcast, num, out
from .contracts import resolve

__all__ = [
    "initial_margin", "liquidation_price", "bankruptcy_price", "basis", "beta",
    "hedge_effectiveness", "min_variance_hedge_ratio", "price_returns",
]


def initial_margin(contracts, entry_price, contract, leverage=1.0):
    """Initial margin at leverage L, |q|·F/(P0·L) in coin for inverse contracts.

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts.
    entry_price : array_like
        P0 in USD per coin, > 0.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key.
    leverage : array_like, optional
        L, > 0. Default 1.

    Returns
    -------
    float or ndarray
        Inverse: coin. Linear: |q|·c·P0/L in USD.

    Examples
    --------
    >>> initial_margin(-625, 50_000, 100)
    1.25
    """
    q = np.abs(num(contracts, "contracts"))
    p0 = num(entry_price, "entry_price", positive=True)
    lev = num(leverage, "leverage", positive=True)
    linear, mult, _ = resolve(contract)
    broadcast(contracts=q, entry_price=p0, leverage=lev, contract=mult)
    return out(np.where(linear, q * mult * p0, q * mult / p0) / lev)


def liquidation_price(contracts, entry_price, margin, contract, maint_rate=0.0):
    """Isolated liquidation price; NaN where the position cannot be liquidated.

    Parameters
    ----------
    contracts : array_like
        Signed position q in contracts (+ long, − short); zero has no liquidation price.
    entry_price : array_like
        P0 in USD per coin, > 0.
    margin : array_like
        Isolated margin B, >= 0: coin for inverse contracts, USD for linear ones.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key.
    maint_rate : array_like, optional
        Maintenance margin rate m, >= 0. At 0 (the default) this is the bankruptcy price.

    Returns
    -------
    float or ndarray
        USD per coin. Inverse long: Q·F·(1+m) / (Q·F/P0 + B); inverse short:
        Q·F·(1−m) / (Q·F/P0 − B), with Q = |q|. Linear long: (Q·c·P0 − B) / (Q·c·(1−m));
        linear short: (Q·c·P0 + B) / (Q·c·(1+m)). NaN means there is no liquidation price:
        an inverse short whose margin covers its notional (a 1x short) and a linear long
        whose margin covers its notional cannot be liquidated in this model.

    Examples
    --------
    A 10x inverse long of 10,000 USD at 50,000 (margin 0.02 BTC):

    >>> round(liquidation_price(10_000, 50_000, 0.02, 1), 6)
    45454.545455
    >>> import math; math.isnan(liquidation_price(-10_000, 50_000, 0.2, 1, 0.005))
    True
    """
    q = num(contracts, "contracts")
    p0 = num(entry_price, "entry_price", positive=True)
    b = num(margin, "margin", nonneg=True)
    m = num(maint_rate, "maint_rate", nonneg=True)
    linear, mult, _ = resolve(contract)
    broadcast(contracts=q, entry_price=p0, margin=b, maint_rate=m, contract=mult)
    qa = np.abs(q) * mult  # USD notional (inverse) or coins (linear)
    long = q > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_den = np.where(long, qa / p0 + b, qa / p0 - b)
        inv = qa * np.where(long, 1 + m, 1 - m) / inv_den
        inv = np.where(inv_den > 0, inv, np.nan)
        lin_num = np.where(long, qa * p0 - b, qa * p0 + b)
        lin = lin_num / (qa * np.where(long, 1 - m, 1 + m))
        lin = np.where(lin_num > 0, lin, np.nan)
        res = np.where(linear, lin, inv)
    res = np.where((q == 0) | ~(res > 0), np.nan, res)
    return out(res)


def bankruptcy_price(contracts, entry_price, leverage):
    """Bankruptcy price of an inverse position at leverage L (liquidation at m = 0).

    Parameters
    ----------
    contracts : array_like
        Signed position; only its sign is used.
    entry_price : array_like
        P0 in USD per coin, > 0.
    leverage : array_like
        L, > 0.

    Returns
    -------
    float or ndarray
        Long: P0·L/(L+1). Short: P0·L/(L−1), NaN at L <= 1 (a 1x short has none).

    Examples
    --------
    >>> bankruptcy_price(1, 50_000, 10) == liquidation_price(10_000, 50_000, 0.02, 1)
    True
    >>> bankruptcy_price(-1, 50_000, 2)
    100000.0
    """
    q = num(contracts, "contracts")
    p0 = num(entry_price, "entry_price", positive=True)
    lev = num(leverage, "leverage", positive=True)
    broadcast(contracts=q, entry_price=p0, leverage=lev)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.where(q >= 0, p0 * lev / (lev + 1), p0 * lev / (lev - 1))
    return out(np.where((q == 0) | ~(res > 0) | ~np.isfinite(res), np.nan, res))


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
