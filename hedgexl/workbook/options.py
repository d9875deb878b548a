"""The options workbook: a perpetual hedge, a put and a collar side by side, per holding and
for the book, as values and a chart any viewer shows (nothing needs hedgexl to recalculate).

Sheets (names and anchors in :mod:`.layout`): Protection (page 1: the chain's date, each
holding's three choices with their cost today, margin, carry, value at expiry under three
price moves and breakevens, and the chart), Payoff (the book's value at expiry from −50 % to
+100 %), Options used (each option's mark, volatility and future).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..book.protection import ProtectionBook
from ..inputs.tables import paused_gc
from . import layout as L
from .cells import page, print_frame
from .style import (COIN4, COIN8, COLORS, PCT, PRICE, SHOCK, USD, USD_WHOLE, WHOLE_PCT,
                    chart_axis, grid_lines)
from .sheetmodel import WorkbookModel
from .writer import save

__all__ = ["write_options", "build_options"]

#: The price moves page 1 shows (the Payoff sheet has them all).
SHOWN = (-0.3, 0.0, 0.3)
#: Each choice's line on the chart.
LINES = {"unhedged": ("Unhedged", COLORS["loss"]), "perpetual": ("Perpetual", COLORS["spot"]),
         "put": ("Put", COLORS["funding"]), "collar": ("Collar", COLORS["hedge"])}


def write_options(pb: ProtectionBook, path, *, title: str, force: bool = True) -> Path:
    """Write the workbook of ``pb`` to ``path`` atomically."""
    with paused_gc():
        return save(build_options(pb, title=title), path, force=force, consume=True)


def build_options(pb: ProtectionBook, *, title: str) -> WorkbookModel:
    """The options workbook as a model (see :func:`write_options`), nothing written."""
    book = WorkbookModel(title)
    f = book.styles
    sheets = {n: book.add_sheet(n) for n in (L.OPT_SUMMARY, L.OPT_PAYOFF, L.OPT_USED)}
    last = _payoff(pb, sheets[L.OPT_PAYOFF], f)
    below = _summary(pb, sheets[L.OPT_SUMMARY], f, title)
    _chart(book, sheets[L.OPT_SUMMARY], last, below)
    _used(pb, sheets[L.OPT_USED], f)
    from .. import __version__
    when = f"Chain of {pb.chain.time:%Y-%m-%d %H:%M} UTC"
    for name, ws in sheets.items():
        print_frame(ws, title, when, __version__, None if name == L.OPT_SUMMARY else 0)
    return book


def _num(ws, row, col, v, fmt):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(v), fmt)


def _summary(pb: ProtectionBook, ws, f, title) -> int:
    """Page 1's text and table; returns the first free row (the chart goes there)."""
    coins = sorted({p.asset.upper() for p in pb.holdings})
    # one coin: named in the headings; several: each row's amounts are in its own coin
    coin = coins[0] if len(coins) == 1 else "the holding's coin"
    days = pb.years * 365
    ws.write(0, 0, title, f("title"))
    ws.write(1, 0, f"Deribit {', '.join(coins)} options of {pb.chain.time:%Y-%m-%d %H:%M} UTC "
                   f"({pb.chain.path.name}); protection to {pb.expiry:%d %b %Y %H:%M} UTC "
                   f"({days:.0f} days). Premiums are paid in {coin} now; values are at "
                   f"expiry, in USD.", f("note"))
    heads = ["Holding", "Choice", "Trades", f"Cost today ({coin}, + paid)",
             "Cost today (USD)", f"Margin ({coin}, initial)", "Carry to expiry (USD)"] + \
        [f"Value at expiry, {s:+.0%} (USD)" for s in SHOWN] + ["Breakeven (USD)"]
    r = L.OPT_TABLE_ROW
    for c, h in enumerate(heads):
        ws.write(r, c, h, f("head"))
    ws.set_row(r, 42)
    for p in pb.holdings:
        for ch in p.choices:
            r += 1
            _choice_row(ws, f, r, f"{p.asset} {p.quantity:,.6g} ({p.covered:g} covered)", ch,
                        _at(pb, ch.values))
    r = _book_rows(pb, ws, f, r + 1)
    notes = pb.notes + _model_notes(coin)
    for i, note in enumerate(notes):
        ws.write(r + 1 + i, 0, note, f("note"))
    widths = [26, 11, 42, 14, 14, 13, 13, 15, 15, 15, 18]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_column(len(widths), len(widths), 2)
    below = r + len(notes) + 2
    page(ws, rows=below + 18)
    return below


def _at(pb: ProtectionBook, values) -> list[float]:
    shocks = np.round(np.asarray(pb.shocks), 10)
    return [float(values[int(np.flatnonzero(shocks == s)[0])]) for s in SHOWN]


def _choice_row(ws, f, r, holding, ch, shown) -> None:
    ws.write_string(r, 0, holding, f("calc"))
    ws.write_string(r, 1, ch.name, f("calc"))
    # one leg a line: a collar's two fit the column, not clipped by the next cell
    ws.write_string(r, 2, "\n".join(ch.legs), f("calc", text_wrap=True, valign="top"))
    if len(ch.legs) > 1:
        ws.set_row(r, 15 * len(ch.legs))
    _num(ws, r, 3, ch.cost_coin if ch.name != "perpetual" else None, f("calc", COIN4))
    _num(ws, r, 4, ch.cost_usd if ch.name != "perpetual" else None, f("calc", USD))
    _num(ws, r, 5, ch.margin_coin or None, f("calc", COIN4))
    _num(ws, r, 6, ch.carry_usd, f("calc", USD))
    for k, v in enumerate(shown):
        _num(ws, r, 7 + k, v, f("calc", USD))
    text = ", ".join(f"{b:,.0f}" for b in ch.breakeven) or "none (a full hedge)"
    ws.write_string(r, 10, text, f("calc", align="right"))


def _book_rows(pb: ProtectionBook, ws, f, r) -> int:
    """The book: each choice's value at the shown moves, summed over the holdings."""
    totals = pb.totals()
    ws.write(r, 0, "The book", f("label"))
    for name, values in totals.items():
        r += 1
        ws.write_string(r, 1, LINES[name][0].lower(), f("calc"))
        cost = sum(ch.cost_usd for p in pb.holdings for ch in p.choices if ch.name == name)
        _num(ws, r, 4, cost if name in ("put", "collar") else None, f("calc", USD))
        for k, v in enumerate(_at(pb, values)):
            _num(ws, r, 7 + k, v, f("calc", USD))
    return r + 1


def _model_notes(coin) -> list[str]:
    return [f"Breakeven: the expiry price at which the choice is worth what the holding is "
            f"worth today. The premium is {coin} the holding no longer has: it is valued at "
            f"the expiry price.",
            "Options: Deribit's marks (coin per option on one coin). Model: Black-76 on the "
            "expiry's future at r = 0, European (docs/options.md). The collar's call is the "
            "one whose premium is nearest the put's; its margin is Deribit's standard "
            "margin for a short call (data/option_specs.csv)."]


def _payoff(pb: ProtectionBook, ws, f) -> int:
    """The book's value at expiry per shock; returns the last Excel row."""
    C = L.OPT_PAYOFF_COLS
    totals = pb.totals()
    col = {k: ord(v) - ord("A") for k, v in C.items()}
    ws.write(0, col["shock"], "Price move to expiry", f("head"))
    for name, (label, _) in LINES.items():
        ws.write(0, col[name], f"{label}: the book at expiry (USD)", f("head"))
    for i, s in enumerate(pb.shocks):
        ws.write_number(1 + i, col["shock"], float(s), f("calc", SHOCK))
        for name in LINES:
            ws.write_number(1 + i, col[name], float(totals[name][i]), f("calc", USD))
    ws.set_row(0, 42)
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(LINES), 18)
    ws.freeze_panes(1, 1)
    page(ws, rows=len(pb.shocks) + 1)
    return 1 + len(pb.shocks)


def _chart(book, ws, last: int, row: int) -> None:
    C = L.OPT_PAYOFF_COLS
    ch = book.chart({"type": "line"})
    for name, (label, color) in LINES.items():
        ch.add_series({"name": label,
                       "categories": "=" + L.column_range(L.OPT_PAYOFF, C["shock"], last),
                       "values": "=" + L.column_range(L.OPT_PAYOFF, C[name], last),
                       "line": {"color": color, "width": 2.0}, "marker": {"type": "none"}})
    ch.set_title({"name": "The book at expiry (USD), by the price move to then",
                  "name_font": {"size": 11}})
    ch.set_x_axis(chart_axis("Price move to expiry", WHOLE_PCT, label_position="low"))
    ch.set_y_axis(chart_axis("USD", USD_WHOLE, major_gridlines=grid_lines()))
    ch.set_legend({"position": "bottom"})
    ch.set_size({"width": 760, "height": 340})
    ws.insert_chart(row, 0, ch)


def _used(pb: ProtectionBook, ws, f) -> None:
    heads = ["Holding", "Option", "Kind", "Strike (USD)", "Future F (USD)",
             "Mark (coin per option)", "Volatility (a year)", "Volatility from"]
    for c, h in enumerate(heads):
        ws.write(0, c, h, f("head"))
    r = 0
    for p in pb.holdings:
        for o in p.options:
            r += 1
            ws.write_string(r, 0, p.asset, f("calc"))
            ws.write_string(r, 1, o["instrument"], f("calc"))
            ws.write_string(r, 2, o["kind"], f("calc"))
            _num(ws, r, 3, o["strike"], f("calc", PRICE))
            _num(ws, r, 4, o["forward"], f("calc", PRICE))
            _num(ws, r, 5, o["mark"], f("calc", COIN8))
            _num(ws, r, 6, o["iv"], f("calc", PCT))
            ws.write_string(r, 7, "Deribit's mark IV" if o["iv_given"] else
                            "implied by the mark", f("calc"))
    ws.set_row(0, 30)
    for c, w in enumerate([10, 24, 8, 14, 14, 16, 14, 20]):
        ws.set_column(c, c, w)
    page(ws, rows=r + 1)
