"""One ccxt exchange, with hedgexl's retries, its own API base, and one-line errors.

ccxt does the talking (requests, signing, parsing). This wrapper adds what a batch needs:

- ``api_base``: every URL of the exchange goes through ``{api_base}/{host}/{path}``, for a
  proxy or mirror (and for the tests' server on 127.0.0.1);
- retries with backoff when the venue says "too many requests" (HTTP 429/418, honouring
  its ``Retry-After``), times out or is briefly unavailable;
- every failure as one :class:`MarketError` line that names the venue and the request.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import urlsplit

from ..inputs import InputError

__all__ = ["MarketError", "NoSuchMarket", "Client", "Clients", "rewrite_urls"]


class MarketError(ValueError):
    """A fetch that failed or was refused; its text is the one line the user sees."""


def _ccxt():
    try:
        import ccxt
    except ModuleNotFoundError as e:  # the CLI turns this into pip install ".[data]"
        raise ModuleNotFoundError("ccxt", name="ccxt") from e
    return ccxt


def rewrite_urls(api, base: str):
    """ccxt's ``urls['api']`` with each ``https://HOST/PATH`` sent to ``BASE/HOST/PATH``.

    >>> rewrite_urls({"rest": "https://www.deribit.com"}, "http://127.0.0.1:8000")
    {'rest': 'http://127.0.0.1:8000/www.deribit.com'}
    >>> rewrite_urls("https://api.{hostname}/v5", "http://proxy")
    'http://proxy/api.{hostname}/v5'
    """
    if isinstance(api, str):
        u = urlsplit(api)
        if not u.scheme:
            return api
        return f"{base.rstrip('/')}/{u.netloc}{u.path}"
    if isinstance(api, dict):
        return {k: rewrite_urls(v, base) for k, v in api.items()}
    return api


_STATUS = re.compile(r"(?:https?://\S+|^\S+) ([1-5]\d\d)\b")


def _reason(e: Exception) -> str:
    """A short reason of a ccxt error: its HTTP status, or its first words."""
    if isinstance(e, _CutShort):
        return str(e)
    text = str(e)
    m = _STATUS.search(text)
    if m:
        from http import HTTPStatus
        code = int(m.group(1))
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = ""
        return f"HTTP {code} {phrase}".strip()
    if "Connection refused" in text or "Max retries exceeded" in text:
        return "the venue did not answer (connection refused)"
    if "timed out" in text.lower():
        return "the venue did not answer in time"
    if re.fullmatch(r"\S+ (GET|POST|PUT|DELETE) \S+", text.strip()):
        return "the venue did not answer (no connection)"
    words = re.sub(r"https?://\S+", "", text).split()
    return " ".join(words[1:16]) if words else type(e).__name__


#: The most records a venue returns in one answer, per ccxt exchange: (funding, candles).
#: Smaller than the cap is fine (more requests); larger loses nothing either, since a full
#: answer is split (see :func:`hedgexl.market.history.paged`).
PAGE_LIMITS = {"binancecoinm": (1000, 1000), "binanceusdm": (1000, 1000),
               "binance": (1000, 1000), "bybit": (200, 1000), "okx": (100, 100),
               "deribit": (700, 1000), "krakenfutures": (100_000, 2000),
               "kraken": (720, 720)}


def until_params(ex_id: str, b: int, what: str = "funding") -> dict:
    """ccxt's parameters that end a request of ``what`` ("funding" or "candles") at ``b``
    (ms, included). ccxt's unified ``until`` everywhere but:

    - OKX, whose funding history ignores it and whose candles end before it: OKX's own
      ``after`` (exclusive) for funding, and ``until`` one millisecond later for candles;
    - Kraken Futures, where ccxt passes ``until`` on unread: its funding history is the
      whole history in one answer (nothing to pass), its candles end at ``to``, in seconds.

    >>> until_params("okx", 1000), until_params("okx", 1000, "candles")
    ({'after': 1001}, {'until': 1001})
    >>> until_params("krakenfutures", 7200999), until_params("krakenfutures", 7200999, "candles")
    ({}, {'to': 7200})
    >>> until_params("binancecoinm", 1000)
    {'until': 1000}
    """
    if ex_id == "okx":
        return {"after": b + 1} if what == "funding" else {"until": b + 1}
    if ex_id == "krakenfutures":
        return {} if what == "funding" else {"to": b // 1000}
    return {"until": b}


class NoSuchMarket(MarketError):
    """A symbol the venue does not list."""


class _CutShort(Exception):
    """An answer that starts as JSON and does not parse: cut short on the way."""

    def __str__(self):
        return "the answer was cut short (incomplete JSON)"


def _whole_json(on_rest_response, ccxt):
    """ccxt's response hook, refusing a body that begins as JSON and does not parse (ccxt
    itself would hand the text on, and a history would silently come back empty)."""
    import json

    def hook(code, reason, url, method, headers, body, *rest):
        text = on_rest_response(code, reason, url, method, headers, body, *rest)
        head = (text or "").lstrip()[:1]
        if head in ("{", "["):
            try:
                json.loads(text)
            except ValueError:
                raise _CutShort() from None
        return text
    return hook


#: Names of the ccxt exchanges that are one part of a venue.
LABELS = {"binancecoinm": "Binance COIN-M", "binanceusdm": "Binance USDS-M"}


class Client:
    """A ccxt exchange ``ex_id`` of ``venue``, with retries and one-line errors."""

    def __init__(self, venue, ex_id: str, *, api_base: str | None = None, retries: int = 4,
                 backoff: float = 1.0, credentials: dict | None = None, timeout_ms=20000,
                 on_retry=None):
        ccxt = _ccxt()
        cfg = {"enableRateLimit": True, "timeout": timeout_ms}
        cfg.update(credentials or {})
        self.ex = getattr(ccxt, ex_id)(cfg)
        for ex, name, value in venue.options:
            if ex == ex_id:
                self.ex.options[name] = value
        if api_base:
            self.ex.urls["api"] = rewrite_urls(self.ex.urls["api"], api_base)
        self.ex.on_rest_response = _whole_json(self.ex.on_rest_response, ccxt)
        self.venue, self.ex_id = venue, ex_id
        self.label = LABELS.get(ex_id, venue.label)
        self.retries, self.backoff, self.on_retry = retries, backoff, on_retry
        self.requests = 0
        self._markets = None

    def call(self, what: str, method: str, *args, **kw):
        """``self.ex.method(*args, **kw)``, retried on rate limits and outages."""
        ccxt = _ccxt()
        fn = getattr(self.ex, method)
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                return fn(*args, **kw)
            except (ccxt.NetworkError, _CutShort) as e:  # 429/418, timeouts, 5xx, refused
                if attempt == self.retries:
                    raise MarketError(f"{self.label}: {what}: {_reason(e)} (gave up after "
                                      f"{attempt + 1} tries)") from None
                wait = self._wait(attempt)
                if self.on_retry:
                    self.on_retry(f"{self.label}: {_reason(e)}; retrying in {wait:.1f} s")
                time.sleep(wait)
            except ccxt.AuthenticationError as e:
                raise MarketError(f"{self.label}: {what}: the venue refused the API key "
                                  f"({_reason(e)})") from None
            except ccxt.BaseError as e:
                raise MarketError(f"{self.label}: {what}: {_reason(e)}") from None
            except (ValueError, TypeError, KeyError, IndexError) as e:
                if isinstance(e, InputError | MarketError):
                    raise
                # ccxt could not parse what came back: a partial or changed answer
                raise MarketError(f"{self.label}: {what}: the venue's answer could not be "
                                  f"read ({type(e).__name__}: {str(e)[:80]})") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int) -> float:
        headers = getattr(self.ex, "last_response_headers", None) or {}
        after = {k.lower(): v for k, v in dict(headers).items()}.get("retry-after")
        try:
            if after is not None:
                return min(max(float(after), 0.0), 60.0)
        except ValueError:
            pass
        return self.backoff * 2 ** attempt

    def venue_limit(self, what: str) -> int:
        """Records asked for in one request of ``what`` ("funding" or "candles")."""
        funding, candles = PAGE_LIMITS.get(self.ex_id, (100, 100))
        return funding if what == "funding" else candles

    def markets(self) -> dict:
        if self._markets is None:
            self._markets = self.call("list of markets", "load_markets")
        return self._markets

    def share_markets(self, other: "Client") -> None:
        """Use ``other``'s market list (same exchange) instead of asking again."""
        if self._markets is None:
            self.ex.set_markets(other.markets(), other.ex.currencies)
            self._markets = self.ex.markets

    def markets_by_id(self) -> dict:
        self.markets()
        out = {}
        for mid, ms in (self.ex.markets_by_id or {}).items():
            out[mid] = ms[0] if isinstance(ms, list) else ms
        return out


#: Environment variables of a venue's API key and secret (only Binance's margin brackets
#: need one: its bracket endpoints are signed).
API_KEY_ENV = {"BINANCE": ("BINANCE_API_KEY", "BINANCE_API_SECRET")}


def credentials(venue) -> dict:
    """The API key and secret of ``venue`` from the environment ({} when not set)."""
    names = API_KEY_ENV.get(venue.key)
    if not names:
        return {}
    key, secret = (os.environ.get(n, "").strip() for n in names)
    return {"apiKey": key, "secret": secret} if key and secret else {}


class Clients:
    """One :class:`Client` per ccxt exchange, made when first needed."""

    def __init__(self, *, api_base=None, retries=4, backoff=1.0, on_retry=None):
        self.api_base, self.retries, self.backoff = api_base, retries, backoff
        self.on_retry = on_retry
        self._made: dict[str, Client] = {}

    def get(self, venue, ex_id: str, *, signed: bool = False) -> Client:
        name = ex_id + ("+key" if signed else "")
        if name not in self._made:
            creds = credentials(venue) if signed else {}
            self._made[name] = Client(venue, ex_id, api_base=self.api_base,
                                      retries=self.retries, backoff=self.backoff,
                                      credentials=creds, on_retry=self.on_retry)
        return self._made[name]

    @property
    def requests(self) -> int:
        return sum(c.requests for c in self._made.values())
