"""Scenarios: price shocks of the hedge's coin and the hedged and unhedged PnL
(HEDGE_SCENARIO, spilled)."""

from __future__ import annotations

from .. import layout as L
from ..cells import page
from ..style import PRICE, USD, WHOLE_PCT
from .context import Context

HEADS = ["Shock (input)", "Shock", "Spot price (first holding)", "Spot PnL (USD)",
         "Hedge PnL (USD)", "Net PnL (USD)"]


def write(c: Context, ss) -> None:
    d, n, w, f = c.d, c.n, c.w, c.f
    ss.set_column("A:A", 12)
    ss.set_column("B:F", 16)
    ss.write("A1", "Price shocks of the hedge's coin; each holding moves beta times as far.",
             f("note"))
    head = L.SCENARIO_HEAD_ROW - 1
    first = L.SCENARIO_FIRST_ROW - 1
    for j, x in enumerate(HEADS):
        ss.write(head, j, x, f("head"))
    ss.set_row(head, 30)
    ss.freeze_panes(first, 0)
    ns = len(d.shocks)
    shock_col = L.col_index(L.SCENARIO_SHOCKS_COL)
    for i, s in enumerate(d.shocks):
        ss.write_number(first + i, shock_col, float(s), f("input", WHOLE_PCT))
    ss.data_validation(first, shock_col, first + ns - 1, shock_col, {
        "validate": "decimal", "criteria": ">", "value": -1,
        "error_message": "A shock must be > -100 %."})
    shocks = f"{L.SCENARIO_SHOCKS_COL}{first + 1}:{L.SCENARIO_SHOCKS_COL}{first + ns}"
    h = c.holdings_col
    args = [h("quantity"), h("price"), h("contracts"), h("contract"), shocks, h("beta")]
    if n.any_linear:
        args.append(h("hedge_price"))
    spill_col = L.col_index(L.SCENARIO_SPILL_COL)
    w.spill(ss, first, L.col_index(L.SCENARIO_RESULT_COL),
            f"=HEDGE_SCENARIO({','.join(args)})",
            n.scenario, [f("calc", WHOLE_PCT), f("calc", PRICE), f("calc", USD), f("calc", USD),
                         f("calc", USD)], helper_col=spill_col)
    if w.live:
        ss.write(head, spill_col, "HEDGE_SCENARIO spill (hidden)", f("head"))
    ss.print_area(0, 0, first + ns - 1, len(HEADS) - 1)
    page(ss)
