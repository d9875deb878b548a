"""book/sizing.py: each holding's hedge, and target weights (seed 003): sized from the holdings
file read back with csv."""

from __future__ import annotations

import pytest
from hedgexl.book.sizing import apply_target_weights, size_holdings
from hedgexl.inputs import InputError, read_holdings
from conftest import write


def test_the_drifted_portfolio_of_seed_003(tmp_path):
    """70/30 BTC/ETH drifted to 85/15: BTC's excess is shorted; ETH, under its weight, is
    only noted unless long overlays are asked for."""
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price,target_weight\n"
                                                "BTC,8.5,100000,70%\nETH,50,3000,30%\n"))
    pv = 8.5 * 100_000 + 50 * 3000
    w, notes = apply_target_weights(h)
    s = size_holdings(w)
    assert s.notional[0] == pytest.approx(8.5 * 100_000 - 0.7 * pv)  # 150,000 USD
    assert s.notional[1] == 0 and "not bought synthetically" in notes[1]
    w, notes = apply_target_weights(h, long_overlays=True)
    assert size_holdings(w).notional[1] == pytest.approx(50 * 3000 - 0.3 * pv)  # −150,000


def test_stablecoins_count_in_the_portfolio_value(tmp_path):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price,target_weight\n"
                                                "BTC,10,50000,50%\nUSDT,500000,1,\n"))
    w, _ = apply_target_weights(h)
    # PV 1,000,000: BTC at 50 % is on target
    assert size_holdings(w).notional[0] == pytest.approx(0.0, abs=1e-9)
    assert w.hedge_ratio[1] == h.hedge_ratio[1]  # a row without a weight keeps its ratio


def test_one_asset_with_two_weights_is_refused(tmp_path):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price,target_weight\n"
                                                "BTC,1,60000,50%\nBTC,1,60000,60%\n"))
    with pytest.raises(InputError, match="different target weights"):
        apply_target_weights(h)


@pytest.mark.parametrize("rows,why", [
    ("BTC,50,60000,80%\nETH,100,3000,80%\n", "add up to 160.00%, past 100 %"),
    ("BTC,50,60000,80%\nUSDT,1000000,1,10%\n", "USDT is a dollar stablecoin"),
    ("BTC,-50,60000,80%\nUSDC,4000000,1,\n", "BTC is worth -3,000,000.00 USD"),
    ("BTC,50,60000,80%\nETH,100,3000,\n", "ETH gives neither a target_weight nor a hedge_ratio"),
])
def test_weights_that_cannot_mean_anything_are_refused(tmp_path, rows, why):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price,target_weight\n" + rows))
    with pytest.raises(InputError, match=why):
        apply_target_weights(h)


def test_a_beta_other_than_1_is_said(tmp_path):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price,beta,target_weight\n"
                                                "BTC,50,60000,1.5,80%\n"))
    w, notes = apply_target_weights(h)
    assert size_holdings(w).notional[0] == pytest.approx(1.5 * 600_000)
    assert "600,000.00 USD above it is hedged (hedge ratio 20.00%, at beta 1.5" in notes[0]
