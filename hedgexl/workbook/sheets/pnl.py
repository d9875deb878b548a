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
    """The example's inputs and legs down column B, in layout's PNL_ITEMS order (the
    formulas refer to them by name)."""
    d, w, f = c.d, c.w, c.f
    coin = c.funding_coin()
    r = p["row"] + L.HOLDINGS_FIRST_ROW  # Holdings row of the holding
    H = L.HOLDINGS_COLS
    fl = len(d.funding.mark_price) + L.FUNDING_FIRST_ROW - 1
    F = L.FUNDING_COLS
    marks = L.column_range(L.FUNDING, F["mark"], fl, L.FUNDING_FIRST_ROW).replace("$", "")
    rates = L.column_range(L.FUNDING, F["rate"], fl, L.FUNDING_FIRST_ROW).replace("$", "")
    ratio, beta = f"{L.HOLDINGS}!{H['ratio']}{r}", f"{L.HOLDINGS}!{H['beta']}{r}"
    a = {k: L.pnl_cell(k) for k in L.PNL_ITEMS}
    items = [  # (label, formula or None for an input, value, number format), as PNL_ITEMS
        (f"Spot quantity ({p['asset']})", None, p["qty"], QTY),
        ("Spot entry price (USD)", None, p["entry"], PRICE),
        ("Spot exit price (USD)", None, p["exit"], PRICE),
        ("Contract", None, p["contract"], None),
        ("Contracts (sized at entry)", f"=HEDGE_CONTRACTS({a['qty']}*{a['entry']},"
         f"{a['contract']},{ratio},{beta},{a['entry']})", p["contracts"], CONTRACTS),
        ("Futures entry price (USD)", f"={a['entry']}", p["entry"], PRICE),
        ("Futures exit price (USD)", f"={a['exit']}", p["exit"], PRICE),
        ("Fee rate (taker)", f'=HEDGE_SPEC({a["contract"]},"taker_fee")', p["fee_rate"],
         FEE_RATE),
        (f"Funding received ({coin})",
         f"=HEDGE_FUNDING({a['contracts']},{a['contract']},{marks},{rates})",
         p["funding_coin"], c.funding_format()),
        (f"Fees, open and close ({coin})",
         f"=HEDGE_FEE({a['contracts']},{a['futures_entry']},{a['contract']},{a['fee_rate']})"
         f"+HEDGE_FEE({a['contracts']},{a['futures_exit']},{a['contract']},{a['fee_rate']})",
         p["fees_coin"], c.funding_format()),
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
    ps.data_validation(f"{a['entry']}:{a['exit']}", {
        "validate": "decimal", "criteria": ">", "value": 0,
        "error_message": "A price must be > 0 (USD per coin)."})
    keys = L.contract_keys(len(d.contracts))
    ps.data_validation(a["contract"], {"validate": "list", "source": f"={keys}"})


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
    a = {k: L.pnl_cell(k) for k in L.PNL_ITEMS}
    to_usd = "" if linear else f"*{a['futures_exit']}"
    net = ",".join(a[k] for k in ("qty", "entry", "exit", "contracts", "futures_entry",
                                  "futures_exit", "contract", "funding", "fees"))
    parts = [
        ("Spot", f"={a['qty']}*({a['exit']}-{a['entry']})", p["spot"]),
        ("Futures", f"=HEDGE_PNL({a['contracts']},{a['futures_entry']},{a['futures_exit']},"
                    f'{a["contract"]},"usd")', p["futures"]),
        ("Funding", f"={a['funding']}{to_usd}", p["funding"]),
        ("Fees", f"=-{a['fees']}{to_usd}", -p["fees"]),
        ("Net", f"=HEDGE_NET_PNL({net})", p["net"]),
    ]
    for i, (label, formula, value) in enumerate(parts):
        ps.write(labels_row + i, labels_col, label, f("label"))
        w.cell(ps, labels_row + i, labels_col + 1, formula, value, f("calc", USD))
    ps.write(labels_row + len(parts) + 1, labels_col,
             f"{coin} amounts are counted at 1 USD." if linear else
             f"{coin} amounts are valued at the futures exit price.", f("note"))
