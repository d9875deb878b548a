"""The sheets' models (hedgexl.workbook.sheetmodel): what a workbook shows, as plain data,
before any file exists; the writer makes the same file from a model every time."""

from __future__ import annotations

import csv
import pickle
import zipfile

import pytest

from hedgexl.inputs import example_path
from hedgexl.workbook import layout as L
from hedgexl.workbook.sheetmodel import Chart, Sheet, WorkbookModel
from hedgexl.workbook.sheets.dashboard import total_cell
from hedgexl.workbook.style import Style
from hedgexl.workbook.template import example_data
from hedgexl.workbook.writer import build_workbook, save


@pytest.fixture(scope="module")
def models():
    d = example_data()
    return {mode: build_workbook(d, mode=mode) for mode in ("live", "static")}


def _spot_value() -> float:
    """The example portfolio's value read with csv: quantity times price, summed."""
    with open(example_path("example_portfolio.csv"), newline="") as f:
        return sum(float(r["quantity"].replace(",", "")) * float(r["price"].replace(",", ""))
                   for r in csv.DictReader(f))


def test_the_dashboard_total_is_in_the_model_before_any_file(models):
    for mode, book in models.items():
        cell = book.sheets[L.DASHBOARD].cell(total_cell("value"))
        assert cell.value == pytest.approx(_spot_value(), rel=1e-12)
        n = len(example_data().holdings)
        assert cell.formula == (f"=SUM({L.column_range(L.HOLDINGS, L.HOLDINGS_COLS['value'], n + 1)})"
                                if mode == "live" else None)


def test_a_model_holds_plain_data_only(models):
    """Values, text, style keys and chart models: nothing of xlsxwriter's, so a model
    pickles and comes back the same."""
    book = models["live"]
    kinds = set()

    def walk(a):
        if isinstance(a, (list, tuple)) and not isinstance(a, Style):
            for x in a:
                walk(x)
        elif isinstance(a, dict):
            for x in a.values():
                walk(x)
        elif isinstance(a, Chart):
            walk(a.options)
            walk(a.ops)
        else:
            kinds.add(type(a).__module__.split(".")[0])
    for s in book.sheets.values():
        walk(s.ops)
    assert kinds <= {"builtins", "datetime", "hedgexl"}, kinds
    again = pickle.loads(pickle.dumps(book))
    assert [s.ops for s in again.sheets.values()] == [s.ops for s in book.sheets.values()]


def _parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_one_model_written_twice_makes_the_same_file(models, tmp_path):
    book = models["live"]
    a, b = save(book, tmp_path / "a.xlsx"), save(book, tmp_path / "b.xlsx")
    assert _parts(a) == _parts(b)


def test_a_sheet_reads_back_what_was_put_on_it():
    s = Sheet("x")
    s.write_number(0, 0, 1.5)
    s.write("B1", "text")
    s.write_formula("C1", "=A1*2", None, 3.0)
    s.write_dynamic_array_formula(1, 0, 3, 0, "=HEDGE_X()", None, 7.0)
    s.write_number(0, 0, 2.5)  # written again: the last write shows
    assert [(c.ref, c.value, c.formula) for c in s.cells()] == [
        ("A1", 1.5, None), ("B1", "text", None), ("C1", 3.0, "=A1*2"),
        ("A2", 7.0, "=HEDGE_X()"), ("A1", 2.5, None)]
    assert s.cell("A1").value == 2.5 and s.cell("D9") is None
    s.print_area(0, 0, 5, 5)
    s.drop("print_area")
    assert not [o for o in s.ops if o[0] == "print_area"]


def test_a_name_scoped_to_one_sheet_is_written(tmp_path):
    """A user's template may define a name on one sheet ('Cover'!Rate): it needs its sheet
    to exist when the name is defined (it was dropped with a warning when the book's
    settings came first)."""
    book = WorkbookModel("t")
    book.add_sheet("Cover").write("B4", 1.0)
    book.define_name("'Cover'!LocalRate", "=Cover!$B$4")
    book.define_name("Everywhere", "=Cover!$B$4")
    path = save(book, tmp_path / "n.xlsx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode()
    assert '<definedName name="LocalRate" localSheetId="0">' in xml
    assert '<definedName name="Everywhere">' in xml


def test_every_kind_of_write_reads_back():
    s = Sheet("x")
    s.write_row("A1", ["UDF Modules", "hedgexl.udfs"])
    s.write_dynamic_array_formula("C1:C3", "=HEDGE_X()", None, 5.0)
    s.write_dynamic_array_formula(4, 0, 6, 0, "=HEDGE_Y()")
    s.merge_range("D1:E1", "merged", None)
    s.write_url(0, 5, "https://example.org", None, "the link")
    assert [(c.ref, c.value, c.formula) for c in s.cells()] == [
        ("A1", "UDF Modules", None), ("B1", "hedgexl.udfs", None), ("C1", 5.0, "=HEDGE_X()"),
        ("A5", 0, "=HEDGE_Y()"), ("D1", "merged", None), ("F1", "the link", None)]


def test_a_sheet_name_is_taken_once():
    book = WorkbookModel("t")
    book.add_sheet("Holdings")
    with pytest.raises(ValueError, match="a sheet 'holdings' already"):
        book.add_sheet("holdings")
