"""Trades: what to trade today to be back on target, one row per account and contract
(the book's plan; fees by HEDGE_FEE at the preset's taker rate)."""

from __future__ import annotations

from .. import layout as L
from ..cells import page, table
from ..style import CONTRACTS, PRICE, USD
from .context import Context

HEADS = {"account": "Account", "contract": "Contract", "current": "Current (contracts)",
         "target": "Target (contracts)", "trade": "Trade (contracts)", "side": "Side",
         "price": "Price (USD)", "notional": "Trade notional (USD)",
         "fee": "Est. taker fee", "fee_currency": "Fee in", "note": "Note"}
WIDTHS = {"account": 16, "contract": 22, "current": 12, "target": 12, "trade": 12,
          "side": 7, "price": 12, "notional": 15, "fee": 13, "fee_currency": 7, "note": 40}


def write(c: Context, ws) -> None:
    t, w, f = c.d.book.trades, c.w, c.f
    C = L.TRADES_COLS
    n = len(t)
    col = table(ws, f("head"), L.TRADES_TABLE, C, HEADS, WIDTHS, n)
    f_text, f_ct, f_price = f("calc"), f("calc", CONTRACTS), f("calc", PRICE)
    f_usd, f_fee = f("calc", USD), f("calc", "0.00000000")
    first = L.TRADES_FIRST_ROW - 1
    for i in range(n):
        r = first + i
        x = {k: f"{v}{r + 1}" for k, v in C.items()}
        ws.write_string(r, col["account"], t.account[i], f_text)
        ws.write_string(r, col["contract"], t.contract[i], f_text)
        ws.write_number(r, col["current"], float(t.current[i]), f_ct)
        ws.write_number(r, col["target"], float(t.target[i]), f_ct)
        w.cell(ws, r, col["trade"], f"={x['target']}-{x['current']}", float(t.trade[i]), f_ct)
        ws.write_string(r, col["side"], t.side[i], f_text)
        ws.write_number(r, col["price"], float(t.price[i]), f_price)
        ws.write_number(r, col["notional"], float(t.notional_usd[i]), f_usd)
        unit = "usd" if t.fee_currency[i] in ("USDT", "USDC", "USD") else "coin"
        w.cell(ws, r, col["fee"], f'=HEDGE_FEE({x["trade"]},{x["price"]},{x["contract"]},'
                                  f'HEDGE_SPEC({x["contract"]},"taker_fee"),"{unit}")',
               float(t.fee[i]), f_fee)
        ws.write_string(r, col["fee_currency"], t.fee_currency[i], f_text)
        ws.write_string(r, col["note"], t.note[i], f("note"))
    band = c.d.book.band
    ws.write(first + max(n, 1) + 1, 0,
             "Target: the holdings' hedge (beta-adjusted, at each hedge ratio) plus the margin "
             "posted in each coin, lot-rounded; a trade goes to the account that holds most of "
             "the contract." + (f" No-trade band: {band:.0%} of the target." if band else ""),
             f("note"))
    page(ws, rows=n + 3)
