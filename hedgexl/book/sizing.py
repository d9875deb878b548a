"""Sizing the hedge of each holding: value, notional, contracts and rounding residual."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import core
from ..inputs import Holdings, InputError

__all__ = ["Sizing", "size_holdings"]


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
    notional = core.hedge_notional(value, h.hedge_ratio, h.beta)
    contracts = core.hedge_contracts(value, keys, h.hedge_ratio, h.beta, hp)
    residual = core.hedge_residual(value, keys, h.hedge_ratio, h.beta, hp)
    return Sizing(keys, value, notional, contracts, residual, hp, hp_rows)
