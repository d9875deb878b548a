"""Number formats and cell styles of hedgexl's workbooks: a table, not an if-ladder."""

from __future__ import annotations

USD = '#,##0.00;[Red]-#,##0.00'
#: A cost in USD: a negative cost is a gain, so it is not red.
COST_USD = '#,##0.00;-#,##0.00'
COIN = '0.00000000;[Red]-0.00000000'
PCT = '0.00%'
CONTRACTS = '#,##0.###;[Red]-#,##0.###'
PRICE = '#,##0.00'
RATE = '0.000000%'
DATE = 'yyyy-mm-dd'
DATETIME = 'yyyy-mm-dd hh:mm'
WHOLE = '0'  # a count
DEC2 = '0.00'  # a beta as typed; funding on a chart's axis
DEC3 = '0.000'  # a beta, an R², an effectiveness
WHOLE_PCT = '0%'  # a price move; a share on a chart
SHOCK = '+0%;-0%;0%'  # a price move, signed
USD_WHOLE = '#,##0'  # USD on a chart's axis or label
QTY = '#,##0.########'  # a quantity of coin, to the satoshi
FEE_RATE = '0.000%'  # a fee rate
COIN8 = '0.00000000'  # coin to 8 decimals, never red (a fee, a premium)
COIN4 = '#,##0.0000'  # coin to 4 decimals
COIN4_SIGNED = '#,##0.0000;[Red]-#,##0.0000'  # a coin exposure, + long
AMOUNT4 = '0.0000;[Red]-0.0000'  # a position's margin amount
FACE_USD = '#,##0.##'  # a contract's face value
SIZE = '0.########'  # a contract's size, lot or tick

BASE = {"font_name": "Calibri", "font_size": 10}

#: Cell kinds and their look. "input" cells are the ones a user may edit.
STYLES = {
    "input": {"bg_color": "#FFF2CC", "font_color": "#1F3B73", "border": 1,
              "border_color": "#D9C27A"},
    "calc": {"font_color": "#000000"},
    "head": {"bold": True, "bg_color": "#1F3B73", "font_color": "#FFFFFF",
             "text_wrap": True, "valign": "top"},
    "title": {"bold": True, "font_size": 16, "font_color": "#1F3B73"},
    "label": {"bold": True},
    "note": {"italic": True, "font_color": "#595959", "text_wrap": False},
    "warn": {"bold": True, "font_color": "#C0392B"},
}

#: Chart colours, by series meaning.
COLORS = {"spot": "#1F3B73", "hedge": "#E6A117", "funding": "#1E8449", "loss": "#C0392B",
          "net": "#595959", "mark": "#1F3B73", "liq": "#C0392B", "grid": "#D9D9D9"}


def chart_axis(name, num_format, **more) -> dict:
    """A chart axis as hedgexl's charts show them: named, numbers in ``num_format``."""
    return {"name": name, "num_format": num_format, "num_font": {"size": 9}, **more}


def grid_lines() -> dict:
    """Light major gridlines."""
    return {"visible": True, "line": {"color": COLORS["grid"]}}


class Style(tuple):
    """A cell's look as plain data, ``(kind, num_format, extras)``: what a sheet model
    holds; the writer turns each into one xlsxwriter format (:func:`props`)."""
    __slots__ = ()


class Styles:
    """``f(kind, num_format, **extra)``: the :class:`Style` of a cell, one per distinct look
    (the same object each time); ``f.raw(props)``: a look given as xlsxwriter format
    properties (a user's template's). ``order`` lists them as first asked for."""

    def __init__(self):
        self._cache = {}
        self.order: list[Style] = []

    def __call__(self, kind="calc", num=None, **extra) -> Style:
        if kind not in STYLES:
            raise KeyError(f"no cell style {kind!r}")
        return self._one((kind, num, tuple(sorted(extra.items()))))

    def raw(self, properties: dict) -> Style:
        return self._one(("raw", None, tuple(sorted(properties.items()))))

    def _one(self, key: tuple) -> Style:
        if key not in self._cache:
            self._cache[key] = Style(key)
            self.order.append(self._cache[key])
        return self._cache[key]


def props(style: Style) -> dict:
    """The xlsxwriter format properties of ``style``."""
    kind, num, extra = style
    if kind == "raw":
        return dict(extra)
    out = {**BASE, **STYLES[kind]}
    if num:
        out["num_format"] = num
    out.update(extra)
    return out
