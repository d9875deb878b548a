"""Contract presets and margin tiers from the venues' market lists (ccxt ``load_markets``,
``fetch_funding_rate``, ``fetch_market_leverage_tiers``), in the columns of the bundled
``contracts.csv`` and ``margin_tiers.csv``, and what changed against the bundled ones.

What comes from where:

- face value or size (``contractSize``), lot (``precision.amount``), tick
  (``precision.price``), inverse or linear, coin and settlement coin: the venue's market list;
- taker and maker fees: the preset's (the public market lists carry none, and ccxt's
  built-in schedule is not the venue's word); blank for a contract without a preset;
- funding interval: the venue's current funding answer where it gives one, else the preset;
- maintenance margin: the first tier's rate where the venue publishes tiers without a key,
  else the preset's;
- ``margin_model`` and ``liq_round`` (how the venue computes): the preset's, never fetched.
"""

from __future__ import annotations

import csv
import functools
import io
import math

from ..core import contracts as _contracts
from ..core.tiers import tiers_of
from ..files import csv_safe
from .client import Clients, MarketError, NoSuchMarket
from .client import credentials
from .venues import VENUES, MarketRef, resolve_market, venue_of

__all__ = ["fetch_specs", "contracts_csv", "tiers_csv", "diff_specs", "CONTRACT_HEADER",
           "TIER_HEADER"]

CONTRACT_HEADER = ["key", "venue", "symbol", "type", "face_usd", "size_coin", "coin",
                   "settle", "lot", "tick", "taker_fee", "maker_fee", "maint_margin",
                   "funding_hours", "margin_model", "liq_round"]
TIER_HEADER = ["contract", "cap", "cap_unit", "max_leverage", "maint_rate", "maint_amount",
               "source", "charge", "maint_slope"]

#: The unit of ccxt's ``maxNotional`` in a venue's tiers, per ccxt exchange and kind, as
#: hedgexl's ``cap_unit``; and the field of the venue's record that holds the maintenance
#: amount (Binance's ``cum``), if any.
TIER_UNITS = {("binancecoinm", "inverse"): "coin", ("binanceusdm", "linear"): "quote",
              ("okx", "inverse"): "contracts", ("okx", "linear"): "contracts",
              ("bybit", "inverse"): "coin", ("bybit", "linear"): "quote",
              ("krakenfutures", "inverse"): "contracts", ("krakenfutures", "linear"): "quote"}
TIER_AMOUNT = {"binancecoinm": "cum", "binanceusdm": "cum", "bybit": "mmDeduction"}
#: Venues that charge each tier's rate on the slice of the position inside it.
TIER_SLICES = {"krakenfutures"}
#: Markets whose ccxt ``amount`` (so ``precision.amount``, the lot) is in USD, not in
#: contracts: Deribit's inverse contracts take their size in USD (ccxt passes it through).
AMOUNT_IN_USD = {("deribit", "inverse")}
#: ccxt exchanges whose tiers need an API key.
SIGNED_TIERS = {"binancecoinm", "binanceusdm"}


@functools.lru_cache(maxsize=1)
def _bundled() -> dict:
    """The bundled presets (read once): what is fetched, and what the diff compares with."""
    return _contracts._bundled()


def _preset_keys(venue) -> list[str]:
    return [s.key for s in _bundled().values()
            if s.key.split(":")[0] == venue.key]


def fetch_specs(venues, clients: Clients, *, extra=(), tiers=True, notes=None):
    """``(specs, tier_rows)`` of the bundled presets of ``venues`` (and ``extra`` keys):
    ``specs`` are dicts of the contracts.csv columns, ``tier_rows`` of margin_tiers.csv."""
    notes = [] if notes is None else notes
    keys = []
    for v in venues:
        vv = venue_of(v)
        keys += [k for k in _preset_keys(vv) if k not in keys]
    extra_keys = [k.upper() for k in extra]
    keys += [k for k in extra_keys if k not in keys]
    specs, tier_rows = [], []
    for key in keys:
        try:
            ref = resolve_market(key, clients)
        except NoSuchMarket as e:
            if key in extra_keys:
                raise
            notes.append(f"{e}; its bundled preset stays as it is")
            continue
        rows = _tiers(ref, clients, notes) if tiers else []
        specs.append(_spec(ref, rows, notes))
        tier_rows += rows
    return specs, tier_rows


def _spec(ref: MarketRef, tier_rows, notes) -> dict:
    """A contract row from the venue's market record: sizes, lot and tick from the venue;
    fees, funding interval, maintenance and the margin rule from the bundled preset (or,
    for a contract without one, its venue's first) where the venue says nothing."""
    m = ref.market
    preset = _preset_of(ref.key)
    same_venue = [s for s in _bundled().values() if s.key.split(":")[0] == ref.venue.key]
    like = preset or (same_venue[0] if same_venue else None)
    inverse = ref.kind == "inverse"
    size = m.get("contractSize")
    prec, hours = m.get("precision") or {}, _funding_hours(ref, notes)
    lot = prec.get("amount")
    if (ref.client.ex_id, ref.kind) in AMOUNT_IN_USD and lot:
        lot = lot / size  # USD -> contracts
    known = _preset_fields(preset, ref.client.label)
    if hours is not None:
        known["funding_hours"] = hours
    if tier_rows:
        known["maint_margin"] = tier_rows[0]["maint_rate"]
    return {"key": ref.key, "venue": known.pop("venue"), "symbol": m.get("id"),
            "type": ref.kind, "face_usd": size if inverse else None,
            "size_coin": None if inverse else size,
            "coin": m.get("base"), "settle": m.get("settle"),
            "lot": lot, "tick": prec.get("price"), **known,
            "margin_model": like.margin_model if like else "liq_value",
            "liq_round": like.liq_round if like else ""}


def _preset_of(key: str):
    """The bundled (or loaded) preset of ``key``, None when there is none."""
    try:
        return _bundled().get(key) or _contracts.get_contract(key)
    except (KeyError, ValueError):
        return None


def _preset_fields(preset, label: str) -> dict:
    """What only the preset knows (the venue's market list does not say): its venue's name,
    fees, funding interval and base maintenance rate; unknown without a preset."""
    if preset is None:
        return {"venue": label, "taker_fee": None, "maker_fee": None,
                "maint_margin": math.nan, "funding_hours": math.nan}
    return {"venue": preset.venue, "taker_fee": preset.taker_fee,
            "maker_fee": preset.maker_fee, "maint_margin": preset.maint_margin,
            "funding_hours": preset.funding_hours}


def _funding_hours(ref: MarketRef, notes) -> float | None:
    """The venue's funding interval in hours, from its current funding answer or market
    record; None when it gives none."""
    info = ref.market.get("info") or {}
    minutes = info.get("fundingInterval")  # Bybit: minutes
    if minutes not in (None, ""):
        try:
            return float(minutes) / 60
        except ValueError:
            pass
    if not ref.client.ex.has.get("fetchFundingRate"):
        return None
    fr = ref.client.call(f"funding rate of {ref.key}", "fetch_funding_rate", ref.symbol)
    interval = (fr or {}).get("interval")
    if isinstance(interval, str) and interval.endswith("h"):
        try:
            return float(interval[:-1])
        except ValueError:
            return None
    return None


def _has_tier_table(key: str) -> bool:
    """Whether a tier table (bundled or loaded) exists for ``key``."""
    try:
        return tiers_of(key).source != "preset"
    except (KeyError, ValueError):
        return False


def _tiers(ref: MarketRef, clients: Clients, notes) -> list[dict]:
    ex_id = ref.client.ex_id
    unit = TIER_UNITS.get((ex_id, ref.kind))
    if unit is None:
        bundled = _has_tier_table(ref.key)
        notes.append(f"{ref.key}: {ref.client.label} publishes no margin tiers that ccxt "
                     f"reads; " + ("the bundled tiers stay" if bundled
                                   else "the preset's flat rate stays"))
        return []
    client = _tier_client(ref, clients, notes)
    if client is None:
        return []
    what = f"margin tiers of {ref.key}"
    if client.ex.has.get("fetchMarketLeverageTiers") is True:
        raw = client.call(what, "fetch_market_leverage_tiers", ref.symbol)
    else:
        raw = (client.call(what, "fetch_leverage_tiers", [ref.symbol]) or {}).get(ref.symbol)
    if not raw:
        raise MarketError(f"{what}: the venue's answer has no tiers for {ref.market['id']}; "
                          f"nothing written")
    rows = [_tier_row(ref, t, unit, client.ex_id, what)
            for t in sorted(raw, key=lambda t: t.get("maxNotional") or math.inf)]
    if rows:
        rows[-1]["cap"] = None if rows[-1]["cap"] in (None, math.inf) else rows[-1]["cap"]
    return rows


def _tier_client(ref: MarketRef, clients: Clients, notes):
    """The client that may read the tiers: a signed one where the venue's endpoint is
    (Binance's brackets), None (and a note) without the key for it."""
    if ref.client.ex_id not in SIGNED_TIERS:
        return ref.client
    names = ("BINANCE_API_KEY", "BINANCE_API_SECRET")
    if not credentials(ref.venue):
        notes.append(f"{ref.key}: {ref.client.label}'s margin tiers need an API key (its "
                     f"bracket endpoint is signed); set {names[0]} and {names[1]} (a "
                     f"read-only key) to fetch them; the bundled tiers stay")
        return None
    client = clients.get(ref.venue, ref.client.ex_id, signed=True)
    client.share_markets(ref.client)
    return client


def _tier_row(ref: MarketRef, t: dict, unit: str, ex_id: str, what: str) -> dict:
    """One tier of ccxt's leverage tiers as a row of the tiers file."""
    rate = t.get("maintenanceMarginRate")
    if rate is None:
        raise MarketError(f"{what}: a tier without a maintenance rate")
    field = TIER_AMOUNT.get(ex_id)
    amount = (t.get("info") or {}).get(field) if field else 0
    return {"contract": ref.key, "cap": t.get("maxNotional"), "cap_unit": unit,
            "max_leverage": _leverage(t.get("maxLeverage")), "maint_rate": float(rate),
            "maint_amount": float(amount or 0), "source": f"{ex_id} via ccxt",
            "charge": "slices" if ex_id in TIER_SLICES else ""}


def _leverage(x):
    """A tier's maximum leverage as the venue shows it: ccxt computes Kraken's as
    1 / initial margin (16.666...), the venue prints 16.67."""
    try:
        return round(float(x), 2)
    except (TypeError, ValueError):
        return None


def _cell(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float):
        return repr(x) if x != int(x) else str(int(x)) if abs(x) < 1e15 else repr(x)
    return str(x)


def _table(header, rows) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([csv_safe(v) if isinstance(v, str) else _cell(v)
                    for v in (r.get(c) for c in header)])
    return out.getvalue()


def contracts_csv(specs) -> str:
    """The presets as the CSV ``--contracts`` reads."""
    return _table(CONTRACT_HEADER, specs)


def tiers_csv(rows) -> str:
    """The tiers as the CSV ``--tiers`` reads."""
    return _table(TIER_HEADER, rows)


def diff_specs(specs) -> list[str]:
    """Lines saying what the fetched presets change against the bundled ones."""
    bundled = _bundled()
    lines = []
    for s in specs:
        old = bundled.get(s["key"])
        if old is None:
            lines.append(f"{s['key']}: new (no bundled preset)")
            continue
        for c in CONTRACT_HEADER[1:]:
            a, b = getattr(old, c), s.get(c)
            if _same(a, b):
                continue
            lines.append(f"{s['key']}: {c} {_cell(a) or '(blank)'} -> {_cell(b) or '(blank)'}")
    return lines


def _same(a, b) -> bool:
    blank = lambda x: x is None or x == "" or (isinstance(x, float) and math.isnan(x))  # noqa
    if blank(a) or blank(b):
        return blank(a) and blank(b)
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-15)
        except (TypeError, ValueError):
            return False
    return str(a).strip().lower() == str(b).strip().lower()


def known_venues() -> list[str]:
    return [k for k, v in VENUES.items() if not v.missing]
