"""Workbooks that cannot be misread (issue 23): the sheet Excel shows, not a hidden one; hidden
rows and formula cells said; error cells refused; Strict Open XML read; small files that
unpack big refused at once."""

from __future__ import annotations

import pytest

import hostile
from hedgexl.inputs import InputError, read_holdings, read_prices
from hedgexl.inputs import xlsx as X
from refusal import refused, run

HEAD = ("asset", "quantity", "price")
VISIBLE = [HEAD, ("BTC", 2.5, 100000)]
DECOY = [HEAD, ("BTC", 250, 100000)]  # what a hidden sheet held, a hundred times more


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_not_read_in_place_of_the_visible_one(tmp_path, state):
    """250 BTC used to be hedged where the visible sheet says 2.5."""
    f = hostile.sheets(tmp_path / "h.xlsx", [("Old", state, DECOY), ("Data", "visible",
                                                                     VISIBLE)])
    h = read_holdings(f)
    assert (h.asset, h.quantity.tolist()) == (["BTC"], [2.5])


def test_the_sheet_named_for_the_file_is_read_and_a_hidden_one_is_refused(tmp_path):
    f = hostile.sheets(tmp_path / "h.xlsx", [("Cover", "visible", [("Q2 book",)]),
                                             ("Holdings", "visible", VISIBLE)])
    assert read_holdings(f).quantity.tolist() == [2.5]
    g = hostile.sheets(tmp_path / "g.xlsx", [("Cover", "visible", DECOY),
                                             ("Holdings", "hidden", VISIBLE)])
    with pytest.raises(InputError, match="sheet 'Holdings' is hidden; hedgexl reads only "
                                         "what Excel shows"):
        read_holdings(g)
    px = hostile.sheets(tmp_path / "px.xlsx", [("Holdings", "visible", VISIBLE),
                                               ("Prices", "visible",
                                                [("date", "BTC"), ("2024-01-02", 42000)])])
    assert read_prices(px)[1]["BTC"].tolist() == [42000]


def test_several_visible_sheets_none_named_are_refused_with_their_names(tmp_path, capsys):
    f = hostile.sheets(tmp_path / "two.xlsx", [("Cover", "visible", [("Q2",)]),
                                               ("Data", "visible", VISIBLE)])
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}: the workbook has 2 visible sheets ('Cover', 'Data'): name "
            f"the one to read 'Holdings', or hide or delete the others", watch=[tmp_path])


def test_hidden_rows_are_said_and_refused_on_request(tmp_path, capsys):
    rows = [HEAD, ("BTC", 2.5, 100000), ("ETH", 40, 3000), ("SOL", 100, 150)]
    f = hostile.hidden_rows(tmp_path / "h.xlsx", rows, hidden=(3,))
    h = read_holdings(f)
    assert h.asset == ["BTC", "ETH", "SOL"]  # read, and said:
    assert h.warnings == ["h.xlsx: row 3 of sheet 'Holdings' is hidden and read as any other"]
    rc, out, err = run(capsys, "hedge", f)
    assert rc == 0 and "hidden and read as any other" in err
    refused(capsys, ["hedge", f, "--strict-cells"],
            f"hedgexl: error: {f}, row 3: row 3 of sheet 'Holdings' is hidden and read as any "
            f"other (--strict-cells refuses them)", watch=[tmp_path])


def test_a_formula_read_by_its_saved_value_is_said(tmp_path, capsys):
    """=50*2 saved with the value 80: the saved value is what Excel shows until it
    recalculates; hedgexl reads it and says which cell is a formula."""
    f = hostile.stale_formula(tmp_path / "h.xlsx")
    h = read_holdings(f)
    assert h.quantity.tolist() == [80]
    assert h.warnings == ["h.xlsx: 1 cell(s) of sheet 'Holdings' are formulas (B2), read by "
                          "the values Excel last saved with them: a formula Excel has not "
                          "recalculated (such as =WEBSERVICE) may be stale"]
    with pytest.raises(InputError, match=r"row 2: 1 cell\(s\) of sheet 'Holdings' are "
                                         r"formulas \(B2\)"):
        read_holdings(f, strict_cells=True)


def test_an_error_cell_is_refused_with_its_row(tmp_path):
    f = hostile.error_cell(tmp_path / "h.xlsx")
    with pytest.raises(InputError, match="row 3: quantity must be a number, got '#N/A'"):
        read_holdings(f)


def test_strict_open_xml_is_read(tmp_path):
    """Excel's 'Strict Open XML Spreadsheet' used to crash the reader."""
    f = hostile.strict(tmp_path / "s.xlsx")
    assert b"purl.oclc.org" in __import__("zipfile").ZipFile(f).read("xl/workbook.xml")
    h = read_holdings(f)
    assert (h.asset, h.quantity.tolist(), h.price.tolist()) == (["BTC"], [2.5], [100000])


def test_a_stray_far_cell_is_refused_not_allocated(tmp_path, capsys):
    """A cell at XFD1048576 would make a dense reader allocate half a terabyte."""
    f = hostile.far_cell(tmp_path / "f.xlsx")
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}: sheet 'Holdings' has a cell at XFD1048576, which makes its "
            f"grid over 4,000,000 cells: delete the stray cells far from the table (Ctrl+End "
            f"in Excel finds the last one)", watch=[tmp_path])


def test_parts_that_unpack_big_are_refused_before_parsing(tmp_path, capsys, monkeypatch):
    f = hostile.shared_strings_bomb(tmp_path / "ss.xlsx")
    assert f.stat().st_size < 600_000
    refused(capsys, ["hedge", f],
            f"hedgexl: error: {f}: the workbook's sharedStrings part unpacks to 48.6 MiB, over "
            f"the 16.0 MiB hedgexl reads (a zip bomb, or a file to split)", watch=[tmp_path])
    g = hostile.plain(tmp_path / "p.xlsx")
    monkeypatch.setattr(X, "MAX_SHEET_BYTES", 100)
    with pytest.raises(InputError, match="sheet 'Holdings' unpacks to .* over the 0.1 KiB hedgexl reads"):
        read_holdings(g)


def test_a_million_blank_rows_and_a_full_width_row_read_as_the_table(tmp_path):
    for make in (hostile.blank_rows, hostile.wide_row):
        h = read_holdings(make(tmp_path / f"{make.__name__}.xlsx"))
        assert (h.asset, h.quantity.tolist()) == (["BTC"], [1.0])


def test_each_bound_can_fail(tmp_path, monkeypatch):
    """Tampers: with the grid bound lifted the far cell goes on to the dense reader (here
    stopped before it allocates); with the sheet choice reduced to 'the first sheet' the
    hidden decoy is read."""
    far = hostile.far_cell(tmp_path / "f.xlsx")
    monkeypatch.setattr(X, "MAX_CELLS", 1 << 62)
    reached = []
    monkeypatch.setattr(X, "_values", lambda *a: reached.append(a) or [[]])
    with pytest.raises(InputError):
        read_holdings(far)
    assert reached  # the bound was what stopped it
    monkeypatch.undo()
    f = hostile.sheets(tmp_path / "h.xlsx", [("Old", "hidden", DECOY),
                                             ("Data", "visible", VISIBLE)])
    monkeypatch.setattr(X, "choose_sheet", lambda p, sheets, kind: sheets[0])
    assert read_holdings(f).quantity.tolist() == [250]


def test_an_error_in_the_last_column_and_a_formula_without_a_value_are_refused(tmp_path):
    """Both used to read as blank: hedged at 100 % where the sheet shows #N/A, or where a
    script wrote =0.5 that Excel never computed."""
    import openpyxl
    import xlsxwriter
    f = tmp_path / "err.xlsx"
    wb = xlsxwriter.Workbook(str(f))
    ws = wb.add_worksheet("Holdings")
    ws.write_row(0, 0, ["asset", "quantity", "price", "hedge_ratio"])
    ws.write_row(1, 0, ["BTC", 1, 60000])
    ws.write_formula(1, 3, "=NA()", None, "#N/A")
    wb.close()
    with pytest.raises(InputError, match="row 2: hedge_ratio must be a number, got '#N/A' "
                                         r"\(an Excel error value"):
        read_holdings(f)
    g = tmp_path / "nocache.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Holdings"
    wb.active.append(["asset", "quantity", "price", "hedge_ratio"])
    wb.active.append(["BTC", 1, 60000, "=0.5"])
    wb.save(g)
    with pytest.raises(InputError, match="row 2: hedge_ratio must be a number, got '#NO VALUE'"
                                         " .*a formula saved without its value"):
        read_holdings(g)
    h = tmp_path / "key.xlsx"
    wb = xlsxwriter.Workbook(str(h))
    ws = wb.add_worksheet("Holdings")
    ws.write_row(0, 0, ["asset", "quantity", "price"])
    ws.write_formula(1, 0, "=NA()", None, "#N/A")
    ws.write_row(1, 1, [1, 60000])
    wb.close()
    with pytest.raises(InputError, match=r"row 2: asset is an Excel error value \(#N/A\)"):
        read_holdings(h)
