"""Contracts: the presets, as an editable-looking table the HEDGE_* calls can be checked
against."""

from __future__ import annotations

import numpy as np

from .. import layout as L
from ..cells import page
from .context import Context

COLUMNS = ["key", "venue", "symbol", "type", "face_usd", "size_coin", "coin", "settle", "lot",
           "tick", "taker_fee", "maker_fee", "maint_margin", "funding_hours", "margin_model",
           "liq_round"]
NUMBER_FORMATS = {"face_usd": "#,##0.##", "size_coin": "0.########", "lot": "0.########",
                  "tick": "0.########", "taker_fee": "0.000%", "maker_fee": "0.000%",
                  "maint_margin": "0.00%", "funding_hours": "0"}


def write(c: Context, cs) -> None:
    f = c.f
    nkeys = len(c.d.contracts)
    cs.add_table(0, 0, nkeys, len(COLUMNS) - 1, {
        "name": L.CONTRACTS_TABLE, "style": "Table Style Light 9",
        "columns": [{"header": x, "header_format": f("head")} for x in COLUMNS]})
    cs.freeze_panes(1, 1)
    cs.set_column(0, 0, 24)
    cs.set_column(1, 2, 15)
    for j, name in enumerate(COLUMNS[3:], start=3):  # each header whole (bold: + 3)
        cs.set_column(j, j, max(10, len(name) + 3))
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
