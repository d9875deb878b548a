"""PnL: what the hedge of one holding would have made over the funding history, leg by leg
(HEDGE_CONTRACTS, HEDGE_FUNDING, HEDGE_FEE, HEDGE_PNL, HEDGE_NET_PNL)."""

from __future__ import annotations

from ... import core
from .. import layout as L
from ..cells import page
from ..style import CONTRACTS, FEE_RATE, PRICE, QTY, USD
from .context import Context


def write(c: Context, ps) -> None:
    """A worked PnL example: the first holding hedged over the funding history."""
    n, f = c.n, c.f
    ps.set_column("A:A", 34)
    ps.set_column("B:B", 22)
    ps.set_column("D:D", 20)
    ps.set_column("E:E", 18)
    p = n.pnl
    if p is None:
        ps.write("A1", "No funding history was given, so there is no PnL example.",
                 f("note"))
        page(ps)
        return
    ps.write("A1", f"Hedged {p['asset']} over the funding history: entry at the first "
                   "mark price, exit at the last.", f("note"))
    _inputs(c, ps, p)
    _breakdown(c, ps, p)
    page(ps)


def _inputs(c: Context, ps, p: dict) -> None:
    """The example's inputs and legs in B3:B12, in this order (the formulas refer to
    them)."""
    d, w, f = c.d, c.w, c.f
    coin = c.funding_coin()
    r = p["row"] + L.HOLDINGS_FIRST_ROW  # Holdings row of the holding
    H = L.HOLDINGS_COLS
    fl = len(d.funding.mark_price) + L.FUNDING_FIRST_ROW - 1
    F = L.FUNDING_COLS
    marks = L.column_range(L.FUNDING, F["mark"], fl, L.FUNDING_FIRST_ROW).replace("$", "")
    rates = L.column_range(L.FUNDING, F["rate"], fl, L.FUNDING_FIRST_ROW).replace("$", "")
    ratio, beta = f"{L.HOLDINGS}!{H['ratio']}{r}", f"{L.HOLDINGS}!{H['beta']}{r}"
    items = [  # (label, formula or None for an input, value, number format)
        (f"Spot quantity ({p['asset']})", None, p["qty"], QTY),       # B3
        ("Spot entry price (USD)", None, p["entry"], PRICE),                         # B4
        ("Spot exit price (USD)", None, p["exit"], PRICE),                           # B5
        ("Contract", None, p["contract"], None),                                     # B6
        ("Contracts (sized at entry)",                                               # B7
         f"=HEDGE_CONTRACTS(B3*B4,B6,{ratio},{beta},B4)", p["contracts"], CONTRACTS),
        ("Futures entry price (USD)", "=B4", p["entry"], PRICE),                     # B8
        ("Futures exit price (USD)", "=B5", p["exit"], PRICE),                       # B9
        ("Fee rate (taker)", '=HEDGE_SPEC(B6,"taker_fee")', p["fee_rate"], FEE_RATE),  # B10
        (f"Funding received ({coin})", f"=HEDGE_FUNDING(B7,B6,{marks},{rates})",     # B11
         p["funding_coin"], c.funding_format()),
        (f"Fees, open and close ({coin})",                                           # B12
         "=HEDGE_FEE(B7,B8,B6,B10)+HEDGE_FEE(B7,B9,B6,B10)", p["fees_coin"],
         c.funding_format()),
    ]
    top = L.PNL_INPUTS_ROW - 1
    ps.write(top - 1, 0, "Inputs and legs", f("head"))
    ps.write(top - 1, 1, "", f("head"))
    for i, (label, formula, value, num) in enumerate(items):
        ps.write(top + i, 0, label)
        if formula is None:
            if isinstance(value, str):
                ps.write_string(top + i, 1, value, f("input"))
            else:
                ps.write_number(top + i, 1, value, f("input", num))
        else:
            w.cell(ps, top + i, 1, formula, value, f("calc", num))
    ps.data_validation("B4:B5", {"validate": "decimal", "criteria": ">", "value": 0,
                                 "error_message": "A price must be > 0 (USD per coin)."})
    keys = L.column_range(L.CONTRACTS, "A", len(d.contracts) + L.CONTRACTS_FIRST_ROW - 1,
                          L.CONTRACTS_FIRST_ROW)
    ps.data_validation("B6", {"validate": "list", "source": f"={keys}"})


def _breakdown(c: Context, ps, p: dict) -> None:
    """The PnL breakdown in USD: spot, futures, funding, fees and net."""
    w, f = c.w, c.f
    coin = c.funding_coin()
    labels_row, labels_col = L.cell(L.PNL_PARTS_LABELS.split(":")[0])
    ps.write(labels_row - 1, labels_col, "PnL breakdown", f("head"))
    ps.write(labels_row - 1, labels_col + 1, "USD", f("head"))
    # the funding and fees legs are in the settlement currency: coin is valued at the exit
    # price, USDT counted at 1 USD (never turned into coin and back)
    linear = core.get_contract(p["contract"]).linear
    to_usd = "" if linear else "*B9"
    parts = [
        ("Spot", "=B3*(B5-B4)", p["spot"]),
        ("Futures", '=HEDGE_PNL(B7,B8,B9,B6,"usd")', p["futures"]),
        ("Funding", f"=B11{to_usd}", p["funding"]),
        ("Fees", f"=-B12{to_usd}", -p["fees"]),
        ("Net", "=HEDGE_NET_PNL(B3,B4,B5,B7,B8,B9,B6,B11,B12)", p["net"]),
    ]
    for i, (label, formula, value) in enumerate(parts):
        ps.write(labels_row + i, labels_col, label, f("label"))
        w.cell(ps, labels_row + i, labels_col + 1, formula, value, f("calc", USD))
    ps.write(labels_row + len(parts) + 1, labels_col,
             f"{coin} amounts are counted at 1 USD." if linear else
             f"{coin} amounts are valued at the futures exit price.", f("note"))
