"""What the dated futures' tests (and scripts/compare_reports.py) share: Binance's BTCUSD
face value and a made-up but plausible file of its quarterlies' daily closes."""

from __future__ import annotations

import csv
import datetime as dt

from hedgexl.core import expiry_of, first_quarterly, next_quarterly

FACE = 100.0  # BINANCE:BTCUSD_PERP and its quarterlies

BASIS = 0.10  # the synthetic premium a year of every quarterly over the index


def quarterlies(first: dt.date, last: dt.date) -> list[str]:
    keys, k = [], first_quarterly("BINANCE:BTCUSD_PERP", first - dt.timedelta(days=120))
    while expiry_of(k).date() <= last + dt.timedelta(days=200):
        keys.append(k)
        k = next_quarterly(k)
    return keys


def futures_file(path, closes: dict[str, float]) -> dict:
    """Each quarterly's daily close: the index times 1 + 10 % a year to its expiry (a
    made-up but plausible premium), for the 200 days before it expires; timed 23:59:59."""
    days = sorted(closes)
    keys = quarterlies(dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]))
    table = {}
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "contract", "price"])
        for d in days:
            end_of_day = dt.datetime.fromisoformat(d) + dt.timedelta(hours=23, minutes=59,
                                                                     seconds=59)
            for k in keys:
                left = (expiry_of(k) - end_of_day).total_seconds() / 86400
                if 0 < left < 200:
                    p = round(closes[d] * (1 + BASIS * left / 365), 1)
                    w.writerow([f"{d}T23:59:59Z", k, p])
                    table[(k, d)] = p
    return table
