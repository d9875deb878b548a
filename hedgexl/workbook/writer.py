"""Write a hedge workbook with xlsxwriter: tables, HEDGE_* formulas with cached values, charts.

Why xlsxwriter: it writes a formula together with its cached value
(``write_formula(..., value=)``), so every number shows in any viewer before anything
recalculates: Excel without the add-in, LibreOffice, a mail preview, python-calamine.
openpyxl can write a formula or a value, not both.

Formula style: plain A1 references (``Holdings!G2``), no structured references, so that an
independent formula engine (pycel) recalculates the same formulas the user sees. Each
HEDGE_* inside an Excel Table is a single-cell call; spilling calls (HEDGE_FUNDING_SERIES,
HEDGE_SCENARIO) sit outside tables, because Excel cannot spill inside a Table. They are
written as dynamic-array formulas (not legacy CSE arrays) and every spilled cell carries its
cached value.

``mode="static"`` writes the same layout with values only, for recipients who have nothing
installed.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell as rc

from .. import core
from ..files import replacing
from ..inputs.tables import EXCEL_MAX_ROWS
from .model import Numbers, WorkbookData, compute

__all__ = ["write_workbook", "SHEETS"]

SHEETS = ["Dashboard", "Holdings", "Contracts", "Funding", "Scenarios", "PnL", "Beta",
          "xlwings.conf"]

USD = '#,##0.00;[Red]-#,##0.00'
COIN = '0.00000000;[Red]-0.00000000'
PCT = '0.00%'
CONTRACTS = '#,##0.###;[Red]-#,##0.###'
PRICE = '#,##0.00'
RATE = '0.000000%'
DATE = 'yyyy-mm-dd'
DATETIME = 'yyyy-mm-dd hh:mm'

#: The one definition of coverage, said wherever it is shown: the beta-weighted hedge
#: notional net of the rounding residual, over the spot value.
COVERAGE_LABEL = "Coverage (beta-adjusted, net of rounding)"

#: Text above the Import Functions button of the Excel-functions workbook (.xlsm).
XLSM_HINT = "Once per workbook: enable macros, then click:"

CONTRACT_COLUMNS = ["key", "venue", "symbol", "type", "face_usd", "size_coin", "coin",
                    "settle", "lot", "tick", "taker_fee", "maker_fee", "maint_margin",
                    "funding_hours"]


class _Fmt:
    def __init__(self, wb):
        self.wb = wb
        self._cache = {}

    def __call__(self, kind="calc", num=None, **extra):
        key = (kind, num, tuple(sorted(extra.items())))
        if key not in self._cache:
            props = {"font_name": "Calibri", "font_size": 10}
            if kind == "input":
                props.update(bg_color="#FFF2CC", font_color="#1F3B73", border=1,
                             border_color="#D9C27A")
            elif kind == "calc":
                props.update(font_color="#000000")
            elif kind == "head":
                props.update(bold=True, bg_color="#1F3B73", font_color="#FFFFFF",
                             text_wrap=True, valign="top")
            elif kind == "title":
                props.update(bold=True, font_size=16, font_color="#1F3B73")
            elif kind == "label":
                props.update(bold=True)
            elif kind == "note":
                props.update(italic=True, font_color="#595959", text_wrap=False)
            if num:
                props["num_format"] = num
            props.update(extra)
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


class _Writer:
    """Writes either a formula with its cached value (live) or the value alone (static)."""

    def __init__(self, live: bool):
        self.live = live

    def cell(self, ws, row, col, formula, value, fmt):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            value = "" if value is None else "none"
        if self.live and formula:
            ws.write_formula(row, col, formula, fmt, value)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_number(row, col, float(value), fmt)

    def spill(self, ws, row, col, formula, block, fmt_cols, helper_col):
        """Show ``block`` (2-D), the result of a spilling HEDGE_* formula, at (row, col).

        Live: the dynamic-array formula sits in a hidden helper block starting at
        ``helper_col`` (outside the print area) and the visible cells are plain references
        to it, each with its cached value. LibreOffice recalculates every array formula on
        load and has no HEDGE_*, so a visible spill would show #NAME? there; plain formulas
        keep their cached values. Excel recalculates both. Static: values only.
        """
        block = np.asarray(block, dtype=float)
        nr, nc = block.shape
        if self.live:  # first: xlsxwriter pads the rest of the range with zeros
            ws.write_dynamic_array_formula(row, helper_col, row + nr - 1,
                                           helper_col + nc - 1, formula, fmt_cols[0],
                                           float(block[0, 0]))
            for j in range(nc):
                ws.set_column(helper_col + j, helper_col + j, 12, fmt_cols[j],
                              {"hidden": True})
        for i in range(nr):
            for j in range(nc):
                v = float(block[i, j])
                if self.live:
                    if i or j:
                        ws.write_number(row + i, helper_col + j, v, fmt_cols[j])
                    ws.write_formula(row + i, col + j, "=" + rc(row + i, helper_col + j),
                                     fmt_cols[j], v)
                else:
                    ws.write_number(row + i, col + j, v, fmt_cols[j])


def _coin(d: WorkbookData) -> str:
    """The coin the funding contract's coin amounts are in ("BTC"), for labels."""
    return core.get_contract(d.funding.contract).coin or "coin"


def _time_value(t: str):
    try:
        return dt.datetime.fromisoformat(t.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return t


def write_workbook(d: WorkbookData, path, *, mode: str = "live",
                   numbers: Numbers | None = None, vba_project=None, custom=None,
                   custom_values: dict | None = None, drawings: bool = True,
                   force: bool = True) -> Path:
    """Write the workbook for ``d`` to ``path`` (atomically: temporary file, then rename).

    ``vba_project``: a vbaProject.bin to embed (an ``.xlsm``), with an "Import Functions"
    button on the Dashboard that runs xlwings' ImportPythonUDFs macro.

    ``custom``: a :class:`hedgexl.workbook.custom.Customisation` (a user's template) whose
    sheets, Dashboard additions and names are added; ``custom_values`` are its formulas'
    results (:func:`hedgexl.workbook.custom.evaluate`).

    ``drawings=False`` leaves out charts and pictures: a draft for computing formulas.

    ``force=False``: fail, writing nothing, when ``path`` exists by the time the workbook is
    finished (see :func:`hedgexl.files.commit`).

    Text is always written as text: a string that starts with ``=`` or looks like a link
    stays a string (xlsxwriter's ``strings_to_formulas`` and ``strings_to_urls`` are off), so
    nothing from a user's file becomes a formula.
    """
    if mode not in ("live", "static"):
        raise ValueError(f"mode must be live or static, got {mode!r}")
    _check_rows(d)
    n = numbers or compute(d)
    path = Path(path)
    with replacing(path, force=force) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "default_date_format": DATE})
        wb.set_properties({"title": d.settings.title, "author": "hedgexl",
                           "comments": "Generated by hedgexl; HEDGE_* formulas need the "
                                       "hedgexl add-in to recalculate."})
        wb.set_calc_mode("auto")
        if vba_project is not None:
            wb.set_vba_name("ThisWorkbook")
            wb.add_vba_project(str(vba_project))
        live = mode == "live"
        ours = [name for name in SHEETS if live or name != "xlwings.conf"]
        order = custom.sheet_order(ours) if custom is not None else ours
        sheets = {name: wb.add_worksheet(name) for name in order}
        _build(wb, d, n, _Writer(live), live, sheets, drawings)
        if custom is not None:
            from .custom import write_extras
            write_extras(wb, sheets, custom, custom_values, live, drawings)
        if vba_project is not None:
            ds = wb.get_worksheet_by_name("Dashboard")
            ds.insert_button("A17", {"macro": "ImportPythonUDFs",
                                     "caption": "Import Functions (xlwings)",
                                     "width": 200, "height": 28})
            ds.write("A16", XLSM_HINT)
        wb.close()
    return path


def _check_rows(d: WorkbookData) -> None:
    """Refuse a workbook whose rows would not fit on a sheet, rather than drop some."""
    sheets = [("Holdings", "holdings", len(d.holdings), 4 + len(d.notes))]
    if d.funding is not None:
        sheets.append(("Funding", "funding rows", len(d.funding.mark_price), 1))
    if d.price_dates:
        sheets.append(("Beta", "price dates", len(d.price_dates), 5))
    for sheet, what, n, extra in sheets:
        if n + extra > EXCEL_MAX_ROWS:
            raise ValueError(f"{n:,} {what} do not fit on the {sheet} sheet: an Excel sheet "
                             f"has {EXCEL_MAX_ROWS:,} rows, so at most "
                             f"{EXCEL_MAX_ROWS - extra:,} {what}; split the input")


def _page(ws, landscape=True):
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def _build(wb, d: WorkbookData, n: Numbers, w: _Writer, live: bool, sheets: dict,
           drawings: bool = True):
    f = _Fmt(wb)
    h = d.holdings
    nh = len(h)
    last = nh + 1  # last holdings row (1-based)
    rng = lambda col: f"Holdings!${col}$2:${col}${last}"  # noqa: E731

    # ---------------- Dashboard: settings and totals (charts added at the end) ---------
    ds = sheets["Dashboard"]
    ds.set_column("A:A", 40)
    ds.set_column("B:B", 18)
    ds.set_column("C:C", 4)
    ds.write("A1", d.settings.title, f("title"))
    ds.write("A2", "Yellow: inputs. White: computed by HEDGE_* formulas." if live else
             "Yellow: inputs. White: computed by hedgexl (values, no formulas).", f("note"))
    ds.write("A4", "Valuation date", f("label"))
    ds.write_datetime("B4", dt.datetime.combine(d.settings.valuation_date, dt.time()),
                      f("input", DATE))
    ds.write("A5", "Default hedge ratio", f("label"))
    ds.write_number("B5", d.settings.default_hedge_ratio, f("input", PCT))
    wb.define_name("ValuationDate", "=Dashboard!$B$4")
    wb.define_name("DefaultHedgeRatio", "=Dashboard!$B$5")
    ds.data_validation("B5", {"validate": "decimal", "criteria": "between", "minimum": 0,
                              "maximum": 2, "error_title": "Hedge ratio",
                              "error_message": "Enter a hedge ratio between 0 and 2 "
                                               "(0 % to 200 %)."})
    tot = n.totals
    rows = [
        ("Spot value (USD)", f"=SUM({rng('G')})", tot["value"], USD),
        ("Hedge notional (USD)", f"=SUM({rng('H')})", tot["notional"], USD),
        ("Residual exposure after rounding (USD)", f"=SUM({rng('J')})", tot["residual"],
         USD),
        (COVERAGE_LABEL, "=IF(B7=0,0,(B8-B9)/B7)", tot["coverage"], PCT),
    ]
    if n.funding_total is not None:
        rows.append((f"Funding over the history ({_coin(d)})", "=Funding!$H$4", n.funding_total,
                     COIN))
        rows.append(("PnL example: net (USD)", "=PnL!$E$7", n.pnl["net"], USD))
    ds.write("A6", "Totals", f("label"))
    for i, (label, formula, value, num) in enumerate(rows):
        ds.write(6 + i, 0, label)
        w.cell(ds, 6 + i, 1, formula, value, f("calc", num))

    # ---------------- Holdings ----------------------------------------------------------
    hs = sheets["Holdings"]
    heads = ["Asset", "Quantity (coin)", "Price (USD)", "Beta", "Hedge ratio", "Contract",
             "Spot value (USD)", "Hedge notional (USD)", "Contracts", "Residual (USD)",
             "Coverage"]
    widths = [8, 14, 14, 7, 10, 24, 16, 18, 12, 14, 10]
    if n.any_linear:  # linear contracts are sized at their coin's price
        heads.append("Hedge price (USD)")
        widths.append(16)
    for j, wdt in enumerate(widths):
        hs.set_column(j, j, wdt)
    hs.add_table(0, 0, last - 1, len(heads) - 1, {
        "name": "tblHoldings", "style": "Table Style Light 9",
        "columns": [{"header": x, "header_format": f("head")} for x in heads]})
    hs.set_row(0, 30)
    hs.freeze_panes(1, 1)
    given = d.hedge_ratio_given if d.hedge_ratio_given is not None else np.ones(nh, bool)
    f_text, f_qty, f_price = f("input"), f("input", "#,##0.########"), f("input", PRICE)
    f_beta, f_ratio, f_usd = f("input", "0.00"), f("input", PCT), f("calc", USD)
    f_hp, f_ct, f_pct = f("calc", PRICE), f("calc", CONTRACTS), f("calc", PCT)
    cols = [a.tolist() for a in (h.quantity, h.price, h.beta, h.hedge_ratio, n.value,
                                 n.notional, n.contracts, n.residual, n.coverage,
                                 n.hedge_price)]
    qty, price, beta, ratio, value, notional, contracts, residual, coverage, hprice = cols
    for i in range(nh):  # one pass, each row's cells written once: linear in the rows
        r = i + 1
        x = r + 1  # Excel row number
        hs.write_string(r, 0, h.asset[i], f_text)
        hs.write_number(r, 1, qty[i], f_qty)
        hs.write_number(r, 2, price[i], f_price)
        hs.write_number(r, 3, beta[i], f_beta)
        if given[i]:
            hs.write_number(r, 4, ratio[i], f_ratio)
        else:
            w.cell(hs, r, 4, "=DefaultHedgeRatio", ratio[i], f_ratio)
        hs.write_string(r, 5, h.contract[i], f_text)
        w.cell(hs, r, 6, f"=B{x}*C{x}", value[i], f_usd)
        hp = ""
        if n.any_linear:
            hp = f",L{x}"
            j = n.hedge_price_row[i]
            if j is None:
                hs.write_blank(r, 11, None, f_hp)
            else:
                w.cell(hs, r, 11, f"=C{j + 2}", hprice[i], f_hp)
        w.cell(hs, r, 7, f"=HEDGE_NOTIONAL(G{x},E{x},D{x})", notional[i], f_usd)
        w.cell(hs, r, 8, f"=HEDGE_CONTRACTS(G{x},F{x},E{x},D{x}{hp})", contracts[i], f_ct)
        w.cell(hs, r, 9, f"=HEDGE_RESIDUAL(G{x},F{x},E{x},D{x}{hp})", residual[i], f_usd)
        w.cell(hs, r, 10, f"=IF(G{x}=0,0,(H{x}-J{x})/G{x})", coverage[i], f_pct)
    nkeys = len(d.contracts)
    hs.data_validation(1, 4, last - 1, 4, {
        "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 2,
        "error_title": "Hedge ratio", "error_message": "Between 0 and 2 (0 % to 200 %)."})
    hs.data_validation(1, 2, last - 1, 2, {
        "validate": "decimal", "criteria": ">", "value": 0, "error_title": "Price",
        "error_message": "A price must be greater than 0 (USD per coin)."})
    hs.data_validation(1, 5, last - 1, 5, {
        "validate": "list", "source": f"=Contracts!$A$2:$A${nkeys + 1}",
        "error_title": "Contract", "error_message": "Pick a contract from the Contracts "
                                                    "sheet (add yours there first)."})
    hs.write(last + 1, 0, "Contracts are signed: negative is short. Residual: USD left "
                          "unhedged by rounding to the lot (+ under-hedged).", f("note"))
    if d.notes:  # each note across the table's width, wrapped, so that it prints whole
        hs.write(last + 3, 0, "Notes on these holdings", f("label"))
        wrap = f("note", text_wrap=True, valign="top")
        for i, line in enumerate(d.notes):
            hs.merge_range(last + 4 + i, 0, last + 4 + i, len(heads) - 1, "", wrap)
            hs.write_string(last + 4 + i, 0, line, wrap)
            hs.set_row(last + 4 + i, 13.5 * (1 + len(line) // 150))
    _page(hs)

    # ---------------- Contracts ----------------------------------------------------------
    cs = sheets["Contracts"]
    cs.add_table(0, 0, nkeys, len(CONTRACT_COLUMNS) - 1, {
        "name": "tblContracts", "style": "Table Style Light 9",
        "columns": [{"header": c, "header_format": f("head")} for c in CONTRACT_COLUMNS]})
    cs.freeze_panes(1, 1)
    cs.set_column(0, 0, 24)
    cs.set_column(1, 2, 15)
    cs.set_column(3, len(CONTRACT_COLUMNS) - 1, 10)
    nums = {"face_usd": "#,##0.##", "size_coin": "0.########", "lot": "0.########",
            "tick": "0.########", "taker_fee": "0.000%", "maker_fee": "0.000%",
            "maint_margin": "0.00%", "funding_hours": "0"}
    for i, spec in enumerate(d.contracts):
        for j, c in enumerate(CONTRACT_COLUMNS):
            v = getattr(spec, c)
            if isinstance(v, float):
                if np.isfinite(v):
                    cs.write_number(i + 1, j, v, f("input", nums.get(c)))
                else:
                    cs.write_blank(i + 1, j, None, f("input"))
            else:
                cs.write_string(i + 1, j, str(v), f("input"))
    cs.write(nkeys + 2, 0, "Presets from hedgexl's contracts file (and any file you "
                           "loaded). The HEDGE_* functions read hedgexl's presets; to "
                           "change one, edit a contracts file and load it with --contracts.",
             f("note"))
    _page(cs)

    # ---------------- Funding ----------------------------------------------------------
    fs = sheets["Funding"]
    fs.set_column("A:A", 17)
    fs.set_column("B:B", 22)
    fs.set_column("C:C", 12)
    fs.set_column("D:D", 12)
    fs.set_column("E:E", 16)
    fs.set_column("G:G", 28)
    fs.set_column("H:H", 22)
    fund = d.funding
    if fund is not None and n.funding_series is not None:
        m = len(fund.mark_price)
        fl = m + 1
        fs.add_table(0, 0, m, 3, {
            "name": "tblFunding", "style": "Table Style Light 9",
            "columns": [{"header": x, "header_format": f("head")} for x in
                        ("Time (UTC)", "Contract", "Mark price (USD)", "Funding rate")]})
        fs.write(0, 4, f"Cumulative funding ({_coin(d)})", f("head"))
        fs.set_row(0, 30)
        fs.freeze_panes(1, 0)
        for i in range(m):
            t = _time_value(fund.time[i])
            if isinstance(t, dt.datetime):
                fs.write_datetime(i + 1, 0, t, f("input", DATETIME))
            else:
                fs.write_string(i + 1, 0, t, f("input"))
            fs.write_string(i + 1, 1, fund.contract, f("input"))
            fs.write_number(i + 1, 2, float(fund.mark_price[i]), f("input", PRICE))
            fs.write_number(i + 1, 3, float(fund.funding_rate[i]), f("input", RATE))
        fs.write("G1", "Funding", f("head"))
        fs.write("H1", "", f("head"))
        fs.write("G2", "Contract", f("label"))
        fs.write_string("H2", fund.contract, f("input"))
        fs.write("G3", "Position (contracts, from Holdings)", f("label"))
        w.cell(fs, 2, 7, f"=SUMIF({rng('F')},H2,{rng('I')})", n.funding_position,
               f("calc", CONTRACTS))
        fs.write("G4", f"Total funding ({_coin(d)}, + received)", f("label"))
        w.cell(fs, 3, 7, f"=HEDGE_FUNDING(H3,H2,C2:C{fl},D2:D{fl})", n.funding_total,
               f("calc", COIN))
        fs.write("G5", "Positive rate: longs pay shorts, so a short hedge receives it.",
                 f("note"))
        w.spill(fs, 1, 4, f"=HEDGE_FUNDING_SERIES(H3,H2,C2:C{fl},D2:D{fl})",
                n.funding_series.reshape(-1, 1), [f("calc", COIN)], helper_col=10)
        if w.live:
            fs.write(0, 10, "HEDGE_FUNDING_SERIES spill (hidden)", f("head"))
        fs.print_area(0, 0, m, 7)
        fs.data_validation(1, 2, m, 2, {"validate": "decimal", "criteria": ">", "value": 0,
                                        "error_message": "A mark price must be > 0."})
    else:
        fs.write("A1", d.funding_note, f("note"))
    _page(fs, landscape=False)

    # ---------------- Scenarios ----------------------------------------------------------
    ss = sheets["Scenarios"]
    ss.set_column("A:A", 12)
    ss.set_column("B:F", 16)
    ss.write("A1", "Price shocks of the hedge's coin; each holding moves beta times as far.",
             f("note"))
    sh_heads = ["Shock (input)", "Shock", "Spot price (first holding)", "Spot PnL (USD)",
                "Hedge PnL (USD)", "Net PnL (USD)"]
    for j, x in enumerate(sh_heads):
        ss.write(2, j, x, f("head"))
    ss.set_row(2, 30)
    ss.freeze_panes(3, 0)
    ns = len(d.shocks)
    for i, s in enumerate(d.shocks):
        ss.write_number(3 + i, 0, float(s), f("input", "0%"))
    ss.data_validation(3, 0, 2 + ns, 0, {"validate": "decimal", "criteria": ">",
                                         "value": -1, "error_message": "A shock must be "
                                                                       "> -100 %."})
    w.spill(ss, 3, 1,
            f"=HEDGE_SCENARIO({rng('B')},{rng('C')},{rng('I')},{rng('F')},"
            f"A4:A{3 + ns},{rng('D')}" + (f",{rng('L')})" if n.any_linear else ")"),
            n.scenario, [f("calc", "0%"), f("calc", PRICE), f("calc", USD), f("calc", USD),
                         f("calc", USD)], helper_col=8)
    if w.live:
        ss.write(2, 8, "HEDGE_SCENARIO spill (hidden)", f("head"))
    ss.print_area(0, 0, 3 + ns, 5)
    _page(ss)

    # ---------------- PnL ----------------------------------------------------------------
    ps = sheets["PnL"]
    ps.set_column("A:A", 34)
    ps.set_column("B:B", 22)
    ps.set_column("D:D", 20)
    ps.set_column("E:E", 18)
    p = n.pnl
    if p is not None:
        r = p["row"] + 2  # Holdings row of the holding
        fl = len(d.funding.mark_price) + 1
        ps.write("A1", f"Hedged {p['asset']} over the funding history: entry at the first "
                       "mark price, exit at the last.", f("note"))
        items = [  # (label, formula or None for an input, value, number format)
            (f"Spot quantity ({p['asset']})", None, p["qty"], "#,##0.########"),
            ("Spot entry price (USD)", None, p["entry"], PRICE),
            ("Spot exit price (USD)", None, p["exit"], PRICE),
            ("Contract", None, p["contract"], None),
            ("Contracts (sized at entry)",
             f"=HEDGE_CONTRACTS(B3*B4,B6,Holdings!E{r},Holdings!D{r},B4)", p["contracts"],
             CONTRACTS),
            ("Futures entry price (USD)", "=B4", p["entry"], PRICE),
            ("Futures exit price (USD)", "=B5", p["exit"], PRICE),
            ("Fee rate (taker)", '=HEDGE_SPEC(B6,"taker_fee")', p["fee_rate"], "0.000%"),
            (f"Funding received ({_coin(d)})", f"=HEDGE_FUNDING(B7,B6,Funding!C2:C{fl},"
                                        f"Funding!D2:D{fl})", p["funding_coin"], COIN),
            (f"Fees, open and close ({_coin(d)})", "=HEDGE_FEE(B7,B8,B6,B10)+HEDGE_FEE(B7,B9,B6,B10)",
             p["fees_coin"], COIN),
        ]
        ps.write("A2", "Inputs and legs", f("head"))
        ps.write("B2", "", f("head"))
        for i, (label, formula, value, num) in enumerate(items):
            ps.write(2 + i, 0, label)
            if formula is None:
                if isinstance(value, str):
                    ps.write_string(2 + i, 1, value, f("input"))
                else:
                    ps.write_number(2 + i, 1, value, f("input", num))
            else:
                w.cell(ps, 2 + i, 1, formula, value, f("calc", num))
        ps.data_validation("B4:B5", {"validate": "decimal", "criteria": ">", "value": 0,
                                     "error_message": "A price must be > 0 (USD per coin)."})
        ps.data_validation("B6", {"validate": "list", "source": f"=Contracts!$A$2:$A$"
                                                                f"{len(d.contracts) + 1}"})
        ps.write("D2", "PnL breakdown", f("head"))
        ps.write("E2", "USD", f("head"))
        parts = [
            ("Spot", "=B3*(B5-B4)", p["spot"]),
            ("Futures", '=HEDGE_PNL(B7,B8,B9,B6,"usd")', p["futures"]),
            ("Funding", "=B11*B9", p["funding"]),
            ("Fees", "=-B12*B9", -p["fees"]),
            ("Net", "=HEDGE_NET_PNL(B3,B4,B5,B7,B8,B9,B6,B11,B12)", p["net"]),
        ]
        for i, (label, formula, value) in enumerate(parts):
            ps.write(2 + i, 3, label, f("label"))
            w.cell(ps, 2 + i, 4, formula, value, f("calc", USD))
        ps.write("D9", "Coin amounts are valued at the futures exit price.", f("note"))
    else:
        ps.write("A1", "No funding history was given, so there is no PnL example.",
                 f("note"))
    _page(ps)

    # ---------------- Beta ----------------------------------------------------------------
    bs = sheets["Beta"]
    if d.prices and d.price_dates:
        names = list(d.prices)
        npx = len(d.price_dates)
        bl = npx + 1 + 4  # data starts at row 6 (index 5)
        bs.write("A1", f"Beta and hedge effectiveness (R²) of daily returns against "
                       f"{d.benchmark}; blank cells are gaps.", f("note"))
        bs.write("A2", "Beta", f("label"))
        bs.write("A3", "Effectiveness (R²)", f("label"))
        bs.write(4, 0, "Date", f("head"))
        bcol = names.index(d.benchmark) + 1
        from xlsxwriter.utility import xl_col_to_name
        bref = f"{xl_col_to_name(bcol)}6:{xl_col_to_name(bcol)}{bl}"
        for j, a in enumerate(names):
            col = j + 1
            bs.write(4, col, f"{a} (USD)", f("head"))
            cref = f"{xl_col_to_name(col)}6:{xl_col_to_name(col)}{bl}"
            if a != d.benchmark and a in n.betas and n.betas[a][0] is not None:
                w.cell(bs, 1, col, f"=HEDGE_BETA({cref},{bref})", n.betas[a][0],
                       f("calc", "0.000"))
                w.cell(bs, 2, col, f"=HEDGE_EFFECTIVENESS({cref},{bref})", n.betas[a][1],
                       f("calc", "0.000"))
            elif a == d.benchmark:
                bs.write(1, col, "benchmark", f("note"))
            for i in range(npx):
                v = d.prices[a][i]
                if np.isfinite(v):
                    bs.write_number(5 + i, col, float(v), f("input", PRICE))
        for i, dd in enumerate(d.price_dates):
            try:
                bs.write_datetime(5 + i, 0, dt.datetime.fromisoformat(dd), f("input", DATE))
            except ValueError:
                bs.write_string(5 + i, 0, dd, f("input"))
        bs.set_column(0, 0, 12)
        bs.set_column(1, len(names), 13)
        bs.freeze_panes(5, 1)
    else:
        bs.write("A1", "No price history was given (see --prices).", f("note"))
    _page(bs)

    if "xlwings.conf" in sheets:
        xs = sheets["xlwings.conf"]
        xs.write_row("A1", ["UDF Modules", "hedgexl.udfs"])
        xs.set_column("A:B", 20)

    if drawings:
        _charts(wb, ds, d, n, nh, f)
    ds.activate()


def _charts(wb, ds, d, n, nh, f):
    last = nh + 1
    axis_font = {"size": 9}

    c1 = wb.add_chart({"type": "column"})
    c1.add_series({"name": "Spot value", "categories": f"=Holdings!$A$2:$A${last}",
                   "values": f"=Holdings!$G$2:$G${last}", "fill": {"color": "#1F3B73"}})
    c1.add_series({"name": "Hedge notional", "categories": f"=Holdings!$A$2:$A${last}",
                   "values": f"=Holdings!$H$2:$H${last}", "fill": {"color": "#E6A117"}})
    c1.set_title({"name": "Am I covered? Spot value vs hedge notional by asset"})
    c1.set_x_axis({"name": "Asset", "num_font": axis_font, "label_position": "low"})
    c1.set_y_axis({"name": "USD", "num_format": "#,##0", "num_font": axis_font,
                   "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    c1.set_legend({"position": "bottom"})
    ds.insert_chart("D1", c1, {"x_scale": 1.25, "y_scale": 1.15})

    ns = len(d.shocks)
    c2 = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
    for name, col, color in (("Unhedged (spot only)", "D", "#C0392B"),
                             ("Hedged (net)", "F", "#1F3B73")):
        c2.add_series({"name": name, "categories": f"=Scenarios!$B$4:$B${3 + ns}",
                       "values": f"=Scenarios!${col}$4:${col}${3 + ns}",
                       "line": {"color": color, "width": 2.25},
                       "marker": {"type": "circle", "size": 4,
                                  "fill": {"color": color}, "border": {"color": color}},
                       "smooth": False})
    c2.set_title({"name": "Payoff: PnL across price shocks"})
    c2.set_x_axis({"name": "Price move of the hedge's coin", "num_format": "0%",
                   "num_font": axis_font, "label_position": "low",
                   "min": float(np.min(d.shocks)), "max": float(np.max(d.shocks))})
    c2.set_y_axis({"name": "PnL (USD)", "num_format": "#,##0", "num_font": axis_font,
                   "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    c2.set_legend({"position": "bottom"})
    ds.insert_chart("D19", c2, {"x_scale": 1.25, "y_scale": 1.15})

    if n.funding_series is not None:
        m = len(d.funding.mark_price)
        c3 = wb.add_chart({"type": "line"})
        c3.add_series({"name": "Cumulative funding", "categories": f"=Funding!$A$2:$A${m + 1}",
                       "values": f"=Funding!$E$2:$E${m + 1}",
                       "line": {"color": "#1E8449", "width": 1.75}, "smooth": False})
        c3.set_title({"name": f"Cumulative funding on {d.funding.contract} ({_coin(d)})"})
        c3.set_x_axis({"name": "Time (UTC)", "date_axis": True, "num_format": "yyyy-mm",
                       "num_font": axis_font, "major_unit": 3, "major_unit_type": "months",
                       "label_position": "low"})
        c3.set_y_axis({"name": f"Funding ({_coin(d)}, + received)", "num_format": "0.00",
                       "num_font": axis_font,
                       "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        c3.set_legend({"none": True})
        ds.insert_chart("N1", c3, {"x_scale": 1.25, "y_scale": 1.15})

        c4 = wb.add_chart({"type": "column"})
        c4.add_series({"name": "PnL (USD)", "categories": "=PnL!$D$3:$D$7",
                       "values": "=PnL!$E$3:$E$7",
                       "points": [{"fill": {"color": "#1F3B73"}},
                                  {"fill": {"color": "#E6A117"}},
                                  {"fill": {"color": "#1E8449"}},
                                  {"fill": {"color": "#C0392B"}},
                                  {"fill": {"color": "#595959"}}],
                       "data_labels": {"value": True, "num_format": "#,##0",
                                       "font": {"size": 8}}})
        c4.set_title({"name": "PnL breakdown of the hedged holding"})
        c4.set_x_axis({"name": "Component", "num_font": axis_font, "label_position": "low"})
        c4.set_y_axis({"name": "USD", "num_format": "#,##0", "num_font": axis_font,
                       "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        c4.set_legend({"none": True})
        ds.insert_chart("N19", c4, {"x_scale": 1.25, "y_scale": 1.15})
    ds.set_landscape()
    ds.fit_to_pages(1, 1)
    ds.set_paper(9)
