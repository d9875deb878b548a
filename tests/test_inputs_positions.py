"""inputs/positions.py: the positions file, refused in one line naming its row and column."""

from __future__ import annotations

import pytest
from hedgexl.inputs import (InputError, read_positions)
from conftest import write
from test_desk import HEAD


BAD = [
    (",BINANCE:BTCUSD_PERP,-10,60000,1,,,\n", "row 2: account is blank"),
    ("a,BINANCE:BTCUSD_PRP,-10,60000,1,,,\n", "row 2: contract: unknown contract"),
    ("a,100,-10,60000,1,,,\n", "row 2: contract must be a preset key"),
    ("a,BINANCE:BTCUSD_PERP,0,60000,1,,,\n", "row 2: contracts must be a signed number"),
    ("a,BINANCE:BTCUSD_PERP,-0.5,60000,1,,,\n", "row 2: contracts must be whole lots of 1"),
    ("a,BINANCE:BTCUSD_PERP,-10,0,1,,,\n", "row 2: entry_price must be > 0"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,-1,,,\n", "row 2: margin must be >= 0 (BTC)"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,,,,\n", "row 2: give margin (isolated) or "
                                              "wallet_balance (cross)"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,1,,hedged,\n", "row 2: mode must be isolated or cross"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,,,cross,\n", "row 2: a holds BINANCE:BTCUSD_PERP on "
                                                   "cross margin but no row gives its "
                                                   "wallet_balance in BTC"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,,1,cross,\na,OKX:BTC-USD-SWAP,-10,60000,,2,cross,\n",
     "row 3: wallet_balance of a in BTC is 1 on row 2 and 2 here"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,1,,,\na,BINANCE:BTCUSD_PERP,-10,60000,,1,cross,\n",
     "row 3: a holds BINANCE:BTCUSD_PERP both isolated and cross"),
    ("a,BINANCE:BTCUSD_PERP,-10,60000,1,,,yesterday\n", "row 2: opened_at must be a UTC "
                                                        "time"),
]


@pytest.mark.parametrize("body,message", BAD, ids=[m for _, m in BAD])
def test_a_bad_positions_row_is_refused_in_one_line(tmp_path, body, message):
    p = write(tmp_path / "pos.csv", HEAD + body)
    with pytest.raises(InputError) as e:
        read_positions(p)
    assert message in str(e.value) and "pos.csv" in str(e.value)
    assert "\n" not in str(e.value)


def test_missing_columns_are_named(tmp_path):
    p = write(tmp_path / "pos.csv", "account,contract,contracts\na,BINANCE:BTCUSD_PERP,-1\n")
    with pytest.raises(InputError, match="missing column entry_price"):
        read_positions(p)


def test_positions_in_one_contract_add_up_at_the_venues_average_entry(tmp_path):
    """Bybit's published example: fills of 1,000 at 5,000 and 2,000 at 6,000 average to
    5,625 (harmonic, inverse)."""
    p = write(tmp_path / "pos.csv", HEAD + "a,BYBIT:BTCUSD,1000,5000,0.1,,,\n"
                                           "a,BYBIT:BTCUSD,2000,6000,0.2,,,\n"
                                           "b,BYBIT:BTCUSD,-5,5000,0.1,,,\n")
    pos = read_positions(p)
    assert pos.account == ["a", "b"] and pos.contracts.tolist() == [3000, -5]
    assert pos.entry_price[0] == pytest.approx(5625)
    assert pos.margin[0] == pytest.approx(0.3)
    assert pos.rows[0] == [2, 3]


def test_two_spellings_of_one_account_are_refused(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("account,contract,contracts,entry_price,wallet_balance,mode\n"
                 "Binance-1,BINANCE:BTCUSD_PERP,-100,60000,1,cross\n"
                 "binance-1,BINANCE:ETHUSD_PERP,-100,3000,5,cross\n")
    with pytest.raises(InputError, match=r"row 3: account 'binance-1' differs from "
                                         r"'Binance-1' \(row 2\) only in case or spacing"):
        read_positions(f)
