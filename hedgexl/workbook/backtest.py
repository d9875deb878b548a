"""The backtest workbook: what a hedge policy would have done to a book, as values and
charts that any viewer shows (nothing here needs hedgexl to recalculate).

Sheets (names and anchors in :mod:`.layout`): Summary (settings, the statistics of the book
and of each holding, five charts), Daily (the book's values, drawdowns, funding and fees
day by day), one sheet per holding (its contracts, coin flows and margin), and Grid when
several policies ran (one row per policy, and cost against variance reduction).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from .. import core
from ..book.backtest import BookBacktest
from ..inputs.tables import paused_gc
from . import layout as L
from .cells import page, print_frame
from .sheetmodel import WorkbookModel
from .writer import save
from .style import (COIN, COLORS, CONTRACTS, COST_USD, DATE, DEC3, PCT, PRICE, USD, USD_WHOLE,
                    WHOLE, WHOLE_PCT, chart_axis, grid_lines)

__all__ = ["write_backtest", "build_backtest", "STAT_FORMATS"]

#: How each statistic is shown (a table, not an if-ladder).
STAT_FORMATS = {"start_usd": USD, "end_unhedged_usd": USD, "end_hedged_usd": USD,
                "vol_unhedged": PCT, "vol_hedged": PCT, "variance_reduction": PCT,
                "drawdown_unhedged": PCT, "drawdown_hedged": PCT,
                "funding_received_usd": USD, "funding_paid_usd": USD, "fees_usd": USD,
                "trades": WHOLE, "effectiveness": DEC3, "dollar_offset": DEC3,
                "liquidation_steps": WHOLE}


def _date(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s[:10])


def _num(ws, row, col, v, fmt):
    """A number, or an empty cell where it is not defined (NaN: e.g. no variance)."""
    v = float(v)
    if np.isfinite(v):
        ws.write_number(row, col, v, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def settle_label(spec) -> str:
    """The currency a contract's PnL, fees and margin are in: ``BTC``, ``USDT``."""
    return (spec.settle if spec.linear else spec.coin) or "coin of the contract"


def write_backtest(bb: BookBacktest, path, *, title: str, settings: list[tuple[str, str]],
                   main: int = 0, force: bool = True) -> Path:
    """Write the workbook of ``bb`` to ``path`` atomically; ``main`` is the policy the
    Summary, Daily and holding sheets show. ``settings`` are (label, text) rows."""
    with paused_gc():
        return save(build_backtest(bb, title=title, settings=settings, main=main), path,
                    force=force, consume=True)


def build_backtest(bb: BookBacktest, *, title: str, settings: list[tuple[str, str]],
                   main: int = 0) -> WorkbookModel:
    """The backtest workbook as a model (see :func:`write_backtest`), nothing written."""
    book = WorkbookModel(title, rows=len(bb.history.dates) * (len(bb.runs) + 1))
    f = book.styles
    sheets = {L.BT_SUMMARY: book.add_sheet(L.BT_SUMMARY),
              L.BT_DAILY: book.add_sheet(L.BT_DAILY)}
    h = bb.history.holdings
    names = [L.bt_holding_sheet(i, a) for i, a in enumerate(h.asset)]
    for n in names:
        sheets[n] = book.add_sheet(n)
    if len(bb.policies) > 1:
        sheets[L.BT_GRID] = book.add_sheet(L.BT_GRID)
    last = _daily(bb, main, sheets[L.BT_DAILY], f)
    for i, n in enumerate(names):
        _holding(bb, i, main, sheets[n], f)
    _summary(bb, main, sheets[L.BT_SUMMARY], f, book, title, settings, last, names)
    if L.BT_GRID in sheets:
        _policy_grid(bb, sheets[L.BT_GRID], f, book)
    from .. import __version__
    span = f"Daily closes {bb.history.dates[0]} to {bb.history.dates[-1]}"
    for name, ws in sheets.items():  # every printed page says what it is
        print_frame(ws, title, span, __version__, None if name == L.BT_SUMMARY else 0)
    return book


def _daily(bb: BookBacktest, k: int, ws, f) -> int:
    """The book under policy ``k``, a row per date; returns the last Excel row."""
    C = L.BT_DAILY_COLS
    heads = {"date": "Date", "unhedged": "Unhedged value (USD)", "hedged": "Hedged value (USD)",
             "dd_unhedged": "Drawdown, unhedged", "dd_hedged": "Drawdown, hedged",
             "funding_in": "Funding received, to date (USD)",
             "funding_out": "Funding paid, to date (USD, a cost: + paid)",
             "fees": "Fees, to date (USD, a cost: + paid)",
             "trades": "Trades", "below_maint": "Holdings below maintenance margin"}
    fmts = {"date": f("calc", DATE), "unhedged": f("calc", USD), "hedged": f("calc", USD),
            "dd_unhedged": f("calc", PCT), "dd_hedged": f("calc", PCT),
            "funding_in": f("calc", USD), "funding_out": f("calc", USD),
            "fees": f("calc", USD), "trades": f("calc", WHOLE), "below_maint": f("calc", WHOLE)}
    u = bb.portfolio()
    gross = {w: sum(getattr(bt, w)[:, k] * bt.settle_usd[:, k] for bt in bb.runs)
             for w in ("funding_in", "funding_out")}  # fixing by fixing, not netted
    cols = {
        "unhedged": u["unhedged"][:, k], "hedged": u["hedged"][:, k],
        "dd_unhedged": -core.drawdowns(u["unhedged"][:, k]),
        "dd_hedged": -core.drawdowns(u["hedged"][:, k]),
        "funding_in": np.cumsum(gross["funding_in"]),
        # costs as the Summary counts them: paid, a positive amount
        "funding_out": -np.cumsum(gross["funding_out"]),
        "fees": np.cumsum(sum(bt.fees[:, k] * bt.settle_usd[:, k] for bt in bb.runs)),
        "trades": sum(bt.trades()[:, k].astype(float) for bt in bb.runs),
        "below_maint": sum(bt.liquidated[:, k].astype(float) for bt in bb.runs),
    }
    for key, letter in C.items():
        col = L.cell(letter + "1")[1]
        ws.write(0, col, heads[key], f("head"))
        ws.set_column(col, col, 11 if key == "date" else 15)
    first = L.BT_FIRST_ROW - 1
    for i, d in enumerate(bb.history.dates):
        ws.write_datetime(first + i, 0, _date(d), fmts["date"])
    for key, v in cols.items():
        col = L.cell(C[key] + "1")[1]
        for i, x in enumerate(v):
            ws.write_number(first + i, col, float(x), fmts[key])
    ws.set_row(0, 30)
    ws.freeze_panes(1, 1)
    page(ws, rows=len(bb.history.dates))
    return first + len(bb.history.dates)


def _holding(bb: BookBacktest, i: int, k: int, ws, f) -> None:
    h, spec, hist = bb.history.holdings, bb.history.specs[i], bb.history
    coin = settle_label(spec)
    lane = bb.lane(i, k)
    lane["margin"] = bb.runs[i].margin[:, k]
    if hist.held:  # the contract held each day and its own price
        lane["futures"], lane["closed"] = hist.futures[i], hist.rolls[i]
    ws.write(0, 0, f"{h.asset[i]} {h.quantity[i]:,.8g} hedged on {hist.hedged_on(i)} "
                   f"({'cross-hedge: margin bought in ' + coin if hist.cross[i] else coin + ' settled'})",
             f("label"))
    heads = _holding_heads(bb, i, coin)
    for col, (head, _, key) in enumerate(heads):
        ws.write(1, col, head, f("head"))
        ws.set_column(col, col, 11 if col == 0 else 14 if key else 23)
    for r, d in enumerate(hist.dates):
        ws.write_datetime(2 + r, 0, _date(d), f("calc", DATE))
    for col, (_, fmt, key) in enumerate(heads):
        if key:
            cell = f("calc", fmt)
            for r, x in enumerate(lane[key].astype(float)):
                if x == x:  # NaN: nothing (a roll's closing price on other days)
                    ws.write_number(2 + r, col, float(x), cell)
        elif hist.held and col:  # the contract's key: the user's text, never a formula
            for r, key_ in enumerate(hist.held[i]):
                ws.write_string(2 + r, col, key_, f("calc"))
    ws.set_row(1, 30)
    ws.freeze_panes(2, 1)
    page(ws, rows=len(hist.dates))


def _holding_heads(bb: BookBacktest, i: int, coin: str) -> list[tuple]:
    """(heading, number format, the lane's column) of a holding's sheet: one price column
    where the contract is in the holding's own coin, the contract held and its price for a
    dated hedge."""
    h, spec, hist = bb.history.holdings, bb.history.specs[i], bb.history
    own = (spec.coin or "").upper() == h.asset[i].upper()
    return [("Date", DATE, None), (f"{h.asset[i]} price (USD)", PRICE, "spot_price")] + \
        ([] if own else [(f"{spec.coin or h.asset[i]} price (USD)", PRICE, "hedge_price")]) + \
        ([("Contract held", None, None), ("Its price (USD)", PRICE, "futures"),
          ("Roll: the old one closed at (USD)", PRICE, "closed")]
         if hist.held else []) + [
             ("Contracts held", CONTRACTS, "contracts"), ("Traded", CONTRACTS, "traded"),
             (f"Futures PnL ({coin})", COIN, "pnl")] + \
        ([] if hist.held else [(f"Funding ({coin}, + received)", COIN, "funding")]) + [
             (f"Fees ({coin}, paid)", COIN, "fees"), (f"Margin ({coin})", COIN, "margin"),
             ("Below maintenance", WHOLE, "liquidated"), ("Unhedged (USD)", USD, "unhedged"),
             ("Hedged (USD)", USD, "hedged")]


def _summary(bb: BookBacktest, k: int, ws, f, book, title, settings, last, names) -> None:
    """The settings, the statistics of the book and each holding, and the charts."""
    hist = bb.history
    ws.write(0, 0, title, f("title"))
    ws.write(1, 0, f"{hist.dates[0]} to {hist.dates[-1]}, {len(hist.dates)} daily closes; "
                   f"policy: {bb.policies[k].name}", f("note"))
    r = L.BT_SETTINGS_ROW - 1
    for label, text in settings:
        ws.write(r, 0, label, f("label"))
        ws.write(r, 1, text)
        r += 1
    for note in hist.notes:
        ws.write(r, 0, note, f("note"))
        r += 1
    head = max(L.BT_STATS_HEAD_ROW - 1, r + 1)
    rows = _stats_table(bb, k, ws, f, head)
    months = max(1, round(len(hist.dates) / 30.4 / 8))  # about eight date labels
    _line_charts(ws, book, last, months)
    _bar_charts(ws, book, head, rows, len(bb.runs))
    ws.freeze_panes(0, 1)
    ws.hide_gridlines(2)
    page(ws)
    ws.fit_to_pages(1, 1)


def _stats_table(bb: BookBacktest, k: int, ws, f, head: int) -> dict:
    """The statistics of the book and of each holding from row ``head``; returns each
    statistic's row."""
    hist = bb.history
    book = bb.stats()
    per = [core.backtest_stats(bt) for bt in bb.runs]
    ws.write(head, 0, "Statistic", f("head"))
    ws.write(head, 1, "Book", f("head"))
    for j, a in enumerate(hist.holdings.asset):
        # a space after the venue lets the header wrap there, not inside the symbol
        ws.write(head, 2 + j, f"{a} on {hist.hedged_on(j).replace(':', ': ')}", f("head"))
    for i, (key, label) in enumerate(core.STATS.items()):
        ws.write(head + 1 + i, 0, label, f("label"))
        _num(ws, head + 1 + i, 1, book[key][k], f("calc", STAT_FORMATS[key]))
        for j, s in enumerate(per):
            _num(ws, head + 1 + i, 2 + j, s[key][k], f("calc", STAT_FORMATS[key]))
    ws.set_row(head, 42)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1 + len(per), 16)
    ws.write(head + 2 + len(core.STATS), 0,
             "Variance reduction: 1 − var(hedged daily returns) / var(unhedged). "
             "Effectiveness: R² of the hedge's USD change on the spot's, day by day.",
             f("note"))
    return {key: head + 1 + i for i, key in enumerate(core.STATS)}


def _line_charts(ws, book, last: int, months: int) -> None:
    """The book's value, drawdowns, and funding and fees to date, from the Daily sheet."""
    D, C = L.BT_DAILY, L.BT_DAILY_COLS
    dates = "=" + L.column_range(D, C["date"], last)

    def line(title_, series, y_name, y_fmt):
        ch = book.chart({"type": "line"})
        for name, key, color in series:
            ch.add_series({"name": name, "categories": dates,
                           "values": "=" + L.column_range(D, C[key], last),
                           "line": {"color": color, "width": 1.75}, "smooth": False})
        ch.set_title({"name": title_, "name_font": {"size": 11}})
        ch.set_x_axis(chart_axis("", "yyyy-mm", date_axis=True, major_unit=months,
                            major_unit_type="months", label_position="low"))
        ch.set_y_axis(chart_axis(y_name, y_fmt, major_gridlines=grid_lines()))
        ch.set_legend({"position": "bottom"})
        ch.set_size({"width": 620, "height": 300})
        return ch

    col = L.BT_CHART_COL
    ws.insert_chart(f"{col}1", line("Value of the book (USD)",
                                    [("Unhedged", "unhedged", COLORS["loss"]),
                                     ("Hedged", "hedged", COLORS["spot"])],
                                    "USD", USD_WHOLE))
    ws.insert_chart(f"{col}17", line("Drawdown from the running peak",
                                     [("Unhedged", "dd_unhedged", COLORS["loss"]),
                                      ("Hedged", "dd_hedged", COLORS["spot"])],
                                     "", WHOLE_PCT))
    ws.insert_chart(f"{col}33", line("Funding and fees, to date (USD)",
                                     [("Funding received", "funding_in", COLORS["funding"]),
                                      ("Funding paid", "funding_out", COLORS["hedge"]),
                                      ("Fees", "fees", COLORS["net"])],
                                     "USD", USD_WHOLE))


def _bar_charts(ws, book, head: int, rows: dict, n: int) -> None:
    """Column charts of rows of the statistics table: the book and each of ``n``
    holdings."""
    last = L.col_name(1 + n)

    def row(r: int) -> str:  # the statistics of the book and each holding, B to the last
        return "=" + L.area(L.BT_SUMMARY, f"B{r}:{last}{r}")
    cats = row(head + 1)

    def bars(title_, series):
        ch = book.chart({"type": "column"})
        for key, name, color in series:
            rr = rows[key] + 1
            ch.add_series({"name": name, "categories": cats, "values": row(rr),
                           "fill": {"color": color}})
        ch.set_title({"name": title_, "name_font": {"size": 11}})
        ch.set_y_axis(chart_axis("", WHOLE_PCT, major_gridlines=grid_lines()))
        ch.set_x_axis({"num_font": {"size": 8}, "label_position": "low"})
        ch.set_legend({"position": "bottom"})
        ch.set_size({"width": 620, "height": 300})
        return ch

    # under the statistics, left of the line charts: the page has no empty half
    below = head + len(core.STATS) + 4
    ws.insert_chart(below, 0, bars("Volatility of daily returns (a year)",
                                     [("vol_unhedged", "Unhedged", COLORS["loss"]),
                                      ("vol_hedged", "Hedged", COLORS["spot"])]))
    ws.insert_chart(below + 16, 0, bars("How well the hedge worked",
                                     [("variance_reduction", "Variance reduction",
                                       COLORS["spot"]),
                                      ("effectiveness", "Effectiveness (R²)",
                                       COLORS["funding"]),
                                      ("dollar_offset", "Dollar offset", COLORS["hedge"])]))


def _policy_grid(bb: BookBacktest, ws, f, book) -> None:
    s = bb.stats()
    G = L.BT_GRID_COLS
    cost = s["fees_usd"] + s["funding_paid_usd"] - s["funding_received_usd"]
    heads = {"policy": "Policy", "ratio": "Hedge ratio", "rebalance": "Rebalance",
             "band": "Band", "reduction": "Variance reduction",
             "vol": "Volatility, hedged (a year)", "drawdown": "Maximum drawdown, hedged",
             "cost": "Cost: fees + funding paid − received (USD)",
             "funding": "Funding, net received (USD)", "fees": "Fees (USD)",
             "trades": "Trades", "below_maint": "Steps below maintenance",
             "end": "Hedged value at end (USD)"}
    vals = {"reduction": (s["variance_reduction"], PCT), "vol": (s["vol_hedged"], PCT),
            "drawdown": (s["drawdown_hedged"], PCT), "cost": (cost, COST_USD),
            "funding": (s["funding_received_usd"] - s["funding_paid_usd"], USD),
            "fees": (s["fees_usd"], USD), "trades": (s["trades"], WHOLE),
            "below_maint": (s["liquidation_steps"], WHOLE), "end": (s["end_hedged_usd"], USD)}
    for key, letter in G.items():
        col = L.cell(letter + "1")[1]
        ws.write(0, col, heads[key], f("head"))
        ws.set_column(col, col, 26 if key == "policy" else 14)
    for i, p in enumerate(bb.policies):
        r = L.BT_FIRST_ROW - 1 + i
        ws.write(r, 0, p.name)
        if p.hedge_ratio is None:
            ws.write(r, 1, "file's")
        else:
            ws.write_number(r, 1, p.hedge_ratio, f("calc", PCT))
        ws.write(r, 2, p.rebalance)
        ws.write_number(r, 3, p.band, f("calc", PCT))
        for key, (v, fmt) in vals.items():
            _num(ws, r, L.cell(G[key] + "1")[1], v[i], f("calc", fmt))
    last = L.BT_FIRST_ROW + len(bb.policies) - 1
    ch = book.chart({"type": "scatter"})
    ch.add_series({"name": "Policies",
                   "categories": "=" + L.column_range(L.BT_GRID, G["reduction"], last),
                   "values": "=" + L.column_range(L.BT_GRID, G["cost"], last),
                   "marker": {"type": "circle", "size": 6,
                              "fill": {"color": COLORS["spot"]},
                              "border": {"color": COLORS["spot"]}}})
    ch.set_title({"name": "Cost against variance reduction, one point per policy",
                  "name_font": {"size": 11}})
    ch.set_x_axis(chart_axis("Variance reduction", WHOLE_PCT, major_gridlines=grid_lines()))
    ch.set_y_axis(chart_axis("Cost (USD, − is a gain)", USD_WHOLE, major_gridlines=grid_lines()))
    ch.set_legend({"none": True})
    ch.set_size({"width": 640, "height": 360})
    ws.insert_chart(f"A{last + 3}", ch)
    ws.set_row(0, 42)
    ws.freeze_panes(1, 1)
    page(ws)
