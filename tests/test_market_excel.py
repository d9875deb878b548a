"""HEDGE_MARK, HEDGE_FUNDING_RATE and HEDGE_FUNDING_HISTORY, called the way desktop Excel
calls them (xlwings' COM server, Windows modules stubbed), against the venue stand-ins."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("ccxt")

from venues import VenueServer, bundled_funding, desk_state, t_ms  # noqa: E402
from xlcall import Cells, as_grid  # noqa: E402


@pytest.fixture
def venue(monkeypatch):
    from hedgexl.market import live
    st = desk_state()
    with VenueServer(st) as base:
        monkeypatch.setenv("HEDGEXL_API_BASE", base)
        live.clear()
        yield st
        live.clear()


def requests(st, fragment):
    return sum(fragment in line for line in st.log)


def test_mark_and_rate_are_the_venues_and_cached(venue, com):
    st = venue
    btc = bundled_funding("BINANCE:BTCUSD_PERP")
    assert com.call("HEDGE_MARK", "BINANCE:BTCUSD_PERP") == btc.marks[-1]
    assert com.call("HEDGE_FUNDING_RATE", "BINANCE:BTCUSD_PERP") == pytest.approx(
        btc.rates[-1], abs=5e-9)  # Binance answers 8 decimals
    okx = bundled_funding("OKX:BTC-USD-SWAP")
    assert com.call("HEDGE_MARK", "OKX:BTC-USD-SWAP") == okx.marks[-1]  # OKX's mark-price
    n = requests(st, "premiumIndex")
    for _ in range(20):  # a sheet recalculating: no new request within the time-to-live
        com.call("HEDGE_MARK", "BINANCE:BTCUSD_PERP")
        com.call("HEDGE_FUNDING_RATE", "BINANCE:BTCUSD_PERP")
    assert requests(st, "premiumIndex") == n


def test_the_cache_expires(venue, com, monkeypatch):
    """The check above can fail: with a time-to-live of 0 every call asks the venue."""
    from hedgexl.market import live
    st = venue
    monkeypatch.setitem(live.TTL, "mark", 0.0)
    com.call("HEDGE_MARK", "BINANCE:BTCUSD_PERP")
    n = requests(st, "premiumIndex")
    com.call("HEDGE_MARK", "BINANCE:BTCUSD_PERP")
    assert requests(st, "premiumIndex") == n + 1


def test_funding_history_spills_and_feeds_hedge_funding(venue, com):
    st = venue
    got = as_grid(com.call("HEDGE_FUNDING_HISTORY", "OKX:ETH-USD-SWAP",
                           dt.datetime(2024, 6, 1), "2024-06-30"))
    want = bundled_funding("OKX:ETH-USD-SWAP")
    keep = [i for i, t in enumerate(want.times) if t_ms("2024-06-01") <= t < t_ms("2024-07-01")]
    assert len(got) == len(keep) and all(len(r) == 3 for r in got)
    assert [r[1] for r in got] == [want.marks[i] for i in keep]
    assert [r[2] for r in got] == pytest.approx([want.rates[i] for i in keep], rel=1e-12)
    # a date Excel shows as 2024-06-01 00:00 (COM time carries no zone; xlwings marks UTC)
    assert got[0][0].replace(tzinfo=None) == dt.datetime(2024, 6, 1, 0, 0)
    # columns 2 and 3 into HEDGE_FUNDING: -2,000 contracts of 10 USD, short, in ETH
    paid = com.call("HEDGE_FUNDING", -2000, "OKX:ETH-USD-SWAP",
                    Cells([[r[1]] for r in got]), Cells([[r[2]] for r in got]))
    expect = sum(2000 * 10 / want.marks[i] * want.rates[i] for i in keep)  # shorts receive
    assert paid == pytest.approx(expect, rel=1e-12)


def test_a_venue_error_is_a_value_error_with_its_reason(venue, com):
    st = venue
    st.down = True
    assert str(com.call("HEDGE_MARK", "BYBIT:BTCUSD")).startswith("#VALUE!")
    why = com.call("HEDGE_EXPLAIN", "HEDGE_MARK", "BYBIT:BTCUSD")
    assert "HTTP 503 Service Unavailable" in why
    assert "contract must be a VENUE:SYMBOL" in com.call("HEDGE_EXPLAIN", "HEDGE_MARK", 100)


def test_in_xlwings_lite_the_live_functions_refuse_with_the_reason(lite):
    got = as_grid(lite.call("HEDGE_MARK", "BINANCE:BTCUSD_PERP"))
    assert got == [["#VALUE!"]]
    why = lite.call("HEDGE_EXPLAIN", "HEDGE_MARK", "BINANCE:BTCUSD_PERP")
    assert "not available in xlwings Lite" in str(why)


def test_kraken_mark_is_read_and_its_inverse_current_rate_refused(venue, com):
    """Kraken Futures' ticker: the mark is the venue's; the current rate of an inverse
    contract is in Kraken's own units, so HEDGE_FUNDING_RATE refuses it (right or refused),
    while its history (relative rates) is read."""
    from venues import hourly
    want = hourly(bundled_funding("BINANCE:BTCUSD_PERP"))
    assert com.call("HEDGE_MARK", "KRAKEN:PI_XBTUSD") == want.marks[-1]
    got = com.call("HEDGE_FUNDING_RATE", "KRAKEN:PI_XBTUSD")
    assert str(got).startswith("#VALUE!") and "its own units" in str(got)
    rows = as_grid(com.call("HEDGE_FUNDING_HISTORY", "KRAKEN:PI_XBTUSD",
                            dt.datetime(2024, 6, 30), "2024-06-30"))
    day = [r for t, r in zip(want.times, want.rates)
           if t_ms("2024-06-30") <= t < t_ms("2024-07-01")]
    assert len(rows) == 24 and [r[2] for r in rows] == pytest.approx(day, rel=1e-12)
