"""Dashboard: the settings (valuation date, default hedge ratio), the totals, and the
charts."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ... import core
from ...book import COVERAGE_LABEL
from .. import layout as L
from ..cells import REFUSED
from ..style import (COIN4, COIN4_SIGNED, COIN8, COLORS, CONTRACTS, DATE, DEC2, PCT, PRICE,
                     USD, USD_WHOLE, WHOLE_PCT, chart_axis, grid_lines)
from .context import Context

#: Data and working sheets a report hides, so that it prints in four pages.
HIDDEN_IN_REPORTS = [L.CONTRACTS, L.FUNDING, L.SCENARIOS, L.PNL, L.BETA]


def write(c: Context, ds) -> None:
    d, f = c.d, c.f
    ds.set_column("A:A", 40)
    ds.set_column("B:B", 18)
    ds.set_column("C:C", 4)
    ds.write(L.DASH_TITLE, d.settings.title, f("title"))
    ds.write(L.DASH_NOTE, "Yellow: inputs. White: computed by HEDGE_* formulas." if c.live
             else "Yellow: inputs. White: computed by hedgexl (values, no formulas).",
             f("note"))
    date_row, date_col = L.cell(L.DASH_VALUATION_DATE)
    ratio_row, ratio_col = L.cell(L.DASH_HEDGE_RATIO)
    ds.write(date_row, date_col - 1, "Valuation date", f("label"))
    ds.write_datetime(L.DASH_VALUATION_DATE,
                      dt.datetime.combine(d.settings.valuation_date, dt.time()),
                      f("input", DATE))
    ds.write(ratio_row, ratio_col - 1, "Default hedge ratio", f("label"))
    ds.write_number(L.DASH_HEDGE_RATIO, d.settings.default_hedge_ratio, f("input", PCT))
    c.book.define_name(L.VALUATION_DATE, "=" + L.ref(L.DASHBOARD, L.DASH_VALUATION_DATE))
    c.book.define_name(L.DEFAULT_HEDGE_RATIO, "=" + L.ref(L.DASHBOARD, L.DASH_HEDGE_RATIO))
    ds.data_validation(L.DASH_HEDGE_RATIO, {
        "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 2,
        "error_title": "Hedge ratio",
        "error_message": "Enter a hedge ratio between 0 and 2 (0 % to 200 %)."})
    _totals(c, ds)
    if d.book is not None:
        _desk(c, ds)
    if c.drawings:
        if d.book is not None:
            _desk_charts(c, ds)
        else:
            _charts(c, ds)
    ds.set_landscape()
    ds.fit_to_pages(1, 1)
    ds.set_paper(9)
    ds.set_margins(left=0.3, right=0.3, top=0.4, bottom=0.4)
    ds.activate()


def total_cell(name: str) -> str:
    """The Dashboard cell of a total, e.g. ``total_cell("value") == "B7"``."""
    return f"B{L.DASH_TOTALS_ROW + 1 + L.DASH_TOTALS.index(name)}"


def _totals(c: Context, ds) -> None:
    n, w, f = c.n, c.w, c.f
    tot = n.totals
    v, no, re = total_cell("value"), total_cell("notional"), total_cell("residual")
    rows = [
        ("Spot value (USD)", f"=SUM({c.holdings_col('value')})", tot["value"], USD),
        ("Hedge notional (USD)", f"=SUM({c.holdings_col('notional')})", tot["notional"], USD),
        ("Residual exposure after rounding (USD)", f"=SUM({c.holdings_col('residual')})",
         tot["residual"], USD),
        (COVERAGE_LABEL, f"=IF({v}=0,0,({no}-{re})/{v})", tot["coverage"], PCT),
    ]
    b = c.d.book
    if b is not None:  # the positions actually held, not an example
        t = b.totals()
        stable = " USDT at 1 USD," if any(core.is_stable(c) for c in b.risk.settle) \
            else ""
        rows.append((f"Funding since opened (USD,{stable} + received)", None,
                     "n/a" if t["accrued_usd"] is None else t["accrued_usd"], USD))
        rows.append((f"Carry a year, latest rates (USD,{stable} + recd.)", None,
                     "n/a" if t["per_year_latest_usd"] is None else t["per_year_latest_usd"],
                     USD))
    elif n.funding_total is not None:
        rows.append((f"Funding over the history ({c.funding_coin()})",
                     "=" + L.ref(L.FUNDING, L.FUNDING_TOTAL), n.funding_total,
                     c.funding_format()))
        rows.append(("PnL example: net (USD)", "=" + L.ref(L.PNL, L.PNL_NET), n.pnl["net"],
                     USD))
    ds.write(L.DASH_TOTALS_ROW - 1, 0, "Totals", f("label"))
    for i, (label, formula, value, num) in enumerate(rows):
        ds.write(L.DASH_TOTALS_ROW + i, 0, label)
        w.cell(ds, L.DASH_TOTALS_ROW + i, 1, formula, value, f("calc", num))


def _coverage_chart(c: Context, title: dict, x_name: str | None = None):
    """Spot value against hedge notional, per holding (the Holdings table's columns); past
    :data:`~hedgexl.workbook.layout.HOLDINGS_CHART_TOP` holdings, the largest and one
    "other" bar (the chart data right of the Holdings table)."""
    if len(c.d.holdings) > L.HOLDINGS_CHART_TOP:
        X, last = L.HOLDINGS_CHART_COLS, L.HOLDINGS_CHART_TOP + 2

        def col(k):
            return "=" + L.column_range(L.HOLDINGS, X[k], last)
        assets, values, notional = col("label"), col("value"), col("notional")
    else:
        assets = "=" + c.holdings_col("asset")
        values, notional = "=" + c.holdings_col("value"), "=" + c.holdings_col("notional")
    chart = c.chart({"type": "column"})
    chart.add_series({"name": "Spot value", "categories": assets, "values": values,
                      "fill": {"color": COLORS["spot"]}})
    chart.add_series({"name": "Hedge notional", "categories": assets, "values": notional,
                      "fill": {"color": COLORS["hedge"]}})
    chart.set_title(title)
    chart.set_x_axis({**({"name": x_name} if x_name else {}), "num_font": {"size": 9},
                      "label_position": "low"})
    chart.set_y_axis(chart_axis("USD", USD_WHOLE, major_gridlines=grid_lines()))
    chart.set_legend({"position": "bottom"})
    return chart


def _charts(c: Context, ds) -> None:
    d, n = c.d, c.n
    ds.insert_chart("D1", _coverage_chart(c, {"name": "Am I covered? Spot value vs hedge "
                                                      "notional by asset"}, "Asset"),
                    {"x_scale": 1.25, "y_scale": 1.15})

    ns = len(d.shocks)
    first, last = L.SCENARIO_FIRST_ROW, L.SCENARIO_FIRST_ROW + ns - 1
    shocks = L.column_range(L.SCENARIOS, L.SCENARIO_RESULT_COL,
                            last, first)
    c2 = c.chart({"type": "scatter", "subtype": "straight_with_markers"})
    for name, col, color in (("Unhedged (spot only)", L.SCENARIO_UNHEDGED_COL, COLORS["loss"]),
                             ("Hedged (net)", L.SCENARIO_NET_COL, COLORS["spot"])):
        c2.add_series({"name": name, "categories": "=" + shocks,
                       "values": "=" + L.column_range(L.SCENARIOS, col, last, first),
                       "line": {"color": color, "width": 2.25},
                       "marker": {"type": "circle", "size": 4,
                                  "fill": {"color": color}, "border": {"color": color}},
                       "smooth": False})
    c2.set_title({"name": "Payoff: PnL across price shocks"})
    lo = float(np.min(d.shocks))  # the value axis at the left edge, not across the middle
    c2.set_x_axis(chart_axis("Price move of the hedge's coin", WHOLE_PCT, label_position="low",
                        min=lo, max=float(np.max(d.shocks)), crossing=lo))
    c2.set_y_axis(chart_axis("PnL (USD)", USD_WHOLE, major_gridlines=grid_lines()))
    c2.set_legend({"position": "bottom"})
    ds.insert_chart("D19", c2, {"x_scale": 1.25, "y_scale": 1.15})

    if n.funding_series is None:
        return
    coin = c.funding_coin()
    m = len(d.funding.mark_price)
    fl = m + L.FUNDING_FIRST_ROW - 1
    F = L.FUNDING_COLS
    c3 = c.chart({"type": "line"})
    c3.add_series({"name": "Cumulative funding",
                   "categories": "=" + L.column_range(L.FUNDING, F["time"], fl),
                   "values": "=" + L.column_range(L.FUNDING, F["cumulative"], fl),
                   "line": {"color": COLORS["funding"], "width": 1.75}, "smooth": False})
    c3.set_title({"name": f"Cumulative funding on {d.funding.contract} ({coin})"})
    c3.set_x_axis(chart_axis("Time (UTC)", "yyyy-mm", date_axis=True, major_unit=3,
                        major_unit_type="months", label_position="low"))
    c3.set_y_axis(chart_axis(f"Funding ({coin}, + received)", DEC2, major_gridlines=grid_lines()))
    c3.set_legend({"none": True})
    ds.insert_chart("N1", c3, {"x_scale": 1.25, "y_scale": 1.15})

    c4 = c.chart({"type": "column"})
    c4.add_series({"name": "PnL (USD)", "categories": "=" + L.area(L.PNL, L.PNL_PARTS_LABELS),
                   "values": "=" + L.area(L.PNL, L.PNL_PARTS_VALUES),
                   "points": [{"fill": {"color": COLORS[k]}} for k in
                              ("spot", "hedge", "funding", "loss", "net")],
                   "data_labels": {"value": True, "num_format": USD_WHOLE,
                                   "font": {"size": 8}}})
    c4.set_title({"name": "PnL breakdown of the hedged holding"})
    c4.set_x_axis({"name": "Component", "num_font": {"size": 9}, "label_position": "low"})
    c4.set_y_axis(chart_axis("USD", USD_WHOLE, major_gridlines=grid_lines()))
    c4.set_legend({"none": True})
    ds.insert_chart("N19", c4, {"x_scale": 1.25, "y_scale": 1.15})


def _in(currency: str, num: str) -> str:
    """A number format that names the currency after the number (negatives red):
    ``0.4823 BTC``."""
    unit = '" ' + currency.replace('"', "") + '"'
    return f"{num}{unit};[Red]-{num}{unit}"


def _block(c: Context, ds, row: int, title: str, heads: list[str]) -> int:
    """A titled table head at ``row`` (0-based); returns the first data row."""
    f = c.f
    ds.write(row, 0, title, f("label", font_size=12, font_color="#1F3B73"))
    for j, h in enumerate(heads):
        ds.write(row + 1, j, h, f("head"))
    ds.set_row(row + 1, 26)  # two lines: "Liquidation (USD)" wraps
    return row + 2


def _desk(c: Context, ds) -> None:
    """The desk's first questions: what to trade, what is near liquidation, how covered
    each coin is, what the hedge costs."""
    ds.set_column("B:B", 23)
    ds.set_column("C:H", 12.5)
    ds.set_column("I:I", 2)
    r = L.DASH_DESK_ROW - 1
    for block in (_trades_block, _liquidation_block, _exposure_block, _carry_block,
                  _choice_block):
        r = block(c, ds, r)
    if c.d.settings.hide_data_sheets:
        ds.write(r, 0, "Data and working sheets (" + ", ".join(HIDDEN_IN_REPORTS) + ") are "
                       "hidden so that the report prints in four pages: right-click a tab, "
                       "Unhide.", c.f("note"))


def _trades_block(c: Context, ds, r: int) -> int:
    """Trades to place today, from the Trades sheet; their fees in the booked currency
    and in USD."""
    b, w, f = c.d.book, c.w, c.f
    T = L.TRADES_COLS
    todo = [i for i in range(len(b.trades)) if b.trades.trade[i] != 0]
    r = _block(c, ds, r, "Trades to place today" + (f" (no-trade band {b.band:.0%})"
                                                      if b.band else ""),
               ["Account", "Contract", "Side", "Contracts", "Notional (USD)",
                "Est. taker fee", "Est. fee (USD)"])
    t = b.trades
    for i in todo:
        x = L.TRADES_FIRST_ROW + i
        ds.write_string(r, 0, t.account[i])
        ds.write_string(r, 1, t.contract[i])
        ds.write_string(r, 2, t.side[i], f("label"))
        w.cell(ds, r, 3, "=" + L.ref(L.TRADES, f"{T['trade']}{x}"), float(t.trade[i]),
               f("calc", CONTRACTS))
        w.cell(ds, r, 4, "=" + L.ref(L.TRADES, f"{T['notional']}{x}"),
               float(t.notional_usd[i]), f("calc", USD))
        cur = t.fee_currency[i]
        w.cell(ds, r, 5, "=" + L.ref(L.TRADES, f"{T['fee']}{x}"), float(t.fee[i]),
               f("calc", _in(cur, COIN8)))  # in the currency the venue books
        trade, price, key = (L.ref(L.TRADES, f"{T[k]}{x}") for k in ("trade", "price",
                                                                    "contract"))
        w.cell(ds, r, 6, f'=HEDGE_FEE({trade},{price},{key},HEDGE_SPEC({key},"taker_fee"),'
                         f'"usd")', float(b.usd([t.fee[i]], [cur])[0]), f("calc", USD))
        r += 1
    if not todo:
        ds.write(r, 0, "None: every contract is on target" + (" (within the band)."
                                                              if b.band else "."), f("note"))
        r += 1
    return r


def _liquidation_block(c: Context, ds, r: int) -> int:
    """The positions nearest to liquidation (refused ones first), from the Positions
    sheet."""
    b, w, f = c.d.book, c.w, c.f
    P = L.POSITIONS_COLS
    risk, pos = b.risk, b.positions
    # refused first (their risk is unknown), then the nearest; none (cannot be) last
    order = sorted(range(len(pos)), key=lambda i: (not risk.is_refused(i),
                                                   not np.isfinite(risk.distance[i]),
                                                   risk.distance[i]))
    r = _block(c, ds, r + 1, "Nearest to liquidation",
               ["Account", "Contract", "Margin mode", "Mark (USD)", "Liquidation (USD)",
                "Distance (of the mark)"])
    for i in order[:8]:
        x = L.POSITIONS_FIRST_ROW + i
        ds.write_string(r, 0, pos.account[i])
        ds.write_string(r, 1, pos.contract[i])
        ds.write_string(r, 2, pos.mode[i])
        w.cell(ds, r, 3, "=" + L.ref(L.POSITIONS, f"{P['mark']}{x}"), float(risk.mark[i]),
               f("calc", PRICE))
        if risk.is_refused(i):  # the Positions sheet's notes say why
            ds.write_string(r, 4, REFUSED, f("warn"))
            ds.write_string(r, 5, REFUSED, f("warn"))
        else:
            w.cell(ds, r, 4, "=" + L.ref(L.POSITIONS, f"{P['liq']}{x}"),
                   float(risk.liq_price[i]), f("calc", PRICE))
            d = float(risk.distance[i])
            w.cell(ds, r, 5, "=" + L.ref(L.POSITIONS, f"{P['distance']}{x}"), d,
                   f("warn" if np.isfinite(d) and d < 0.1 else "calc", PCT))
        r += 1
    if len(order) > 8:
        ds.write(r, 0, f"... and {len(order) - 8} more on the Positions sheet", f("note"))
        r += 1
    if risk.refused:
        ds.write(r, 0, "refused: beyond the margin tiers bundled for its contract (at the "
                       "mark, the entry or its liquidation price), or sharing a cross wallet "
                       "with a position whose margin is; the Positions sheet's notes say "
                       "which. Load the venue's tiers with --tiers.", f("note"))
        r += 1
    return r


def _exposure_block(c: Context, ds, r: int) -> int:
    """Net exposure per coin, now and after the trades."""
    b, f = c.d.book, c.f
    e = b.exposure
    r = _block(c, ds, r + 1, "Net exposure per coin (in coins; + long)",
               ["Coin", "Spot", "Cross-hedged (beta-adj.)", "Margin posted", "Futures now",
                "Net now", "Hedge ratio now", "After the trades"])
    f_coin = f("calc", COIN4_SIGNED)
    for i, coin in enumerate(e.coin):
        ds.write_string(r, 0, coin)
        for j, arr in enumerate((e.spot, e.cross, e.margin, e.futures, e.net), start=1):
            ds.write_number(r, j, float(arr[i]), f_coin)
        for j, arr in ((6, e.ratio), (7, e.ratio_after)):
            v = float(arr[i])
            if np.isfinite(v):
                ds.write_number(r, j, v, f("calc", PCT))
        r += 1
    ds.write(r, 0, "Hedge ratio: futures over spot + cross-hedged + margin posted in the coin "
                   "(margin in a coin is long that coin).", f("note"))
    r += 1
    return r


def _carry_block(c: Context, ds, r: int) -> int:
    """What the hedge earns or costs, per settlement currency."""
    b, f = c.d.book, c.f
    risk = b.risk
    tot = b.totals()
    r = _block(c, ds, r + 1, "What the hedge earns (+) or costs (-)",
               ["Currency", "Since opened", "A year, latest rate", "A year, 30-day avg",
                "A year, latest (USD)"])
    for cur in dict.fromkeys(risk.settle):
        ds.write_string(r, 0, cur)
        for j, key in ((1, "accrued"), (2, "per_year_latest"), (3, "per_year_avg")):
            v = tot[key].get(cur)
            if v is not None:  # each amount names its currency
                ds.write_number(r, j, v, f("calc", _in(cur, COIN4)))
        v = tot["per_year_latest"].get(cur)
        if v is not None:
            ds.write_number(r, 4, float(b.usd([v], [cur])[0]), f("calc", USD))
        r += 1
    ds.write(r, 0, "Funding: + received. A short hedge receives a positive rate (longs pay "
                   "shorts).", f("note"))
    r += 2
    return r


def _choice_block(c: Context, ds, r: int) -> int:
    """Perpetual or dated (--futures-prices): what each would earn (+) or cost (−) a year
    on each coin's short hedge, the cheaper named."""
    ch, f = c.d.book.choice, c.f
    if ch is None:
        return r
    r = _block(c, ds, r - 1, "Perpetual or dated: a short hedge's carry a year",
               ["Coin", "Contract", "Rate", "A year (fraction)", "A year (USD)",
                "Hedge (USD)"])
    for i, coin in enumerate(ch.coin):
        best = ch.best.get(coin) == f"{ch.contract[i]} ({ch.kind[i]})"
        ds.write_string(r, 0, coin, f("label") if best else f("calc"))
        ds.write_string(r, 1, ch.contract[i], f("label") if best else f("calc"))
        ds.write_string(r, 2, ch.kind[i])
        ds.write_number(r, 3, float(ch.rate_year[i]), f("calc", PCT))
        ds.write_number(r, 4, float(ch.usd_year[i]), f("calc", USD))
        ds.write_number(r, 5, float(ch.notional_usd[coin]), f("calc", USD))
        r += 1
    cheaper = "; ".join(f"{k}: {v}" for k, v in ch.best.items())
    ds.write(r, 0, f"Cheaper (in bold): {cheaper}. Perpetual: the funding a short receives "
                   f"a year; dated: the basis it earns as the future converges at expiry, "
                   f"(F/S - 1) x 365/days.", f("note"))
    return r + 2


def _desk_charts(c: Context, ds) -> None:
    """With positions: the liquidation ladder, funding since each position opened, coverage
    and the payoff, right of the desk's tables."""
    d = c.d
    n = len(d.book.positions)
    H = L.POSITIONS_CHART_COLS
    last = L.POSITIONS_FIRST_ROW + n - 1
    labels = "=" + L.column_range(L.POSITIONS, H["label"], last, L.POSITIONS_FIRST_ROW)
    ladder = c.chart({"type": "bar"})
    ladder.add_series({"name": "Liquidation price (% of mark)", "categories": labels,
                       "values": "=" + L.column_range(L.POSITIONS, H["liq_vs_mark"], last,
                                                      L.POSITIONS_FIRST_ROW),
                       "fill": {"color": COLORS["liq"]},
                       "data_labels": {"value": True, "num_format": WHOLE_PCT,
                                       "font": {"size": 8}}})
    ladder.set_title({"name": "Liquidation ladder: liquidation price as % of the mark "
                              "(the Positions sheet's order)", "name_font": {"size": 11}})
    ladder.set_x_axis(chart_axis("% of the mark price (shorts above 100 %, longs below)", WHOLE_PCT,
                            min=0, major_gridlines=grid_lines()))
    ladder.set_y_axis({"num_font": {"size": 8}, "reverse": True})
    ladder.set_legend({"none": True})
    ds.insert_chart(f"{L.DASH_CHART_COL}1", ladder, {"x_scale": 1.45, "y_scale": 1.15})

    accrued = c.chart({"type": "bar"})
    accrued.add_series({"name": "Funding since opened (USD)", "categories": labels,
                        "values": "=" + L.column_range(L.POSITIONS, H["accrued_usd"], last,
                                                       L.POSITIONS_FIRST_ROW),
                        "fill": {"color": COLORS["funding"]},
                        "data_labels": {"value": True, "num_format": USD_WHOLE,
                                        "font": {"size": 8}}})
    accrued.set_title({"name": "Funding since each position opened (USD, + received)",
                       "name_font": {"size": 11}})
    accrued.set_x_axis(chart_axis("USD", USD_WHOLE, major_gridlines=grid_lines()))
    accrued.set_y_axis({"num_font": {"size": 8}, "reverse": True})
    accrued.set_legend({"none": True})
    ds.insert_chart(f"{L.DASH_CHART_COL}19", accrued, {"x_scale": 1.45, "y_scale": 1.15})

    cover = _coverage_chart(c, {"name": "Target hedge of the holdings by asset (USD)",
                                "name_font": {"size": 11}})
    ds.insert_chart(f"{L.DASH_CHART_COL}37", cover, {"x_scale": 1.45, "y_scale": 1.15})
