"""Reading a positions file: the futures a desk already holds, one row per position.

Columns (aliases as for holdings; header names are matched without case, spaces or
underscores):

- ``account``: where the position sits (one venue account; cross margin is per account);
- ``contract``: a preset key (``BINANCE:BTCUSD_PERP``): the venue's margin rules come from it;
- ``contracts``: signed, + long / − short, in contracts (whole lots of the preset);
- ``entry_price``: USD per coin;
- ``margin``: isolated margin, in the settlement currency (coin for inverse, USDT for linear);
  or ``wallet_balance``: the account's cross-margin wallet in that currency, on any row of
  the account (rows that repeat it must agree);
- ``leverage`` (optional): with isolated margin left blank, the margin is value / leverage;
- ``mode`` (optional): ``isolated`` or ``cross``; default isolated when ``margin`` is given,
  cross when ``wallet_balance`` is;
- ``opened_at`` (optional): when the position was opened, UTC (``2024-03-01T00:00Z``);
  funding is accrued from it;
- ``mark_price`` (optional): the coin's price now, where no holding prices that coin;
- ``portfolio`` (optional): which portfolio of a batch the position belongs to.

Within one account, positions in the same contract add up (entry prices averaged as the
venue does: harmonically for inverse contracts).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..core.contracts import get_contract
from ..core.pnl import avg_entry
from .schema import POSITIONS
from .tables import (InputError, check_spellings, gc_paused, key_text, listed, map_header,
                     near_miss, read_table, unread_columns)

__all__ = ["Positions", "read_positions", "own_positions", "POSITION_ALIASES", "parse_time"]

#: Header names read as each positions column (:data:`hedgexl.inputs.schema.POSITIONS`).
POSITION_ALIASES = POSITIONS.aliases()
REQUIRED = POSITIONS.required()
MODES = POSITIONS["mode"].choices


@dataclass
class Positions:
    """Futures positions as columns, one per account and contract (netted)."""

    account: list[str]
    contract: list[str]  # preset keys
    contracts: np.ndarray  # signed
    entry_price: np.ndarray
    margin: np.ndarray  # isolated margin, settlement currency; NaN for cross
    mode: list[str]
    leverage: np.ndarray  # NaN where not given
    opened_at: list[dt.datetime | None]  # naive UTC
    rows: list[list[int]]  # the file rows each position adds up
    wallet: dict = field(default_factory=dict)  # (account, settle) -> cross balance
    marks: dict = field(default_factory=dict)  # coin -> mark price given in the file
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __len__(self):
        return len(self.account)


def no_positions(source: str = "") -> Positions:
    """Nothing held yet (a first hedge): the trades are the whole target."""
    empty = np.zeros(0)
    return Positions([], [], empty, empty, empty, [], empty, [], [], source=source)


def parse_time(value) -> dt.datetime | None:
    """A UTC time from a cell: a datetime, an ISO text (``2024-03-01``, ``2024-03-01T08:00Z``,
    ``2024-03-01 08:00:00+00:00``); None when blank; ValueError otherwise."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        v = value
    elif isinstance(value, dt.date):
        v = dt.datetime.combine(value, dt.time())
    else:
        s = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
        v = dt.datetime.fromisoformat(s)
    if v.tzinfo is not None:
        v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return v


@gc_paused
def read_positions(path, *, decimal=None, delimiter=None, split_portfolios=False,
                   strict_cells=False):
    """Read a positions file (see the module docstring). Every problem is one InputError
    naming the file, the row and the column. Two spellings of one account or portfolio
    (``Binance-1``, ``binance-1``) are refused: the venue has one account.

    With ``split_portfolios``: ``{portfolio: Positions}`` from the portfolio column; with
    ``"auto"``, that when the file has a portfolio column, else one Positions (pick a
    portfolio's own with :func:`own_positions`).
    """
    p = Path(path)
    table = read_table(p, decimal=decimal, delimiter=delimiter, kind="positions",
                       strict_cells=strict_cells)
    cols = map_header(table.rows[0], p, POSITION_ALIASES, REQUIRED)
    unread_columns(table, cols, "positions")
    if split_portfolios == "auto":
        split_portfolios = "portfolio" in cols
    if split_portfolios and "portfolio" not in cols:
        raise InputError(p, "missing column portfolio: in a batch each position names the "
                            "portfolio it belongs to", 1)
    if "margin" not in cols and "wallet_balance" not in cols and "leverage" not in cols:
        raise InputError(p, "missing column margin (isolated) or wallet_balance (cross)", 1)
    groups = _grouped(table, cols, split_portfolios)
    if not groups:
        raise InputError(p, "no position rows under the header")
    built = {name: _net(recs, p) for name, recs in groups.items()}
    for pos in built.values():
        pos.notes[:0] = table.warnings
    return built if split_portfolios else built[p.stem]


def _grouped(table, cols, split_portfolios) -> dict[str, list]:
    """Each row read, under its portfolio (or the file's name); two spellings of one
    account or portfolio refused."""
    p = table.path
    groups: dict[str, list] = {}
    spellings: dict[str, list] = {"account": [], "portfolio": []}
    for rowno, row in enumerate(table.rows[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue

        def cell(name):
            i = cols.get(name)
            return row[i] if i is not None and i < len(row) else None

        rec = _row(table, cell, rowno)
        name = key_text(p, cell("portfolio"), "portfolio", rowno) if split_portfolios \
            else p.stem
        if split_portfolios and not name:
            raise InputError(p, "portfolio is blank", rowno)
        spellings["account"].append((rec["account"], rowno))
        if split_portfolios:
            spellings["portfolio"].append((name, rowno))
        groups.setdefault(name, []).append(rec)
    for what, seen in spellings.items():
        check_spellings(p, seen, what)
    return groups


def own_positions(positions, name: str, how: str):
    """A portfolio's own positions: ``positions`` itself when the file has no portfolio
    column, else the rows whose portfolio is exactly ``name`` (``how`` says where that name
    came from, for the refusal). A near miss (case, spacing) or no match is refused: using
    another fund's positions, or none, would size this fund's hedge wrong."""
    if positions is None or isinstance(positions, Positions):
        return positions
    if name in positions:
        mine = positions[name]
        others = [k for k in positions if k != name]
        if not others:
            return mine
        left = sum(len(rs) for k in others for rs in positions[k].rows)
        said = (f"{Path(mine.source).name}: the positions of portfolio {name!r} ({how}) "
                f"are this one's; {left} row(s) of {len(others)} other portfolio(s) ("
                f"{listed(others, most=3)}) are left out")
        return replace(mine, notes=[said] + list(mine.notes))
    source = next(iter(positions.values())).source
    near = near_miss(name, positions)
    hint = (f"{near!r} differs from it only in case or spacing; write it exactly so"
            if near is not None else "choose one with --portfolio NAME")
    raise InputError(source, f"no positions of portfolio {name!r} ({how}); the file's "
                             f"portfolio column has {listed(positions)}; {hint}")


def _row(table, cell, rowno) -> dict:
    """One position: its account and preset, its numbers checked, its margin mode and the
    isolated margin (derived from the leverage when only that is given)."""
    p = table.path
    account = key_text(p, cell("account"), "account", rowno)
    if not account:
        raise InputError(p, "account is blank", rowno)
    spec = _preset(p, key_text(p, cell("contract"), "contract", rowno), rowno)
    v = {n: table.number(cell(n), n, rowno) for n in
         ("contracts", "entry_price", "margin", "wallet_balance", "leverage", "mark_price")}
    q = _whole_lots(p, v["contracts"], spec, rowno)
    if math.isnan(v["entry_price"]):
        raise InputError(p, "entry_price is blank", rowno)
    for n in ("entry_price", "margin", "wallet_balance", "leverage", "mark_price"):
        table.check(POSITIONS[n], v[n], rowno,
                    unit=spec.settle if n in ("margin", "wallet_balance") else None)
    mode = _mode(p, cell("mode"), v, rowno)
    margin = _isolated_margin(p, v, q, spec, rowno) if mode == "isolated" else math.nan
    try:
        opened = parse_time(cell("opened_at"))
    except ValueError:
        raise InputError(p, f"opened_at must be a UTC time such as 2024-03-01T08:00Z, got "
                            f"{str(cell('opened_at'))[:40]!r}", rowno) from None
    return {"account": account, "contract": spec.key, "contracts": q,
            "entry": v["entry_price"], "margin": margin,
            "wallet": v["wallet_balance"], "leverage": v["leverage"], "mode": mode,
            "opened": opened, "mark": v["mark_price"], "coin": spec.coin, "row": rowno,
            "settle": spec.settle, "derived_margin": mode == "isolated"
            and math.isnan(v["margin"])}


def _preset(p, key, rowno):
    """The position's contract preset (a face value has no venue rules: refused)."""
    try:
        spec = get_contract(key)
    except ValueError as e:
        raise InputError(p, f"contract: {e}", rowno) from None
    if spec.face_only:
        raise InputError(p, f"contract must be a preset key such as BINANCE:BTCUSD_PERP (the "
                            f"venue's margin rules come from it), got {key!r}", rowno)
    return spec


def _whole_lots(p, q, spec, rowno) -> float:
    """The signed contracts, in whole lots of the preset (a size in coin or USD refused)."""
    if math.isnan(q) or q == 0 or not math.isfinite(q):
        raise InputError(p, "contracts must be a signed number of contracts (+ long, "
                            "- short), not blank or 0", rowno)
    lots = q / spec.lot
    if abs(lots - round(lots)) > 1e-6 * max(1.0, abs(lots)):
        unit = f"{spec.face_usd:g} USD" if not spec.linear else f"{spec.size_coin:g} {spec.coin}"
        raise InputError(p, f"contracts must be whole lots of {spec.lot:g} for {spec.key} (a "
                            f"contract is {unit}), got {q:g}; is it a size in "
                            f"{spec.coin} or USD?", rowno)
    return q


def _mode(p, text, v, rowno) -> str:
    """isolated or cross: as given, else isolated with a margin or leverage, cross with a
    wallet balance."""
    mode = str(text or "").strip().lower()
    has_margin = not math.isnan(v["margin"]) or not math.isnan(v["leverage"])
    if not mode:
        mode = "isolated" if has_margin else "cross" if not math.isnan(v["wallet_balance"]) \
            else ""
    if mode not in MODES:
        raise InputError(p, "mode must be isolated or cross" if mode else
                         "give margin (isolated) or wallet_balance (cross)", rowno)
    return mode


def _isolated_margin(p, v, q, spec, rowno) -> float:
    """An isolated position's margin: as given, else its value at entry over its leverage."""
    if not math.isnan(v["margin"]):
        return v["margin"]
    if math.isnan(v["leverage"]):
        raise InputError(p, "an isolated position needs its margin (or leverage)", rowno)
    value = abs(q) * spec.multiplier
    return (value * v["entry_price"] if spec.linear else value / v["entry_price"]) \
        / v["leverage"]


def _net(recs: list[dict], p: Path) -> Positions:
    """One position per account and contract; one wallet per account and currency."""
    wallet, marks, notes = _wallets_and_marks(recs, p)
    by: dict[tuple, list[dict]] = {}
    for r in recs:
        by.setdefault((r["account"], r["contract"]), []).append(r)
    out = {k: [] for k in ("account", "contract", "contracts", "entry", "margin", "mode",
                           "leverage", "opened", "rows")}
    for (account, key), rs in by.items():
        one = _netted(account, key, rs, p, notes)
        if one is not None:
            for k, v in one.items():
                out[k].append(v)
    return Positions(out["account"], out["contract"], np.array(out["contracts"], float),
                     np.array(out["entry"], float), np.array(out["margin"], float),
                     out["mode"], np.array(out["leverage"], float), out["opened"],
                     out["rows"], {k: v[0] for k, v in wallet.items()}, marks, str(p), notes)


def _wallets_and_marks(recs, p):
    """Each account's wallet per currency (given once, or the same each time), the marks
    given per coin, and the notes on derived isolated margins; a cross position without
    its wallet is refused."""
    wallet: dict = {}
    marks: dict = {}
    notes: list[str] = []
    for r in recs:
        if not math.isnan(r["wallet"]):
            k = (r["account"], r["settle"])
            if k in wallet and not math.isclose(wallet[k][0], r["wallet"], rel_tol=1e-12):
                raise InputError(p, f"wallet_balance of {r['account']} in {r['settle']} is "
                                    f"{wallet[k][0]:g} on row {wallet[k][1]} and "
                                    f"{r['wallet']:g} here; give it once", r["row"])
            wallet.setdefault(k, (r["wallet"], r["row"]))
        if not math.isnan(r["mark"]):
            marks.setdefault(r["coin"].upper(), r["mark"])
        if r["derived_margin"]:
            notes.append(f"{p.name} row {r['row']}: isolated margin of {r['account']} "
                         f"{r['contract']} taken as value at entry / leverage "
                         f"{r['leverage']:g}")
    for r in recs:
        if r["mode"] == "cross" and (r["account"], r["settle"]) not in wallet:
            raise InputError(p, f"{r['account']} holds {r['contract']} on cross margin but "
                                f"no row gives its wallet_balance in {r['settle']}", r["row"])
    return wallet, marks, notes


def _netted(account, key, rs, p, notes) -> dict | None:
    """The rows of one account and contract as one position (None, and a note, when they
    net to 0): contracts summed, the average entry, isolated margins added."""
    modes = {r["mode"] for r in rs}
    if len(modes) > 1:
        raise InputError(p, f"{account} holds {key} both isolated and cross; one mode per "
                            f"account and contract", rs[-1]["row"])
    q = np.array([r["contracts"] for r in rs])
    total = float(q.sum())
    if total == 0:
        notes.append(f"{p.name}: {account} {key} nets to 0 contracts (rows "
                     f"{', '.join(str(r['row']) for r in rs)}); left out")
        return None
    entry = rs[0]["entry"] if len(rs) == 1 else float(
        avg_entry(q, [r["entry"] for r in rs], key))
    return {"account": account, "contract": key, "contracts": total, "entry": entry,
            "margin": float(np.nansum([r["margin"] for r in rs]))
            if modes == {"isolated"} else math.nan, "mode": modes.pop(), **_first_given(rs),
            "rows": [r["row"] for r in rs]}


def _first_given(rs) -> dict:
    """The leverage the rows give first, and the earliest opening time."""
    levs = [r["leverage"] for r in rs if not math.isnan(r["leverage"])]
    times = [r["opened"] for r in rs if r["opened"] is not None]
    return {"leverage": levs[0] if levs else math.nan,
            "opened": min(times) if times else None}
