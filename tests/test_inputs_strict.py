"""Inputs that cannot be misread (issue 23): a strict number grammar, a strict CSV, rows that
belong to their own portfolio, time series in time order and given once, --resume that keeps
only what this run would write, outputs that never replace what they should not.

Each hostile file here was read as another number by an earlier reader, with exit code 0.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from refusal import refused, run, snapshot

from hedgexl.files import csv_safe
from hedgexl.inputs import (
    InputError,
    example_path,
    read_funding_all,
    read_holdings,
    read_prices,
)

DATA = {k: example_path(v) for k, v in (("holdings", "desk_holdings.csv"),
                                        ("positions", "desk_positions.csv"),
                                        ("funding", "funding_desk_2024h1.csv"),
                                        ("prices", "prices_2024.csv"))}
VDATE = "2024-06-30"


# --- numbers -----------------------------------------------------------------------------
@pytest.mark.parametrize("text, why", [
    ("$250000", "currency signs and codes are not read"),
    ("250000 USD", "currency signs and codes are not read"),
    ("50 %", "% is read only in rates and ratios"),
    ("(-2.5)", "parentheses are not read as a minus"),
    ("(2.5)", "parentheses are not read as a minus"),
    ("2 5", "spaces inside a number are not read"),
    ("1.5 2", "spaces inside a number are not read"),
    ("2_5", "underscores are not read"),
    ("1,2,5", ""),
    ("1e400", "finite"),
])
def test_a_quantity_outside_the_grammar_is_refused_with_its_cell(tmp_path, capsys, text, why):
    f = tmp_path / "h.csv"
    f.write_text(f'asset,quantity,price\nBTC,"{text}",60000\n')
    with pytest.raises(InputError) as e:
        read_holdings(f)
    assert e.value.row == 2 and repr(text) in str(e.value) and why in str(e.value)
    assert "quantity" in str(e.value)
    out = tmp_path / "r.xlsx"
    rc, _, err = run(capsys, "report", f, "-o", out)
    assert rc == 1 and not out.exists() and "Traceback" not in err


def test_an_oversized_field_is_one_line_for_a_report_and_a_batch(tmp_path, capsys):
    f = tmp_path / "book.csv"
    f.write_text("portfolio,asset,quantity,price,comment\nA,BTC,1,60000,"
                 + "x" * 200_000 + "\nB,ETH,2,3000,\n")
    for argv in (["report", f, "-o", tmp_path / "r.xlsx"],
                 ["batch", f, "-o", tmp_path / "out"]):
        rc, _, err = run(capsys, *argv)
        assert rc == 1 and "Traceback" not in err
        assert err.strip().splitlines()[-1] == (
            f"hedgexl: error: {f}, row 2: a field is over 128 KiB; no holdings, positions, "
            f"prices or funding cell is that long: is it the right file?")


# --- whose rows --------------------------------------------------------------------------
POS_HEADER = "portfolio,account,contract,contracts,entry_price,margin,wallet_balance,mode"


def _two_books(tmp_path):
    """fund_a's holdings; a positions file with fund_a's positions and Fund B's."""
    h = tmp_path / "fund_a.csv"
    h.write_text(DATA["holdings"].read_text())
    own = ["fund_a,binance-main,BINANCE:BTCUSD_PERP,-5000,62150,,2.5,cross",
           "fund_a,binance-main,BINANCE:ETHUSD_PERP,-25000,3510,,10,cross"]
    other = ["Fund B,b-main,BINANCE:BTCUSD_PERP,-9000,62150,,3,cross",
             "Fund B,b-main,BINANCE:ETHUSD_PERP,-40000,3510,,12,cross"]
    both = tmp_path / "positions.csv"
    both.write_text("\n".join([POS_HEADER] + own[:1] + other + own[1:]) + "\n")
    alone = tmp_path / "alone.csv"  # the same rows of fund_a, by themselves
    alone.write_text("\n".join([POS_HEADER.replace("portfolio,", "")]
                               + [r.split(",", 1)[1] for r in own]) + "\n")
    return h, both, alone


def _ticket(capsys, tmp_path, holdings, positions, *extra):
    out = tmp_path / f"t{len(list(tmp_path.glob('t*.csv')))}.csv"
    rc, _, err = run(capsys, "ticket", holdings, "--positions", positions, "-o", out,
                     "--funding", DATA["funding"], "--valuation-date", VDATE, *extra)
    assert rc == 0, err
    with open(out, newline="") as f:
        return [(r["account"], r["contract"], float(r["trade_contracts"]))
                for r in csv.DictReader(f)]


def test_a_ticket_uses_only_its_own_portfolios_positions(tmp_path, capsys):
    """Another fund's positions used to count as this fund's hedge."""
    h, both, alone = _two_books(tmp_path)
    expected = _ticket(capsys, tmp_path, h, alone)
    assert _ticket(capsys, tmp_path, h, both) == expected  # by the holdings file's name
    assert not any(acct == "b-main" for acct, _, _ in expected)
    other = tmp_path / "other.csv"
    other.write_text(h.read_text())
    assert _ticket(capsys, tmp_path, other, both, "--portfolio", "fund_a") == expected


def test_a_portfolio_the_positions_do_not_name_is_refused(tmp_path, capsys):
    h, both, _ = _two_books(tmp_path)
    other = tmp_path / "fund_c.csv"
    other.write_text(h.read_text())
    refused(capsys, ["ticket", other, "--positions", both, "-o", tmp_path / "t.csv"],
            f"hedgexl: error: {both}: no positions of portfolio 'fund_c' (the holdings "
            f"file's name); the file's portfolio column has 'fund_a', 'Fund B'; choose one "
            f"with --portfolio NAME", watch=[tmp_path])
    refused(capsys, ["report", h, "--positions", both, "-o", tmp_path / "r.xlsx",
                     "--portfolio", "FUND_A"],
            f"hedgexl: error: {both}: no positions of portfolio 'FUND_A' (--portfolio); the "
            f"file's portfolio column has 'fund_a', 'Fund B'; 'fund_a' differs from it only "
            f"in case or spacing; write it exactly so", watch=[tmp_path])


def test_a_single_report_refuses_a_holdings_file_of_several_portfolios(tmp_path, capsys):
    book = Path(__file__).parent.parent / "examples" / "book.csv"
    refused(capsys, ["report", book, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {book}: the portfolio column names 2 portfolios ('Fund A', "
            f"'Fund B'); `hedgexl batch` reports each, or --portfolio NAME picks one",
            watch=[tmp_path])
    h = read_holdings(book, portfolio="Fund B")
    rows = [r for r in csv.DictReader(open(book)) if r["portfolio"] == "Fund B"]
    assert h.asset == [r["asset"] for r in rows] and h.portfolio == "Fund B"


def test_a_batch_fails_the_portfolio_its_positions_spell_another_way(tmp_path, capsys):
    """``fund b`` for ``Fund B``: Fund B's report used to show no hedge held."""
    book = tmp_path / "book.csv"
    book.write_text("portfolio,asset,quantity,price\nFund A,BTC,2,60000\nFund B,ETH,40,3000\n")
    pos = tmp_path / "pos.csv"
    pos.write_text(POS_HEADER + "\nFund A,a,BINANCE:BTCUSD_PERP,-1000,60000,0.5,,isolated\n"
                   "fund b,b,BINANCE:ETHUSD_PERP,-8000,3000,3,,isolated\n"
                   "Fund Z,z,BINANCE:ETHUSD_PERP,-10,3000,3,,isolated\n")
    out = tmp_path / "out"
    rc, _, err = run(capsys, "batch", book, "-o", out, "--positions", pos,
                     "--valuation-date", VDATE)
    assert rc == 1
    assert (f"Fund B ({book}): {pos}: portfolio 'fund b' (row 3) differs from 'Fund B' only "
            f"in case or spacing; write it exactly as the holdings do, or 'Fund B' is "
            f"reported with no hedge held") in err
    assert ("warning: pos.csv: the positions of portfolio 'Fund Z' (row 4) are in no report: "
            "no portfolio of that name was reported") in err
    assert (out / "Fund A.xlsx").exists() and not (out / "Fund B.xlsx").exists()


# --- time series -------------------------------------------------------------------------
def funding_rows():
    with open(DATA["funding"], newline="") as f:
        r = csv.reader(f)
        return next(r), list(r)


def write_rows(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _accrued(capsys, tmp_path, funding) -> float:
    out = tmp_path / f"s{len(list(tmp_path.glob('s*.csv')))}.csv"
    rc, _, err = run(capsys, "report", DATA["holdings"], "-o", tmp_path / (out.stem + ".xlsx"),
                     "--positions", DATA["positions"], "--funding", funding,
                     "--valuation-date", VDATE, "--summary", out)
    assert rc == 0, err
    row = next(csv.DictReader(open(out)))
    return float(row["funding_accrued_usd"]), float(row["carry_year_usd"])


def test_funding_given_twice_is_refused(tmp_path, capsys):
    """Every row twice used to double the accrued funding."""
    head, rows = funding_rows()
    f = write_rows(tmp_path / "twice.csv", head, rows + rows)
    refused(capsys, ["report", DATA["holdings"], "-o", tmp_path / "r.xlsx", "--positions",
                     DATA["positions"], "--funding", f, "--valuation-date", VDATE],
            f"hedgexl: error: {f}, row {len(rows) + 2}: BINANCE:BTCUSD_PERP has a funding at "
            f"2024-01-01 00:00 UTC on rows 2 and {len(rows) + 2}; give each funding once (a "
            f"row given twice counts twice)", watch=[tmp_path])


def test_a_newest_first_funding_file_gives_the_same_report(tmp_path, capsys):
    """A newest-first file used to take its oldest rate as the latest (carry 374,957 USD a
    year instead of 113,385)."""
    head, rows = funding_rows()
    ordered = _accrued(capsys, tmp_path, DATA["funding"])
    shuffled = rows[::-1]
    shuffled[10:20] = shuffled[10:20][::-1]
    assert _accrued(capsys, tmp_path, write_rows(tmp_path / "rev.csv", head, shuffled)) == ordered
    assert round(ordered[1]) == 113_385  # the demo's carry at the latest rates (issue 23)


@pytest.mark.parametrize("when, why", [
    ("05/01/2024 08:00", "time must be a UTC date and time such as 2024-01-01T08:00:00Z, "
                         "got '05/01/2024 08:00'"),
    ("2030-01-01T00:00:00Z", "time 2030-01-01 00:00 UTC is after now"),
])
def test_a_funding_time_that_does_not_parse_or_has_not_happened_is_refused(tmp_path, when,
                                                                          why):
    head, rows = funding_rows()
    rows[5][0] = when
    f = write_rows(tmp_path / "bad.csv", head, rows)
    with pytest.raises(InputError) as e:
        read_funding_all(f)
    assert e.value.row == 7 and why in str(e.value)


def test_gaps_and_stale_funding_are_said_with_their_dates(tmp_path, capsys):
    head, rows = funding_rows()
    btc = [r for r in rows if r[1] == "BINANCE:BTCUSD_PERP"]
    kept = [r for r in btc if not r[0].startswith("2024-03")]  # March missing
    f = write_rows(tmp_path / "gap.csv", head, kept)
    fs = read_funding_all(f)["BINANCE:BTCUSD_PERP"]
    assert fs.warnings == ["gap.csv: BINANCE:BTCUSD_PERP has no funding from 2024-02-29 16:00 "
                           "to 2024-04-01 00:00 UTC (about 93 missing); funding accrued over "
                           "that time is left out"]
    early = write_rows(tmp_path / "early.csv", head, [r for r in btc if r[0] < "2024-01-02"])
    rc, _, err = run(capsys, "report", DATA["holdings"], "-o", tmp_path / "r.xlsx",
                     "--funding", early, "--valuation-date", VDATE)
    assert rc == 0
    assert ("early.csv: the funding of BINANCE:BTCUSD_PERP ends 2024-01-01 16:00 UTC, 181 "
            "day(s) before the valuation date 2024-06-30") in err
    notes = [c.value for row in openpyxl.load_workbook(tmp_path / "r.xlsx")["Holdings"]
             for c in row if isinstance(c.value, str)]
    assert any("181 day(s) before the valuation date" in n for n in notes)


def test_prices_in_time_order_given_once_in_one_file(tmp_path, capsys):
    f = tmp_path / "BTC-USD.csv"
    f.write_text("date,value\n2024-01-03,42000\n2024-01-01,40000\n2024-01-02,41000\n")
    dates, cols = read_prices(f)
    assert dates == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert cols["BTC"].tolist() == [40000, 41000, 42000]
    f.write_text("date,value\n2024-01-01,40000\n2024-01-02,41000\n2024-01-01,42000\n")
    with pytest.raises(InputError, match="row 4: date 2024-01-01 is on rows 2 and 4"):
        read_prices(f)
    f.write_text("date,value\n2024-01-01,40000\n2099-01-02,41000\n")
    with pytest.raises(InputError, match="row 3: date 2099-01-02 is after today"):
        read_prices(f)
    f.write_text("date,value\n2024-01-01,40000\n2024-01-02,41000\n")
    g = tmp_path / "wide.csv"
    g.write_text("date,BTC,ETH\n2024-01-01,40001,2000\n2024-01-02,41001,2100\n")
    refused(capsys, ["report", DATA["holdings"], "-o", tmp_path / "r.xlsx", "--prices", f, g],
            f"hedgexl: error: {g}: BTC prices are also in BTC-USD.csv; give each asset's "
            f"prices in one file", watch=[tmp_path])


def test_a_position_opened_after_the_valuation_date_is_refused(tmp_path, capsys):
    p = tmp_path / "p.csv"
    p.write_text(DATA["positions"].read_text().replace("2024-06-03T16:00Z",
                                                       "2024-07-03T16:00Z"))
    refused(capsys, ["report", DATA["holdings"], "-o", tmp_path / "r.xlsx", "--positions", p,
                     "--valuation-date", VDATE],
            f"hedgexl: error: {p}, row 5: okx-hedge OKX:BTC-USD-SWAP opened 2024-07-03 16:00 "
            f"UTC, after the valuation date 2024-06-30: it was not held then",
            watch=[tmp_path])


# --- resume ------------------------------------------------------------------------------
def test_resume_keeps_only_what_this_run_would_write(tmp_path, capsys):
    """A report from yesterday's inputs used to be kept, with today's numbers printed."""
    book = Path(__file__).parent.parent / "examples" / "book.csv"
    head, rows = funding_rows()
    f = write_rows(tmp_path / "funding.csv", head, rows)
    out = tmp_path / "out"
    assert run(capsys, "batch", book, "-o", out, "--funding", f)[0] == 0
    rc, so, _ = run(capsys, "batch", book, "-o", out, "--funding", f, "--resume")
    assert rc == 0 and so.count(" kept ") == 2
    before = snapshot(out)
    rows[0][3] = str(float(rows[0][3]) * 3)  # today's funding differs in one row
    write_rows(f, head, rows)
    rc, so, err = run(capsys, "batch", book, "-o", out, "--funding", f, "--resume")
    assert rc == 0 and " kept " not in so and "written again" in err
    assert snapshot(out) != before
    fresh = tmp_path / "fresh"
    assert run(capsys, "batch", book, "-o", fresh, "--funding", f)[0] == 0
    for name in ("Fund A.xlsx", "Fund B.xlsx"):
        a = openpyxl.load_workbook(out / name)["Funding"]
        b = openpyxl.load_workbook(fresh / name)["Funding"]
        assert [[c.value for c in r] for r in a.iter_rows()] == \
            [[c.value for c in r] for r in b.iter_rows()]


# --- outputs -----------------------------------------------------------------------------
def test_no_command_replaces_a_file_without_force(tmp_path, capsys):
    md = tmp_path / "functions.md"
    md.write_text("mine")
    refused(capsys, ["docs", "-o", md], f"hedgexl: error: {md} exists; use --force to "
                                        f"replace it", watch=[tmp_path])
    assert run(capsys, "demo", "-o", tmp_path / "demo")[0] == 0
    refused(capsys, ["demo", "-o", tmp_path / "demo"],
            f"hedgexl: error: {tmp_path / 'demo' / 'example_desk.xlsx'} exists; use --force "
            f"to replace it", watch=[tmp_path])


def test_backtest_never_replaces_its_contracts_file(tmp_path, capsys):
    c = tmp_path / "contracts.csv"
    c.write_text(example_path("contracts.csv").read_text())
    refused(capsys, ["backtest", "--contracts", c, "-o", c, "--force"],
            f"hedgexl: error: -o {c}: that is the contracts file, an input; hedgexl never "
            f"writes over an input, choose another -o", watch=[tmp_path])


@pytest.mark.parametrize("account", ["ops;=cmd|' /C calc'!A0", "ops,+1+cmd", "a\t-2+3",
                                     "ops; @SUM(1)"])
def test_no_field_of_a_csv_can_start_a_formula_after_any_separator(account):
    safe = csv_safe(account)
    for sep in ",;\t|":
        for part in safe.split(sep):
            assert part.lstrip(" ")[:1] not in ("=", "+", "-", "@"), (account, safe)
    assert safe.replace("'", "") == account.replace("'", "")


def test_the_ticket_neutralises_a_formula_after_a_semicolon(tmp_path, capsys):
    p = tmp_path / "p.csv"
    p.write_text(DATA["positions"].read_text().replace("okx-hedge",
                                                       "ops;=cmd|' /C calc'!A0"))
    out = tmp_path / "t.csv"
    rc, _, err = run(capsys, "ticket", DATA["holdings"], "--positions", p, "-o", out,
                     "--valuation-date", VDATE)
    assert rc == 0, err
    text = out.read_text()
    assert "ops;'=cmd" in text and ";=" not in text


def test_a_folder_batch_matches_each_files_own_portfolio(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.csv").write_text("portfolio,asset,quantity,price\nFund A,BTC,1,60000\n")
    pos = tmp_path / "pos.csv"
    pos.write_text(POS_HEADER + "\nFund A,acc,BINANCE:BTCUSD_PERP,-600,60000,0.5,,isolated\n"
                   "Fund Q,q,BINANCE:BTCUSD_PERP,-6,60000,0.5,,isolated\n")
    out = tmp_path / "out"
    rc, _, err = run(capsys, "batch", d, "-o", out, "--positions", pos, "--valuation-date",
                     VDATE)
    assert rc == 0, err
    ws = openpyxl.load_workbook(out / "a.xlsx")["Positions"]
    assert any(c.value == "acc" for row in ws.iter_rows() for c in row)
    assert "portfolio 'Fund A'" not in err
    assert ("pos.csv: the positions of portfolio 'Fund Q' (row 3) are in no report") in err


def test_cr_line_endings_and_a_literal_x(tmp_path, capsys):
    f = tmp_path / "mac.csv"
    f.write_bytes(b"asset,quantity,price\rBTC,1,100000\rETH,2,3000\r")
    assert read_holdings(f).asset == ["BTC", "ETH"]
    g = tmp_path / "x.csv"
    g.write_text("asset,quantity,price\nBTC,1,100000\nETH,x,3000\n")
    refused(capsys, ["hedge", g], f"hedgexl: error: {g}, row 3: quantity must be a number, "
                                  f"got 'x'", watch=[tmp_path])


def test_a_report_of_an_earlier_hedgexl_is_written_again_on_resume(tmp_path, capsys):
    import zipfile
    book = Path(__file__).parent.parent / "examples" / "book.csv"
    out = tmp_path / "out"
    assert run(capsys, "batch", book, "-o", out)[0] == 0
    old = out / "Fund A.xlsx"  # as a hedgexl without fingerprints wrote it
    with zipfile.ZipFile(old) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    with zipfile.ZipFile(old, "w") as z:
        for name, data in parts.items():
            if name == "docProps/custom.xml":
                data = data.replace(b"hedgexl_fingerprint", b"something_else")
            z.writestr(name, data)
    rc, so, err = run(capsys, "batch", book, "-o", out, "--resume")
    assert rc == 0 and "Fund A.xlsx was made from other inputs" in err
    assert so.count(" kept ") == 1  # Fund B's own fingerprint matches


def test_outputs_are_checked_before_any_work(tmp_path, capsys):
    h, both, _ = _two_books(tmp_path)
    refused(capsys, ["report", h, "-o", tmp_path / "r.xlsx", "--summary", h, "--force"],
            f"hedgexl: error: --summary {h}: that is the holdings file, an input; hedgexl "
            f"never writes over an input, choose another --summary", watch=[tmp_path])
    rc, out, err = run(capsys, "ticket", h, "--positions", both, "-o", both)
    assert rc == 1 and "that is the positions file" in err and "sell" not in out
