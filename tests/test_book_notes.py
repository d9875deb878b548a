"""book/notes.py: what the book says about its inputs: betas estimated from the prices (against
the core's beta of the same series), stablecoins never hedged."""

from __future__ import annotations

import pytest
import hedgexl as hx
from hedgexl import cli
from hedgexl import inputs
from workbook_checks import cached_values
from conftest import write
from test_reports import PRICES


def test_stablecoins_are_never_hedged(tmp_path, capsys):
    """A USDC holding had been cross-hedged on BTC (a short of BTC against dollars)."""
    h = write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\nUSDC,750000,1\n")
    assert cli.main(["hedge", str(h)]) == 0
    out, err = capsys.readouterr()
    usdc = next(line for line in out.splitlines() if line.startswith("USDC"))
    assert " 0% " in usdc and "USDC is a dollar stablecoin" in err


def test_beta_estimated_for_cross_hedge(tmp_path):
    h = write(tmp_path / "alts.csv", "asset,quantity,price,contract\nSOL,100,200,"
                                     "BINANCE:BTCUSD_PERP\n")
    out = tmp_path / "alts.xlsx"
    assert cli.main(["report", str(h), "-o", str(out), "--prices", PRICES]) == 0
    dates, prices = inputs.read_prices(PRICES)
    beta = hx.beta(prices["SOL"], prices["BTC"])
    assert cached_values(out)["Holdings!D2"] == pytest.approx(beta, rel=1e-12)
