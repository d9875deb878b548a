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

__all__ = ["Policy", "History", "BookBacktest", "DatedHedge", "dated_legs", "dated_span",
           "MAX_ROLL_DAYS",
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
    #: a dated hedge, per holding: the contract held at each step, its price, and at a
    #: roll the expiring contract's closing price (NaN elsewhere); empty for perpetuals
    held: list[list[str]] = field(default_factory=list)
    futures: list[np.ndarray] = field(default_factory=list)
    rolls: list[np.ndarray] = field(default_factory=list)

    def hedged_on(self, i: int) -> str:
        """What holding ``i`` is hedged on: its contract's key, or for a dated hedge the
        quarterlies it rolls through (``BINANCE BTC quarterlies``)."""
        s = self.specs[i]
        return f"{s.venue} {s.coin} quarterlies" if self.held else s.key


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


@dataclass(frozen=True)
class DatedHedge:
    """Hedge with each perpetual's dated quarterlies instead: ``futures`` their prices
    (``{key: [(time, price), ...]}``, as :func:`hedgexl.inputs.read_futures_prices` reads
    them), rolled ``roll_days`` days before each expiry."""

    futures: dict
    roll_days: int = 7
    source: str = "--futures-prices"


def line_up(h: Holdings, prices, funding: dict[str, Funding] | None, *, since=None,
            until=None, prices_source="--prices", funding_source="--funding",
            dated: DatedHedge | None = None) -> History:
    """Line up each holding's prices, its contract's coin's prices and its funding on the
    price dates from ``since`` to ``until`` (default: the span every input covers). With
    ``dated``, each holding is hedged on its perpetual's dated quarterlies instead (no
    funding; see :func:`dated_legs`).

    Refuses, in one line naming the input, a holding whose asset or coin has no prices, a
    contract with no funding rows, and a day inside the span with fewer fundings than the
    contract's interval gives. Dates where a needed price is missing are skipped (the step
    spans them) and said in :attr:`History.notes`.
    """
    dates, cols = prices
    specs = [core.get_contract(c) for c in h.contract]
    series = _needed_prices(h, specs, cols, prices_source)
    events = {} if dated else _funding_events(specs, funding, funding_source)
    lo, hi, keep = _rows(dates, series, events, dated, since, until,
                         f"({prices_source}, {funding_source})", prices_source)
    span = [dates[i] for i in keep]
    hist = History(span, h, [], [], [], [], specs)
    if hi + 1 - lo > len(keep):
        hist.notes.append(f"{hi + 1 - lo - len(keep)} of {hi + 1 - lo} dates lack a price in "
                          f"{prices_source} and are skipped: the step before spans them (its "
                          f"PnL{'' if dated else ' and its funding'} cover both days)")
    _add_series(hist, {n: v[keep] for n, v in series.items()},
                _per_contract(events, span, funding_source, hist))
    if dated:
        dated_legs(hist, dated)
    stable = sorted({s.settle.upper() for s in specs if s.linear})
    if stable:  # said where the sheet adds them to dollars
        hist.notes.append(f"{', '.join(stable)} amounts (the PnL, funding and fees of linear "
                          f"contracts) are counted at 1 USD.")
    return hist


def _add_series(hist: History, series: dict, per_contract: dict) -> None:
    """Each holding's prices, its contract's coin's prices and its funding as one rate per
    step (none without ``per_contract``: a dated hedge)."""
    n = len(hist.dates)
    for a, s in zip(hist.holdings.asset, hist.specs):
        P, hp = series[a.upper()], series[(s.coin or a).upper()]
        if s.key in per_contract:
            step, m, r, rn = per_contract[s.key]
            g, neg = (_step_rate(step, m, x, hp, s.linear, n) for x in (r, rn))
        else:
            g = neg = np.zeros(n)
        hist.spot.append(P)
        hist.hedge.append(hp)
        hist.rates.append(g)
        hist.negative.append(neg)
        hist.cross.append(not s.linear and (s.coin or a).upper() != a.upper())


def _rows(dates, series, events, dated, since, until, sources, prices_source):
    """The first and last rows every input covers (narrowed to ``--since``/``--until``),
    and the rows between them with every price."""
    lo, hi = _price_span(series, prices_source)
    bounds = [(d[0], d[-1]) for d, *_ in events.values()]
    if dated and dated_span(dated.futures):
        bounds.append(dated_span(dated.futures))
    lo, hi = _within(dates, lo, hi, bounds)
    lo, hi = _clip(dates, lo, hi, since, until, sources,
                   "dated futures prices" if dated else "funding histories")
    keep = np.arange(lo, hi + 1)
    for v in series.values():
        keep = keep[np.isfinite(v[keep])]
    if len(keep) < 3:
        raise ValueError(f"{prices_source}: fewer than 3 dates with every price between "
                         f"{dates[lo]} and {dates[hi]}")
    return lo, hi, keep


def _within(dates, lo, hi, bounds) -> tuple[int, int]:
    """The rows narrowed to every ``(first, last)`` date pair: each funding history's, or
    the span the dated prices cover."""
    for first, last in bounds:
        lo = max(lo, int(np.searchsorted(dates, first, side="left")))
        hi = min(hi, int(np.searchsorted(dates, last, side="right")) - 1)
    return lo, hi


def _needed_prices(h: Holdings, specs, cols: dict, source: str) -> dict[str, np.ndarray]:
    """The price series the holdings need: each asset's and each contract's coin's."""
    need: dict[str, str] = {}
    for a, s in zip(h.asset, specs):
        need.setdefault(a.upper(), f"holding {a}")
        need.setdefault((s.coin or a).upper(), f"the coin of {s.key}")
    return {n: _prices_of(n, cols, source, w) for n, w in need.items()}


def _price_span(series: dict, source: str) -> tuple[int, int]:
    """The rows from the latest first price to the earliest last price."""
    lo, hi = 0, min(len(v) for v in series.values()) - 1
    for n, v in series.items():
        ok = np.flatnonzero(np.isfinite(v))
        if not ok.size:
            raise ValueError(f"{source}: {n} has no prices")
        lo, hi = max(lo, ok[0]), min(hi, ok[-1])
    return lo, hi


def _funding_events(specs, funding, source) -> dict[str, tuple]:
    """Per contract: its fundings' price dates, marks and rates, in date order."""
    events: dict[str, tuple] = {}
    for s in dict.fromkeys(specs):
        f = funding.get(s.key.upper()) if funding else None
        if f is None:
            have = ", ".join(k for k in (funding or {}) if k) or "none"
            raise ValueError(f"{source}: no funding rows for {s.key} (the file has "
                             f"{have}); fetch them with: hedgexl fetch funding {s.key}")
        days = np.array([_day_of(t) for t in f.time])
        order = np.argsort(days, kind="stable")
        events[s.key] = (days[order], f.mark_price[order], f.funding_rate[order], f)
    return events


def _clip(dates, lo, hi, since, until, sources, what="funding histories"
          ) -> tuple[int, int]:
    """The span narrowed to ``--since``/``--until``, which must lie inside it."""
    if since is not None:
        if str(since) < dates[lo]:
            raise ValueError(f"--since {since}: the inputs start together on {dates[lo]}")
        lo = int(np.searchsorted(dates, str(since), side="left"))
    if until is not None:
        if str(until) > dates[hi]:
            raise ValueError(f"--until {until}: the inputs end together on {dates[hi]}")
        hi = int(np.searchsorted(dates, str(until), side="right")) - 1
    if hi - lo < 2:
        raise ValueError(f"the prices and {what} overlap on fewer than 3 dates "
                         f"{sources}: nothing to backtest")
    return lo, hi


def _per_contract(events, span, source, hist) -> dict[str, tuple]:
    """Per contract: the step each funding falls in, its mark and its rate (checked for
    gaps); the counts used go to ``hist.fundings``."""
    out = {}
    for key, (days, marks, rates, f) in events.items():
        s = core.get_contract(key)
        step = np.searchsorted(span, days, side="left")
        use = (step > 0) & (step < len(span)) & (days > span[0])
        _check_gaps(f, days[use], s, span, source)
        out[key] = (step[use], marks[use], rates[use], np.minimum(rates[use], 0.0))
        hist.fundings[key] = int(use.sum())
    return out


#: The largest ``--roll-days``: a quarterly is the nearest for about 91 days.
MAX_ROLL_DAYS = 90
#: A dated price outside this multiple of the index, either way, is refused as a typo or
#: another coin's price; beyond NOTE_BASIS it is said (a quarterly's premium is a few %).
MAX_PRICE_RATIO, NOTE_BASIS = 2.0, 0.10


def dated_legs(hist: History, dated: DatedHedge) -> None:
    """Each holding's hedge moved onto its perpetual's quarterlies: the contract held at
    each step (the first expiring more than ``roll_days`` after the first date; at the
    first step on or after ``roll_days`` before its expiry, the next), its price that day
    (``hist.futures``), and at a roll the expiring one's price (``hist.rolls``; NaN
    elsewhere). A step's price is the contract's latest timed on the step's date (UTC; a
    fetched daily close is timed 23:59:59 of its day). Refused: a price the file lacks for
    a contract on a day it is held, a roll that would come after the contract settled (a
    gap in the prices across its expiry), a price outside half to twice the index."""
    if not 1 <= dated.roll_days <= MAX_ROLL_DAYS:
        raise ValueError(f"--roll-days must be from 1 to {MAX_ROLL_DAYS} for a backtest "
                         f"(0: the expiry day's close comes after the 08:00 settlement; a "
                         f"quarterly is the nearest for about 91 days), got {dated.roll_days}")
    # a step's price is the latest timed on its date (UTC), as the report's valuation
    # takes the latest by the date's end; the lists are in time order
    by_day = {k: {t.date().isoformat(): p for t, p in v} for k, v in dated.futures.items()}
    for i in range(len(hist.specs)):
        held, G, R = _legs(hist, i, by_day, dated)
        _check_prices(hist, i, held, G, dated.source)
        hist.held.append(held)
        hist.futures.append(G)
        hist.rolls.append(R)
    for i in range(len(hist.specs)):
        hist.specs[i] = core.get_contract(hist.held[i][0])
    hist.notes.append("A dated hedge pays no funding: its carry is the basis it earns as each "
                      "quarterly converges to the index, and the spread at each roll, both in "
                      "its futures PnL (Funding shows 0)")


def _legs(hist: History, i: int, by_day: dict, dated: DatedHedge):
    """Holding ``i``'s contract held at each step, its price, and the closing price at a
    roll (NaN elsewhere)."""
    days = [dt.date.fromisoformat(d) for d in hist.dates]
    key = core.first_quarterly(hist.specs[i].key, days[0], dated.roll_days)
    held, G, R = [], np.empty(len(days)), np.full(len(days), np.nan)
    for t, day in enumerate(days):
        if (core.expiry_of(key).date() - day).days <= dated.roll_days:
            if day >= core.expiry_of(key).date():
                raise ValueError(
                    f"the prices skip from {hist.dates[t - 1]} to {hist.dates[t]}, across "
                    f"{key}'s roll and its settlement ({core.expiry_of(key):%Y-%m-%d %H:%M} "
                    f"UTC): a dated hedge cannot roll out of a settled contract; fill the "
                    f"gap in the prices or set --since/--until around it")
            R[t] = _dated_price(by_day, key, hist.dates[t], dated.source)
            new = core.next_quarterly(key)
            hist.notes.append(f"{hist.holdings.asset[i]}: rolled from {key} to {new} on "
                              f"{hist.dates[t]}, {dated.roll_days} days or less before "
                              f"{key} expires")
            key = new
        held.append(key)
        G[t] = _dated_price(by_day, key, hist.dates[t], dated.source)
    return held, G, R


def _check_prices(hist: History, i: int, held, G, source) -> None:
    """Refuse a dated price outside half to twice the index; note a basis beyond 10 %."""
    ratio = G / hist.hedge[i]
    far = ~((ratio > 1 / MAX_PRICE_RATIO) & (ratio < MAX_PRICE_RATIO))
    if far.any():
        t = int(np.flatnonzero(far)[0])
        raise ValueError(f"{source}: {held[t]} at {G[t]:,.2f} on {hist.dates[t]} is "
                         f"{ratio[t]:.2f} times the {hist.specs[i].coin} index "
                         f"({hist.hedge[i][t]:,.2f}): a typo or another coin's price?")
    wide = np.abs(ratio - 1) > NOTE_BASIS
    if wide.any():
        t = int(np.flatnonzero(wide)[0])
        hist.notes.append(f"{held[t]} is {ratio[t] - 1:+.1%} off the {hist.specs[i].coin} "
                          f"index on {hist.dates[t]} ({int(wide.sum())} day(s) beyond "
                          f"{NOTE_BASIS:.0%}): check {source}")


def dated_span(futures: dict) -> tuple[str, str] | None:
    """The first and last dates the dated prices cover (UTC), or None without any."""
    days = [t.date().isoformat() for v in futures.values() for t, _ in v]
    return (min(days), max(days)) if days else None


def _dated_price(by_day: dict, key: str, day: str, source: str) -> float:
    price = by_day.get(key, {}).get(day)
    if price is None:
        have = "no prices" if key not in by_day else \
            f"prices from {min(by_day[key])} to {max(by_day[key])}"
        settled = core.expiry_of(key) <= dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        fix = "it has settled, so the venues no longer list it: add its prices from your " \
              "own records" if settled else \
            f"add them, e.g. from: hedgexl fetch prices {key} --since {day} -o FILE"
        raise ValueError(f"{source}: no price of {key} on {day}, when the dated hedge holds "
                         f"it (the file has {have}); {fix}")
    return float(price)


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
            traded=sum(bt.trades().astype(float) for bt in self.runs),
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
        s["trades"] = sum(bt.trades().sum(axis=0) for bt in self.runs)
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
            **({"futures_prices": hist.futures[i][:, None],
                "roll_prices": hist.rolls[i][:, None]} if hist.futures else {}),
            rebalance=reb, band=band, leverage=leverage, start_contracts=q0[i],
            cross=hist.cross[i]))
    return BookBacktest(hist, list(policies), float(leverage), runs)
