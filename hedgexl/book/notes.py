"""What the book says about its inputs: the betas estimated from a price history, the
cross-hedges and where their betas come from, prices far from the history. Shown as the
report's notes, printed as warnings by ``hedgexl report``, ``batch`` and ``hedge``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import core
from ..inputs import Holdings
from .sizing import apply_target_weights

__all__ = ["estimate_betas", "input_notes", "prepare_holdings", "check_not_settled",
           "first_settled", "day_end"]


def prepare_holdings(h: Holdings, prices=None, long_overlays: bool = False):
    """The holdings as the book sizes them, and what to say about them: betas estimated
    from ``prices`` where the file gives none, target weights turned into hedge ratios,
    then the notes. Returns ``(holdings, notes, warnings)``; every warning is a note."""
    if prices is not None:
        h = estimate_betas(h, *prices)
    h, weights = apply_target_weights(h, long_overlays)
    h, stable = unhedged_stablecoins(h)
    notes, warnings = input_notes(h, prices)
    return h, weights + stable + notes, warnings


def unhedged_stablecoins(h: Holdings) -> tuple[Holdings, list[str]]:
    """Dollar stablecoins held are counted in the portfolio's value and never hedged (a
    short of a coin against dollars would be a position, not a hedge): hedge ratio 0, one
    note per stablecoin."""
    stable = [i for i, a in enumerate(h.asset) if core.is_stable(a) and h.hedge_ratio[i] != 0]
    if not stable:
        return h, []
    ratio = h.hedge_ratio.astype(float).copy()
    ratio[stable] = 0.0
    given = np.ones(len(h), bool) if h.hedge_ratio_given is None else h.hedge_ratio_given.copy()
    given[stable] = True
    names = list(dict.fromkeys(h.asset[i].upper() for i in stable))
    return replace(h, hedge_ratio=ratio, hedge_ratio_given=given), [
        f"{a} is a dollar stablecoin: counted in the portfolio's value, not hedged"
        for a in names]


def estimate_betas(h: Holdings, dates, prices) -> Holdings:
    """Fill the betas the holdings file left blank from the price history: each asset's
    beta to the coin of its hedge contract. ``beta_source`` says, for each holding, whether
    the beta was given, estimated (and from which window) or left at the default 1."""
    beta = h.beta.copy()
    given = h.beta_given if h.beta_given is not None else np.ones(len(h), bool)
    source = _beta_sources(h)
    upper = {k.upper(): v for k, v in prices.items()}
    cache = {}
    for i in range(len(h)):
        if given[i]:
            continue
        bench = (core.get_contract(h.contract[i]).coin or "BTC").upper()
        key = (h.asset[i].upper(), bench)
        if key not in cache:
            cache[key] = _estimate(upper.get(key[0]), upper.get(bench), bench, dates)
        if cache[key] is not None:
            beta[i], source[i] = cache[key]
    return replace(h, beta=beta, beta_source=source)


def _beta_sources(h: Holdings) -> list[str]:
    """Where each beta came from before any estimate: given in the file, or the default."""
    given = h.beta_given if h.beta_given is not None else np.ones(len(h), bool)
    return ["given" if g else "default 1 (no beta given, none estimated)" for g in given]


def _estimate(a, b, bench, dates):
    if a is None or b is None or a is b:
        return None
    try:
        value = core.beta(a, b)
    except ValueError:
        return None
    both = np.flatnonzero(np.isfinite(a) & np.isfinite(b))
    return value, (f"estimated against {bench} from daily prices {dates[both[0]]} to "
                   f"{dates[both[-1]]} ({both.size - 1} returns)")


def input_notes(h: Holdings, prices) -> tuple[list[str], list[str]]:
    """What the report must say about its inputs: cross-hedges and their betas, estimated
    betas, and prices far from the price history. Returns ``(notes, warnings)``: every
    warning is also a note; warnings are printed as well."""
    notes, warnings = [], list(h.warnings)
    _cross_hedges(h, notes, warnings)
    if prices is not None:
        warnings += _far_from_history(h, prices)
    warnings = _cap(warnings)
    return warnings + _cap(notes), warnings


def _cap(lines, most=25):
    """At most ``most`` lines; the rest counted in a last one."""
    if len(lines) <= most:
        return lines
    return lines[:most - 1] + [f"... and {len(lines) - most + 1} more like these"]


def _rows_text(rows) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
    return "rows " + ", ".join(map(str, rows[:3])) + more


def _cross_hedges(h: Holdings, notes: list, warnings: list) -> None:
    """One line per cross-hedged asset, contract and beta: a warning where the contract or
    the beta is hedgexl's default, else a note."""
    source = h.beta_source or _beta_sources(h)
    given_c = h.contract_given if h.contract_given is not None else np.ones(len(h), bool)
    groups: dict[tuple, list[int]] = {}
    for i in range(len(h)):
        coin = (core.get_contract(h.contract[i]).coin or "").upper()
        if coin != h.asset[i].upper():
            key = (h.asset[i], h.contract[i], coin, round(float(h.beta[i]), 6), source[i],
                   bool(given_c[i]))
            groups.setdefault(key, []).append(h.rows[i] if h.rows else i + 2)
    for (asset, contract, coin, beta, src, cgiven), rows in groups.items():
        how = "" if cgiven else f" (no contract given and hedgexl has no {asset} inverse " \
                                f"contract)"
        line = (f"{asset} ({_rows_text(rows)}) is cross-hedged on {contract} "
                f"({coin or 'USD face'}){how} at beta {beta:.4g}, {src}")
        (warnings if not cgiven or src.startswith("default") else notes).append(line)


def _far_from_history(h: Holdings, prices) -> list[str]:
    """A warning for each holding priced outside half to twice its last price in the
    price history (a wrong price, or the file's decimal mark misread)."""
    dates, cols = prices
    warnings = []
    last = {}
    for name, v in cols.items():
        ok = np.flatnonzero(np.isfinite(v))
        if ok.size:
            last[name.upper()] = (float(v[ok[-1]]), dates[ok[-1]])
    for i in range(len(h)):
        ref = last.get(h.asset[i].upper())
        if ref is None:
            continue
        ratio = float(h.price[i]) / ref[0]
        if not 0.5 <= ratio <= 2:
            row = h.rows[i] if h.rows else i + 2
            warnings.append(f"row {row}: {h.asset[i]} price {h.price[i]:,.2f} USD is "
                            f"{ratio:.3g}x its last price in the price history "
                            f"({ref[0]:,.2f} on {ref[1]}); check the price and the "
                            f"file's decimal mark")
    return warnings


def day_end(valuation):
    """The last second of the valuation date (UTC): what counts as held or paid by then."""
    import datetime as dt
    return dt.datetime.combine(valuation, dt.time(23, 59, 59))


def first_settled(contracts, end):
    """``(index, settlement)`` of the first dated future in ``contracts`` that settled by
    ``end``; None when none has."""
    for i, k in enumerate(contracts):
        expiry = core.expiry_of(k)
        if expiry is not None and expiry <= end:
            return i, expiry
    return None


def check_not_settled(h: Holdings, valuation) -> None:
    """Refuse a holding hedged on a dated future that has settled by the end of the
    valuation date: there is nothing left to trade in it."""
    from ..inputs import InputError
    found = first_settled(h.contract, day_end(valuation))
    if found is not None:
        i, expiry = found
        raise InputError(h.source, f"{h.asset[i]} is hedged on {h.contract[i]}, which "
                                   f"settled on {expiry:%Y-%m-%d %H:%M} UTC, by the "
                                   f"valuation date {valuation}: name a contract still "
                                   f"trading", h.rows[i] if h.rows else None)
