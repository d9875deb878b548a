"""Impossible input raises a ValueError that names the argument and the first bad index."""

import numpy as np
import pytest

import hedgexl as hx


@pytest.mark.parametrize("call, match", [
    (lambda: hx.inverse_pnl(1, 0, 800), r"entry_price must be > 0"),
    (lambda: hx.inverse_pnl(1, [750, -1, 3], 800), r"entry_price must be > 0, got -1 \(first bad index 1\)"),
    (lambda: hx.hedge_contracts(1000, 0), r"face value must be > 0"),
    (lambda: hx.hedge_contracts(1000, -100), r"face value must be > 0"),
    (lambda: hx.hedge_contracts([1, np.nan], 100), r"spot_value is NaN.*first bad index 1"),
    (lambda: hx.hedge_contracts([1, 2, 3], [100, 100]), r"mismatched length: spot_value has 3 rows, contract has 2 rows"),
    (lambda: hx.hedge_contracts(1000, "BINANCE:BTCUSD"), r"unknown contract 'BINANCE:BTCUSD'; did you mean .*BINANCE:BTCUSD_PERP"),
    (lambda: hx.hedge_contracts(1000, "BINANCE:BTCUSDT"), r"hedge_price is required"),
    (lambda: hx.hedge_contracts(1000, 100, rounding="sideways"), r"rounding must be one of"),
    (lambda: hx.futures_pnl(1, 1, 2, 100, unit="eur"), r"unit must be one of"),
    (lambda: hx.funding_total(-1, 100, [1, 2], [0.1, 0.1, 0.1]), r"mismatched length"),
    (lambda: hx.avg_entry([1, -1], [1, 2]), r"sum to zero"),
    (lambda: hx.beta([1, 2], [1, 2]), r"at least 3"),
    (lambda: hx.liquidation_price(1, 100, -1, 1), r"margin must be >= 0"),
    (lambda: hx.scenario(1, 1, 1, 1, [-1.5]), r"shocks must be > -1"),
    (lambda: hx.hedge_notional("abc"), r"spot_value must be a number"),
])
def test_bad_input_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_keys_case_insensitive_and_user_file(tmp_path):
    assert hx.get_contract("okx:btc-usd-swap").face_usd == 100
    f = tmp_path / "mine.csv"
    f.write_text("key,type,face_usd,lot,taker_fee\nMYVENUE:BTCUSD,inverse,25,1,0.001\n"
                 "BINANCE:BTCUSD_PERP,inverse,100,1,0.0004\n")
    assert hx.load_contracts(f) == ["MYVENUE:BTCUSD", "BINANCE:BTCUSD_PERP"]
    assert hx.hedge_contracts(1_000, "myvenue:btcusd") == -40
    assert hx.get_contract("BINANCE:BTCUSD_PERP").taker_fee == 0.0004
    bad = tmp_path / "bad.csv"
    bad.write_text("key,type,face_usd\nX:Y,inverse,abc\n")
    with pytest.raises(ValueError, match=r"bad.csv row 2: face_usd must be a number"):
        hx.load_contracts(bad)


def test_presets_cover_the_issue_list():
    keys = set(hx.contract_keys())
    for k in ["BITMEX:XBTUSD", "BYBIT:BTCUSD", "BYBIT:ETHUSD", "BINANCE:BTCUSD_PERP",
              "BINANCE:ETHUSD_PERP", "OKX:BTC-USD-SWAP", "OKX:ETH-USD-SWAP",
              "DERIBIT:BTC-PERPETUAL", "DERIBIT:ETH-PERPETUAL", "KRAKEN:PI_XBTUSD",
              "BINANCE:BTCUSDT", "BINANCE:ETHUSDT"]:
        assert k in keys
    # face values published by the venues (DOMAIN.md)
    faces = {"BITMEX:XBTUSD": 1, "BYBIT:BTCUSD": 1, "BINANCE:BTCUSD_PERP": 100,
             "BINANCE:ETHUSD_PERP": 10, "OKX:BTC-USD-SWAP": 100, "OKX:ETH-USD-SWAP": 10,
             "DERIBIT:BTC-PERPETUAL": 10, "DERIBIT:ETH-PERPETUAL": 1, "KRAKEN:PI_XBTUSD": 1}
    for k, f in faces.items():
        assert hx.get_contract(k).face_usd == f
    assert hx.get_contract("KRAKEN:PI_XBTUSD").funding_hours == 1
    lin = hx.get_contract("BINANCE:BTCUSDT")
    assert lin.linear and lin.size_coin == 1 and lin.lot == 0.001
