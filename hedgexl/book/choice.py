"""Perpetual or dated: what each instrument would earn (+) or cost (−) a year on a coin's
short hedge. A short perpetual receives the funding rate (longs pay shorts when it is
positive); a short dated future sold above the index earns the basis as it converges at
expiry, (F/S − 1)·365/days a year. Both in USD a year on the hedge's notional at the
valuation date; the larger is the cheaper way to hold the hedge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .. import core
from ..inputs import Funding
from .carry import HOURS_PER_YEAR, TRAILING_DAYS, fixing_times

__all__ = ["CarryChoice", "compare_carry", "last_price", "perp_rates"]


@dataclass
class CarryChoice:
    """One row per (coin, instrument): a perpetual (latest rate and trailing average) or a
    dated future (its annualised basis); ``best`` names each coin's cheaper instrument."""

    coin: list[str]
    contract: list[str]
    kind: list[str]  # "latest rate", "30-day avg" (a perpetual) or "81 days" (dated)
    rate_year: np.ndarray  # a fraction a year, + earned by a short
    usd_year: np.ndarray  # on the coin's hedge notional
    notional_usd: dict[str, float]  # coin -> the hedge's USD notional
    best: dict[str, str]  # coin -> its cheaper instrument's contract and kind
    notes: list[str]


def perp_rates(key: str, f: Funding | None, end: dt.datetime):
    """(latest, trailing average) funding a year, as fractions; None when unknown."""
    if f is None:
        return None
    t = fixing_times(f)
    upto = t <= np.datetime64(end, "s")
    if not upto.any():
        return None
    j = np.flatnonzero(upto)[-1]
    hours = f.interval_hours[j] if f.interval_hours is not None else \
        core.get_contract(key).funding_hours
    per_year = HOURS_PER_YEAR / (hours if hours > 0 else 8.0)
    window = upto & (t > np.datetime64(end, "s") - np.timedelta64(TRAILING_DAYS, "D"))
    return f.funding_rate[j] * per_year, float(np.mean(f.funding_rate[window])) * per_year


def compare_carry(coins_notional: dict[str, float], perps: dict[str, str],
                  funding: dict[str, Funding] | None, futures: dict, marks: dict[str, float],
                  end: dt.datetime) -> CarryChoice:
    """``coins_notional``: coin -> USD notional of its short hedge; ``perps``: coin -> the
    perpetual it is hedged on; ``futures``: dated key -> [(time, price)] (the latest on or
    before ``end`` is used); ``marks``: coin -> index price S."""
    rows: list[tuple] = []
    notes: list[str] = []
    for coin, notional in coins_notional.items():
        rows += _perp_rows(coin, notional, perps.get(coin), funding, end, notes)
        rows += _dated_rows(coin, notional, futures, marks[coin], end, notes)
    best = {}
    for coin in coins_notional:
        mine = [r for r in rows if r[0] == coin]
        if mine:
            top = max(mine, key=lambda r: r[3])
            best[coin] = f"{top[1]} ({top[2]})"
    return CarryChoice([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                       np.array([r[3] for r in rows]), np.array([r[4] for r in rows]),
                       dict(coins_notional), best, notes)


def _perp_rows(coin, notional, key, funding, end, notes) -> list[tuple]:
    """The coin's perpetual at its latest rate and its trailing average, a year."""
    if not key:
        return []
    rates = perp_rates(key, (funding or {}).get(key), end)
    if rates is None:
        notes.append(f"{coin}: no funding history of {key} up to the valuation date, so the "
                     f"perpetual is not compared")
        return []
    return [(coin, key, label, r, r * notional)
            for label, r in zip(("latest rate", f"{TRAILING_DAYS}-day avg"), rates)]


def last_price(futures: dict | None, key: str, end: dt.datetime):
    """``(time, price)`` of ``key``'s latest price on or before ``end`` in ``futures``
    (sorted by time, as :func:`hedgexl.inputs.read_futures_prices` gives them); None when
    it has none by then."""
    seen = [tp for tp in (futures or {}).get(key, []) if tp[0] <= end]
    return seen[-1] if seen else None


def _dated_rows(coin, notional, futures, spot, end, notes) -> list[tuple]:
    """The coin's dated futures priced on or before ``end`` and not yet expired."""
    out = []
    for key in futures:
        spec = core.get_contract(key)
        if spec.coin.upper() != coin:
            continue
        seen = last_price(futures, key, end)
        expiry = core.expiry_of(key)
        if seen is None or expiry <= end:
            notes.append(f"{key}: {'expired' if expiry <= end else 'no price'} by the "
                         f"valuation date, not compared")
            continue
        t, price = seen
        days = core.days_to_expiry(key, t)
        r = float(core.basis(price, spot, days))
        out.append((coin, key, f"{days:.0f} days", r, r * notional))
    return out
