"""Numbers as people type them into cells and files, read by one strict grammar.

Shared by the Excel layer (text that Excel hands a HEDGE_*) and the file readers. The
grammar: an optional sign, digits, one decimal mark, thousands groups of exactly three
digits with the other mark (``1,250.5``; ``1.250,5`` with ``decimal=","``), an optional
exponent (``1e-4``), and a trailing ``%`` only where the value is a rate or a ratio
(``percent=True``). Anything else is refused with the text: currency signs (``$250000``),
parentheses (``(2.5)``), inner spaces (``2 5``, ``1.5 2``), underscores (``2_5``), a
``%`` on a quantity or a price. Each of those has been read as another number by a lenient
reader; none is guessed here.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

__all__ = ["parse_number", "is_ratio_name"]

_EXP = r"([eE][+-]?\d+)?"
_PLAIN = {".": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)" + _EXP + "$"),
          ",": re.compile(r"^[+-]?(\d+(,\d*)?|,\d+)" + _EXP + "$")}
_GROUPED = {".": re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"),
            ",": re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")}
_CURRENCY = re.compile(r"[$€£¥₿]|\b(USD|USDT|USDC|EUR|BTC|ETH)\b", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f]")

#: Names of values that are rates or ratios: the only ones a ``%`` may follow.
_RATIO_SUFFIXES = ("ratio", "rate", "rates", "band", "weight", "shocks", "shock", "vol",
                   "moneyness")


@functools.lru_cache(maxsize=256)
def is_ratio_name(name: str) -> bool:
    """True when a value called ``name`` is a rate or a ratio (``75%`` may be typed).

    >>> is_ratio_name("hedge_ratio"), is_ratio_name("funding_rate"), is_ratio_name("price")
    (True, True, False)
    """
    n = str(name).strip().lower().replace(" ", "_")
    return n.endswith(_RATIO_SUFFIXES)


def _why(s: str, decimal: str, percent: bool) -> str:
    """Why ``s`` is not a number of the grammar (the part of the message after 'got')."""
    if s.startswith("#"):
        return ("an Excel error value, or a formula saved without its value: Excel never "
                "computed it")
    if s.endswith("%") and not percent:
        return "% is read only in rates and ratios: write the number itself"
    if _CURRENCY.search(s):
        return "currency signs and codes are not read: write the number alone"
    if "(" in s or ")" in s:
        return "parentheses are not read as a minus: write -2.5 for a negative"
    if "_" in s:
        return "underscores are not read: write the digits alone"
    if _SPACES.search(s):
        return "spaces inside a number are not read: is it two numbers?"
    group = "," if decimal == "." else "."
    if group in s and _PLAIN["."].match(s.replace(group, ".").rstrip("%")):
        return (f"with {decimal!r} as the decimal mark, {group!r} may only group "
                f"thousands in threes")
    return ""


def parse_number(value, *, what="value", decimal=".", percent=None):
    """A number from a cell: a number as it is, or text in the strict grammar above.
    Blank gives NaN.

    ``decimal`` is the decimal mark of text numbers: ``"."`` (``1,250.5``) or ``","``
    (``1.250,5``, as a European Excel saves a CSV). ``percent`` allows a trailing ``%``
    (``75%`` is 0.75); by default it is allowed when ``what`` names a rate or a ratio
    (:func:`is_ratio_name`). Text that is not in the grammar, and text that overflows a
    float (``1e400``), raise ValueError naming ``what`` and the text.

    >>> parse_number("75%", what="hedge_ratio"), parse_number(" 1,250.5 "), parse_number("-12")
    (0.75, 1250.5, -12.0)
    >>> parse_number("100511,85", decimal=","), parse_number("1.250,5", decimal=",")
    (100511.85, 1250.5)
    >>> parse_number("$250000", what="quantity")
    Traceback (most recent call last):
    ...
    ValueError: quantity must be a number, got '$250000' (currency signs and codes are not read: write the number alone)
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if percent is None:
        percent = is_ratio_name(what)
    s = str(value).strip(" \t\r\n\u00a0\u202f")
    if s == "":
        return math.nan
    if _PLAIN["."].match(s) and decimal == "." or _PLAIN[","].match(s) and decimal == ",":
        x = float(s.replace(",", "."))
    else:
        x = _grammar(s, value, what, decimal, percent)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {str(value)[:40]!r}")
    return x


def _grammar(s: str, value, what: str, decimal: str, percent: bool) -> float:
    """``s`` (stripped, not a plain number) read by the grammar, or ValueError."""
    t = s[:-1].rstrip(" \u00a0\u202f") if percent and s.endswith("%") else s
    pct = t is not s
    group = "," if decimal == "." else "."
    if _PLAIN[decimal].match(t):
        x = float(t.replace(",", "."))
    elif _GROUPED[decimal].match(t):
        x = float(t.replace(group, "").replace(",", "."))
    else:
        why = _why(s, decimal, percent)
        raise ValueError(f"{what} must be a number, got {str(value)[:40]!r}"
                         + (f" ({why})" if why else ""))
    return x / 100 if pct else x
