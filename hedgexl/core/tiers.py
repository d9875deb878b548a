"""Maintenance margin tiers: the venues' bracket tables, as editable data.

The bundled tables live in ``hedgexl/data/margin_tiers.csv`` (sources in that folder's
README). One row per tier of a contract, in increasing order of ``cap``:

- ``cap``: the tier's upper bound of the position's size, in ``cap_unit``: ``coin`` (the
  position's value in its settlement coin, inverse), ``quote`` (its value in the quote
  currency, linear) or ``contracts``; blank on the last row means no bound;
- ``max_leverage``; ``maint_rate`` (a fraction); ``maint_amount`` (in the settlement
  currency; Binance's "maintenance amount", 0 where the venue has none);
- ``maint_slope`` (optional): a rate added per unit of size, for a venue whose
  maintenance rate is a formula rather than a table (Deribit: 1 % + 0.005 % per BTC of
  position is one row with ``maint_rate`` 0.01 and ``maint_slope`` 0.00005);
- ``charge`` (optional): ``whole`` (the position at its tier's rate) or ``slices`` (each
  tier's rate on the slice of the position inside it, as Kraken charges).

A contract without a table has one tier: its preset's ``maint_margin``, with no bound and
no maintenance amount (:func:`tiers_of` says which).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from .contracts import get_contract, read_data_file, records
from .numbers import parse_number

__all__ = ["Tiers", "TierError", "tiers_of", "load_tiers", "reset_tiers", "CAP_UNITS"]

CAP_UNITS = ("coin", "quote", "contracts")
#: How a table charges a position: at its tier's rate, or tier by tier (see Tiers.rate).
CHARGES = ("whole", "slices")


class TierError(ValueError):
    """A position larger than its contract's largest tier: refused, not priced at a rate
    the table does not have."""


@dataclass(frozen=True)
class Tiers:
    """One contract's tiers: arrays in increasing order of ``cap`` (inf = no bound)."""

    key: str
    cap: np.ndarray
    cap_unit: str
    max_leverage: np.ndarray
    maint_rate: np.ndarray
    maint_amount: np.ndarray
    source: str  # a label of the data README's sources; "preset" for a flat rate
    charge: str = "whole"  # "whole": the position at its tier's rate; "slices": each tier's
    #                        rate on the slice of the position inside it (Kraken)
    slope: np.ndarray | None = None  # rate added per unit of size in cap_unit (Deribit)

    @property
    def slopes(self) -> np.ndarray:
        """Each tier's slope (zeros where the table has none)."""
        return np.zeros(len(self.cap)) if self.slope is None else self.slope

    def rate(self, size) -> np.ndarray:
        """The maintenance rate of positions of ``size`` (in ``cap_unit``, inside the
        table): their tier's rate, or, charged by slices, the rates of the slices in each
        tier averaged over the size: Σ m_j·slice_j / size.

        >>> t = Tiers("X", np.array([500_000, 1_000_000]), "contracts", np.array([50, 25]),
        ...           np.array([0.01, 0.02]), np.zeros(2), "x", "slices")
        >>> float(t.rate(1_000_000)), float(t.rate(400_000))
        (0.015, 0.01)
        """
        s = np.asarray(size, dtype=float)
        if self.charge != "slices":
            i = np.minimum(self.index(s), len(self.cap) - 1)
            return self.maint_rate[i] + self.slopes[i] * s
        lo = np.concatenate(([0.0], self.cap[:-1]))
        inside = np.clip(s[..., None] - lo, 0.0, self.cap - lo)  # each tier's slice
        with np.errstate(invalid="ignore", divide="ignore"):
            avg = (inside * self.maint_rate).sum(axis=-1) / s
        return np.where(s > 0, avg, self.maint_rate[0])

    def index(self, size) -> np.ndarray:
        """The tier of each position size (in ``cap_unit``); ``len(cap)`` beyond the last
        bound. A size at a cap is in the tier that ends there."""
        return np.searchsorted(self.cap, np.asarray(size, dtype=float), side="left")

    @property
    def bound(self) -> float:
        """The largest size the table covers (inf when the last tier has no bound)."""
        return float(self.cap[-1])


def _num(text, what: str) -> float:
    return parse_number(text if text != "" else None, what=what, percent=False)


def _parse(text: str, source: str) -> dict[str, Tiers]:
    """The tables of a tiers file, one per contract, each row and each table checked."""
    rows: dict[str, list] = {}
    reader, found = records(text, source)
    need = {"contract", "cap", "cap_unit", "maint_rate", "maint_amount"}
    have = {(f or "").strip().lower() for f in reader.fieldnames or []}
    if not need <= have:
        raise ValueError(f"{source}: a tiers file needs the columns {', '.join(sorted(need))}"
                         f"; missing {', '.join(sorted(need - have))}")
    for lineno, raw in enumerate(found, start=2):
        r = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if r.get("contract"):
            rows.setdefault(r["contract"].upper(), []).append(
                _tier_row(r, f"{source} row {lineno}"))
    return {key: _table(key, tiers, source) for key, tiers in rows.items()}


def _tier_row(r: dict, where: str) -> tuple:
    """One row: (cap, cap unit, max leverage, rate, amount, source, where, charge, slope)."""
    try:  # the one number grammar: no 1_0, inf or nan in a tier
        cap = _num(r["cap"], "cap") if r["cap"] else np.inf
        lev = _num(r.get("max_leverage"), "max_leverage")
        rate, amount = _num(r["maint_rate"], "maint_rate"), _num(r["maint_amount"] or 0,
                                                                 "maint_amount")
        slope = _num(r.get("maint_slope") or 0, "maint_slope")
    except ValueError as e:
        raise ValueError(f"{where}: {e} (cap, max_leverage, maint_rate, maint_amount and "
                         f"maint_slope are numbers)") from None
    if np.isnan(rate):
        raise ValueError(f"{where}: maint_rate is blank")
    charge = (r.get("charge") or "whole").lower()
    if charge not in CHARGES:
        raise ValueError(f"{where}: charge must be one of {', '.join(CHARGES)} (or "
                         f"blank: whole), got {r.get('charge')!r}")
    if r["cap_unit"].lower() not in CAP_UNITS:
        raise ValueError(f"{where}: cap_unit must be one of {', '.join(CAP_UNITS)}, got "
                         f"{r['cap_unit']!r}")
    if not (cap > 0) or not (0 <= rate < 1) or amount < 0 or not (0 <= slope < 1):
        raise ValueError(f"{where}: need cap > 0, 0 <= maint_rate < 1, maint_amount >= 0, "
                         f"0 <= maint_slope < 1")
    return (cap, r["cap_unit"].lower(), lev, rate, amount, r.get("source", ""), where,
            charge, slope)


def _table(key: str, tiers: list, source: str) -> Tiers:
    """One contract's rows as its table: caps increasing, one cap unit, one charge, rates
    that do not fall; slices without amounts or slopes."""
    caps, rates = [t[0] for t in tiers], [t[3] for t in tiers]
    _check_table(key, tiers, caps, rates)
    slopes = [t[8] for t in tiers]
    return Tiers(key, np.array(caps), tiers[0][1], np.array([t[2] for t in tiers]),
                 np.array(rates), np.array([t[4] for t in tiers]), tiers[0][5] or source,
                 tiers[0][7], np.array(slopes) if any(slopes) else None)


def _check_table(key: str, tiers: list, caps: list, rates: list) -> None:
    first = tiers[0][6]
    if caps != sorted(caps) or len(set(caps)) != len(caps):
        raise ValueError(f"{first}: the tiers of {key} must be in increasing order of cap")
    if len({t[1] for t in tiers}) > 1:
        raise ValueError(f"{first}: the tiers of {key} mix cap units")
    if len({t[7] for t in tiers}) > 1:
        raise ValueError(f"{first}: the tiers of {key} mix charges")
    if tiers[0][7] == "slices" and any(t[4] or t[8] for t in tiers):
        raise ValueError(f"{first}: tiers charged by slices have no maintenance amount and "
                         f"no slope")
    if rates != sorted(rates):
        raise ValueError(f"{first}: the maintenance rates of {key} must not fall from one "
                         f"tier to the next")


def _bundled() -> dict[str, Tiers]:
    package = __name__.split(".")[0]
    text = resources.files(package).joinpath("data/margin_tiers.csv").read_text("utf-8")
    return _parse(text, "margin_tiers.csv")


_TIERS: dict[str, Tiers] = _bundled()


def load_tiers(path) -> list[str]:
    """Add or replace the tier tables of the contracts in a CSV file of the bundled
    file's columns. Returns the contract keys read."""
    tables = _parse(*read_data_file(path, "tiers file"))
    _TIERS.update(tables)
    return list(tables)


def reset_tiers() -> None:
    """Back to the bundled tables."""
    _TIERS.clear()
    _TIERS.update(_bundled())


def tiers_of(contract) -> Tiers:
    """The tiers of a contract (a preset key, a face value or a ContractSpec).

    >>> t = tiers_of("BINANCE:BTCUSD_PERP")
    >>> float(t.maint_rate[t.index(300)]), float(t.maint_amount[t.index(300)])
    (0.125, 11.605)
    >>> tiers_of(100).source, float(tiers_of(100).maint_rate[0])
    ('preset', 0.0)
    """
    spec = get_contract(contract)
    found = _TIERS.get(spec.key) or (_TIERS.get(spec.like) if spec.like else None)
    if found is not None:  # a dated future has its perpetual's tiers
        return found
    rate = spec.maint_margin if np.isfinite(spec.maint_margin) else 0.0
    unit = "quote" if spec.linear else "coin"
    return Tiers(spec.key, np.array([np.inf]), unit, np.array([np.nan]), np.array([rate]),
                 np.array([0.0]), "preset")
