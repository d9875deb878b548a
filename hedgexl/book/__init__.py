"""The book: a portfolio's holdings and futures positions, and what follows from them:
the hedge of each holding (:mod:`.sizing`), each position's margin and liquidation
(:mod:`.risk`), funding accrued and carry (:mod:`.carry`), the trades that bring the hedge
back on target and the net exposure per coin (:mod:`.trades`).

Everything here is numbers from the core; nothing is laid out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .. import core
from ..inputs import Funding, Holdings, InputError, Positions
from .carry import Carry, position_carry
from .choice import CarryChoice, compare_carry, last_price
from .notes import day_end, first_settled
from .risk import Risk, position_risk
from .sizing import Sizing, size_holdings
from .trades import Exposure, Trades, coin_exposure, margin_by_coin, plan_trades

__all__ = ["Book", "build_book", "coin_marks", "Sizing", "size_holdings", "Risk", "Carry",
           "Trades", "Exposure", "COVERAGE_LABEL", "USD_PER_STABLE", "margin_by_coin"]

#: The one definition of coverage, said wherever it is shown (CLI, summary, workbook): the
#: beta-weighted hedge notional net of the rounding residual, over the spot value.
COVERAGE_LABEL = "Coverage (beta-adjusted, net of rounding)"
#: A USDT amount is counted as this many USD.
USD_PER_STABLE = 1.0


@dataclass
class Book:
    positions: Positions
    marks: dict[str, float]  # coin -> USD
    risk: Risk
    carry: Carry
    trades: Trades
    exposure: Exposure
    valuation: dt.datetime
    band: float
    notes: list[str] = field(default_factory=list)
    sizing: Sizing | None = None  # the holdings' hedge, sized once for every sheet
    choice: CarryChoice | None = None  # perpetual or dated (--futures-prices)

    @cached_property
    def _totals(self) -> dict:
        return self._sum_totals()

    def usd(self, amounts, currencies) -> np.ndarray:
        """Settlement-currency amounts in USD at the marks (USDT at 1 USD)."""
        return np.array([a * (USD_PER_STABLE if core.is_stable(c) else self.marks[c]) for a, c in zip(amounts, currencies)])

    def totals(self) -> dict:
        """Per settlement currency: funding accrued and carry a year, and their USD sum
        (computed once)."""
        return self._totals

    def _sum_totals(self) -> dict:
        out = {}
        for key, arr in (("accrued", self.carry.accrued),
                         ("per_year_latest", self.carry.per_year_latest),
                         ("per_year_avg", self.carry.per_year_avg)):
            by: dict[str, float] = {}
            for a, c in zip(arr, self.risk.settle):
                if np.isfinite(a):
                    by[c] = by.get(c, 0.0) + float(a)
            out[key] = by
            out[key + "_usd"] = float(sum(self.usd(list(by.values()), list(by)))) if by \
                else None  # unknown (no funding history), not zero
        return out


def _check_held_then(pos: Positions, valuation: dt.date, end: dt.datetime) -> None:
    """Refuse a position opened after the valuation date, or in a dated future that had
    settled by then (it is no longer held)."""
    for i, t in enumerate(pos.opened_at):
        if t is not None and t > end:
            raise InputError(pos.source, f"{pos.account[i]} {pos.contract[i]} opened "
                                         f"{t:%Y-%m-%d %H:%M} UTC, after the valuation date "
                                         f"{valuation}: it was not held then", pos.rows[i][0])
    found = first_settled(pos.contract, end)
    if found is not None:
        i, expiry = found
        raise InputError(pos.source, f"{pos.account[i]} {pos.contract[i]} expired on "
                                     f"{expiry:%Y-%m-%d %H:%M} UTC, by the valuation date "
                                     f"{valuation}: it is no longer held", pos.rows[i][0])


def coin_marks(h: Holdings, pos: Positions | None, prices=None,
               valuation: dt.date | None = None) -> dict[str, float]:
    """The USD price of each coin: the holdings' price, else the positions file's
    mark_price, else the last price on or before the valuation date in ``prices``
    (``(dates, {asset: array})``)."""
    marks: dict[str, float] = {}
    for a, p in zip(h.asset, h.price):
        marks.setdefault(a.upper(), float(p))
    if pos is not None:
        for c, p in pos.marks.items():
            marks.setdefault(c, float(p))
    if prices:
        dates, cols = prices
        last = valuation.isoformat() if valuation else max(dates)
        for a, col in cols.items():
            ok = [i for i, d in enumerate(dates) if d <= last and np.isfinite(col[i])]
            if ok:
                marks.setdefault(a.upper(), float(col[ok[-1]]))
    return marks


def build_book(h: Holdings, pos: Positions, *, sizing: Sizing | None = None,
               funding: dict[str, Funding] | None = None, prices=None,
               valuation: dt.date, default_hedge_ratio: float = 1.0,
               band: float = 0.0, futures: dict | None = None,
               roll_days: float = 7.0) -> Book:
    """The desk's day for one portfolio. ``valuation`` is a date: funding up to the end of
    that day (UTC) counts. Refuses (InputError naming the positions file) a position in a
    coin that has no price."""
    s = sizing or size_holdings(h)
    marks = coin_marks(h, pos, prices, valuation)
    for k in dict.fromkeys(pos.contract):
        c = core.get_contract(k).coin.upper()
        if c not in marks:
            raise InputError(pos.source, f"positions in {k} need a {c} price: add a "
                                         f"holding of {c}, a mark_price column, or "
                                         f"--prices with {c}")
    end = day_end(valuation)
    _check_held_then(pos, valuation, end)
    risk = position_risk(pos, marks)
    carry = position_carry(pos, risk.mark, funding, end)
    rolls = _rolls(pos, end, roll_days)
    trades, notes = plan_trades(h, s, pos, marks, default_hedge_ratio, band, rolls)
    notes += _roll_notes(rolls, futures, end)
    exposure = coin_exposure(h, pos, trades, marks)
    notes = list(pos.notes) + risk.refusals + notes + carry.missing
    for k in risk.flat_tiers:
        spec = core.get_contract(k)
        notes.append(f"{k}: no margin tier table is bundled; its liquidation prices use the "
                     f"flat base rate {spec.maint_margin:.2%}: check the venue's tiers for a "
                     f"large position (hedgexl.load_tiers)")
    choice = _choice(h, s, funding, futures, marks, end) if futures else None
    if choice is not None:
        notes += choice.notes
    return Book(pos, marks, risk, carry, trades, exposure, end, band, notes, s, choice)


def _rolls(pos: Positions, end: dt.datetime, roll_days: float) -> dict[str, str]:
    """The dated futures held that settle within ``roll_days`` of ``end``: each -> the
    next quarterly of its venue and coin."""
    out = {}
    for k in dict.fromkeys(pos.contract):
        if core.expiry_of(k) is not None and core.days_to_expiry(k, end) <= roll_days:
            out[k] = core.next_quarterly(k)
    return out


def _roll_notes(rolls: dict[str, str], futures, end: dt.datetime) -> list[str]:
    """One line per roll: when the old one settles, and the spread where both are priced
    (--futures-prices)."""
    out = []
    for old, new in rolls.items():
        line = (f"{old} settles {core.expiry_of(old):%Y-%m-%d %H:%M} UTC, within the roll "
                f"window: rolled into {new}, its target with it")
        was, now = last_price(futures, old, end), last_price(futures, new, end)
        if was is not None and now is not None:
            spread = now[1] - was[1]
            line += (f"; spread {spread:+,.2f} USD per coin ({new} less {old}, their last "
                     f"prices), which a short earns as {new} converges")
        out.append(line)
    return out


def _choice(h: Holdings, s: Sizing, funding, futures, marks, end) -> CarryChoice:
    """Perpetual or dated, per coin the holdings hedge: the hedge's USD notional on that
    coin's contracts, its perpetual, and the dated futures priced."""
    notional: dict[str, float] = {}
    perps: dict[str, str] = {}
    for k, n in zip(h.contract, s.notional):
        spec = core.get_contract(k)
        coin = spec.coin.upper()
        notional[coin] = notional.get(coin, 0.0) + float(n)
        if not spec.expiry:
            perps.setdefault(coin, spec.key)
    return compare_carry(notional, perps, funding, futures, marks, end)



