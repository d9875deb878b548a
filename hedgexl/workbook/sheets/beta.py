"""Beta: the price history (a data table) and each asset's beta and hedge effectiveness
against the benchmark (HEDGE_BETA, HEDGE_EFFECTIVENESS); beside it, each holding's best
single contract coin and best two-coin mix (HEDGE_MV_WEIGHTS)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from .. import layout as L
from ..cells import page
from ..style import DATE, DEC3, PRICE
from .context import Context


def write(c: Context, bs) -> None:
    d, n, w, f = c.d, c.n, c.w, c.f
    if not (d.prices and d.price_dates):
        bs.write("A1", "No price history was given (see --prices).", f("note"))
        page(bs)
        return
    names = list(d.prices)
    npx = len(d.price_dates)
    first = L.BETA_FIRST_ROW
    bl = npx + first - 1  # Excel row of the last date
    bs.write("A1", f"Beta and hedge effectiveness (R²) of daily returns against "
                   f"{d.benchmark}; blank cells are gaps.", f("note"))
    bs.write("A2", "Beta", f("label"))
    bs.write("A3", "Effectiveness (R²)", f("label"))
    bs.write(first - 2, 0, "Date", f("head"))
    bcol = L.col_name(names.index(d.benchmark) + 1)
    bref = f"{bcol}{first}:{bcol}{bl}"
    f_price = f("input", PRICE)
    for j, a in enumerate(names):
        col = j + 1
        letter = L.col_name(col)
        bs.write(first - 2, col, f"{a} (USD)", f("head"))
        cref = f"{letter}{first}:{letter}{bl}"
        if a != d.benchmark and a in n.betas and n.betas[a][0] is not None:
            w.cell(bs, 1, col, f"=HEDGE_BETA({cref},{bref})", n.betas[a][0],
                   f("calc", DEC3))
            w.cell(bs, 2, col, f"=HEDGE_EFFECTIVENESS({cref},{bref})", n.betas[a][1],
                   f("calc", DEC3))
        elif a == d.benchmark:
            bs.write(1, col, "benchmark", f("note"))
        for i in range(npx):
            v = d.prices[a][i]
            if np.isfinite(v):
                bs.write_number(first - 1 + i, col, float(v), f_price)
    for i, dd in enumerate(d.price_dates):
        try:
            bs.write_datetime(first - 1 + i, 0, dt.datetime.fromisoformat(dd),
                              f("input", DATE))
        except ValueError:
            bs.write_string(first - 1 + i, 0, dd, f("input"))
    _mixes(c, bs, names, first, bl)
    bs.set_column(0, 0, 12)
    bs.set_column(1, len(names), 13)
    bs.freeze_panes(first - 1, 1)
    page(bs)


def _mixes(c: Context, bs, names, first, bl) -> None:
    """Each holding's best single contract coin and the best two together, to the right of
    the prices; in a live workbook each number is the formula that gives it."""
    n, w, f = c.n, c.w, c.f
    if not n.mixes:
        return
    col0 = len(names) + 1 + L.BETA_MIX_GAP
    head = first - 2
    bs.write(head - 1, col0, "Minimum-variance hedges of each holding on the contracts' "
                             "coins (R²: the share of its daily return variance removed)",
             f("note"))
    for j, h in enumerate(L.BETA_MIX_HEADS):
        bs.write(head, col0 + j, h, f("head"))
    bs.set_row(head, 30)  # "Best single coin" wraps to two lines: room for both

    def rng(name):
        letter = L.col_name(names.index(name) + 1)
        return f"{letter}{first}:{letter}{bl}"
    for i, (asset, m) in enumerate(n.mixes.items()):
        r = head + 1 + i
        coin, beta, r2 = m.single
        bs.write(r, col0, asset, f("label"))
        bs.write(r, col0 + 1, coin)
        w.cell(bs, r, col0 + 2, f"=HEDGE_BETA({rng(asset)},{rng(coin)})", beta,
               f("calc", DEC3))
        w.cell(bs, r, col0 + 3, f"=HEDGE_EFFECTIVENESS({rng(asset)},{rng(coin)})", r2,
               f("calc", DEC3))
        if m.pair is None:
            bs.write(r, col0 + 4, "its own coin" if coin.upper() == asset.upper() else
                     "one coin only", f("note"))
            continue
        (c1, c2), (w1, w2), r2m = m.pair
        bs.write(r, col0 + 4, f"{c1} + {c2}")
        call = f"HEDGE_MV_WEIGHTS({rng(asset)},{rng(c1)},{rng(c2)})"
        for k, (v, row_, col_) in enumerate(((w1, 1, 1), (w2, 2, 1), (r2m, 1, 2))):
            w.cell(bs, r, col0 + 5 + k, f"=INDEX({call},{row_},{col_})", v,
                   f("calc", DEC3))
    bs.set_column(col0, col0 + len(L.BETA_MIX_HEADS) - 1, 12)
