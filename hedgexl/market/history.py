"""Histories from the venues: funding (with the mark price at each funding) and daily closes.

Venues cap each answer (100 to 1,500 records) and differ in how they page: some return the
oldest records after ``since``, some the newest before ``until``; ccxt's own pagination has
known gaps. hedgexl pages the same way everywhere: it asks for windows small enough to fit
in one answer, each bounded on both sides, and splits a window in two whenever its answer is
full. Then it checks the result: a gap longer than the venue's rhythm is refused, never
written.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .client import MarketError, until_params
from .venues import MarketRef

__all__ = ["paged", "funding_history", "daily_closes", "FundingRow", "check_gaps", "ms",
           "iso", "HOUR", "DAY"]

HOUR = 3_600_000
DAY = 24 * HOUR


def ms(day) -> int:
    """Milliseconds since the epoch of a date (midnight UTC) or an aware datetime."""
    if isinstance(day, dt.datetime):
        return int(day.timestamp() * 1000)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
               .timestamp() * 1000)


def iso(t_ms: int) -> str:
    """``2024-01-01T08:00:00Z`` of a time in ms, to the second."""
    t = dt.datetime.fromtimestamp(round(t_ms / 1000), tz=dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_ms() -> int:
    return int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)


def paged(fetch, since: int, until: int, *, step: int, limit: int, progress=None) -> dict:
    """Every record in ``[since, until]`` (ms), keyed by time: ``fetch(a, b, limit)`` returns
    ``[(t_ms, record), ...]`` for one window. Windows hold about half a page at the rhythm
    ``step``; a full answer splits its window, so nothing past a venue's cap is lost (an
    answer as long as the longest so far that stops short of an end of its window counts as
    full: some venues cap below the ``limit`` asked for).

    >>> data = {t: t for t in range(0, 100, 2)}            # a venue with 50 records
    >>> def fetch(a, b, limit):                              # that returns the newest 5
    ...     return [(t, t) for t in sorted(data) if a <= t <= b][-limit:]
    >>> out = paged(fetch, 0, 99, step=1, limit=5)
    >>> sorted(out) == sorted(data)
    True
    >>> out = paged(lambda a, b, n: fetch(a, b, 3), 0, 99, step=1, limit=5)  # caps at 3
    >>> sorted(out) == sorted(data)
    True
    """
    out: dict[int, object] = {}
    width = max(step * max(limit // 2, 1), 1)
    stack = [(a, min(a + width - 1, until)) for a in range(since, until + 1, width)][::-1]
    total, done, cap = len(stack), 0, 0
    if progress:
        progress(0, total)
    while stack:
        a, b = stack.pop()
        page = sorted((t, r) for t, r in fetch(a, b, limit)
                      if t is not None and a <= t <= b)
        cap = max(cap, len(page))
        if b > a and (len(page) >= limit or (len(page) == cap and _cut(page, a, b))):
            mid = (a + b) // 2
            stack += [(mid + 1, b), (a, mid)]
            total += 1
            continue
        for t, r in page:
            out.setdefault(int(t), r)
        done += 1
        if progress:
            progress(done, total)
    return out


def _cut(page, a: int, b: int) -> bool:
    """Whether an answer looks cut by a cap the venue did not tell: as many records as its
    largest answer, and a stretch at either end of the window longer than 1.5 times the
    records' own spacing. (A venue that caps below the ``limit`` asked for.)"""
    if len(page) < 2:
        return False
    diffs = sorted(y[0] - x[0] for x, y in zip(page, page[1:]))
    spacing = diffs[len(diffs) // 2]
    return page[0][0] - a > 1.5 * spacing or b - page[-1][0] > 1.5 * spacing


def check_gaps(times: list[int], since: int, until: int, step: int, what: str) -> list[str]:
    """Refuse a history with a hole: any two neighbours further apart than 1.5 times its
    usual rhythm (``step`` or the commonest spacing, whichever is longer), or an end that
    stops short of ``until``. Returns warnings (a start later than ``since``: the contract
    may have been listed then)."""
    if not times:
        raise MarketError(f"{what}: the venue returned nothing between {iso(since)} and "
                          f"{iso(until)}")
    diffs = [b - a for a, b in zip(times, times[1:])]
    common = step
    if diffs:
        counts: dict[int, int] = {}
        for d in diffs:
            counts[d] = counts.get(d, 0) + 1
        usual = [d for d, n in counts.items() if n >= max(2, 0.05 * len(diffs))]
        common = max([step] + usual)
    limit = 1.5 * common
    for a, d in zip(times, diffs):
        if d > limit:
            raise MarketError(f"{what}: the venue's answer has a gap from {iso(a)} to "
                              f"{iso(a + d)} ({d / HOUR:g} h; expected every "
                              f"{common / HOUR:g} h); nothing written")
    end = min(until, now_ms())
    if end - times[-1] > limit + step:
        raise MarketError(f"{what}: the venue's answer stops at {iso(times[-1])}, short of "
                          f"{iso(end)} (a partial answer); nothing written")
    warnings = []
    if times[0] - since > limit:
        warnings.append(f"{what}: starts at {iso(times[0])}, after {iso(since)} (listed "
                        f"then, or the venue keeps no older history)")
    return warnings


@dataclass
class FundingRow:
    time: int  # ms
    rate: float
    mark: float
    interval_hours: float


#: Where a venue's funding record keeps the rate paid per funding and the mark price, when
#: ccxt's unified record does not: (field of ``info`` for the rate or None for ccxt's
#: ``fundingRate``, field of ``info`` for the mark). Deribit funds every hour: ccxt's rate
#: is its trailing 8-hour ``interest_8h``, the hour's own is ``interest_1h``.
RECORD_FIELDS = {"deribit": ("interest_1h", "index_price")}
#: Hours between fundings where the venue's rhythm is not the preset's interval.
FUNDING_STEP_HOURS = {"deribit": 1.0}


def _interval_hours(ref: MarketRef) -> float:
    if ref.client.ex_id in FUNDING_STEP_HOURS:
        return FUNDING_STEP_HOURS[ref.client.ex_id]
    from ..core.contracts import get_contract
    try:
        h = get_contract(ref.key).funding_hours
        if h and math.isfinite(h):
            return float(h)
    except (KeyError, ValueError):
        pass
    return 8.0


def funding_history(ref: MarketRef, since: int, until: int, *, progress=None,
                    warnings=None) -> list[FundingRow]:
    """The funding of ``ref`` in ``[since, until]`` (ms) with the mark price at each
    funding: the venue's own when its record has one, else the open of its 1-hour
    mark-price candle at that time."""
    step = int(_interval_hours(ref) * HOUR)
    what = f"funding history of {ref.key}"

    def fetch(a, b, n):
        rs = ref.client.call(what, "fetch_funding_rate_history", ref.symbol, a, n,
                             until_params(ref.client.ex_id, b))
        return [(r.get("timestamp"), r) for r in rs]

    recs = paged(fetch, since, until, step=step, limit=ref.client.venue_limit("funding"),
                 progress=progress)
    times = sorted(recs)
    for w in check_gaps(times, since, until, step, what):
        if warnings is not None:
            warnings.append(w)
    rate_of, mark_of = RECORD_FIELDS.get(ref.client.ex_id, (None, "markPrice"))
    if ref.client.ex_id == "deribit" and warnings is not None:
        warnings.append(f"{what}: Deribit publishes no mark price history; mark_price is "
                        f"its index price at each funding (they differ by the basis, which "
                        f"moves the funding paid in coin by the rate times the basis)")
    marks = _marks(ref, recs, times, mark_of, what, progress)
    return _funding_rows(recs, times, marks, rate_of, step, what)


def _marks(ref, recs, times, mark_of, what, progress) -> dict:
    """The mark at each funding: its record's, else the open of its 1-hour mark candle."""
    marks = {t: _number((recs[t].get("info") or {}).get(mark_of)) for t in times}
    if all(m > 0 for m in marks.values()):
        return marks
    candles = mark_candles(ref, times[0], times[-1], progress=progress)
    for t in times:
        if not (marks[t] > 0):
            c = candles.get(t - t % HOUR)
            if c is None:
                raise MarketError(f"{what}: no mark price at {iso(t)} (the venue's 1-hour "
                                  f"mark candles have none); nothing written")
            marks[t] = c
    return marks


def _funding_rows(recs, times, marks, rate_of, step, what) -> list[FundingRow]:
    """One row per funding: its rate, its mark, the hours since the one before (the
    venue's rhythm for the first, or where the spacing is not whole hours up to a day)."""
    rows, prev = [], None
    for t in times:
        rate = _number((recs[t].get("info") or {}).get(rate_of) if rate_of
                       else recs[t].get("fundingRate"))
        if not math.isfinite(rate):
            raise MarketError(f"{what}: the funding at {iso(t)} has no rate")
        hours = (t - prev) / HOUR if prev is not None else step / HOUR
        hours = float(round(hours)) if abs(hours - round(hours)) < 0.01 else step / HOUR
        rows.append(FundingRow(t, rate, marks[t], hours if 0 < hours <= 24 else step / HOUR))
        prev = t
    return rows


def mark_candles(ref: MarketRef, since: int, until: int, *, progress=None) -> dict:
    """Opens of the 1-hour mark-price candles of ``ref``, keyed by their start (ms)."""
    what = f"mark prices of {ref.key}"

    def fetch(a, b, n):
        rs = ref.client.call(what, "fetch_mark_ohlcv", ref.symbol, "1h", a, n,
                             until_params(ref.client.ex_id, b, "candles"))
        return [(r[0], r[1]) for r in rs]

    t0 = since - since % HOUR
    return paged(fetch, t0, until, step=HOUR, limit=ref.client.venue_limit("candles"),
                 progress=progress)


def daily_closes(client, symbol: str, since: int, until: int, *, progress=None,
                 warnings=None) -> dict:
    """Closes of the complete daily candles of ``symbol`` (ccxt's unified spot symbol) from
    ``since`` to ``until``, keyed by ISO date. Today's candle, still open, is left out."""
    what = f"daily prices of {symbol} on {client.label}"
    last = min(until, now_ms() - DAY)  # a candle is complete one day after it opens

    def fetch(a, b, n):
        rs = client.call(what, "fetch_ohlcv", symbol, "1d", a, n,
                         until_params(client.ex_id, b, "candles"))
        return [(r[0], r[4]) for r in rs]

    got = paged(fetch, since, last, step=DAY, limit=client.venue_limit("candles"),
                progress=progress)
    times = sorted(got)
    for w in check_gaps(times, since, last, DAY, what):
        if warnings is not None:
            warnings.append(w)
    out = {}
    for t in times:
        c = _number(got[t])
        if not (c > 0):
            raise MarketError(f"{what}: the close of {iso(t)[:10]} is not a price")
        out[iso(t)[:10]] = c
    return out


def _number(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v
