"""inputs/base.py: the holdings, funding and prices readers: each value read right or refused
with its file, row and column."""

from __future__ import annotations

import csv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hedgexl.inputs import (
    InputError,
    read_funding_all,
    read_holdings,
    read_prices,
)
from test_inputs_strict import funding_rows, write_rows


# --- a million rows: read column by column, the same as row by row -------------------------
cells = st.one_of(st.just(""), st.sampled_from(["1", "2.5", "-3", "1e-3", "75%", "0", "2",
                                                "3.5", "1,250.5", "abc", "$5", " 7 "]))


@pytest.mark.parametrize("column, good, bad", [
    ("price", 0.01, 0), ("hedge_ratio", 2, 2.0001), ("hedge_ratio", 0, -0.01)])
def test_each_declared_range_is_enforced_at_its_edge(tmp_path, column, good, bad):
    for value, ok in ((good, True), (bad, False)):
        f = tmp_path / "h.csv"
        row = {"price": 60000, "hedge_ratio": 1, column: value}
        f.write_text(f"asset,quantity,price,hedge_ratio\nBTC,1,{row['price']},"
                     f"{row['hedge_ratio']}\n")
        if ok:
            assert getattr(read_holdings(f), column).tolist() == [value]
        else:
            with pytest.raises(InputError, match=f"row 2: {column} must be"):
                read_holdings(f)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["BTC", "ETH", "SOL", "", "DOGE"]), cells,
                               cells, cells, cells,
                               st.sampled_from(["", "BINANCE:BTCUSD_PERP", "OKX:ETH-USD-SWAP",
                                                "100", "NOPE:X"])),
                     min_size=1, max_size=6))
def test_the_columnar_reader_equals_the_row_reader(tmp_path_factory, rows):
    """The fast path (whole columns) against the row-by-row reader (a second implementation
    of the same rules, forced by disabling the fast path): the same holdings, or the same
    refusal."""
    import hedgexl.inputs as I
    f = tmp_path_factory.mktemp("col") / "h.csv"
    with open(f, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["asset", "quantity", "price", "beta", "hedge_ratio", "contract"])
        w.writerows(rows)

    def read():
        try:
            h = read_holdings(f, default_hedge_ratio=0.5)
        except InputError as e:
            return str(e)
        return (h.asset, h.quantity.tolist(), h.price.tolist(), h.beta.tolist(),
                h.hedge_ratio.tolist(), h.contract, h.rows, h.beta_given.tolist(),
                h.hedge_ratio_given.tolist(), h.contract_given.tolist(), h.warnings)
    fast = read()
    real = I._columnar
    I._columnar = lambda *a, **k: None
    try:
        slow = read()
    finally:
        I._columnar = real
    assert fast == slow


# --- found by review ---------------------------------------------------------------------
def test_a_face_value_is_read_in_the_files_grammar(tmp_path):
    """'2,5' in a decimal-comma file is a 2.5 USD face (it was read as 25 USD)."""
    f = tmp_path / "h.csv"
    f.write_text("asset;quantity;price;contract\nBTC;1,5;60000;2,5\n")
    h = read_holdings(f)
    assert h.contract == ["2.5"] and h.quantity.tolist() == [1.5]
    for bad in ("1_0", "1e400", "-5"):
        f.write_text(f"asset,quantity,price,contract\nBTC,1,60000,{bad}\n")
        with pytest.raises(InputError, match="row 2: contract"):
            read_holdings(f)


def test_a_price_column_never_reads_percent(tmp_path):
    f = tmp_path / "BAND-USD.csv"
    f.write_text("date,value\n2024-01-01,5%\n")
    with pytest.raises(InputError, match="row 2: BAND must be a number, got '5%'"):
        read_prices(f)


def test_a_column_hedgexl_does_not_read_is_said(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("asset,quantity,price,Hedge Ratio (%)\nBTC,1,60000,50\n")
    h = read_holdings(f)
    assert h.hedge_ratio.tolist() == [1.0]
    assert h.warnings == ["h.csv: column 'Hedge Ratio (%)' (D) is not read: it is none of "
                          "the holdings columns hedgexl knows (docs/inputs.md)"]


def test_a_row_without_its_portfolio_is_refused(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("portfolio,asset,quantity,price\nFund A,BTC,1,60000\n,BTC,100,60000\n")
    with pytest.raises(InputError, match="row 3: portfolio is blank, where other rows name "
                                         "theirs"):
        read_holdings(f)


def test_every_other_funding_is_a_gap_of_the_contracts_own_hours(tmp_path):
    head, rows = funding_rows()
    btc = [r for r in rows if r[1] == "BINANCE:BTCUSD_PERP"][::2]  # 16 h apart
    fs = read_funding_all(write_rows(tmp_path / "half.csv", head, btc))["BINANCE:BTCUSD_PERP"]
    assert fs.warnings[0].startswith("half.csv: BINANCE:BTCUSD_PERP has no funding from "
                                     "2024-01-01 00:00 to 2024-01-01 16:00 UTC (about 1 "
                                     "missing)")
    rows[3][1] = ""
    with pytest.raises(InputError, match="row 5: contract is blank"):
        read_funding_all(write_rows(tmp_path / "blank.csv", head, rows))


@pytest.mark.parametrize("rows,why", [
    ("2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n"
     "2024-06-24T08:00:00Z,deribit:btc-28jun24,63300\n", "row 3: DERIBIT:BTC-28JUN24 at "
     "2024-06-24 08:00 is given twice"),
    ("2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,$63200\n", "row 2: price must be a number"),
    ("2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,(2.5)\n", "row 2: price must be a number"),
    ('2024-06-24T08:00:00Z,"DERIBIT:BTC-28JUN24,63200\n'
     "2024-06-25T08:00:00Z,DERIBIT:BTC-28JUN24,63300\n", "opened on line 2 is never closed"),
    ("2030-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n", "a price that has not happened"),
    ("2024-06-24T08:00:00Z,BINANCE:BTCUSD_PERP,63200\n", "is not a dated future"),
])
def test_a_futures_prices_file_is_read_right_or_refused_in_one_line(tmp_path, rows, why):
    from hedgexl.inputs import InputError, read_futures_prices
    f = tmp_path / "futures.csv"
    f.write_text("time,contract,price\n" + rows)
    with pytest.raises(InputError, match=why):
        read_futures_prices(f)


def test_futures_prices_are_sorted_by_time(tmp_path):
    from hedgexl.inputs import read_futures_prices
    f = tmp_path / "futures.csv"
    f.write_text("time,contract,price\n2024-06-25T08:00:00Z,DERIBIT:BTC-28JUN24,63300\n"
                 "2024-06-24T08:00:00Z,DERIBIT:BTC-28JUN24,63200\n")
    assert [p for _, p in read_futures_prices(f)["DERIBIT:BTC-28JUN24"]] == [63200, 63300]
