"""One small function per sheet. Each takes a :class:`Context` and fills its sheet; every
cross-sheet reference is built from :mod:`hedgexl.workbook.layout`."""

from . import (beta, conf, contracts, dashboard, funding, holdings, pnl, positions,
               scenarios, trades)
from .. import layout as L
from .context import Context

#: Sheet name -> the function that writes it, in no particular order (the writer follows
#: :data:`hedgexl.workbook.layout.SHEETS`).
WRITERS = {
    L.DASHBOARD: dashboard.write, L.HOLDINGS: holdings.write, L.CONTRACTS: contracts.write,
    L.FUNDING: funding.write, L.SCENARIOS: scenarios.write, L.PNL: pnl.write,
    L.BETA: beta.write, L.XLWINGS_CONF: conf.write, L.TRADES: trades.write,
    L.POSITIONS: positions.write,
}

__all__ = ["Context", "WRITERS"]
