"""``hedgexl options``: read the holdings and an option chain, size a put and a collar for
each holding beside its perpetual hedge, write the workbook and say what each costs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..book.protection import DEFAULT_MONEYNESS, ProtectionBook, protect
from ..files import check_target
from ..inputs import example_path, read_funding_all, read_holdings
from ..inputs.options import read_option_chain
from ..workbook.options import write_options

__all__ = ["OptionsOptions", "options_file", "EXAMPLE"]

#: The bundled example: the desk's holdings and Deribit's BTC chain of 2025-12-05.
EXAMPLE = {"holdings": "desk_holdings.csv", "chain": "options_btc_2025-12-05.csv"}


@dataclass(frozen=True)
class OptionsOptions:
    chain: str | None = None
    expiry: str | None = None
    moneyness: float = DEFAULT_MONEYNESS
    put_delta: float | None = None
    funding: str | None = None
    decimal: str | None = None
    delimiter: str | None = None
    force: bool = False


def options_file(holdings, out, opts: OptionsOptions) -> tuple[ProtectionBook, Path]:
    """Run ``hedgexl options`` on files (the bundled desk and chain when ``holdings`` and
    ``opts.chain`` are None); return the comparison and the workbook's path."""
    read = {"decimal": opts.decimal, "delimiter": opts.delimiter}
    holdings = holdings or example_path(EXAMPLE["holdings"])
    chain_path = opts.chain or example_path(EXAMPLE["chain"])
    inputs = [("holdings file", str(holdings)), ("option chain", str(chain_path))] + \
        ([("funding file", str(opts.funding))] if opts.funding else [])
    out = check_target(out, inputs=inputs, force=opts.force)
    h = read_holdings(holdings, **read)
    chain = read_option_chain(chain_path, **read)
    funding = read_funding_all(opts.funding, **read) if opts.funding else None
    pb = protect(h, chain, expiry=opts.expiry, moneyness=opts.moneyness,
                 put_delta=opts.put_delta, funding=funding)
    pb.notes[:0] = h.warnings
    title = f"Protecting {Path(str(holdings)).stem} with options"
    return pb, write_options(pb, out, title=title, force=opts.force)
