"""Where everything sits in a hedgexl workbook: sheet names, defined names, table names and
anchor cells. Every cross-sheet reference the writer makes is built here, from these
constants, so moving a cell is a change in one place.

This module imports nothing: the sheets, the customised-template reader and the tests all
read the layout from it.

>>> ref(HOLDINGS, "G2")
'Holdings!$G$2'
>>> column_range(HOLDINGS, HOLDINGS_COLS["value"], 5)
'Holdings!$G$2:$G$5'
>>> cell("B4"), cell("AA10")
((3, 1), (9, 26))
>>> a1(3, 1), a1(9, 26), col_name(701), col_name(702)
('B4', 'AA10', 'ZZ', 'AAA')
"""

DASHBOARD = "Dashboard"
HOLDINGS = "Holdings"
POSITIONS = "Positions"
TRADES = "Trades"
CONTRACTS = "Contracts"
FUNDING = "Funding"
SCENARIOS = "Scenarios"
PNL = "PnL"
BETA = "Beta"
XLWINGS_CONF = "xlwings.conf"

#: hedgexl's sheets in their order. Positions and Trades are written only when a positions
#: file is given; xlwings.conf only in a live workbook.
SHEETS = [DASHBOARD, TRADES, POSITIONS, HOLDINGS, CONTRACTS, FUNDING, SCENARIOS, PNL, BETA,
          XLWINGS_CONF]
#: Sheets a workbook may lack (a template without them is still hedgexl's template).
OPTIONAL_SHEETS = {TRADES, POSITIONS, XLWINGS_CONF}

#: Text above the Import Functions button of the Excel-functions workbook (.xlsm).
XLSM_HINT = "Once per workbook: enable macros, then click:"
XLSM_HINT_CELL = "A16"
XLSM_BUTTON_CELL = "A17"

# -- defined names ------------------------------------------------------------------------
VALUATION_DATE = "ValuationDate"
DEFAULT_HEDGE_RATIO = "DefaultHedgeRatio"
#: Names hedgexl defines itself (lower case); a template's copies of them are not carried.
HEDGEXL_NAMES = {VALUATION_DATE.lower(), DEFAULT_HEDGE_RATIO.lower()}

# -- Dashboard -----------------------------------------------------------------------------
DASH_TITLE = "A1"
DASH_NOTE = "A2"
DASH_VALUATION_DATE = "B4"
DASH_HEDGE_RATIO = "B5"
#: The totals block: a label in column A and its value in column B, from row 7 down.
#: Users' templates refer to these cells (Dashboard!B7 is the spot value), so they stay.
DASH_TOTALS_ROW = 6  # 0-based: row 7
DASH_TOTALS = ["value", "notional", "residual", "coverage", "funding", "pnl"]
#: Charts and the desk tables to the right of the settings.

#: The desk's tables (trades, liquidation, coverage per coin, carry), from this Excel row
#: down, one row below the longest totals block (rows 7-14); the charts to their right.
#: Only a report with positions has them; the .xlsm (the template: none) keeps its hint
#: and button at A16:A17.
DASH_DESK_ROW = 16
DASH_CHART_COL = "J"

# -- Trades: one row per account and contract ---------------------------------------------
TRADES_TABLE = "tblTrades"
TRADES_COLS = {"account": "A", "contract": "B", "current": "C", "target": "D", "trade": "E",
               "side": "F", "price": "G", "notional": "H", "fee": "I", "fee_currency": "J",
               "note": "K"}
TRADES_FIRST_ROW = 2
#: The no-trade band, a workbook input the trade column's formula applies (label above it).
TRADES_BAND_LABEL = "M1"
TRADES_BAND = "M2"

# -- Positions: one row per account and contract -------------------------------------------
POSITIONS_TABLE = "tblPositions"
#: The currency of the amounts ("Margin in") stands before them, so that no percentage
#: beside it reads as an amount of it.
POSITIONS_COLS = {"account": "A", "contract": "B", "mode": "C", "contracts": "D", "entry": "E",
                  "mark": "F", "notional": "G", "settle": "H", "margin": "I", "maint": "J",
                  "liq": "K", "distance": "L", "opened": "M", "accrued": "N",
                  "carry_latest": "O", "carry_avg": "P", "carry_usd": "Q"}
#: Helper columns for the Dashboard's charts, outside the print area.
POSITIONS_CHART_COLS = {"label": "S", "liq_vs_mark": "T", "mark_line": "U",
                        "accrued_usd": "V"}
POSITIONS_FIRST_ROW = 2

# -- Holdings: one table, a row per holding -------------------------------------------------
HOLDINGS_TABLE = "tblHoldings"
HOLDINGS_COLS = {"asset": "A", "quantity": "B", "price": "C", "beta": "D", "ratio": "E",
                 "contract": "F", "value": "G", "notional": "H", "contracts": "I",
                 "residual": "J", "coverage": "K", "hedge_price": "L"}
HOLDINGS_FIRST_ROW = 2  # Excel row of the first holding
#: Past this many holdings the coverage chart shows the largest by spot value and one
#: "other" bar (a chart of 100,000 bars is unreadable and slow to draw); its data sits right
#: of the table, outside the print area, from row 1 (a header) down.
HOLDINGS_CHART_TOP = 20
HOLDINGS_CHART_COLS = {"label": "N", "value": "O", "notional": "P"}
#: A live book of more holdings than this sizes its hedge with one spilled HEDGE_SIZE (one
#: Python call a recalculation, not three a row), in hidden helper columns outside the
#: print area; each visible cell refers to its helper cell.
HOLDINGS_SPILL_ROWS = 2_000
HOLDINGS_SPILL_COLS = {"notional": "R", "contracts": "S", "residual": "T"}

# -- Contracts -----------------------------------------------------------------------------
CONTRACTS_TABLE = "tblContracts"
CONTRACTS_FIRST_ROW = 2
CONTRACTS_KEY_COL = "A"  # the preset keys: the list a Contract input is checked against

# -- Funding: the history table and the total ----------------------------------------------
FUNDING_TABLE = "tblFunding"
FUNDING_COLS = {"time": "A", "contract": "B", "mark": "C", "rate": "D", "cumulative": "E"}
FUNDING_FIRST_ROW = 2
FUNDING_CONTRACT = "H2"
FUNDING_POSITION = "H3"
FUNDING_TOTAL = "H4"
FUNDING_SPILL_COL = "K"  # hidden helper block of HEDGE_FUNDING_SERIES

# -- Scenarios -----------------------------------------------------------------------------
SCENARIO_HEAD_ROW = 3  # Excel row of the headings
SCENARIO_FIRST_ROW = 4
SCENARIO_SHOCKS_COL = "A"
SCENARIO_RESULT_COL = "B"  # the spill: shock, price, spot, hedge, net
SCENARIO_SPILL_COL = "I"
SCENARIO_UNHEDGED_COL = "D"
SCENARIO_NET_COL = "F"

# -- PnL example -------------------------------------------------------------------------
PNL_INPUTS_ROW = 3  # Excel row of the first input (B3)
#: The worked example's inputs and legs, down column B from PNL_INPUTS_ROW in this order
#: (the formulas refer to them by these names: pnl_cell("entry") == "B4").
PNL_ITEMS = ["qty", "entry", "exit", "contract", "contracts", "futures_entry", "futures_exit",
             "fee_rate", "funding", "fees"]
PNL_PARTS_LABELS = "D3:D7"
PNL_PARTS_VALUES = "E3:E7"
PNL_NET = "E7"

# -- Beta ----------------------------------------------------------------------------------
BETA_FIRST_ROW = 6  # Excel row of the first price date
#: The table of each holding's best contract coin and best two-coin mix: its heading row
#: (the price table's) and the gap in columns after the price columns.
BETA_MIX_GAP = 1
BETA_MIX_HEADS = ["Holding", "Best single coin", "Beta", "R² alone", "Best two coins",
                  "Weight 1", "Weight 2", "R² of the mix"]


def cell(a1: str) -> tuple[int, int]:
    """``"B4"`` -> ``(3, 1)``: 0-based row and column."""
    letters = a1.rstrip("0123456789").lstrip("$").replace("$", "")
    digits = a1[len(a1.rstrip("0123456789")):]
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def col_index(letter: str) -> int:
    """``"A"`` -> 0."""
    return cell(f"{letter}1")[1]


def col_name(col: int) -> str:
    """The letters of a 0-based column: ``col_name(0) == "A"``, ``col_name(26) == "AA"``."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, column): ``a1(3, 1) == "B4"``."""
    return f"{col_name(col)}{row + 1}"


def absolute(a1: str) -> str:
    """``"M2"`` -> ``"$M$2"``."""
    letters = a1.rstrip("0123456789")
    return f"${letters}${a1[len(letters):]}"


def ref(sheet: str, a1: str) -> str:
    """An absolute reference to one cell of ``sheet``, e.g. ``Holdings!$G$2``."""
    return f"{_quote(sheet)}!{absolute(a1)}"


def area(sheet: str, a1: str) -> str:
    """An absolute reference to a range written ``"D3:D7"`` on ``sheet``."""
    first, last = a1.split(":")
    return f"{_quote(sheet)}!{absolute(first)}:{absolute(last)}"


def column_range(sheet: str, letter: str, last_row: int, first_row: int = 2) -> str:
    """``Sheet!$X$first:$X$last``: a column of a table."""
    return f"{_quote(sheet)}!${letter}${first_row}:${letter}${last_row}"


def contract_keys(n: int) -> str:
    """``Contracts!$A$2:$A$n+1``: the keys of ``n`` presets."""
    return column_range(CONTRACTS, CONTRACTS_KEY_COL, n + CONTRACTS_FIRST_ROW - 1,
                        CONTRACTS_FIRST_ROW)


def _quote(sheet: str) -> str:
    return f"'{sheet}'" if not sheet.replace("_", "").isalnum() else sheet


# -- The backtest workbook (hedgexl backtest) -----------------------------------------------
BT_SUMMARY = "Summary"
BT_DAILY = "Daily"
BT_GRID = "Grid"
#: Summary: the settings from row 3, the statistics table's heading row, its first column
#: of numbers (the book), and where the charts go.
BT_SETTINGS_ROW = 3
BT_STATS_HEAD_ROW = 12
BT_CHART_COL = "H"
#: Daily: one row per date from row 2, the book's columns.
BT_DAILY_COLS = {"date": "A", "unhedged": "B", "hedged": "C", "dd_unhedged": "D",
                 "dd_hedged": "E", "funding_in": "F", "funding_out": "G", "fees": "H",
                 "trades": "I", "below_maint": "J"}
BT_FIRST_ROW = 2
#: Grid: one row per policy from row 2.
BT_GRID_COLS = {"policy": "A", "ratio": "B", "rebalance": "C", "band": "D",
                "reduction": "E", "vol": "F", "drawdown": "G", "cost": "H", "funding": "I",
                "fees": "J", "trades": "K", "below_maint": "L", "end": "M"}


# -- The options workbook (hedgexl options) -------------------------------------------------
OPT_SUMMARY = "Protection"
OPT_PAYOFF = "Payoff"
OPT_USED = "Options used"
#: Protection: the table's heading row (0-based); the chart goes below the notes.
OPT_TABLE_ROW = 4
#: Payoff: one row per shock from row 2: the shock, then the book's value per choice.
OPT_PAYOFF_COLS = {"shock": "A", "unhedged": "B", "perpetual": "C", "put": "D",
                   "collar": "E"}


def sheet_name(text: str) -> str:
    """``text`` as an Excel sheet name: without the characters Excel forbids (and
    control characters), at most 31 UTF-16 units (an emoji takes two), not cut inside a
    character.

    >>> sheet_name("H1 " + "\U0001F680" * 20)
    'H1 \U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680\U0001F680'
    """
    out, units = [], 0
    for ch in text:
        if ch in "[]:*?/\\'" or ord(ch) < 32:
            continue
        w = 2 if ord(ch) > 0xFFFF else 1
        if units + w > 31:
            break
        out.append(ch)
        units += w
    return "".join(out).strip() or "Sheet"


def pnl_cell(item: str) -> str:
    """The PnL sheet's cell of one of :data:`PNL_ITEMS`: ``pnl_cell("qty") == "B3"``."""
    return f"B{PNL_INPUTS_ROW + PNL_ITEMS.index(item)}"


def bt_holding_sheet(i: int, asset: str) -> str:
    """The backtest workbook's sheet of holding ``i`` (0-based): ``"H1 BTC"``."""
    return sheet_name(f"H{i + 1} {asset}")
