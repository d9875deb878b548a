"""Numbers as people type them into cells and files: ``75%``, ``1,250.5``, ``$100``, ``(5)``.

Shared by the Excel layer (text that Excel hands a HEDGE_*) and the file readers.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["parse_number"]

_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPS = {".": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?$"),
           ",": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?([eE][+-]?\d+)?$")}


def parse_number(value, *, what="value", decimal="."):
    """Parse ``75%``, ``1,250.5``, `` 3 ``, ``$100``, ``(5)`` and numbers. Blank gives NaN.

    ``decimal`` is the decimal mark of text numbers: ``"."`` (``1,250.5``) or ``","``
    (``1.250,5``, as a European Excel saves a CSV). The other mark may only group thousands:
    ``1,2,5`` is refused, not read as 125.

    >>> parse_number("75%"), parse_number(" 1,250.5 "), parse_number("(12)")
    (0.75, 1250.5, -12.0)
    >>> parse_number("100511,85", decimal=","), parse_number("1.250,5", decimal=",")
    (100511.85, 1250.5)
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    s = str(value).strip()
    if _NUM_RE.match(s):  # the common case: a plain number
        return float(s)
    s = s.replace("\u00a0", "").replace(" ", "")
    if s == "":
        return math.nan
    neg = s.startswith("(") and s.endswith(")")
    if neg:
        s = s[1:-1]
    pct = s.endswith("%")
    if pct:
        s = s[:-1]
    s = s.lstrip("$").replace("_", "")
    group = "," if decimal == "." else "."
    if group in s:
        if not _GROUPS[decimal].match(s):
            raise ValueError(f"{what} must be a number, got {str(value)[:40]!r}"
                             + (f" (with {decimal!r} as the decimal mark, {group!r} may only "
                                f"group thousands)" if _NUM_RE.match(s.replace(group, "."))
                                else ""))
        s = s.replace(group, "")
    if decimal == ",":
        s = s.replace(",", ".")
    if not _NUM_RE.match(s):
        raise ValueError(f"{what} must be a number, got {str(value)[:40]!r}")
    x = float(s)
    x = x / 100 if pct else x
    return -x if neg else x
