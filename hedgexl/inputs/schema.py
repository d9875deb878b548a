"""The declared contract of every kind of input file: its columns (with the header names read
as each), what each holds (type, unit, allowed range and sign), its key columns and the order
of its rows. The readers take their columns and rules from here and check values with
:meth:`Column.check`; ``docs/inputs.md`` is generated from here (``hedgexl docs --inputs``).

Kinds of value:

- ``number``: the strict grammar of :mod:`hedgexl.core.numbers` (no currency signs,
  parentheses, inner spaces or underscores; thousands in threes);
- ``ratio``: a number that may also be written with ``%`` (``75%`` is 0.75);
- ``key``: one line of text that other files name exactly (case and spacing count: a near
  miss is refused, never matched);
- ``time``: a UTC time (``2024-03-01T08:00:00Z``; ``2024-03-01`` is midnight); ``date``: a
  day (``2024-03-01``, or a spreadsheet date); neither may lie after now;
- ``choice``: one of the listed words; ``text``: free text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Column", "FileKind", "KINDS", "HOLDINGS", "POSITIONS", "FUNDING", "PRICES",
           "CONTRACTS", "TIERS", "FUTURES_PRICES", "OPTION_CHAIN", "render"]


@dataclass(frozen=True)
class Column:
    """One column of an input file."""

    name: str
    kind: str = "number"  # number, ratio, key, time, date, choice, text
    unit: str = ""
    doc: str = ""
    aliases: tuple[str, ...] = ()
    required: bool = False
    rule: str = ""  # the allowed values, as a message says them: "> 0", "between 0 and 2"
    lo: float = -math.inf  # the range of a number (bounds included unless *_open)
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] = ()
    default: str = ""  # what a blank cell means

    def allows(self, x: float) -> bool:
        """Whether the number ``x`` is within this column's range (NaN never is)."""
        if math.isnan(x):
            return False
        above = x > self.lo if self.lo_open else x >= self.lo
        below = x < self.hi if self.hi_open else x <= self.hi
        return above and below

    def refusal(self, shown, unit: str | None = None) -> str:
        """The reason a value outside the range is refused, naming it (``unit``: the
        row's own, such as the settlement currency BTC, instead of the declared one)."""
        unit = self.unit if unit is None else unit
        said = f" ({unit})" if unit and unit not in self.rule else ""
        return f"{self.name} must be {self.rule}{said}, got {shown}"

    def check(self, x: float, shown=None, unit: str | None = None) -> str | None:
        """None when ``x`` is allowed (a blank, NaN, is the caller's to default), else the
        reason it is refused."""
        if math.isnan(x) or self.allows(x):
            return None
        return self.refusal(f"{x:g}" if shown is None else shown, unit)


@dataclass(frozen=True)
class FileKind:
    """One kind of input file."""

    name: str
    title: str
    doc: str
    columns: tuple[Column, ...]
    keys: str = ""  # what identifies a row; a key given twice is refused
    order: str = "any"
    sheet: str = ""  # the sheet of a workbook read for this kind, when it is visible
    flag: str = ""  # the command-line flag that takes it

    def __getitem__(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def aliases(self) -> dict[str, tuple[str, ...]]:
        """``{column: header names read as it}`` (matched without case, spaces, '_' or '-')."""
        return {c.name: (c.name,) + c.aliases for c in self.columns}

    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


POSITIVE = dict(rule="> 0", lo=0, lo_open=True)
USD_PER_COIN = "USD per coin"

HOLDINGS = FileKind(
    "holdings", "Holdings", "The coins a portfolio holds, one row per holding. In a book "
    "file (``hedgexl batch``), the portfolio column says whose each row is.",
    (Column("asset", "key", "", "the coin held (BTC, ETH, ...)", required=True,
            aliases=("coin", "symbol", "ticker", "name")),
     Column("quantity", "number", "coins", "how many coins; signed (a negative holding is "
            "short spot)", required=True,
            aliases=("qty", "amount", "units", "holding", "holdings", "balance", "position",
                     "size")),
     Column("price", "number", USD_PER_COIN, "the coin's price now", required=True,
            aliases=("spot", "spot price", "last", "close", "mark", "price usd"),
            **POSITIVE),
     Column("beta", "number", "", "how far the coin moves when the hedge's coin moves 1; "
            "outside 0 to 3 is read and warned about", aliases=("β",),
            default="estimated from --prices, else 1"),
     Column("hedge_ratio", "ratio", "", "the share of the holding to hedge",
            aliases=("hedge ratio", "ratio", "hedge", "hedge %", "hedge pct", "h"),
            rule="between 0 and 2 (0 % to 200 %)", lo=0, hi=2, default="--hedge-ratio (1)"),
     Column("target_weight", "ratio", "", "the coin's target share of the portfolio's "
            "value: the hedge shorts what is above it (a row gives hedge_ratio or "
            "target_weight, not both)", aliases=("target weight", "weight", "target %"),
            rule="between 0 and 1 (0 % to 100 %)", lo=0, hi=1, default="none"),
     Column("contract", "key", "", "the contract to hedge on, a preset key such as "
            "BINANCE:BTCUSD_PERP, or an inverse face value in USD",
            aliases=("contract key", "instrument", "hedge contract", "key"),
            default="the coin's own inverse contract, else BINANCE:BTCUSD_PERP (a "
                    "cross-hedge, said in the report)"),
     Column("portfolio", "key", "", "whose row it is (a book file; --portfolio picks one)",
            aliases=("fund", "client", "account", "book"))),
    keys="portfolio (a holdings file is one portfolio unless --portfolio picks one)",
    order="any", sheet="Holdings", flag="the HOLDINGS argument")

POSITIONS = FileKind(
    "positions", "Positions", "The futures a desk holds, one row per position; rows of one "
    "account and contract add up (entry prices averaged as the venue does).",
    (Column("account", "key", "", "the venue account (cross margin is per account)",
            required=True, aliases=("acct", "sub account", "subaccount", "venue account")),
     Column("contract", "key", "", "a preset key such as BINANCE:BTCUSD_PERP (its margin "
            "rules come from it)", required=True, aliases=("contract key", "instrument", "key")),
     Column("contracts", "number", "contracts", "signed: + long, − short; whole lots of the "
            "preset", required=True, aliases=("position", "size", "qty", "quantity", "lots"),
            rule="a signed number of contracts (+ long, - short), not blank or 0"),
     Column("entry_price", "number", USD_PER_COIN, "the average entry", required=True,
            aliases=("entry price", "entry", "avg entry", "average entry", "avg price",
                     "entry usd"), **POSITIVE),
     Column("margin", "number", "settlement currency", "isolated margin (the coin for an "
            "inverse contract, USDT for a linear one)",
            aliases=("isolated margin", "position margin"), rule=">= 0", lo=0),
     Column("wallet_balance", "number", "settlement currency", "the account's cross-margin "
            "wallet, on any row of the account (rows that repeat it must agree)",
            aliases=("wallet balance", "wallet", "cross balance", "balance"), rule=">= 0",
            lo=0),
     Column("leverage", "number", "", "with isolated margin left blank, the margin is "
            "value / leverage", aliases=("lev",), rule="> 0 and at most 1000", lo=0,
            lo_open=True, hi=1000),
     Column("mode", "choice", "", "isolated or cross", aliases=("margin mode", "margin type"),
            choices=("isolated", "cross"),
            default="isolated with margin, cross with wallet_balance"),
     Column("opened_at", "time", "UTC", "when the position was opened; funding accrues from "
            "it; not after the valuation date", aliases=("opened at", "opened", "open time",
                                                         "entry time")),
     Column("mark_price", "number", USD_PER_COIN, "the coin's price now, where no holding "
            "prices that coin", aliases=("mark price", "mark"), **POSITIVE),
     Column("portfolio", "key", "", "whose position it is; a report uses only its own "
            "portfolio's rows, named exactly", aliases=("fund", "book"))),
    keys="portfolio, account, contract (rows of one key add up); an account or portfolio "
         "spelt two ways is refused",
    order="any", sheet="Positions", flag="`--positions`")

FUNDING = FileKind(
    "funding", "Funding history", "Each funding of a perpetual: when, at which mark, at "
    "which rate. ``hedgexl fetch funding`` writes one.",
    (Column("time", "time", "UTC", "the funding's time", required=True,
            aliases=("time utc", "timestamp", "date", "datetime")),
     Column("contract", "key", "", "the preset key; a file without it is one series, for "
            "the portfolio's first contract", aliases=("symbol", "key")),
     Column("mark_price", "number", USD_PER_COIN, "the mark at the funding", required=True,
            aliases=("mark price", "mark", "close", "price"), **POSITIVE),
     Column("funding_rate", "ratio", "per interval", "positive: longs pay shorts; rows "
            "without a rate (spot rows) are skipped", required=True,
            aliases=("funding rate", "rate", "funding"),
            rule="a rate per interval (0.0001 is 0.01 %)", lo=-1, hi=1, lo_open=True,
            hi_open=True),
     Column("interval_hours", "number", "hours", "the hours between fundings",
            aliases=("interval hours", "funding interval", "interval", "funding hours"),
            rule="the hours between fundings (1, 4, 8)", lo=0, lo_open=True, hi=24,
            default="the contract's funding_hours")),
    keys="contract, time (a funding given twice is refused: it would count twice)",
    order="any: sorted by time when read; a gap longer than the interval, and a history "
          "that ends before the valuation date, are warned about with their dates",
    sheet="Funding", flag="`--funding`")

PRICES = FileKind(
    "prices", "Price history", "Daily closes: ``date,value`` for one asset (named by the "
    "file: BTC-USD.csv), or a wide ``date,BTC,ETH,...`` table. ``hedgexl fetch prices`` "
    "writes one.",
    (Column("date", "date", "", "the day", required=True),
     Column("<asset>", "number", USD_PER_COIN, "one column per asset (or ``value``)",
            **POSITIVE)),
    keys="date (a date given twice is refused); an asset in two files is refused",
    order="any: sorted by date when read", sheet="Prices", flag="`--prices`")

CONTRACTS = FileKind(
    "contracts", "Contract presets", "Your own presets, added to or replacing the bundled "
    "ones (hedgexl/data/contracts.csv has every column). ``hedgexl fetch contracts`` "
    "writes one.",
    (Column("key", "key", "", "VENUE:SYMBOL", required=True),
     Column("type", "choice", "", "inverse or linear", choices=("inverse", "linear"),
            default="inverse"),
     Column("face_usd", "number", "USD", "USD per contract (inverse)", **POSITIVE),
     Column("size_coin", "number", "coin", "coins per contract (linear)", **POSITIVE),
     Column("venue", "text"), Column("symbol", "text"),
     Column("coin", "key", "", "the coin the contract is on (BTC)"),
     Column("settle", "key", "", "the settlement currency (BTC, USDT)"),
     Column("lot", "number", "contracts", "the order step", **POSITIVE, default="1"),
     Column("tick", "number", USD_PER_COIN, "the price step"),
     Column("taker_fee", "number", "fraction", "0.0005 is 0.05 %"),
     Column("maker_fee", "number", "fraction", "negative is a rebate"),
     Column("maint_margin", "number", "fraction", "the base maintenance rate (the first "
            "tier)"),
     Column("funding_hours", "number", "hours", "hours between fundings"),
     Column("margin_model", "choice", "", "how the venue computes maintenance margin",
            default="liq_value"),
     Column("liq_round", "choice", "", "how the venue rounds a liquidation price",
            choices=("nearest", "toward_entry", "")),
     Column("expiry", "time", "UTC", "a dated future's settlement, such as "
            "2024-06-28T08:00:00Z; blank: a perpetual (dated keys of the bundled venues "
            "resolve by themselves)"),
     Column("like", "key", "", "the perpetual whose margin tiers a dated future shares")),
    keys="key (a key given twice is refused)", flag="`--contracts`")

TIERS = FileKind(
    "tiers", "Margin tiers", "The venues' maintenance-margin brackets, one row per tier of a "
    "contract, in increasing order of cap. ``hedgexl fetch contracts`` writes one.",
    (Column("contract", "key", "", "the preset key", required=True),
     Column("cap", "number", "cap_unit", "the tier's upper bound of the position; blank on "
            "the last row: no bound", **POSITIVE),
     Column("cap_unit", "choice", "", "coin (value in the settlement coin), quote (value "
            "in the quote currency) or contracts", required=True,
            choices=("coin", "quote", "contracts")),
     Column("max_leverage", "number"),
     Column("maint_rate", "number", "fraction", "the tier's maintenance rate; never falls "
            "from one tier to the next", required=True, rule="from 0 to under 1", lo=0, hi=1,
            hi_open=True),
     Column("maint_amount", "number", "settlement currency", "the venue's maintenance "
            "amount (0 where it has none)", required=True, rule=">= 0", lo=0),
     Column("source", "text", "", "where the tier comes from"),
     Column("charge", "choice", "", "how a position is charged: at its tier's rate (whole) or "
            "each tier's rate on the slice of the position inside it (slices, as Kraken "
            "does); one per contract", choices=("whole", "slices"), default="whole"),
     Column("maint_slope", "number", "fraction per cap_unit", "a rate added per unit of "
            "size, for a venue whose rate is a formula (Deribit: 0.00005 per BTC on a base "
            "maint_rate of 0.01); blank: 0", rule="from 0 to under 1", lo=0, hi=1,
            hi_open=True)),
    keys="contract, cap (caps strictly increasing)", order="increasing cap",
    flag="`--tiers`")

#: Every kind, in the order docs/inputs.md lists them.
FUTURES_PRICES = FileKind(
    "futures_prices", "Dated futures prices", "Prices of dated futures, to compare their "
    "basis with the perpetual's funding (``--futures-prices``): the latest price of each "
    "contract on or before the valuation date is used.",
    (Column("time", "time", "UTC", "when the price was seen", required=True,
            aliases=("time utc", "timestamp", "date", "datetime")),
     Column("contract", "key", "", "a dated future's key (DERIBIT:ETH-29MAR24, "
            "BINANCE:BTCUSD_240628 ...)", required=True, aliases=("symbol", "key")),
     Column("price", "number", USD_PER_COIN, "the future's price", required=True,
            aliases=("mark", "mark_price", "close", "last"), **POSITIVE)),
    keys="contract, time (a price given twice is refused)", order="any",
    sheet="Futures", flag="`--futures-prices`")

OPTION_CHAIN = FileKind(
    "option_chain", "Option chain", "A snapshot of a venue's coin-settled options (Deribit's "
    "BTC or ETH), one row per option, for ``hedgexl options --chain``: the kind, expiry and "
    "strike come from the instrument's name; the snapshot's time from ``time`` (or "
    "Deribit's ``creation_timestamp`` in ms, or ``T_years`` with the 08:00 UTC expiries). "
    "``hedgexl fetch options`` writes it; Deribit's ``get_book_summary_by_currency`` fields "
    "read as they are.",
    (Column("instrument", "key", "", "Deribit's name: BTC-27MAR26-100000-P (coin, expiry, "
            "strike, C or P)", required=True, aliases=("instrument_name", "symbol")),
     Column("mark_price", "number", "coin", "Deribit's mark: coin per option on one coin",
            required=True, aliases=("mark", "market_price_btc", "market_price_eth"),
            rule=">= 0", lo=0),
     Column("underlying_price", "number", USD_PER_COIN, "the expiry's future (or synthetic "
            "forward) F", required=True, aliases=("s0", "forward", "underlying"), **POSITIVE),
     Column("mark_iv", "number", "%", "Deribit's mark implied volatility, in percent "
            "(55.0); blank: backed out of the mark", aliases=("iv",), rule="> 0", lo=0,
            lo_open=True),
     Column("index_price", "number", USD_PER_COIN, "the coin's index; blank: the nearest "
            "expiry's future", aliases=("estimated_delivery_price", "index"), **POSITIVE),
     Column("time", "time", "UTC", "when the snapshot was taken",
            aliases=("time_utc", "timestamp")),
     Column("creation_timestamp", "number", "ms", "Deribit's snapshot time, ms since 1970 "
            "UTC (when there is no time column)"),
     Column("T_years", "number", "years", "years to expiry at the snapshot (when there is "
            "neither)", aliases=("t",), rule="> 0", lo=0, lo_open=True)),
    keys="instrument (an option given twice is refused)", order="any",
    flag="`--chain`")

KINDS = {k.name: k for k in (HOLDINGS, POSITIONS, FUNDING, PRICES, CONTRACTS, TIERS,
                             FUTURES_PRICES, OPTION_CHAIN)}


def render() -> str:
    """docs/inputs.md: every kind's columns, as declared here."""
    out = ["# Input files", "",
           "Generated from `hedgexl/inputs/schema.py` by `hedgexl docs --inputs`; do not edit.",
           "", "Every file is a CSV (any of `,` `;` tab `|` between columns, `.` or `,` as "
           "the decimal mark, read from the file or set with `--delimiter` and `--decimal`) "
           "or an .xlsx (the visible sheet named for the file's kind, else the only visible "
           "sheet). Header names are matched without case, spaces, `_` or `-`. A value "
           "hedgexl is unsure of is refused with one line naming the file, the row, the "
           "column and the value.", "",
           "Numbers: an optional sign, digits, one decimal mark, thousands in groups of "
           "three (`1,250.5`; `1.250,5` with `--decimal ,`), an exponent (`1e-4`). A `%` "
           "only in rates and ratios (`75%`). Refused: currency signs (`$250000`), "
           "parentheses (`(2.5)`), inner spaces (`2 5`), underscores (`2_5`).", "",
           "Workbooks: hidden rows and columns and formula cells in the table are read and "
           "warned about (`--strict-cells` refuses them); an error cell (`#N/A`) is refused; "
           "a hidden sheet is never read in place of a visible one.", ""]
    for k in KINDS.values():
        out += [f"## {k.title} ({k.flag})", "", k.doc.replace("``", "`"), "",
                "| column | also read as | kind | unit | allowed | blank means | what |",
                "|---|---|---|---|---|---|---|"]
        for c in k.columns:
            allowed = c.rule or (" or ".join(c.choices) if c.choices else "")
            out.append(f"| `{c.name}`{' (required)' if c.required else ''} | "
                       f"{', '.join(c.aliases)} | {c.kind} | {c.unit} | {allowed} | "
                       f"{c.default} | {c.doc.replace('``', '`')} |")
        out += ["", f"Keys: {k.keys or 'none'}. Row order: {k.order}."
                + (f" Sheet: `{k.sheet}`." if k.sheet else ""), ""]
    return "\n".join(out)
