"""The trade ticket: today's trades as a CSV a desk can place, one row per account and
contract (``hedgexl ticket``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..book import Book
from ..files import check_target, write_text
from ..inputs.positions import no_positions
from .batch import csv_safe
from .report import ReportOptions, load_shared, prepare_day, read_own

__all__ = ["TICKET_COLUMNS", "ticket_book", "write_ticket", "format_ticket"]

TICKET_COLUMNS = ["account", "contract", "current_contracts", "target_contracts",
                  "trade_contracts", "side", "price_usd", "notional_usd", "est_fee",
                  "fee_currency", "note"]


def ticket_book(holdings_path, opts: ReportOptions) -> Book:
    """The book of one holdings file and ``opts.positions``; without positions, nothing is
    held yet (a first hedge) and the trades are the whole target."""
    funding, prices, _, pos = load_shared(opts)
    h, pos = read_own(holdings_path, opts, pos)
    if pos is None:
        pos = no_positions("(no --positions: nothing held yet)")
    day = prepare_day(h, opts, funding, prices, pos)
    said = day.warnings + [n for n in day.notes
                           if "target weight" in n and n not in day.warnings]
    day.book.notes[:0] = [w for w in said if w not in day.book.notes]  # said first
    return day.book


def _rows(book: Book):
    t = book.trades
    for i in range(len(t)):
        yield [t.account[i], t.contract[i], float(t.current[i]), float(t.target[i]),
               float(t.trade[i]), t.side[i], round(float(t.price[i]), 8),
               round(float(t.notional_usd[i]), 2), round(float(t.fee[i]), 10),
               t.fee_currency[i], t.note[i]]


def write_ticket(book: Book, path, *, inputs=(), force: bool = False) -> Path:
    """The ticket as CSV, written atomically; never over an input, and over an existing
    file only with ``force``."""
    p = check_target(path, inputs=inputs, force=force)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TICKET_COLUMNS)
    for row in _rows(book):
        w.writerow([csv_safe(v) for v in row])
    return write_text(p, buf.getvalue(), force=force, newline="")


def format_ticket(book: Book) -> str:
    """The trades to place, as a table for a terminal."""
    t = book.trades
    lines = [f"{'account':<16} {'contract':<22} {'side':<5} {'contracts':>12} "
             f"{'notional USD':>14} {'est. fee':>14}"]
    for i in range(len(t)):
        if t.trade[i] == 0:
            continue
        lines.append(f"{t.account[i][:16]:<16} {t.contract[i][:22]:<22} {t.side[i]:<5} "
                     f"{t.trade[i]:>12,.6g} {t.notional_usd[i]:>14,.2f} "
                     f"{t.fee[i]:>10.6f} {t.fee_currency[i]}")
    if len(lines) == 1:
        lines.append("no trades: every contract is on target"
                     + (f" (within the {book.band:.0%} band)" if book.band else ""))
    return "\n".join(lines)
