"""The desk's day: positions in, today's trades out, margin and liquidation per position,
funding since opened and carry, the report that answers first. Expected numbers come from
the domain's identities and from loops written here, not from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import hedgexl as hx
from hedgexl import cli
from hedgexl.book import build_book
from hedgexl.inputs import (InputError, example_path, read_funding_all, read_holdings,
                            read_positions)

from refusal import formula_cells, refused, run, snapshot
from workbook_checks import (cached_values, formulas_mismatches, recalc_mismatches, render,
                             set_cached)

HEAD = "account,contract,contracts,entry_price,margin,wallet_balance,mode,opened_at\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


# ---------------------------------------------------------------- reading positions

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

def _book(tmp_path, holdings, positions, **kw):
    h = read_holdings(write(tmp_path / "h.csv", holdings))
    pos = read_positions(write(tmp_path / "p.csv", HEAD + positions))
    return build_book(h, pos, valuation=dt.date(2024, 6, 30), **kw)


def _delta_eth(book):
    """Coin-equivalent futures exposure after the trades, in ETH (inverse: q·F/P)."""
    return sum((cur + tr) * 10 / 3000 for k, cur, tr in
               zip(book.trades.contract, book.trades.current, book.trades.trade)
               if k.endswith("ETH-USD-SWAP"))


def test_margin_posted_in_a_coin_is_hedged_too(tmp_path):
    """The issue's example: 100 ETH held, 10 ETH posted on OKX: a full hedge is 110 ETH."""
    b = _book(tmp_path, "asset,quantity,price,hedge_ratio,contract\n"
                        "ETH,100,3000,100%,OKX:ETH-USD-SWAP\n",
              "okx,OKX:ETH-USD-SWAP,-1000,3000,10,,,\n")
    assert b.exposure.margin[0] == 10
    assert _delta_eth(b) == pytest.approx(-110, abs=10 / 3000)  # within a lot
    assert b.exposure.net_after[0] == pytest.approx(0, abs=10 / 3000)
    assert b.trades.trade[0] == round(-110 * 3000 / 10) + 1000


def test_a_synthetic_dollar_needs_no_trade(tmp_path):
    """A short inverse position whose margin equals its notional is a synthetic dollar: with
    nothing else held, a full hedge trades nothing."""
    b = _book(tmp_path, "asset,quantity,price,hedge_ratio,contract\n"
                        "ETH,0,3000,100%,OKX:ETH-USD-SWAP\n",
              "okx,OKX:ETH-USD-SWAP,-3000,3000,10,,,\n")
    assert b.trades.trade.tolist() == [0.0]
    assert b.exposure.net[0] == pytest.approx(0)


def test_a_hedge_held_on_another_venue_is_kept_and_counted(tmp_path):
    b = _book(tmp_path, "asset,quantity,price,hedge_ratio,contract\n"
                        "ETH,100,3000,100%,BINANCE:ETHUSD_PERP\n",
              "okx,OKX:ETH-USD-SWAP,-10000,3000,10,,,\n"
              "bin,BINANCE:ETHUSD_PERP,-5000,3000,5,,,\n")
    rows = dict(zip(b.trades.contract, b.trades.trade))
    assert rows["OKX:ETH-USD-SWAP"] == 0  # not closed
    # 115 ETH to hedge (100 held + 15 margin) at 3,000: 345,000 USD; OKX holds 100,000
    assert rows["BINANCE:ETHUSD_PERP"] == -(345_000 - 100_000) / 10 + 5_000
    assert any("no holding names it: kept" in n for n in b.notes)


def test_the_band_skips_small_trades(tmp_path):
    args = ("asset,quantity,price,hedge_ratio,contract\nETH,50,3000,100%,"
            "OKX:ETH-USD-SWAP\n", "okx,OKX:ETH-USD-SWAP,-14500,3000,0,,,\n")
    assert _book(tmp_path, *args).trades.trade[0] == -500  # 3.3 % of the target, 15,000
    banded = _book(tmp_path, *args, band=0.05)
    assert banded.trades.trade[0] == 0 and "band" in banded.trades.note[0]


def test_cross_margin_uses_the_wallet_less_what_the_other_positions_need(tmp_path):
    """Binance's cross formula: a position's liquidation price uses the wallet minus the
    other positions' maintenance margin plus their unrealised PnL; OKX holds its taker fee
    to close beside its maintenance margin (it liquidates at the rate plus the fee)."""
    b = _book(tmp_path, "asset,quantity,price\nBTC,1,60000\n",
              "x,BINANCE:BTCUSD_PERP,-300,50000,,0.3,cross,\n"
              "x,OKX:BTC-USD-SWAP,-200,55000,,,cross,\n")
    mark = 60_000
    other_mm = 200 * 100 / mark * (0.005 + 0.0005)  # OKX's base tier, 0.5 %, + taker fee
    other_upnl = -200 * 100 * (1 / 55_000 - 1 / mark)
    wb = 0.3 - other_mm + other_upnl
    q, ep = 300 * 100, 50_000  # short: LP = N(1-m)/(N/EP - WB - cum), tier 1 of Binance
    lp = q * (1 - 0.004) / (q / ep - wb)  # about 90,000: 0.33 BTC there, still tier 1
    assert b.risk.liq_price[0] == pytest.approx(round(lp, 1))


def test_a_position_beyond_the_bundled_tiers_is_refused_alone(tmp_path, capsys):
    """Right or refused: 25,000 OKX:ETH-USD-SWAP contracts are past the one tier bundled
    (20,000), so that position gets no margin or liquidation figure; the position sharing
    its ETH cross wallet keeps its own maintenance margin but not its liquidation price
    (what the wallet leaves it depends on the refused one). The rest of the book stands: an
    isolated BTC short keeps DOMAIN's liquidation price, and the trades are still planned."""
    hold = "asset,quantity,price,hedge_ratio,contract\nETH,100,3000,100%,BINANCE:ETHUSD_PERP\n" \
           "BTC,1,60000,100%,BINANCE:BTCUSD_PERP\n"
    rows = ("x,OKX:ETH-USD-SWAP,-25000,3000,,5,cross,\n"
            "x,BINANCE:ETHUSD_PERP,-1000,3000,,,cross,\n"
            "iso,BINANCE:BTCUSD_PERP,-100,60000,0.1,,isolated,\n")
    b = _book(tmp_path, hold, rows)
    r = b.risk
    assert r.refused == [0, 1]
    assert np.isnan([r.maint_margin[0], r.liq_price[0], r.distance[0]]).all()
    # the neighbour: Binance tier 1 (3.3 ETH: 0.5 %) at the mark, 3,000
    assert r.maint_margin[1] == pytest.approx(1000 * 10 / 3000 * 0.005)
    assert np.isnan([r.margin[1], r.liq_price[1], r.distance[1]]).all()
    assert b.notes.index(next(n for n in b.notes if "row 2" in n)) < \
        b.notes.index(next(n for n in b.notes if "row 3" in n))  # the cause first
    assert "p.csv: row 2 (x OKX:ETH-USD-SWAP): margin and liquidation refused: a position " \
           "of 25,000 contracts is beyond the largest margin tier of OKX:ETH-USD-SWAP " \
           "(20,000 contracts)" in b.notes[b.notes.index(next(n for n in b.notes
                                                              if "row 2" in n))]
    assert any(n.startswith("p.csv: row 3 (x BINANCE:ETHUSD_PERP): liquidation refused: it "
                            "shares x's ETH cross wallet with OKX:ETH-USD-SWAP") for n in b.notes)
    # short, Binance tier 1 (0.17 BTC: 0.4 %, no amount): LP = N(1-m) / (N/EP - WB)
    n = 100 * 100
    assert r.liq_price[2] == pytest.approx(round(n * (1 - 0.004) / (n / 60_000 - 0.1), 1))
    assert len(b.trades.trade) == 3
    # the report: "refused" where a figure would be; the summary counts it beside the
    # nearest distance known (the BTC short's)
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(tmp_path / "h.csv"), "--positions", str(tmp_path / "p.csv"),
                     "-o", str(out), "--valuation-date", "2024-06-30"]) == 0
    v = cached_values(out)
    from hedgexl.workbook import layout as L
    cols = [L.POSITIONS_COLS[k] for k in ("margin", "maint", "liq", "distance")]
    assert [v[f"Positions!{c}2"] for c in cols][1:] == ["refused"] * 3
    assert [v[f"Positions!{c}3"] for c in cols] == ["refused", pytest.approx(
        r.maint_margin[1]), "refused", "refused"]
    assert v[f"Positions!{L.POSITIONS_COLS['liq']}4"] == pytest.approx(r.liq_price[2])
    dash = [v.get(f"Dashboard!E{k}") for k in range(1, 60)]
    assert dash.count("refused") == 2
    near = f"{r.distance[2]:.1%} +2 ref"
    assert re.search(rf"^h\s.*{re.escape(near)}", capsys.readouterr().out, re.M)


def test_a_position_that_outgrows_its_tier_at_the_liquidation_price(tmp_path):
    """A long of 25,000 BINANCE:ETHUSD_PERP (250,000 USD) is 83 ETH at 3,000, inside the
    100-ETH tier; at its liquidation price (about 2,430, with 20 ETH) it would be 103 ETH,
    beyond it. Binance re-checks the tier there, so the liquidation price is refused, while
    the maintenance margin at the mark stands (83.3 ETH x 0.5 %)."""
    b = _book(tmp_path, "asset,quantity,price\nETH,1,3000\n",
              "x,BINANCE:ETHUSD_PERP,25000,3000,20,,isolated,\n")
    r = b.risk
    assert r.refused == [0] and np.isnan([r.liq_price[0], r.distance[0]]).all()
    assert r.maint_margin[0] == pytest.approx(250_000 / 3000 * 0.005)
    # the size named is the one at the liquidation price, with that price
    assert re.search(r"row 2 \(x BINANCE:ETHUSD_PERP\): liquidation refused: a position of "
                     r"10\d\.\d+ ETH at 2,4\d\d\.\d\d USD is beyond", b.notes[0])


# ---------------------------------------------------------------- funding and carry

@pytest.fixture(scope="module")
def desk():
    h = read_holdings(example_path("desk_holdings.csv"))
    pos = read_positions(example_path("desk_positions.csv"))
    funding = read_funding_all(example_path("funding_desk_2024h1.csv"))
    return build_book(h, pos, funding=funding, valuation=dt.date(2024, 6, 30))


def test_funding_since_opened_is_the_sum_over_the_shared_history(desk, shared_data):
    """A loop over the project's shared funding file (not the bundled slice), row by row:
    -q F / M r for every funding time after the position opened, up to the valuation day."""
    rows = list(csv.DictReader((shared_data / "funding" / "perpetuals_8h_2023-2024.csv")
                               .open()))
    for i, key in enumerate(desk.positions.contract):
        spec = hx.get_contract(key)
        opened = desk.positions.opened_at[i].strftime("%Y-%m-%dT%H:%M:%SZ")
        total = 0.0
        for r in rows:
            if r["contract"] == key and opened < r["time_utc"] <= "2024-06-30T23:59:59Z":
                total += -desk.positions.contracts[i] * spec.face_usd / float(r["close"]) \
                    * float(r["funding_rate"])
        assert desk.carry.accrued[i] == pytest.approx(total, rel=1e-12)
        assert total > 0  # shorts in a positive-funding half year are paid


def test_carry_a_year_is_the_latest_rate_times_three_a_day(desk):
    i = desk.positions.contract.index("BINANCE:BTCUSD_PERP")
    q, mark = desk.positions.contracts[i], desk.risk.mark[i]
    want = -q * 100 / mark * desk.carry.rate_latest[i] * 3 * 365
    assert desk.carry.per_year_latest[i] == pytest.approx(want)


def test_positions_opened_before_the_history_have_no_funding_figure(tmp_path):
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n"))
    pos = read_positions(write(tmp_path / "p.csv", HEAD + "a,BINANCE:BTCUSD_PERP,-10,60000,"
                                                          "1,,,2020-01-01\n"))
    b = build_book(h, pos, funding=read_funding_all(example_path("funding_desk_2024h1.csv")),
                   valuation=dt.date(2024, 6, 30))
    assert np.isnan(b.carry.accrued[0])
    assert any("before the funding history starts" in n for n in b.notes)


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


def test_carry_follows_the_funding_files_own_interval(tmp_path):
    """A contract funded every 4 hours pays twice as often as one funded every 8: the
    funding file's interval column wins over the preset's 8 h."""
    rows = "".join(f"2024-06-{d:02d}T{h:02d}:00:00Z,BINANCE:BTCUSD_PERP,60000,0.0001,4\n"
                   for d in (29, 30) for h in range(0, 24, 4))
    f4 = write(tmp_path / "f4.csv", "time_utc,contract,mark_price,funding_rate,"
                                    "interval_hours\n" + rows)
    f8 = write(tmp_path / "f8.csv", "time_utc,contract,mark_price,funding_rate\n"
               + rows.replace(",4\n", "\n"))
    h = read_holdings(write(tmp_path / "h.csv", "asset,quantity,price\nBTC,1,60000\n"))
    pos = read_positions(write(tmp_path / "p.csv", HEAD + "a,BINANCE:BTCUSD_PERP,-600,60000,"
                                                          "1,,,2024-06-01\n"))
    y4, y8 = (build_book(h, pos, funding=read_funding_all(f), valuation=dt.date(2024, 6, 30))
              .carry.per_year_latest[0] for f in (f4, f8))
    assert y8 == pytest.approx(600 * 100 / 60000 * 0.0001 * 3 * 365)
    assert y4 == pytest.approx(2 * y8)
    bad = write(tmp_path / "bad.csv", "time_utc,contract,mark_price,funding_rate,interval\n"
                                      "2024-06-30T00:00Z,BINANCE:BTCUSD_PERP,60000,0.0001,0\n")
    with pytest.raises(InputError, match="row 2: interval_hours must be the hours"):
        read_funding_all(bad)


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
