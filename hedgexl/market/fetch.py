"""``hedgexl fetch``: venues' data into the files ``--funding``, ``--prices`` and
``--contracts`` read.

Every file is checked by the reader that will read it (the same rules as a user's own
file) before it is written, and written whole or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from .. import files
from ..files import csv_safe
from ..inputs import InputError
from .client import Clients, MarketError, NoSuchMarket
from .history import daily_closes, funding_history, iso, ms
from .venues import resolve_market, venue_of

__all__ = ["funding_csv", "prices_csv", "futures_csv", "options_csv", "write_checked",
           "FUNDING_HEADER", "FUTURES_HEADER", "OPTIONS_HEADER", "check_contracts",
           "check_tiers"]

FUNDING_HEADER = ["time_utc", "contract", "mark_price", "funding_rate", "interval_hours"]
FUTURES_HEADER = ["time_utc", "contract", "price"]


def _num(x: float) -> str:
    return repr(float(x))


def funding_csv(keys, since, until, *, clients: Clients, progress=None,
                warnings=None) -> str:
    """The funding histories of ``keys`` (``VENUE:SYMBOL``) from ``since`` to ``until``
    (dates, inclusive) as the CSV ``--funding`` reads."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(FUNDING_HEADER)
    a, b = ms(since), ms(until) + 24 * 3_600_000 - 1
    for key in keys:
        ref = resolve_market(key, clients)
        bar = progress(f"funding {ref.key}") if progress else None
        for r in funding_history(ref, a, b, progress=bar, warnings=warnings):
            w.writerow([iso(r.time), csv_safe(ref.key), _num(r.mark), _num(r.rate),
                        f"{r.interval_hours:g}"])
    return out.getvalue()


def prices_csv(assets, since, until, *, clients: Clients, venue="BINANCE", quote="USDT",
               progress=None, warnings=None, skip_missing=False) -> str:
    """Daily closes of ``assets`` (BTC, ETH, ...) in ``quote`` on ``venue``'s spot market,
    as the wide ``date,BTC,ETH`` CSV ``--prices`` reads (blank where an asset has no
    close)."""
    v = venue_of(venue)
    if not v.spot:
        raise MarketError(f"{v.label}: ccxt has no spot market there; choose another "
                          f"--venue for prices (e.g. BINANCE, KRAKEN)")
    client = clients.get(v, v.spot)
    markets = client.markets()
    a, b = ms(since), ms(until)
    cols: dict[str, dict] = {}
    for asset in assets:
        name = str(asset).strip().upper()
        symbol = f"{name}/{quote.upper()}"
        if symbol not in markets and skip_missing and warnings is not None:
            warnings.append(f"{name}: {client.label} has no spot market {symbol}; no prices "
                            f"fetched for it")
            continue
        if symbol not in markets:
            raise MarketError(f"{name}: {client.label} has no spot market {symbol}; try "
                              f"another --quote or --venue")
        bar = progress(f"prices {name}") if progress else None
        cols[name] = daily_closes(client, symbol, a, b, progress=bar, warnings=warnings)
    if not cols:
        raise MarketError(f"{client.label} has a spot market for none of "
                          f"{', '.join(map(str, assets))} in {quote.upper()}")
    days = sorted(set().union(*[set(c) for c in cols.values()]))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["date", *(csv_safe(c) for c in cols)])
    for d in days:
        w.writerow([d, *(_num(c[d]) if d in c else "" for c in cols.values())])
    return out.getvalue()


def futures_csv(keys, since, until, *, clients: Clients, progress=None,
                warnings=None) -> str:
    """Daily closes of dated futures (``VENUE:SYMBOL``, e.g. ``BINANCE:BTCUSD_240628``)
    from ``since`` to ``until`` (dates, inclusive; at most to the day before expiry), as
    the ``time, contract, price`` CSV ``--futures-prices`` reads. Each close is timed at
    the end of its day, 23:59:59 UTC (its candle's close), so it counts for that date."""
    from ..core import expiry_of, get_contract
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(FUTURES_HEADER)
    for key in keys:
        try:
            spec = get_contract(key)
        except (KeyError, ValueError) as e:
            raise MarketError(str(e).strip("'\"")) from None
        end = expiry_of(spec)
        if end is None:
            raise MarketError(f"{spec.key} is a perpetual: fetch its funding (hedgexl fetch "
                              f"funding {spec.key}); prices are fetched for dated futures "
                              f"and spot coins")
        last = min(until, end.date() - dt.timedelta(days=1))
        if last < since:
            raise MarketError(f"{spec.key} expired on {end:%Y-%m-%d %H:%M} UTC, before "
                              f"--since {since}")
        try:
            ref = resolve_market(spec.key, clients)
        except NoSuchMarket as e:
            raise NoSuchMarket(f"{e}; venues list the dated futures still trading, so one "
                               f"that has settled cannot be fetched") from None
        bar = progress(f"prices {spec.key}") if progress else None
        closes = daily_closes(ref.client, ref.symbol, ms(since), ms(last), progress=bar,
                              warnings=warnings)
        for day, close in closes.items():
            w.writerow([f"{day}T23:59:59Z", csv_safe(spec.key), _num(close)])
    return out.getvalue()


#: What ``hedgexl fetch options`` writes: Deribit's own fields of
#: ``public/get_book_summary_by_currency`` (the layout ``--chain`` reads), and the time.
OPTIONS_HEADER = ["time_utc", "instrument_name", "mark_price", "mark_iv", "underlying_price",
                  "underlying_index", "estimated_delivery_price", "bid_price", "ask_price",
                  "open_interest"]


def options_csv(coin: str, *, expiry=None, clients: Clients, warnings=None) -> str:
    """Deribit's option chain of ``coin`` (BTC, ETH) now, one row per option (of one
    ``expiry``, Deribit's code such as 27MAR26, when given), as the CSV ``hedgexl options
    --chain`` reads: its marks in coin, each expiry's future, the index."""
    from .venues import venue_of
    v = venue_of("DERIBIT")
    client = clients.get(v, "deribit")
    code = str(coin).strip().upper()
    chain = client.call(f"option chain of {code}", "fetch_option_chain", code)
    rows = [o.get("info") or {} for o in (chain or {}).values()]
    if expiry:
        want = f"-{str(expiry).strip().upper()}-"
        listed = sorted({str(r.get("instrument_name", "")).split("-")[1] for r in rows
                         if str(r.get("instrument_name", "")).count("-") == 3},
                        key=_expiry_order)
        rows = [r for r in rows if want in str(r.get("instrument_name", ""))]
        if not rows:
            raise MarketError(f"--expiry {expiry}: Deribit lists {code} options expiring "
                              f"{', '.join(listed) or 'on no date'}")
    if not rows:
        raise MarketError(f"Deribit returned no {code} options")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(OPTIONS_HEADER)
    for r in sorted(rows, key=lambda r: str(r.get("instrument_name"))):
        t = r.get("creation_timestamp")
        w.writerow([_iso_ms(t), *(csv_safe("" if r.get(k) is None else str(r.get(k)))
                                  for k in OPTIONS_HEADER[1:])])
    return out.getvalue()


def _expiry_order(code: str):
    """Deribit's 27MAR26 as a date, for sorting (text that is not one sorts last)."""
    try:
        return dt.datetime.strptime(code, "%d%b%y").date(), ""
    except ValueError:
        return dt.date.max, code


def _iso_ms(t) -> str:
    try:
        return iso(int(t))
    except (TypeError, ValueError):
        return ""


def write_checked(path, text: str, reader, *, force: bool = False, what="file") -> Path:
    """Check ``text`` with ``reader`` (hedgexl's reader of that kind of file), then write
    it to ``path`` whole. A check that fails writes nothing and names the row."""
    with tempfile.TemporaryDirectory() as d:
        probe = Path(d) / (Path(path).stem + ".csv")
        probe.write_text(text, encoding="utf-8")
        try:
            reader(probe)
        except InputError as e:  # typed: its row and reason, not the probe file's path
            where = f"row {e.row}: " if e.row is not None else ""
            raise MarketError(f"the fetched {what} fails hedgexl's own check ({where}"
                              f"{e.reason}); nothing written") from None
        except ValueError as e:
            raise MarketError(f"the fetched {what} fails hedgexl's own check ({e}); nothing "
                              f"written") from None
    files.check_target(path, force=force)
    return files.write_text(path, text, force=force, newline="")


def check_contracts(path) -> None:
    """Read a contracts file as ``--contracts`` does, without loading it."""
    from ..core import contracts
    contracts._parse_rows(*contracts.read_data_file(path, "contracts file"))


def check_tiers(path) -> None:
    """Read a tiers file as ``--tiers`` does, without loading it."""
    from ..core import contracts, tiers
    tiers._parse(*contracts.read_data_file(path, "tiers file"))
