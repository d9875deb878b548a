"""Today's trades: the target hedge of each contract, what is held, and the difference.

The target covers the holdings (beta-adjusted, at each holding's hedge ratio) and the
margin posted in a coin, which is itself long that coin (DOMAIN.md: a short inverse position
whose margin equals its notional is a synthetic dollar). Margin in a coin is hedged at the
hedge ratio of the holding of that coin, on that holding's contract (the coin's own inverse
preset when no holding names one).

Per coin, positions held in contracts that no holding names still count as hedge: their
notional comes off the target of the coin's first named contract, so a desk's existing
hedge on another venue is kept, not closed. The trade of a contract goes to the account
that already holds most of it, else to the first account on the same venue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import core
from ..inputs import Holdings, Positions
from .sizing import Sizing

__all__ = ["Trades", "Exposure", "plan_trades", "coin_exposure"]

NO_TRADE = "none"
#: Settlement currencies that are dollars, not a coin exposure.


@dataclass
class Trades:
    """One row per account and contract."""

    account: list[str]
    contract: list[str]
    current: np.ndarray  # contracts
    target: np.ndarray
    trade: np.ndarray
    side: list[str]  # buy, sell or none
    price: np.ndarray  # USD per coin the trade is valued at
    notional_usd: np.ndarray  # of the trade, >= 0
    fee: np.ndarray  # estimated taker fee, settlement currency
    fee_currency: list[str]
    note: list[str]

    def __len__(self):
        return len(self.account)


@dataclass
class Exposure:
    """Net exposure per coin, in coins: spot + margin + futures (coin-equivalent delta)."""

    coin: list[str]
    price: np.ndarray
    spot: np.ndarray
    cross: np.ndarray  # other assets hedged on this coin's contracts, beta-adjusted, in coin
    margin: np.ndarray
    futures: np.ndarray  # now
    futures_after: np.ndarray  # after the trades
    net: np.ndarray
    net_after: np.ndarray
    ratio: np.ndarray  # hedge ratio implied now: −futures / (spot + cross + margin)
    ratio_after: np.ndarray


def _delta_coins(q, spec, price):
    """Coin-equivalent exposure of q contracts at ``price``: q·F/P (inverse), q·c (linear)."""
    return q * spec.multiplier if spec.linear else q * spec.multiplier / price


def margin_by_coin(pos: Positions | None) -> dict[str, float]:
    """Margin posted in each coin (isolated margins and cross wallets); USDT is not a coin
    exposure and is left out."""
    out: dict[str, float] = {}
    if pos is None:
        return out
    for i, key in enumerate(pos.contract):
        spec = core.get_contract(key)
        if not spec.linear and np.isfinite(pos.margin[i]):
            out[spec.settle.upper()] = out.get(spec.settle.upper(), 0.0) + pos.margin[i]
    for (_, cur), bal in pos.wallet.items():
        if not core.is_stable(cur):
            out[cur.upper()] = out.get(cur.upper(), 0.0) + bal
    return out


def plan_trades(h: Holdings, s: Sizing, pos: Positions | None, marks: dict[str, float],
                default_hedge_ratio: float, band: float = 0.0,
                rolls: dict[str, str] | None = None) -> tuple[Trades, list[str]]:
    """The trades that bring each contract from what the accounts hold to its target.

    The target of a contract is the USD notional of the holdings hedged on it (``s``), plus
    the margin posted in each coin (long that coin: hedged at its holding's ratio, or at
    ``default_hedge_ratio`` on the coin's own inverse preset), less what is held on
    contracts no holding names (counted against the coin's first named contract). A
    trade smaller than ``band`` x the contract's whole target is 0 ("within the band");
    it goes to the account that holds most of the contract, else the venue's first
    account. ``rolls`` (dated key -> the next quarterly): each is closed and its target,
    or the position when no holding names it, moves to the next. Returns the trades, one
    row per (account, contract), and the notes.
    """
    notes: list[str] = []
    target_usd = _targets_usd(h, s, pos, marks, default_hedge_ratio, notes)
    held = _held(pos)
    _roll(target_usd, held, rolls or {}, marks)
    _count_unnamed(target_usd, held, marks, notes)
    venues = {}
    if pos is not None:
        for a, k in zip(pos.account, pos.contract):
            venues.setdefault(core.get_contract(k).venue, a)
    rows = {k: [] for k in Trades.__dataclass_fields__}
    for k in list(dict.fromkeys([*target_usd, *held])):
        _contract_rows(rows, k, target_usd.get(k), held.get(k, {}), marks, venues, band)
    for i, k in enumerate(rows["contract"]):  # say why a roll trades
        for old, new in (rolls or {}).items():
            if k in (old, new) and rows["trade"][i] and not rows["note"][i]:
                rows["note"][i] = (f"roll: closed before it settles, into {new}" if k == old
                                   else f"roll: opened in place of {old}")
    arr = {k: np.array(v, float) for k, v in rows.items()
           if k in ("current", "target", "trade", "price", "notional_usd", "fee")}
    return Trades(rows["account"], rows["contract"], arr["current"], arr["target"],
                  arr["trade"], rows["side"], arr["price"], arr["notional_usd"], arr["fee"],
                  rows["fee_currency"], rows["note"]), notes


def _targets_usd(h, s, pos, marks, default_hedge_ratio, notes) -> dict[str, float]:
    """Contract -> USD notional to hold short (+): the holdings' hedges and the margin."""
    target_usd: dict[str, float] = {}
    for k, n in zip(h.contract, s.notional):
        target_usd[k] = target_usd.get(k, 0.0) + float(n)
    for coin, amount in margin_by_coin(pos).items():
        i = next((j for j, a in enumerate(h.asset) if a.upper() == coin), None)
        if i is not None:
            ratio, key = float(h.hedge_ratio[i]), h.contract[i]
        else:
            own = core.own_contract(coin)
            if own is None:
                notes.append(f"margin of {amount:g} {coin} has no inverse preset to hedge on")
                continue
            ratio, key = default_hedge_ratio, own.key
        target_usd[key] = target_usd.get(key, 0.0) + ratio * amount * marks[coin]
        notes.append(f"{amount:,.8g} {coin} posted as margin is long {coin}: "
                     f"{ratio:.0%} of it ({ratio * amount * marks[coin]:,.2f} USD) is added to "
                     f"the target on {key}")
    return target_usd


def _roll(target_usd, held, rolls, marks) -> None:
    """A dated future about to settle: its target 0, and what it held (its holdings'
    target, or its position's hedge when no holding names it) on the next quarterly."""
    for old, new in rolls.items():
        if old in target_usd:
            usd = target_usd[old]
        else:
            spec = core.get_contract(old)
            usd = -sum(held.get(old, {}).values()) * spec.multiplier * \
                (marks[spec.coin.upper()] if spec.linear else 1.0)
        target_usd[new] = target_usd.get(new, 0.0) + usd
        target_usd[old] = 0.0


def _held(pos) -> dict[str, dict[str, float]]:
    """Contract -> account -> contracts held."""
    held: dict[str, dict[str, float]] = {}
    if pos is not None:
        for a, k, q in zip(pos.account, pos.contract, pos.contracts):
            held.setdefault(k, {})
            held[k][a] = held[k].get(a, 0.0) + float(q)
    return held


def _count_unnamed(target_usd, held, marks, notes) -> None:
    """Positions on contracts no target names: kept, and counted against the coin's
    target on its first named contract."""
    first_named: dict[str, str] = {}
    for k in target_usd:
        first_named.setdefault(core.get_contract(k).coin.upper(), k)
    for k, accounts in held.items():
        spec = core.get_contract(k)
        c = spec.coin.upper()
        if k in target_usd or c not in first_named:
            continue
        usd = -sum(accounts.values()) * spec.multiplier * (marks[c] if spec.linear else 1.0)
        target_usd[first_named[c]] -= usd
        notes.append(f"{k} is held ({usd:,.0f} USD of hedge) but no holding names it: "
                     f"kept, and counted against the {c} target on {first_named[c]}")


def _contract_rows(rows, k, target_usd, accounts, marks, venues, band) -> None:
    """The rows of one contract: its trade on the account that holds most of it, the band
    applied; the other accounts holding it, unchanged."""
    spec = core.get_contract(k)
    price = marks[spec.coin.upper()]
    per_contract = spec.multiplier * (price if spec.linear else 1.0)  # USD a contract
    current = sum(accounts.values())
    target = current if target_usd is None else \
        float(core.round_to_lot(-target_usd / per_contract, spec.lot))
    trade = target - current
    where = max(accounts, key=lambda a: abs(accounts[a])) if accounts else \
        venues.get(spec.venue, f"new account on {spec.venue}")
    within = trade != 0 and band > 0 and abs(trade) < band * abs(target)
    for a in (accounts or {where: 0.0}):
        mine = a == where
        note = (f"within the {band:.0%} band: not traded" if mine and within else
                "" if mine or target_usd is None else "target placed on " + where)
        _append(rows, a, k, spec, accounts.get(a, 0.0), trade if mine else 0.0,
                trade if mine and not within else 0.0, price, note)


def _append(rows, account, key, spec, current, change, q, price, note) -> None:
    """One row: ``change`` moves the account's target, ``q`` is what it trades now."""
    fee_rate = spec.taker_fee if np.isfinite(spec.taker_fee) else 0.0
    rows["account"].append(account)
    rows["contract"].append(key)
    rows["current"].append(current)
    rows["target"].append(current + change)
    rows["trade"].append(q)
    rows["side"].append("buy" if q > 0 else "sell" if q < 0 else NO_TRADE)
    rows["price"].append(price)
    rows["notional_usd"].append(abs(q) * spec.multiplier * (price if spec.linear else 1.0))
    rows["fee"].append(float(core.trading_fee(q, price, key, fee_rate)))  # as booked
    rows["fee_currency"].append(spec.settle.upper())
    rows["note"].append(note)


def coin_exposure(h: Holdings, pos: Positions | None, trades: Trades,
                  marks: dict[str, float]) -> Exposure:
    """Per coin of a hedge contract. A holding hedged on another coin's contract (SOL on
    BTCUSD_PERP) counts there, beta-adjusted, in that coin (its ``cross`` column)."""
    coins = list(dict.fromkeys(core.get_contract(k).coin.upper() for k in trades.contract))
    margins = margin_by_coin(pos)
    spot = {c: 0.0 for c in coins}
    cross = {c: 0.0 for c in coins}
    for a, q, p, b, k in zip(h.asset, h.quantity, h.price, h.beta, h.contract):
        c = core.get_contract(k).coin.upper()
        if a.upper() == c:
            spot[c] += float(q)
        elif c in cross:
            cross[c] += float(q * p * b) / marks[c]
    fut = {c: 0.0 for c in coins}
    after = {c: 0.0 for c in coins}
    for k, cur, tr in zip(trades.contract, trades.current, trades.trade):
        spec = core.get_contract(k)
        c = spec.coin.upper()
        fut[c] += _delta_coins(cur, spec, marks[c])
        after[c] += _delta_coins(cur + tr, spec, marks[c])
    col = lambda d: np.array([d.get(c, 0.0) for c in coins], float)  # noqa: E731
    s, x, m, f, fa = col(spot), col(cross), col(margins), col(fut), col(after)
    long = s + x + m
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(long > 0, -f / long, np.nan)
        ratio_after = np.where(long > 0, -fa / long, np.nan)
    return Exposure(coins, np.array([marks[c] for c in coins]), s, x, m, f, fa, long + f,
                    long + fa, ratio, ratio_after)
