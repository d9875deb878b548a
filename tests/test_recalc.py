"""Workbooks recalculated from their inputs alone, by two independent engines (pycel and the
``formulas`` package, each with HEDGE_* registered), must reproduce every cached value a
viewer shows. Each check is shown to fail on a tampered workbook."""

import shutil

import pytest

from hedgexl import cli
from hedgexl.workbook.template import build_template

from workbook_checks import (cached_values, formulas_mismatches, recalc_mismatches,
                             replace_formula, set_cached)
from conftest import write

ENGINES = {"pycel": recalc_mismatches, "formulas": formulas_mismatches}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("tpl") / "hedge_template.xlsx")


@pytest.fixture(scope="module")
def linear_report(tmp_path_factory, request):
    """Inverse and linear hedges, several contracts, funding on a LINEAR contract (the
    case whose PnL sheet once recalculated to a net PnL off by millions)."""
    from conftest import SHARED
    funding = SHARED / "data" / "funding" / "perpetuals_8h_2023-2024.csv"
    if not funding.exists():
        pytest.skip("../shared/data is not beside the checkout")
    d = tmp_path_factory.mktemp("linear")
    h = write(d / "mixed.csv", "asset,quantity,price,hedge_ratio,contract\n"
                               "BTC,2,60000,100%,BINANCE:BTCUSDT\n"
                               "ETH,10,3000,50%,BINANCE:ETHUSD_PERP\n"
                               "SOL,100,200,100%,BINANCE:BTCUSDT\n"
                               "BTC,1,60000,40%,OKX:BTC-USD-SWAP\n")
    out = d / "mixed.xlsx"
    assert cli.main(["report", str(h), "-o", str(out), "--mode", "live",
                     "--funding", str(funding)]) == 0
    assert cached_values(out)["Funding!H2"] == "BINANCE:BTCUSDT"
    return out


@pytest.fixture(scope="module")
def inverse_report(tmp_path_factory):
    from hedgexl.inputs import example_path
    d = tmp_path_factory.mktemp("inverse")
    out = d / "inv.xlsx"
    assert cli.main(["report", str(example_path("example_portfolio.csv")), "-o", str(out),
                     "--mode", "live", "--funding",
                     str(example_path("funding_binance_btcusd_perp.csv")),
                     "--prices", str(example_path("prices_2024.csv"))]) == 0
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("book", ["template", "inverse_report", "linear_report"])
def test_recalculated_from_inputs_equals_cached(request, book, engine):
    path = request.getfixturevalue(book)
    cells, bad = ENGINES[engine](path)
    assert len(cells) > 50
    assert any("HEDGE_FUNDING" in f for f in cells.values())
    assert not bad, bad[:5]


@pytest.mark.parametrize("engine", ENGINES)
def test_tampered_cached_value_is_caught(tmp_path, template, engine):
    book = shutil.copy(template, tmp_path / "tampered.xlsx")
    set_cached(book, "PnL", "E7", 999999)  # the net PnL a viewer would show
    set_cached(book, "Funding", "E1000", 42)  # a spilled funding value, shown via a reference
    _, bad = ENGINES[engine](book)
    assert {b[0] for b in bad} >= {"PnL!E7"}
    assert "Funding!K1000" in {b[0] for b in bad} or "Funding!E1000" in {b[0] for b in bad}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_fee_in_another_unit_is_caught(tmp_path, linear_report, engine):
    """A fee in the wrong unit: on a linear funding contract the sheet counts the fee as the
    USDT the venue books (issue 24); a HEDGE_FEE that answers in coin (BTC) there must make
    both engines object."""
    book = shutil.copy(linear_report, tmp_path / "coin_fee.xlsx")
    replace_formula(book, "PnL", "HEDGE_FEE(B7,B8,B6,B10)+HEDGE_FEE(B7,B9,B6,B10)",
                    'HEDGE_FEE(B7,B8,B6,B10,"coin")+HEDGE_FEE(B7,B9,B6,B10,"coin")')
    _, bad = ENGINES[engine](book)
    assert {"PnL!B12", "PnL!E6", "PnL!E7"} <= {b[0] for b in bad}


@pytest.fixture(scope="module")
def desk_band_report(tmp_path_factory):
    """A live desk report with a no-trade band that keeps one contract's trade at 0, cross
    (Binance, Bybit) and isolated (OKX) positions, a linear position, one refused beyond
    its margin tiers, and a position under each venue's margin rule (Deribit, Kraken,
    BitMEX) (issue 24: every number on a sheet equal to its formula)."""
    from hedgexl.inputs import example_path
    d = tmp_path_factory.mktemp("desk")
    pos = write(d / "positions.csv", example_path("desk_positions.csv").read_text()
                + "okx-usdt,OKX:BTC-USDT-SWAP,-100,64000,0.5,,,isolated,2024-06-01T00:00Z\n"
                  "okx-big,OKX:ETH-USD-SWAP,-30000,3500,40,,,isolated,2024-06-01T00:00Z\n"
                  # each venue's own rule: Deribit's formula, Kraken's slices on the entry
                  # value (a long, so that the BTC shorts added net to 0), BitMEX's exit fee,
                  # Bybit's cross wallet with its fee
                  "deribit,DERIBIT:BTC-PERPETUAL,-40000,65000,2,,,isolated,"
                  "2024-06-01T00:00Z\n"
                  "kraken,KRAKEN:PI_XBTUSD,550000,65000,3,,,isolated,2024-06-01T00:00Z\n"
                  "bitmex,BITMEX:XBTUSD,-100000,65000,0.5,,,isolated,2024-06-01T00:00Z\n"
                  "bybit,BYBIT:BTCUSD,-50000,65000,,1,,cross,2024-06-01T00:00Z\n")
    out = d / "desk.xlsx"
    assert cli.main(["report", str(example_path("desk_holdings.csv")), "-o", str(out),
                     "--mode", "live", "--positions", str(pos), "--band", "50%",
                     "--funding", str(example_path("funding_desk_2024h1.csv")),
                     "--prices", str(example_path("prices_2024.csv")),
                     "--valuation-date", "2024-06-30"]) == 0
    cached = cached_values(out)
    assert cached["Trades!M2"] == 0.5
    assert any(str(v).startswith("within the 50% band") for v in cached.values())
    assert "refused" in cached.values()
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_a_desk_report_with_a_band_recalculates_to_what_it_shows(desk_band_report, engine):
    cells, bad = ENGINES[engine](desk_band_report)
    assert any(k.startswith("Trades!E") and "SUMIF" in f for k, f in cells.items())
    assert not bad, bad[:5]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_trade_formula_without_the_band_is_caught(tmp_path, desk_band_report, engine):
    """The old formula, =D2-C2, recalculates a banded trade to its whole size where the
    sheet shows 0: both engines must object."""
    import openpyxl
    book = shutil.copy(desk_band_report, tmp_path / "no_band.xlsx")
    ws = openpyxl.load_workbook(book)["Trades"]
    row = next(r for r in range(2, ws.max_row + 1)
               if str(ws[f"K{r}"].value or "").startswith("within the 50% band"))
    replace_formula(book, "Trades", ws[f"E{row}"].value[1:], f"D{row}-C{row}")
    _, bad = ENGINES[engine](book)
    assert f"Trades!E{row}" in {b[0] for b in bad}
