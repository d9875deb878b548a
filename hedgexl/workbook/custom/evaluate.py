"""Computing the user's formulas on a finished report, with pycel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging

from ..recalc import compiler

if TYPE_CHECKING:  # the model imports this module
    from .model import Customisation


def evaluate(path, custom: Customisation) -> tuple[dict, list[str]]:
    """Compute the user's formulas on a finished report at ``path`` with pycel.

    Returns ``({(sheet, row, col): value}, problems)``; a formula pycel cannot compute is
    left out of the values and named in ``problems``.
    """
    cells = custom.formula_cells()
    if not cells:
        return {}, []
    log = logging.getLogger("pycel")  # pycel logs a traceback per failing formula
    level, log.level = log.level, logging.CRITICAL + 1
    try:
        return _evaluate(compiler(path, single_load=True), cells)
    finally:
        log.setLevel(level)


def _evaluate(xc, cells):
    values, problems = {}, []
    for sheet, c in cells:
        addr = f"{sheet}!{c.ref}"
        try:
            v = xc.evaluate(addr)
        except Exception as e:  # pycel raises its own and Python errors for unknown input
            problems.append(f"{addr}: {c.value} could not be computed ({_short(e)}); "
                            f"written as a formula for Excel to compute")
            continue
        while isinstance(v, (tuple, list)):  # an array result: its top-left value
            v = v[0] if v else None
        if hasattr(v, "item"):  # numpy scalar
            v = v.item()
        if v is None:
            v = 0.0
        values[(sheet, c.row, c.col)] = v
    return values, problems


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return (text[-1] if text else type(e).__name__)[:160]
