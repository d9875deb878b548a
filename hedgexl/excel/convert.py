"""Converting what Excel sends into numpy arrays and the results back.

xlwings hands a UDF numbers, ``None`` for blank cells, text, and nested lists for ranges
(``ndim=2``: a single cell is ``[[x]]``). The error policy, the same for every HEDGE_*:

- a blank cell in a required input gives a blank (``None``) result in that row;
- an omitted optional argument, or a single blank cell given for it, takes its default;
- a bad value gives the error value ``#VALUE!`` in that row only (an :class:`XlError`, which
  carries the reason); other rows compute;
- a problem with the whole call (ranges of different lengths, an unknown unit) gives one
  ``#VALUE!`` for the call;
- no Python traceback ever reaches a cell; ``HEDGE_EXPLAIN`` shows each error's reason.

An :class:`XlError` is the text ``"#VALUE!"`` exactly, which xlwings Lite and Office.js turn
into a real error cell (``ISERROR`` is TRUE, ``SUM`` propagates it). What each runtime shows
is in docs/excel.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..core.numbers import parse_number

__all__ = ["Num", "Key", "rowwise", "column", "single", "is_one_cell", "excel_errors",
           "cells_of", "side_by_side",
           "ExcelInputError", "err", "XlError", "set_error_style", "error_style"]

PLACEHOLDER = 1.0  # valid for every numeric constraint the core checks; masked afterwards


class ExcelInputError(ValueError):
    """A problem with the whole call, shown as one #VALUE! text."""


class XlError(str):
    """An Excel error value: the text ``"#VALUE!"`` (or ``"#NUM!"``, ``"#N/A"``), with the
    reason in ``.reason``.

    >>> e = err("price must be > 0, got -5")
    >>> e == "#VALUE!", e.reason
    (True, 'price must be > 0, got -5')
    """

    def __new__(cls, reason: str, code: str = "#VALUE!"):
        self = super().__new__(cls, code)
        self.reason = reason
        return self

    def __reduce__(self):
        return (XlError, (self.reason, str(self)))


def err(msg) -> XlError:
    return XlError(str(msg).split("\n")[0][:200])


#: How error values leave a HEDGE_*: "value" (an XlError, the text "#VALUE!" exactly, which
#: xlwings Lite and Office.js show as a real error) or "text" ("#VALUE! <reason>", for xlwings'
#: COM path, where a UDF cannot return a real error value; see docs/excel.md).
_STYLE = {"errors": "value"}


def set_error_style(style: str) -> None:
    if style not in ("value", "text"):
        raise ValueError(f"error style must be value or text, got {style!r}")
    _STYLE["errors"] = style


def error_style() -> str:
    return _STYLE["errors"]


def _as_text(res):
    if isinstance(res, XlError):
        return f"{res} {res.reason}"
    if isinstance(res, list):
        return [_as_text(r) for r in res]
    return res


def excel_errors(f):
    """Turn any exception into ``#VALUE!`` (with its reason) instead of a traceback, and
    show error values in the style the runtime can display: the function's own
    ``error_style`` when its runtime set one (:func:`hedgexl.excel.registry.decorate`), else
    the default. ``wrapper.values`` is the same call that always answers :class:`XlError`
    values (for ``HEDGE_EXPLAIN``)."""
    def values(*args):
        try:
            return f(*args)
        except ValueError as e:
            return err(e)
        except Exception as e:  # never let a traceback reach a cell
            return err(f"{type(e).__name__}: {e}")

    @functools.wraps(f)
    def wrapper(*args):
        res = values(*args)
        style = wrapper.__dict__.get("error_style") or _STYLE["errors"]
        return _as_text(res) if style == "text" else res
    wrapper.values = values
    return wrapper


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "") or (
        isinstance(v, float) and v != v)


REQUIRED = object()
OMIT = object()  # optional with no default: leave it to the core's own default


@dataclass
class Num:
    """A numeric argument: value as Excel sent it, and its default when omitted."""
    value: object
    default: object = REQUIRED


@dataclass
class Key:
    """A contract argument: a preset key or an inverse face value, cell or range."""
    value: object
    default: object = REQUIRED


def _shape2(value):
    """Shape of what Excel sent: () for a single value, (n, m) for ranges, (n, 1) for a
    flat list (treated as a column)."""
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (list, tuple)):
            return (len(value), len(value[0]))
        return (len(value), 1)
    if isinstance(value, np.ndarray):
        return value.shape if value.ndim == 2 else (value.shape + (1,) if value.ndim == 1 else ())
    return ()


def is_one_cell(value) -> bool:
    """True for one cell sent as a range (``[[x]]`` or ``[x]``), not for a literal."""
    return _shape2(value) == (1, 1)


def _cell(value):
    """The value of a single cell, whether Excel sent ``x``, ``[x]`` or ``[[x]]``."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return value


def _to_float(name, value):
    """-> (float array, blank mask or None, {flat index: message} or None)."""
    shape = _shape2(value)
    if shape == ():
        if _is_blank(value):
            return np.float64(np.nan), np.True_, None
        try:
            return np.float64(parse_number(value, what=name)), None, None
        except ValueError as e:
            return np.float64(np.nan), None, {0: str(e)}
    try:  # fast path: numbers and None (None becomes NaN); text goes through the grammar
        if any(isinstance(c, str) for c in cells_of(value)):
            raise TypeError
        arr = np.array(value, dtype=float).reshape(shape)
    except (TypeError, ValueError):
        return _cell_by_cell(name, value, shape)
    blank = np.isnan(arr)
    return arr, (blank if blank.any() else None), None


def cells_of(value) -> list:
    """The cells of a range, row by row (rows given as lists, or as single cells); a
    single value as one cell."""
    if not isinstance(value, (list, tuple)):
        return [value]
    return [c for row in value for c in (row if isinstance(row, (list, tuple)) else [row])]


def side_by_side(columns) -> list:
    """Results of :func:`rowwise` (each a value or a range) as the columns of one table,
    a row per cell: what a HEDGE_* that spills several numbers per row returns."""
    return [list(row) for row in zip(*(cells_of(c) for c in columns))]


def _cell_by_cell(name, value, shape):
    """A range with text in it: each cell through the number grammar; the ones it refuses
    carry their message (their rows show #VALUE!), blanks stay blank."""
    flat = cells_of(value)
    out = np.empty(len(flat))
    bad = {}
    for i, c in enumerate(flat):
        try:
            out[i] = np.nan if _is_blank(c) else parse_number(c, what=name)
        except ValueError as e:
            out[i], bad[i] = np.nan, str(e)
    arr = out.reshape(shape)
    blank = np.isnan(arr)
    for i in bad:
        blank.flat[i] = False
    return arr, blank, bad or None


def _to_keys(value):
    shape = _shape2(value)
    if shape == ():
        return value, (np.True_ if _is_blank(value) else None), None
    flat = cells_of(value)
    arr = np.empty(len(flat), dtype=object)
    arr[:] = flat
    blank = np.array([_is_blank(c) for c in flat]).reshape(shape)
    arr = arr.reshape(shape)
    return arr, (blank if blank.any() else None), None


def _convert(name, a):
    """Returns (value for the core, blank mask, bad dict, shape)."""
    v = a.value
    if a.default is not REQUIRED and _shape2(v) in ((), (1, 1)) and _is_blank(_cell(v)):
        v = a.default  # omitted optional argument, or one blank cell given for it
        if v is OMIT or isinstance(a, Key):
            return v, None, None, ()
        return np.float64(v), None, None, ()
    if isinstance(a, Key):
        val, blank, bad = _to_keys(v)
    else:
        val, blank, bad = _to_float(name, v)
    return val, blank, bad, _shape2(v)


def _shape_of(args):
    shapes = {n: s for n, s in args.items() if s != ()}
    try:
        return np.broadcast_shapes(*shapes.values()) if shapes else ()
    except ValueError:
        desc = ", ".join(f"{n} has {s[0]}x{s[1]} cells" for n, s in shapes.items())
        raise ExcelInputError(f"ranges of different sizes: {desc}") from None


def rowwise(core_fn, args: dict, fixed: dict | None = None, nan_result=None):
    """Call ``core_fn(**arrays, **fixed)`` over Excel inputs with the error policy above.

    Returns a scalar when every input is a single value, else a nested list. A NaN result
    (the core's "no such number") is shown as ``nan_result``.
    """
    fixed = fixed or {}
    fast = _fast(core_fn, args, fixed, nan_result)
    if fast is not _SLOW:
        return fast
    conv, one_cell = _converted(args)
    return _general(core_fn, {n: c for n, c in conv.items() if c[0] is not OMIT}, fixed,
                    nan_result, one_cell)


def rowwise_many(calls, args: dict, nan_result=None) -> list:
    """Several :func:`rowwise` calls over arguments they share, each argument converted
    once: ``calls`` are ``(core_fn, names of its arguments, fixed)``; each result as
    :func:`rowwise` gives it (one cell may come back as ``x`` or ``[[x]]``: for
    :func:`side_by_side`, which reads both alike)."""
    subs = [({n: args[n] for n in names}, fixed or {}) for _, names, fixed in calls]
    out = [_fast(fn, sub, fixed, nan_result) for (fn, _, _), (sub, fixed) in zip(calls, subs)]
    if all(r is not _SLOW for r in out):
        return out
    conv, one_cell = _converted(args)
    for i, ((fn, names, _), (_, fixed)) in enumerate(zip(calls, subs)):
        if out[i] is _SLOW:
            out[i] = _general(fn, {n: conv[n] for n in names if conv[n][0] is not OMIT},
                              fixed, nan_result, one_cell)
    return out


def _converted(args: dict):
    """Each argument for the core (see :func:`_convert`), and whether every argument is
    one cell (a per-row formula: no arrays, and one cell back as [[x]])."""
    cells = [_shape2(a.value) for a in args.values()]
    one_cell = (1, 1) in cells and all(s in ((), (1, 1)) for s in cells)
    if one_cell:
        args = {n: type(a)(_cell(a.value), a.default) for n, a in args.items()}
    return {n: _convert(n, a) for n, a in args.items()}, one_cell


def _general(core_fn, conv: dict, fixed: dict, nan_result, one_cell: bool):
    """The general path of :func:`rowwise` over converted arguments."""
    shape = _shape_of({n: c[3] for n, c in conv.items()})
    if shape == ():
        r = _scalar(core_fn, conv, fixed, nan_result)
        return [[r]] if one_cell else r
    blank, messages = _blanks_and_messages(conv, shape)
    skip = blank.copy()
    for j in messages:
        skip.flat[j] = True
    call = _filled(conv, shape, skip)
    try:
        res = np.broadcast_to(np.asarray(core_fn(**call, **fixed), dtype=float), shape)
    except ValueError:
        res = _one_by_one(core_fn, call, fixed, shape, skip, messages)
    return _cells(res, blank, messages, nan_result)


def _blanks_and_messages(conv, shape):
    """Where a required input is blank, and each bad cell's message at the output cells
    it reaches (a cell broadcast over a range reaches a row or a column)."""
    blank = np.zeros(shape, bool)
    messages: dict[int, str] = {}
    for n, (val, bl, bad, s) in conv.items():
        if bl is not None:
            blank |= np.broadcast_to(bl, shape)
        for i, m in (bad or {}).items():
            for j in _broadcast_targets(np.unravel_index(i, s), s, shape):
                messages.setdefault(j, m)
    return blank, messages


def _filled(conv, shape, skip) -> dict:
    """The arrays for the core, a valid filler where a cell is skipped (masked after)."""
    call = {}
    for n, (val, _, _, s) in conv.items():
        if s != () and skip.any():
            filler = PLACEHOLDER if val.dtype != object else _first_good(val)
            val = np.array(np.broadcast_to(val, shape))
            val[skip] = filler
        call[n] = val
    return call


def _cells(res, blank, messages, nan_result) -> list:
    """The results as Excel's cells: blanks blank, refused cells #VALUE!, NaN shown as
    ``nan_result``."""
    out = res.astype(object)
    nan = np.isnan(res)
    if nan.any():
        out[nan] = nan_result
    out[blank] = None
    for j, m in messages.items():
        if not blank.flat[j]:
            out.flat[j] = err(m)
    return out.tolist()


_SLOW = object()  # _fast's answer when the call needs the general path
_BIG = float("inf")
_BLANK = object()


def _fast_value(a):
    """The value of one argument given as a number, a key or one cell of either (``[[x]]``,
    what a per-row formula sends): a numpy float, the key, :data:`OMIT`, :data:`_BLANK`
    for a required blank; :data:`_SLOW` for anything else (text to parse, ranges)."""
    v = _unwrapped(a.value)
    t = type(v)
    key = type(a) is Key
    if (t is float and -_BIG < v < _BIG) or t is int:  # not NaN (a blank) nor inf
        return v if key else np.float64(v)
    if v is None or (t is float and v != v) or (t is str and not v.strip()):
        return _default(a, key)
    return v if key and t is str else _SLOW  # text for the grammar, a bool: the general path


def _unwrapped(v):
    """``x`` of one cell ``[[x]]``; a value as it is; :data:`_SLOW` for a range."""
    if type(v) is not list:
        return v
    if len(v) != 1 or type(v[0]) is not list or len(v[0]) != 1:
        return _SLOW
    return v[0][0]


def _default(a, key: bool):
    """What a blank cell (or an omitted argument) stands for: its default, or a blank."""
    if a.default is REQUIRED:
        return _BLANK
    d = a.default
    return d if d is OMIT or key else np.float64(d)


def _fast(core_fn, args, fixed, nan_result):
    """A call whose every argument is one number or key (a per-row formula's), computed
    without arrays: the general path's answer, in a fifth of its time; :data:`_SLOW` when
    an argument is a range or text to parse."""
    one_cell = any(type(a.value) is list for a in args.values())
    call = {}
    for n, a in args.items():
        v = _fast_value(a)
        if v is _SLOW:
            return _SLOW
        if v is _BLANK:
            return [[None]] if one_cell else None
        if v is not OMIT:
            call[n] = v
    r = float(core_fn(**call, **fixed))
    r = nan_result if r != r else r
    return [[r]] if one_cell else r


def _scalar(core_fn, conv, fixed, nan_result):
    for n, (val, bl, bad, _) in conv.items():
        if bad:
            return err(bad[0])
    if any(bl is not None for (_, bl, _, _) in conv.values()):
        return None
    r = float(core_fn(**{n: c[0] for n, c in conv.items()}, **fixed))
    return nan_result if r != r else r


def _broadcast_targets(idx, s, shape):
    """Flat output indices that an element at ``idx`` of an array of shape ``s`` fills."""
    ranges = [range(shape[d]) if s[d] == 1 and shape[d] != 1 else [idx[d]]
              for d in range(len(shape))]
    return [int(np.ravel_multi_index((r, c), shape)) for r in ranges[0] for c in ranges[1]]


def _first_good(arr):
    for v in arr.ravel():
        if not _is_blank(v):
            return v
    return PLACEHOLDER


def _one_by_one(core_fn, call, fixed, shape, skip, messages):
    """Slow path, only after the vectorised call refused something: find each bad row."""
    res = np.full(shape, np.nan)
    bcast = {n: (np.broadcast_to(v, shape) if np.ndim(v) else v) for n, v in call.items()}
    for j in range(res.size):
        if skip.flat[j]:
            continue
        kw = {n: (v.flat[j] if np.ndim(v) else v) for n, v in bcast.items()}
        try:
            res.flat[j] = float(core_fn(**kw, **fixed))
        except ValueError as e:
            messages[j] = str(e)
    return res


def columns(*ranges, shape: bool = False) -> list:
    """Ranges that go together, as ``(name, value)`` pairs (prices and their rates, a
    position's fills and their prices), each as a flat :func:`column`; ranges of different
    sizes are refused, naming the first and the odd one. ``shape``: the first range's
    shape after them (what a result per row spills back in)."""
    read = [column(n, v) for n, v in ranges]
    out = [np.ravel(x) for x, _ in read]
    for (name, _), x in zip(ranges[1:], out[1:]):
        if x.size != out[0].size:
            raise ExcelInputError(f"ranges of different sizes: {ranges[0][0]} has "
                                  f"{out[0].size} cells, {name} has {x.size}")
    return out + [read[0][1]] if shape else out


def single(name, value):
    """An argument that must be one cell: ``[[x]]`` (what ``ndim=2`` gives) becomes ``x``."""
    shape = _shape2(value)
    if shape == ():
        return value
    if shape == (1, 1):
        v = _cell(value)
        return v.item() if isinstance(v, np.generic) else v
    raise ExcelInputError(f"{name} must be a single cell, got {shape[0]}x{shape[1]} cells")


def column(name, value):
    """A range for a reduction (funding rows, fills, prices): float array with NaN for blanks
    and the original shape; text raises ExcelInputError naming the row."""
    val, blank, bad, shape = _convert(name, Num(value))
    if bad:
        i = min(bad)
        row = i // shape[1] + 1 if shape else 1
        raise ExcelInputError(f"{name} row {row}: {bad[i]}")
    return np.asarray(val, dtype=float), shape
