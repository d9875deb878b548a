"""Printed pages (issue 26): the demo report, the backtest workbook and the template
rendered through LibreOffice, and what a machine can check of them: the page count of the
demo, every page saying what it is ("Page N of M", hedgexl's version, the sheet's name),
every visible sheet with a header and footer, and no table header wider than its column.
The PNG pages are kept under test-output/rendered/ to be looked at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import openpyxl
import pytest

import hedgexl
from hedgexl import cli

from workbook_checks import render

REPO = Path(__file__).resolve().parents[1]
RENDER_DIR = Path(os.environ.get("HEDGEXL_RENDER_DIR", REPO / "test-output" / "rendered"))


def headers_too_wide(path) -> list[tuple]:
    """(sheet, column, header, width) of each table header of a visible sheet whose longest
    word is longer than its column is wide (in characters; headers wrap at spaces)."""
    wb = openpyxl.load_workbook(path)
    bad = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for t in ws.tables.values():
            top_left, bottom_right = (ws[a] for a in t.ref.split(":"))
            for c in range(top_left.column, bottom_right.column + 1):
                v = ws.cell(top_left.row, c).value
                if not isinstance(v, str) or not v.strip():
                    continue
                width = next((d.width for d in ws.column_dimensions.values()
                              if d.min and d.max and d.min <= c <= d.max and d.width), 8.43)
                if max(len(w) for w in v.split()) > width:
                    bad.append((ws.title, c, v, width))
    return bad


def unframed_sheets(path) -> list[str]:
    """Visible sheets without a page header or footer."""
    wb = openpyxl.load_workbook(path)
    return [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"
            and not (ws.oddHeader.center.text or ws.oddHeader.left.text)
            and not (ws.oddFooter.center.text or ws.oddFooter.left.text)]


def pages_framed(text: str) -> tuple[int, int]:
    """(pages, pages whose footer says "Page N of M" and hedgexl's version)."""
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    ok = sum(1 for i, p in enumerate(pages, start=1)
             if re.search(rf"Page {i} of {len(pages)}\b", p)
             and f"hedgexl {hedgexl.__version__}" in p)
    return len(pages), ok


def test_the_checks_can_fail(tmp_path):
    import xlsxwriter
    p = tmp_path / "bare.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Data")
    ws.add_table(0, 0, 2, 1, {"columns": [{"header": "a"}, {"header": "maint_margin"}]})
    wb.close()
    assert headers_too_wide(p) == [("Data", 2, "maint_margin", 8.43)]
    assert unframed_sheets(p) == ["Data"]
    assert pages_framed("Page 1 of 2 hedgexl 0\f x \f") == (2, 0)


@pytest.mark.slow
def test_the_demo_prints_four_framed_pages(tmp_path):
    assert cli.main(["demo", "-o", str(tmp_path)]) == 0
    book = tmp_path / "example_desk.xlsx"
    assert headers_too_wide(book) == [] and unframed_sheets(book) == []
    text, pngs = render(book, RENDER_DIR / "print_demo")
    assert pages_framed(text) == (4, 4)
    for sheet in ("Dashboard", "Trades", "Positions", "Holdings"):
        assert sheet in text and "Valuation 2024-06-30" in text
    assert len(pngs) == 4


@pytest.mark.slow
def test_the_backtest_and_the_template_print_framed(tmp_path):
    bt = tmp_path / "bt.xlsx"
    assert cli.main(["backtest", "-o", str(bt)]) == 0
    template = REPO / "workbooks" / "hedge_template.xlsx"
    for book, name in ((bt, "print_backtest"), (template, "print_template")):
        assert headers_too_wide(book) == [], book
        assert unframed_sheets(book) == [], book
        text, _ = render(book, RENDER_DIR / name, pages=(1, 2))
        n, ok = pages_framed(text)
        assert n == ok and n > 1, (book, n, ok)


def test_a_large_book_charts_its_largest_holdings_and_the_rest(tmp_path):
    """Past 20 holdings the coverage chart shows the 20 largest by spot value and one
    'other' bar: its data, beside the Holdings table, recalculates from the rows it names,
    and the other bar is the total less the 20."""
    import zipfile

    from workbook_checks import cached_values, recalc_mismatches
    rows = "".join(f"BTC,{i + 1},{1000 + i},100%,BINANCE:BTCUSD_PERP\n" for i in range(25))
    h = tmp_path / "big.csv"
    h.write_text("asset,quantity,price,hedge_ratio,contract\n" + rows)
    out = tmp_path / "big.xlsx"
    assert cli.main(["report", str(h), "--mode", "live", "-o", str(out)]) == 0
    v = cached_values(out)
    values = sorted(((i + 1) * (1000 + i) for i in range(25)), reverse=True)
    assert [v[f"Holdings!O{r}"] for r in range(2, 22)] == pytest.approx(values[:20])
    assert v["Holdings!N22"] == "Other (5 holdings)"
    assert v["Holdings!O22"] == pytest.approx(sum(values[20:]))
    _, bad = recalc_mismatches(out, tmp_path)
    assert bad == [], bad[:5]
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/")]
    assert any("Holdings!$N$2:$N$22" in x for x in charts)
    assert not any("Holdings!$A$2:$A$26" in x for x in charts)
