"""Target weights (issue 27, seed 003): a coin kept at a share of the portfolio by shorting
what is above it, without selling spot. Numbers from the seed's arithmetic and from the
definition, V − w*·PV, computed here separately."""

from __future__ import annotations

from pathlib import Path

import pytest

import hedgexl as hx
from hedgexl import cli
from hedgexl.book.sizing import apply_target_weights, size_holdings
from hedgexl.inputs import InputError, read_holdings

from xlcall import as_grid, cell

SEED_003 = "asset,quantity,price,target_weight,contract\nBTC,50,60000,80%,BINANCE:BTCUSD_PERP\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_003_through_excels_call_path(runtime):
    """50 BTC at 60,000 (3,000,000 USD, the whole portfolio) kept at 80 %: 600,000 USD,
    6,000 contracts of 100 USD short."""
    got = as_grid(runtime.call("HEDGE_WEIGHT_CONTRACTS", cell(3_000_000.0), cell(3_000_000.0),
                               cell(0.8), cell("BINANCE:BTCUSD_PERP")))
    assert got[0][0] == -(3_000_000 - 0.8 * 3_000_000) / 100 == -6000


def test_seed_003_in_the_ticket_without_positions(tmp_path, capsys):
    """A first hedge holds nothing yet: the ticket needs no --positions."""
    h = write(tmp_path / "seed3.csv", SEED_003)
    out = tmp_path / "t.csv"
    assert cli.main(["ticket", str(h), "-o", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert rows[1].split(",")[1:5] == ["BINANCE:BTCUSD_PERP", "0.0", "-6000.0", "-6000.0"]
    assert "target weight of 80.00%: 600,000.00 USD above it is hedged" in \
        capsys.readouterr().err


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


@pytest.mark.parametrize("text,why", [
    ("asset,quantity,price,hedge_ratio,target_weight\nBTC,1,60000,50%,80%\n",
     "row 2: gives both hedge_ratio and target_weight"),
    ("asset,quantity,price,target_weight\nBTC,1,60000,120%\n", "row 2: target_weight"),
])
def test_a_bad_weight_is_refused_with_its_row(tmp_path, text, why):
    with pytest.raises(InputError, match=why):
        read_holdings(write(tmp_path / "h.csv", text))


def test_one_asset_with_two_weights_is_refused(tmp_path):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price,target_weight\n"
                                                "BTC,1,60000,50%\nBTC,1,60000,60%\n"))
    with pytest.raises(InputError, match="different target weights"):
        apply_target_weights(h)


def test_the_report_sizes_to_the_weights(tmp_path):
    h = write(tmp_path / "seed3.csv", SEED_003)
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(h), "-o", str(out)]) == 0
    from workbook_checks import cached_values
    v = cached_values(out)
    assert v["Holdings!I2"] == -6000 and v["Holdings!E2"] == pytest.approx(0.2)
    assert hx.weight_hedge_contracts(3e6, 3e6, 0.8, "BINANCE:BTCUSD_PERP") == -6000
