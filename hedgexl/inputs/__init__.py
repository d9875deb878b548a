"""Reading user files: holdings (CSV or XLSX), funding histories and price histories.

Every problem raises :class:`InputError` with the file, the row (as a spreadsheet user counts
them: the header is row 1) and the reason. How a file is read without trusting it (separator,
decimal mark, zip bombs, encrypted workbooks) is in :mod:`hedgexl.inputs.tables`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from ..core.numbers import parse_number
from ..core.contracts import expiry_of, get_contract, is_face_text, own_contract
from .schema import FUNDING, HOLDINGS, KINDS
from .positions import POSITION_ALIASES, Positions, own_positions, parse_time, read_positions
from .tables import (CONTROL, EXCEL_MAX_ROWS, MAX_INPUT_BYTES, MAX_UNPACKED_BYTES, InputError,
                     Table, check_spellings, column_letter as _column_letter, fold, gc_paused,
                     key_text, listed, map_header, near_miss, read_table, unread_columns)

__all__ = ["InputError", "Holdings", "read_holdings", "Positions", "read_positions",
           "own_positions", "read_funding", "read_funding_all",
           "pick_funding", "read_prices", "read_table", "Table",
           "parse_number", "example_path", "MAX_INPUT_BYTES", "MAX_UNPACKED_BYTES",
           "EXCEL_MAX_ROWS", "DEFAULT_CONTRACT", "BETA_RANGE", "POSITION_ALIASES", "KINDS",
           "fold", "read_futures_prices"]

#: Header names read as each holdings column (:data:`hedgexl.inputs.schema.HOLDINGS`).
HOLDING_ALIASES = HOLDINGS.aliases()
REQUIRED = HOLDINGS.required()
#: The contract of a holding whose asset has no inverse preset of its own (a cross-hedge).
DEFAULT_CONTRACT = "BINANCE:BTCUSD_PERP"
#: Betas outside this range are read but warned about.
BETA_RANGE = (0.0, 3.0)


@dataclass
class Holdings:
    """A portfolio's holdings as columns (numpy arrays and lists)."""

    name: str
    asset: list[str]
    quantity: np.ndarray
    price: np.ndarray
    beta: np.ndarray
    hedge_ratio: np.ndarray
    contract: list[str]
    source: str = ""
    rows: list[int] = field(default_factory=list)
    beta_given: np.ndarray | None = None  # False where the default (1) was used
    hedge_ratio_given: np.ndarray | None = None  # False where the default was used
    contract_given: np.ndarray | None = None  # False where hedgexl chose the contract
    warnings: list[str] = field(default_factory=list)
    beta_source: list[str] | None = None  # "given", "default" or how it was estimated
    portfolio: str | None = None  # the file's portfolio column (one name), else None
    target_weight: np.ndarray | None = None  # a fraction; NaN where a hedge ratio applies

    def __len__(self):
        return len(self.asset)


_FIELDS = ("asset", "quantity", "price", "beta", "hedge_ratio", "contract", "rows",
           "beta_given", "hr_given", "contract_given", "warnings", "target_weight")


@gc_paused
def read_holdings(path, *, default_hedge_ratio=1.0, default_contract=None,
                  split_portfolios=False, decimal=None, delimiter=None, portfolio=None,
                  strict_cells=False):
    """Read a holdings file.

    A holding without a contract is hedged on its own asset's inverse contract (the preset
    on ``default_contract``'s venue when there is one); an asset with no inverse preset is
    cross-hedged on ``default_contract`` (:data:`DEFAULT_CONTRACT` unless given), and
    the report says so.

    With ``split_portfolios``, return ``{name: Holdings or InputError}`` using the portfolio
    column: a bad row fails its own portfolio only. Otherwise one :class:`Holdings` named
    after the file, and the first bad row raises; a file whose portfolio column names
    several portfolios is refused unless ``portfolio`` picks one (exactly as written); a
    file without a portfolio column is that portfolio. Two spellings of one portfolio (``Fund B``, ``fund b``) are refused either way.
    """
    p = Path(path)
    table = read_table(p, decimal=decimal, delimiter=delimiter, kind="holdings",
                       strict_cells=strict_cells)
    cols = map_header(table.rows[0], p, HOLDING_ALIASES, REQUIRED)
    unread_columns(table, cols, "holdings")
    names = _check_portfolios(p, table, cols, split_portfolios, portfolio)
    named = portfolio
    if "portfolio" not in cols:
        portfolio = None
    label = named if named is not None else (names[0][0] if names else None)
    cross = get_contract(default_contract or DEFAULT_CONTRACT)
    nums = {n: table.numbers(cols.get(n), n) for n in _NUMERIC}
    own_cache: dict[str, object] = {}
    if not split_portfolios and portfolio is None and _no_weights(nums):  # column by column
        g = _columnar(table, cols, nums, default_hedge_ratio, cross, own_cache)
        if g is not None:
            h = _holdings(p.stem, g, p)
            h.portfolio = label
            return h
    rowwise = _RowReader(p, table, cols, nums, default_hedge_ratio, cross, own_cache,
                         split_portfolios, portfolio)
    groups, failed, seen = rowwise.read()
    if not groups and not failed:
        raise InputError(p, "no holdings rows under the header")
    if not split_portfolios:
        h = _holdings(p.stem, groups[p.stem], p)
        h.portfolio = label
        return h
    return {name: failed[name] if name in failed else _holdings(name, groups[name], p)
            for name in seen}


def _no_weights(nums) -> bool:
    """No target weight in the file (the row reader checks each against its ratio)."""
    w = nums["target_weight"]
    return w is not None and bool(np.isnan(w).all())


def _check_portfolios(p, table, cols, split_portfolios, portfolio):
    """The portfolio column's names, ``[(name, row)]``, checked: needed to split, no blank
    where others are named, one portfolio unless ``portfolio`` picks one that is there."""
    if split_portfolios and "portfolio" not in cols:
        raise InputError(p, "missing column portfolio (needed to split one file into "
                         "portfolios)", 1)
    names = _portfolio_names(table, cols)
    if names and not split_portfolios:
        _no_blank_portfolio(table, cols, names)
    if "portfolio" not in cols:
        portfolio = None
    found = list(dict.fromkeys(n for n, _ in names))
    if not split_portfolios and portfolio is None and len(found) > 1:
        raise InputError(p, f"the portfolio column names {len(found)} portfolios ("
                            f"{listed(found)}); `hedgexl batch` reports each, or "
                            f"--portfolio NAME picks one")
    if portfolio is not None and portfolio not in found:
        raise InputError(p, f"no rows of portfolio {portfolio!r}"
                         + _near_miss(portfolio, [n for n, _ in names]))
    return names


class _RowReader:
    """Holdings read row by row, grouped by portfolio (``split_portfolios``: a bad row
    fails its own portfolio only) or for the one portfolio picked."""

    def __init__(self, p, table, cols, nums, default_hedge_ratio, cross, own_cache,
                 split_portfolios, portfolio):
        self.p, self.table, self.cols, self.nums = p, table, cols, nums
        self.args = (default_hedge_ratio, cross, own_cache)
        self.split, self.portfolio = split_portfolios, portfolio
        self.groups: dict[str, dict] = {}
        self.failed: dict[str, InputError] = {}
        self.seen: dict[str, None] = {}  # portfolios in the order of the file

    def read(self):
        for rowno, row in enumerate(self.table.rows[1:], start=2):
            if not _blank_row(row):
                self._row(rowno, row)
        return self.groups, self.failed, self.seen

    def _name(self, rowno, cell) -> str | None:
        """The row's portfolio as grouped (None: not the one picked)."""
        p, stem = self.p, self.p.stem
        pname = key_text(p, cell("portfolio"), "portfolio", rowno) \
            if self.split or self.portfolio is not None else stem
        if self.portfolio is not None:
            return stem if pname == self.portfolio else None
        if self.split and not pname:
            pname = f"(row {rowno}: no portfolio)"
            self.failed.setdefault(pname, InputError(p, "portfolio is blank", rowno))
        return pname

    def _row(self, rowno, row) -> None:
        cols = self.cols

        def cell(name):
            i = cols.get(name)
            return row[i] if i is not None and i < len(row) else None

        pname = self._name(rowno, cell)
        if pname is None:
            return
        self.seen.setdefault(pname)
        if pname in self.failed:
            return
        try:
            rec = _holding_row(self.table, cell, rowno, *self.args, self.nums)
        except InputError as e:
            if not self.split:
                raise
            self.failed[pname] = e
            self.groups.pop(pname, None)
            return
        g = self.groups.setdefault(pname, {k: [] for k in _FIELDS})
        if not g["rows"]:
            g["warnings"].extend(self.table.warnings)  # the file's own, said to each
        for k, v in rec.items():
            g[k].append(v) if k != "warnings" else g[k].extend(v)
        g["rows"].append(rowno)


def _blank_row(row) -> bool:
    return (not row or row[0] is None or row[0] == "" or row[0] == " ") \
        and all(c is None or str(c).strip() == "" for c in row)


_NUMERIC = ("quantity", "price", "beta", "hedge_ratio", "target_weight")


def _keys(table: Table, i) -> list[str] | None:
    """A key column's cells, stripped, when every one is one line of text; else None."""
    if i is None:
        return [""] * (len(table.rows) - 1)
    cells = [r[i] if i < len(r) else None for r in table.rows[1:]]
    if any(not isinstance(c, str) for c in cells if c is not None):
        return None
    text = [c.strip() if c else "" for c in cells]
    return None if CONTROL.search("".join(text)) else text


def _columnar(table: Table, cols, nums, default_hedge_ratio, cross, own_cache) -> dict | None:
    """A holdings file of one portfolio read column by column: each rule of
    :func:`_holding_row` checked on whole columns. None when any row needs the row by row
    reader (a blank row, a cell outside the plain grammar, a value a rule refuses), which
    then names the first bad row, or says that there is none."""
    p = table.path
    if len(table.rows) < 2 or any(v is None for v in nums.values()):
        return None
    assets, texts = _keys(table, cols.get("asset")), _keys(table, cols.get("contract"))
    if assets is None or texts is None or not all(assets):
        return None
    numbers = _columns_checked(nums, default_hedge_ratio)
    contract = _contracts_of(assets, texts, cross, own_cache)
    if numbers is None or contract is None:
        return None
    v, given = numbers
    rows = list(range(2, len(assets) + 2))
    lo, hi = BETA_RANGE
    odd = np.flatnonzero(given["beta"] & ((v["beta"] < lo) | (v["beta"] > hi)))
    warnings = list(table.warnings) + [
        f"{p.name}, row {rows[i]}: {assets[i]} has beta {v['beta'][i]:g}, outside the usual "
        f"{lo:g} to {hi:g}; check it (the hedge scales with it)" for i in odd]
    return {"asset": assets, "quantity": v["quantity"], "price": v["price"],
            "beta": v["beta"], "hedge_ratio": v["hedge_ratio"], "contract": contract,
            "rows": rows, "beta_given": given["beta"], "hr_given": given["hedge_ratio"],
            "contract_given": np.array([bool(t) for t in texts]), "warnings": warnings}


def _columns_checked(nums, default_hedge_ratio):
    """The numeric columns with their defaults, and where beta and the hedge ratio were
    given; None when a rule refuses a value (the row reader then names it)."""
    v = {k: np.array(nums[k], dtype=float) for k in _NUMERIC}
    if np.isnan(v["quantity"]).any() or np.isnan(v["price"]).any():
        return None
    given = {k: ~np.isnan(v[k]) for k in ("beta", "hedge_ratio")}
    v["beta"] = np.where(given["beta"], v["beta"], 1.0)
    v["hedge_ratio"] = np.where(given["hedge_ratio"], v["hedge_ratio"], default_hedge_ratio)
    with np.errstate(over="ignore", invalid="ignore"):
        fine = np.isfinite(v["quantity"] * v["price"]) & np.isfinite(v["beta"])
    price, ratio = HOLDINGS["price"], HOLDINGS["hedge_ratio"]
    fine &= (v["price"] > price.lo) & (v["hedge_ratio"] >= ratio.lo) \
        & (v["hedge_ratio"] <= ratio.hi)
    return (v, given) if fine.all() else None


def _contracts_of(assets, texts, cross, own_cache) -> list[str] | None:
    """Each row's contract key: the one it names, else its own coin's (or the cross
    contract); None when a row needs the row reader (a face value, an unknown key)."""
    contract, resolved = [], {}
    for asset, text in zip(assets, texts):
        if text not in resolved:
            if is_face_text(text):  # a face value: the row reader reads it in the grammar
                return None
            try:
                resolved[text] = get_contract(text).key if text else text
            except ValueError:
                return None
        if text:
            contract.append(resolved[text])
            continue
        key = asset.upper()
        if key not in own_cache:
            own = own_contract(key, cross.venue)
            own_cache[key] = own.key if own is not None else cross.key
        contract.append(own_cache[key])
    return contract


def _portfolio_names(table: Table, cols) -> list[tuple[str, int]]:
    """``(name, row)`` of every non-blank portfolio cell; two spellings of one name refused."""
    i = cols.get("portfolio")
    if i is None:
        return []
    out = []
    for rowno, row in enumerate(table.rows[1:], start=2):
        name = key_text(table.path, row[i] if i < len(row) else None, "portfolio", rowno)
        if name:
            out.append((name, rowno))
    check_spellings(table.path, out, "portfolio")
    return out


def _no_blank_portfolio(table: Table, cols, names) -> None:
    """In a file whose rows name their portfolio, a row that names none is refused: it
    would join whichever portfolio the report is of."""
    i = cols["portfolio"]
    for rowno, row in enumerate(table.rows[1:], start=2):
        blank = i >= len(row) or row[i] is None or str(row[i]).strip() == ""
        if blank and any(c is not None and str(c).strip() for c in row):
            raise InputError(table.path, f"portfolio is blank, where other rows name theirs "
                                         f"({names[0][0]!r}, row {names[0][1]}); say whose "
                                         f"this row is", rowno)


def _near_miss(name, candidates) -> str:
    """``; 'X' differs only in case or spacing`` when a candidate does, else the list of
    candidates."""
    found = list(dict.fromkeys(candidates))
    near = near_miss(name, found)
    if near is not None:
        return f"; {near!r} differs only in case or spacing: write it exactly so"
    return f" (the file has {listed(found)})" if found else " (the file has none)"


def _holding_row(table: Table, cell, rowno, default_hedge_ratio, cross, own_cache,
                 nums=None) -> dict:
    """One holdings row as values, or an InputError naming the row. ``nums``: columns
    already read in one pass (:meth:`Table.numbers`), None where cell by cell."""
    p = table.path
    asset = key_text(p, cell("asset"), "asset", rowno)
    if not asset:
        raise InputError(p, "asset is blank", rowno)
    vals, given = {}, {}
    for name, default in (("quantity", None), ("price", None), ("beta", 1.0),
                          ("hedge_ratio", default_hedge_ratio)):
        col = (nums or {}).get(name)
        x = col[rowno - 2] if col is not None else table.number(cell(name), name, rowno)
        given[name] = not math.isnan(x)
        if math.isnan(x):
            if default is None:
                raise InputError(p, f"{name} is blank", rowno)
            x = default
        if not math.isfinite(x):
            raise InputError(p, f"{name} must be a finite number", rowno)
        vals[name] = x
    table.check(HOLDINGS["price"], vals["price"], rowno)
    if not math.isfinite(vals["quantity"] * vals["price"]):
        raise InputError(p, f"quantity × price overflows ({vals['quantity']:g} × "
                            f"{vals['price']:g} USD is beyond what a number can hold)", rowno)
    table.check(HOLDINGS["hedge_ratio"], vals["hedge_ratio"], rowno)
    weight = _target_weight(table, cell, rowno, nums, given["hedge_ratio"])
    warnings = []
    lo, hi = BETA_RANGE
    if given["beta"] and not lo <= vals["beta"] <= hi:
        warnings.append(f"{p.name}, row {rowno}: {asset} has beta {vals['beta']:g}, outside "
                        f"the usual {lo:g} to {hi:g}; check it (the hedge scales with it)")
    text = key_text(p, cell("contract"), "contract", rowno)
    contract = _row_contract(table, text, asset, rowno, cross, own_cache)
    return {"asset": asset, "quantity": vals["quantity"], "price": vals["price"],
            "beta": vals["beta"], "hedge_ratio": vals["hedge_ratio"], "contract": contract,
            "beta_given": given["beta"], "hr_given": given["hedge_ratio"],
            "contract_given": bool(text), "warnings": warnings, "target_weight": weight}


def _row_contract(table: Table, text: str, asset: str, rowno, cross, own_cache) -> str:
    """The row's contract: a face value (in the file's grammar), a preset key, or when
    blank the asset's own inverse preset, else the cross-hedge contract."""
    p = table.path
    if text and is_face_text(text):  # an inverse face value in USD, in the file's grammar
        face = table.number(text, "contract", rowno)
        if not (face > 0):
            raise InputError(p, f"contract face value must be > 0 USD, got {text!r}", rowno)
        contract = f"{face:.15g}"
    elif text:
        try:
            contract = get_contract(text).key
        except ValueError as e:
            raise InputError(p, str(e), rowno) from None
    else:
        key = asset.upper()
        if key not in own_cache:
            own = own_contract(key, cross.venue)
            own_cache[key] = own.key if own is not None else cross.key
        contract = own_cache[key]
    return contract


def _target_weight(table: Table, cell, rowno, nums, ratio_given: bool) -> float:
    """The row's target weight (NaN: none); refused beside a hedge ratio."""
    col = (nums or {}).get("target_weight")
    x = col[rowno - 2] if col is not None else \
        table.number(cell("target_weight"), "target_weight", rowno)
    if math.isnan(x):
        return x
    if ratio_given:
        raise InputError(table.path, "gives both hedge_ratio and target_weight: give one (a "
                                     "hedge ratio hedges a share of the holding; a target "
                                     "weight hedges what is above that share of the "
                                     "portfolio)", rowno)
    table.check(HOLDINGS["target_weight"], x, rowno)
    return x


def _holdings(name, g, p) -> Holdings:
    return Holdings(name=name, asset=g["asset"], quantity=np.array(g["quantity"]),
                    price=np.array(g["price"]), beta=np.array(g["beta"]),
                    hedge_ratio=np.array(g["hedge_ratio"]), contract=g["contract"],
                    source=str(p), rows=g["rows"], beta_given=np.array(g["beta_given"]),
                    hedge_ratio_given=np.array(g["hr_given"]),
                    contract_given=np.array(g["contract_given"]), warnings=g["warnings"],
                    target_weight=np.asarray(g["target_weight"], float) if "target_weight"
                    in g else np.full(len(g["asset"]), np.nan))


@dataclass
class Funding:
    time: list[str]
    contract: str
    mark_price: np.ndarray
    funding_rate: np.ndarray
    source: str = ""
    interval_hours: np.ndarray | None = None  # per row, from the file's interval column
    warnings: list[str] = field(default_factory=list)  # gaps in the series
    rows: list[int] = field(default_factory=list)  # the file row of each funding


#: Gaps in one series said at most this many times (then counted).
MAX_GAPS_SAID = 3


def _now() -> dt.datetime:
    """The clock (naive UTC), for times that cannot have happened yet."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _funding_time(p, value, rowno, now, what="a funding") -> dt.datetime:
    """A funding time (or the time of ``what``), or an InputError naming the row
    (unparseable, or after now)."""
    try:
        t = parse_time(value)
    except ValueError:
        t = None
    if t is None:
        raise InputError(p, f"time must be a UTC date and time such as 2024-01-01T08:00:00Z, "
                            f"got {str(value)[:40]!r}", rowno)
    if t > now:
        raise InputError(p, f"time {t:%Y-%m-%d %H:%M} UTC is after now "
                            f"({now:%Y-%m-%d %H:%M} UTC): {what} that has not happened "
                            f"yet", rowno)
    return t


def _hours_of(key: str):
    """The hours between fundings of a known preset, else None (the series' own median
    step is the interval then)."""
    try:
        h = get_contract(key).funding_hours if key else math.nan
    except ValueError:
        return None
    return h if h > 0 else None


def _in_order(p, contract, times, rows, interval):
    """Sort one contract's fundings by time (a file may be newest first), refuse a time
    given twice, and return ``(order, gap warnings)``."""
    order = sorted(range(len(times)), key=times.__getitem__)
    warnings, gaps = [], 0
    steps = [(times[b] - times[a]).total_seconds() / 3600 for a, b in zip(order, order[1:])]
    for k, h in enumerate(steps):
        if h == 0:
            a, b = order[k], order[k + 1]
            raise InputError(p, f"{contract or 'the series'} has a funding at "
                                f"{times[a]:%Y-%m-%d %H:%M} UTC on rows {rows[a]} and "
                                f"{rows[b]}; give each funding once (a row given twice "
                                f"counts twice)", rows[b])
    usual = interval if interval else (sorted(steps)[len(steps) // 2] if steps else 0)
    for k, h in enumerate(steps):
        if usual and h > 1.5 * usual:
            gaps += 1
            if gaps <= MAX_GAPS_SAID:
                a, b = times[order[k]], times[order[k + 1]]
                warnings.append(f"{p.name}: {contract or 'funding'} has no funding from "
                                f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} UTC (about "
                                f"{round(h / usual) - 1} missing); funding accrued over that "
                                f"time is left out")
    if gaps > MAX_GAPS_SAID:
        warnings.append(f"{p.name}: {contract or 'funding'} has {gaps - MAX_GAPS_SAID} more "
                        f"gap(s) like these")
    return order, warnings


@gc_paused
def read_funding_all(path, *, decimal=None, delimiter=None,
                     strict_cells=False) -> dict[str, Funding]:
    """Every funding series in a file, keyed by contract in file order (key ``""`` when the
    file has no contract column). Layouts: ``time_utc, contract, mark_price|close,
    funding_rate`` (the project's shared data) or any CSV/XLSX with time, mark/close/price
    and rate columns. Rows without a rate (spot rows, gaps) are skipped."""
    p = Path(path)
    table = read_table(p, decimal=decimal, delimiter=delimiter, kind="funding",
                       strict_cells=strict_cells)
    rows = table.rows
    cols = map_header(rows[0], p, FUNDING.aliases(), FUNDING.required())
    it, ic, im, ir, ih = (cols.get(n) for n in ("time", "contract", "mark_price",
                                                "funding_rate", "interval_hours"))
    series: dict[str, tuple[list, list, list, list, list]] = {}
    now = _now()
    for rowno, row in enumerate(rows[1:], start=2):
        cell = lambda i: row[i] if i is not None and i < len(row) else None  # noqa: E731
        rate_cell = cell(ir)
        if rate_cell is None or str(rate_cell).strip() == "":
            continue
        c = key_text(p, cell(ic), "contract", rowno).upper()
        if ic is not None and not c:
            raise InputError(p, "contract is blank, where the file names the contract of "
                                "each funding; say whose funding this is", rowno)
        t, mm, rr, hh, rw = series.setdefault(c, ([], [], [], [], []))
        m, r, h = _funding_numbers(table, cell(im), rate_cell, cell(ih), ih, rowno)
        t.append(_funding_time(p, cell(it), rowno, now))
        mm.append(m)
        rr.append(r)
        hh.append(h)
        rw.append(rowno)
    if not series:
        raise InputError(p, "no funding rows (no row has a funding rate)")
    return {c: _funding_series(p, c, cols_, table.warnings, ih is not None)
            for c, cols_ in series.items()}


def _funding_numbers(table, mark_cell, rate_cell, hours_cell, ih, rowno):
    """A funding row's mark, rate and interval (NaN where the file has no interval),
    each checked as the schema declares."""
    m = table.number(mark_cell, "mark_price", rowno)
    if math.isnan(m):
        raise InputError(table.path, "mark_price is blank", rowno)
    table.check(FUNDING["mark_price"], m, rowno, repr(mark_cell))
    r = table.check(FUNDING["funding_rate"], table.number(rate_cell, "funding_rate", rowno),
                    rowno, repr(rate_cell))
    h = table.number(hours_cell, "interval_hours", rowno) if ih is not None else math.nan
    table.check(FUNDING["interval_hours"], h, rowno, repr(hours_cell))
    return m, r, h


def _funding_series(p, c, columns, table_warnings, has_hours) -> Funding:
    """One contract's rows, in time order (checked for repeats and gaps by its interval)."""
    t, m, r, h, rw = columns
    given = [x for x in h if not math.isnan(x)]
    order, warnings = _in_order(p, c, t, rw, min(given) if given else _hours_of(c))
    warnings[:0] = table_warnings
    pick = lambda xs: [xs[i] for i in order]  # noqa: E731
    return Funding([f"{x:%Y-%m-%dT%H:%M:%S}Z" for x in pick(t)], c, np.array(pick(m)),
                   np.array(pick(r)), str(p), np.array(pick(h)) if has_hours else None,
                   warnings, pick(rw))


def pick_funding(all_series: dict[str, Funding], contracts) -> Funding | None:
    """The series for the first of ``contracts`` that the file has; a file without a
    contract column applies to the first contract. None when nothing matches."""
    keys = [str(c).upper() for c in contracts]
    for k in keys:
        if k in all_series:
            return all_series[k]
    if "" in all_series and keys:
        f = all_series[""]
        return Funding(f.time, keys[0], f.mark_price, f.funding_rate, f.source,
                       f.interval_hours, f.warnings, f.rows)
    return None


def read_funding(path, contract=None, **kw) -> Funding:
    """One funding series: ``contract``'s, or the file's first."""
    all_series = read_funding_all(path, **kw)
    if contract:
        f = pick_funding(all_series, [contract])
        if f is None:
            raise InputError(path, f"no funding rows for {contract} (the file has "
                             f"{', '.join(k for k in all_series if k) or 'none'})")
        return f
    return next(iter(all_series.values()))


@gc_paused
def read_prices(path, *, decimal=None, delimiter=None, strict_cells=False, warnings=None):
    """Read a price history: ``date,value`` (one asset), the shared BTC layout
    ``None,code,date,value``, or a wide ``date,BTC,ETH,...`` table. Returns
    ``(dates, {name: array})`` with NaN where a price is missing. Dates are ISO
    (``2024-12-31``) or the spreadsheet's own dates; rows come back oldest first. What the
    reader must be told (hidden rows, formula cells of a workbook) goes to ``warnings``."""
    p = Path(path)
    table = read_table(p, decimal=decimal, delimiter=delimiter, kind="prices",
                       strict_cells=strict_cells)
    if warnings is not None:
        warnings.extend(table.warnings)
    idate, names, value_cols = _price_columns(p, table.rows[0])
    dates, cols, first = [], {n: [] for n in names}, {}
    today = _now().date().isoformat()
    for rowno, row in enumerate(table.rows[1:], start=2):
        d = _iso_date(p, row[idate] if idate < len(row) else None, rowno)
        if d in first:
            raise InputError(p, f"date {d} is on rows {first[d]} and {rowno}; give each "
                                f"date once", rowno)
        if d > today:
            raise InputError(p, f"date {d} is after today ({today}): a price that has not "
                                f"happened yet", rowno)
        first[d] = rowno
        dates.append(d)
        for n, i in zip(names, value_cols):
            cols[n].append(_price(table, row[i] if i < len(row) else None, n, rowno))
    order = sorted(range(len(dates)), key=dates.__getitem__)  # oldest first, whatever the file
    return [dates[i] for i in order], {n: np.array(v)[order] if v else np.array(v)
                                       for n, v in cols.items()}


def _price_columns(p, header) -> tuple[int, list[str], list[int]]:
    """The date column, and each price column's name and index (``value`` is named by the
    file, BTC-USD.csv: BTC); two columns of one name are refused."""
    head = [str(h or "").strip() for h in header]
    low = [h.lower() for h in head]
    if "date" not in low:
        raise InputError(p, "missing column date", 1)
    idate = low.index("date")
    skip = {idate} | {i for i, h in enumerate(low) if h in ("none", "code", "")}
    value_cols = [i for i in range(len(head)) if i not in skip]
    if not value_cols:
        raise InputError(p, "no price columns beside date", 1)
    names = [p.stem.split("-")[0].upper() if low[i] == "value" else head[i]
             for i in value_cols]
    seen = {}
    for n, i in zip(names, value_cols):
        if n.upper() in seen:
            raise InputError(p, f"columns {_column_letter(seen[n.upper()])} and "
                                f"{_column_letter(i)} are both {n!r}; keep one", 1)
        seen[n.upper()] = i
    return idate, names, value_cols


def _price(table, cell, name, rowno) -> float:
    """One price: a number > 0 (NaN where blank: a missing price)."""
    x = table.number(cell, name, rowno, percent=False)
    if x <= 0 or x == math.inf:
        raise InputError(table.path, f"{name} price must be a number > 0, got {x:g}", rowno)
    return x


def _iso_date(p, value, rowno) -> str:
    """``YYYY-MM-DD`` of a date cell, or an InputError naming the row."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    s = str(value if value is not None else "").strip()
    try:
        return dt.date.fromisoformat(s[:10]).isoformat()
    except ValueError:
        raise InputError(p, f"date must be a date such as 2024-12-31, got {s[:40]!r}",
                         rowno) from None


def example_path(name="example_portfolio.csv") -> Path:
    """Path of a bundled example file."""
    return Path(str(resources.files("hedgexl").joinpath("data", name)))


def read_futures_prices(path, *, decimal=None, delimiter=None,
                        strict_cells=False) -> dict[str, list[tuple[dt.datetime, float]]]:
    """Dated futures' prices: ``{contract key: [(time, price), ...]}`` sorted by time. A
    contract that is not a dated future, a time that does not parse or lies after now, and
    a price given twice for one contract and time are refused with the row."""
    from .schema import FUTURES_PRICES
    p = Path(path)
    table = read_table(p, decimal=decimal, delimiter=delimiter, kind="futures_prices",
                       strict_cells=strict_cells)
    cols = map_header(table.rows[0], p, FUTURES_PRICES.aliases(), FUTURES_PRICES.required())
    out: dict[str, dict] = {}
    now = _now()
    for rowno, row in enumerate(table.rows[1:], start=2):
        cell = lambda n: row[cols[n]] if cols[n] < len(row) else None  # noqa: E731
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        try:
            spec = get_contract(key_text(p, cell("contract"), "contract", rowno))
        except ValueError as e:
            raise InputError(p, str(e), rowno) from None
        key = spec.key
        if not spec.expiry:
            raise InputError(p, f"{key} is not a dated future (a perpetual's cost is its "
                                f"funding: --funding)", rowno)
        t = _funding_time(p, cell("time"), rowno, now, "a price")
        settled = expiry_of(spec)
        if t >= settled:
            raise InputError(p, f"{key} settled at {settled:%Y-%m-%d %H:%M} UTC; a price at "
                                f"{t:%Y-%m-%d %H:%M} is after it (a settled future has no "
                                f"price)", rowno)
        price = table.check(FUTURES_PRICES["price"],
                            table.number(cell("price"), "price", rowno), rowno)
        if t in out.setdefault(key, {}):
            raise InputError(p, f"{key} at {t:%Y-%m-%d %H:%M} is given twice (rows "
                                f"{out[key][t][1]} and {rowno})", rowno)
        out[key][t] = (price, rowno)
    if not out:
        raise InputError(p, "no futures prices under the header")
    return {k: sorted((t, v[0]) for t, v in series.items()) for k, series in out.items()}
