"""Holdings: one row per holding, its hedge sized by HEDGE_NOTIONAL / HEDGE_CONTRACTS /
HEDGE_RESIDUAL, and the notes on the inputs underneath."""

from __future__ import annotations

import numpy as np

from .. import layout as L
from ..cells import page, table
from ..style import CONTRACTS, DEC2, PCT, PRICE, QTY, USD
from .context import Context

#: The table's columns (keys of layout.HOLDINGS_COLS), their headings and widths; the hedge
#: price only where a contract is linear.
HEADS = {"asset": "Asset", "quantity": "Quantity (coin)", "price": "Price (USD)",
         "beta": "Beta", "ratio": "Hedge ratio", "contract": "Contract",
         "value": "Spot value (USD)", "notional": "Hedge notional (USD)",
         "contracts": "Contracts", "residual": "Residual (USD)", "coverage": "Coverage",
         "hedge_price": "Hedge price (USD)"}
WIDTHS = {"asset": 8, "quantity": 14, "price": 14, "beta": 7, "ratio": 10, "contract": 24,
          "value": 16, "notional": 18, "contracts": 12, "residual": 14, "coverage": 10,
          "hedge_price": 16}


def write(c: Context, hs) -> None:
    """The holdings and each one's hedge (HEDGE_NOTIONAL, HEDGE_CONTRACTS,
    HEDGE_RESIDUAL), the inputs checked by data validation, and the notes."""
    d = c.d
    last = c.holdings_last_row
    heads = _head(c, hs)
    col = {k: L.col_index(v) for k, v in L.HOLDINGS_COLS.items()}
    _rows(c, hs, col)
    _validations(c, hs, col, last)
    if len(d.holdings) > L.HOLDINGS_CHART_TOP:
        _chart_data(c, hs)
        hs.print_area(0, 0, last + 4 + len(d.notes), len(heads) - 1)
    hs.write(last + 1, 0, "Contracts are signed: negative is short. Residual: USD left "
                          "unhedged by rounding to the lot (+ under-hedged).", c.f("note"))
    if d.notes:  # each note across the table's width, wrapped, so that it prints whole
        hs.write(last + 3, 0, "Notes on these holdings", c.f("label"))
        wrap = c.f("note", text_wrap=True, valign="top")
        for i, line in enumerate(d.notes):
            hs.merge_range(last + 4 + i, 0, last + 4 + i, len(heads) - 1, "", wrap)
            hs.write_string(last + 4 + i, 0, line, wrap)
            hs.set_row(last + 4 + i, 13.5 * (1 + len(line) // 150))
    page(hs, rows=last + 4 + len(d.notes))


def _head(c: Context, hs) -> list[str]:
    """The table and its header (a hedge price column where a contract is linear)."""
    cols = {k: v for k, v in L.HOLDINGS_COLS.items()  # linear: sized at the coin's price
            if k != "hedge_price" or c.n.any_linear}
    table(hs, c.f("head"), L.HOLDINGS_TABLE, cols, HEADS, WIDTHS, len(c.d.holdings),
          freeze=(1, 1))
    return [HEADS[k] for k in cols]


def _rows(c: Context, hs, col: dict) -> None:
    """One row per holding, each cell written once: linear in the rows."""
    d, n, w, f = c.d, c.n, c.w, c.f
    h = d.holdings
    C = L.HOLDINGS_COLS
    given = d.hedge_ratio_given if d.hedge_ratio_given is not None else \
        np.ones(len(h), bool)
    f_text, f_qty, f_price = f("input"), f("input", QTY), f("input", PRICE)
    f_beta, f_ratio, f_usd = f("input", DEC2), f("input", PCT), f("calc", USD)
    f_hp, f_ct, f_pct = f("calc", PRICE), f("calc", CONTRACTS), f("calc", PCT)
    cols = [a.tolist() for a in (h.quantity, h.price, h.beta, h.hedge_ratio, n.value,
                                 n.notional, n.contracts, n.residual, n.coverage,
                                 n.hedge_price)]
    qty, price, beta, ratio, value, notional, contracts, residual, coverage, hprice = cols
    first = L.HOLDINGS_FIRST_ROW - 1  # 0-based row of the first holding
    spilled = w.live and len(h) > L.HOLDINGS_SPILL_ROWS
    if spilled:
        _spilled(c, hs, col, {"notional": (notional, f_usd), "contracts": (contracts, f_ct),
                              "residual": (residual, f_usd)})
    for i in range(len(h)):
        r = first + i
        x = {k: f"{v}{r + 1}" for k, v in C.items()}  # this row's cells, A1
        hs.write_string(r, col["asset"], h.asset[i], f_text)
        hs.write_number(r, col["quantity"], qty[i], f_qty)
        hs.write_number(r, col["price"], price[i], f_price)
        hs.write_number(r, col["beta"], beta[i], f_beta)
        if given[i]:
            hs.write_number(r, col["ratio"], ratio[i], f_ratio)
        else:
            w.cell(hs, r, col["ratio"], f"={L.DEFAULT_HEDGE_RATIO}", ratio[i], f_ratio)
        hs.write_string(r, col["contract"], h.contract[i], f_text)
        w.cell(hs, r, col["value"], f"={x['quantity']}*{x['price']}", value[i], f_usd)
        hp = ""
        if n.any_linear:
            hp = f",{x['hedge_price']}"
            j = n.hedge_price_row[i]
            if j is None:
                hs.write_blank(r, col["hedge_price"], None, f_hp)
            else:
                w.cell(hs, r, col["hedge_price"], f"={C['price']}{first + j + 1}",
                       hprice[i], f_hp)
        if not spilled:
            args = f"{x['value']},{x['ratio']},{x['beta']}"
            sized = f"{x['value']},{x['contract']},{x['ratio']},{x['beta']}{hp}"
            w.cell(hs, r, col["notional"], f"=HEDGE_NOTIONAL({args})", notional[i], f_usd)
            w.cell(hs, r, col["contracts"], f"=HEDGE_CONTRACTS({sized})", contracts[i],
                   f_ct)
            w.cell(hs, r, col["residual"], f"=HEDGE_RESIDUAL({sized})", residual[i], f_usd)
        w.cell(hs, r, col["coverage"], f"=IF({x['value']}=0,0,({x['notional']}-"
                                       f"{x['residual']})/{x['value']})", coverage[i], f_pct)


def _spilled(c: Context, hs, col: dict, values: dict) -> None:
    """A large live book's hedge: one HEDGE_SIZE over the whole columns (notional,
    contracts and residual: each input converted once a recalculation), spilling into
    hidden helper columns; the table's cells refer to them (see
    :meth:`~hedgexl.workbook.cells.CellWriter.spill`)."""
    C, S = L.HOLDINGS_COLS, L.HOLDINGS_SPILL_COLS
    first, last = L.HOLDINGS_FIRST_ROW, c.holdings_last_row

    def rng(k):
        return f"{C[k]}{first}:{C[k]}{last}"
    # an inverse row's hedge price cell is blank (it needs none): its own price stands in,
    # which its contract ignores, so that no row of the range is blank
    hp = f",IF({rng('hedge_price')}=\"\",{rng('price')},{rng('hedge_price')})" \
        if c.n.any_linear else ""
    formula = f"=HEDGE_SIZE({rng('value')},{rng('contract')},{rng('ratio')},{rng('beta')}{hp})"
    keys = ("notional", "contracts", "residual")
    block = np.column_stack([np.asarray(values[k][0], float) for k in keys])
    c.w.spill(hs, first - 1, col["notional"], formula, block, [values[k][1] for k in keys],
              L.col_index(S["notional"]))


def _chart_data(c: Context, hs) -> None:
    """The coverage chart's data for a large book: the largest holdings by spot value, each
    a reference to its row, and the rest as one "other" (the totals less those)."""
    n, w, f = c.n, c.w, c.f
    H, X = L.HOLDINGS_COLS, L.HOLDINGS_CHART_COLS
    top = [int(i) for i in np.argsort(-n.value, kind="stable")[:L.HOLDINGS_CHART_TOP]]
    col = {k: L.col_index(v) for k, v in X.items()}
    for k, head in (("label", "Chart: holding"), ("value", "Spot value (USD)"),
                    ("notional", "Hedge notional (USD)")):
        hs.write(0, col[k], head, f("head"))
    for j, i in enumerate(top, start=1):
        r = i + L.HOLDINGS_FIRST_ROW  # Excel row of the holding
        w.cell(hs, j, col["label"], f"={H['asset']}{r}", c.d.holdings.asset[i], f("calc"))
        for k in ("value", "notional"):
            w.cell(hs, j, col[k], f"={H[k]}{r}", float(getattr(n, k)[i]), f("calc", USD))
    j = len(top) + 1
    hs.write(j, col["label"], f"Other ({len(n.value) - len(top)} holdings)", f("calc"))
    for k in ("value", "notional"):
        arr = getattr(n, k)
        w.cell(hs, j, col[k], f"=SUM({c.holdings_col(k)})-SUM({X[k]}2:{X[k]}{j})",
               float(arr.sum() - arr[top].sum()), f("calc", USD))
    hs.set_column(col["label"], col["label"], 18)
    hs.set_column(col["value"], col["notional"], 16)


def _validations(c: Context, hs, col: dict, last: int) -> None:
    """What Excel checks as a user types: hedge ratio, price, a contract of the table."""
    first = L.HOLDINGS_FIRST_ROW - 1
    hs.data_validation(first, col["ratio"], last - 1, col["ratio"], {
        "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 2,
        "error_title": "Hedge ratio", "error_message": "Between 0 and 2 (0 % to 200 %)."})
    hs.data_validation(first, col["price"], last - 1, col["price"], {
        "validate": "decimal", "criteria": ">", "value": 0, "error_title": "Price",
        "error_message": "A price must be greater than 0 (USD per coin)."})
    keys = L.contract_keys(len(c.d.contracts))
    hs.data_validation(first, col["contract"], last - 1, col["contract"], {
        "validate": "list", "source": f"={keys}",
        "error_title": "Contract", "error_message": "Pick a contract from the Contracts "
                                                    "sheet (add yours there first)."})
