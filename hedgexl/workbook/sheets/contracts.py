"""Contracts: the presets, as an editable-looking table the HEDGE_* calls can be checked
against."""

from __future__ import annotations

import numpy as np

from .. import layout as L
from ..cells import page, table
from ..style import FACE_USD, FEE_RATE, PCT, SIZE, WHOLE
from .context import Context

COLUMNS = ["key", "venue", "symbol", "type", "face_usd", "size_coin", "coin", "settle", "lot",
           "tick", "taker_fee", "maker_fee", "maint_margin", "funding_hours", "margin_model",
           "liq_round"]
NUMBER_FORMATS = {"face_usd": FACE_USD, "size_coin": SIZE, "lot": SIZE,
                  "tick": SIZE, "taker_fee": FEE_RATE, "maker_fee": FEE_RATE,
                  "maint_margin": PCT, "funding_hours": WHOLE}


#: Each column's width: the key and its venue and symbol, then each header whole (bold: + 3).
WIDTHS = {"key": 24, "venue": 15, "symbol": 15,
          **{k: max(10, len(k) + 3) for k in COLUMNS[3:]}}


def write(c: Context, cs) -> None:
    f = c.f
    nkeys = len(c.d.contracts)
    table(cs, f("head"), L.CONTRACTS_TABLE, {k: L.col_name(j) for j, k in enumerate(COLUMNS)},
          {k: k for k in COLUMNS}, WIDTHS, nkeys, head_height=None, freeze=(1, 1))
    for i, spec in enumerate(c.d.contracts):
        for j, col in enumerate(COLUMNS):
            v = getattr(spec, col)
            if isinstance(v, float):
                if np.isfinite(v):
                    cs.write_number(i + 1, j, v, f("input", NUMBER_FORMATS.get(col)))
                else:
                    cs.write_blank(i + 1, j, None, f("input"))
            else:
                cs.write_string(i + 1, j, str(v), f("input"))
    cs.write(nkeys + 2, 0, "Presets from hedgexl's contracts file (and any file you "
                           "loaded). The HEDGE_* functions read hedgexl's presets; to "
                           "change one, edit a contracts file and load it with --contracts.",
             f("note"))
    page(cs)
