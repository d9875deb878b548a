"""Each position's margin and liquidation, as its venue computes them.

Isolated: the position's own margin. Cross: one wallet balance per account and settlement
currency, shared by the account's positions in it; a position's liquidation price uses the
wallet less what the account's other positions need (their maintenance margin) plus their
unrealised PnL at the mark, as Binance's cross-margin formula does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import core
from ..inputs import Positions

__all__ = ["Risk", "position_risk"]


@dataclass
class Risk:
    """Per position: values in its settlement currency (``settle``) unless named USD."""

    coin: list[str]  # the underlying
    settle: list[str]  # BTC, ETH or USDT
    mark: np.ndarray  # USD per coin
    notional_usd: np.ndarray  # signed: − for a short
    upnl: np.ndarray  # settlement currency
    maint_margin: np.ndarray  # settlement currency, at the mark
    margin: np.ndarray  # what stands behind it: isolated margin, or the cross wallet's share
    liq_price: np.ndarray  # USD per coin, NaN: none
    distance: np.ndarray  # fraction of the mark, NaN: none
    flat_tiers: list[str]  # contracts priced at a flat rate (no tier table bundled)


def _unit(spec) -> str:
    return "usd" if spec.linear else "coin"


def position_risk(pos: Positions, marks: dict[str, float]) -> Risk:
    n = len(pos)
    specs = [core.get_contract(k) for k in pos.contract]
    coin = [s.coin.upper() for s in specs]
    settle = [s.settle.upper() for s in specs]
    mark = np.array([marks[c] for c in coin])
    q, ep = pos.contracts, pos.entry_price
    mult = np.array([s.multiplier for s in specs])
    linear = np.array([s.linear for s in specs])
    notional = np.where(linear, q * mult * mark, q * mult)
    upnl = np.array([core.futures_pnl(q[i], ep[i], mark[i], pos.contract[i], _unit(specs[i]))
                     for i in range(n)])
    # shown (and computed by the sheet's HEDGE_MARGIN) at the mark
    mm = core.maintenance_margin(q, mark, np.array(pos.contract, dtype=object))
    # what the venue holds back from a shared wallet: on the mark's value (Binance, OKX) or
    # on the entry value (Bybit, BitMEX)
    held = np.array([mm[i] if s.margin_model == "liq_value" else
                     core.maintenance_margin(q[i], ep[i], s.key) for i, s in enumerate(specs)])
    margin = pos.margin.copy()
    for (account, cur), wallet in pos.wallet.items():
        members = [i for i in range(n) if pos.account[i] == account and settle[i] == cur
                   and pos.mode[i] == "cross"]
        for i in members:
            others = [j for j in members if j != i]
            margin[i] = max(wallet - sum(held[j] for j in others)
                            + sum(upnl[j] for j in others), 0.0)
    liq = np.array([core.liquidation_price(q[i], ep[i], margin[i], pos.contract[i])
                    for i in range(n)])
    dist = np.array([core.liquidation_distance(q[i], mark[i], liq[i]) if np.isfinite(liq[i])
                     else np.nan for i in range(n)])
    flat = sorted({s.key for s in specs if core.tiers_of(s.key).source == "preset"})
    return Risk(coin, settle, mark, notional, upnl, mm, margin, liq, dist, flat)
