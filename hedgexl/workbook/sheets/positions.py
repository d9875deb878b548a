"""Positions: each futures position, its margin and liquidation as its venue computes them
(HEDGE_MARGIN, HEDGE_LIQ_PRICE, HEDGE_LIQ_DISTANCE), funding since it opened and its carry."""

from __future__ import annotations

import math

from .. import layout as L
from ..cells import REFUSED, page, table
from ..style import AMOUNT4, CONTRACTS, DATETIME, PCT, PRICE, USD
from .context import Context

HEADS = {"account": "Account", "contract": "Contract", "mode": "Margin mode",
         "contracts": "Contracts", "entry": "Entry (USD)", "mark": "Mark (USD)",
         "notional": "Notional (USD)", "margin": "Margin behind it",
         "maint": "Maintenance margin", "liq": "Liquidation price (USD)",
         "distance": "Distance to liquidation (of the mark)", "settle": "Margin in",
         "opened": "Opened (UTC)", "accrued": "Funding since opened (+ received)",
         "carry_latest": "Carry a year, latest rate", "carry_avg": "Carry a year, 30-day avg",
         "carry_usd": "Carry a year, latest (USD)"}
WIDTHS = {"account": 14, "contract": 22, "mode": 9, "contracts": 11, "entry": 11, "mark": 11,
          "notional": 14, "margin": 12, "maint": 12, "liq": 13, "distance": 13, "settle": 8,
          "opened": 15, "accrued": 14, "carry_latest": 13, "carry_avg": 13, "carry_usd": 13}


def write(c: Context, ws) -> None:
    """The positions held: margin and liquidation by the venue's rule (HEDGE_MARGIN,
    HEDGE_LIQ_PRICE, HEDGE_LIQ_DISTANCE), funding since opened and carry a year."""
    b, f = c.d.book, c.f
    C = L.POSITIONS_COLS
    n = len(b.positions)
    col = table(ws, f("head"), L.POSITIONS_TABLE, C, HEADS, WIDTHS, n, head_height=42)
    first = L.POSITIONS_FIRST_ROW - 1
    usd_carry = b.usd(b.carry.per_year_latest, b.risk.settle)
    for i in range(n):
        r = first + i
        x = {k: f"{v}{r + 1}" for k, v in C.items()}
        _held(c, ws, col, r, i)
        _margin_and_liquidation(c, ws, col, r, i, x)
        _carry(c, ws, col, r, i, float(usd_carry[i]))
    _chart_helpers(c, ws, first, n)
    ws.print_area(0, 0, first + n + 4 + len(b.notes), len(C) - 1)
    notes = [
        "Amounts are in the currency of 'Margin in' (BTC, ETH or USDT); + is received.",
        "Margin behind it: the isolated margin, or for cross margin the account's wallet in "
        "that currency less what its other positions need, plus their unrealised PnL.",
        "Liquidation price: the venue's own formula and tiers, rounded to the tick as the "
        "venue shows it; 'none' where the position cannot be liquidated.",
        f"Valuation: {b.valuation:%Y-%m-%d %H:%M} UTC; carry a year at the latest funding rate "
        f"and at its 30-day average, at the mark."]
    for j, line in enumerate(notes + b.notes):
        ws.write_string(first + n + 1 + j, 0, line, f("note"))
    page(ws, rows=n + 6 + len(b.notes))


def _held(c: Context, ws, col, r: int, i: int) -> None:
    """What the positions file says of position ``i``, and its mark and notional."""
    pos, risk, f = c.d.book.positions, c.d.book.risk, c.f
    f_in = f("input")
    ws.write_string(r, col["account"], pos.account[i], f_in)
    ws.write_string(r, col["contract"], pos.contract[i], f_in)
    ws.write_string(r, col["mode"], pos.mode[i], f_in)
    ws.write_number(r, col["contracts"], float(pos.contracts[i]), f("input", CONTRACTS))
    ws.write_number(r, col["entry"], float(pos.entry_price[i]), f("input", PRICE))
    ws.write_number(r, col["mark"], float(risk.mark[i]), f("calc", PRICE))
    ws.write_number(r, col["notional"], float(risk.notional_usd[i]), f("calc", USD))
    ws.write_string(r, col["settle"], risk.settle[i], f("calc", align="center"))  # apart
    if pos.opened_at[i] is not None:
        ws.write_datetime(r, col["opened"], pos.opened_at[i], f("input", DATETIME))
    else:
        ws.write_string(r, col["opened"], "not given", f("note"))


def _margin_and_liquidation(c: Context, ws, col, r: int, i: int, x: dict) -> None:
    """Margin behind it, maintenance margin, liquidation price and distance, or
    "refused" where the bundled tiers do not reach (the notes say why)."""
    pos, risk, w, f = c.d.book.positions, c.d.book.risk, c.w, c.f
    f_amt = f("calc", AMOUNT4)
    mg = float(risk.margin[i])
    if math.isfinite(mg):
        ws.write_number(r, col["margin"], mg,
                        f("input", AMOUNT4) if pos.mode[i] == "isolated" else f_amt)
    else:  # a cross wallet shared with a refused position
        ws.write_string(r, col["margin"], REFUSED, f("warn"))
    if math.isfinite(float(risk.maint_margin[i])):
        w.cell(ws, r, col["maint"], f"=HEDGE_MARGIN({x['contracts']},{x['mark']},"
                                    f"{x['contract']})", float(risk.maint_margin[i]), f_amt)
    else:  # beyond the bundled tiers: the notes below say so
        ws.write_string(r, col["maint"], REFUSED, f("warn"))
    if risk.is_refused(i):
        for k in ("liq", "distance"):
            ws.write_string(r, col[k], REFUSED, f("warn"))
        return
    w.cell(ws, r, col["liq"], f"=HEDGE_LIQ_PRICE({x['contracts']},{x['entry']},"
                              f"{x['margin']},{x['contract']})",
           float(risk.liq_price[i]), f("calc", PRICE))
    w.cell(ws, r, col["distance"], f"=HEDGE_LIQ_DISTANCE({x['contracts']},"
                                   f"{x['mark']},{x['liq']})", float(risk.distance[i]),
           f("calc", PCT))


def _carry(c: Context, ws, col, r: int, i: int, usd: float) -> None:
    """Funding since opened and carry a year (settlement currency; the latest in USD too),
    "n/a" where unknown."""
    carry, f = c.d.book.carry, c.f
    for k, arr in (("accrued", carry.accrued), ("carry_latest", carry.per_year_latest),
                   ("carry_avg", carry.per_year_avg), ("carry_usd", None)):
        v = usd if arr is None else float(arr[i])
        if math.isfinite(v):
            ws.write_number(r, col[k], v, f("calc", USD if arr is None else AMOUNT4))
        else:
            ws.write_string(r, col[k], "n/a", f("note"))


def _chart_helpers(c: Context, ws, first: int, n: int) -> None:
    """Columns the Dashboard charts read: a label per position, its liquidation price as a
    fraction of the mark (the mark is 100 %), and funding since opened in USD."""
    b, w, f = c.d.book, c.w, c.f
    H = L.POSITIONS_CHART_COLS
    C = L.POSITIONS_COLS
    heads = {"label": "Position", "liq_vs_mark": "Liquidation / mark",
             "mark_line": "Mark (100 %)", "accrued_usd": "Funding since opened (USD)"}
    for k, letter in H.items():
        j = L.col_index(letter)
        ws.set_column(j, j, 24 if k == "label" else 12)
        ws.write(0, j, heads[k], f("head"))
    accrued_usd = b.usd(b.carry.accrued, b.risk.settle)
    for i in range(n):
        r = first + i
        x = {k: f"{v}{r + 1}" for k, v in C.items()}
        ws.write_string(r, L.col_index(H["label"]),
                        f"{b.positions.account[i]} {b.positions.contract[i]}"
                        + (f" ({REFUSED})" if b.risk.is_refused(i) else ""), f("calc"))
        ratio = float(b.risk.liq_price[i] / b.risk.mark[i])
        formula = f'=IF(ISNUMBER({x["liq"]}),{x["liq"]}/{x["mark"]},NA())'
        j = L.col_index(H["liq_vs_mark"])
        if math.isfinite(ratio):
            w.cell(ws, r, j, formula, ratio, f("calc", PCT))
        elif c.live:  # no liquidation price: #N/A, which a chart leaves out
            ws.write_formula(r, j, formula, f("calc", PCT), "#N/A")
        ws.write_number(r, L.col_index(H["mark_line"]), 1.0, f("calc", PCT))
        v = float(accrued_usd[i])
        if math.isfinite(v):
            ws.write_number(r, L.col_index(H["accrued_usd"]), v, f("calc", USD))
