"""Argument conversion and checking shared by the math modules.

Everything here is numpy only. The checks are written so that the common case (valid input)
costs one vectorised comparison per array argument; the slower search for the first bad
index only runs when something is wrong.
"""

from __future__ import annotations

import numpy as np

__all__ = ["num", "broadcast", "out", "check_unit"]


def _where(arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return ""
    idx = np.unravel_index(int(np.flatnonzero(bad)[0]), arr.shape)
    pos = idx[0] if len(idx) == 1 else idx
    return f" (first bad index {pos})"


def num(x, name: str, *, positive: bool = False, nonneg: bool = False,
        allow_nan: bool = False) -> np.ndarray:
    """Return ``x`` as a float array, raising ValueError naming ``name`` when invalid.

    ``positive`` requires every value > 0 and ``nonneg`` >= 0. NaN is refused unless
    ``allow_nan``. A Python number comes back as a numpy float64 scalar, checked without
    building an array (a per-cell Excel formula calls with single numbers).
    """
    if type(x) is float or type(x) is int or type(x) is np.float64:
        return _one(float(x), name, positive, nonneg, allow_nan)
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {x!r:.60}") from None
    if arr.size == 0 or (allow_nan and not (positive or nonneg)):
        return arr
    ok = _allowed(arr, positive, nonneg, allow_nan)
    if ok is not True and not ok.all():
        bad = ~ok
        _refuse(name, arr.flat[int(np.flatnonzero(bad)[0])], positive, _where(arr, bad))
    return arr


def _one(v: float, name: str, positive: bool, nonneg: bool, allow_nan: bool):
    """One number, checked without building an array (a per-cell formula's call)."""
    if v != v:
        if allow_nan:
            return np.float64(v)
        _refuse(name, v, positive)
    if (positive and not v > 0) or (nonneg and not v >= 0):
        _refuse(name, v, positive)
    return np.float64(v)


def _allowed(arr, positive: bool, nonneg: bool, allow_nan: bool):
    """True when every value is allowed (one reduction decides it: min and sum propagate
    NaN), else where each is."""
    if positive and not allow_nan:
        return True if arr.min() > 0 else arr > 0
    if nonneg and not allow_nan:
        return True if arr.min() >= 0 else arr >= 0
    if not (positive or nonneg):
        return True if np.isfinite(arr.sum()) else ~np.isnan(arr)
    nan = np.isnan(arr)
    return nan | (arr > 0) if positive else nan | (arr >= 0)


def _refuse(name: str, first: float, positive: bool, where: str = "") -> None:
    """Raise the one-line message for the first bad value of argument ``name``."""
    if first != first:
        raise ValueError(f"{name} is NaN where a number is required{where}")
    rule = "> 0" if positive else ">= 0"
    raise ValueError(f"{name} must be {rule}, got {first:g}{where}")


def broadcast(**arrays: np.ndarray) -> None:
    """Raise ValueError naming the arguments whose shapes cannot broadcast together."""
    if all(type(v) is np.float64 or type(v) is float for v in arrays.values()):
        return
    shapes = {k: np.shape(v) for k, v in arrays.items()}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        sized = [f"{k} has {s[0]} rows" if len(s) == 1 else f"{k} has shape {s}"
                 for k, s in shapes.items() if s != ()]
        raise ValueError("arrays of mismatched length: " + ", ".join(sized)) from None


def out(x):
    """Scalars in give a float out; arrays stay arrays. Normalises -0.0 to 0.0."""
    if type(x) is np.float64 or type(x) is float:
        return float(x) + 0.0
    x = np.asarray(x)
    if x.ndim == 0:
        return float(x) + 0.0
    if x.dtype == float and x.flags.writeable and x.flags.owndata:
        np.add(x, 0.0, out=x)  # in place: results are always fresh arrays
        return x
    return x + 0.0


def check_unit(unit: str, allowed=("coin", "usd")) -> str:
    u = str(unit).strip().lower()
    if u not in allowed:
        raise ValueError(f"unit must be one of {', '.join(map(repr, allowed))}, got {unit!r}")
    return u
