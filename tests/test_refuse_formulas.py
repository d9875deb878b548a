"""No formula where none belongs: every string from a user's file is written as text, in
every sheet and mode, and the summary CSV cannot be run by a spreadsheet (issue 10)."""

from __future__ import annotations

import csv

import openpyxl
from hypothesis import assume, HealthCheck, given, settings, strategies as st

import custom_template
from hedgexl.inputs import example_path
from refusal import formula_cells, run

FUNDING = example_path("funding_binance_btcusd_perp.csv")
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [DDE, "=1+1", "+1", "-2", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")",
           "http://example.com", "mailto:a@b.c", "\t=1", "=A1"]


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def test_a_price_header_stays_text_on_the_beta_sheet(tmp_path, capsys):
    h = tmp_path / "h.csv"
    h.write_text("asset,quantity,price\nBTC,1,100000\n")
    px = tmp_path / "px.csv"
    px.write_text("date,BTC,=1+1\n2024-01-01,42000,1\n2024-01-02,43000,2\n2024-01-03,42500,3\n")
    out = tmp_path / "r.xlsx"
    assert run(capsys, "report", h, "-o", out, "--prices", px)[0] == 0
    assert formula_cells(out) == []
    ws = openpyxl.load_workbook(out)["Beta"]
    assert (ws["C5"].value, ws["C5"].data_type) == ("=1+1 (USD)", "s")


def test_a_portfolio_name_stays_text_in_a_customised_title(tmp_path, capsys):
    template = custom_template.make(tmp_path / "mine.xlsx")
    book = tmp_path / "book.csv"
    book.write_text(f"portfolio,asset,quantity,price\n{_q(DDE)},BTC,1,100000\n")
    out = tmp_path / "out"
    rc, _, err = run(capsys, "batch", book, "-o", out, "--template", template)
    assert rc == 0, err
    (report,) = out.glob("*.xlsx")
    ws = openpyxl.load_workbook(report)["Dashboard"]
    assert ws["A1"].data_type == "s" and ws["A1"].value.startswith("ACME Treasury: =cmd|")
    # the template's own formulas are the user's and stay; none came from the data
    wb = openpyxl.load_workbook(report)
    assert [c.coordinate for c in wb["Dashboard"]["A"] if c.data_type == "f"] == []


text = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                         max_size=24).filter(lambda s: s.strip() and s.strip() == s))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(portfolio=text, asset=text, price_name=text)
def test_no_string_from_a_file_becomes_a_formula(tmp_path_factory, portfolio, asset,
                                                 price_name):
    """Random strings, formula-like ones among them, in every text field a user's files
    feed: portfolio, asset, a price column's name (a funding time is no longer free text:
    it must parse, issue 23). A static report then has no formula, no link and no external
    link in any sheet."""
    assume(asset.upper() not in ("BTC", "ASSET"))
    assume(price_name.strip().lower() not in ("date", "btc", "none", "code", "value"))
    from hedgexl.reports import ReportOptions, discover, run_batch
    d = tmp_path_factory.mktemp("fuzz")
    book = d / "book.csv"
    book.write_text("portfolio,asset,quantity,price,contract\n"
                    f"{_q(portfolio)},BTC,1,100000,BINANCE:BTCUSD_PERP\n"
                    f"{_q(portfolio)},{_q(asset)},2,50,BINANCE:BTCUSD_PERP\n", "utf-8")
    px = d / "px.csv"
    px.write_text(f"date,BTC,{_q(price_name)}\n2024-01-01,42000,1\n2024-01-02,43000,2\n"
                  "2024-01-03,42500,3\n", "utf-8")
    fund = d / "f.csv"
    fund.write_text("time,contract,mark_price,funding_rate\n"
                    "2024-01-01 00:00,BINANCE:BTCUSD_PERP,42000,0.0001\n"
                    "2024-01-01 08:00,BINANCE:BTCUSD_PERP,42100,0.0001\n", "utf-8")
    opts = ReportOptions(funding=str(fund), prices=str(px), mode="static")
    (r,) = run_batch(discover(book), d / "out", opts, progress=False)
    assert r.ok, r.error
    assert formula_cells(r.path) == []


def test_the_no_formula_check_can_fail(tmp_path):
    # tamper: the same report written with xlsxwriter's defaults (strings_to_formulas on)
    # turns the price header "=1+1" into a formula, and the check sees it
    import xlsxwriter
    from hedgexl.reports import ReportOptions, report_file
    from hedgexl.workbook import writer
    real = xlsxwriter.Workbook

    class Defaults(real):
        def __init__(self, filename, options=None):
            options = dict(options or {})
            options.pop("strings_to_formulas", None)
            super().__init__(filename, options)
    h = tmp_path / "h.csv"
    h.write_text("asset,quantity,price\nBTC,1,100000\n")
    px = tmp_path / "px.csv"
    px.write_text("date,BTC,=1+1\n2024-01-01,42000,1\n2024-01-02,43000,2\n")
    opts = ReportOptions(prices=str(px))
    writer.xlsxwriter.Workbook = Defaults
    try:
        r = report_file(h, tmp_path / "tampered.xlsx", opts)
    finally:
        writer.xlsxwriter.Workbook = real
    assert formula_cells(r.path) == ["xl/worksheets/sheet7.xml: <f>"]
    assert formula_cells(report_file(h, tmp_path / "r.xlsx", opts).path) == []


def test_the_summary_csv_is_escaped(tmp_path, capsys):
    names = [DDE, "+1", "-2", "@SUM(A1)", "Fund A"]
    book = tmp_path / "book.csv"
    book.write_text("portfolio,asset,quantity,price\n"
                    + "".join(f"{_q(n)},BTC,1,100000\n" for n in names))
    summary = tmp_path / "summary.csv"
    rc, _, err = run(capsys, "batch", book, "-o", tmp_path / "out", "--summary", summary)
    assert rc == 0, err
    rows = list(csv.DictReader(summary.open(encoding="utf-8")))
    assert [r["portfolio"] for r in rows] == ["'" + DDE, "'+1", "'-2", "'@SUM(A1)", "Fund A"]
    assert all(not r["report"].startswith(("=", "+", "-", "@")) for r in rows)
    assert float(rows[0]["spot_value_usd"]) == 100000.0  # numbers are not escaped
