"""inputs/options.py: an option chain read right or refused with its row."""

from __future__ import annotations

import pytest
from hedgexl.inputs import InputError
from hedgexl.inputs.options import read_option_chain
from test_options_desk import chain_file


@pytest.mark.parametrize("rows, says", [
    ("instrument_name,mark_price,underlying_price,time\n"
     "BTC-27MAR26-100000-X,0.05,93000,2025-12-05T01:10:00Z\n",
     "is not a coin-settled Deribit option name"),
    ("instrument_name,mark_price,underlying_price,time\n"
     "BTC-27MAR26-100000-P,0.05,93000,2025-12-05T01:10:00Z\n"
     "BTC-27MAR26-100000-P,0.06,93000,2025-12-05T01:10:00Z\n", "is given twice (rows 2 and 3)"),
    ("instrument_name,mark_price,underlying_price\nBTC-27MAR26-100000-P,0.05,93000\n",
     "gives no snapshot time"),
    ("instrument_name,mark_price,underlying_price,time\n"
     "BTC-5DEC25-100000-P,0.05,93000,2025-12-05T09:00:00Z\n", "expired at 2025-12-05 08:00"),
    ("instrument_name,mark_price,underlying_price,time\n"
     "BTC-27MAR26-100000-P,$0.05,93000,2025-12-05T01:10:00Z\n", "mark_price"),
    ("instrument_name,mark_price,underlying_price,time\n"
     "BTC-27MAR26-100000-P,0.05,93000,2025-12-05T01:10:00Z\n"
     "BTC-27MAR26-90000-P,0.05,93000,2025-12-05T09:10:00Z\n", "one chain is one snapshot"),
])
def test_a_chain_that_cannot_be_read_right_is_refused_with_its_row(tmp_path, rows, says):
    p = tmp_path / "chain.csv"
    p.write_text(rows)
    with pytest.raises(InputError, match=says.replace("$", r"\$").replace("(", r"\(")
                       .replace(")", r"\)")):
        read_option_chain(p)


def test_marks_no_volatility_gives_and_fractions_for_percent_are_refused(tmp_path):
    for row, says in (
            (("BTC-27FEB26-84000-P", 1.5, 93505.89), "at or above what a put is worth"),
            (("BTC-27FEB26-84000-C", 1.0, 93505.89), "at or above what a call is worth"),
            (("BTC-27FEB26-84000-P", 0.0459, 93505.89, 0.4825), "mark_iv is in percent"),
            (("BTC-27FEB26-0-P", 0.01, 93505.89), "a strike of 0 is not an option")):
        with pytest.raises(InputError, match=says):
            read_option_chain(chain_file(tmp_path / "c.csv", [row]))
