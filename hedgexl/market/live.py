"""Live answers for the Excel functions HEDGE_MARK, HEDGE_FUNDING_RATE and
HEDGE_FUNDING_HISTORY, cached so that recalculating a sheet does not call a venue once per
cell.

Caching rule: one answer per (what, contract, arguments) is kept in memory for ``TTL``
seconds (mark 10 s, funding rate 60 s, funding history 10 min); a recalculation within that
time reuses it. An error is not cached. ``HEDGEXL_API_BASE`` (environment) sends the requests
through a proxy or mirror, as ``hedgexl fetch --api-base`` does.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

from .client import Clients, MarketError
from .history import funding_history, ms, now_ms
from .venues import resolve_market

__all__ = ["TTL", "mark", "funding_rate", "funding_table", "clear"]

#: Seconds an answer is reused.
TTL = {"mark": 10.0, "rate": 60.0, "history": 600.0}

_cache: dict = {}
_lock = threading.Lock()
_clients: Clients | None = None


def _get_clients() -> Clients:
    global _clients
    base = os.environ.get("HEDGEXL_API_BASE") or None
    if _clients is None or _clients.api_base != base:
        _clients = Clients(api_base=base, retries=2, backoff=0.5)
    return _clients


def clear() -> None:
    """Forget every cached answer (and the venues' market lists)."""
    global _clients
    with _lock:
        _cache.clear()
        _clients = None


def _cached(kind: str, key: tuple, compute):
    now = time.monotonic()
    with _lock:
        hit = _cache.get((kind, key))
        if hit is not None and now - hit[0] < TTL[kind]:
            return hit[1]
    value = compute()
    with _lock:
        _cache[(kind, key)] = (time.monotonic(), value)
    return value


def _funding_answer(key: str):
    ref = resolve_market(key, _get_clients())
    if not ref.market.get("swap"):
        raise MarketError(f"{ref.key}: not a perpetual swap (no funding)")
    return ref, ref.client.call(f"funding rate of {ref.key}", "fetch_funding_rate", ref.symbol)


def mark(key: str) -> float:
    """The venue's mark price of ``key`` now, USD per coin."""
    def compute():
        ref = resolve_market(key, _get_clients())
        price = None
        if ref.market.get("swap") and ref.client.ex.has.get("fetchFundingRate"):
            price = (ref.client.call(f"mark price of {ref.key}", "fetch_funding_rate",
                                     ref.symbol) or {}).get("markPrice")
        if price is None and ref.client.ex.has.get("fetchMarkPrice"):
            price = (ref.client.call(f"mark price of {ref.key}", "fetch_mark_price",
                                     ref.symbol) or {}).get("markPrice")
        if price is None:
            price = (ref.client.call(f"mark price of {ref.key}", "fetch_ticker", ref.symbol)
                     or {}).get("markPrice")
        if price is None or not float(price) > 0:
            raise MarketError(f"{ref.key}: the venue gave no mark price")
        return float(price)
    return _cached("mark", (key.upper(),), compute)


#: Current rates hedgexl does not read, per (ccxt exchange, kind), and why: Kraken Futures
#: shows an inverse contract's current rate in its own absolute units, and ccxt divides it
#: by the mark as it does for a linear one (research notes: a rate of 2e-10 came out as
#: 3.3e-15). Its history carries the fraction (``relativeFundingRate``) and is read.
UNREAD_RATES = {("krakenfutures", "inverse"):
                "Kraken Futures gives an inverse contract's current rate in its own units, "
                "which ccxt does not turn into a fraction; HEDGE_FUNDING_HISTORY has the "
                "hourly rates paid"}


def funding_rate(key: str) -> float:
    """The funding rate the venue shows now for ``key``'s next funding, per interval."""
    def compute():
        ref, fr = _funding_answer(key)
        why = UNREAD_RATES.get((ref.client.ex_id, ref.kind))
        if why:
            raise MarketError(f"{ref.key}: {why}")
        rate = (fr or {}).get("fundingRate")
        if rate is None:
            raise MarketError(f"{ref.key}: the venue gave no funding rate")
        return float(rate)
    return _cached("rate", (key.upper(),), compute)


def funding_table(key: str, since: dt.date, until: dt.date | None = None) -> list[list]:
    """Rows ``[time (UTC, naive datetime), mark price, funding rate]`` of ``key``'s funding
    from ``since`` to the end of ``until`` (default: now), oldest first."""
    def compute():
        ref = resolve_market(key, _get_clients())
        end = now_ms() if until is None else min(now_ms(), ms(until) + 86_400_000 - 1)
        rows = funding_history(ref, ms(since), end)
        return [[dt.datetime.fromtimestamp(round(r.time / 1000), dt.timezone.utc)
                 .replace(tzinfo=None), r.mark, r.rate] for r in rows]
    return _cached("history", (key.upper(), since.isoformat(), str(until)), compute)
