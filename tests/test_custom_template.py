"""``--template``: a user's customised template carried into reports.

The customised template (tests/custom_template.py) is made the way a user would make it:
hedgexl's template opened and saved with a cover sheet (logo, merged title, styles, a
comment, a link, formulas on hedgexl's tables and names), a notes sheet with a HEDGE_*
formula, a rebranded Dashboard and a note typed onto the Beta sheet.
"""

import hashlib
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

import hedgexl as hx
from hedgexl import cli
from hedgexl.inputs import InputError, example_path, read_holdings
from hedgexl.reports import ReportOptions, discover, report_file, run_batch
from hedgexl.workbook.custom import read_template
from hedgexl.workbook.custom.styles import tint as _tint
from hedgexl.workbook.model import size_holdings

import custom_template
from workbook_checks import (ERRORS, cached_values, content, formulas_mismatches,
                             recalc_mismatches, render)

REPO = Path(__file__).resolve().parents[1]
RENDER_DIR = Path(os.environ.get("HEDGEXL_RENDER_DIR", REPO / "test-output" / "rendered"))
FUNDING = str(example_path("funding_binance_btcusd_perp.csv"))
HOLDINGS = REPO / "examples" / "holdings.csv"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return custom_template.make(tmp_path_factory.mktemp("tpl") / "acme_template.xlsx")


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def report(tmp_path, template, mode="static", holdings=HOLDINGS, name="r.xlsx"):
    opts = ReportOptions(funding=FUNDING, template=str(template), mode=mode, force=True)
    r = report_file(holdings, tmp_path / name, opts)
    assert r.ok, r.error
    return r


def expected(holdings=HOLDINGS):
    """What the cover sheet's formulas must show, from the core."""
    h = read_holdings(holdings)
    s = size_holdings(h)
    return h, s


def near(got, want, units=2):
    """Colours equal within ``units`` per channel: Excel computes tints in integer HLS
    (0..240), we in floating point, so a channel may differ by a unit or two."""
    return max(abs(int(got[i:i + 2], 16) - int(want[i:i + 2], 16)) for i in (1, 3, 5)) \
        <= units


@pytest.mark.parametrize("base, tint, excel", [
    # Excel's colour picker, Office theme: Blue, Accent 1, Lighter 80/60/40 %, Darker
    # 25/50 %; Black, Text 1, Lighter 35/25 %; White, Background 1, Darker 15/50 %.
    ("#4472C4", 0.7999816888943144, "#D9E1F2"), ("#4472C4", 0.5999938962981048, "#B4C6E7"),
    ("#4472C4", 0.3999755851924192, "#8EA9DB"), ("#4472C4", -0.249977111117893, "#305496"),
    ("#4472C4", -0.499984740745262, "#203764"), ("#000000", 0.3499862666707358, "#595959"),
    ("#000000", 0.249977111117893, "#404040"), ("#FFFFFF", -0.1499984740745262, "#D9D9D9"),
    ("#FFFFFF", -0.499984740745262, "#7F7F7F"),
])
def test_theme_tints_match_excels_palette(base, tint, excel):
    assert near(_tint(base, tint), excel)


def test_read_template_finds_what_the_user_added(template):
    before = digest(template)
    c = read_template(template)
    assert digest(template) == before
    assert c.order[0] == "Cover" and c.order[-1] == "Notes"
    assert list(c.extra) == ["Cover", "Notes"]
    assert c.title == custom_template.TITLE
    assert ("Threshold", "=Cover!$B$11") in c.names
    cover = c.extra["Cover"]
    formulas = {cell.ref: cell.value for cell in cover.formula_cells()}
    assert formulas == custom_template.COVER_FORMULAS
    assert (0, 0, 0, 2) in cover.merges
    assert (0, 0, 34.0, False) in cover.columns
    assert cover.hide_gridlines and cover.tab_color == "#0B2545" and cover.landscape
    assert [(p.row, p.col, p.width, p.height) for p in cover.pictures] == [(1, 3, 240, 60)]
    assert [(p.row, p.col) for p in c.dashboard.pictures] == [(22, 0)]
    # Only what the user added on the Dashboard, not hedgexl's own cells.
    assert {cell.ref for cell in c.dashboard.cells} == {"A20", "A21", "B21"}
    assert c.ours["Holdings"].tab_color == "#E6A117"
    styles = {cell.ref: c.styles[cell.style] for cell in cover.cells if cell.style is not None}
    assert styles["A1"]["font_name"] == "Georgia" and styles["A1"]["bold"]
    assert styles["A2"]["font_color"] == "#595959"  # theme 1 (text) lighter 35 %
    # Accent 1, lighter 60 %, of the template's own theme (xlsxwriter writes the Office
    # 2007-2010 theme, accent 1 #4F81BD, whose palette shows #B9CDE5 there).
    assert near(styles["B11"]["bg_color"], "#B9CDE5")
    assert styles["B11"]["num_format"] == "0%"
    joined = "\n".join(c.warnings)
    assert "Cover: conditional formats are not carried" in joined
    assert "Beta: cell(s) Z1 are not carried" in joined


def test_static_report_keeps_the_users_sheets_with_their_values(tmp_path, template):
    before = digest(template)
    r = report(tmp_path, template)
    assert digest(template) == before
    h, s = expected()
    wb = openpyxl.load_workbook(r.path)
    assert wb.sheetnames == ["Cover", "Dashboard", "Holdings", "Contracts", "Funding",
                             "Scenarios", "PnL", "Beta", "Notes"]
    formulas = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets
                for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []  # static: values only, the user's formulas included
    cov = wb["Cover"]
    value, notional = s.value.sum(), s.notional.sum()
    assert cov["B4"].value == pytest.approx(value)
    assert cov["B5"].value == pytest.approx(value)  # SUM(tblHoldings[Spot value (USD)])
    assert cov["B6"].value == len(h)                 # COUNTA(tblHoldings[Asset])
    assert cov["B7"].value == pytest.approx(value - notional)
    residual = s.residual.sum()
    coverage = (notional - residual) / value
    assert cov["B8"].value == ("on target" if coverage >= 0.5 else "below target")
    assert cov["B4"].number_format == "#,##0.00"
    assert cov["A1"].font.name == "Georgia" and cov["A1"].font.b
    assert "A1:C1" in {str(m) for m in cov.merged_cells.ranges}
    assert cov.column_dimensions["A"].width == pytest.approx(34, abs=0.8)
    assert cov["B11"].comment.text.startswith("Committee minimum")
    assert cov["A13"].hyperlink.target == "https://example.com/hedging-policy"
    assert cov.sheet_properties.tabColor.rgb.endswith("0B2545")
    notes = wb["Notes"]
    want = hx.hedge_contracts(s.value[0], h.contract[0], 1.0, 1.0)
    assert notes["B2"].value == pytest.approx(float(want))
    assert notes["B3"].value == pytest.approx(2 * value)
    ds = wb["Dashboard"]
    assert ds["A1"].value == f"ACME Treasury: {h.name} at {ds['B4'].value.date()}"
    assert ds["A20"].value == "Prepared by Treasury Operations"
    assert ds["B21"].value == pytest.approx(value - notional)
    assert "Threshold" in wb.defined_names
    assert "LocalRate" in wb["Cover"].defined_names  # a name of one sheet's
    assert wb["Holdings"].sheet_properties.tabColor.rgb.endswith("E6A117")
    assert wb["Beta"]["Z1"].value is None  # said in a warning, not carried
    assert any("Beta: cell(s) Z1" in w for w in r.warnings)
    with zipfile.ZipFile(r.path) as z, zipfile.ZipFile(template) as t:
        media = sorted(z.read(n) for n in z.namelist() if n.startswith("xl/media/"))
        ours = sorted(t.read(n) for n in t.namelist() if n.startswith("xl/media/"))
    assert media == ours  # both logos, byte for byte


def test_live_report_recalculates_to_its_cached_values(tmp_path, template):
    r = report(tmp_path, template, mode="live")
    cells, bad = recalc_mismatches(r.path)  # from the inputs alone, no cached value read
    assert bad == []
    # The second engine cannot parse the user's structured references, so pycel alone
    # checks this kind of report; this fails if a formulas release learns them.
    with pytest.raises(Exception, match=r"tblHoldings\[Spot value"):
        formulas_mismatches(r.path)
    for ref, formula in custom_template.COVER_FORMULAS.items():
        assert cells[f"Cover!{ref}"] == formula
    assert cells["Notes!B2"].startswith("=HEDGE_CONTRACTS(")
    cached = cached_values(r.path)
    _, s = expected()
    assert cached["Cover!B4"] == pytest.approx(s.value.sum())


def test_other_portfolio_other_numbers(tmp_path, template):
    """The user's formulas follow each report's table, whatever its length."""
    p = tmp_path / "two.csv"
    p.write_text("asset,quantity,price,contract\nBTC,3,90000,BINANCE:BTCUSD_PERP\n"
                 "ETH,40,3000,BINANCE:ETHUSD_PERP\n")
    r = report(tmp_path, template, holdings=p)
    cov = openpyxl.load_workbook(r.path)["Cover"]
    assert cov["B5"].value == pytest.approx(3 * 90000 + 40 * 3000)
    assert cov["B6"].value == 2
    assert openpyxl.load_workbook(r.path)["Dashboard"]["A1"].value.startswith(
        "ACME Treasury: two at ")


def test_unchanged_template_gives_the_plain_report(tmp_path):
    """hedgexl's own template, saved unchanged, adds nothing and warns of nothing."""
    from hedgexl.workbook.template import build_template
    stock = build_template(tmp_path / "stock.xlsx")
    c = read_template(stock)
    assert (c.extra, c.title, c.names, c.warnings) == ({}, None, [], [])
    plain = report_file(HOLDINGS, tmp_path / "plain.xlsx",
                        ReportOptions(funding=FUNDING, mode="live"))
    custom = report(tmp_path, stock, mode="live", name="custom.xlsx")
    assert content(custom.path) == content(plain.path)


def test_formula_pycel_cannot_compute_is_kept_for_excel_with_a_warning(tmp_path, template):
    wb = openpyxl.load_workbook(template)
    wb["Notes"]["B5"] = "=NETWORKDAYS(ValuationDate,ValuationDate+30)"
    wb["Notes"]["B6"] = "=Cover!B4/0"  # computes, to an error value
    odd = tmp_path / "odd.xlsx"
    wb.save(odd)
    r = report(tmp_path, odd)
    assert any("Notes!B5" in w and "could not be computed" in w for w in r.warnings)
    ws = openpyxl.load_workbook(r.path)["Notes"]
    assert ws["B5"].value == "=NETWORKDAYS(ValuationDate,ValuationDate+30)"
    assert ws["B3"].data_type == "n"  # the rest still computed
    assert (ws["B6"].value, ws["B6"].data_type) == ("#DIV/0!", "s")  # static: no formula
    live = report(tmp_path, odd, mode="live", name="live.xlsx")
    assert openpyxl.load_workbook(live.path)["Notes"]["B6"].value == "=Cover!B4/0"
    assert cached_values(live.path)["Notes!B6"] == "#DIV/0!"


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(os.urandom(2048)), "not a valid .xlsx file (it is not a zip archive)"),
    (lambda p: None, "no such template file"),
    (lambda p: _without_sheet(p, "Holdings"), "lacks hedgexl's sheet(s) 'Holdings'"),
])
def test_bad_templates_give_clear_messages(tmp_path, make, message):
    p = tmp_path / "t.xlsx"
    make(p)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_template(p)


def _without_sheet(path, name):
    from hedgexl.workbook.template import build_template
    wb = openpyxl.load_workbook(build_template(path))
    del wb[name]
    wb.save(path)


def test_cli_report_with_template_and_a_bad_one(tmp_path, template, capsys):
    out = tmp_path / "r.xlsx"
    assert cli.main(["report", str(HOLDINGS), "-o", str(out), "--template", str(template),
                     "--funding", FUNDING]) == 0
    err = capsys.readouterr().err
    assert "warning: Beta: cell(s) Z1 are not carried" in err
    assert "Cover" in openpyxl.load_workbook(out).sheetnames
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert cli.main(["report", str(HOLDINGS), "-o", str(tmp_path / "x.xlsx"),
                     "--template", str(bad)]) == 1
    assert "not a valid .xlsx file (it is not a zip archive)" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_batch_with_template_and_two_workers(tmp_path, template, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    sizes = {"alpha": 1, "beta": 2, "gamma": 3}
    for name, k in sizes.items():
        rows = "".join(f"BTC,{k * (i + 1)},60000,BINANCE:BTCUSD_PERP\n" for i in range(k))
        (folder / f"{name}.csv").write_text("asset,quantity,price,contract\n" + rows)
    opts = ReportOptions(template=str(template), force=True)
    results = run_batch(discover(folder), tmp_path / "out", opts, workers=2)
    assert all(r.ok for r in results)
    err = capsys.readouterr().err
    assert err.count("Beta: cell(s) Z1") == 1  # the template's warning, said once
    for name, k in sizes.items():
        cov = openpyxl.load_workbook(tmp_path / "out" / f"{name}.xlsx")["Cover"]
        assert cov["B6"].value == k
        assert cov["B5"].value == pytest.approx(60000 * k * sum(range(1, k + 1)))


@pytest.mark.parametrize("mode", ["static", "live"])
def test_libreoffice_renders_customised_report(tmp_path, template, mode):
    r = report(tmp_path, template, mode=mode)
    final = RENDER_DIR / f"custom_{mode}.xlsx"
    final.parent.mkdir(parents=True, exist_ok=True)
    final.write_bytes(Path(r.path).read_bytes())
    text, pngs = render(final, RENDER_DIR, pages=(1, 2))
    assert not ERRORS.findall(text), ERRORS.findall(text)
    _, s = expected()
    assert "ACME Treasury: hedge report" in text
    assert f"{int(s.value.sum()):,}." in text  # the cover's spot value, as formatted
    assert "on target" in text or "below target" in text
    assert "ACME Treasury: holdings at" in text
    assert len(pngs) == 2


def test_pictures_in_excels_anchor_form(tmp_path, template):
    """Excel anchors a picture to two cells (editAs="oneCell") and gives its size in the
    picture's own a:xfrm, where openpyxl writes a oneCellAnchor with an ext: read both."""
    import re

    def excel_form(xml: str) -> str:
        def one(m):
            col, row, cx, cy, pic = m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), \
                m.group(5)
            pic = pic.replace("<spPr>", f'<spPr><a:xfrm><a:off x="0" y="0"/><a:ext '
                                        f'cx="{2 * cx}" cy="{2 * cy}"/></a:xfrm>')
            return (f'<twoCellAnchor editAs="oneCell"><from><col>{col}</col><colOff>0</colOff>'
                    f'<row>{row}</row><rowOff>0</rowOff></from><to><col>{int(col) + 3}</col>'
                    f'<colOff>0</colOff><row>{int(row) + 4}</row><rowOff>0</rowOff></to>'
                    f'{pic}<clientData /></twoCellAnchor>')
        return re.sub(r'<oneCellAnchor><from><col>(\d+)</col><colOff>0</colOff><row>(\d+)'
                      r'</row><rowOff>0</rowOff></from><ext cx="(\d+)" cy="(\d+)" />(<pic>.*?'
                      r'</pic>)<clientData /></oneCellAnchor>', one, xml)

    excel = tmp_path / "excel_form.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(excel, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/drawings/drawing"):
                new = excel_form(data.decode())
                assert new != data.decode()
                data = new.encode()
            dst.writestr(item, data)
    c = read_template(excel)
    assert [(p.row, p.col, p.width, p.height) for p in c.extra["Cover"].pictures] == \
        [(1, 3, 480, 120)]
    r = report(tmp_path, excel)
    with zipfile.ZipFile(r.path) as z:
        cover_drawing = [z.read(n).decode() for n in z.namelist()
                         if n.startswith("xl/drawings/drawing")]
    # the report draws the cover logo at twice its pixel size: 480 x 120 px in EMU
    assert any('cx="4572000" cy="1143000"' in x for x in cover_drawing)
