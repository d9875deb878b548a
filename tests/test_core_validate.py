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


