"""Every HEDGE_* called the way Excel calls it: through xlwings' COM server (Windows) and
xlwings Lite's ``custom_functions_call`` (macOS, web), with the shapes Excel sends.

Expected numbers come from the Python API (``hedgexl.core``) or from the docstring examples,
which the doctests hold to the exchanges' published examples.
"""

import ast
import doctest
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hedgexl as hx
from hedgexl import udfs as U
from hedgexl.excel import convert, registry

from xlcall import OMIT, Cells, as_grid, cell, column, row


def _py(a):
    """The Python value of an Excel argument, for a direct call."""
    if a is OMIT:
        return None
    if isinstance(a, Cells):
        return [list(r) for r in a.rows]
    return a


def shown(runtime, result):
    """What the runtime would put in the cells for a direct call's ``result``: Lite shows
    an error value, COM the text ``#VALUE! <reason>``."""
    grid = as_grid(result)
    out = []
    for r in grid:
        line = []
        for v in r:
            if isinstance(v, convert.XlError):
                v = f"{v} {v.reason}" if runtime.name == "com" else str(v)
            elif isinstance(v, float) and math.isnan(v):
                v = None
            line.append(v)
        out.append(line)
    return out


def assert_same(got, want, rel=1e-12):
    assert len(got) == len(want), (got, want)
    for gr, wr in zip(got, want):
        assert len(gr) == len(wr), (got, want)
        for g, w in zip(gr, wr):
            if isinstance(w, float) and isinstance(g, (int, float)):
                assert g == pytest.approx(w, rel=rel, abs=1e-15), (got, want)
            else:
                assert g == w, (got, want)


def call_both(runtime, name, *args):
    got = as_grid(runtime.call(name, *args))
    want = shown(runtime, getattr(U, name).values(*[_py(a) for a in args]))
    return got, want


# ---------------------------------------------------------------- docstring examples


#: Functions that ask a venue: their examples need the network, so they are proven against
#: the venue stand-ins instead (tests/test_market_excel.py).
LIVE = {"HEDGE_MARK", "HEDGE_FUNDING_RATE", "HEDGE_FUNDING_HISTORY"}


def _examples():
    """(function, positional args) of every HEDGE_* call in the UDF docstrings."""
    out = []
    parser = doctest.DocTestParser()
    for f in registry.UDFS:
        if f.__name__ in LIVE:
            continue
        for ex in parser.get_examples(f.__doc__ or ""):
            for node in ast.walk(ast.parse(ex.source)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == f.__name__:
                    out.append((f.__name__, [ast.literal_eval(a) for a in node.args]))
    return out


EXAMPLES = _examples()


def _excel_args(name, args, one_cell):
    f = getattr(U, name)
    n = len(registry.info(f).args)
    out = []
    for a in args:
        if isinstance(a, list):
            out.append(Cells(a))
        elif a is None:
            out.append(OMIT)
        else:
            out.append(cell(a) if one_cell else a)
    vararg = any(x.vararg for x in registry.info(f).args)
    if not vararg:
        out += [OMIT] * (n - len(out))  # Excel passes every declared argument
    return out


def test_every_function_has_an_example():
    assert {n for n, _ in EXAMPLES} == {f.__name__ for f in registry.UDFS} - LIVE


@pytest.mark.parametrize("one_cell", [False, True], ids=["literals", "one-cell ranges"])
@pytest.mark.parametrize("name,args", EXAMPLES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXAMPLES)])
def test_docstring_examples_through_xlwings(runtime, name, args, one_cell):
    if name == "HEDGE_EXPLAIN" and one_cell:
        args = [args[0]] + args[1:]  # the function name stays a literal either way
    got, want = call_both(runtime, name, *_excel_args(name, args, one_cell))
    assert_same(got, want)
    assert not any(isinstance(v, str) and "Error" in v and "IndexError" in v
                   for r in got for v in r)


# ---------------------------------------------------------------- the bugs Excel showed


def test_funding_with_one_cell_position(runtime):
    """Funding!H4 is =HEDGE_FUNDING(H3,H2,C2:C1643,D2:D1643): H3 is one cell."""
    m = column([50_000.0, None, 40_000.0])
    r = column([1e-4, 2e-4, 2e-4])
    want = hx.funding_total(-625, "BINANCE:BTCUSD_PERP", [50_000, 40_000], [1e-4, 2e-4])
    for q in (-625.0, cell(-625.0)):
        for key in ("BINANCE:BTCUSD_PERP", cell("BINANCE:BTCUSD_PERP")):
            got = as_grid(runtime.call("HEDGE_FUNDING", q, key, m, r, OMIT))
            assert got[0][0] == pytest.approx(want, rel=1e-12)
            series = as_grid(runtime.call("HEDGE_FUNDING_SERIES", q, key, m, r, OMIT))
            first = hx.funding_total(-625, "BINANCE:BTCUSD_PERP", [50_000], [1e-4])
            assert series[0][0] == pytest.approx(first, rel=1e-12)
            assert series[1] == [None] and series[2][0] == pytest.approx(want, rel=1e-12)


def test_bad_row_is_an_error_value_in_lite_and_text_on_com(com, lite):
    args = (column([15_000.0, 15_000.0]), column([750.0, -1.0]), 800.0, 1.0, OMIT)
    raw = lite.call("HEDGE_PNL", *args)
    assert raw[1][0] == {"type": "Error", "errorType": "Value"}  # Office.js error cell
    assert raw[0][0] == pytest.approx(1.25)
    text = com.call("HEDGE_PNL", *args)
    assert text[1][0] == "#VALUE! entry_price must be > 0, got -1"
    why = lite.call("HEDGE_EXPLAIN", "HEDGE_PNL", *args[:4])
    assert why == [["ok"], ["entry_price must be > 0, got -1"]]
    assert as_grid(com.call("HEDGE_EXPLAIN", "HEDGE_PNL", *args[:4])) == why


def test_one_blank_cell_for_an_optional_argument_takes_its_default(runtime):
    """Holdings!I3 is =HEDGE_CONTRACTS(G3,F3,E3,D3,L3); L3 (hedge price) is blank on an
    inverse row. A blank cell must mean "omitted", as the docs say, not "blank result"."""
    want = hx.hedge_contracts(1e5, "BINANCE:BTCUSD_PERP", 0.5)
    for blank in (cell(None), OMIT):
        got = as_grid(runtime.call("HEDGE_CONTRACTS", cell(1e5), cell("BINANCE:BTCUSD_PERP"),
                                   cell(0.5), blank, blank, OMIT))
        assert got == [[want]]


def test_a_linear_contract_answers_in_usdt_by_default(runtime):
    """Issue 24 through xlwings' call path: the settlement currency by default (USDT for a
    linear contract, as the venue's ledger books it), the coin or USD when asked."""
    got = as_grid(runtime.call("HEDGE_FEE", 2.0, 3_000.0, "BINANCE:ETHUSDT", 0.0005, OMIT))
    assert got[0][0] == pytest.approx(2 * 1 * 3_000 * 0.0005)  # USDT
    got = as_grid(runtime.call("HEDGE_FEE", 2.0, 3_000.0, "BINANCE:ETHUSDT", 0.0005, "coin"))
    assert got[0][0] == pytest.approx(2 * 1 * 0.0005)  # ETH
    got = as_grid(runtime.call("HEDGE_PNL", cell(0.1), cell(100_000.0), cell(160_000.0),
                               cell("BINANCE:BTCUSDT"), OMIT))
    assert got[0][0] == pytest.approx(0.1 * (160_000 - 100_000))  # 6,000 USDT
    got = as_grid(runtime.call("HEDGE_NET_PNL", 0.1, 100_000.0, 160_000.0, -0.1, 100_000.0,
                               160_000.0, "BINANCE:BTCUSDT", cell(-2.49), OMIT))
    assert got[0][0] == pytest.approx(-2.49)  # the venue's USDT, not × the exit price


def test_every_coin_or_usd_function_takes_the_same_unit_argument():
    for f in registry.UDFS:
        i = registry.info(f)
        if any(a.name == "unit" for a in i.args):
            a = next(a for a in i.args if a.name == "unit")
            assert a.default == "settle" and a.optional, f.__name__
    have = {f.__name__ for f in registry.UDFS
            if any(a.name == "unit" for a in registry.info(f).args)}
    assert have == {"HEDGE_PNL", "HEDGE_FEE", "HEDGE_FUNDING", "HEDGE_FUNDING_SERIES",
                    "HEDGE_OPTION_PRICE", "HEDGE_OPTION_GREEKS", "HEDGE_OPTION_IV"}


# ---------------------------------------------------------------- shapes Excel sends

SHAPES = {
    "HEDGE_NOTIONAL": [(250_000.0, 0.25, OMIT), (column([1e5, None, 2e5]), 0.5, cell(1.2)),
                       (row([1e5, 2e5]), OMIT, OMIT), ("1,000", "75%", OMIT),
                       (column([1e5, "abc"]), OMIT, OMIT)],
    "HEDGE_CONTRACTS": [(column([1e5, None, 3e5]), column(["BINANCE:BTCUSD_PERP", "okx:btc-usd-swap",
                                                           10.0]), OMIT, OMIT, OMIT, OMIT),
                        (cell(62_549.0), cell("BINANCE:BTCUSD_PERP"), cell(None), OMIT, OMIT,
                         "up"),
                        (1e5, "BINANCE:BTCUSDT", OMIT, OMIT, 50_000.0, OMIT)],
    "HEDGE_PNL": [(column([100.0, -100.0]), 50_000.0, column([60_000.0, 40_000.0]),
                   "BINANCE:BTCUSD_PERP", "usd"),
                  (cell(1.0), cell(20_000.0), cell(21_000.0), cell("BINANCE:BTCUSDT"), OMIT)],
    "HEDGE_NET_PNL": [(column([5.0, 2.0]), 50_000.0, 42_500.0, column([-625.0, -250.0]),
                       50_000.0, 42_500.0, "BINANCE:BTCUSD_PERP", cell(0.001), OMIT)],
    "HEDGE_LIQ_PRICE": [(column([10_000.0, -10_000.0, None]), 50_000.0, column([0.02, 0.2, 1.0]),
                         1.0, 0.005, OMIT),
                        (column([100_000.0, -100_000.0]), 45_000.0, 101.0,
                         "BINANCE:BTCUSD_PERP", OMIT, OMIT),
                        (cell(10_000.0), cell(8_000.0), cell(0.5), cell("BYBIT:BTCUSD"),
                         cell(None), cell(None))],
    "HEDGE_MARGIN": [(column([100.0, -100.0, None]), 25_000.0, "BINANCE:BTCUSD_PERP", OMIT,
                      OMIT, OMIT, OMIT),
                     (cell(100.0), cell(25_000.0), cell("BINANCE:BTCUSD_PERP"), "initial",
                      cell(20.0), OMIT, OMIT)],
    "HEDGE_LIQ_DISTANCE": [(column([1_000.0, -1_000.0, None]), 50_000.0,
                            column([40_000.0, "none", 1.0]))],
    "HEDGE_AVG_ENTRY": [(column([1_000.0, None, 2_000.0]), column([5_000.0, 1.0, 6_000.0]),
                         cell("BYBIT:BTCUSD"))],
    "HEDGE_SCENARIO": [(column([5.0, 10.0]), column([50_000.0, 3_000.0]),
                        column([-625.0, -3_000.0]), column(["BINANCE:BTCUSD_PERP",
                                                            "BINANCE:ETHUSD_PERP"]),
                        row([-0.1, 0.1]), OMIT, OMIT)],
    "HEDGE_SPEC": [(cell("BINANCE:ETHUSDT"), cell("size"))],
    "HEDGE_BETA": [(column([10.0, 12.0, None, 9.6]), column([100.0, 110.0, 105.0, 99.0]),
                    OMIT)],
}


@pytest.mark.parametrize("name,args", [(n, a) for n, v in SHAPES.items() for a in v],
                         ids=[f"{n}-{i}" for n, v in SHAPES.items() for i in range(len(v))])
def test_excel_shapes(runtime, name, args):
    got, want = call_both(runtime, name, *args)
    assert_same(got, want)


# ---------------------------------------------------------------- the sweep

pos = st.floats(1.0, 1e6, allow_nan=False)
price = st.floats(100.0, 200_000.0, allow_nan=False)
signed = st.floats(-1e5, 1e5, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
INVERSE = ["BINANCE:BTCUSD_PERP", "BYBIT:BTCUSD", "OKX:ETH-USD-SWAP", "DERIBIT:BTC-PERPETUAL"]
ANY = INVERSE + ["BINANCE:BTCUSDT", "BINANCE:ETHUSDT"]


def _col(xs, blanks):
    return column([None if b else x for x, b in zip(xs, blanks)])


def _check(got, want_rows, blanks, rel=1e-10):
    assert len(got) == len(want_rows)
    for g, w, b in zip(got, want_rows, blanks):
        if b:
            assert g == [None]
        else:
            assert g[0] == pytest.approx(w, rel=rel, abs=1e-12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 6), data=st.data())
def test_sweep_against_the_python_api(com, lite, n, data):
    value = data.draw(st.lists(pos, min_size=n, max_size=n))
    ratio = data.draw(st.lists(st.floats(0, 2), min_size=n, max_size=n))
    qty = data.draw(st.lists(signed, min_size=n, max_size=n))
    p0 = data.draw(st.lists(price, min_size=n, max_size=n))
    p1 = data.draw(st.lists(price, min_size=n, max_size=n))
    keys = data.draw(st.lists(st.sampled_from(ANY), min_size=n, max_size=n))
    inv = data.draw(st.lists(st.sampled_from(INVERSE), min_size=n, max_size=n))
    blanks = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if all(blanks):
        blanks[0] = False
    unit = data.draw(st.sampled_from(["coin", "usd"]))
    for rt in (com, lite):
        got = as_grid(rt.call("HEDGE_NOTIONAL", _col(value, blanks), column(ratio), OMIT))
        _check(got, [hx.hedge_notional(v, h) for v, h in zip(value, ratio)], blanks)
        got = as_grid(rt.call("HEDGE_CONTRACTS", _col(value, blanks), column(inv),
                              column(ratio), OMIT, OMIT, OMIT))
        _check(got, [hx.hedge_contracts(v, k, h) for v, k, h in zip(value, inv, ratio)],
               blanks)
        got = as_grid(rt.call("HEDGE_RESIDUAL", _col(value, blanks), column(keys),
                              column(ratio), OMIT, column(p0), OMIT))
        _check(got, [hx.hedge_residual(v, k, h, 1, p) for v, k, h, p in
                     zip(value, keys, ratio, p0)], blanks, rel=1e-8)
        got = as_grid(rt.call("HEDGE_PNL", _col(qty, blanks), column(p0), column(p1),
                              column(keys), unit))
        _check(got, [hx.futures_pnl(q, a, b, k, unit) for q, a, b, k in
                     zip(qty, p0, p1, keys)], blanks)
        got = as_grid(rt.call("HEDGE_FEE", _col(qty, blanks), column(p0), column(keys),
                              0.0005, unit))
        _check(got, [hx.trading_fee(q, a, k, 0.0005, unit) for q, a, k in
                     zip(qty, p0, keys)], blanks)
        got = as_grid(rt.call("HEDGE_NET_PNL", column(ratio), column(p0), column(p1),
                              _col(qty, blanks), column(p0), column(p1), column(keys),
                              OMIT, OMIT))
        _check(got, [hx.net_pnl(s, a, b, q, a, b, k) for s, a, b, q, k in
                     zip(ratio, p0, p1, qty, keys)], blanks, rel=1e-9)
        rates = [x * 1e-4 for x in ratio]
        got = as_grid(rt.call("HEDGE_FUNDING", cell(qty[0]), cell(keys[0]), _col(p0, blanks),
                              column(rates), unit))
        ok = [not b for b in blanks]
        want = hx.funding_total(qty[0], keys[0], np.array(p0)[ok], np.array(rates)[ok], unit)
        assert got[0][0] == pytest.approx(want, rel=1e-10, abs=1e-15)
