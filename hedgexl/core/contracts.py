"""Contract specifications: the bundled presets, the user's own, and their lookup.

A *contract* argument anywhere in hedgexl is either

- a number: an inverse contract with that face value in USD (lot step 1), or
- a preset key ``VENUE:SYMBOL`` such as ``"BINANCE:BTCUSD_PERP"`` (case-insensitive), or
- a :class:`ContractSpec`.

The presets live in ``hedgexl/data/contracts.csv``. Load a file of your own with
:func:`load_contracts` to add presets or override bundled ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path

import numpy as np

from .numbers import parse_number

__all__ = [
    "ContractSpec", "get_contract", "load_contracts", "reset_contracts",
    "contract_keys", "all_contracts", "resolve", "SPEC_FIELDS", "own_contract",
    "is_face_text", "STABLECOINS", "is_stable", "expiry_of", "days_to_expiry",
    "next_quarterly", "first_quarterly",
]

#: How a dated future's ``expiry`` is written: its settlement in UTC.
_EXPIRY_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

#: Dollar stablecoins (and USD itself): counted at 1 USD wherever a sheet adds them to
#: dollars, never fetched a price for, never a coin exposure to hedge.
STABLECOINS = frozenset({"USD", "USDT", "USDC", "DAI", "FDUSD", "TUSD", "BUSD", "USDE"})


def is_stable(currency) -> bool:
    """A currency counted at 1 USD (:data:`STABLECOINS`).

    >>> is_stable("usdt"), is_stable("BTC")
    (True, False)
    """
    return str(currency).strip().upper() in STABLECOINS


@dataclass(frozen=True)
class ContractSpec:
    """One contract's specification. Rates are fractions; ``lot`` is in contracts."""

    key: str
    type: str  # "inverse" or "linear"
    face_usd: float = math.nan  # USD per contract (inverse)
    size_coin: float = math.nan  # coins per contract (linear)
    venue: str = ""
    symbol: str = ""
    coin: str = ""
    settle: str = ""
    lot: float = 1.0
    tick: float = math.nan
    taker_fee: float = math.nan
    maker_fee: float = math.nan
    maint_margin: float = math.nan
    funding_hours: float = math.nan
    margin_model: str = "liq_value"  # see MARGIN_MODELS
    liq_round: str = ""  # "nearest", "toward_entry" or "" (none); see LIQ_ROUNDING
    expiry: str = ""  # a dated future's settlement, ISO UTC ("2024-06-28T08:00:00Z"); "" perpetual
    like: str = ""  # a dated future's perpetual, whose fees, lot, tick and margin it shares

    @property
    def linear(self) -> bool:
        return self.type == "linear"

    @property
    def face_only(self) -> bool:
        """A contract given by its face value alone (no preset: no venue, no tiers)."""
        return not self.venue and self.key.endswith(" USD")

    @property
    def multiplier(self) -> float:
        """Face value in USD (inverse) or size in coin (linear)."""
        return self.size_coin if self.linear else self.face_usd

    def field(self, name: str):
        """A field by name; ``face`` and ``size`` are accepted aliases."""
        key = _FIELD_ALIASES.get(name.strip().lower().replace(" ", "_"), name.strip().lower())
        if key not in SPEC_FIELDS:
            raise ValueError(f"field must be one of {', '.join(SPEC_FIELDS)}, got {name!r}")
        return getattr(self, key)


#: How a venue computes maintenance margin (DOMAIN.md, "How the venues compute it"):
#: ``liq_value``: on the position's value at the liquidation price, less the tier's
#: maintenance amount (Binance, OKX; Deribit, Kraken); ``entry_value``: on the value at
#: entry (Bybit USDT, BitMEX); ``entry_value_fee``: on the value at entry, plus the taker fee
#: to close at the bankruptcy price (Bybit inverse).
MARGIN_MODELS = ("liq_value", "liq_value_fee", "entry_value", "entry_value_fee")
#: How a venue shows a liquidation price: rounded to the nearest tick (Binance prints
#: 33,599.419 as 33,599.4), toward the entry price (Bybit prints a long's 5,739.08 as
#: 5,739.5), or not at all.
LIQ_ROUNDING = ("nearest", "toward_entry", "")

SPEC_FIELDS = tuple(f.name for f in fields(ContractSpec)) + ("multiplier",)
_FIELD_ALIASES = {"face": "face_usd", "face_value": "face_usd", "size": "size_coin",
                  "contract_size": "size_coin", "mmr": "maint_margin",
                  "maintenance_margin": "maint_margin", "taker": "taker_fee",
                  "maker": "maker_fee", "funding_interval": "funding_hours",
                  "multiplier": "multiplier"}
_NUMERIC = {"face_usd", "size_coin", "lot", "tick", "taker_fee", "maker_fee",
            "maint_margin", "funding_hours"}


def records(text: str, source: str):
    """``(reader, rows)`` of a data file (contracts, tiers) read as a CSV with a header:
    every record on one line. A quoted field that runs over lines is a quote left open,
    which swallows rows: refused with the row where it opened."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        for raw in reader:
            rows.append(raw)
            if reader.line_num != len(rows) + 1:
                raise ValueError(f"{source} row {len(rows) + 1}: a quote (\") opened in this "
                                 f"row runs over {reader.line_num - len(rows) - 1} more "
                                 f"line(s); close it or remove it")
    except csv.Error as e:
        raise ValueError(f"{source} row {len(rows) + 2}: {e}") from None
    return reader, rows


def _parse_rows(text: str, source: str) -> dict[str, ContractSpec]:
    reader, records_ = records(text, source)
    if not reader.fieldnames or "key" not in [f.strip().lower() for f in reader.fieldnames]:
        raise ValueError(f"{source}: a contracts file needs a 'key' column")
    specs, first = {}, {}
    for lineno, raw in enumerate(records_, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not row.get("key"):
            continue
        spec = ContractSpec(**_row_fields(row, f"{source} row {lineno}"))
        _check_spec(spec, f"{source} row {lineno}")
        if spec.key in first:
            raise ValueError(f"{source} row {lineno}: {spec.key} is also on row "
                             f"{first[spec.key]}; give each contract once")
        first[spec.key] = lineno
        specs[spec.key] = spec
    return specs


def _row_fields(row: dict, where: str) -> dict:
    """A contracts file's row as ContractSpec's fields: numbers in the one grammar (no 1_0,
    inf or nan in a contract's spec), names in their case."""
    kwargs = {}
    for name in SPEC_FIELDS:
        if name == "multiplier" or not row.get(name):
            continue
        if name in _NUMERIC:
            try:
                kwargs[name] = parse_number(row[name], what=name, percent=False)
            except ValueError as e:
                raise ValueError(f"{where}: {e}") from None
        else:
            kwargs[name] = row[name]
    kwargs["key"] = row["key"].upper()
    kwargs["type"] = kwargs.get("type", "inverse").lower()
    for name in ("margin_model", "liq_round"):
        if name in kwargs:
            kwargs[name] = kwargs[name].lower()
    return kwargs


def _check_spec(spec: ContractSpec, where: str) -> None:
    if spec.type not in ("inverse", "linear"):
        raise ValueError(f"{where}: type must be inverse or linear, got {spec.type!r}")
    m = spec.multiplier
    if not (m > 0):
        what = "size_coin" if spec.linear else "face_usd"
        raise ValueError(f"{where}: {what} must be > 0 for a {spec.type} contract")
    if not (spec.lot > 0):
        raise ValueError(f"{where}: lot must be > 0")
    if spec.margin_model not in MARGIN_MODELS:
        raise ValueError(f"{where}: margin_model must be one of {', '.join(MARGIN_MODELS)}, "
                         f"got {spec.margin_model!r}")
    if spec.liq_round not in LIQ_ROUNDING:
        raise ValueError(f"{where}: liq_round must be nearest, toward_entry or blank, got "
                         f"{spec.liq_round!r}")
    if spec.expiry:
        try:
            dt.datetime.strptime(spec.expiry, _EXPIRY_FORMAT)
        except ValueError:
            raise ValueError(f"{where}: expiry must be a UTC time such as "
                             f"2024-06-28T08:00:00Z, got {spec.expiry!r}") from None


def _bundled() -> dict[str, ContractSpec]:
    package = __name__.split(".")[0]  # "hedgexl", or the name xlwings Lite's bundle gives it
    text = resources.files(package).joinpath("data/contracts.csv").read_text("utf-8")
    return _parse_rows(text, "contracts.csv")


_REGISTRY: dict[str, ContractSpec] = _bundled()


def load_contracts(path, *, replace_all: bool = False) -> list[str]:
    """Add or override presets from a CSV file with the columns of the bundled one.

    Returns the keys read. With ``replace_all`` the bundled presets are dropped first.
    """
    text, source = read_data_file(path, "contracts file")
    specs = _parse_rows(text, source)
    if replace_all:
        _REGISTRY.clear()
    _REGISTRY.update(specs)
    return list(specs)


def read_data_file(path, what: str) -> tuple[str, str]:
    """The text of a user's data file (contracts, tiers) and its name for messages; an
    unreadable file is one ValueError naming it."""
    p = Path(path)
    try:
        return p.read_text("utf-8-sig"), str(p)
    except OSError as e:
        raise ValueError(f"{what} {p}: {e.strerror or e}") from None


def reset_contracts() -> None:
    """Forget user-loaded presets; back to the bundled file."""
    _REGISTRY.clear()
    _REGISTRY.update(_bundled())


def contract_keys() -> list[str]:
    return list(_REGISTRY)


def all_contracts() -> list[ContractSpec]:
    return list(_REGISTRY.values())


def own_contract(coin: str, venue: str | None = None) -> ContractSpec | None:
    """The inverse preset whose coin is ``coin``: the one on ``venue`` when there is one,
    else the first in the contracts file; None when no inverse preset has that coin.

    >>> own_contract("eth", "Binance COIN-M").key
    'BINANCE:ETHUSD_PERP'
    >>> own_contract("SOL") is None
    True
    """
    coin = str(coin).strip().upper()
    found = [s for s in _REGISTRY.values() if not s.linear and (s.coin or "").upper() == coin]
    if not found:
        return None
    return next((s for s in found if venue and s.venue == venue), found[0])


def get_contract(contract) -> ContractSpec:
    """Resolve a number, a preset key or a ContractSpec to a ContractSpec.

    >>> get_contract("binance:btcusd_perp").face_usd
    100.0
    >>> get_contract(10).face_usd
    10.0
    """
    if isinstance(contract, ContractSpec):
        return contract
    if isinstance(contract, str):
        s = contract.strip()
        if is_face_text(s):  # a face value, in the one number grammar
            return _face(parse_number(s, what="contract face value", percent=False))
        return _lookup(s)
    if isinstance(contract, (int, float, np.integer, np.floating)) and not isinstance(contract, bool):
        return _face(float(contract))
    raise ValueError(f"contract must be a face value in USD or a preset key, got {contract!r}")


def is_face_text(s: str) -> bool:
    """Whether a contract given as text is meant as an inverse face value: it starts as a
    number does (a preset key starts with its venue's name).

    >>> is_face_text("100"), is_face_text(".5"), is_face_text("BINANCE:BTCUSD_PERP")
    (True, True, False)
    """
    s = s.strip()
    return s[:1].isdigit() or s[:1] in ".+-"


def _face(f: float) -> ContractSpec:
    if not (f > 0) or not math.isfinite(f):
        raise ValueError(f"contract face value must be > 0, got {f:g}")
    return ContractSpec(key=f"{f:g} USD", type="inverse", face_usd=f, settle="coin")


def _lookup(key: str) -> ContractSpec:
    spec = _REGISTRY.get(key.upper())
    if spec is not None:
        return spec
    spec = _dated(key.upper())
    if spec is not None:
        return spec
    near = difflib.get_close_matches(key.upper(), list(_REGISTRY), n=4, cutoff=0.5)
    if not near:  # a bare symbol such as "BTCUSD_PERP" is worth suggesting by suffix
        near = [k for k in _REGISTRY if k.split(":", 1)[-1] == key.upper()]
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise ValueError(f"unknown contract {key!r}{hint}")


def resolve(contract):
    """Vectorised lookup: return ``(linear, multiplier, lot)``.

    For a single contract these are a bool and two floats; for an array of contracts,
    arrays of the same shape.
    """
    arr = np.asarray(contract) if not isinstance(contract, (str, ContractSpec)) else None
    if arr is None or arr.ndim == 0:
        spec = get_contract(contract if arr is None else arr.item())
        return spec.linear, spec.multiplier, spec.lot
    if arr.dtype.kind in "fiu":
        from .validate import num
        face = num(arr, "contract", positive=True)
        return np.zeros(arr.shape, bool), face, np.ones(arr.shape)
    flat = arr.ravel()
    cache: dict = {}
    linear = np.empty(flat.shape, bool)
    mult = np.empty(flat.shape)
    lot = np.empty(flat.shape)
    for i, c in enumerate(flat):
        k = c if isinstance(c, (str, int, float)) else repr(c)
        if k not in cache:
            try:
                spec = get_contract(c)
            except ValueError as e:
                raise ValueError(f"{e} (index {i})") from None
            cache[k] = (spec.linear, spec.multiplier, spec.lot)
        linear[i], mult[i], lot[i] = cache[k]
    return linear.reshape(arr.shape), mult.reshape(arr.shape), lot.reshape(arr.shape)


# ------------------------------------------------------------------ dated futures

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_CODES = "FGHJKMNQUVXZ"  # BitMEX's (and CME's) month letters, January to December
_DATE_FORMATS = {"yymmdd": r"(\d{6})", "ddmmmyy": r"(\d{1,2}[A-Z]{3}\d{2})",
                 "month_code_yy": r"([FGHJKMNQUVXZ]\d{2})"}


def _dated_rules() -> list[dict]:
    package = __name__.split(".")[0]
    text = resources.files(package).joinpath("data/dated_contracts.csv").read_text("utf-8")
    return [{k: (v or "").strip() for k, v in r.items()} for r in records(text,
            "dated_contracts.csv")[1]]


_DATED_RULES = _dated_rules()


def _expiry_date(text: str, fmt: str) -> dt.date:
    """The expiry date a key's date part names (ValueError when it names none)."""
    if fmt == "yymmdd":
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    if fmt == "ddmmmyy":
        return dt.date(2000 + int(text[-2:]), _MONTHS.index(text[-5:-2]) + 1, int(text[:-5]))
    return _last_friday(2000 + int(text[1:]), _MONTH_CODES.index(text[0]) + 1)


def _dated(key: str) -> ContractSpec | None:
    """A dated future's spec from its key (BINANCE:BTCUSD_240628, DERIBIT:BTC-28JUN24,
    BITMEX:XBTM24 ...): its perpetual's terms, no funding, the expiry from the key at the
    venue's settlement hour (``data/dated_contracts.csv``). None when no rule matches."""
    venue, _, symbol = key.partition(":")
    for r in _DATED_RULES:
        if r["venue"] != venue or not symbol.startswith(r["prefix"]):
            continue
        m = re.fullmatch(_DATE_FORMATS[r["date_format"]], symbol[len(r["prefix"]):])
        if m is None:
            continue
        try:
            day = _expiry_date(m.group(1), r["date_format"])
        except (ValueError, IndexError):
            raise ValueError(f"{key}: {m.group(1)!r} is not a date") from None
        _listed(key, day, r)
        key = f"{venue}:{r['prefix']}{_date_text(day, r['date_format'])}"  # one spelling
        symbol = key.partition(":")[2]
        when = dt.datetime.combine(day, dt.time(int(r["expiry_hour_utc"])))
        perp = _REGISTRY.get(r["perpetual"])
        if perp is None:
            return None
        return replace(perp, key=key, symbol=symbol, funding_hours=math.nan,
                       expiry=when.strftime(_EXPIRY_FORMAT), like=perp.key)
    return None


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _listed(key: str, day: dt.date, rule: dict) -> None:
    """Refuse a date the venue lists no contract on: another weekday than its expiries'
    (every venue here expires on Fridays) or a month outside its cycle (BitMEX: March,
    June, September, December)."""
    weekday = rule.get("weekday", "")
    if weekday and _WEEKDAYS[day.weekday()] != weekday:
        raise ValueError(f"{key}: {day:%Y-%m-%d} is a {_WEEKDAYS[day.weekday()].title()}; "
                         f"{rule['venue']}'s dated futures expire on a {weekday.title()}")
    months = rule.get("months", "").split()
    if months and str(day.month) not in months:
        raise ValueError(f"{key}: {rule['venue']} lists dated futures for months "
                         f"{', '.join(months)} only")


def expiry_of(contract) -> dt.datetime | None:
    """A dated future's settlement time (naive UTC); None for a perpetual.

    >>> expiry_of("DERIBIT:ETH-29MAR24")
    datetime.datetime(2024, 3, 29, 8, 0)
    >>> expiry_of("BITMEX:XBTM24"), expiry_of("BINANCE:BTCUSD_PERP")
    (datetime.datetime(2024, 6, 28, 12, 0), None)
    """
    spec = get_contract(contract)
    return dt.datetime.strptime(spec.expiry, _EXPIRY_FORMAT) if spec.expiry else None


def days_to_expiry(contract, valuation) -> float:
    """Days (fractional) from ``valuation`` (naive UTC datetime or date: its 00:00) to the
    contract's settlement; refused for a perpetual and once the contract has expired.

    >>> days_to_expiry("DERIBIT:ETH-26JAN24", dt.datetime(2024, 1, 8, 11, 19))
    17.861805555555556
    """
    end = expiry_of(contract)
    if end is None:
        raise ValueError(f"{get_contract(contract).key} is a perpetual: it has no expiry")
    if not isinstance(valuation, dt.datetime):
        valuation = dt.datetime.combine(valuation, dt.time())
    if valuation.tzinfo is not None:  # the same instant in UTC
        valuation = valuation.astimezone(dt.timezone.utc).replace(tzinfo=None)
    days = (end - valuation).total_seconds() / 86400
    if days <= 0:
        raise ValueError(f"{get_contract(contract).key} expired on {end:%Y-%m-%d %H:%M} UTC, "
                         f"before {valuation:%Y-%m-%d %H:%M} UTC")
    return days


def _last_friday(year: int, month: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - 4) % 7)


def _date_text(day: dt.date, fmt: str) -> str:
    if fmt == "yymmdd":
        return day.strftime("%y%m%d")
    if fmt == "ddmmmyy":
        return f"{day.day}{_MONTHS[day.month - 1]}{day:%y}"
    return f"{_MONTH_CODES[day.month - 1]}{day:%y}"


def next_quarterly(contract) -> str:
    """The key of the same venue's and coin's quarterly future after this dated one: the
    last Friday of the next of March, June, September and December (the venues' quarterly
    cycle) after its expiry.

    >>> next_quarterly("DERIBIT:BTC-28JUN24"), next_quarterly("BITMEX:XBTZ24")
    ('DERIBIT:BTC-27SEP24', 'BITMEX:XBTH25')
    >>> next_quarterly("BINANCE:BTCUSD_240705")  # a weekly rolls into the quarter's
    'BINANCE:BTCUSD_240927'
    """
    spec = get_contract(contract)
    end = expiry_of(spec)
    if end is None:
        raise ValueError(f"{spec.key} is a perpetual: it does not roll")
    venue, _, symbol = spec.key.partition(":")
    rule = next(r for r in _DATED_RULES if r["venue"] == venue
                and symbol.startswith(r["prefix"]) and r["perpetual"] == spec.like)
    return _quarterly(rule, end.date())


def first_quarterly(perpetual, day: dt.date, days_before: int = 0) -> str:
    """The key of the first quarterly future of a perpetual's venue and coin that expires
    more than ``days_before`` days after ``day``: what a dated hedge opened on ``day`` holds
    when it rolls ``days_before`` days before each expiry.

    >>> first_quarterly("BINANCE:BTCUSD_PERP", dt.date(2024, 1, 2))
    'BINANCE:BTCUSD_240329'
    >>> first_quarterly("DERIBIT:ETH-PERPETUAL", dt.date(2024, 3, 25), days_before=7)
    'DERIBIT:ETH-28JUN24'
    """
    spec = get_contract(perpetual)
    rules = [r for r in _DATED_RULES if r["perpetual"] == spec.key]
    if spec.expiry:
        raise ValueError(f"{spec.key} is already a dated future: a dated hedge rolls from a "
                         f"holding's perpetual (give {spec.like or 'the perpetual'})")
    if spec.linear:
        raise ValueError(f"{spec.key} is a linear ({spec.settle}) contract: hedgexl's dated "
                         f"futures are the venues' inverse quarterlies")
    if not rules:
        have = ", ".join(r["perpetual"] for r in _DATED_RULES)
        raise ValueError(f"{spec.key}: hedgexl knows no dated futures of its venue and coin "
                         f"(it knows those of {have})")
    return _quarterly(rules[0], day + dt.timedelta(days=days_before))


def _quarterly(rule: dict, after: dt.date) -> str:
    """The rule's quarterly (last Friday of March, June, September or December; BitMEX's
    expire at noon, the others at 08:00) that expires after ``after`` (a date: one expiring
    on it is past by its end)."""
    year, month = after.year, after.month
    while not (month % 3 == 0 and _last_friday(year, month) > after):
        month += 1
        if month > 12:
            year, month = year + 1, 1
    day = _last_friday(year, month)
    return f"{rule['venue']}:{rule['prefix']}{_date_text(day, rule['date_format'])}"
