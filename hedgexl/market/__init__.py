"""Market data from the venues through ccxt: prices, funding histories, contract specs and
margin tiers, into the files and cells hedgexl reads. Needs the ``data`` extra (ccxt).

Layers: :mod:`.venues` maps ``VENUE:SYMBOL`` keys to ccxt markets, :mod:`.client` wraps
one ccxt exchange (retries, API base, one-line errors), :mod:`.history` pages histories
without gaps, :mod:`.fetch` writes the files.
"""

from .client import Clients, MarketError
from .venues import VENUES, resolve_market

__all__ = ["Clients", "MarketError", "VENUES", "resolve_market"]
