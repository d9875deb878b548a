"""Target weights (issue 27, seed 003): a coin kept at a share of the portfolio by shorting
what is above it, without selling spot. Numbers from the seed's arithmetic and from the
definition, V − w*·PV, computed here separately."""

from __future__ import annotations


import pytest

import hedgexl as hx
from hedgexl import cli
from hedgexl.inputs import InputError, read_holdings

from xlcall import as_grid, cell
from conftest import write

SEED_003 = "asset,quantity,price,target_weight,contract\nBTC,50,60000,80%,BINANCE:BTCUSD_PERP\n"


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


@pytest.mark.parametrize("text,why", [
    ("asset,quantity,price,hedge_ratio,target_weight\nBTC,1,60000,50%,80%\n",
     "row 2: gives both hedge_ratio and target_weight"),
    ("asset,quantity,price,target_weight\nBTC,1,60000,120%\n", "row 2: target_weight"),
])
def test_a_bad_weight_is_refused_with_its_row(tmp_path, text, why):
    with pytest.raises(InputError, match=why):
        read_holdings(write(tmp_path / "h.csv", text))


def test_the_report_sizes_to_the_weights(tmp_path):
    h = write(tmp_path / "seed3.csv", SEED_003)
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(h), "-o", str(out)]) == 0
    from workbook_checks import cached_values
    v = cached_values(out)
    assert v["Holdings!I2"] == -6000 and v["Holdings!E2"] == pytest.approx(0.2)
    assert hx.weight_hedge_contracts(3e6, 3e6, 0.8, "BINANCE:BTCUSD_PERP") == -6000


# ---------------------------------------------- what a review found (each failed before)

def test_a_live_report_recalculates_to_the_weights(tmp_path):
    """The weighted rows' hedge ratio is a number on the sheet, not the default's formula
    (a recalculation had hedged BTC at 100 %)."""
    from workbook_checks import recalc_mismatches
    h = write(tmp_path / "w.csv", "asset,quantity,price,target_weight\n"
                                  "BTC,50,60000,80%\nETH,100,3000,10%\nUSDT,100000,1,\n")
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(h), "--mode", "live", "-o", str(out)]) == 0
    _, bad = recalc_mismatches(out, tmp_path)
    assert bad == [], bad[:5]
    pv = 50 * 60000 + 100 * 3000 + 100000
    from workbook_checks import cached_values
    assert cached_values(out)["Holdings!I2"] == round(-(50 * 60000 - 0.8 * pv) / 100)


@pytest.mark.parametrize("args", [(3e6, 3e6, 80), (3e6, 3e6, -0.2), (5e6, 3e6, 0.8)])
def test_weight_contracts_refuses_what_the_reader_refuses(args):
    from hedgexl import udfs as U
    assert U.HEDGE_WEIGHT_CONTRACTS(*args, "BINANCE:BTCUSD_PERP") == "#VALUE!"


def test_a_backtest_of_target_weights_is_refused_not_hedged_in_full(tmp_path, capsys):
    """A weight's hedge ratio moves with prices; the backtest steps hedge ratios. It had
    hedged seed 003's 50 BTC in full (its 80 % weight read as no ratio: 100 %)."""
    from pathlib import Path

    from hedgexl import cli
    seed3 = Path(__file__).resolve().parents[1] / "examples" / "seed3.csv"
    out = tmp_path / "bt.xlsx"
    data = Path(hx.__file__).parent / "data"
    assert cli.main(["backtest", str(seed3), "--prices", str(data / "prices_2024.csv"),
                     "--funding", str(data / "funding_desk_2024h1.csv"), "-o", str(out)]) == 1
    assert "seed3.csv: target_weight is not backtested" in capsys.readouterr().err
    assert not out.exists()
