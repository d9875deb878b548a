"""A book's hedge over history: the holdings' prices and their contracts' funding lined up on
the price dates, hedge policies, and the core's :func:`~hedgexl.core.hedge_backtest` run for
each holding, vectorised over the policies.

Steps are the price file's dates (daily closes). A funding at time τ is paid on the position
held over the day that ends at τ: τ's UTC date, or the day before when τ is 00:00 (a
fixing at midnight closes the previous day). Each step's fundings are summed exactly,
each at its own mark price, into the one rate per step the core takes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .. import core
from ..inputs import Funding, Holdings, Positions

__all__ = ["Policy", "History", "BookBacktest",
           "line_up", "run_policies", "REBALANCE_RULES"]

REBALANCE_RULES = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Policy:
    """A hedge policy: a hedge ratio (None: each holding's own), when the hedge may trade,
    and a no-trade band (a fraction of the target)."""

    rebalance: str = "weekly"
    band: float = 0.0
    hedge_ratio: float | None = None

    @property
    def name(self) -> str:
        h = "file's ratio" if self.hedge_ratio is None else f"h {self.hedge_ratio:.0%}"
        b = f", band {self.band:.0%}" if self.band else ""
        return f"{h}, {self.rebalance}{b}"


@dataclass
class History:
    """The holdings' histories on the common dates."""

    dates: list[str]
    holdings: Holdings
    spot: list[np.ndarray]  # per holding: its asset's prices
    hedge: list[np.ndarray]  # per holding: its contract's coin's prices (USD)
    rates: list[np.ndarray]  # per holding: the step's funding as one rate at hedge[t]
    cross: list[bool]  # per holding: the contract's coin is not the holding's
    specs: list[core.ContractSpec]
    fundings: dict = field(default_factory=dict)  # contract -> events used (count)
    notes: list[str] = field(default_factory=list)
    #: per holding: the part of ``rates`` from the step's negative fixings (funding gross)
    negative: list[np.ndarray] = field(default_factory=list)


def _day_of(t: str) -> str:
    """The price date a funding time belongs to (see the module)."""
    s = str(t).strip().replace("Z", "").replace(" ", "T")
    try:
        x = dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"funding time {t!r} is not a date and time such as "
                         f"2024-01-01T08:00:00Z") from None
    return (x - dt.timedelta(seconds=1)).date().isoformat()


def _prices_of(name: str, cols: dict, source: str, what: str) -> np.ndarray:
    upper = {k.upper(): v for k, v in cols.items()}
    if name.upper() not in upper:
        raise ValueError(f"{source}: no {name} prices ({what}); the price files have "
                         f"{', '.join(cols) or 'none'}")
    return upper[name.upper()]


def line_up(h: Holdings, prices, funding: dict[str, Funding], *, since=None, until=None,
            prices_source="--prices", funding_source="--funding") -> History:
    """Line up each holding's prices, its contract's coin's prices and its funding on the
    price dates from ``since`` to ``until`` (default: the span every input covers).

    Refuses, in one line naming the input, a holding whose asset or coin has no prices, a
    contract with no funding rows, and a day inside the span with fewer fundings than the
    contract's interval gives. Dates where a needed price is missing are skipped (the step
    spans them) and said in :attr:`History.notes`.
    """
    dates, cols = prices
    specs = [core.get_contract(c) for c in h.contract]
    need: dict[str, str] = {}
    for a, s in zip(h.asset, specs):
        need.setdefault(a.upper(), f"holding {a}")
        need.setdefault((s.coin or a).upper(), f"the coin of {s.key}")
    series = {n: _prices_of(n, cols, prices_source, w) for n, w in need.items()}
    # The span: every price present, every funding history started and not yet ended.
    lo, hi = 0, len(dates) - 1
    for n, v in series.items():
        ok = np.flatnonzero(np.isfinite(v))
        if not ok.size:
            raise ValueError(f"{prices_source}: {n} has no prices")
        lo, hi = max(lo, ok[0]), min(hi, ok[-1])
    events: dict[str, tuple] = {}
    for s in dict.fromkeys(specs):
        f = funding.get(s.key.upper()) if funding else None
        if f is None:
            have = ", ".join(k for k in (funding or {}) if k) or "none"
            raise ValueError(f"{funding_source}: no funding rows for {s.key} (the file has "
                             f"{have}); fetch them with: hedgexl fetch funding {s.key}")
        days = np.array([_day_of(t) for t in f.time])
        order = np.argsort(days, kind="stable")
        events[s.key] = (days[order], f.mark_price[order], f.funding_rate[order], f)
        first, last = days[order][0], days[order][-1]
        lo = max(lo, int(np.searchsorted(dates, first, side="left")))
        hi = min(hi, int(np.searchsorted(dates, last, side="right")) - 1)
    if since is not None:
        i = int(np.searchsorted(dates, str(since), side="left"))
        if str(since) < dates[lo]:
            raise ValueError(f"--since {since}: the inputs start together on {dates[lo]}")
        lo = i
    if until is not None:
        i = int(np.searchsorted(dates, str(until), side="right")) - 1
        if str(until) > dates[hi]:
            raise ValueError(f"--until {until}: the inputs end together on {dates[hi]}")
        hi = i
    if hi - lo < 2:
        raise ValueError("the prices and funding histories overlap on fewer than 3 dates "
                         f"({prices_source}, {funding_source}): nothing to backtest")
    keep = np.arange(lo, hi + 1)
    for n, v in series.items():
        keep = keep[np.isfinite(v[keep])]
    span = [dates[i] for i in keep]
    skipped = hi + 1 - lo - len(keep)
    if len(span) < 3:
        raise ValueError(f"{prices_source}: fewer than 3 dates with every price between "
                         f"{dates[lo]} and {dates[hi]}")
    hist = History(span, h, [], [], [], [], specs)
    if skipped:
        hist.notes.append(f"{skipped} of {hi + 1 - lo} dates lack a price in {prices_source} "
                          f"and are skipped: the step before spans them (its PnL and its "
                          f"funding cover both days)")
    per_contract = {}
    for key, (days, marks, rates, f) in events.items():
        s = core.get_contract(key)
        step = np.searchsorted(span, days, side="left")
        use = (step > 0) & (step < len(span)) & (days > span[0])
        _check_gaps(f, days[use], s, span, funding_source)
        per_contract[key] = (step[use], marks[use], rates[use])
        hist.fundings[key] = int(use.sum())
    for a, s in zip(h.asset, specs):
        P = series[a.upper()][keep]
        hp = series[(s.coin or a).upper()][keep]
        step, m, r = per_contract[s.key]
        g, neg = (_step_rate(step, m, x, hp, s.linear, len(span))
                  for x in (r, np.minimum(r, 0.0)))
        hist.spot.append(P)
        hist.hedge.append(hp)
        hist.rates.append(g)
        hist.negative.append(neg)
        hist.cross.append(not s.linear and (s.coin or a).upper() != a.upper())
    stable = sorted({s.settle.upper() for s in specs if s.linear})
    if stable:  # said where the sheet adds them to dollars
        hist.notes.append(f"{', '.join(stable)} amounts (the PnL, funding and fees of linear "
                          f"contracts) are counted at 1 USD.")
    return hist


def _step_rate(step, marks, rates, hp, linear: bool, n: int) -> np.ndarray:
    """The fixings of each step as one rate at the step's price ``hp``: linear,
    Σ r·M / H (so that −q·c·H·g = Σ −q·c·M·r); inverse, Σ r/M · H (−q·F/H·g = Σ −q·F/M·r)."""
    acc = np.zeros(n)
    np.add.at(acc, step, rates * marks if linear else rates / marks)
    return acc / hp if linear else acc * hp


def _check_gaps(f: Funding, days: np.ndarray, spec, span, source) -> None:
    """Refuse a funding history with fewer fundings on a day inside the span than its
    interval gives (three a day at 8 hours)."""
    hours = f.interval_hours[0] if f.interval_hours is not None and \
        np.isfinite(f.interval_hours[0]) else spec.funding_hours
    per_day = max(1, int(round(24 / hours))) if hours and hours > 0 else 1
    got = dict(zip(*np.unique(days, return_counts=True)))
    d, end = dt.date.fromisoformat(span[0]), dt.date.fromisoformat(span[-1])
    while d < end:
        d += dt.timedelta(days=1)
        if got.get(d.isoformat(), 0) < per_day:
            raise ValueError(f"{source}: {spec.key} has {got.get(d.isoformat(), 0)} of its "
                             f"{per_day} fundings on {d} (inside the backtest from {span[0]} "
                             f"to {span[-1]}); fetch the full history or narrow "
                             f"--since/--until")


@dataclass
class BookBacktest:
    """Per policy, per holding: the core's :class:`~hedgexl.core.Backtest` (one lane)."""

    history: History
    policies: list[Policy]
    leverage: float
    runs: list[core.Backtest]  # per holding; lanes are the policies

    def lane(self, holding: int, policy: int) -> dict:
        """One holding under one policy: the daily columns as 1-D arrays."""
        bt = self.runs[holding]
        return {c: getattr(bt, c)[:, policy] for c in core.BACKTEST_COLUMNS}

    def portfolio(self) -> dict:
        """The book's USD values under each policy: ``unhedged`` and ``hedged``, (T, P)."""
        return {"unhedged": sum(bt.unhedged for bt in self.runs),
                "hedged": sum(bt.hedged for bt in self.runs)}

    def stats(self) -> dict:
        """:func:`~hedgexl.core.backtest_stats` of the whole book, per policy."""
        u = self.portfolio()
        book = core.Backtest(
            spot_price=u["unhedged"], hedge_price=u["unhedged"],
            contracts=np.zeros_like(u["hedged"]),
            traded=sum((bt.traded != 0).astype(float) for bt in self.runs),
            pnl=sum(bt.pnl * bt.settle_usd for bt in self.runs),
            funding=sum(bt.funding * bt.settle_usd for bt in self.runs),
            funding_in=sum(bt.funding_in * bt.settle_usd for bt in self.runs),
            funding_out=sum(bt.funding_out * bt.settle_usd for bt in self.runs),
            fees=sum(bt.fees * bt.settle_usd for bt in self.runs),
            margin=sum(bt.margin * bt.settle_usd for bt in self.runs),
            deposits=sum(bt.deposits * bt.settle_usd for bt in self.runs),
            liquidated=np.logical_or.reduce([bt.liquidated for bt in self.runs]),
            unhedged=u["unhedged"], hedged=u["hedged"],
            settle_usd=np.ones_like(u["hedged"]))
        s = core.backtest_stats(book)
        s["trades"] = sum(((bt.traded != 0).sum(axis=0)) for bt in self.runs)
        return s


def _start_contracts(h: Holdings, specs, positions: Positions | None, start: str, hist,
                     notes) -> np.ndarray:
    """Contracts held at the start, per holding: each contract's net position (opened on or
    before the first date) split over the holdings hedged on it by their beta-weighted
    values, in whole lots (the remainder to the largest)."""
    q0 = np.zeros(len(h))
    if positions is None:
        return q0
    first = dt.datetime.fromisoformat(start)
    net: dict[str, float] = {}
    for c, q, t in zip(positions.contract, positions.contracts, positions.opened_at):
        if t is not None and t > first + dt.timedelta(days=1):
            notes.append(f"a {c} position opened {t:%Y-%m-%d}, after the backtest starts "
                         f"({start}), is left out")
            continue
        net[c.upper()] = net.get(c.upper(), 0.0) + float(q)
    for key, q in net.items():
        idx = [i for i, s in enumerate(specs) if s.key.upper() == key]
        if not idx:
            notes.append(f"the {key} position ({q:,.6g} contracts) hedges no holding and is "
                         f"left out")
            continue
        w = np.array([abs(h.quantity[i] * hist.spot[i][0] * h.beta[i]) for i in idx])
        w = w / w.sum() if w.sum() > 0 else np.full(len(idx), 1.0 / len(idx))
        lot = hist.specs[idx[0]].lot
        shares = np.round(q * w / lot) * lot  # whole lots; the rest to the largest share
        shares[int(np.argmax(w))] += q - shares.sum()
        for i, qi in zip(idx, shares):
            q0[i] = qi
    return q0


def run_policies(hist: History, policies: list[Policy], *, leverage=1.0,
                 positions: Positions | None = None) -> BookBacktest:
    """Run every holding under every policy: one core call per holding, the policies as
    lanes."""
    h = hist.holdings
    for p in policies:
        if p.rebalance not in REBALANCE_RULES:
            raise ValueError(f"--rebalance must be one of {', '.join(REBALANCE_RULES)}, "
                             f"got {p.rebalance!r}")
    masks = {r: core.rebalance_schedule(hist.dates, r) for r in
             dict.fromkeys(p.rebalance for p in policies)}
    reb = np.column_stack([masks[p.rebalance] for p in policies])
    band = np.array([p.band for p in policies])
    q0 = _start_contracts(h, hist.specs, positions, hist.dates[0], hist, hist.notes)
    runs = []
    for i in range(len(h)):
        ratio = np.array([h.hedge_ratio[i] if p.hedge_ratio is None else p.hedge_ratio
                          for p in policies])
        runs.append(core.hedge_backtest(
            h.quantity[i], hist.spot[i], hist.specs[i], hedge_ratio=ratio, beta=h.beta[i],
            hedge_prices=hist.hedge[i][:, None], funding_rates=hist.rates[i][:, None],
            negative_rates=hist.negative[i][:, None],
            rebalance=reb, band=band, leverage=leverage, start_contracts=q0[i],
            cross=hist.cross[i]))
    return BookBacktest(hist, list(policies), float(leverage), runs)
