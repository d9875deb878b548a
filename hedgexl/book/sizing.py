"""Sizing the hedge of each holding: value, notional, contracts and rounding residual."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import core
from ..inputs import Holdings, InputError

__all__ = ["Sizing", "size_holdings", "apply_target_weights"]


def _keys(h: Holdings):
    return np.array(h.contract, dtype=object)


def _hedge_prices(h: Holdings):
    """A linear contract is sized at its coin's price: the price of the holding of that
    coin in the same portfolio."""
    price = np.full(len(h), np.nan)
    rows = [None] * len(h)
    by_asset = {}
    for i, a in enumerate(h.asset):
        by_asset.setdefault(a.upper(), i)
    for i, k in enumerate(h.contract):
        spec = core.get_contract(k)
        if not spec.linear:
            continue
        j = by_asset.get((spec.coin or "").upper())
        if j is None:
            raise InputError(h.source, f"{spec.key} is a linear contract: it is sized at the "
                             f"price of {spec.coin or 'its coin'}, so the portfolio needs a "
                             f"holding of {spec.coin or 'that coin'}",
                             h.rows[i] if h.rows else None)
        price[i], rows[i] = h.price[j], j
    return price, rows


@dataclass
class Sizing:
    """The hedge of each holding: value, notional, contracts and rounding residual (USD),
    and the hedge price of linear contracts (NaN for inverse rows)."""
    keys: np.ndarray
    value: np.ndarray
    notional: np.ndarray
    contracts: np.ndarray
    residual: np.ndarray
    hedge_price: np.ndarray
    hedge_price_row: list


def size_holdings(h: Holdings) -> Sizing:
    """The hedge of each holding, with the vectorised core."""
    keys = _keys(h)
    hp, hp_rows = _hedge_prices(h)
    value = h.quantity * h.price
    notional, contracts, residual = core.hedge_size(value, keys, h.hedge_ratio, h.beta, hp)
    return Sizing(keys, value, notional, contracts, residual, hp, hp_rows)


def apply_target_weights(h: Holdings, long_overlays: bool = False
                         ) -> tuple[Holdings, list[str]]:
    """Holdings whose rows give a ``target_weight`` hedged to that weight, as a hedge ratio.

    The portfolio's value PV is the sum of its holdings' values (quantity x price, the
    stablecoins held included; margin posted on the venues is not a holding: the trades add
    it to the target in its own coin). An asset worth V (its rows together) above its
    target weight w* has V − w*·PV hedged: its rows get the hedge ratio (V − w*·PV)/V (the
    hedge stays beta-adjusted like any other, and the note says so). An asset under its
    weight gets a long overlay, ratio (V − w*·PV)/V < 0, only with ``long_overlays``;
    otherwise ratio 0 and a note. Refused, with the row: weights that add up past 100 %, a
    weight on a stablecoin or on a holding worth 0 or less, and, in a file of weights, a
    row of another coin that gives neither a weight nor a hedge ratio. Returns the holdings
    (weighted rows' ratios marked as given) and the notes.

    Seed 003: 50 BTC at 60,000 USD, the whole portfolio, kept at 80 %: 600,000 USD above
    the weight, a hedge ratio of 20 % (10 BTC, -6,000 contracts of 100 USD).
    """
    w = h.target_weight
    if w is None or not np.isfinite(w).any():
        return h, []
    value = h.quantity * h.price
    pv = float(value.sum())
    _check_weights(h, value, pv)
    ratio, notes = h.hedge_ratio.astype(float).copy(), []
    given = np.ones(len(h), bool) if h.hedge_ratio_given is None else h.hedge_ratio_given.copy()
    for asset in dict.fromkeys(a.upper() for a in h.asset):
        rows = [i for i, a in enumerate(h.asset) if a.upper() == asset]
        if np.isfinite(w[rows]).any():
            ratio[rows], note = _weigh(h, asset, rows, value, pv, long_overlays)
            given[rows] = True  # a number on the sheet, not the default's formula
            notes.append(note)
    return replace(h, hedge_ratio=ratio, hedge_ratio_given=given), notes


def _row(h: Holdings, i: int):
    return h.rows[i] if h.rows else i + 2


def _check_weights(h: Holdings, value, pv: float) -> None:
    """What target weights cannot mean, refused with the row."""
    w = h.target_weight
    weighted = np.isfinite(w)
    given = np.ones(len(h), bool) if h.hedge_ratio_given is None else h.hedge_ratio_given
    if not pv > 0:
        raise InputError(h.source, "target weights need a portfolio worth more than 0 USD")
    by_asset = {a.upper(): float(w[i]) for i, a in enumerate(h.asset) if weighted[i]}
    if sum(by_asset.values()) > 1 + 1e-12:
        raise InputError(h.source, f"the target weights add up to "
                                   f"{sum(by_asset.values()):.2%}, past 100 % of the "
                                   f"portfolio", _row(h, int(np.flatnonzero(weighted)[-1])))
    for i, a in enumerate(h.asset):
        if weighted[i] and core.is_stable(a):
            raise InputError(h.source, f"{a} is a dollar stablecoin: it is not hedged, so it "
                                       f"has no target weight to hedge to", _row(h, i))
        if weighted[i] and not value[i] > 0:
            raise InputError(h.source, f"{a} is worth {value[i]:,.2f} USD: a target weight "
                                       f"needs a holding worth more than 0", _row(h, i))
        if not weighted[i] and not given[i] and not core.is_stable(a):
            raise InputError(h.source, f"{a} gives neither a target_weight nor a "
                                       f"hedge_ratio, where other rows give weights: give "
                                       f"one", _row(h, i))


def _weigh(h: Holdings, asset: str, rows, value, pv: float, long_overlays: bool):
    """The hedge ratio of one asset's rows that brings it to its target weight, and the
    note that says so."""
    weights = {float(h.target_weight[i]) for i in rows}
    if len(weights) > 1 or not np.isfinite(h.target_weight[rows]).all():
        raise InputError(h.source, f"{asset}: its rows give different target weights (or "
                                   f"some none): give its weight once, the same on every row",
                         h.rows[rows[0]] if h.rows else None)
    target = weights.pop()
    v = float(value[rows].sum())
    excess = v - target * pv
    r = excess / v
    text = (f"{asset} is {v / pv:.2%} of the portfolio's {pv:,.2f} USD against a target "
            f"weight of {target:.2%}")
    if r < 0 and not long_overlays:
        return 0.0, (f"{text}: under it by {-excess:,.2f} USD; not bought synthetically "
                     f"(--long-overlays would hold a long future for it)")
    beta = {float(h.beta[i]) for i in rows}
    at = "" if beta == {1.0} else \
        f", at beta {', '.join(f'{b:g}' for b in sorted(beta))} like any hedge"
    return r, (f"{text}: {abs(excess):,.2f} USD {'above' if r >= 0 else 'below'} it is "
               f"{'hedged' if r >= 0 else 'held as a long future'} (hedge ratio {r:.2%}"
               f"{at})")
