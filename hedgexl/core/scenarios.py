"""Scenarios: spot, hedge and net PnL in USD across a vector of price shocks."""

from __future__ import annotations

import numpy as np

from .validate import broadcast, num
from .sizing import unit_usd
from .contracts import resolve

__all__ = ["DEFAULT_SHOCKS", "scenario", "SCENARIO_COLUMNS"]

#: −50 % to +50 % in steps of 10 %.
DEFAULT_SHOCKS = np.round(np.linspace(-0.5, 0.5, 11), 10)
SCENARIO_COLUMNS = ("shock", "price", "spot_pnl", "hedge_pnl", "net_pnl")


def scenario(spot_qty, spot_price, contracts, contract, shocks=None, beta=1.0,
             hedge_price=None):
    """Spot, hedge and net PnL in USD for each price shock, summed over holdings.

    Parameters
    ----------
    spot_qty : array_like
        Coins held S, one per holding (or a single number).
    spot_price : array_like
        Spot price P, USD per coin, > 0.
    contracts : array_like
        Signed hedge position q of each holding, in contracts.
    contract : number, str or array_like
        Inverse face value in USD, or a preset key, per holding.
    shocks : array_like, optional
        Moves of the hedge's underlying as fractions (−0.2 is a 20 % fall), each > −1.
        Default −50 % to +50 % in steps of 10 %.
    beta : array_like, optional
        Beta of each holding to the hedge's underlying: the holding moves β·shock.
    hedge_price : array_like, optional
        Price of the hedge's coin, needed for linear contracts only.

    Returns
    -------
    ndarray, shape (len(shocks), 5)
        Columns: shock; spot price after the shock, P·(1 + β·shock) (of the first holding);
        spot PnL S·P·β·shock; hedge PnL in USD (inverse: q·F·shock, which is
        q·F·(P1/P0 − 1); linear: q·c·P_hedge·shock); net PnL = spot + hedge.

    Examples
    --------
    Seed 000's hedge at a 15 % fall:

    >>> scenario(5, 50_000, -625, 100, [-0.15]).round(6).tolist()
    [[-0.15, 42500.0, -37500.0, 9375.0, -28125.0]]
    """
    s = num(spot_qty, "spot_qty")
    p = num(spot_price, "spot_price", positive=True)
    q = num(contracts, "contracts")
    b = num(beta, "beta")
    sh = np.atleast_1d(num(DEFAULT_SHOCKS if shocks is None else shocks, "shocks"))
    if sh.ndim != 1:
        sh = sh.ravel()
    if not (sh > -1).all():
        i = int(np.flatnonzero(~(sh > -1))[0])
        raise ValueError(f"shocks must be > -1 (a price cannot fall 100 %), "
                         f"got {sh[i]:g} (first bad index {i})")
    linear, mult, _ = resolve(contract)
    unit = unit_usd(linear, mult, hedge_price)
    broadcast(spot_qty=s, spot_price=p, contracts=q, beta=b, contract=np.asarray(unit))
    sv, hv = np.broadcast_arrays(s * p * b, q * unit)
    spot_exposure = float(np.sum(sv))  # USD gained per unit shock
    hedge_exposure = float(np.sum(hv))
    first_p = float(np.ravel(p)[0])
    first_b = float(np.ravel(b)[0])
    table = np.empty((sh.size, 5))
    table[:, 0] = sh
    table[:, 1] = first_p * (1.0 + first_b * sh)
    table[:, 2] = spot_exposure * sh
    table[:, 3] = hedge_exposure * sh
    table[:, 4] = table[:, 2] + table[:, 3]
    return table + 0.0
