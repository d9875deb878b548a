"""Reading an option chain: a snapshot of Deribit's coin-settled options (the layout
:data:`hedgexl.inputs.schema.OPTION_CHAIN` declares; Deribit's own field names read as they
are). The kind, expiry and strike come from each instrument's name, never from a column
that could disagree with it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import InputError
from .positions import parse_time
from .schema import OPTION_CHAIN
from .tables import map_header, read_table

__all__ = ["OptionChain", "read_option_chain", "parse_instrument"]

_NAME = re.compile(r"^([A-Z]+)-(\d{1,2}[A-Z]{3}\d{2})-(\d+(?:d\d+)?)-([CP])$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
#: Deribit's options expire at 08:00 UTC.
EXPIRY_HOUR_UTC = 8


def parse_instrument(name: str) -> tuple[str, dt.datetime, float, str]:
    """``(coin, expiry, strike, kind)`` of a Deribit option name; ValueError otherwise.

    >>> parse_instrument("BTC-27MAR26-100000-P")
    ('BTC', datetime.datetime(2026, 3, 27, 8, 0), 100000.0, 'put')
    >>> parse_instrument("XRP_USDC-6DEC25-2d2-C")[2]  # a decimal strike: 2d2 is 2.2
    Traceback (most recent call last):
    ...
    ValueError: 'XRP_USDC-6DEC25-2d2-C' is not a coin-settled Deribit option name such as BTC-27MAR26-100000-P
    """
    m = _NAME.match(str(name).strip())
    if m is None:
        raise ValueError(f"{str(name)[:40]!r} is not a coin-settled Deribit option name such "
                         f"as BTC-27MAR26-100000-P")
    coin, day, strike, cp = m.groups()
    if float(strike.replace("d", ".")) <= 0:
        raise ValueError(f"{name}: a strike of 0 is not an option")
    try:
        when = dt.datetime(2000 + int(day[-2:]), _MONTHS.index(day[-5:-2]) + 1,
                           int(day[:-5]), EXPIRY_HOUR_UTC)
    except ValueError:
        raise ValueError(f"{name}: {day!r} is not a date") from None
    return coin, when, float(strike.replace("d", ".")), "call" if cp == "C" else "put"


@dataclass
class OptionChain:
    """One snapshot: per option its name, coin, kind, expiry, strike, the expiry's future
    F, Deribit's mark (coin) and mark IV (a fraction; NaN when the file has none)."""

    path: Path
    time: dt.datetime  # the snapshot, naive UTC
    instrument: list[str]
    coin: list[str]
    kind: list[str]
    expiry: list[dt.datetime]
    strike: np.ndarray
    forward: np.ndarray
    mark: np.ndarray
    iv: np.ndarray
    index: dict  # coin -> the index price (USD), or the nearest expiry's future

    def years(self) -> np.ndarray:
        """Years to each option's expiry from the snapshot (365-day years)."""
        return np.array([(e - self.time).total_seconds() / 86400 / 365 for e in self.expiry])

    def expiries(self, coin: str) -> list[dt.datetime]:
        return sorted({e for c, e in zip(self.coin, self.expiry) if c == coin})


def read_option_chain(path, *, decimal=None, delimiter=None) -> OptionChain:
    """Read an option chain (see the module); every problem is one InputError naming the
    row: a name that is not an option, an option given twice or expired by the snapshot,
    a snapshot time that the file does not give or gives two ways."""
    p = Path(path)
    table = read_table(p, decimal=decimal, delimiter=delimiter, kind="option_chain")
    cols = map_header(table.rows[0], p, OPTION_CHAIN.aliases(), OPTION_CHAIN.required())
    rows, times, seen = [], [], {}
    for rowno, row in enumerate(table.rows[1:], start=2):
        cell = lambda n: row[cols[n]] if n in cols and cols[n] < len(row) else None  # noqa: E731
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        name = str(cell("instrument") or "").strip()
        try:
            coin, expiry, strike, kind = parse_instrument(name)
        except ValueError as e:
            raise InputError(p, str(e), rowno) from None
        if name in seen:
            raise InputError(p, f"{name} is given twice (rows {seen[name]} and {rowno})",
                             rowno)
        seen[name] = rowno
        num = {c.name: table.check(c, table.number(cell(c.name), c.name, rowno), rowno)
               for c in OPTION_CHAIN.columns if c.kind == "number"}
        for must in ("mark_price", "underlying_price"):
            if math.isnan(num[must]):
                raise InputError(p, f"{must} is blank for {name}", rowno)
        times.append(_row_time(p, cell("time"), num, expiry, rowno))
        _check_mark(p, name, kind, strike, num, rowno)
        rows.append((name, coin, kind, expiry, strike, num))
    if not rows:
        raise InputError(p, "no options under the header")
    return _chain(p, rows, _snapshot(p, times))


def _check_mark(p, name, kind, strike, num, rowno) -> None:
    """A mark no volatility gives is refused (a call is worth under 1 coin, a put under
    K/F); so is a mark IV under 1, which is a fraction where Deribit writes percent."""
    F, mark, iv = num["underlying_price"], num["mark_price"], num["mark_iv"]
    cap = 1.0 if kind == "call" else strike / F
    if mark >= cap:
        raise InputError(p, f"{name}: mark_price {mark:g} coin is at or above what a {kind} "
                            f"is worth at any volatility ({cap:.6g} coin)", rowno)
    if iv == iv and iv < 1:
        raise InputError(p, f"{name}: mark_iv is in percent as Deribit writes it (44.77), "
                            f"got {iv:g}", rowno)


def _row_time(p, text, num, expiry, rowno) -> dt.datetime | None:
    """The snapshot's time as this row gives it: a time, Deribit's ms, or T before expiry."""
    if text not in (None, ""):
        try:
            return parse_time(text)
        except ValueError:
            raise InputError(p, f"time must be a UTC date and time, got {str(text)[:40]!r}",
                             rowno) from None
    if not math.isnan(num["creation_timestamp"]):
        return dt.datetime.fromtimestamp(num["creation_timestamp"] / 1000,
                                         dt.timezone.utc).replace(tzinfo=None)
    if not math.isnan(num["T_years"]):
        return expiry - dt.timedelta(days=num["T_years"] * 365)
    return None


def _snapshot(p, times) -> dt.datetime:
    """One snapshot time for the file: its rows' times agree to within an hour (T_years is
    rounded to 5 decimals, ±2.6 minutes; a chain is read in a few seconds)."""
    given = [t for t in times if t is not None]
    if not given:
        raise InputError(p, "the file gives no snapshot time: add a time column (UTC), or "
                            "Deribit's creation_timestamp, or T_years")
    if max(given) - min(given) > dt.timedelta(hours=1):
        raise InputError(p, f"the rows' times span {min(given):%Y-%m-%d %H:%M} to "
                            f"{max(given):%Y-%m-%d %H:%M} UTC: one chain is one snapshot")
    mid = min(given) + (max(given) - min(given)) / 2
    return mid.replace(second=0, microsecond=0)


def _chain(p, rows, when) -> OptionChain:
    for name, coin, kind, expiry, strike, num in rows:
        if expiry <= when:
            raise InputError(p, f"{name} expired at {expiry:%Y-%m-%d %H:%M} UTC, before the "
                                f"snapshot ({when:%Y-%m-%d %H:%M} UTC)")
    index: dict = {}
    for name, coin, kind, expiry, strike, num in sorted(rows, key=lambda r: r[3]):
        if not math.isnan(num["index_price"]):
            index[coin] = num["index_price"]
        index.setdefault(coin, num["underlying_price"])  # the nearest expiry's future
    col = lambda k: np.array([r[5][k] for r in rows])  # noqa: E731
    return OptionChain(p, when, [r[0] for r in rows], [r[1] for r in rows],
                       [r[2] for r in rows], [r[3] for r in rows],
                       np.array([r[4] for r in rows]), col("underlying_price"),
                       col("mark_price"), col("mark_iv") / 100.0, index)
