"""Funding on the positions actually held: what each has received or paid since it was
opened, and what the hedge costs a year at the latest rate and at the trailing 30-day
average. Coin amounts are in the position's settlement currency; + is received.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .. import core
from ..inputs import Funding, Positions
from ..inputs.positions import parse_time

__all__ = ["Carry", "position_carry", "HOURS_PER_YEAR", "TRAILING_DAYS"]

HOURS_PER_YEAR = 24 * 365
TRAILING_DAYS = 30


@dataclass
class Carry:
    accrued: np.ndarray  # since opened_at, settlement currency; NaN: unknown
    intervals: np.ndarray  # funding events counted
    rate_latest: np.ndarray  # per interval
    rate_avg: np.ndarray  # trailing average per interval
    per_year_latest: np.ndarray  # settlement currency a year, at the mark
    per_year_avg: np.ndarray
    missing: list[str]  # why a figure is unknown, one line each


def fixing_times(f: Funding) -> np.ndarray:
    """The times of ``f``'s fixings as UTC datetime64 seconds (NaT where one does not
    parse)."""
    out = []
    for t in f.time:
        try:
            v = parse_time(t)
        except ValueError:
            v = None
        out.append(np.datetime64(v, "s") if v is not None else np.datetime64("NaT"))
    return np.array(out, dtype="datetime64[s]")


def position_carry(pos: Positions, mark: np.ndarray, funding: dict[str, Funding] | None,
                   valuation: dt.datetime) -> Carry:
    n = len(pos)
    nan = np.full(n, np.nan)
    accrued, count = nan.copy(), np.zeros(n)
    latest, avg, per_latest, per_avg = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    missing = []
    funding = funding or {}
    end = np.datetime64(valuation, "s")
    start30 = end - np.timedelta64(TRAILING_DAYS, "D")
    cache: dict[str, np.ndarray] = {}
    for i, key in enumerate(pos.contract):
        spec = core.get_contract(key)
        f = funding.get(key.upper())
        if spec.expiry:  # known: no funding; its cost is its basis (perpetual or dated)
            accrued[i] = latest[i] = avg[i] = per_latest[i] = per_avg[i] = 0.0
            missing.append(f"{pos.account[i]} {key}: a dated future pays no funding; its "
                           f"cost is the basis it was sold at (see --futures-prices)")
            continue
        if f is None:
            missing.append(f"{pos.account[i]} {key}: no funding history for this contract "
                           f"(--funding), so no funding accrued and no carry")
            continue
        t = cache.setdefault(key, fixing_times(f))
        upto = t <= end
        if not upto.any():
            missing.append(f"{pos.account[i]} {key}: the funding history starts after the "
                           f"valuation date")
            continue
        j = np.flatnonzero(upto)[-1]
        latest[i] = f.funding_rate[j]
        window = upto & (t > start30)
        avg[i] = float(np.mean(f.funding_rate[window])) if window.any() else np.nan
        # the venue's interval: the funding file's, else the preset's (1 h, 4 h, 8 h)
        hours = f.interval_hours[j] if f.interval_hours is not None else spec.funding_hours
        hours = hours if hours > 0 else 8.0
        # the funding of one interval at a rate of 1, as booked: −q·F/M coin, −q·c·M USDT
        per_interval = float(core.funding_payments(pos.contracts[i], key, mark[i], 1.0))
        per_latest[i] = per_interval * latest[i] * HOURS_PER_YEAR / hours
        per_avg[i] = per_interval * avg[i] * HOURS_PER_YEAR / hours
        opened = pos.opened_at[i]
        if opened is None:
            missing.append(f"{pos.account[i]} {key}: no opened_at, so no funding accrued")
            continue
        if t[0] > np.datetime64(opened, "s"):
            missing.append(f"{pos.account[i]} {key}: opened {opened:%Y-%m-%d %H:%M}, before "
                           f"the funding history starts ({str(t[0])[:16]}): funding accrued "
                           f"is not known")
            continue
        rows = upto & (t > np.datetime64(opened, "s"))
        count[i] = int(rows.sum())
        accrued[i] = core.funding_total(pos.contracts[i], key, f.mark_price[rows],
                                        f.funding_rate[rows]) if rows.any() else 0.0
    return Carry(accrued, count, latest, avg, per_latest, per_avg, missing)
