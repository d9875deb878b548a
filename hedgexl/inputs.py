"""Reading user files: holdings (CSV or XLSX), funding histories and price histories.

Every problem raises :class:`InputError` with the file, the row (as a spreadsheet user counts
them: the header is row 1) and the reason.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .core.numbers import parse_number

__all__ = ["InputError", "Holdings", "read_holdings", "read_funding", "read_funding_all",
           "pick_funding", "read_prices",
           "parse_number", "example_path", "MAX_INPUT_BYTES"]

#: Files larger than this are refused rather than read into memory.
MAX_INPUT_BYTES = 50 * 1024 * 1024


class InputError(ValueError):
    """A problem with a user's file: names the file, the row and the reason."""

    def __init__(self, path, reason, row=None):
        self.path, self.reason, self.row = str(path), reason, row
        where = f"{self.path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {reason}")


HOLDING_ALIASES = {
    "asset": ("asset", "coin", "symbol", "ticker", "name"),
    "quantity": ("quantity", "qty", "amount", "units", "holding", "holdings", "balance",
                 "position", "size"),
    "price": ("price", "spot", "spot price", "last", "close", "mark", "price usd"),
    "beta": ("beta", "β"),
    "hedge_ratio": ("hedge_ratio", "hedge ratio", "ratio", "hedge", "hedge %", "hedge pct",
                    "h"),
    "contract": ("contract", "contract key", "instrument", "hedge contract", "key"),
    "portfolio": ("portfolio", "fund", "client", "account", "book"),
}
REQUIRED = ("asset", "quantity", "price")
DEFAULT_CONTRACT = "BINANCE:BTCUSD_PERP"



def _norm(h) -> str:
    return re.sub(r"[\s_\-]+", " ", str(h or "").strip().lower())


def _map_header(header, path):
    lookup = {}
    for canon, names in HOLDING_ALIASES.items():
        for n in names:
            lookup[_norm(n)] = canon
    cols = {}
    for i, h in enumerate(header):
        canon = lookup.get(_norm(h))
        if canon and canon not in cols:
            cols[canon] = i
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InputError(path, f"missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} (found: {', '.join(map(str, header))})", 1)
    return cols


def _check_size(p: Path):
    try:
        size = p.stat().st_size
    except OSError as e:
        raise InputError(p, e.strerror or str(e)) from None
    if size == 0:
        raise InputError(p, "the file is empty")
    if size > MAX_INPUT_BYTES:
        raise InputError(p, f"the file is {_human(size)}, over the {_human(MAX_INPUT_BYTES)} "
                         "limit for one input; split it into smaller files")


def _human(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB"


def read_table(path) -> list[list]:
    """Rows of a CSV or XLSX file (the first sheet), header first, as lists of cells."""
    p = Path(path)
    _check_size(p)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        if not zipfile.is_zipfile(p):
            raise InputError(p, "not a valid .xlsx file (it is not a zip archive)")
        import openpyxl
        try:
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many types for broken files
            raise InputError(p, f"not a readable .xlsx file ({type(e).__name__})") from None
        try:
            ws = wb.worksheets[0]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    else:
        try:
            text = p.read_text("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(p, "not a text CSV file (it is not UTF-8)") from None
        if "\x00" in text:
            raise InputError(p, "not a text CSV file (it has NUL bytes)")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [r for r in csv.reader(io.StringIO(text), dialect)]
    # drop fully blank rows at the end, keep row numbering for the rest
    while rows and all(c is None or str(c).strip() == "" for c in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(p, "the file is empty")
    return rows


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

    def __len__(self):
        return len(self.asset)


def read_holdings(path, *, default_hedge_ratio=1.0, default_contract=DEFAULT_CONTRACT,
                  split_portfolios=False):
    """Read a holdings file. With ``split_portfolios``, return ``{name: Holdings}`` using the
    portfolio column; otherwise one :class:`Holdings` named after the file."""
    from .core.specs import get_contract

    p = Path(path)
    rows = read_table(p)
    cols = _map_header(rows[0], p)
    if split_portfolios and "portfolio" not in cols:
        raise InputError(p, "missing column portfolio (needed to split one file into "
                         "portfolios)", 1)
    groups: dict[str, dict] = {}
    for rowno, row in enumerate(rows[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue

        def cell(name):
            i = cols.get(name)
            return row[i] if i is not None and i < len(row) else None

        asset = str(cell("asset") or "").strip()
        if not asset:
            raise InputError(p, "asset is blank", rowno)
        vals, given = {}, {}
        for name, default in (("quantity", None), ("price", None), ("beta", 1.0),
                              ("hedge_ratio", default_hedge_ratio)):
            try:
                x = parse_number(cell(name), what=name)
            except ValueError as e:
                raise InputError(p, str(e), rowno) from None
            given[name] = not math.isnan(x)
            if math.isnan(x):
                if default is None:
                    raise InputError(p, f"{name} is blank", rowno)
                x = default
            if not math.isfinite(x):
                raise InputError(p, f"{name} must be a finite number", rowno)
            vals[name] = x
        if vals["price"] <= 0:
            raise InputError(p, f"price must be > 0, got {vals['price']:g}", rowno)
        if not 0 <= vals["hedge_ratio"] <= 2:
            raise InputError(p, f"hedge_ratio must be between 0 and 2 (0 % to 200 %), got "
                             f"{vals['hedge_ratio']:g}", rowno)
        contract = str(cell("contract") or "").strip() or default_contract
        try:
            contract = get_contract(contract).key if not _is_number(contract) else contract
        except ValueError as e:
            raise InputError(p, str(e), rowno) from None
        pname = str(cell("portfolio") or "").strip() if split_portfolios else p.stem
        if split_portfolios and not pname:
            raise InputError(p, "portfolio is blank", rowno)
        g = groups.setdefault(pname, {k: [] for k in
                                      ("asset", "quantity", "price", "beta", "hedge_ratio",
                                       "contract", "rows", "beta_given", "hr_given")})
        g["asset"].append(asset)
        for k in ("quantity", "price", "beta", "hedge_ratio"):
            g[k].append(vals[k])
        g["contract"].append(contract)
        g["rows"].append(rowno)
        g["beta_given"].append(given["beta"])
        g["hr_given"].append(given["hedge_ratio"])
    if not groups:
        raise InputError(p, "no holdings rows under the header")
    out = {name: Holdings(name=name, asset=g["asset"],
                          quantity=np.array(g["quantity"]), price=np.array(g["price"]),
                          beta=np.array(g["beta"]), hedge_ratio=np.array(g["hedge_ratio"]),
                          contract=g["contract"], source=str(p), rows=g["rows"],
                          beta_given=np.array(g["beta_given"]),
                          hedge_ratio_given=np.array(g["hr_given"]))
           for name, g in groups.items()}
    return out if split_portfolios else out[p.stem]


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", ""))
        return True
    except ValueError:
        return False


@dataclass
class Funding:
    time: list[str]
    contract: str
    mark_price: np.ndarray
    funding_rate: np.ndarray
    source: str = ""


def read_funding_all(path) -> dict[str, Funding]:
    """Every funding series in a file, keyed by contract in file order (key ``""`` when the
    file has no contract column). Layouts: ``time_utc, contract, mark_price|close,
    funding_rate`` (the project's shared data) or any CSV/XLSX with time, mark/close/price
    and rate columns. Rows without a rate (spot rows, gaps) are skipped."""
    p = Path(path)
    rows = read_table(p)
    head = [_norm(h) for h in rows[0]]

    def find(*names):
        for n in names:
            if n in head:
                return head.index(n)
        return None

    it = find("time utc", "time", "timestamp", "date", "datetime")
    ic = find("contract", "symbol", "key")
    im = find("mark price", "mark", "close", "price")
    ir = find("funding rate", "rate", "funding")
    missing = [n for n, i in (("time", it), ("mark_price", im), ("funding_rate", ir))
               if i is None]
    if missing:
        raise InputError(p, f"missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}", 1)
    series: dict[str, tuple[list, list, list]] = {}
    for rowno, row in enumerate(rows[1:], start=2):
        cell = lambda i: row[i] if i is not None and i < len(row) else None  # noqa: E731
        rate_cell = cell(ir)
        if rate_cell is None or str(rate_cell).strip() == "":
            continue
        c = str(cell(ic) or "").strip().upper()
        try:
            m = parse_number(cell(im), what="mark_price")
            r = parse_number(rate_cell, what="funding_rate")
        except ValueError as e:
            raise InputError(p, str(e), rowno) from None
        if not m > 0:
            raise InputError(p, f"mark_price must be > 0, got {cell(im)!r}", rowno)
        t, mm, rr = series.setdefault(c, ([], [], []))
        t.append(str(cell(it)))
        mm.append(m)
        rr.append(r)
    if not series:
        raise InputError(p, "no funding rows (no row has a funding rate)")
    return {c: Funding(t, c, np.array(m), np.array(r), str(p))
            for c, (t, m, r) in series.items()}


def pick_funding(all_series: dict[str, Funding], contracts) -> Funding | None:
    """The series for the first of ``contracts`` that the file has; a file without a
    contract column applies to the first contract. None when nothing matches."""
    keys = [str(c).upper() for c in contracts]
    for k in keys:
        if k in all_series:
            return all_series[k]
    if "" in all_series and keys:
        f = all_series[""]
        return Funding(f.time, keys[0], f.mark_price, f.funding_rate, f.source)
    return None


def read_funding(path, contract=None) -> Funding:
    """One funding series: ``contract``'s, or the file's first."""
    all_series = read_funding_all(path)
    if contract:
        f = pick_funding(all_series, [contract])
        if f is None:
            raise InputError(path, f"no funding rows for {contract} (the file has "
                             f"{', '.join(k for k in all_series if k) or 'none'})")
        return f
    return next(iter(all_series.values()))


def read_prices(path):
    """Read a price history: ``date,value`` (one asset), the shared BTC layout
    ``None,code,date,value``, or a wide ``date,BTC,ETH,...`` table. Returns
    ``(dates, {name: array})`` with NaN where a price is missing."""
    p = Path(path)
    rows = read_table(p)
    head = [str(h or "").strip() for h in rows[0]]
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
    dates, cols = [], {n: [] for n in names}
    for rowno, row in enumerate(rows[1:], start=2):
        dates.append(str(row[idate]).strip()[:10])
        for n, i in zip(names, value_cols):
            try:
                x = parse_number(row[i] if i < len(row) else None, what=n)
            except ValueError as e:
                raise InputError(p, str(e), rowno) from None
            if x <= 0:
                raise InputError(p, f"{n} price must be > 0, got {x:g}", rowno)
            cols[n].append(x)
    return dates, {n: np.array(v) for n, v in cols.items()}


def example_path(name="example_portfolio.csv") -> Path:
    """Path of a bundled example file."""
    return Path(str(resources.files("hedgexl").joinpath("data", name)))
