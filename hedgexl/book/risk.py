"""Each position's margin and liquidation, as its venue computes them.

Isolated: the position's own margin. Cross: one wallet balance per account and settlement
currency, shared by the account's positions in it; a position's liquidation price uses the
wallet less what the account's other positions need (their maintenance margin) plus their
unrealised PnL at the mark, as Binance's cross-margin formula does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    refusals: list[str]  # one line per position whose liquidation is refused, and why
    refused: list[int]  # their indices: NaN in liq_price and distance; in maint_margin too
    #                     where the position itself is beyond its tiers

    def is_refused(self, i: int) -> bool:
        return i in self.refused


def _row(pos: Positions, i: int) -> str:
    rows = ", ".join(map(str, pos.rows[i])) if pos.rows else str(i + 1)
    return f"{Path(pos.source).name}: row {rows} ({pos.account[i]} {pos.contract[i]})"


def position_risk(pos: Positions, marks: dict[str, float]) -> Risk:
    """Margin, liquidation price and distance of each position at the marks (``coin`` ->
    USD). A position beyond its bundled tiers, or sharing a cross wallet with one, is
    refused alone (NaN, and one line in ``refusals``); the rest of the book stands."""
    n = len(pos)
    specs = [core.get_contract(k) for k in pos.contract]
    coin = [s.coin.upper() for s in specs]
    settle = [s.settle.upper() for s in specs]
    mark = np.array([marks[c] for c in coin])
    q, ep = pos.contracts, pos.entry_price
    mult = np.array([s.multiplier for s in specs])
    notional = np.where([s.linear for s in specs], q * mult * mark, q * mult)
    upnl = np.array([core.futures_pnl(q[i], ep[i], mark[i], pos.contract[i])
                     for i in range(n)])
    r = _Refusals(pos)
    # shown (and computed by the sheet's HEDGE_MARGIN) at the mark
    mm = np.array([r.at(i, "margin and liquidation", core.maintenance_margin, q[i], mark[i],
                        pos.contract[i]) for i in range(n)])
    held = _held(pos, specs, mm, mark, r)
    beyond = set(r.refused)  # no maintenance margin: the cross wallets they share are unknown
    margin = _cross_margins(pos, settle, held, upnl, beyond, r)
    # the tier is re-checked at the liquidation price, where a position can outgrow it
    liq = np.array([r.at(i, "liquidation", core.liquidation_price, q[i], ep[i], margin[i],
                         pos.contract[i]) for i in range(n)])
    dist = np.array([core.liquidation_distance(q[i], mark[i], liq[i]) for i in range(n)])
    for i in r.refused:
        liq[i] = dist[i] = np.nan
        if i in beyond:
            mm[i] = np.nan
    flat = sorted({s.key for s in specs if core.tiers_of(s.key).source == "preset"})
    return Risk(coin, settle, mark, notional, upnl, mm, margin, liq, dist, flat,
                list(r.refused.values()), sorted(r.refused))


class _Refusals:
    """The positions refused so far, in the order found (the causes before their
    neighbours), each with its one line."""

    def __init__(self, pos: Positions):
        self.pos = pos
        self.refused: dict[int, str] = {}

    def at(self, i, what, fn, *args) -> float:
        """``fn(*args)`` for position ``i``, or NaN with one line saying why (a size beyond
        the bundled tiers): that position is refused, the rest of the book is not."""
        if i in self.refused:
            return np.nan
        try:
            return float(fn(*args))
        except core.TierError as e:
            self.refused[i] = f"{_row(self.pos, i)}: {what} refused: {e}"
            return np.nan


def _held(pos, specs, mm, mark, r: _Refusals) -> np.ndarray:
    """What the venue holds back from a shared wallet for each position: its maintenance
    margin on the mark's value (Binance, Deribit; OKX with the taker fee to close) or on the
    entry value (Bybit, BitMEX, Kraken)."""
    q, ep = pos.contracts, pos.entry_price
    return np.array([
        mm[i] if s.margin_model == "liq_value" else
        mm[i] + s.taker_fee * core.position_value(q[i], mark[i], s.key)
        if s.margin_model == "liq_value_fee" else
        r.at(i, "margin and liquidation", core.maintenance_margin, q[i], ep[i], s.key)
        for i, s in enumerate(specs)])


def _cross_margins(pos, settle, held, upnl, beyond, r: _Refusals) -> np.ndarray:
    """The margin behind each position: its own (isolated), or its cross wallet less what
    the account's other positions in that currency hold, plus their unrealised PnL. A
    position sharing a wallet with one whose maintenance is refused is refused too."""
    margin = pos.margin.copy()
    n = len(pos)
    for (account, cur), wallet in pos.wallet.items():
        members = [i for i in range(n) if (pos.account[i], settle[i], pos.mode[i])
                   == (account, cur, "cross")]
        for i in members:
            others = [j for j in members if j != i]
            blocked = [j for j in others if j in beyond]
            if blocked and i not in r.refused:  # what the wallet leaves it is unknown
                r.refused[i] = (f"{_row(pos, i)}: liquidation refused: it shares {account}'s "
                                f"{cur} cross wallet with {pos.contract[blocked[0]]}, whose "
                                f"maintenance margin is refused")
            margin[i] = np.nan if blocked else max(
                wallet - sum(held[j] for j in others) + sum(upnl[j] for j in others), 0.0)
    return margin
