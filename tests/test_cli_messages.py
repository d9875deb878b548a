"""What the command line says beside its output (issue 26): a --band with nothing to band is
warned; `hedge` warns of cross-hedges as `report` and `batch` do; the ticket leaves out the
funding and carry notes, which are the report's; the help reads as plain text."""

from __future__ import annotations

import warnings
from pathlib import Path

from hedgexl import cli

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
PRICES = str(ROOT / "hedgexl" / "data" / "prices_2024.csv")


def test_a_band_without_positions_is_warned(tmp_path, capsys):
    assert cli.main(["report", str(EX / "holdings.csv"), "--band", "10%",
                     "-o", str(tmp_path / "r.xlsx")]) == 0
    assert "warning: --band is the no-trade band of the trades against --positions" in \
        capsys.readouterr().err
    assert cli.main(["report", str(EX / "desk_holdings.csv"), "--positions",
                     str(EX / "desk_positions.csv"), "--prices", PRICES, "--valuation-date",
                     "2024-06-30", "--band", "10%", "-o", str(tmp_path / "d.xlsx")]) == 0
    assert "--band" not in capsys.readouterr().err


def test_hedge_warns_of_cross_hedges_as_report_does(tmp_path, capsys):
    assert cli.main(["hedge", str(EX / "holdings.csv")]) == 0
    hedge = [w for w in capsys.readouterr().err.splitlines()
             if "cross-hedged" in w and w.startswith("warning:")]
    assert cli.main(["report", str(EX / "holdings.csv"), "-o", str(tmp_path / "r.xlsx")]) == 0
    report = [w for w in capsys.readouterr().err.splitlines()
              if "cross-hedged" in w and w.startswith("warning:")]
    assert hedge and hedge == report


def test_the_ticket_prints_no_carry_notes(tmp_path, capsys):
    assert cli.main(["ticket", str(EX / "desk_holdings.csv"), "--positions",
                     str(EX / "desk_positions.csv"), "--prices", PRICES, "--valuation-date",
                     "2024-06-30", "-o", str(tmp_path / "t.csv")]) == 0
    err = capsys.readouterr().err
    assert "posted as margin is long BTC" in err  # the trade notes stay
    assert "carry" not in err and "funding history" not in err


def test_help_is_plain_text(capsys):
    import pytest
    for argv in (["--help"], ["report", "--help"], ["fetch", "--help"], ["demo", "--help"]):
        with pytest.raises(SystemExit):
            cli.main(argv)
        out = capsys.readouterr().out
        assert "``" not in out and "{.,,}" not in out, argv


def test_hedge_of_a_book_worth_nothing_says_0_coverage_as_the_report(tmp_path, capsys):
    """A holding of quantity 0 made numpy warn (0/0) and print "nan%"; the report says 0 %."""
    h = tmp_path / "h.csv"
    h.write_text("asset,quantity,price\nBTC,0,100000\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked RuntimeWarning fails the test
        assert cli.main(["hedge", str(h)]) == 0
    out = capsys.readouterr().out
    assert "net of rounding): 0.00%" in out and "nan" not in out
