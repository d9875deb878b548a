"""Funding: the funding history (a data table, outside the print area) and the total on
the portfolio's position in the funding contract (HEDGE_FUNDING, HEDGE_FUNDING_SERIES)."""

from __future__ import annotations

from .. import layout as L
from ..cells import page, table, write_time
from ..style import CONTRACTS, DATETIME, PRICE, RATE
from .context import Context

#: The funding table's columns (keys of layout.FUNDING_COLS), their headings and widths.
HEADS = {"time": "Time (UTC)", "contract": "Contract", "mark": "Mark price (USD)",
         "rate": "Funding rate"}
WIDTHS = {"time": 17, "contract": 22, "mark": 12, "rate": 12}
#: Beside it: the running total, the totals' labels (G) and values (H).
BESIDE = {"cumulative": 16, "G": 28, "H": 22}


def write(c: Context, fs) -> None:
    """The funding history the report was given, its total and running total on the
    holdings' position (HEDGE_FUNDING, HEDGE_FUNDING_SERIES)."""
    d, n, w, f = c.d, c.n, c.w, c.f
    for k, width in {**WIDTHS, **BESIDE}.items():
        col = L.col_index(L.FUNDING_COLS.get(k) or k)
        fs.set_column(col, col, width)
    if d.funding is None or n.funding_series is None:
        fs.write("A1", d.funding_note, f("note"))
        page(fs, landscape=False)
        return
    m, marks, rates = _history(c, fs)
    t_col = _totals(c, fs, marks, rates)
    C = L.FUNDING_COLS
    spill_col = L.col_index(L.FUNDING_SPILL_COL)
    w.spill(fs, L.FUNDING_FIRST_ROW - 1, L.col_index(C["cumulative"]),
            f"=HEDGE_FUNDING_SERIES({L.FUNDING_POSITION},{L.FUNDING_CONTRACT},{marks},"
            f"{rates})", n.funding_series.reshape(-1, 1), [f("calc", c.funding_format())],
            helper_col=spill_col)
    if w.live:
        fs.write(0, spill_col, "HEDGE_FUNDING_SERIES spill (hidden)", f("head"))
    fs.print_area(0, 0, m, t_col)
    fs.data_validation(1, L.col_index(C["mark"]), m, L.col_index(C["mark"]), {
        "validate": "decimal", "criteria": ">", "value": 0,
        "error_message": "A mark price must be > 0."})
    page(fs, landscape=False)


def _history(c: Context, fs):
    """The funding table, one row per funding; returns its length and the ranges of its
    marks and rates."""
    fund, f = c.d.funding, c.f
    C = L.FUNDING_COLS
    m = len(fund.mark_price)
    fl = m + L.FUNDING_FIRST_ROW - 1  # Excel row of the last funding row
    table(fs, f("head"), L.FUNDING_TABLE, {k: C[k] for k in HEADS}, HEADS, WIDTHS, m,
          freeze=(1, 0))
    fs.write(0, L.col_index(C["cumulative"]), f"Cumulative funding ({c.funding_coin()})",
             f("head"))
    f_time, f_text = f("input", DATETIME), f("input")
    f_mark, f_rate = f("input", PRICE), f("input", RATE)
    for i in range(m):
        r = i + L.FUNDING_FIRST_ROW - 1
        write_time(fs, r, L.col_index(C["time"]), fund.time[i], f_time, f_text)
        fs.write_string(r, L.col_index(C["contract"]), fund.contract, f_text)
        fs.write_number(r, L.col_index(C["mark"]), float(fund.mark_price[i]), f_mark)
        fs.write_number(r, L.col_index(C["rate"]), float(fund.funding_rate[i]), f_rate)
    return (m, f"{C['mark']}{L.FUNDING_FIRST_ROW}:{C['mark']}{fl}",
            f"{C['rate']}{L.FUNDING_FIRST_ROW}:{C['rate']}{fl}")


def _totals(c: Context, fs, marks: str, rates: str) -> int:
    """The contract, the holdings' position on it and the total funding; returns the
    column of the totals' values."""
    n, w, f = c.n, c.w, c.f
    k_row, k_col = L.cell(L.FUNDING_CONTRACT)
    p_row, p_col = L.cell(L.FUNDING_POSITION)
    t_row, t_col = L.cell(L.FUNDING_TOTAL)
    fs.write(k_row - 1, k_col - 1, "Funding", f("head"))
    fs.write(k_row - 1, k_col, "", f("head"))
    fs.write(k_row, k_col - 1, "Contract", f("label"))
    fs.write_string(k_row, k_col, c.d.funding.contract, f("input"))
    fs.write(p_row, p_col - 1, "Position (contracts, from Holdings)", f("label"))
    w.cell(fs, p_row, p_col, f"=SUMIF({c.holdings_col('contract')},{L.FUNDING_CONTRACT},"
                             f"{c.holdings_col('contracts')})", n.funding_position,
           f("calc", CONTRACTS))
    fs.write(t_row, t_col - 1, f"Total funding ({c.funding_coin()}, + received)", f("label"))
    w.cell(fs, t_row, t_col, f"=HEDGE_FUNDING({L.FUNDING_POSITION},{L.FUNDING_CONTRACT},"
                             f"{marks},{rates})", n.funding_total, f("calc", c.funding_format()))
    fs.write(t_row + 1, t_col - 1, "Positive rate: longs pay shorts, so a short hedge "
                                   "receives it.", f("note"))
    return t_col
