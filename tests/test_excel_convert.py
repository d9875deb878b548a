"""The per-cell path of the HEDGE_* (issue 26): a call whose every argument is one number or
key is computed without arrays. It must answer what the general path answers: each call
here is made once as one cell per argument (the fast path) and once as a two-row column
(the general path, which broadcasts), and the first row compared, blanks, defaults, errors
and "none" included."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedgexl import udfs as U
from hedgexl.excel import convert

K = "BINANCE:BTCUSD_PERP"

CASES = [
    (U.HEDGE_NOTIONAL, (250_000.0, 0.25, None)),
    (U.HEDGE_NOTIONAL, (250_000.0, None, 1.2)),
    (U.HEDGE_NOTIONAL, (None, 0.25, None)),
    (U.HEDGE_CONTRACTS, (250_000.0, K, 0.75, 1.1, None, "up")),
    (U.HEDGE_CONTRACTS, (250_000.0, 100.0, None, None, None, None)),
    (U.HEDGE_CONTRACTS, (250_000.0, "BINANCE:BTCUSDT", 1.0, 1.0, 60_000.0, None)),
    (U.HEDGE_CONTRACTS, (250_000.0, "NOPE:X", 1.0, 1.0, None, None)),
    (U.HEDGE_PNL, (-625.0, 50_000.0, 42_500.0, K, None)),
    (U.HEDGE_PNL, (-625.0, 50_000.0, -1.0, K, None)),
    (U.HEDGE_FEE, (-625.0, 50_000.0, K, 0.0005, "usd")),
    (U.HEDGE_NET_PNL, (5.0, 50_000.0, 42_500.0, -625.0, 50_000.0, 42_500.0, K, None, None)),
    (U.HEDGE_LIQ_PRICE, (10_000.0, 50_000.0, 0.02, 1.0, 0.005, None)),
    (U.HEDGE_LIQ_PRICE, (-10_000.0, 50_000.0, 0.2, 1.0, 0.005, None)),
    (U.HEDGE_LIQ_PRICE, (100_000.0, 45_000.0, 101.0, K, 0.125, 11.605)),
    (U.HEDGE_LIQ_PRICE, (100.0, 60_000.0, 6_000.0, "OKX:BTC-USDT-SWAP", 0.015, None)),
    (U.HEDGE_LIQ_PRICE, (10_000.0, 8_000.0, 0.5, "BYBIT:BTCUSD", None, None)),
    (U.HEDGE_MARGIN, (100.0, 25_000.0, K, "initial", 20.0, None, None)),
    (U.HEDGE_BASIS, (50_500.0, 50_000.0, 73.0)),
    (U.HEDGE_OPTION_PRICE, ("call", 93_885.74, 100_000.0, 0.30763, 0.4477, None)),
    (U.HEDGE_OPTION_IV, ("put", 93_886.07, 90_000.0, 0.30763, 0.08108166, "settle")),
    (U.HEDGE_OPTION_IV, ("call", 100_000.0, 80_000.0, 0.5, 0.1, None)),
]
#: Arguments that are one text for the whole call (not a column): never made a range.
SINGLE = {"unit", "rounding", "kind"}


def _both(fn, args):
    import inspect
    names = list(inspect.signature(fn).parameters)
    single = [a is None or (names[i] in SINGLE and not (
        names[i] == "kind" and fn in _KIND_PER_ROW)) for i, a in enumerate(args)]
    one = [a if s else [[a]] for a, s in zip(args, single)]
    two = [a if s else [[a], [a]] for a, s in zip(args, single)]
    return fn.values(*one), fn.values(*two)


_KIND_PER_ROW = {U.HEDGE_OPTION_PRICE, U.HEDGE_OPTION_IV}


def _same(a, b):
    if isinstance(a, convert.XlError) or isinstance(b, convert.XlError):
        return isinstance(a, convert.XlError) and isinstance(b, convert.XlError) and \
            a.reason == b.reason
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@pytest.mark.parametrize("fn, args", CASES, ids=[f"{c[0].__name__}-{i}"
                                                 for i, c in enumerate(CASES)])
def test_one_cell_answers_as_the_general_path(fn, args):
    one, two = _both(fn, args)
    if isinstance(two, convert.XlError):  # a problem of the whole call
        assert isinstance(one, convert.XlError) and one.reason == two.reason
        return
    # one cell whose value is refused answers one #VALUE! (as it always has); a range
    # answers it in that row
    first = one if isinstance(one, convert.XlError) else one[0][0]
    assert _same(first, two[0][0]), (one, two)


def test_the_fast_path_is_taken_and_its_check_can_fail(monkeypatch):
    """The per-cell call does not go through the general conversion; and a fast path
    that forgot a default would be caught by the comparison above."""
    calls = []
    real = convert._convert
    monkeypatch.setattr(convert, "_convert", lambda *a: calls.append(a) or real(*a))
    assert U.HEDGE_NOTIONAL([[250_000.0]], [[0.25]], None) == [[62_500.0]]
    assert calls == []
    U.HEDGE_NOTIONAL([[250_000.0], [1.0]], [[0.25], [0.5]], None)
    assert calls  # a range: the general path
    real_value = convert._fast_value  # a fast path that took a blank cell for 0
    monkeypatch.setattr(convert, "_fast_value", lambda a: (
        lambda v: 0.0 if v is convert._BLANK else v)(real_value(a)))
    one, two = _both(U.HEDGE_NOTIONAL, (None, 0.25, None))
    assert not _same(one[0][0], two[0][0])


@settings(max_examples=200, deadline=None)
@given(q=st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-3),
       ep=st.floats(100, 200_000), margin=st.floats(0, 1e3), rate=st.floats(0, 0.2),
       contract=st.sampled_from([1.0, 100.0, K, "OKX:BTC-USD-SWAP", "BYBIT:BTCUSD",
                                 "DERIBIT:BTC-PERPETUAL", "KRAKEN:PI_XBTUSD"]),
       given_rate=st.booleans())
def test_liquidation_prices_agree_cell_by_cell(q, ep, margin, rate, contract, given_rate):
    if isinstance(contract, float) and not given_rate:
        given_rate = True  # a face value needs its rate
    args = (q, ep, margin, contract, rate if given_rate else None, None)
    one, two = _both(U.HEDGE_LIQ_PRICE, args)
    first = two[0][0] if isinstance(two, list) else two
    assert _same(one[0][0] if isinstance(one, list) else one, first)


CELLS = st.one_of(st.none(), st.just(""), st.floats(-1e7, 1e7), st.sampled_from(
    ["1,250.5", "75%", "abc", " 3e3 ", "nan"]))
KEYS = st.sampled_from(["BINANCE:BTCUSD_PERP", "binance:ethusdt", "OKX:BTC-USD-SWAP", "",
                        None, "NOPE:XYZ", 100.0])


@settings(max_examples=60)
@given(st.lists(st.tuples(CELLS, KEYS, CELLS, CELLS, CELLS), min_size=1, max_size=6))
def test_hedge_size_reads_its_arguments_once_and_answers_as_the_three(rows):
    """HEDGE_SIZE converts each range once (convert.rowwise_many) and must still answer, cell
    by cell, what HEDGE_NOTIONAL, HEDGE_CONTRACTS and HEDGE_RESIDUAL answer on their own:
    a bad contract key refuses the contracts and the residual, not the notional."""
    value, key, ratio, beta, price = ([[r[i]] for r in rows] for i in range(5))
    got = U.HEDGE_SIZE(value, key, ratio, beta, price)
    apart = [U.HEDGE_NOTIONAL(value, ratio, beta),
             U.HEDGE_CONTRACTS(value, key, ratio, beta, price),
             U.HEDGE_RESIDUAL(value, key, ratio, beta, price)]
    if any(isinstance(a, str) for a in apart):  # one refused the whole call: so does it
        assert isinstance(got, str) and got.startswith("#VALUE!")
        return
    want = convert.side_by_side(apart)

    def same(a, b):
        return (a == b or (isinstance(a, float) and isinstance(b, float)
                           and math.isnan(a) and math.isnan(b)))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert all(same(a, b) for a, b in zip(g, w)), (g, w)
