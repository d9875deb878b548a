"""The desk's day: positions in, today's trades out, margin and liquidation per position,
funding since opened and carry, the report that answers first. Expected numbers come from
the domain's identities and from loops written here, not from the code under test. The
book's parts have their own files: test_book_trades.py, test_book_risk.py,
test_book_carry.py; the positions file, test_inputs_positions.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from hedgexl import cli
from hedgexl.book import build_book
from hedgexl.inputs import (example_path, read_holdings,
                            read_positions)

from refusal import formula_cells, refused, run, snapshot
from workbook_checks import (cached_values, formulas_mismatches, recalc_mismatches, render,
                             set_cached)
from conftest import write

HEAD = "account,contract,contracts,entry_price,margin,wallet_balance,mode,opened_at\n"


# ---------------------------------------------------------------- reading positions


def test_a_books_refusal_names_the_right_file_whole(tmp_path, capsys):
    """What the book refuses reaches the user whole (it was once cut at its first ': '),
    naming the file it is about: the positions file, or the holdings file."""
    h = write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n")
    p = write(tmp_path / "pos.csv", HEAD + "a,OKX:ETH-USD-SWAP,-100,3000,1,,,\n")
    refused(capsys, ["report", h, "--positions", p, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {p}: positions in OKX:ETH-USD-SWAP need a ETH price: add a "
            f"holding of ETH, a mark_price column, or --prices with ETH", watch=[tmp_path])
    h2 = write(tmp_path / "h2.csv", "asset,quantity,price,contract\nSOL,10,150,BINANCE:BTCUSDT\n")
    p2 = write(tmp_path / "pos2.csv", HEAD + "a,BINANCE:BTCUSD_PERP,-1,60000,1,,,\n")
    refused(capsys, ["report", h2, "--positions", p2, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {h2}, row 2: BINANCE:BTCUSDT is a linear contract: it is sized "
            f"at the price of BTC, so the portfolio needs a holding of BTC", watch=[tmp_path])


def test_report_refuses_a_bad_positions_file_in_one_line_and_writes_nothing(tmp_path,
                                                                            capsys):
    h = write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n")
    p = write(tmp_path / "pos.csv", HEAD + "a,BINANCE:BTCUSD_PERP,-0.5,60000,1,,,\n")
    refused(capsys, ["report", h, "--positions", p, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {p}, row 2: contracts must be whole lots of 1 for "
            f"BINANCE:BTCUSD_PERP (a contract is 100 USD), got -0.5; is it a size in BTC "
            f"or USD?", watch=[tmp_path])


def test_text_from_a_positions_file_never_becomes_a_formula(tmp_path, capsys):
    h = write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n")
    p = write(tmp_path / "pos.csv", HEAD + '"=HYPERLINK(""http://x"",""y"")",'
                                           "BINANCE:BTCUSD_PERP,-100,60000,1,,,\n")
    out = tmp_path / "r.xlsx"
    rc, _, err = run(capsys, "report", h, "--positions", p, "-o", out)
    assert rc == 0, err
    assert formula_cells(out) == []
    assert cached_values(out)["Positions!A2"].startswith("=HYPERLINK")


# ---------------------------------------------------------------- trades

def desk_book(tmp_path, holdings, positions, **kw):
    h = read_holdings(write(tmp_path / "h.csv", holdings))
    pos = read_positions(write(tmp_path / "p.csv", HEAD + positions))
    return build_book(h, pos, valuation=dt.date(2024, 6, 30), **kw)


# ---------------------------------------------------------------- the report and the ticket

@pytest.fixture(scope="module")
def desk_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("desk") / "desk.xlsx"
    assert cli.main(["report", str(example_path("desk_holdings.csv")), "-o", str(out),
                     "--positions", str(example_path("desk_positions.csv")),
                     "--funding", str(example_path("funding_desk_2024h1.csv")),
                     "--prices", str(example_path("prices_2024.csv")),
                     "--valuation-date", "2024-06-30", "--mode", "live"]) == 0
    return out


@pytest.mark.parametrize("engine", [recalc_mismatches, formulas_mismatches],
                         ids=["pycel", "formulas"])
def test_desk_report_recalculates_from_its_inputs(desk_report, engine, tmp_path):
    cells, bad = engine(desk_report)
    used = " ".join(cells.values())
    for name in ("HEDGE_LIQ_PRICE", "HEDGE_MARGIN", "HEDGE_LIQ_DISTANCE", "HEDGE_FEE"):
        assert name in used
    assert not bad, bad[:5]
    tampered = shutil.copy(desk_report, tmp_path / "tampered.xlsx")
    from hedgexl.workbook import layout as L
    liq = f"{L.POSITIONS_COLS['liq']}2"
    set_cached(tampered, "Positions", liq, 99_999)  # a liquidation price a viewer sees
    _, bad = engine(tampered)
    assert f"Positions!{liq}" in {b[0] for b in bad}


def test_dashboard_answers_first(desk_report):
    v = cached_values(desk_report)
    col_a = [v.get(f"Dashboard!A{r}") for r in range(1, 60)]
    assert col_a.index("Trades to place today") < col_a.index("Nearest to liquidation") < \
        col_a.index("Net exposure per coin (in coins; + long)") < \
        col_a.index("What the hedge earns (+) or costs (-)")


def test_ticket_writes_what_the_trades_sheet_shows(desk_report, tmp_path, capsys):
    out = tmp_path / "trades.csv"
    rc, stdout, err = run(capsys, "ticket", example_path("desk_holdings.csv"), "--positions",
                          example_path("desk_positions.csv"), "--prices",
                          example_path("prices_2024.csv"), "--valuation-date", "2024-06-30",
                          "-o", out)
    assert rc == 0, err
    rows = list(csv.DictReader(out.open()))
    v = cached_values(desk_report)
    assert [r["account"] for r in rows] == [v[f"Trades!A{i + 2}"] for i in range(len(rows))]
    for i, r in enumerate(rows):
        assert float(r["trade_contracts"]) == v[f"Trades!E{i + 2}"]
        assert float(r["target_contracts"]) - float(r["current_contracts"]) == \
            float(r["trade_contracts"])
    assert {"account", "contract", "current_contracts", "target_contracts", "trade_contracts",
            "side", "notional_usd", "est_fee", "fee_currency"} <= set(rows[0])
    # never over an input, nor over a file without --force
    before = snapshot(tmp_path)
    rc, _, err = run(capsys, "ticket", example_path("desk_holdings.csv"), "--positions",
                     example_path("desk_positions.csv"), "--prices",
                     example_path("prices_2024.csv"), "-o", out)
    assert rc == 1 and "exists" in err and snapshot(tmp_path) == before


@pytest.mark.slow
def test_a_desk_report_of_25_holdings_prints_in_four_pages(tmp_path):
    assets = ["BTC", "ETH"] + [f"ALT{i}" for i in range(23)]
    h = write(tmp_path / "h25.csv", "asset,quantity,price,beta,hedge_ratio\n" + "".join(
        f"{a},{10 + i},{60000 if a == 'BTC' else 3000 if a == 'ETH' else 5 + i},1.1,80%\n"
        for i, a in enumerate(assets)))
    out = tmp_path / "r25.xlsx"
    assert cli.main(["report", str(h), "-o", str(out), "--positions",
                     str(example_path("desk_positions.csv")), "--funding",
                     str(example_path("funding_desk_2024h1.csv")), "--prices",
                     str(example_path("prices_2024.csv")), "--valuation-date",
                     "2024-06-30"]) == 0
    text, pngs = render(out, tmp_path / "render")
    import subprocess
    info = subprocess.run(["pdfinfo", str(tmp_path / "render" / "r25.pdf")],
                          capture_output=True, text=True).stdout
    pages = int(next(l for l in info.splitlines() if l.startswith("Pages:")).split()[1])
    assert pages <= 4, pages
    assert "Trades to place today" in text and "Nearest to liquidation" in text
    assert "2024-02-01" not in text  # the funding rows stay off the printed pages


def test_batch_with_positions_by_portfolio(tmp_path, capsys):
    book = Path(__file__).resolve().parent.parent / "examples"
    summary = tmp_path / "sum.csv"
    rc, _, err = run(capsys, "batch", book / "book.csv", "--positions",
                     book / "book_positions.csv", "-o", tmp_path / "out", "--summary", summary)
    assert rc == 0, err
    rows = {r["portfolio"]: r for r in csv.DictReader(summary.open())}
    assert int(rows["Fund A"]["trades"]) >= 1 and rows["Fund B"]["nearest_liquidation"]
    assert cached_values(tmp_path / "out" / "Fund B.xlsx")["Positions!B2"] == \
        "DERIBIT:BTC-PERPETUAL"
    rc, _, err = run(capsys, "batch", book / "book.csv", "--positions",
                     example_path("desk_positions.csv"), "-o", tmp_path / "out2")
    assert rc == 1 and "missing column portfolio" in err


def test_a_bybit_position_recalculates_too(tmp_path):
    """Bybit charges maintenance on the entry value; the Positions sheet shows maintenance
    at the mark (its HEDGE_MARGIN formula), and the cached value must be that one."""
    h = write(tmp_path / "h.csv", "asset,quantity,price\nBTC,2,60000\n")
    p = write(tmp_path / "p.csv", HEAD + "by,BYBIT:BTCUSD,-50000,50000,,1,cross,\n"
                                         "by,BYBIT:BTCUSDT,-1,50000,2000,,isolated,\n")
    out = tmp_path / "by.xlsx"
    assert cli.main(["report", str(h), "--positions", str(p), "-o", str(out),
                     "--mode", "live"]) == 0
    cells, bad = recalc_mismatches(out)
    assert any("HEDGE_MARGIN" in f for f in cells.values())
    assert not bad, bad[:5]
