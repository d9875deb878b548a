"""The venues hedgexl fetches from, and how a ``VENUE:SYMBOL`` key maps onto ccxt.

hedgexl writes no exchange client of its own: every request goes through **ccxt**. This
module knows which ccxt exchange serves each venue and kind of market, and turns a key such
as ``BINANCE:BTCUSD_PERP`` (the venue's own symbol, as in ``contracts.csv``) or
``BINANCE:BTC/USD:BTC`` (ccxt's unified symbol) into one ccxt market.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..core import contracts as _contracts
from .client import API_KEY_ENV, Client, MarketError, NoSuchMarket  # noqa: F401

__all__ = ["VENUES", "Venue", "venue_of", "split_key", "MarketRef", "resolve_market",
           "API_KEY_ENV"]


@dataclass(frozen=True)
class Venue:
    """One venue: its label and the ccxt exchange id for each kind of market (None: ccxt
    has none). ``options`` are ccxt options that keep ``load_markets`` to the markets
    hedgexl reads (fewer requests)."""

    key: str
    label: str
    inverse: str | None
    linear: str | None
    spot: str | None
    options: tuple = ()
    missing: str = ""  # why the venue cannot be fetched, when it cannot


#: The venues of ``contracts.csv``. BitMEX: ccxt 4.5 ships no bitmex exchange.
VENUES = {v.key: v for v in [
    Venue("BINANCE", "Binance", "binancecoinm", "binanceusdm", "binance",
          (("binance", "fetchMarkets", {"types": ["spot"]}),)),
    Venue("BYBIT", "Bybit", "bybit", "bybit", "bybit",
          (("bybit", "fetchMarkets", {"types": ["linear", "inverse"]}),)),
    Venue("OKX", "OKX", "okx", "okx", "okx",
          (("okx", "fetchMarkets", {"types": ["swap"]}),)),
    Venue("DERIBIT", "Deribit", "deribit", "deribit", None),
    Venue("KRAKEN", "Kraken Futures", "krakenfutures", "krakenfutures", "kraken"),
    Venue("BITMEX", "BitMEX", None, None, None,
          missing="the installed ccxt has no BitMEX exchange; fetch BitMEX data by hand "
                  "(see docs/market-data.md)"),
]}

def split_key(key: str) -> tuple[str, str]:
    """``("BINANCE", "BTCUSD_PERP")`` of ``"binance:BTCUSD_PERP"``; refuses a key without a
    venue."""
    text = str(key).strip()
    venue, sep, symbol = text.partition(":")
    if not sep or not venue or not symbol:
        raise MarketError(f"{text!r}: give a contract as VENUE:SYMBOL, e.g. "
                          f"BINANCE:BTCUSD_PERP or OKX:BTC-USD-SWAP")
    return venue.strip().upper(), symbol.strip()


def venue_of(name: str) -> Venue:
    v = VENUES.get(str(name).strip().upper())
    if v is None:
        raise MarketError(f"unknown venue {name!r}; hedgexl fetches from "
                          f"{', '.join(k for k in VENUES)}")
    if v.missing:
        raise MarketError(f"{v.label}: {v.missing}")
    return v


def _kind(venue: Venue, symbol: str) -> str:
    """``inverse`` or ``linear``: from the preset when there is one, else from a unified
    symbol's settlement coin, else from the venue's naming."""
    try:
        spec = _contracts.get_contract(f"{venue.key}:{symbol}")
        if not spec.face_only:
            return spec.type
    except (KeyError, ValueError):
        pass
    if "/" in symbol:  # BTC/USD:BTC
        base = symbol.split("/")[0]
        settle = symbol.partition(":")[2].split("-")[0]
        return "inverse" if settle.upper() == base.upper() else "linear"
    s = symbol.upper()
    if venue.key == "BINANCE":
        return "inverse" if "USD_" in s else "linear"
    if venue.key == "OKX":
        return "inverse" if "-USD-" in s else "linear"
    if venue.key == "BYBIT":
        return "linear" if s.endswith(("USDT", "USDC")) else "inverse"
    if venue.key == "KRAKEN":
        return "inverse" if s.startswith("PI_") else "linear"
    return "inverse"


@dataclass
class MarketRef:
    """A key resolved to one ccxt market of one client."""

    key: str  # as the user wrote it, upper-cased venue
    venue: Venue
    client: Client
    market: dict

    @property
    def symbol(self) -> str:  # ccxt's unified symbol
        return self.market["symbol"]

    @property
    def kind(self) -> str:  # "inverse" or "linear", as the venue's market list says
        return "inverse" if self.market.get("inverse") else "linear"


def resolve_market(key: str, clients) -> MarketRef:
    """The ccxt market of ``key``; ``clients`` is a :class:`~hedgexl.market.client.Clients`.
    An unknown symbol is refused with the venue's nearest symbols."""
    vname, symbol = split_key(key)
    venue = venue_of(vname)
    kind = _kind(venue, symbol)
    ex_id = getattr(venue, kind)
    if ex_id is None:
        raise MarketError(f"{venue.label}: ccxt has no {kind} markets")
    client = clients.get(venue, ex_id)
    markets = client.markets()
    m = markets.get(symbol)  # unified
    if m is None:
        by_id = client.markets_by_id()
        m = by_id.get(symbol) or by_id.get(symbol.upper())
    if m is None:
        ids = sorted(client.markets_by_id())
        near = difflib.get_close_matches(symbol.upper(), ids, n=3, cutoff=0.5)
        hint = f" (nearest: {', '.join(near)})" if near else ""
        raise NoSuchMarket(f"{venue.key}:{symbol}: {client.label} lists no such contract"
                          f"{hint}")
    return MarketRef(f"{venue.key}:{symbol}", venue, client, m)
