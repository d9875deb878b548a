"""Numbers as people type them into cells and files: ``75%``, ``1,250.5``, ``$100``, ``(5)``.

Shared by the Excel layer (text that Excel hands a HEDGE_*) and the file readers.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["parse_number"]

_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value, *, what="value"):
    """Parse ``75%``, ``1,250.5``, `` 3 ``, ``$100``, ``(5)`` and numbers. Blank gives NaN.

    >>> parse_number("75%"), parse_number(" 1,250.5 "), parse_number("(12)")
    (0.75, 1250.5, -12.0)
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    s = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if s == "":
        return math.nan
    neg = s.startswith("(") and s.endswith(")")
    if neg:
        s = s[1:-1]
    pct = s.endswith("%")
    if pct:
        s = s[:-1]
    s = s.lstrip("$").replace(",", "").replace("_", "")
    if not _NUM_RE.match(s):
        raise ValueError(f"{what} must be a number, got {str(value)[:40]!r}")
    x = float(s)
    x = x / 100 if pct else x
    return -x if neg else x
