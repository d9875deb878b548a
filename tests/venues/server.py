"""A stand-in for the venues' public REST APIs, on 127.0.0.1, for ccxt to talk to.

Each venue's handler answers the paths ccxt requests, in the venue's documented JSON, and
pages the way the venue pages (Binance: the oldest ``limit`` records from ``startTime``;
OKX: the newest before ``after``; ...). The data comes from the test: funding series and
daily closes. Faults are switched on per test: a number of 429s, a venue that is down, a
hole in the funding history, an answer cut short, a signed endpoint.

URLs: ccxt's ``https://HOST/PATH`` arrives as ``/HOST/PATH`` (``hedgexl fetch --api-base``).
"""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

HOUR = 3_600_000
DAY = 24 * HOUR


@dataclass
class Series:
    """One contract's funding: times (ms), rates, marks (USD)."""

    times: list
    rates: list
    marks: list
    interval_h: int = 8

    def mark_at(self, t: int) -> float:
        """The mark of the last funding at or before ``t`` (a step function)."""
        m = self.marks[0]
        for tt, mm in zip(self.times, self.marks):
            if tt > t:
                break
            m = mm
        return m


@dataclass
class Spec:
    """A contract the venue lists."""

    id: str
    base: str
    quote: str
    settle: str
    size: float  # face in USD (inverse) or coins per contract (linear)
    tick: float
    lot: float
    inverse: bool = True


@dataclass
class State:
    funding: dict = field(default_factory=dict)  # venue id -> Series
    closes: dict = field(default_factory=dict)   # spot pair (BTCUSDT) -> {day ms: close}
    specs: dict = field(default_factory=dict)    # venue id -> Spec
    tiers: dict = field(default_factory=dict)    # venue id -> raw tier records
    too_many: int = 0            # answer the next N requests with 429
    down: bool = False           # every request gets 503
    drop: set = field(default_factory=set)      # funding times (ms) the venue leaves out
    cut_after: int | None = None  # funding history ends at this time (a partial answer)
    broken: str = ""             # a path fragment whose answer is cut mid-JSON
    funding_mark: bool = False   # Binance: funding records carry markPrice
    page_cap: int = 0            # answer at most this many records, whatever the limit
    newest_first: bool = False   # a full window answers its newest records (as OKX does)
    log: list = field(default_factory=list)
    headers: list = field(default_factory=list)


def _q(query: dict, name, default=None, cast=int):
    v = query.get(name)
    return cast(v[0]) if v else default


def _page(state: State, records: list, limit: int) -> list:
    n = min(limit, state.page_cap) if state.page_cap else limit
    return records[-n:] if state.newest_first else records[:n]


def _window(times, start, end):
    return [t for t in times if (start is None or t >= start) and (end is None or t <= end)]


# --- Binance (COIN-M dapi, USDS-M fapi, spot api) -------------------------------------

def _binance_symbol(s: Spec, futures: str):
    filters = [{"filterType": "PRICE_FILTER", "tickSize": repr(s.tick), "minPrice": "0.1",
                "maxPrice": "1000000"},
               {"filterType": "LOT_SIZE", "stepSize": repr(s.lot), "minQty": repr(s.lot),
                "maxQty": "1000000"}]
    rec = {"symbol": s.id, "pair": s.base + s.quote, "status": "TRADING",
           "baseAsset": s.base, "quoteAsset": s.quote, "pricePrecision": 1,
           "quantityPrecision": 0, "filters": filters}
    if futures:
        rec.update({"contractType": "PERPETUAL", "deliveryDate": 4133404800000,
                    "onboardDate": 1597042800000, "contractStatus": "TRADING",
                    "marginAsset": s.settle, "contractSize": s.size,
                    "underlyingType": "COIN"})
    return rec


def binance(state: State, host: str, path: str, q: dict):
    futures = {"dapi.binance.com": "dapi", "fapi.binance.com": "fapi"}.get(host, "")
    prefix = f"/{futures}/v1" if futures else "/api/v3"
    if path == f"{prefix}/exchangeInfo":
        specs = [s for s in state.specs.values()
                 if (futures == "dapi" and s.inverse)
                 or (futures == "fapi" and not s.inverse and s.settle == "USDT"
                     and not s.id.endswith("@spot"))
                 or (not futures and s.id.endswith("@spot"))]
        syms = []
        for s in specs:
            rec = _binance_symbol(s, futures)
            rec["symbol"] = s.id.replace("@spot", "")
            syms.append(rec)
        return {"timezone": "UTC", "serverTime": 0, "rateLimits": [], "symbols": syms}
    sym = _q(q, "symbol", cast=str)
    start, end = _q(q, "startTime"), _q(q, "endTime")
    limit = _q(q, "limit", 100)
    if path == f"{prefix}/fundingRate":
        f = state.funding.get(sym)
        if f is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        out = []
        for t, r, m in zip(f.times, f.rates, f.marks):
            if t in state.drop or (state.cut_after and t > state.cut_after):
                continue
            if (start is None or t >= start) and (end is None or t <= end):
                rec = {"symbol": sym, "fundingTime": t, "fundingRate": f"{r:.8f}"}
                if state.funding_mark:
                    rec["markPrice"] = repr(m)
                out.append(rec)
        return _page(state, out, limit)  # Binance: the oldest `limit` from startTime
    if path in (f"{prefix}/markPriceKlines", f"{prefix}/klines"):
        interval = _q(q, "interval", cast=str)
        step = {"1h": HOUR, "1d": DAY}[interval]
        if path.endswith("markPriceKlines"):
            f = state.funding.get(sym)
            if f is None:
                return 400, {"code": -1121, "msg": "Invalid symbol."}
            first, last = f.times[0] - f.times[0] % step, f.times[-1] + f.interval_h * HOUR
            times = range(first, last, step)
            price = f.mark_at
        else:
            closes = state.closes.get(sym)
            if closes is None:
                return 400, {"code": -1121, "msg": "Invalid symbol."}
            times = sorted(closes)
            price = closes.get
        out = []
        for t in _window(times, start, end)[:limit]:
            p = price(t)
            out.append([t, repr(p), repr(p), repr(p), repr(p), "0", t + step - 1, "0", 0,
                        "0", "0", "0"])
        return out
    if path == f"{prefix}/premiumIndex":
        f = state.funding.get(sym)
        if f is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        rec = {"symbol": sym, "markPrice": repr(f.marks[-1]), "indexPrice": repr(f.marks[-1]),
               "estimatedSettlePrice": repr(f.marks[-1]),
               "lastFundingRate": f"{f.rates[-1]:.8f}", "interestRate": "0.0001",
               "nextFundingTime": f.times[-1] + f.interval_h * HOUR, "time": f.times[-1]}
        return [rec] if futures == "dapi" else rec
    if path in ("/dapi/v2/leverageBracket", "/fapi/v1/leverageBracket"):
        if not state.headers or "X-MBX-APIKEY" not in state.headers[-1]:
            return 401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions."}
        out = []
        for sid, brackets in state.tiers.items():
            if sym and sid != sym:
                continue
            out.append({"symbol": sid, "brackets": brackets})
        return out
    return 404, {"code": -1, "msg": f"no such path {path}"}


HANDLERS = {"dapi.binance.com": binance, "fapi.binance.com": binance,
            "api.binance.com": binance}


class VenueServer:
    """``with VenueServer(state) as base:`` serves ``state`` at ``base`` (http://127...)."""

    def __init__(self, state: State):
        self.state = state
        st = state

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                u = urlsplit(self.path)
                host, _, path = u.path.lstrip("/").partition("/")
                path = "/" + path
                q = parse_qs(u.query)
                st.log.append(f"{host}{path}?{u.query}")
                st.headers.append(dict(self.headers))
                if st.down:
                    return self._send(503, {"msg": "Service Unavailable"})
                if st.too_many > 0:
                    st.too_many -= 1
                    return self._send(429, {"code": -1003, "msg": "Too many requests"},
                                      {"Retry-After": "0"})
                handler = HANDLERS.get(host)
                if handler is None:
                    return self._send(404, {"msg": f"unknown host {host}"})
                out = handler(st, host, path, q)
                status = 200
                if isinstance(out, tuple):
                    status, out = out
                body = json.dumps(out)
                if st.broken and st.broken in path:
                    body = body[: len(body) // 2]
                return self._send(status, body)

            def _send(self, status, body, headers=None):
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self.base

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
