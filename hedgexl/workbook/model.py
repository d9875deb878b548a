"""Everything a hedge workbook shows, computed column by column with the vectorised core.

The template and every report are written from a :class:`WorkbookData` (the inputs) and the
:class:`Numbers` computed here. The writer puts each number in a cell, with the HEDGE_*
formula that computes it in Excel, so a recalculation gives the same values (the tests
prove it with an independent formula engine).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .. import core
from ..book import Book
from ..book.sizing import Sizing, size_holdings
from ..inputs import Funding, Holdings, InputError

__all__ = ["WorkbookData", "Numbers", "compute", "Settings", "Sizing", "size_holdings"]


@dataclass
class Settings:
    valuation_date: dt.date
    default_hedge_ratio: float = 1.0
    title: str = "Hedge report"
    hide_data_sheets: bool = False  # a report hides its data sheets, so it prints in 4 pages


@dataclass
class WorkbookData:
    holdings: Holdings
    settings: Settings
    contracts: list  # ContractSpec rows for the Contracts sheet
    funding: Funding | None = None
    price_dates: list[str] | None = None
    prices: dict[str, np.ndarray] | None = None  # asset -> prices on price_dates
    benchmark: str = "BTC"
    hedge_ratio_given: np.ndarray | None = None  # False where the default applies
    shocks: np.ndarray = field(default_factory=lambda: core.DEFAULT_SHOCKS.copy())
    funding_note: str = "No funding history was given (see --funding)."
    notes: list = field(default_factory=list)  # said under the Holdings table
    warnings: list = field(default_factory=list)  # the notes a user must also be told
    book: Book | None = None  # the positions held and today's trades (--positions)


@dataclass
class Numbers:
    """What the sheets show beyond the inputs: the holdings' hedge (the book's
    :class:`~hedgexl.book.sizing.Sizing`, sized once), coverage, totals, the scenarios,
    funding, the PnL example, betas and mixes."""
    sizing: Sizing
    coverage: np.ndarray
    totals: dict
    scenario: np.ndarray
    funding_position: float | None
    funding_series: np.ndarray | None
    funding_total: float | None
    pnl: dict | None
    betas: dict  # asset -> (beta, r2) against the benchmark
    mixes: dict  # holding's asset -> Mix: its best contract coin alone and the best two

    # the hedge of each holding, as the sizing has it
    value = property(lambda self: self.sizing.value)
    notional = property(lambda self: self.sizing.notional)
    contracts = property(lambda self: self.sizing.contracts)
    residual = property(lambda self: self.sizing.residual)
    hedge_price = property(lambda self: self.sizing.hedge_price)  # NaN for inverse rows
    hedge_price_row = property(lambda self: self.sizing.hedge_price_row)  # or None

    @cached_property
    def any_linear(self) -> bool:
        """Some holding is hedged on a linear contract (computed once: the writer asks for
        every row)."""
        return any(r is not None for r in self.hedge_price_row)


def _desk_totals(b) -> dict:
    """The desk's figures for the summary: trades, the nearest known liquidation (and how
    many are refused), funding accrued and carry a year, in USD."""
    t = b.totals()
    dist = b.risk.distance[np.isfinite(b.risk.distance)]
    return {"trades": int(np.count_nonzero(b.trades.trade)),
            "nearest_liquidation": float(dist.min()) if dist.size else None,
            "liquidation_refused": len(b.risk.refused),
            "funding_accrued_usd": t["accrued_usd"],
            "carry_year_usd": t["per_year_latest_usd"]}


def _sizing(d: WorkbookData) -> Sizing:
    """The holdings' hedge, sized once: the book's, when there is one."""
    b = d.book
    return b.sizing if b is not None and b.sizing is not None else size_holdings(d.holdings)


def compute(d: WorkbookData) -> Numbers:
    h = d.holdings
    s = _sizing(d)
    keys, hp = s.keys, s.hedge_price
    value, notional, contracts, residual = s.value, s.notional, s.contracts, s.residual
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(value == 0, 0.0, (notional - residual) / value)
    tv, tn, tr = float(value.sum()), float(notional.sum()), float(residual.sum())
    for what, x in (("spot value", tv), ("hedge notional", tn), ("residual", tr)):
        if not np.isfinite(x):  # each row fits in a number but their sum does not
            raise InputError(h.source, f"the total {what} overflows (the holdings add up "
                                       f"past what a number can hold)")
    totals = {"value": tv, "notional": tn, "residual": tr,
              "coverage": 0.0 if tv == 0 else (tn - tr) / tv}
    scenario = core.scenario(h.quantity, h.price, contracts, keys, d.shocks, h.beta, hp)

    f = d.funding
    pos = series = total = pnl = None
    if f is not None and len(f.mark_price):
        key = f.contract.upper()
        pos = float(sum(c for c, k in zip(contracts, h.contract) if k.upper() == key))
        series = core.funding_series(pos, key, f.mark_price, f.funding_rate)
        total = float(series[-1])
        pnl = _pnl(d, contracts)
    totals["funding"] = total
    totals["funding_coin_name"] = core.get_contract(f.contract).settle if total is not None \
        else None
    totals["net_pnl"] = pnl["net"] if pnl else None
    if d.book is not None:
        totals.update(_desk_totals(d.book))

    return Numbers(s, coverage, totals, scenario, pos, series, total, pnl, _betas(d),
                   _mixes(d))


def _betas(d: WorkbookData) -> dict:
    """Each priced asset's (beta, R²) against the benchmark; (None, None) where the
    history cannot give them."""
    betas = {}
    if not d.prices or d.benchmark not in d.prices:
        return betas
    b = d.prices[d.benchmark]
    for a, p in d.prices.items():
        if a == d.benchmark:
            continue
        try:
            betas[a] = (core.beta(p, b), core.hedge_effectiveness(p, b))
        except ValueError:
            betas[a] = (None, None)
    return betas


@dataclass
class Mix:
    """A holding hedged on the coin whose returns explain its own best (``single``: coin,
    beta, R²) and on the best two together (``pair``: coins, weights, R² of the mix)."""

    single: tuple
    pair: tuple | None


def _mixes(d: WorkbookData) -> dict:
    """For each holding with a price history: its best single contract coin and the mix of
    the best two (:func:`hedgexl.core.mv_weights`), among the coins of the inverse presets
    that the price history has."""
    if not d.prices:
        return {}
    names = {k.upper(): k for k in d.prices}
    coins = list(dict.fromkeys((s.coin or "").upper() for s in d.contracts
                               if not s.linear and (s.coin or "").upper() in names))
    out = {}
    for asset in dict.fromkeys(d.holdings.asset):
        a = names.get(asset.upper())
        fits = _fits(d.prices, a, [names[c] for c in coins]) if a is not None else []
        if fits:
            out[a] = Mix((fits[0][2], fits[0][1], fits[0][0]), _pair(d.prices, a, fits))
    return out


def _fits(prices: dict, a: str, coins: list) -> list:
    """(R², beta, coin) of asset ``a`` on each coin, the best first."""
    fits = []
    for c in coins:
        try:
            fits.append((core.hedge_effectiveness(prices[a], prices[c]),
                         core.beta(prices[a], prices[c]), c))
        except ValueError:
            continue
    return sorted(fits, key=lambda f: -f[0])


def _pair(prices: dict, a: str, fits: list):
    """The minimum-variance mix of the two best coins, or None (one coin, or its own)."""
    if len(fits) < 2 or fits[0][2].upper() == a.upper():
        return None
    c1, c2 = fits[0][2], fits[1][2]
    try:
        w, r2, _ = core.mv_weights(prices[a], prices[c1], prices[c2])
    except ValueError:
        return None
    return (c1, c2), (float(w[0]), float(w[1])), r2


def _pnl(d: WorkbookData, contracts) -> dict:
    """The first holding hedged on the funding contract over the funding history."""
    h, f = d.holdings, d.funding
    i = next((j for j, k in enumerate(h.contract) if k.upper() == f.contract.upper()), 0)
    key = f.contract.upper()
    spec = core.get_contract(key)
    qty = float(h.quantity[i])
    p0, p1 = float(f.mark_price[0]), float(f.mark_price[-1])
    q = core.hedge_contracts(qty * p0, key, float(h.hedge_ratio[i]), float(h.beta[i]), p0)
    rate = spec.taker_fee if np.isfinite(spec.taker_fee) else 0.0
    funding = core.funding_total(q, key, f.mark_price, f.funding_rate)
    fees = core.trading_fee(q, p0, key, rate) + core.trading_fee(q, p1, key, rate)
    b = core.net_pnl_breakdown(qty, p0, p1, q, p0, p1, key, funding, fees)
    return {"row": i, "asset": h.asset[i], "qty": qty, "entry": p0, "exit": p1,
            "contract": key, "contracts": q, "fee_rate": rate, "funding_coin": funding,
            "fees_coin": fees, **b}
