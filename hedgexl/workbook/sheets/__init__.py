"""One small function per sheet. Each takes a :class:`Context` and fills its sheet; every
cross-sheet reference is built from :mod:`hedgexl.workbook.layout`."""

from . import (beta, conf, contracts, dashboard, funding, holdings, pnl, positions,
               scenarios, trades)
from .context import Context

#: Sheet name -> the function that writes it, in no particular order (the writer follows
#: :data:`hedgexl.workbook.layout.SHEETS`).
WRITERS = {
    "Dashboard": dashboard.write, "Holdings": holdings.write, "Contracts": contracts.write,
    "Funding": funding.write, "Scenarios": scenarios.write, "PnL": pnl.write,
    "Beta": beta.write, "xlwings.conf": conf.write, "Trades": trades.write,
    "Positions": positions.write,
}

__all__ = ["Context", "WRITERS"]
