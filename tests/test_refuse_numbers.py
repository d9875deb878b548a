"""Silent wrong numbers, refused or said: decimal commas, two columns for one field, silent
defaults, implausible values, overflow and Excel's row limit (issue 10)."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from hedgexl import inputs
from hedgexl.inputs import InputError, example_path, read_holdings, read_prices
from hedgexl.workbook import writer

from refusal import refused, run

PRICES = example_path("prices_2024.csv")


def test_a_european_csv_is_read_as_a_european_excel_wrote_it(tmp_path, capsys):
    # The file: 2.5 BTC at 100,511.85 USD, once read as 25 BTC at 10,051,185 USD.
    f = tmp_path / "eu.csv"
    f.write_text("asset;quantity;price\nBTC;2,5;100511,85\n")
    h = read_holdings(f)
    assert (h.quantity.tolist(), h.price.tolist()) == ([2.5], [100511.85])
    out = tmp_path / "eu.xlsx"
    rc, _, _ = run(capsys, "report", f, "-o", out)
    assert rc == 0
    ws = openpyxl.load_workbook(out)["Holdings"]
    assert ws["G2"].value == pytest.approx(2.5 * 100511.85)
    # thousands grouped with dots, decimals with commas
    f.write_text("asset;quantity;price\nBTC;1.250,5;100.511,85\n")
    assert read_holdings(f).quantity.tolist() == [1250.5]


def test_a_decimal_mark_the_file_does_not_settle_is_refused(tmp_path, capsys):
    f = tmp_path / "amb.csv"
    f.write_text("asset;quantity;price\nBTC;2,500;100000\n")
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {f}, row 2: '2,500' could be 2500 or 2.5: no number in the file "
            "tells which decimal mark it uses; set it with --decimal . or --decimal ,",
            watch=[tmp_path])
    assert read_holdings(f, decimal=",").quantity.tolist() == [2.5]
    assert read_holdings(f, decimal=".").quantity.tolist() == [2500.0]
    rc, _, _ = run(capsys, "report", f, "-o", tmp_path / "r.xlsx", "--decimal", ",")
    assert rc == 0


def test_mixed_decimal_marks_are_refused(tmp_path, capsys):
    f = tmp_path / "mixed.csv"
    f.write_text("asset;quantity;price\nBTC;2,5;100000\nETH;1.5;3000\n")
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}: mixes decimal marks: '1.5' (row 3) and '2,5' (row 2); set "
            "the one the file uses with --decimal . or --decimal ,", watch=[tmp_path])


def test_a_comma_that_splits_a_number_shifts_no_column(tmp_path, capsys):
    f = tmp_path / "split.csv"
    f.write_text("asset,quantity,price\nBTC,2,5,100000\n")
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}, row 2: 4 values but the header has 3 columns (separated by "
            "commas); a number with a comma in it (1,5 or 1,250) must be in quotes, or save "
            "the file with ; between columns", watch=[tmp_path])


def test_two_headers_for_one_field_are_refused_by_name(tmp_path, capsys):
    f = tmp_path / "ids.csv"
    f.write_text("position,asset,quantity,price\n17,BTC,2,100000\n")
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {f}, row 1: columns 'position' (A) and 'quantity' (C) both read "
            "as quantity; rename or remove one", watch=[tmp_path])


def test_a_holding_without_a_contract_is_hedged_on_its_own_coin(tmp_path, capsys):
    f = tmp_path / "p.csv"
    f.write_text("asset,quantity,price,beta\nETH,10,3000,\nSOL,100,200,\nDOGE,1000,0.3,-50\n")
    out = tmp_path / "r.xlsx"
    rc, _, err = run(capsys, "report", f, "-o", out, "--prices", PRICES)
    assert rc == 0
    h = read_holdings(f)
    assert h.contract == ["BINANCE:ETHUSD_PERP", "BINANCE:BTCUSD_PERP", "BINANCE:BTCUSD_PERP"]
    # said on the command line ...
    assert ("warning: SOL (row 3) is cross-hedged on BINANCE:BTCUSD_PERP (BTC) (no contract "
            "given and hedgexl has no SOL inverse contract) at beta ") in err
    dates, cols = read_prices(PRICES)  # the window: dates where both prices are present
    both = np.flatnonzero(np.isfinite(cols["SOL"]) & np.isfinite(cols["BTC"]))
    assert (f"estimated against BTC from daily prices {dates[both[0]]} to {dates[both[-1]]} "
            f"({both.size - 1} returns)") in err
    assert (f"warning: {f.name}, row 4: DOGE has beta -50, outside the usual 0 to 3; check "
            "it (the hedge scales with it)") in err
    # ... and in the report, under the Holdings table
    ws = openpyxl.load_workbook(out)["Holdings"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "Notes on these holdings" in notes
    assert any(n.startswith("SOL (row 3) is cross-hedged") and "estimated" in n for n in notes)
    assert any(n.startswith("DOGE (row 4) is cross-hedged") for n in notes)


def test_a_price_far_from_the_history_is_warned(tmp_path, capsys):
    f = tmp_path / "p.csv"
    f.write_text("asset,quantity,price\nBTC,2.5,10051185\n")  # 100x the last BTC price
    rc, _, err = run(capsys, "report", f, "-o", tmp_path / "r.xlsx", "--prices", PRICES)
    assert rc == 0
    dates, cols = read_prices(PRICES)
    last = cols["BTC"][-1]
    assert (f"warning: row 2: BTC price 10,051,185.00 USD is {10051185 / last:.3g}x its last "
            f"price in the price history ({last:,.2f} on {dates[-1]}); check the price and the "
            f"file's decimal mark") in err


def test_numbers_that_overflow_are_refused_by_name(tmp_path, capsys):
    f = tmp_path / "big.csv"
    f.write_text("asset,quantity,price\nBTC,1e300,1e300\n")
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {f}, row 2: quantity × price overflows (1e+300 × 1e+300 USD is "
            "beyond what a number can hold)", watch=[tmp_path])


def test_totals_that_overflow_are_refused(tmp_path, capsys):
    f = tmp_path / "big.csv"
    f.write_text("asset,quantity,price\nBTC,1e300,1e8\nETH,1e300,1e8\n")
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx"],
            f"hedgexl: error: {f}: the total spot value overflows (the holdings add up past "
            "what a number can hold)", watch=[tmp_path])


def test_a_bad_date_in_a_prices_file_names_file_and_row(tmp_path, capsys):
    f = tmp_path / "h.csv"
    f.write_text("asset,quantity,price\nBTC,1,100000\n")
    px = tmp_path / "px.csv"
    px.write_text("date,BTC\n2024-01-01,42000\n31/12/2024,93000\n")
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx", "--prices", px],
            f"hedgexl: error: {px}, row 3: date must be a date such as 2024-12-31, got "
            "'31/12/2024'", watch=[tmp_path])


def test_a_wrong_flag_is_named_not_a_file_row(tmp_path, capsys):
    f = tmp_path / "h.csv"
    f.write_text("asset,quantity,price\nBTC,1,100000\n")
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx", "--hedge-ratio", "5"],
            "hedgexl report: error: argument --hedge-ratio: must be between 0 and 2 (0% to "
            "200%), got 5", watch=[tmp_path], code=2)
    for bad in ("0", "-1"):
        refused(capsys, ["batch", tmp_path, "-o", tmp_path / "out", "--workers", bad],
                f"hedgexl batch: error: argument --workers: must be 1 or more, got {bad}",
                watch=[tmp_path], code=2)


def test_holdings_on_another_sheet_are_read_by_its_name(tmp_path, capsys):
    # the sheet named Holdings is read, not the first one (issue 23: the sheet is chosen)
    f = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.create_sheet("Holdings").append(["asset", "quantity", "price"])
    wb.save(f)
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}: no holdings rows under the header", watch=[tmp_path])


def test_more_rows_than_a_sheet_holds_are_refused_not_dropped(tmp_path, capsys, monkeypatch):
    # the writer's guard, at a limit lowered so the test stays small: 8 holdings do not fit
    # on a 10-row sheet with the header and the note (the totals would count rows not shown)
    monkeypatch.setattr(writer, "EXCEL_MAX_ROWS", 10)
    f = tmp_path / "h.csv"
    f.write_text("asset,quantity,price,contract\n"
                 + "".join(f"BTC,{i + 1},100000,BINANCE:BTCUSD_PERP\n" for i in range(8)))
    refused(capsys, ["report", f, "-o", tmp_path / "r.xlsx"],
            "hedgexl: error: 8 holdings do not fit on the Holdings sheet: an Excel sheet has "
            "10 rows, so at most 6 holdings; split the input", watch=[tmp_path])


@pytest.mark.slow
def test_a_file_longer_than_a_sheet_is_refused(tmp_path, capsys):
    # the reader's guard at Excel's own limit: 1,048,576 rows and one more
    f = tmp_path / "long.csv"
    with open(f, "w") as out:
        out.write("asset,quantity,price\n")
        out.write("BTC,1,100000\n" * inputs.EXCEL_MAX_ROWS)
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}: the file has over 1,048,576 rows, more than an Excel sheet "
            "holds; split it into smaller files", watch=[tmp_path])
    with pytest.raises(InputError):
        read_holdings(f)
