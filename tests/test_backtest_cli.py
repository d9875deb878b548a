"""``hedgexl backtest`` as a user runs it: the bundled example, a grid, refusals, and the
workbook's numbers against the inputs they come from."""

import csv
import zipfile

import numpy as np
import pytest
from python_calamine import CalamineWorkbook

from hedgexl import cli
from hedgexl.inputs import example_path
from workbook_checks import render


def sheet(path, name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("bt") / "bt.xlsx"
    assert cli.main(["backtest", "-o", str(out), "--grid", "--ratios", "0", "1",
                     "--rules", "daily", "monthly"]) == 0
    return out


def test_example_workbook_has_its_sheets_and_charts(example):
    names = CalamineWorkbook.from_path(str(example)).sheet_names
    assert names == ["Summary", "Daily", "H1 BTC", "H2 ETH", "H3 SOL", "Grid"]
    with zipfile.ZipFile(example) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 6  # five on Summary, cost against reduction on Grid


def test_daily_values_come_from_the_inputs(example):
    # unhedged: the holdings' quantities times the bundled prices, read here with csv
    qty = {r["asset"]: float(r["quantity"]) for r in
           csv.DictReader(open(example_path("desk_holdings.csv")))}
    prices = {r["date"]: r for r in csv.DictReader(open(example_path("prices_2024.csv")))}
    daily = sheet(example, "Daily")
    assert daily[0][:3] == ["Date", "Unhedged value (USD)", "Hedged value (USD)"]
    rows = daily[1:]
    assert len(rows) > 150
    for row in rows:
        d = row[0].isoformat()[:10]
        want = sum(q * float(prices[d][a]) for a, q in qty.items())
        assert row[1] == pytest.approx(want, rel=1e-12)
    # the book's hedged value is the sum of the holdings' sheets' hedged values
    per = [sheet(example, n) for n in ("H1 BTC", "H2 ETH", "H3 SOL")]
    hedged = [p[1].index("Hedged (USD)") for p in per]
    for i, row in enumerate(rows):
        assert row[2] == pytest.approx(sum(p[2 + i][c] for p, c in zip(per, hedged)),
                                       rel=1e-12)
    # coin-labelled columns; one price column where the hedge is on the holding's own coin
    assert per[0][1][:2] == ["Date", "BTC price (USD)"] and "BTC price (USD)" not in \
        per[0][1][2:]
    assert per[0][1][4:8] == ["Futures PnL (BTC)", "Funding (BTC, + received)",
                              "Fees (BTC, paid)", "Margin (BTC)"]
    assert per[2][1][1:3] == ["SOL price (USD)", "BTC price (USD)"]  # a cross-hedge: both
    assert per[2][1][8] == "Margin (BTC)"  # SOL's hedge settles in BTC


def test_grid_zero_ratio_is_the_unhedged_book(example):
    grid = sheet(example, "Grid")
    head, rows = grid[0], grid[1:]
    assert len(rows) == 1 + 4  # the main policy, then 2 ratios x 2 rules
    zero = [r for r in rows if r[1] == 0]
    daily = sheet(example, "Daily")
    end_unhedged = daily[-1][1]
    for r in zero:
        assert r[head.index("Variance reduction")] == 0
        assert r[head.index("Trades")] == 0
        assert r[head.index("Hedged value at end (USD)")] == pytest.approx(end_unhedged,
                                                                           rel=1e-12)


@pytest.mark.slow
def test_example_renders_with_its_charts(example, tmp_path):
    text, pngs = render(example, tmp_path, pages=(1, 1))
    assert "Hedge backtest" in text and "Variance reduction" in text
    from PIL import Image
    img = Image.open(pngs[0]).convert("RGB")
    # the charts' lines are drawn: enough of the spot and loss colours on page 1
    px = np.asarray(img).reshape(-1, 3).astype(int)
    navy = (np.abs(px - [0x1F, 0x3B, 0x73]).sum(axis=1) < 60).sum()
    red = (np.abs(px - [0xC0, 0x39, 0x2B]).sum(axis=1) < 60).sum()
    assert navy > 500 and red > 500


def test_refusals_are_one_line(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    hold = tmp_path / "h.csv"
    hold.write_text("asset,quantity,price,contract\nBTC,1,60000,OKX:BTC-USDT-SWAP\n")
    rc = cli.main(["backtest", str(hold), "--prices", str(example_path("prices_2024.csv")),
                   "--funding", str(example_path("funding_desk_2024h1.csv")), "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "\n" not in err
    assert "funding_desk_2024h1.csv: no funding rows for OKX:BTC-USDT-SWAP" in err
    assert not out.exists()
    rc = cli.main(["backtest", "--since", "2023-06-01", "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 1 and "--since 2023-06-01: the inputs start together on 2024-01-17" in err
    out.write_text("mine")
    assert cli.main(["backtest", "-o", str(out)]) == 1
    assert out.read_text() == "mine"  # nothing the user has is overwritten
    assert cli.main(["backtest", "--rules", "hourly", "--grid", "-o", str(out)]) == 1
    assert "a rebalance rule is daily, weekly or monthly" in capsys.readouterr().err


def test_funding_gap_is_refused(tmp_path, capsys):
    src = example_path("funding_desk_2024h1.csv").read_text().splitlines()
    kept = [l for l in src if not l.startswith("2024-03-05T08")]
    f = tmp_path / "gap.csv"
    f.write_text("\n".join(kept) + "\n")
    rc = cli.main(["backtest", "--funding", str(f), "-o", str(tmp_path / "x.xlsx")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "gap.csv: BINANCE:BTCUSD_PERP has 2 of its 3 fundings on 2024-03-05" in err


def test_opening_positions_are_held_from_the_start(tmp_path, capsys):
    pos = tmp_path / "pos.csv"
    pos.write_text("account,contract,contracts,entry_price,wallet_balance,opened_at\n"
                   "main,BINANCE:BTCUSD_PERP,-5000,42000,2,2024-01-02T00:00Z\n"
                   "main,BINANCE:ETHUSD_PERP,-100,2500,2,2024-05-01T00:00Z\n")
    out = tmp_path / "bt.xlsx"
    assert cli.main(["backtest", "--positions", str(pos), "--band", "50%",
                     "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "BINANCE:ETHUSD_PERP position opened 2024-05-01, after the backtest starts" in err
    btc, sol = sheet(out, "H1 BTC"), sheet(out, "H3 SOL")
    assert btc[1][2] == sol[1][3] == "Contracts held"
    # the -5,000 BTCUSD_PERP are split between BTC and SOL (both hedged on it) by their
    # beta-weighted values on 2024-01-17, in whole contracts
    v_btc, v_sol = 12.5 * 43132.4 * 1.0, 2500 * 97.61580657958984 * 1.17
    mine = round(-5000 * v_btc / (v_btc + v_sol))
    assert mine == -3269
    # targets 4,313 and 1,428 contracts: 24 % and 21 % off, inside the 50 % band: kept
    assert [r[2] for r in btc[2:5]] == [mine] * 3
    assert [r[3] for r in sol[2:5]] == [-5000 - mine] * 3
    assert btc[2][3] == 0 and sol[2][4] == 0


def test_one_sign_convention_for_costs(example):
    """Fees and funding paid are costs, positive, on the Daily sheet as on the Summary (they
    were negative on Daily and positive on Summary)."""
    daily = sheet(example, "Daily")
    summary = sheet(example, "Summary")
    stat = {row[0]: row[1] for row in summary if row and isinstance(row[0], str)}
    head = daily[0]
    last = daily[-1]
    paid = last[head.index("Funding paid, to date (USD, a cost: + paid)")]
    fees = last[head.index("Fees, to date (USD, a cost: + paid)")]
    assert paid > 0 and fees > 0
    assert paid == pytest.approx(stat["Funding paid (USD)"], rel=1e-9)
    assert fees == pytest.approx(stat["Fees (USD)"], rel=1e-9)
