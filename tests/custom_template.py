"""A customised template, made the way a user would: open hedgexl's template, add a cover
sheet with a logo and formulas that refer to hedgexl's tables, rebrand the Dashboard, save.

openpyxl stands in for Excel here (no Excel on our machines); like Excel it keeps what it
does not understand as little as it can, so the file it saves is a fair test of what
``--template`` reads. Pillow draws the logo.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.colors import Color
from openpyxl.workbook.defined_name import DefinedName

from hedgexl.workbook.template import build_template

TITLE = "ACME Treasury: {portfolio} at {date}"
NAVY = "FF0B2545"

#: (sheet, cell) -> what the cell computes, for the tests to check against the report.
COVER_FORMULAS = {
    "B4": "=Dashboard!B7",                          # spot value (USD)
    "B5": "=SUM(tblHoldings[Spot value (USD)])",    # the same, from the table
    "B6": "=COUNTA(tblHoldings[Asset])",            # holdings in this portfolio
    "B7": "=B5-Dashboard!B8",                        # unhedged value (USD)
    "B8": '=IF(Dashboard!B10>=Threshold,"on target","below target")',
    "B9": "=ValuationDate",
}


def logo_png(width=240, height=60) -> bytes:
    from PIL import Image as PImage, ImageDraw
    im = PImage.new("RGB", (width, height), (11, 37, 69))
    d = ImageDraw.Draw(im)
    m = height // 7
    d.rectangle([m, m, height - m, height - m], fill=(230, 161, 23))
    d.text((height + m, height // 2 - 5), "ACME TREASURY", fill=(255, 255, 255))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def make(path, *, base=None) -> Path:
    """Write the customised template to ``path``; ``base`` is the template to start from
    (a fresh ``hedgexl template`` build by default)."""
    path = Path(path)
    if base is None:
        base = build_template(path.with_name("stock_template.xlsx"))
    wb = openpyxl.load_workbook(base)

    cover = wb.create_sheet("Cover", 0)
    cover.sheet_properties.tabColor = NAVY
    cover.sheet_view.showGridLines = False
    cover.column_dimensions["A"].width = 34
    cover.column_dimensions["B"].width = 22
    cover.row_dimensions[1].height = 30
    cover.page_setup.orientation = "landscape"
    cover.sheet_properties.pageSetUpPr.fitToPage = True
    cover.page_setup.fitToWidth, cover.page_setup.fitToHeight = 1, 0
    cover["A1"] = "ACME Treasury: hedge report"
    cover["A1"].font = Font(name="Georgia", size=18, bold=True, color=NAVY)
    cover.merge_cells("A1:C1")
    cover["A2"] = "Prepared by Treasury Operations for the risk committee"
    cover["A2"].font = Font(italic=True, color=Color(theme=1, tint=0.35))
    labels = {"A4": "Spot value (USD)", "A5": "Spot value from the table (USD)",
              "A6": "Holdings", "A7": "Unhedged value (USD)", "A8": "Coverage policy",
              "A9": "Valuation date", "A11": "Coverage threshold"}
    for ref, text in labels.items():
        cover[ref] = text
        cover[ref].font = Font(bold=True)
    for ref, formula in COVER_FORMULAS.items():
        cover[ref] = formula
        cover[ref].number_format = "#,##0.00"
        cover[ref].border = Border(bottom=Side(style="thin", color="FF999999"))
    cover["B6"].number_format = "0"
    cover["B9"].number_format = "yyyy-mm-dd"
    cover["B11"] = 0.5
    cover["B11"].number_format = "0%"
    cover["B11"].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.6))
    cover["B11"].comment = Comment("Committee minimum, reviewed quarterly", "risk")
    cover["B11"].alignment = Alignment(horizontal="center")
    cover["A13"] = "Methodology"
    cover["A13"].hyperlink = "https://example.com/hedging-policy"
    cover["A13"].style = "Hyperlink"
    cover.conditional_formatting.add("B7", CellIsRule(operator="lessThan", formula=["0"],
                                                      font=Font(color="FFFF0000")))
    logo = Image(io.BytesIO(logo_png()))
    logo.anchor = "D2"
    cover.add_image(logo)
    wb.defined_names["Threshold"] = DefinedName("Threshold", attr_text="Cover!$B$11")
    cover.defined_names["LocalRate"] = DefinedName("LocalRate", attr_text="Cover!$B$11")

    notes = wb.create_sheet("Notes")
    notes["A1"] = "Notes"
    notes["A1"].font = Font(bold=True, size=14)
    notes["A2"] = "Hedge contracts for the first holding, at full cover:"
    notes["B2"] = '=HEDGE_CONTRACTS(Holdings!G2,Holdings!F2,1,1)'
    notes["A3"] = "Twice the cover's spot value:"
    notes["B3"] = "=Cover!B4*2"
    notes.column_dimensions["A"].width = 50

    ds = wb["Dashboard"]
    ds["A1"] = TITLE
    ds["A20"] = "Prepared by Treasury Operations"
    ds["A20"].font = Font(italic=True, color="FF595959")
    ds["A21"] = "Hedge gap (USD)"
    ds["B21"] = "=B7-B8"
    ds["B21"].number_format = "#,##0.00"
    small = Image(io.BytesIO(logo_png(120, 30)))
    small.anchor = "A23"
    ds.add_image(small)
    wb["Holdings"].sheet_properties.tabColor = "FFE6A117"
    wb["Beta"]["Z1"] = "my own note on the Beta sheet"

    wb.save(path)
    return path
