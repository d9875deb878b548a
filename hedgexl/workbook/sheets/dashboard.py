"""Dashboard: the settings (valuation date, default hedge ratio), the totals, and the
charts."""

from __future__ import annotations

import datetime as dt

import numpy as np

from .. import layout as L
from ..style import COIN, COLORS, DATE, PCT, USD
from .context import Context

#: The one definition of coverage, said wherever it is shown: the beta-weighted hedge
#: notional net of the rounding residual, over the spot value.
COVERAGE_LABEL = "Coverage (beta-adjusted, net of rounding)"


def write(c: Context, ds) -> None:
    d, f, wb = c.d, c.f, c.wb
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
    wb.define_name(L.VALUATION_DATE, "=" + L.ref(L.DASHBOARD, L.DASH_VALUATION_DATE))
    wb.define_name(L.DEFAULT_HEDGE_RATIO, "=" + L.ref(L.DASHBOARD, L.DASH_HEDGE_RATIO))
    ds.data_validation(L.DASH_HEDGE_RATIO, {
        "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 2,
        "error_title": "Hedge ratio",
        "error_message": "Enter a hedge ratio between 0 and 2 (0 % to 200 %)."})
    _totals(c, ds)
    if c.drawings:
        _charts(c, ds)
    ds.set_landscape()
    ds.fit_to_pages(1, 1)
    ds.set_paper(9)
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
    if n.funding_total is not None:
        rows.append((f"Funding over the history ({c.funding_coin()})",
                     "=" + L.ref(L.FUNDING, L.FUNDING_TOTAL), n.funding_total, COIN))
        rows.append(("PnL example: net (USD)", "=" + L.ref(L.PNL, L.PNL_NET), n.pnl["net"],
                     USD))
    ds.write(L.DASH_TOTALS_ROW - 1, 0, "Totals", f("label"))
    for i, (label, formula, value, num) in enumerate(rows):
        ds.write(L.DASH_TOTALS_ROW + i, 0, label)
        w.cell(ds, L.DASH_TOTALS_ROW + i, 1, formula, value, f("calc", num))


def _axis(name, num_format, **more):
    return {"name": name, "num_format": num_format, "num_font": {"size": 9}, **more}


def _grid():
    return {"visible": True, "line": {"color": COLORS["grid"]}}


def _charts(c: Context, ds) -> None:
    wb, d, n = c.wb, c.d, c.n
    assets = "=" + c.holdings_col("asset")
    c1 = wb.add_chart({"type": "column"})
    c1.add_series({"name": "Spot value", "categories": assets,
                   "values": "=" + c.holdings_col("value"),
                   "fill": {"color": COLORS["spot"]}})
    c1.add_series({"name": "Hedge notional", "categories": assets,
                   "values": "=" + c.holdings_col("notional"),
                   "fill": {"color": COLORS["hedge"]}})
    c1.set_title({"name": "Am I covered? Spot value vs hedge notional by asset"})
    c1.set_x_axis({"name": "Asset", "num_font": {"size": 9}, "label_position": "low"})
    c1.set_y_axis(_axis("USD", "#,##0", major_gridlines=_grid()))
    c1.set_legend({"position": "bottom"})
    ds.insert_chart("D1", c1, {"x_scale": 1.25, "y_scale": 1.15})

    ns = len(d.shocks)
    first, last = L.SCENARIO_FIRST_ROW, L.SCENARIO_FIRST_ROW + ns - 1
    shocks = L.column_range(L.SCENARIOS, L.SCENARIO_RESULT_COL,
                            last, first)
    c2 = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    for name, col, color in (("Unhedged (spot only)", L.SCENARIO_UNHEDGED_COL, COLORS["loss"]),
                             ("Hedged (net)", L.SCENARIO_NET_COL, COLORS["spot"])):
        c2.add_series({"name": name, "categories": "=" + shocks,
                       "values": "=" + L.column_range(L.SCENARIOS, col, last, first),
                       "line": {"color": color, "width": 2.25},
                       "marker": {"type": "circle", "size": 4,
                                  "fill": {"color": color}, "border": {"color": color}},
                       "smooth": False})
    c2.set_title({"name": "Payoff: PnL across price shocks"})
    c2.set_x_axis(_axis("Price move of the hedge's coin", "0%", label_position="low",
                        min=float(np.min(d.shocks)), max=float(np.max(d.shocks))))
    c2.set_y_axis(_axis("PnL (USD)", "#,##0", major_gridlines=_grid()))
    c2.set_legend({"position": "bottom"})
    ds.insert_chart("D19", c2, {"x_scale": 1.25, "y_scale": 1.15})

    if n.funding_series is None:
        return
    coin = c.funding_coin()
    m = len(d.funding.mark_price)
    fl = m + L.FUNDING_FIRST_ROW - 1
    F = L.FUNDING_COLS
    c3 = wb.add_chart({"type": "line"})
    c3.add_series({"name": "Cumulative funding",
                   "categories": "=" + L.column_range(L.FUNDING, F["time"], fl),
                   "values": "=" + L.column_range(L.FUNDING, F["cumulative"], fl),
                   "line": {"color": COLORS["funding"], "width": 1.75}, "smooth": False})
    c3.set_title({"name": f"Cumulative funding on {d.funding.contract} ({coin})"})
    c3.set_x_axis(_axis("Time (UTC)", "yyyy-mm", date_axis=True, major_unit=3,
                        major_unit_type="months", label_position="low"))
    c3.set_y_axis(_axis(f"Funding ({coin}, + received)", "0.00", major_gridlines=_grid()))
    c3.set_legend({"none": True})
    ds.insert_chart("N1", c3, {"x_scale": 1.25, "y_scale": 1.15})

    c4 = wb.add_chart({"type": "column"})
    c4.add_series({"name": "PnL (USD)", "categories": "=" + L.area(L.PNL, L.PNL_PARTS_LABELS),
                   "values": "=" + L.area(L.PNL, L.PNL_PARTS_VALUES),
                   "points": [{"fill": {"color": COLORS[k]}} for k in
                              ("spot", "hedge", "funding", "loss", "net")],
                   "data_labels": {"value": True, "num_format": "#,##0",
                                   "font": {"size": 8}}})
    c4.set_title({"name": "PnL breakdown of the hedged holding"})
    c4.set_x_axis({"name": "Component", "num_font": {"size": 9}, "label_position": "low"})
    c4.set_y_axis(_axis("USD", "#,##0", major_gridlines=_grid()))
    c4.set_legend({"none": True})
    ds.insert_chart("N19", c4, {"x_scale": 1.25, "y_scale": 1.15})
