"""One report: read a portfolio's files, compute with the core, write the workbook.

The numbers come from the vectorised core (:mod:`hedgexl.workbook.model`); no formula engine
runs here. The workbook has the template's layout, so in ``live`` mode each number sits
under the HEDGE_* formula that recomputes it, and in ``static`` mode (the default) it is a
plain value that any viewer shows.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import core
from ..book import build_book
from ..book.notes import check_not_settled, day_end, prepare_holdings
from ..inputs import (Funding, Holdings, InputError, Positions, own_positions, pick_funding,
                      read_funding_all, read_futures_prices, read_holdings, read_positions,
                      read_prices)
from ..files import check_target
from ..workbook.custom import Customisation, evaluate, fill_title, read_template
from ..workbook.model import Settings, WorkbookData, compute
from ..workbook.writer import write_workbook

__all__ = ["ReportOptions", "ReportResult", "make_report", "report_data", "prepare_day",
           "Day", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = ["portfolio", "status", "holdings", "spot_value_usd", "hedge_notional_usd",
                   "coverage", "residual_usd", "funding", "funding_currency", "net_pnl_usd",
                   "trades", "nearest_liquidation", "liquidation_refused", "funding_accrued_usd",
                   "carry_year_usd", "report", "error"]


@dataclass(frozen=True)
class ReportOptions:
    funding: str | None = None
    prices: str | None = None
    contracts: str | None = None
    template: str | None = None
    mode: str = "static"
    force: bool = False
    default_hedge_ratio: float = 1.0
    valuation_date: dt.date | None = None
    decimal: str | None = None  # decimal mark of CSV inputs; None: read from each file
    delimiter: str | None = None  # column separator of CSV inputs; None: read from each file
    resume: bool = False  # keep reports that are already complete (the numbers are recomputed)
    positions: str | None = None  # the futures held (--positions)
    band: float = 0.0  # no-trade band, a fraction of the target (--band)
    tiers: str | None = None  # margin tiers of your own (--tiers), e.g. from hedgexl fetch
    portfolio: str | None = None  # --portfolio: this portfolio's rows of the input files
    strict_cells: bool = False  # --strict-cells: refuse hidden rows and formula cells
    long_overlays: bool = False  # --long-overlays: buy an under-weight coin with futures
    futures_prices: str | None = None  # --futures-prices: dated futures to compare
    roll_days: float = 7.0  # --roll-days: a dated future this close to settling is rolled

    def inputs(self, holdings=None) -> list[tuple[str, str]]:
        """``(what, path)`` of every input file, which no output may replace."""
        out = [("holdings file", holdings), ("funding file", self.funding),
               ("contracts file", self.contracts), ("template", self.template),
               ("positions file", self.positions), ("tiers file", self.tiers),
               ("futures prices file", self.futures_prices)]
        prices = self.prices if isinstance(self.prices, (list, tuple)) else [self.prices]
        return [(w, str(q)) for w, q in out + [("prices file", x) for x in prices] if q]

    @property
    def read(self) -> dict:
        """Keyword arguments for the file readers."""
        return {"decimal": self.decimal, "delimiter": self.delimiter,
                "strict_cells": self.strict_cells}


@dataclass
class ReportResult:
    portfolio: str
    source: str
    path: str | None
    ok: bool
    error: str = ""
    totals: dict | None = None
    holdings: int = 0
    warnings: list = field(default_factory=list)
    kept: bool = False  # --resume found the report complete and kept it
    positions_of: str | None = None  # the positions file's portfolio it used (a batch)

    @property
    def status(self) -> str:
        return "FAILED" if not self.ok else "kept" if self.kept else "ok"

    def summary_row(self) -> dict:
        t = self.totals or {}
        return {"portfolio": self.portfolio, "status": self.status,
                "holdings": self.holdings, "spot_value_usd": t.get("value"),
                "hedge_notional_usd": t.get("notional"), "coverage": t.get("coverage"),
                "residual_usd": t.get("residual"), "funding": t.get("funding"),
                "funding_currency": t.get("funding_coin_name") if t.get("funding") is not None
                else None,
                "net_pnl_usd": t.get("net_pnl"), "trades": t.get("trades"),
                "nearest_liquidation": t.get("nearest_liquidation"),
                "liquidation_refused": t.get("liquidation_refused"),
                "funding_accrued_usd": t.get("funding_accrued_usd"),
                "carry_year_usd": t.get("carry_year_usd"), "report": self.path or "",
                "error": self.error}


class PriceTable(tuple):
    """``(dates, {asset: array})``, and what reading the files said (``.warnings``)."""

    warnings: list[str]

    def __new__(cls, dates, cols, warnings=()):
        t = super().__new__(cls, (dates, cols))
        t.warnings = list(warnings)
        return t

    def __reduce__(self):  # to the workers of a batch, warnings and all
        return (PriceTable, (self[0], self[1], self.warnings))


def join_prices(paths, read=None):
    """Read one or several price files and join them on date; an asset in two files is
    refused, naming both (which one is right is the user's to say)."""
    series, all_dates, source, said = {}, set(), {}, []
    for p in paths:
        dates, cols = read_prices(p, warnings=said, **(read or {}))
        for name, vals in cols.items():
            if name.upper() in source:
                raise InputError(p, f"{name} prices are also in {source[name.upper()]}; give "
                                    f"each asset's prices in one file")
            source[name.upper()] = Path(p).name
            series[name] = dict(zip(dates, vals))
            all_dates.update(dates)
    dates = sorted(all_dates)
    return PriceTable(dates, {n: np.array([s.get(d, np.nan) for d in dates])
                              for n, s in series.items()}, said)


def _latest_date(dates, funding) -> dt.date:
    """The valuation date by default: the latest price date, else the latest funding time;
    today's clock only when no history was given."""
    if dates:
        return dt.date.fromisoformat(dates[-1][:10])
    if funding is not None and funding.time:
        try:
            return dt.date.fromisoformat(str(funding.time[-1])[:10])
        except ValueError:
            pass
    return dt.date.today()


#: Funding that ends this long before the valuation date is said to be stale.
STALE_FUNDING = dt.timedelta(days=1)


def _funding_warnings(available, contracts, vdate: dt.date) -> list[str]:
    """Gaps in the funding of the contracts this report uses, and histories that end
    before the valuation date (their latest rate is that old)."""
    out = []
    end = day_end(vdate)
    for key in dict.fromkeys(str(c).upper() for c in contracts):
        f = (available or {}).get(key)
        if f is None or not f.time:
            continue
        out += f.warnings
        last = dt.datetime.fromisoformat(f.time[-1].rstrip("Z"))
        if end - last > STALE_FUNDING:
            out.append(f"{Path(f.source).name}: the funding of {key} ends "
                       f"{last:%Y-%m-%d %H:%M} UTC, {(end - last).days} day(s) before the "
                       f"valuation date {vdate}: its latest rate and the funding accrued "
                       f"since are that old")
    return out


#: A price history whose dates step further apart than this has a gap worth saying.
PRICE_GAP = dt.timedelta(days=7)


def _price_warnings(prices, assets, vdate: dt.date) -> list[str]:
    """Price histories of the holdings' assets that end before the valuation date, or have
    a gap of over a week: the betas and marks taken from them are that old or that thin."""
    if not prices:
        return []
    dates, cols = prices
    upper = {k.upper(): k for k in cols}
    out = []
    for a in dict.fromkeys(x.upper() for x in assets):
        name = upper.get(a)
        if name is None:
            continue
        ok = [dt.date.fromisoformat(dates[i]) for i in np.flatnonzero(np.isfinite(cols[name]))]
        if not ok:
            continue
        if (vdate - ok[-1]).days > 1:
            out.append(f"the {name} prices end {ok[-1]}, {(vdate - ok[-1]).days} day(s) "
                       f"before the valuation date {vdate}")
        gaps = [(x, y) for x, y in zip(ok, ok[1:]) if y - x > PRICE_GAP]
        if gaps:
            x, y = gaps[0]
            out.append(f"the {name} prices have no date from {x} to {y}"
                       + (f" (and {len(gaps) - 1} more such gap(s))" if len(gaps) > 1 else ""))
    return out


@dataclass
class Day:
    """One portfolio's inputs made ready, and its book: what a report shows and a ticket
    trades. ``book`` is None without positions."""
    holdings: Holdings
    funding: object  # the Funding the report's sheets show, or None
    funding_note: str | None
    prices: tuple  # (dates, {asset: closes}) or (None, None)
    valuation: object  # dt.date
    notes: list
    warnings: list
    book: object  # Book or None


def prepare_day(holdings: Holdings, opts: ReportOptions, funding=None, prices=None,
                positions: Positions | None = None) -> Day:
    """``funding``: one Funding, or every series of a file (a dict), from which the first
    contract the portfolio holds is picked. ``positions``: the futures held; with them the
    day has a book (trades, margin and liquidation, funding since opened)."""
    note = None
    available = funding if isinstance(funding, dict) else \
        ({funding.contract.upper(): funding} if funding is not None else None)
    if isinstance(funding, dict):
        funding = pick_funding(available, holdings.contract)
        if funding is None:
            note = ("No funding history for this portfolio's contracts; the funding file has "
                    + ", ".join(k for k in available if k) + ".")
    dates, cols = prices if prices is not None else (None, None)
    holdings, notes, warnings = prepare_holdings(holdings, prices, opts.long_overlays)
    vdate = opts.valuation_date or _latest_date(dates, funding)
    check_not_settled(holdings, vdate)
    used = list(holdings.contract) + (list(positions.contract) if positions is not None else [])
    said = _funding_warnings(available, used, vdate) + list(getattr(prices, "warnings", [])) \
        + _price_warnings(prices, holdings.asset, vdate)
    warnings += said
    notes += said
    book = None if positions is None else \
        _desk_book(holdings, positions, available, prices, opts, vdate)
    return Day(holdings, funding, note, (dates, cols), vdate, notes, warnings, book)


def report_data(holdings: Holdings, opts: ReportOptions, funding=None,
                prices=None, positions: Positions | None = None) -> WorkbookData:
    """What the report's workbook shows of :func:`prepare_day`'s day (same arguments)."""
    day = prepare_day(holdings, opts, funding, prices, positions)
    dates, cols = day.prices
    bench = "BTC"
    if cols and bench not in cols:
        bench = next(iter(cols))
    note = {} if day.funding_note is None else {"funding_note": day.funding_note}
    h = day.holdings
    return WorkbookData(
        holdings=h, hedge_ratio_given=h.hedge_ratio_given,
        settings=Settings(valuation_date=day.valuation,
                          default_hedge_ratio=opts.default_hedge_ratio,
                          title=f"Hedge report: {h.name}", hide_data_sheets=True),
        contracts=core.all_contracts(), funding=day.funding, price_dates=dates, prices=cols,
        benchmark=bench, notes=day.notes, warnings=day.warnings, book=day.book, **note)


def _desk_book(holdings, positions, available, prices, opts: ReportOptions, vdate):
    """The desk's day of the portfolio (trades, margin and liquidation, carry); a refusal
    of the positions names the positions file."""
    try:
        return build_book(holdings, positions, funding=available, prices=prices,
                          futures=_futures(opts), roll_days=opts.roll_days,
                          valuation=vdate, default_hedge_ratio=opts.default_hedge_ratio,
                          band=opts.band)
    except InputError:  # typed where it arose: names its own file and row
        raise
    except ValueError as e:  # the core's refusal of a position (a tier, a margin rule)
        raise InputError(positions.source, str(e)) from None


def _futures(opts: ReportOptions):
    """The dated futures' prices of ``--futures-prices``, or None."""
    return read_futures_prices(opts.futures_prices, **opts.read) if opts.futures_prices \
        else None


def make_report(holdings: Holdings, out: Path, opts: ReportOptions,
                funding: Funding | None = None, prices=None,
                custom: Customisation | None = None,
                positions: Positions | None = None) -> ReportResult:
    """Write one report. Never leaves a partial file: the writer renames a finished
    temporary file into place. Never writes over an input or a file that is not a regular
    file; without ``opts.force``, never over any file (``opts.resume`` keeps a complete one
    and returns its numbers).

    ``custom``: the user's template (:func:`hedgexl.workbook.custom.read_template`). When it
    has formulas of its own, the report is written twice: once (static, in a temporary
    folder) for pycel to compute those formulas, then for real with their results.
    """
    out = Path(out)
    fp = fingerprint(holdings, opts)
    keep = redo = False
    if opts.resume and is_complete(out):
        old = written_fingerprint(out)
        keep = old == fp
        # ours, from other inputs, options or version (or from a hedgexl before fingerprints)
        redo = not keep and (old is not None or written_by_hedgexl(out))
    if not keep:
        check_target(out, inputs=opts.inputs(holdings.source), force=opts.force or redo)
    d = report_data(holdings, opts, funding, prices, positions)
    n = compute(d)
    if keep:
        return ReportResult(holdings.name, holdings.source, str(out), True, totals=n.totals,
                            holdings=len(holdings), warnings=d.warnings, kept=True)
    values, problems = None, []
    if custom is not None:
        if custom.title is not None:
            d = replace(d, settings=replace(d.settings, title=fill_title(
                custom.title, holdings.name, d.settings.valuation_date)))
        if custom.formula_cells():
            with tempfile.TemporaryDirectory(prefix="hedgexl-") as td:
                first = write_workbook(d, Path(td) / "report.xlsx", mode="static",
                                       numbers=n, custom=custom, drawings=False)
                values, problems = evaluate(first, custom)
    write_workbook(d, out, mode=opts.mode, numbers=n, custom=custom, custom_values=values,
                   force=opts.force or redo, fingerprint=fp)
    if redo:
        problems.append(f"{out.name} was made from other inputs, options or hedgexl "
                        f"version: written again (--resume keeps only what this run would "
                        f"write)")
    return ReportResult(holdings.name, holdings.source, str(out), True, totals=n.totals,
                        holdings=len(holdings), warnings=d.warnings + problems)


#: The custom document property that holds what a report was made from.
FINGERPRINT = "hedgexl_fingerprint"
_DIGESTS: dict = {}  # (path, size, mtime) -> sha256 of a shared input, once per process


def _file_digest(path) -> str:
    import hashlib
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return "missing"
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def fingerprint(h: Holdings, opts: ReportOptions) -> str:
    """What a report is made from, as one hash: the portfolio's holdings as read, every
    shared input file's bytes, the options that change a number, and hedgexl's version.
    ``--resume`` keeps a report only when its stored fingerprint is this one."""
    import hashlib
    import json
    from .. import __version__
    shared = [(w, _file_digest(q)) for w, q in opts.inputs() if w != "holdings file"]
    given = [None if g is None else np.asarray(g).tolist()
             for g in (h.beta_given, h.hedge_ratio_given, h.contract_given)]
    doc = {"version": __version__, "name": h.name, "portfolio": h.portfolio,
           "holdings": [list(h.asset), h.quantity.tolist(), h.price.tolist(),
                        h.beta.tolist(), h.hedge_ratio.tolist(), list(h.contract), given],
           "shared": shared, "mode": opts.mode, "ratio": opts.default_hedge_ratio,
           "valuation": str(opts.valuation_date), "band": opts.band,
           "decimal": opts.decimal, "delimiter": opts.delimiter, "pick": opts.portfolio,
           "weights": None if h.target_weight is None else
           np.where(np.isfinite(h.target_weight), h.target_weight, -1).tolist(),
           "overlays": opts.long_overlays, "roll_days": opts.roll_days}
    text = json.dumps(doc, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def written_by_hedgexl(path) -> bool:
    """Whether a workbook's document properties name hedgexl as its author."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return False
    return "<dc:creator>hedgexl</dc:creator>" in xml


def written_fingerprint(report) -> str | None:
    """The fingerprint stored in a report (a path or its bytes); None when it has none."""
    import io
    import re
    import zipfile
    try:
        src = io.BytesIO(report) if isinstance(report, bytes) else report
        with zipfile.ZipFile(src) as z:
            xml = z.read("docProps/custom.xml").decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return None
    m = re.search(r'name="' + FINGERPRINT + r'"[^>]*>\s*<vt:lpwstr>([0-9a-f]{64})<', xml)
    return m.group(1) if m else None


def is_complete(path) -> bool:
    """Whether ``path`` is a whole workbook (every part present and its checksum right)."""
    import zipfile
    p = Path(path)
    if not p.is_file() or p.is_symlink():
        return False
    try:
        with zipfile.ZipFile(p) as z:
            return "xl/workbook.xml" in z.namelist() and z.testzip() is None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def load_shared(opts: ReportOptions, custom: Customisation | None = None, *,
                split: bool = False):
    """Files shared by every portfolio of a run: contracts, funding, prices, the template
    (``custom``, when the caller has read it already) and the positions: one Positions, or
    with ``split`` (a batch) ``{portfolio: Positions}`` from the file's portfolio column."""
    if opts.contracts:
        core.load_contracts(opts.contracts)
    if opts.tiers:
        core.load_tiers(opts.tiers)
    funding = read_funding_all(opts.funding, **opts.read) if opts.funding else None
    prices = join_prices(opts.prices if isinstance(opts.prices, (list, tuple))
                         else [opts.prices], opts.read) if opts.prices else None
    if custom is None and opts.template:
        custom = read_template(opts.template)
    positions = read_positions(opts.positions, split_portfolios=split or "auto", **opts.read) \
        if opts.positions else None
    return funding, prices, custom, positions


def read_own(holdings_path, opts: ReportOptions, positions):
    """One portfolio's holdings and its own positions (``positions`` as :func:`load_shared`
    read them). The portfolio is ``--portfolio``, else the holdings' portfolio column (one
    name), else the holdings file's name; a positions file with a portfolio column must
    name it exactly."""
    h = read_holdings(holdings_path, default_hedge_ratio=opts.default_hedge_ratio,
                      portfolio=opts.portfolio, **opts.read)
    if opts.portfolio is not None:
        name, how = opts.portfolio, "--portfolio"
    elif h.portfolio:
        name, how = h.portfolio, f"the portfolio column of {Path(h.source).name}"
    else:
        name, how = h.name, "the holdings file's name"
    return h, own_positions(positions, name, how)


def report_file(holdings_path, out, opts: ReportOptions,
                custom: Customisation | None = None) -> ReportResult:
    funding, prices, custom, positions = load_shared(opts, custom)
    h, positions = read_own(holdings_path, opts, positions)
    r = make_report(h, out, opts, funding, prices, custom, positions)
    if custom is not None:
        r.warnings = custom.warnings + r.warnings
    return r


__all__ += ["report_file", "load_shared", "read_own", "InputError", "fingerprint",
            "written_fingerprint"]
