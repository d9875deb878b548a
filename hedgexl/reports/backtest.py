"""``hedgexl backtest``: read the holdings, prices and funding, run the policies, write the
workbook and say what the hedge did."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import core
from ..book.backtest import BookBacktest, Policy, line_up, run_policies
from ..files import check_target
from ..inputs import (example_path, own_positions, read_funding_all, read_holdings,
                      read_positions)
from ..workbook.backtest import write_backtest
from .report import _join_prices

__all__ = ["BacktestOptions", "backtest_file", "EXAMPLE", "GRID_RATIOS", "GRID_RULES",
           "parse_rule"]

#: The bundled example: the desk's holdings over the first half of 2024.
EXAMPLE = {"holdings": "desk_holdings.csv", "prices": "prices_2024.csv",
           "funding": "funding_desk_2024h1.csv"}
#: ``--grid`` without ``--ratios``/``--rules``.
GRID_RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)
GRID_RULES = ("daily", "weekly", "monthly", "daily:10%")


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
    if holdings is None:
        holdings = example_path(EXAMPLE["holdings"])
        opts = BacktestOptions(**{**opts.__dict__,
                                  "prices": opts.prices or (example_path(EXAMPLE["prices"]),),
                                  "funding": opts.funding or example_path(EXAMPLE["funding"])})
    if not opts.prices:
        raise ValueError("--prices: give the daily prices of the holdings and of the "
                         "contracts' coins (hedgexl fetch prices writes them)")
    if not opts.funding:
        raise ValueError("--funding: give the contracts' funding histories (hedgexl fetch "
                         "funding writes them)")
    inputs = [("holdings file", str(holdings)), ("funding file", str(opts.funding))] + \
        [("prices file", str(p)) for p in opts.prices] + \
        ([("positions file", opts.positions)] if opts.positions else []) + \
        ([("contracts file", opts.contracts)] if opts.contracts else [])
    out = check_target(out, inputs=inputs, force=opts.force)
    if opts.contracts:
        core.load_contracts(opts.contracts)
    h = read_holdings(holdings, **read)
    prices = _join_prices(list(opts.prices), read)
    funding = read_funding_all(opts.funding, **read)
    positions = own_positions(read_positions(opts.positions, split_portfolios="auto", **read),
                              h.portfolio or h.name,
                              "the holdings' portfolio column" if h.portfolio else
                              "the holdings file's name") if opts.positions else None
    hist = line_up(h, prices, funding, since=opts.since, until=opts.until,
                   prices_source=", ".join(Path(str(p)).name for p in opts.prices),
                   funding_source=Path(str(opts.funding)).name)
    hist.notes[:0] = h.warnings
    for i, cross in enumerate(hist.cross):
        if cross:
            hist.notes.append(
                f"{h.asset[i]} is cross-hedged on {hist.specs[i].key}: its margin is "
                f"{hist.specs[i].coin} bought for it, which at {opts.leverage:g}x leaves "
                f"{1 / opts.leverage:.0%} of the short's {hist.specs[i].coin} exposure open")
    bb = run_policies(hist, policies, leverage=opts.leverage, positions=positions)
    name = lambda p: Path(str(p)).name  # noqa: E731 - file names: full paths overrun the page
    settings = [("Holdings", name(holdings)), ("Prices", ", ".join(map(name, opts.prices))),
                ("Funding", name(opts.funding)),
                ("Positions at the start", name(opts.positions) if opts.positions else "none"),
                ("Margin", f"initial margin at {opts.leverage:g}x, reset at each trade; "
                           f"maintenance at the contract's base rate"),
                ("Fees", "taker, from the contract presets")]
    title = f"Hedge backtest: {Path(str(holdings)).stem}"
    path = write_backtest(bb, out, title=title, settings=settings, force=opts.force)
    return bb, path
