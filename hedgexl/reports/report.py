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
from ..inputs import (Funding, Holdings, InputError, pick_funding, read_funding_all,
                      read_holdings, read_prices)
from ..workbook.custom import Customisation, evaluate, fill_title, read_template
from ..workbook.model import Settings, WorkbookData, compute
from ..workbook.writer import write_workbook

__all__ = ["ReportOptions", "ReportResult", "make_report", "report_data", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = ["portfolio", "status", "holdings", "spot_value_usd", "hedge_notional_usd",
                   "coverage", "residual_usd", "funding_coin", "net_pnl_usd", "report",
                   "error"]


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

    def summary_row(self) -> dict:
        t = self.totals or {}
        return {"portfolio": self.portfolio, "status": "ok" if self.ok else "FAILED",
                "holdings": self.holdings, "spot_value_usd": t.get("value"),
                "hedge_notional_usd": t.get("notional"), "coverage": t.get("coverage"),
                "residual_usd": t.get("residual"), "funding_coin": t.get("funding"),
                "net_pnl_usd": t.get("net_pnl"), "report": self.path or "",
                "error": self.error}


def _estimate_betas(h: Holdings, dates, prices) -> Holdings:
    """Fill the betas the holdings file left blank from the price history: each asset's
    beta to the coin of its hedge contract."""
    beta = h.beta.copy()
    given = h.beta_given if h.beta_given is not None else np.ones(len(h), bool)
    upper = {k.upper(): v for k, v in prices.items()}
    for i in range(len(h)):
        if given[i]:
            continue
        bench = (core.get_contract(h.contract[i]).coin or "BTC").upper()
        a, b = upper.get(h.asset[i].upper()), upper.get(bench)
        if a is None or b is None or a is b:
            continue
        try:
            beta[i] = core.beta(a, b)
        except ValueError:
            continue
    return replace(h, beta=beta)


def _join_prices(paths):
    """Read one or several price files and join them on date."""
    series, all_dates = {}, set()
    for p in paths:
        dates, cols = read_prices(p)
        for name, vals in cols.items():
            series[name] = dict(zip(dates, vals))
            all_dates.update(dates)
    dates = sorted(all_dates)
    return dates, {n: np.array([s.get(d, np.nan) for d in dates]) for n, s in series.items()}


def report_data(holdings: Holdings, opts: ReportOptions, funding=None,
                prices=None) -> WorkbookData:
    """``funding``: one Funding, or every series of a file (a dict), from which the first
    contract the portfolio holds is picked."""
    note = {}
    if isinstance(funding, dict):
        available = funding
        funding = pick_funding(available, holdings.contract)
        if funding is None:
            note["funding_note"] = (
                "No funding history for this portfolio's contracts; the funding file has "
                + ", ".join(k for k in available if k) + ".")
    dates = cols = None
    if prices is not None:
        dates, cols = prices
        holdings = _estimate_betas(holdings, dates, cols)
    bench = "BTC"
    if cols and bench not in cols:
        bench = next(iter(cols))
    vdate = opts.valuation_date or (dt.date.fromisoformat(dates[-1][:10]) if dates
                                    else dt.date.today())
    return WorkbookData(
        holdings=holdings, hedge_ratio_given=holdings.hedge_ratio_given,
        settings=Settings(valuation_date=vdate, default_hedge_ratio=opts.default_hedge_ratio,
                          title=f"Hedge report: {holdings.name}"),
        contracts=core.all_contracts(), funding=funding, price_dates=dates, prices=cols,
        benchmark=bench, **note)


def make_report(holdings: Holdings, out: Path, opts: ReportOptions,
                funding: Funding | None = None, prices=None,
                custom: Customisation | None = None) -> ReportResult:
    """Write one report. Never leaves a partial file: the writer renames a finished
    temporary file into place.

    ``custom``: the user's template (:func:`hedgexl.workbook.custom.read_template`). When it
    has formulas of its own, the report is written twice: once (static, in a temporary
    folder) for pycel to compute those formulas, then for real with their results.
    """
    out = Path(out)
    if out.exists() and not opts.force:
        raise FileExistsError(f"{out} exists; use --force to replace it")
    d = report_data(holdings, opts, funding, prices)
    n = compute(d)
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
    write_workbook(d, out, mode=opts.mode, numbers=n, custom=custom, custom_values=values)
    return ReportResult(holdings.name, holdings.source, str(out), True, totals=n.totals,
                        holdings=len(holdings), warnings=problems)


def load_shared(opts: ReportOptions, custom: Customisation | None = None):
    """Files shared by every portfolio of a run: contracts, funding, prices and the
    template (``custom``, when the caller has read it already)."""
    if opts.contracts:
        core.load_contracts(opts.contracts)
    funding = read_funding_all(opts.funding) if opts.funding else None
    prices = _join_prices(opts.prices if isinstance(opts.prices, (list, tuple))
                          else [opts.prices]) if opts.prices else None
    if custom is None and opts.template:
        custom = read_template(opts.template)
    return funding, prices, custom


def report_file(holdings_path, out, opts: ReportOptions,
                custom: Customisation | None = None) -> ReportResult:
    funding, prices, custom = load_shared(opts, custom)
    h = read_holdings(holdings_path, default_hedge_ratio=opts.default_hedge_ratio)
    r = make_report(h, out, opts, funding, prices, custom)
    if custom is not None:
        r.warnings = custom.warnings + r.warnings
    return r


__all__ += ["report_file", "load_shared", "InputError"]
