"""Trades: what to trade today to be back on target, one row per account and contract
(the book's plan; fees by HEDGE_FEE at the preset's taker rate)."""

from __future__ import annotations

from ... import core
from ...book.trades import NO_TRADE
from .. import layout as L
from ..cells import page, table
from ..style import COIN8, CONTRACTS, PCT, PRICE, USD
from .context import Context

HEADS = {"account": "Account", "contract": "Contract", "current": "Current (contracts)",
         "target": "Target (contracts)", "trade": "Trade (contracts)", "side": "Side",
         "price": "Price (USD)", "notional": "Trade notional (USD)",
         "fee": "Est. taker fee", "fee_currency": "Fee in", "note": "Note"}
WIDTHS = {"account": 16, "contract": 22, "current": 12, "target": 12, "trade": 12,
          "side": 8, "price": 12, "notional": 15, "fee": 13, "fee_currency": 7, "note": 28}


def _trade_formula(x: dict, last: int) -> str:
    """The trade of one row: target − current, unless the contract's whole trade (its
    targets less its holdings, over every account) is within the no-trade band of its whole
    target, where it is 0: the rule the book's plan applies, so that the cell is its
    formula's value."""
    C = L.TRADES_COLS
    first = L.TRADES_FIRST_ROW

    def whole(col):
        return (f"SUMIF(${C['contract']}${first}:${C['contract']}${last},{x['contract']},"
                f"${C[col]}${first}:${C[col]}${last})")
    band = L.absolute(L.TRADES_BAND)
    return (f"=IF(ABS({whole('target')}-{whole('current')})<{band}*ABS({whole('target')}),"
            f"0,{x['target']}-{x['current']})")


def _band_input(c: Context, ws) -> None:
    """The no-trade band, an input the trade formulas read."""
    r, col = L.cell(L.TRADES_BAND)
    ws.set_column(col, col, 14)
    ws.write(L.TRADES_BAND_LABEL, "No-trade band", c.f("head"))
    ws.write_number(r, col, float(c.d.book.band), c.f("input", PCT))


def write(c: Context, ws) -> None:
    t, w, f = c.d.book.trades, c.w, c.f
    C = L.TRADES_COLS
    n = len(t)
    col = table(ws, f("head"), L.TRADES_TABLE, C, HEADS, WIDTHS, n)
    f_text, f_ct, f_price = f("calc"), f("calc", CONTRACTS), f("calc", PRICE)
    f_side = f("calc", align="center")  # apart from the trade's number beside it
    f_usd, f_fee = f("calc", USD), f("calc", COIN8)
    first = L.TRADES_FIRST_ROW - 1
    _band_input(c, ws)
    last = first + max(n, 1)
    for i in range(n):
        r = first + i
        x = {k: f"{v}{r + 1}" for k, v in C.items()}
        ws.write_string(r, col["account"], t.account[i], f_text)
        ws.write_string(r, col["contract"], t.contract[i], f_text)
        ws.write_number(r, col["current"], float(t.current[i]), f_ct)
        ws.write_number(r, col["target"], float(t.target[i]), f_ct)
        w.cell(ws, r, col["trade"], _trade_formula(x, last), float(t.trade[i]), f_ct)
        w.cell(ws, r, col["side"], f'=IF({x["trade"]}>0,"buy",IF({x["trade"]}<0,"sell",'
                                   f'"{NO_TRADE}"))', t.side[i], f_side)
        ws.write_number(r, col["price"], float(t.price[i]), f_price)
        w.cell(ws, r, col["notional"],
               f'=ABS({x["trade"]})*HEDGE_SPEC({x["contract"]},"multiplier")'
               f'*IF(HEDGE_SPEC({x["contract"]},"type")="linear",{x["price"]},1)',
               float(t.notional_usd[i]), f_usd)
        unit = "usd" if core.is_stable(t.fee_currency[i]) else "coin"
        w.cell(ws, r, col["fee"], f'=HEDGE_FEE({x["trade"]},{x["price"]},{x["contract"]},'
                                  f'HEDGE_SPEC({x["contract"]},"taker_fee"),"{unit}")',
               float(t.fee[i]), f_fee)
        ws.write_string(r, col["fee_currency"], t.fee_currency[i], f_side)
        ws.write_string(r, col["note"], t.note[i], f("note"))
    notes = [
        "Target: the holdings' hedge (beta-adjusted, at each hedge ratio) plus the margin "
        "posted in each coin, lot-rounded.",
        "A trade goes to the account that holds most of the contract.",
        f"A trade smaller than the no-trade band ({L.TRADES_BAND}, a share of the contract's "
        f"whole target) is 0; the side, notional and fee follow it.",
        "The notes, and the Dashboard's trades, are the plan at the band it was written with.",
    ]
    last = first + max(n, 1) + len(notes)
    for j, line in enumerate(notes):
        ws.write(first + max(n, 1) + 1 + j, 0, line, f("note"))
    # the table and the band input; the notes print within that width
    ws.print_area(0, 0, last, L.cell(L.TRADES_BAND)[1])
    page(ws, rows=n + 3 + len(notes))
