"""``report|batch --refresh``: fetch the funding and prices a run needs before it writes,
once for the whole run, and keep them on disk with their fetch time.

What is fetched: the funding history of every ``VENUE:SYMBOL`` contract the holdings and
positions name, from the earliest position's opening (else 90 days before the valuation
date) to the valuation date; the daily closes of the holdings' assets (not stablecoins) for
the year before, on Binance's spot market in USDT, for the betas. A file the user gives
(``--funding``, ``--prices``) is used as it is and not fetched.

The cache: ``HEDGEXL_CACHE`` or ``~/.cache/hedgexl``; each fetched file beside a ``.json``
with its fetch time and request. A request made again within ``max_age`` seconds (default
1 hour) reuses the file, so a batch of 1,000 portfolios, or the next run, asks each venue
once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from .. import core
from ..files import write_text
from ..inputs import InputError, read_funding_all, read_holdings, read_positions, read_prices

__all__ = ["refresh", "cache_dir", "STABLECOINS", "MAX_AGE"]

MAX_AGE = 3600.0
STABLECOINS = core.STABLECOINS  # no price to fetch for these
BETA_DAYS = 365
FUNDING_DAYS = 90


def cache_dir() -> Path:
    env = os.environ.get("HEDGEXL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else None
    return Path(base) / "hedgexl" / "cache" if base else Path.home() / ".cache" / "hedgexl"


def _wanted(opts, holdings_list, positions):
    """The perpetuals whose funding to fetch (a dated future pays none), the assets whose
    prices to fetch (not the stablecoins), and the earliest position's opening date."""
    contracts = [c for c in _contract_keys(holdings_list, positions)
                 if core.expiry_of(c) is None]
    opened = [t for p in positions for t in p.opened_at if t is not None]
    return contracts, _assets(holdings_list), (min(opened).date() if opened else None)


def _contract_keys(holdings_list, positions) -> list[str]:
    """The preset keys the holdings and positions name, once each, in order."""
    keys = []
    for h in holdings_list:
        keys += [c.upper() for c in h.contract if isinstance(c, str) and ":" in c]
    for p in positions:
        keys += [c.upper() for c in p.contract]
    return list(dict.fromkeys(keys))


def _assets(holdings_list) -> list[str]:
    """The assets held, once each, stablecoins left out (no price to fetch)."""
    names = []
    for h in holdings_list:
        names += [str(a).strip().upper() for a in h.asset]
    return [a for a in dict.fromkeys(names) if a and a not in STABLECOINS]


def refresh(opts, holdings_paths=(), holdings_list=(), *, api_base=None, max_age=MAX_AGE,
            now=None, say=None):
    """``opts`` with ``funding`` and ``prices`` pointing at fresh (or cached) fetched files.
    ``holdings_paths`` are read here to learn the contracts and assets; ``holdings_list``
    are holdings already read (a batch's)."""
    from ..market import Clients
    from ..market.fetch import funding_csv, prices_csv, write_checked
    say = say or (lambda msg: print(msg, file=sys.stderr))
    hs = list(holdings_list)
    for p in holdings_paths:
        try:
            hs.append(read_holdings(p, default_hedge_ratio=opts.default_hedge_ratio,
                                    portfolio=opts.portfolio, **opts.read))
        except InputError:
            continue  # that portfolio fails in the run itself, with its own line
    positions = []
    if opts.positions:
        positions = [read_positions(opts.positions, **opts.read)]
    contracts, assets, opened = _wanted(opts, hs, positions)
    today = (now or dt.datetime.now(dt.timezone.utc)).date()
    until = min(opts.valuation_date or today, today)
    clients = Clients(api_base=api_base, on_retry=lambda m: say(f"note: {m}"))
    changes = {}
    folder = cache_dir()
    if not opts.funding and contracts:
        since = min(opened or until, until - dt.timedelta(days=FUNDING_DAYS))
        changes["funding"] = str(_cached(
            folder, "funding", {"contracts": contracts, "since": since.isoformat(),
                                "until": until.isoformat(), "api": api_base or ""},
            lambda: funding_csv(contracts, since, until, clients=clients),
            read_funding_all, max_age, say, f"funding of {', '.join(contracts)}",
            write_checked))
    if not opts.prices and assets:
        since = until - dt.timedelta(days=BETA_DAYS)
        changes["prices"] = [str(_cached(
            folder, "prices", {"assets": assets, "since": since.isoformat(),
                               "until": until.isoformat(), "api": api_base or ""},
            lambda: _prices(prices_csv, assets, since, until, clients, say),
            read_prices, max_age, say, f"daily prices of {', '.join(assets)}",
            write_checked))]
    if clients.requests:
        say(f"note: --refresh asked the venues {clients.requests} time(s)")
    return replace(opts, **changes)


def _prices(prices_csv, assets, since, until, clients, say) -> str:
    warnings: list[str] = []
    text = prices_csv(assets, since, until, clients=clients, warnings=warnings,
                      skip_missing=True)
    for w in warnings:
        say(f"warning: {w}")
    return text


def _cached(folder: Path, kind, request, fetch, reader, max_age, say, what, write):
    digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]
    path = folder / f"{kind}-{digest}.csv"
    meta = path.with_suffix(".json")
    try:
        info = json.loads(meta.read_text("utf-8"))
        fetched = dt.datetime.fromisoformat(info["fetched_at"])
        age = (dt.datetime.now(dt.timezone.utc) - fetched).total_seconds()
        if 0 <= age < max_age and path.is_file():
            reader(path)
            say(f"note: {what}: fetched {info['fetched_at']}, reused (under "
                f"{max_age:g} s old)")
            return path
    except (OSError, ValueError, KeyError, InputError):
        pass
    text = fetch()
    folder.mkdir(parents=True, exist_ok=True)
    write(path, text, reader, force=True, what=kind)
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    write_text(meta, json.dumps({"fetched_at": stamp, "request": request}, indent=1))
    say(f"note: {what}: fetched {stamp} into {path}")
    return path
