"""inputs/tables.py: CSV fields, quotes and line breaks: read as written, or refused where a
quote was left open."""

from __future__ import annotations

import pytest

from hedgexl.inputs import InputError, read_holdings
from hedgexl.inputs.options import read_option_chain
from refusal import refused


def test_a_line_break_inside_a_quoted_comment_is_kept(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text('asset,quantity,price,comment\nBTC,1,60000,"two\nlines"\nETH,2,3000,x\n')
    h = read_holdings(f)
    assert h.asset == ["BTC", "ETH"] and h.quantity.tolist() == [1, 2] and h.rows == [2, 3]


def test_a_line_break_inside_a_key_is_refused(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text('asset,quantity,price\n"BTC\nETH",1,60000\n')
    with pytest.raises(InputError, match="row 2: asset has a line break"):
        read_holdings(f)


# --- CSV grammar -------------------------------------------------------------------------
def test_an_unclosed_quote_in_an_unused_column_is_refused_where_it_opened(tmp_path, capsys):
    """The quote used to swallow the rows after it: a ticket sold ETH for the wrong book."""
    f = tmp_path / "h.csv"
    f.write_text('asset,quantity,price,comment\nBTC,12.5,60871.03,"checked\n'
                 'ETH,150,3373.08,ok\nSOL,2500,140.01,x\n')
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {f}, row 2: a quote (\") opened on line 2 is never closed: it "
            f"swallows every row after it; close it or remove it", watch=[tmp_path])
    g = tmp_path / "g.csv"  # closed further down: the rows between are inside the comment
    g.write_text('asset,quantity,price,comment\nBTC,12.5,60871.03,"checked\n'
                 'ETH,150,3373.08,"\nSOL,2500,140.01,x\n')
    with pytest.raises(InputError, match=r"row 2: a quoted field opened on line 2 \(column "
                                         r"D\) runs over 1 more line\(s\) that read as rows"):
        read_holdings(g)
    short = tmp_path / "short.csv"  # open to the end over rows shorter than the header
    short.write_text('asset,quantity,price,comment,hedge_ratio,beta\nBTC,1,100000,"note\n'
                     'ETH,10,3000\nSOL,100,200\n')
    with pytest.raises(InputError, match=r"row 2: a quote \(\"\) opened on line 2 is never "
                                         r"closed"):
        read_holdings(short)


@pytest.mark.parametrize("body,line", [
    ('BTC,1,60000,"BINANCE:BTCUSD_PERP\n', 2),             # the last field, to the end
    ('BTC,1,60000,BINANCE:BTCUSD_PERP\nETH,2,"3000\n', 3),  # a number cut off
    ('BTC,1,"60000', 2),                                     # no newline at the end
    ('BTC,1,"60000\r\n', 2),                                # Windows line ends
    ('BTC,1,"60000\r', 2)])                                  # old Mac line ends
def test_a_quote_left_open_on_the_last_line_is_refused(tmp_path, body, line):
    """The csv module ends such a field at the end of the file, so a file cut off inside a
    quoted number (or key) was read as if whole."""
    f = tmp_path / "h.csv"
    eol = "\r" if body.endswith("\r") and not body.endswith("\r\n") else "\n"
    f.write_bytes(("asset,quantity,price,contract" + eol + body).encode())
    with pytest.raises(InputError, match=rf"row {line - 0}: a quote \(\"\) opened on line "
                                         rf"{line} is never closed: the file ends inside it"):
        read_holdings(f)
    f.write_bytes(("asset,quantity,price,contract" + eol + body.replace('"', "")).encode())
    assert read_holdings(f).asset[-1] in ("BTC", "ETH")  # without the quote: read
    f.write_bytes(b'asset,quantity,price\nBTC,1,"60,000.5"')  # closed at the very end
    assert read_holdings(f).price.tolist() == [60000.5]


def test_an_option_chain_cut_off_inside_a_quote_says_so(tmp_path):
    f = tmp_path / "chain.csv"
    f.write_text("time,instrument_name,mark_price,underlying_price,mark_iv\n"
                 '2025-12-05T01:10:00Z,BTC-27FEB26-84000-P,0.05,90000,"48.2\n')
    with pytest.raises(InputError, match="the file ends inside it"):
        read_option_chain(f)
