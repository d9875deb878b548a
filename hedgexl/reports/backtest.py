"""``hedgexl backtest``: read the holdings, prices and funding, run the policies, write the
workbook and say what the hedge did."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import core
from ..book.backtest import BookBacktest, DatedHedge, Policy, line_up, run_policies
from ..files import check_target
from ..inputs import (example_path, own_positions, read_funding_all, read_futures_prices,
                      read_holdings, read_positions)
from ..workbook.backtest import write_backtest
from .report import join_prices

__all__ = ["BacktestOptions", "backtest_file", "EXAMPLE", "GRID_RATIOS", "GRID_RULES",
           "parse_rule"]

#: The bundled example: the desk's holdings over the first half of 2024.
EXAMPLE = {"holdings": "desk_holdings.csv", "prices": "prices_2024.csv",
           "funding": "funding_desk_2024h1.csv"}
#: ``--grid`` without ``--ratios``/``--rules``.
GRID_RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)
GRID_RULES = ("daily", "weekly", "monthly", "daily:10%")
#: ``--roll-days`` of a dated hedge when not given.
DEFAULT_ROLL_DAYS = 7


def parse_rule(text: str) -> tuple[str, float]:
    """``"weekly"`` -> ``("weekly", 0.0)``; ``"daily:10%"`` -> ``("daily", 0.1)``: a rule,
    optionally with a band after a colon."""
    rule, _, band = str(text).strip().lower().partition(":")
    from ..core.numbers import parse_number
    b = parse_number(band, what="the band") if band else 0.0
    if rule not in ("daily", "weekly", "monthly"):
        raise ValueError(f"a rebalance rule is daily, weekly or monthly (with an optional "
                         f":band such as daily:10%), got {text!r}")
    if not 0 <= b <= 1:
        raise ValueError(f"a band is between 0% and 100%, got {text!r}")
    return rule, b


@dataclass(frozen=True)
class BacktestOptions:
    prices: tuple = ()
    funding: str | None = None
    positions: str | None = None
    contracts: str | None = None
    rebalance: str = "weekly"
    band: float = 0.0
    leverage: float = 2.0
    since: str | None = None
    until: str | None = None
    grid: bool = False
    ratios: tuple = GRID_RATIOS
    rules: tuple = GRID_RULES
    decimal: str | None = None
    delimiter: str | None = None
    force: bool = False
    strict_cells: bool = False
    hedge_with: str = "perpetual"  # or "dated": the perpetuals' quarterlies, rolled
    futures_prices: str | None = None
    roll_days: int | None = None  # None: DEFAULT_ROLL_DAYS (with --hedge-with dated)

    @property
    def dated(self) -> bool:
        return self.hedge_with == "dated"

    def policies(self) -> list[Policy]:
        main = Policy(self.rebalance, self.band, None)
        if not self.grid:
            return [main]
        rules = [parse_rule(r) for r in self.rules]
        grid = [Policy(r, b, h) for h in self.ratios for r, b in rules]
        return [main] + [p for p in grid if p != main]


def backtest_file(holdings, out, opts: BacktestOptions) -> tuple[BookBacktest, Path]:
    """Run ``hedgexl backtest`` on files (the bundled example when ``holdings`` is None);
    return the results and the workbook's path."""
    read = {"decimal": opts.decimal, "delimiter": opts.delimiter,
            "strict_cells": opts.strict_cells}
    policies = opts.policies()  # a bad rule is refused before anything is read
    holdings, opts = _with_example(holdings, opts)
    out = check_target(out, inputs=_inputs(holdings, opts), force=opts.force)
    if opts.contracts:
        core.load_contracts(opts.contracts)
    h = read_holdings(holdings, **read)
    if h.target_weight is not None and np.isfinite(h.target_weight).any():
        raise ValueError(f"{_name(holdings)}: target_weight is not backtested (the hedge "
                         f"ratio a weight gives moves with prices); give each row a "
                         f"hedge_ratio (the report's notes say what each weight hedges "
                         f"today)")
    positions = own_positions(read_positions(opts.positions, split_portfolios="auto", **read),
                              h.portfolio or h.name,
                              "the holdings' portfolio column" if h.portfolio else
                              "the holdings file's name") if opts.positions else None
    dated = DatedHedge(read_futures_prices(opts.futures_prices, **read),
                       opts.roll_days or DEFAULT_ROLL_DAYS,
                       _name(opts.futures_prices)) if opts.dated else None
    hist = line_up(h, join_prices(list(opts.prices), read),
                   None if opts.dated else read_funding_all(opts.funding, **read),
                   since=opts.since, until=opts.until,
                   prices_source=", ".join(map(_name, opts.prices)),
                   funding_source=_name(opts.futures_prices if opts.dated else opts.funding),
                   dated=dated)
    hist.notes[:0] = h.warnings
    for i, cross in enumerate(hist.cross):
        if cross:
            hist.notes.append(
                f"{h.asset[i]} is cross-hedged on {hist.hedged_on(i)}: its margin is "
                f"{hist.specs[i].coin} bought for it, which at {opts.leverage:g}x leaves "
                f"{1 / opts.leverage:.0%} of the short's {hist.specs[i].coin} exposure open")
    bb = run_policies(hist, policies, leverage=opts.leverage, positions=positions)
    title = f"Hedge backtest: {Path(str(holdings)).stem}"
    path = write_backtest(bb, out, title=title, settings=_settings(holdings, opts),
                          force=opts.force)
    return bb, path


def _name(p) -> str:
    """A file's name (full paths overrun the page)."""
    return Path(str(p)).name if p else ""


def _with_example(holdings, opts: BacktestOptions):
    """The bundled example's files where the user gave none; the inputs the run needs
    checked for (one line each)."""
    _check_dated_flags(opts)
    if holdings is None:
        holdings = example_path(EXAMPLE["holdings"])
        opts = replace(opts, prices=opts.prices or (example_path(EXAMPLE["prices"]),),
                       funding=None if opts.dated else
                       opts.funding or example_path(EXAMPLE["funding"]))
    if not opts.prices:
        raise ValueError("--prices: give the daily prices of the holdings and of the "
                         "contracts' coins (hedgexl fetch prices writes them)")
    if opts.dated and not opts.futures_prices:
        raise ValueError("--hedge-with dated: give the dated futures' daily prices with "
                         "--futures-prices (hedgexl fetch prices BINANCE:BTCUSD_240628 ... "
                         "writes them)")
    if not opts.dated and not opts.funding:
        raise ValueError("--funding: give the contracts' funding histories (hedgexl fetch "
                         "funding writes them)")
    return holdings, opts


def _check_dated_flags(opts: BacktestOptions) -> None:
    """The flags of one kind of hedge are refused with the other (they would be ignored)."""
    if opts.dated:
        for flag, given in (("--funding", opts.funding), ("--positions", opts.positions)):
            if given:
                raise ValueError(f"{flag} with --hedge-with dated: the dated hedge pays no "
                                 f"funding and opens its own quarterlies at the start; leave "
                                 f"{flag} out")
    elif opts.futures_prices or opts.roll_days is not None:
        flag = "--futures-prices" if opts.futures_prices else "--roll-days"
        raise ValueError(f"{flag} applies to --hedge-with dated (the perpetual hedge has "
                         f"no expiry)")


def _inputs(holdings, opts: BacktestOptions) -> list[tuple[str, str]]:
    """Every file the run reads (none of them may be the output)."""
    named = [("holdings file", holdings), ("funding file", opts.funding),
             ("positions file", opts.positions), ("contracts file", opts.contracts),
             ("futures prices file", opts.futures_prices)]
    return [(w, str(p)) for w, p in named if p] + \
        [("prices file", str(p)) for p in opts.prices]


def _settings(holdings, opts: BacktestOptions) -> list[tuple[str, str]]:
    """The Summary's settings block."""
    hedge = ("Hedge", f"each perpetual's dated quarterlies, rolled "
                      f"{opts.roll_days or DEFAULT_ROLL_DAYS} days "
                      f"before expiry ({_name(opts.futures_prices)}): no funding, the basis "
                      f"and the roll's spread instead") if opts.dated else \
        ("Funding", _name(opts.funding))
    return [("Holdings", _name(holdings)), ("Prices", ", ".join(map(_name, opts.prices))),
            hedge,
            ("Positions at the start", _name(opts.positions) or "none"),
            ("Margin", f"initial margin at {opts.leverage:g}x, reset at each trade; "
                       f"maintenance at the contract's base rate"),
            ("Fees", "taker, from the contract presets" +
             ("; a roll pays it on both legs" if opts.dated else ""))]
