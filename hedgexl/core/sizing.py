"""Hedge sizing: notional, contract counts, rounding residuals, rebalancing.

All amounts follow the signs of ``DOMAIN.md``: positions are + long, − short, so the hedge of a
long holding is a negative number of contracts.
"""

from __future__ import annotations

import math

import numpy as np

from .validate import broadcast, num, out
from .contracts import resolve

__all__ = [
    "hedge_notional", "hedge_contracts", "hedge_residual", "hedge_size", "beta_size",
    "rebalance_contracts", "weight_hedge_contracts", "round_to_lot",
]

_ROUNDING = ("nearest", "down", "up")
_EPS = 1e-9  # in lots: keeps 2.9999999999 from rounding down to 2


def round_to_lot(contracts, lot=1.0, rounding="nearest"):
    """Round a signed contract count to a multiple of the lot step.

    Parameters
    ----------
    contracts : array_like
        Signed contract counts.
    lot : array_like, optional
        Lot step in contracts, > 0. Default 1.
    rounding : {"nearest", "down", "up"}
        ``nearest`` rounds half away from zero; ``down`` rounds toward zero (a smaller
        hedge); ``up`` rounds away from zero (a larger hedge). ``down`` and ``up`` allow
        1e-9 of a lot for floating-point noise, so 2.9999999999 lots is 3, not 2.

    Returns
    -------
    float or ndarray
        Contracts, a multiple of ``lot``, with the sign of the input.

    Examples
    --------
    >>> round_to_lot(-625.5)
    -626.0
    >>> round_to_lot(-3.3333, lot=0.001, rounding="down")
    -3.333
    """
    lots = np.divide(num(contracts, "contracts"), num(lot, "lot", positive=True))
    return out(round_lots(lots, rounding) * lot)


def round_lots(lots: np.ndarray, rounding: str) -> np.ndarray:
    """Whole lots, the sign kept: ``nearest`` (half away from zero), ``down`` or ``up`` in
    size, within 1e-9 of a lot of a whole number taken as it."""
    r = str(rounding).strip().lower()
    lots = np.asarray(lots, dtype=float)
    if lots.ndim == 0:  # one cell: the same steps on a Python float
        v = float(lots)
        if not math.isfinite(v):
            return np.float64(v)
        if r == "nearest":
            mag = math.floor(abs(v) + 0.5)
        elif r == "down":
            mag = math.floor(abs(v) + _EPS)
        elif r == "up":
            mag = math.ceil(abs(v) - _EPS)
        else:
            raise ValueError(f"rounding must be one of {', '.join(_ROUNDING)}, got "
                             f"{rounding!r}")
        return np.float64(math.copysign(mag, v))
    mag = np.abs(lots)
    if r == "nearest":
        mag += 0.5
        np.floor(mag, out=mag)
    elif r == "down":
        mag += _EPS
        np.floor(mag, out=mag)
    elif r == "up":
        mag -= _EPS
        np.ceil(mag, out=mag)
    else:
        raise ValueError(f"rounding must be one of {', '.join(_ROUNDING)}, got {rounding!r}")
    return np.copysign(mag, lots, out=mag)


def hedge_notional(spot_value, hedge_ratio=1.0, beta=1.0):
    """USD notional to hedge, h·β·V.

    Parameters
    ----------
    spot_value : array_like
        Value of the holding V = S·P, in USD (negative for a borrowed holding).
    hedge_ratio : array_like, optional
        Fraction of the exposure to hedge, h (0.75 hedges 75 %). Default 1.
    beta : array_like, optional
        Beta of the holding to the hedge instrument's underlying. Default 1.

    Returns
    -------
    float or ndarray
        N = h · β · V, in USD, with the sign of the exposure.

    Examples
    --------
    Seed 000: 5 BTC at 50,000 USD, hedging 25 % of it:

    >>> hedge_notional(5 * 50_000, 0.25)
    62500.0
    """
    v = num(spot_value, "spot_value")
    h = num(hedge_ratio, "hedge_ratio")
    b = num(beta, "beta")
    broadcast(spot_value=v, hedge_ratio=h, beta=b)
    return out(h * b * v)


def unit_usd(linear, mult, hedge_price):
    """USD notional of one contract: F (inverse) or c·P (linear)."""
    if np.ndim(linear) == 0:
        if not linear:
            return mult
        if hedge_price is None:
            raise ValueError("hedge_price is required for a linear contract")
        return mult * num(hedge_price, "hedge_price", positive=True)
    if not np.any(linear):
        return mult
    if hedge_price is None:
        i = int(np.flatnonzero(linear)[0])
        raise ValueError(f"hedge_price is required for a linear contract (index {i})")
    p = num(hedge_price, "hedge_price", positive=True, allow_nan=True)
    return np.where(linear, mult * p, mult)


def _raw_contracts(spot_value, contract, hedge_ratio, beta, hedge_price):
    v = num(spot_value, "spot_value")
    h = num(hedge_ratio, "hedge_ratio")
    b = num(beta, "beta")
    linear, mult, lot = resolve(contract)
    unit = unit_usd(linear, mult, hedge_price)
    broadcast(spot_value=v, hedge_ratio=h, beta=b, contract=unit)
    # Group the scalars first so a column of values costs one multiplication.
    raw = v * (-(h * b) / unit)
    return raw, lot, unit, (h, b, v)


def hedge_contracts(spot_value, contract, hedge_ratio=1.0, beta=1.0, hedge_price=None,
                    rounding="nearest"):
    """Signed contracts that hedge a holding, rounded to the contract's lot step.

    Parameters
    ----------
    spot_value : array_like
        Value of the holding V, in USD.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key such as ``"BINANCE:BTCUSD_PERP"``.
    hedge_ratio, beta : array_like, optional
        h and β, default 1.
    hedge_price : array_like, optional
        Price of the hedge contract's coin in USD; required for linear contracts only.
    rounding : {"nearest", "down", "up"}
        How to round to the lot step; ``down`` gives the smaller hedge.

    Returns
    -------
    float or ndarray
        q, in contracts; negative (short) for a long holding.

    Notes
    -----
    Inverse: q = −h·β·V / F. Linear: q = −h·β·V / (P_hedge · c). Then rounded to the lot.

    Examples
    --------
    Seed 000's 62,500 USD hedge on Binance's 100 USD BTC contract:

    >>> hedge_contracts(5 * 50_000, "BINANCE:BTCUSD_PERP", hedge_ratio=0.25)
    -625.0
    >>> hedge_contracts(10_000, "BINANCE:ETHUSDT", hedge_price=3_000)
    -3.333
    """
    raw, lot, _, _ = _raw_contracts(spot_value, contract, hedge_ratio, beta, hedge_price)
    return out(_in_lots(raw, lot, rounding))


def _in_lots(raw, lot, rounding):
    """Contracts ``raw`` rounded to whole ``lot`` steps."""
    if np.ndim(lot) == 0 and lot == 1.0:
        return round_lots(raw, rounding)
    return round_lots(raw / lot, rounding) * lot


def hedge_residual(spot_value, contract, hedge_ratio=1.0, beta=1.0, hedge_price=None,
                   rounding="nearest"):
    """USD exposure left unhedged by rounding the contract count to the lot step.

    Parameters
    ----------
    As :func:`hedge_contracts`.

    Returns
    -------
    float or ndarray
        N + q·u in USD, where N = h·β·V is the target notional, q the rounded contracts
        and u the USD notional of one contract (F, or c·P_hedge). Positive means under-hedged
        for a long holding; for ``nearest`` its size is at most half a lot's notional.

    Examples
    --------
    >>> hedge_residual(62_549, "BINANCE:BTCUSD_PERP")
    49.0
    """
    return hedge_size(spot_value, contract, hedge_ratio, beta, hedge_price, rounding)[2]


def hedge_size(spot_value, contract, hedge_ratio=1.0, beta=1.0, hedge_price=None,
               rounding="nearest"):
    """Hedge notional, contracts and residual of a holding, sized once.

    Parameters
    ----------
    As :func:`hedge_contracts`.

    Returns
    -------
    tuple of float or ndarray
        (N, q, N + q·u): :func:`hedge_notional` in USD, :func:`hedge_contracts` and
        :func:`hedge_residual` in USD, from one sizing (the contracts are rounded once).

    Examples
    --------
    >>> hedge_size(62_549, "BINANCE:BTCUSD_PERP")
    (62549.0, -625.0, 49.0)
    """
    raw, lot, unit, (h, b, v) = _raw_contracts(spot_value, contract, hedge_ratio, beta,
                                                hedge_price)
    n = h * b * v
    q = _in_lots(raw, lot, rounding)
    return out(n), out(q), out(n + q * unit)


def beta_size(spot_value, beta, hedge_price, hedge_ratio=1.0):
    """Signed hedge size in coins of the hedge asset, −h·β·V / P_hedge.

    Parameters
    ----------
    spot_value : array_like
        Value of the holding V, in USD.
    beta : array_like
        Beta of the holding to the hedge asset.
    hedge_price : array_like
        Price of the hedge asset, USD per coin, > 0.
    hedge_ratio : array_like, optional
        h, default 1.

    Returns
    -------
    float or ndarray
        Size in coins of the hedge asset; negative (short) for a long holding.

    Examples
    --------
    Seed 004's 10,000 USD hedged with ETH at 3,000 USD is 3.33 ETH short:

    >>> round(beta_size(10_000, 1.0, 3_000), 2)
    -3.33
    >>> beta_size(100_000, 1.5, 40_000)
    -3.75
    """
    v = num(spot_value, "spot_value")
    b = num(beta, "beta")
    p = num(hedge_price, "hedge_price", positive=True)
    h = num(hedge_ratio, "hedge_ratio")
    broadcast(spot_value=v, beta=b, hedge_price=p, hedge_ratio=h)
    return out(-(h * b * v) / p)


def rebalance_contracts(current_contracts, spot_value, contract, hedge_ratio=1.0, beta=1.0,
                        hedge_price=None, rounding="nearest"):
    """Contracts to trade to move from the current hedge to the target: target − current.

    Parameters
    ----------
    current_contracts : array_like
        The signed position held now, in contracts.
    spot_value, contract, hedge_ratio, beta, hedge_price, rounding
        As :func:`hedge_contracts`, which gives the target.

    Returns
    -------
    float or ndarray
        Contracts to trade: negative sells (adds to a short), positive buys.

    Examples
    --------
    The holding doubled from 10,000 to 20,000 USD under a −100 contract hedge of 100 USD:

    >>> rebalance_contracts(-100, 20_000, 100)
    -100.0
    """
    cur = num(current_contracts, "current_contracts")
    target = hedge_contracts(spot_value, contract, hedge_ratio, beta, hedge_price, rounding)
    broadcast(current_contracts=cur, target=np.asarray(target))
    return out(target - cur)


def weight_hedge_contracts(asset_value, portfolio_value, target_weight, contract,
                           hedge_price=None, rounding="nearest"):
    """Contracts that neutralise an asset's value above a target portfolio weight.

    Parameters
    ----------
    asset_value : array_like
        Value of the over-weight asset V, in USD.
    portfolio_value : array_like
        Value of the whole portfolio, in USD, > 0.
    target_weight : array_like
        Target weight w* of the asset, a fraction.
    contract, hedge_price, rounding
        As :func:`hedge_contracts`.

    Returns
    -------
    float or ndarray
        q = −(w − w*)·PV / u rounded to the lot, where w = V / PV and u is one contract's USD
        notional. Zero when the asset is at or below its target weight.

    Examples
    --------
    Seed 003: 50 BTC at 60,000 USD, the whole portfolio, cut to an 80 % weight; 600,000 USD
    (10 BTC) to neutralise, which is 6,000 contracts of 100 USD:

    >>> weight_hedge_contracts(50 * 60_000, 50 * 60_000, 0.8, "OKX:BTC-USD-SWAP")
    -6000.0
    """
    v = num(asset_value, "asset_value", nonneg=True)
    pv = num(portfolio_value, "portfolio_value", positive=True)
    w = num(target_weight, "target_weight", nonneg=True)
    broadcast(asset_value=v, portfolio_value=pv, target_weight=w)
    if np.any(w > 1):
        raise ValueError(f"target_weight must be a fraction from 0 to 1 (0.8 is 80 %), got "
                         f"{float(np.max(w)):g}")
    if np.any(v > pv * (1 + 1e-12)):
        raise ValueError("asset_value must not exceed portfolio_value (the asset is part of "
                         "the portfolio)")
    excess = np.maximum(v - w * pv, 0.0)
    return hedge_contracts(excess, contract, 1.0, 1.0, hedge_price, rounding)
