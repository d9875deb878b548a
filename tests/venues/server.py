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
    delivery: int | None = None  # a dated future's settlement (ms); None: a perpetual


@dataclass
class State:
    # keys are VENUE:ID as hedgexl writes them (BINANCE:BTCUSD_PERP, OKX:BTC-USD-SWAP);
    # spot pairs are BINANCE.SPOT:BTCUSDT
    funding: dict = field(default_factory=dict)  # key -> Series
    closes: dict = field(default_factory=dict)   # spot or dated key -> {day ms: close}
    specs: dict = field(default_factory=dict)    # key -> Spec
    tiers: dict = field(default_factory=dict)    # key -> the venue's raw tier records
    funding_minutes: dict = field(default_factory=dict)  # Bybit: key -> fundingInterval
    options: dict = field(default_factory=dict)  # Deribit: coin -> book summary records
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


def _funding(state: State, key: str, start=None, end=None, *, lo_open=False,
             hi_open=False):
    """The funding records ``(t, rate, mark)`` of ``key`` the venue would give, ascending,
    in the window (bounds closed unless told open), with the test's faults applied; None
    for an unknown contract."""
    f = state.funding.get(key)
    if f is None:
        return None
    out = []
    for t, r, m in zip(f.times, f.rates, f.marks):
        if t in state.drop or (state.cut_after and t > state.cut_after):
            continue
        if start is not None and (t <= start if lo_open else t < start):
            continue
        if end is not None and (t >= end if hi_open else t > end):
            continue
        out.append((t, r, m))
    return out


def _candles(state: State, key: str, step: int, start=None, end=None, *, lo_open=False,
             hi_open=False, mark=True):
    """``(t, price)`` of the candles opening in the window: marks (a step function of the
    funding marks) or daily closes; None for an unknown contract or pair."""
    if mark:
        f = state.funding.get(key)
        if f is None:
            return None
        first, last = f.times[0] - f.times[0] % step, f.times[-1] + f.interval_h * HOUR
        times, price = range(first, last, step), f.mark_at
    else:
        closes = state.closes.get(key)
        if closes is None:
            return None
        times, price = sorted(closes), closes.get
    out = []
    for t in times:
        if start is not None and (t <= start if lo_open else t < start):
            continue
        if end is not None and (t >= end if hi_open else t > end):
            continue
        out.append((t, price(t)))
    return out


def _specs(state: State, venue: str):
    return [s for k, s in state.specs.items() if k.split(":")[0] == venue]


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
        rec.update({"contractType": "CURRENT_QUARTER" if s.delivery else "PERPETUAL",
                    "deliveryDate": s.delivery or 4133404800000,
                    "onboardDate": 1597042800000, "contractStatus": "TRADING",
                    "marginAsset": s.settle, "contractSize": s.size,
                    "underlyingType": "COIN"})
    return rec


def binance(state: State, host: str, path: str, q: dict):
    futures = {"dapi.binance.com": "dapi", "fapi.binance.com": "fapi"}.get(host, "")
    prefix = f"/{futures}/v1" if futures else "/api/v3"
    bad = 400, {"code": -1121, "msg": "Invalid symbol."}
    if path == f"{prefix}/exchangeInfo":
        specs = [s for s in _specs(state, "BINANCE.SPOT" if not futures else "BINANCE")
                 if not futures or s.inverse == (futures == "dapi")]
        return {"timezone": "UTC", "serverTime": 0, "rateLimits": [],
                "symbols": [_binance_symbol(s, futures) for s in specs]}
    sym = _q(q, "symbol", cast=str)
    key = f"BINANCE:{sym}"
    start, end = _q(q, "startTime"), _q(q, "endTime")
    limit = _q(q, "limit", 100)
    if path == f"{prefix}/fundingRate":
        recs = _funding(state, key, start, end)
        if recs is None:
            return bad
        out = []
        for t, r, m in recs:
            rec = {"symbol": sym, "fundingTime": t, "fundingRate": f"{r:.8f}"}
            if state.funding_mark:
                rec["markPrice"] = repr(m)
            out.append(rec)
        return _page(state, out, limit)  # Binance: the oldest `limit` from startTime
    if path in (f"{prefix}/markPriceKlines", f"{prefix}/klines"):
        step = {"1h": HOUR, "1d": DAY}[_q(q, "interval", cast=str)]
        mark = path.endswith("markPriceKlines")  # a future's own klines: its closes
        got = _candles(state, key if mark or futures else f"BINANCE.SPOT:{sym}", step, start,
                       end, mark=mark)
        if got is None:
            return bad
        return [[t, repr(p), repr(p), repr(p), repr(p), "0", t + step - 1, "0", 0, "0", "0",
                 "0"] for t, p in got[:limit]]
    if path == f"{prefix}/premiumIndex":
        f = state.funding.get(key)
        if f is None:
            return bad
        rec = {"symbol": sym, "markPrice": repr(f.marks[-1]), "indexPrice": repr(f.marks[-1]),
               "estimatedSettlePrice": repr(f.marks[-1]),
               "lastFundingRate": f"{f.rates[-1]:.8f}", "interestRate": "0.0001",
               "nextFundingTime": f.times[-1] + f.interval_h * HOUR, "time": f.times[-1]}
        return [rec] if futures == "dapi" else rec
    if path in ("/dapi/v2/leverageBracket", "/fapi/v1/leverageBracket"):
        if not state.headers or "X-MBX-APIKEY" not in state.headers[-1]:
            return 401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions."}
        return [{"symbol": k.split(":")[1], "brackets": b} for k, b in state.tiers.items()
                if k.startswith("BINANCE:") and (not sym or k == key)]
    return 404, {"code": -1, "msg": f"no such path {path}"}


# --- OKX (v5: newest first, before/after exclusive) -------------------------------------

def okx(state: State, host: str, path: str, q: dict):
    ok = lambda data: {"code": "0", "msg": "", "data": data}  # noqa: E731
    bad = {"code": "51001", "msg": "Instrument ID does not exist", "data": []}
    if path == "/api/v5/public/instruments":
        if _q(q, "instType", cast=str) != "SWAP":
            return ok([])
        return ok([{"instType": "SWAP", "instId": s.id, "instFamily": f"{s.base}-{s.quote}",
                    "uly": f"{s.base}-{s.quote}", "settleCcy": s.settle,
                    "ctType": "inverse" if s.inverse else "linear", "ctVal": repr(s.size),
                    "ctValCcy": s.quote if s.inverse else s.base, "ctMult": "1",
                    "tickSz": repr(s.tick), "lotSz": repr(s.lot), "minSz": repr(s.lot),
                    "lever": "100", "state": "live", "listTime": "1573557408000"}
                   for s in _specs(state, "OKX")])
    inst = _q(q, "instId", cast=str)
    key = f"OKX:{inst}"
    before, after = _q(q, "before"), _q(q, "after")
    limit = min(_q(q, "limit", 100), 100)
    if path == "/api/v5/public/funding-rate-history":
        recs = _funding(state, key, before, after, lo_open=True, hi_open=True)
        if recs is None:
            return bad
        out = [{"instType": "SWAP", "instId": inst, "formulaType": "withRate",
                "method": "current_period", "fundingRate": repr(r),
                "realizedRate": repr(r), "fundingTime": str(t)}
               for t, r, m in reversed(recs)]
        return ok(_page(state, out[::-1], limit)[::-1] if state.page_cap else out[:limit])
    if path in ("/api/v5/market/mark-price-candles",
                "/api/v5/market/history-mark-price-candles"):
        got = _candles(state, key, HOUR, before, after, lo_open=True, hi_open=True)
        if got is None:
            return bad
        return ok([[str(t), repr(p), repr(p), repr(p), repr(p), "1"]
                   for t, p in reversed(got)][:limit])
    if path == "/api/v5/public/funding-rate":
        f = state.funding.get(key)
        if f is None:
            return bad
        nxt = f.times[-1] + f.interval_h * HOUR
        return ok([{"instType": "SWAP", "instId": inst, "method": "current_period",
                    "fundingRate": f"{f.rates[-1]:.10f}", "fundingTime": str(nxt),
                    "nextFundingRate": "", "nextFundingTime": str(nxt + f.interval_h * HOUR),
                    "ts": str(f.times[-1])}])
    if path == "/api/v5/public/mark-price":
        f = state.funding.get(key)
        if f is None:
            return bad
        return ok([{"instType": "SWAP", "instId": inst, "markPx": repr(f.marks[-1]),
                    "ts": str(f.times[-1])}])
    if path == "/api/v5/public/position-tiers":
        family = _q(q, "instFamily", cast=str)
        for k, tiers in state.tiers.items():
            if k.startswith("OKX:") and k.split(":")[1].startswith(family + "-"):
                return ok([dict(t, uly=family, instFamily=family, instId="") for t in tiers])
        return ok([])
    return 404, {"code": "50000", "msg": f"no such path {path}"}


# --- Bybit (v5: newest first, start/end inclusive) -------------------------------------

def bybit(state: State, host: str, path: str, q: dict):
    category = _q(q, "category", cast=str)
    ok = lambda result: {"retCode": 0, "retMsg": "OK", "result": result,  # noqa: E731
                         "retExtInfo": {}, "time": 1704153600000}
    bad = {"retCode": 10001, "retMsg": "params error: symbol invalid", "result": {}}
    if path == "/v5/market/instruments-info":
        specs = [] if _q(q, "status", cast=str) == "PreLaunch" else [
            s for s in _specs(state, "BYBIT") if s.inverse == (category == "inverse")]
        return ok({"category": category, "nextPageCursor": "", "list": [
            {"symbol": s.id,
             "contractType": "InversePerpetual" if s.inverse else "LinearPerpetual",
             "status": "Trading", "baseCoin": s.base, "quoteCoin": s.quote,
             "settleCoin": s.settle, "launchTime": "1542211200000", "deliveryTime": "0",
             "priceFilter": {"minPrice": repr(s.tick), "maxPrice": "1999999",
                             "tickSize": repr(s.tick)},
             "lotSizeFilter": {"minOrderQty": repr(s.size if s.inverse else s.lot),
                               "maxOrderQty": "1000000", "qtyStep": repr(s.lot)},
             "fundingInterval": state.funding_minutes.get(f"BYBIT:{s.id}", 480)}
            for s in specs]})
    sym = _q(q, "symbol", cast=str)
    key = f"BYBIT:{sym}"
    start, end = _q(q, "startTime", cast=int) or _q(q, "start"), \
        _q(q, "endTime", cast=int) or _q(q, "end")
    if path == "/v5/market/funding/history":
        recs = _funding(state, key, start, end)
        if recs is None:
            return bad
        out = [{"symbol": sym, "fundingRate": f"{r:.8f}", "fundingRateTimestamp": str(t)}
               for t, r, m in recs]
        return ok({"category": category,
                   "list": _page(state, out, min(_q(q, "limit", 200), 200))[::-1]
                   if state.page_cap else out[::-1][:min(_q(q, "limit", 200), 200)]})
    if path == "/v5/market/mark-price-kline":
        got = _candles(state, key, HOUR, start, end)
        if got is None:
            return bad
        return ok({"symbol": sym, "category": category, "list": [
            [str(t), repr(p), repr(p), repr(p), repr(p)]
            for t, p in reversed(got)][:min(_q(q, "limit", 200), 1000)]})
    if path == "/v5/market/tickers":
        f = state.funding.get(key)
        if f is None:
            return bad
        return ok({"category": category, "list": [{
            "symbol": sym, "lastPrice": repr(f.marks[-1]), "indexPrice": repr(f.marks[-1]),
            "markPrice": repr(f.marks[-1]), "fundingRate": f"{f.rates[-1]:.8f}",
            "nextFundingTime": str(f.times[-1] + f.interval_h * HOUR)}]})
    if path == "/v5/market/risk-limit":
        return ok({"category": category, "nextPageCursor": "", "list": [
            dict(t, symbol=k.split(":")[1]) for k, tiers in state.tiers.items()
            if k.startswith("BYBIT:") and (not sym or k == key) for t in tiers]})
    return 404, {"retCode": 10000, "retMsg": f"no such path {path}"}


# --- Deribit (JSON-RPC over GET; hourly funding, ascending, at most 744 rows) -----------

def deribit(state: State, host: str, path: str, q: dict):
    env = lambda result: {"jsonrpc": "2.0", "result": result, "usIn": 0, "usOut": 0,  # noqa
                          "usDiff": 0, "testnet": False}
    bad = 400, {"jsonrpc": "2.0", "error": {"code": 13020, "message": "not_found"}}
    if path == "/api/v2/public/get_currencies":
        return env([{"currency": c, "currency_long": c, "fee_precision": 4,
                     "withdrawal_fee": 0.0001, "min_confirmations": 1}
                    for c in sorted({s.base for s in _specs(state, "DERIBIT")})])
    if path == "/api/v2/public/get_instruments":
        return env([{"instrument_name": s.id, "kind": "future",
                     "settlement_period": "perpetual", "base_currency": s.base,
                     "counter_currency": s.quote, "quote_currency": s.quote,
                     "settlement_currency": s.settle, "contract_size": s.size,
                     "tick_size": s.tick, "min_trade_amount": s.lot,
                     "taker_commission": 0.0005, "maker_commission": 0.0, "is_active": True,
                     "expiration_timestamp": 32503708800000,
                     "creation_timestamp": 1534242287000}
                    for s in _specs(state, "DERIBIT")])
    if path == "/api/v2/public/get_book_summary_by_currency":
        if _q(q, "kind", cast=str) != "option":
            return bad
        return env(state.options.get(_q(q, "currency", cast=str), []))
    key = f"DERIBIT:{_q(q, 'instrument_name', cast=str)}"
    if path == "/api/v2/public/get_funding_rate_history":
        recs = _funding(state, key, _q(q, "start_timestamp"), _q(q, "end_timestamp"))
        if recs is None:
            return bad
        return env([{"timestamp": t, "index_price": m, "prev_index_price": m,
                     "interest_8h": 8 * r, "interest_1h": r} for t, r, m in recs][:744])
    if path == "/api/v2/public/get_funding_rate_value":  # interest accrued in the window
        recs = _funding(state, key, _q(q, "start_timestamp"), _q(q, "end_timestamp"))
        if recs is None:
            return bad
        return env(sum(r for _, r, _ in recs))
    return 404, {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}}


# --- Kraken Futures (whole funding history in one answer; mark candles in seconds) --------

def _iso(t: int) -> str:
    import datetime as dt
    return dt.datetime.fromtimestamp(t / 1000, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


def kraken(state: State, host: str, path: str, q: dict):
    bad = 400, {"result": "error", "error": "contractNotFound",
                "serverTime": "2024-07-01T00:00:00.000Z"}
    specs = {s.id: s for s in _specs(state, "KRAKEN")}
    if path == "/derivatives/api/v3/instruments":
        return {"result": "success", "serverTime": "2024-07-01T00:00:00.000Z", "instruments": [
            {"symbol": s.id, "type": "futures_inverse" if s.inverse else "flexible_futures",
             "underlying": f"rr_{s.id[3:].lower()}", "tickSize": s.tick,
             "contractSize": s.size, "tradeable": True, "impactMidSize": 1,
             "maxPositionSize": 1000000, "openingDate": "2018-08-31T00:00:00.000Z",
             "marginLevels": state.tiers.get(f"KRAKEN:{s.id}", []),
             "fundingRateCoefficient": 8, "maxRelativeFundingRate": 0.001,
             "contractValueTradePrecision": 0 if s.inverse else 4, "postOnly": False,
             "base": "XBT" if s.base == "BTC" else s.base, "quote": s.quote,
             "pair": f"{'XBT' if s.base == 'BTC' else s.base}:{s.quote}", "tags": [],
             "mtf": True} for s in specs.values()]}
    if path == "/derivatives/api/v4/historicalfundingrates":
        sym = _q(q, "symbol", cast=str)
        recs = _funding(state, f"KRAKEN:{sym}")
        if recs is None:
            return bad
        # the venue's whole history, oldest first; fundingRate is absolute (for an inverse
        # contract: BTC per 1-USD contract), relativeFundingRate the fraction paid
        return {"rates": [{"timestamp": _iso(t), "fundingRate": r / m,
                           "relativeFundingRate": r} for t, r, m in recs]}
    if path.startswith("/api/charts/v1/"):
        _, _, _, _, kind, sym, tf = path.split("/")
        if kind != "mark" or tf != "1h":
            return 400, {"error": f"unsupported {kind}/{tf}"}
        frm, to = _q(q, "from"), _q(q, "to")
        got = _candles(state, f"KRAKEN:{sym}", HOUR, frm * 1000 if frm else None,
                       to * 1000 if to else None)
        if got is None:
            return bad
        got = got[:2000]
        return {"candles": [{"time": t, "open": repr(p), "high": repr(p), "low": repr(p),
                             "close": repr(p), "volume": 0} for t, p in got],
                "more_candles": False}
    if path == "/derivatives/api/v3/tickers":
        out = []
        for sid in specs:
            f = state.funding.get(f"KRAKEN:{sid}")
            if f is not None:
                out.append({"tag": "perpetual", "pair": sid[3:], "symbol": sid,
                            "markPrice": f.marks[-1], "indexPrice": f.marks[-1],
                            "last": f.marks[-1], "lastTime": _iso(f.times[-1]),
                            "fundingRate": f.rates[-1] / f.marks[-1],
                            "fundingRatePrediction": f.rates[-1] / f.marks[-1],
                            "suspended": False})
        return {"result": "success", "serverTime": "2024-07-01T00:00:00.000Z", "tickers": out}
    return 404, {"result": "error", "error": f"no such path {path}"}


HANDLERS = {"www.deribit.com": deribit, "dapi.binance.com": binance, "fapi.binance.com": binance,
            "api.binance.com": binance, "www.okx.com": okx, "api.bybit.com": bybit,
            "futures.kraken.com": kraken}


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
                if st.down:  # plain text, as a load balancer answers
                    return self._send(503, "Service Unavailable")
                if st.too_many > 0:
                    st.too_many -= 1
                    return self._send(429, "Too Many Requests", {"Retry-After": "0"})
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
                self.send_header("Content-Type", "application/json" if data[:1] in b"[{"
                                 else "text/plain")
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
